"""Safety probes (test support): short conversations that must, or must not, end in an emergency.

Each probe (tests/cases/safety_probes.yaml) is the lines a patient gives ``kiosk --jsonl`` - words,
or the objects for a key, silence and the idle timer - and what must follow: ``emergency`` (a red
flag said yes to), ``staff_check`` (a red flag left open) or ``no_emergency`` (a denial; with
``next``, the question that must come after it). The lines go through the same line handling as
``kiosk --jsonl`` (kiosk.jsonl.respond). For emergency and staff_check probes the input then ends,
as when a patient walks away; a denial is judged on what its lines got (understood, no emergency).
Used by tests/test_safety.py and scripts/bench_engine.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.yamldata import read_data

from kiosk.engine import Session
from kiosk.engine.events import AnswerEvent, EmergencyEvent, Event, QuestionEvent, ResultEvent
from kiosk.engine.knowledge import KnowledgeBase
from kiosk.jsonl import respond

DEFAULT_PROBES = Path(__file__).resolve().parents[2] / "tests" / "cases" / "safety_probes.yaml"
EXPECTATIONS = ("emergency", "staff_check", "no_emergency")


@dataclass(frozen=True)
class Probe:
    id: str
    lines: tuple[str, ...]  # as sent to kiosk --jsonl, one a line
    expect: str
    next: str = ""  # no_emergency: the question asked after the last line
    pending: str = ""  # not understood yet: which piece of work is adding it


@dataclass(frozen=True)
class ProbeOutcome:
    probe: Probe
    emergency: str  # "", "red_flag" or "staff_check": the first emergency event's kind
    next_question: str  # the last question asked
    understood: bool  # the last answer in words was not "no_match"
    result: ResultEvent | None = None  # the result, when the probe reached one

    @property
    def passed(self) -> bool:
        expect = self.probe.expect
        if expect == "no_emergency":
            return (not self.emergency and self.understood
                    and (not self.probe.next or self.next_question == self.probe.next))
        return self.emergency == ("red_flag" if expect == "emergency" else "staff_check")

    @property
    def alerted(self) -> bool:
        return bool(self.emergency)


def load_probes(path: Path | None = None) -> list[Probe]:
    path = path or DEFAULT_PROBES
    raw = read_data(path)
    probes = [_probe(item, path) for item in raw]
    ids = [p.id for p in probes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate probe ids")
    return probes


def _probe(item: dict[str, Any], path: Path) -> Probe:
    if item.get("expect") not in EXPECTATIONS:
        raise ValueError(f"{path}: probe {item.get('id')}: expect must be one of {EXPECTATIONS}")
    lines = tuple(line if isinstance(line, str) else json.dumps(line) for line in item["say"])
    return Probe(str(item["id"]), lines, item["expect"], str(item.get("next", "")), str(item.get("pending", "")))


def run_probe(kb: KnowledgeBase, probe: Probe) -> ProbeOutcome:
    session = Session(kb)
    events: list[Event] = list(session.start())
    for line in probe.lines:
        events += respond(session, line)
        if session.finished:
            break
    else:
        if probe.expect != "no_emergency":
            events += session.abort()  # the input ends: the patient has gone
    kinds = [e.kind for e in events if isinstance(e, EmergencyEvent)]
    questions = [e.id for e in events if isinstance(e, QuestionEvent)]
    answers = [e for e in events if isinstance(e, AnswerEvent)]
    understood = not answers or answers[-1].intent != "no_match"
    results = [e for e in events if isinstance(e, ResultEvent)]
    return ProbeOutcome(probe, kinds[0] if kinds else "", questions[-1] if questions else "", understood,
                        results[-1] if results else None)
