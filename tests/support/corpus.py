"""Scoring the kiosk's understanding on a corpus of answers in patients' own words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.yamldata import read_data

from kiosk.engine.knowledge import KnowledgeBase
from kiosk.engine.understanding import read


@dataclass(frozen=True)
class Line:
    question: str
    say: str
    yes: frozenset[str]
    no: frozenset[str]


@dataclass
class Score:
    true_pos: Counter[str] = field(default_factory=Counter)
    false_pos: Counter[str] = field(default_factory=Counter)
    false_neg: Counter[str] = field(default_factory=Counter)
    denial_as_yes: list[tuple[Line, str]] = field(default_factory=list)
    complaint_as_no: list[tuple[Line, str]] = field(default_factory=list)
    misses: list[tuple[Line, dict[str, str]]] = field(default_factory=list)
    lines: int = 0

    def precision(self, fid: str) -> float:
        said = self.true_pos[fid] + self.false_pos[fid]
        return self.true_pos[fid] / said if said else 1.0

    def recall(self, fid: str) -> float:
        meant = self.true_pos[fid] + self.false_neg[fid]
        return self.true_pos[fid] / meant if meant else 1.0

    def micro(self) -> tuple[float, float]:
        tp, fp, fn = sum(self.true_pos.values()), sum(self.false_pos.values()), sum(self.false_neg.values())
        return tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0

    def report(self) -> str:
        findings = sorted(set(self.true_pos) | set(self.false_pos) | set(self.false_neg))
        rows = [f"{'finding':32} {'precision':>9} {'recall':>7}  (tp fp fn)"]
        rows += [f"{f:32} {self.precision(f):9.2f} {self.recall(f):7.2f}  "
                 f"({self.true_pos[f]} {self.false_pos[f]} {self.false_neg[f]})" for f in findings]
        p, r = self.micro()
        rows.append(f"{'ALL (micro)':32} {p:9.3f} {r:7.3f}  lines={self.lines} "
                    f"denials read as yes={len(self.denial_as_yes)} complaints read as no={len(self.complaint_as_no)}")
        rows += [f"  miss: [{line.question}] {line.say!r} meant yes={sorted(line.yes)} no={sorted(line.no)} got {got}"
                 for line, got in self.misses]
        return "\n".join(rows)


def load(path: Path) -> list[Line]:
    return [Line(q, say, frozenset(yes), frozenset(no)) for q, say, yes, no in read_data(path)]


def said(kb: KnowledgeBase, question_id: str, text: str) -> dict[str, str]:
    """Finding id -> "yes" / "no" / "unknown", as the kiosk understood the answer."""
    question = kb.questions[question_id]
    reading = read(kb, question, text)
    out: dict[str, str] = {}
    for m in reading.mentions:
        if m.key.startswith("finding:"):
            out[m.key[8:]] = m.state if m.key[8:] not in out or m.state == "yes" else out[m.key[8:]]
    intent = reading.intent
    if question.kind == "yes_no" and intent.name in ("yes", "no"):
        out[question.findings[0]] = intent.name
    if question.kind == "multi":
        if intent.name in ("none", "no"):
            out.update({f: "no" for f in question.findings if f not in out})
        elif intent.name == "choices" and intent.value:
            out.update({f: "no" for f in question.findings if f not in out})  # naming some says no to the rest
    return out


def score(kb: KnowledgeBase, lines: list[Line]) -> Score:
    result = Score()
    for line in lines:
        result.lines += 1
        got = said(kb, line.question, line.say)
        yes = {f for f, s in got.items() if s == "yes"}
        no = {f for f, s in got.items() if s == "no"}
        for fid in line.yes:
            (result.true_pos if fid in yes else result.false_neg)[fid] += 1
        for fid in yes - line.yes:
            result.false_pos[fid] += 1
        result.denial_as_yes += [(line, f) for f in sorted(line.no & yes)]
        result.complaint_as_no += [(line, f) for f in sorted(line.yes & no)]
        if yes != line.yes or (line.no - no):
            result.misses.append((line, got))
    return result
