"""A simulated patient that talks to ``kiosk --jsonl``: a real subprocess, or in-process.

It knows nothing of the engine's internals: it reads the JSON-lines protocol (one event a line on
stdout), answers each question the way the story's patient would say it (one line on stdin), and
reports what happened. Used by tests/test_clinical_cases.py, tests/test_jsonl_protocol.py and
scripts/bench_engine.py::

    story = load_stories()[0]
    outcome = run_story(story)            # variant=1 for the alternative phrasings
    outcome.urgency, outcome.cause_ids[:3], outcome.questions_asked, outcome.seconds
    run_story(story, in_process=True)     # the same conversation with run_jsonl in a thread

In-process, ``kiosk.jsonl.run_jsonl`` (the function ``kiosk --jsonl`` runs) reads and writes real
OS pipes, so the patient sees the same bytes without paying a Python start-up per interview.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import phrasing
from kiosk.engine import load_knowledge_base
from kiosk.engine.knowledge import KnowledgeBase
from kiosk.jsonl import run_jsonl

from .knowledge import shipped_kb
from .stories import FINDINGS, Story

REPO_ROOT = Path(__file__).resolve().parents[2]
# Events after which the patient must act (or the interview is over). An emergency is always
# followed by a result, so it is not a turn of its own.
TURN_EVENTS = frozenset({"question", "reprompt", "result", "aborted"})
# Per event: only bounds a hang (a read returns the moment the event comes). 20 s was too little
# for the first event, which waits for Python to start and the knowledge base to load: with both
# cores busy (scripts/repeat_tests.sh) a cold `kiosk --jsonl` took more than 20 s.
DEFAULT_TIMEOUT_S = 180.0
MAX_TURNS = 150  # an interview that needs more answers than this is stuck in a loop


class ProtocolError(AssertionError):
    """The kiosk broke the JSON-lines protocol (not JSON, not an object, no type...)."""


class KioskTimeout(AssertionError):
    """No event arrived in time (a hang, or stdout not flushed after each line)."""


_EOF = object()


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are Python's extension, not JSON: other clients cannot read them."""
    raise ValueError(f"{name} is not valid JSON")


class KioskProcess:
    """One ``kiosk --jsonl`` subprocess with line-buffered pipes.

    A reader thread turns stdout into a queue of lines so every read can time out instead of
    blocking a test forever. All lines and parsed events are kept for protocol checks.
    """

    def __init__(self, args: Sequence[str] = (), *, python: str = sys.executable,
                 cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.timeout = timeout
        self.lines: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.sent: list[bytes] = []
        self._start(args, python, cwd or REPO_ROOT)
        self._lines: queue.Queue[object] = queue.Queue()
        self._stderr: list[bytes] = []
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()

    def _start(self, args: Sequence[str], python: str, cwd: Path) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), env.get("PYTHONPATH")]))
        # PYTHONUNBUFFERED is deliberately not set: the kiosk itself must flush each event.
        env.pop("PYTHONUNBUFFERED", None)
        self.process = subprocess.Popen(
            [python, "-m", "kiosk", "--jsonl", *args], cwd=cwd, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
        )

    # -- talking ------------------------------------------------------------------------------
    def send(self, line: str | bytes) -> None:
        """Write one line (a newline is added) and flush it to the kiosk."""
        data = line.encode("utf-8") if isinstance(line, str) else line
        self.sent.append(data)
        assert self.process.stdin is not None
        self.process.stdin.write(data + b"\n")
        self.process.stdin.flush()

    def close_input(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass

    def read_event(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next event, or None at end of output."""
        try:
            item = self._lines.get(timeout=self.timeout if timeout is None else timeout)
        except queue.Empty:
            raise KioskTimeout(
                f"no event from kiosk --jsonl within {timeout or self.timeout:.0f} s "
                f"(hung, or stdout not flushed after each line?); stderr: {self.stderr[-2000:]}"
            ) from None
        if item is _EOF:
            return None
        assert isinstance(item, bytes)
        try:
            text = item.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(f"stdout line is not UTF-8: {item[:200]!r}") from error
        self.lines.append(text)
        try:
            event = json.loads(text, parse_constant=_reject_constant)
        except (json.JSONDecodeError, ValueError) as error:
            raise ProtocolError(f"stdout line is not JSON: {text[:300]!r}") from error
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise ProtocolError(f"stdout line is not a JSON object with a type: {text[:300]!r}")
        self.events.append(event)
        return event

    def read_turn(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Events up to and including the next question, reprompt, result or aborted.

        Empty if output ended first (then the caller sees it in ``exit_code``).
        """
        events: list[dict[str, Any]] = []
        while True:
            event = self.read_event(timeout)
            if event is None:
                return events
            events.append(event)
            if event["type"] in TURN_EVENTS:
                return events

    def read_rest(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Every remaining event until the kiosk closes its output."""
        events: list[dict[str, Any]] = []
        while (event := self.read_event(timeout)) is not None:
            events.append(event)
        return events

    def finish(self, timeout: float | None = None) -> int:
        """Close stdin, read what is left, and return the exit code."""
        self.close_input()
        self.read_rest(timeout)
        try:
            return self.process.wait(timeout=self.timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise KioskTimeout("kiosk --jsonl did not exit after end of input") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    def __enter__(self) -> KioskProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_input()
        self.kill()

    # -- pumps ----------------------------------------------------------------------------------
    def _pump_stdout(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            self._lines.put(raw.rstrip(b"\r\n"))
        self._lines.put(_EOF)

    def _pump_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in iter(self.process.stderr.readline, b""):
            self._stderr.append(raw)


class _FinishedThread:
    """What ``KioskProcess`` needs of a process, for ``run_jsonl`` running in a thread."""

    def __init__(self, target: Callable[[], int]) -> None:
        self.stdin: IO[bytes] | None = None
        self.stdout: IO[bytes] | None = None
        self.stderr: IO[bytes] | None = None
        self.returncode: int | None = None
        self._thread = threading.Thread(target=self._run, args=(target,), daemon=True)
        self._thread.start()

    def _run(self, target: Callable[[], int]) -> None:
        self.returncode = target()

    def poll(self) -> int | None:
        return None if self._thread.is_alive() else self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        self._thread.join(DEFAULT_TIMEOUT_S if timeout is None else timeout)
        if self._thread.is_alive():
            raise subprocess.TimeoutExpired("run_jsonl", timeout or 0)
        return self.returncode

    def kill(self) -> None:
        """A thread cannot be killed: closing its input ends ``run_jsonl`` (it aborts at end of input)."""


class InProcessKiosk(KioskProcess):
    """``kiosk.jsonl.run_jsonl`` in a thread, over real OS pipes: the same protocol as the
    subprocess without a Python start-up and a knowledge-base load per interview (the knowledge
    base is loaded once per folder and shared: a session never changes it). Only
    ``--intents DIR`` is understood."""

    def _start(self, args: Sequence[str], python: str, cwd: Path) -> None:
        kb = _knowledge_base(_intents_arg(args))
        in_read, in_write = os.pipe()
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        os.close(err_write)  # run_jsonl reports a bad knowledge base on sys.stderr, seen by the test
        stdin = open(in_read, encoding="utf-8", errors="replace")  # as `kiosk --jsonl` wraps its stdin
        stdout = open(out_write, "w", encoding="utf-8")

        def serve() -> int:
            with stdin, stdout:
                return run_jsonl(stdin, stdout, kb=kb)

        thread = _FinishedThread(serve)
        thread.stdin = open(in_write, "wb", buffering=0)
        thread.stdout = open(out_read, "rb", buffering=0)
        thread.stderr = open(err_read, "rb", buffering=0)
        self.process = thread  # type: ignore[assignment]  # the part of Popen that KioskProcess uses


@functools.cache
def _knowledge_base(intents: Path | None) -> KnowledgeBase:
    # the shipped one is the one the other tests share (its answer patterns compiled once)
    return shipped_kb() if intents is None else load_knowledge_base(intents)


def _intents_arg(args: Sequence[str]) -> Path | None:
    args = list(args)
    if not args:
        return None
    if len(args) == 2 and args[0] == "--intents":
        return Path(args[1])
    raise ValueError(f"in-process kiosk understands only --intents DIR, not {args}")


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedAnswer:
    """What the patient says, and what it should be understood as."""

    text: str
    intent: str  # yes, no, unknown, number, duration, choices or none
    value: Any = None


@dataclass(frozen=True)
class Misunderstanding:
    question: str
    said: str
    meant: str  # "yes", "duration 14", "choices ['numbness']"...
    understood: str  # the answer event's intent and value


@dataclass
class StoryOutcome:
    """Everything one simulated interview produced."""

    story_id: str
    variant: int
    events: list[dict[str, Any]] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)  # every question event seen
    said: list[tuple[str, str]] = field(default_factory=list)  # (question id, line sent)
    result: dict[str, Any] | None = None
    emergency: dict[str, Any] | None = None
    misunderstood: list[Misunderstanding] = field(default_factory=list)
    reprompts: int = 0
    problems: list[str] = field(default_factory=list)  # questions the story can't answer, hangs...
    seconds: float = 0.0
    exit_code: int | None = None
    stderr: str = ""

    @property
    def completed(self) -> bool:
        return self.result is not None

    @property
    def urgency(self) -> str | None:
        return self.result["urgency"]["level"] if self.result else None

    @property
    def cause_ids(self) -> list[str]:
        """Cause ids in the order the kiosk ranked them."""
        return [c["id"] for c in self.result["causes"]] if self.result else []

    def top_causes(self, n: int = 3) -> list[str]:
        return self.cause_ids[:n]

    @property
    def questions_asked(self) -> int:
        """Distinct question turns (a question re-sent after 'repeat' or a reprompt counts once)."""
        return len(self.said_question_ids)

    @property
    def said_question_ids(self) -> list[str]:
        ids: list[str] = []
        for question_id, _ in self.said:
            if not ids or ids[-1] != question_id:
                ids.append(question_id)
        return ids

    def describe(self) -> str:
        """A readable account for a failing test or the benchmark."""
        lines = [f"story {self.story_id} (variant {self.variant}): urgency={self.urgency} "
                 f"causes={self.cause_ids[:5]} questions={self.questions_asked} "
                 f"exit={self.exit_code} {self.seconds:.2f}s"]
        if self.emergency:
            lines.append(f"  emergency: {self.emergency.get('reason')}")
        lines += [f"  Q {qid}: {text!r}" for qid, text in self.said]
        lines += [f"  MISUNDERSTOOD {m.question}: said {m.said!r}, meant {m.meant}, got {m.understood}"
                  for m in self.misunderstood]
        lines += [f"  PROBLEM {p}" for p in self.problems]
        if self.stderr.strip():
            lines.append("  stderr: " + self.stderr.strip()[-1500:])
        return "\n".join(lines)


class SimulatedPatient:
    """Answers questions the way the patient in ``story`` would, in phrase book ``variant``."""

    def __init__(self, story: Story, variant: int = 0) -> None:
        if variant not in phrasing.VARIANTS:
            raise ValueError(f"variant must be one of {phrasing.VARIANTS}")
        self.story = story
        self.variant = variant
        self.problems: list[str] = []

    def answer(self, question: dict[str, Any], plain: bool = False) -> PlannedAnswer:
        """What to say to a question event; ``plain`` is the simplest wording (after a reprompt)."""
        kind = question.get("kind")
        qid = str(question.get("id"))
        if kind == "number":
            return self._number(qid, plain)
        if kind == "duration":
            return self._duration(qid, plain)
        if kind in ("multi", "choice"):
            return self._choices(question, plain)
        return self._yes_no(question, plain)

    # -- by kind --------------------------------------------------------------------------------
    def _yes_no(self, question: dict[str, Any], plain: bool) -> PlannedAnswer:
        qid = str(question.get("id"))
        asked = [f for f in question.get("findings") or [qid] if isinstance(f, str)]
        known = [f for f in asked if f in FINDINGS]
        if not known:
            self._problem(f"yes/no question {qid!r} asks about no known finding {asked}; answered no")
        answers = {self.story.answer_for(f) for f in known}
        state = "yes" if "yes" in answers else "unsure" if "unsure" in answers else "no"
        bank = {"yes": phrasing.YES, "no": phrasing.NO, "unsure": phrasing.UNSURE}[state]
        text = phrasing.PLAIN[state] if plain else self._pick(bank[self.variant], qid)
        if state == "unsure":
            return PlannedAnswer(text, "unknown")
        return PlannedAnswer(text, state, state == "yes")

    def _number(self, qid: str, plain: bool) -> PlannedAnswer:
        if qid != "age":
            self._problem(f"number question {qid!r} is not the age; answered not sure")
            return PlannedAnswer(phrasing.PLAIN["unsure"], "unknown")
        age = self.story.age
        text = str(age) if plain else phrasing.age_phrase(age, self.variant, self.story.id, qid)
        return PlannedAnswer(text, "number", age)

    def _duration(self, qid: str, plain: bool) -> PlannedAnswer:
        days = self.story.duration_days
        if plain:
            text = phrasing.plain_duration(days)
        else:
            text = phrasing.duration_phrase(days, self.variant, self.story.id, qid)
        return PlannedAnswer(text, "duration", days)

    def _choices(self, question: dict[str, Any], plain: bool) -> PlannedAnswer:
        qid = str(question.get("id"))
        choices = [c for c in question.get("choices") or [] if isinstance(c, dict)]
        chosen = [c for c in choices if self.story.answer_for(str(c.get("id"))) == "yes"]
        if not chosen and question.get("kind") == "choice":
            # A single choice such as "one hand / both hands": the option that is not a finding.
            others = [c for c in choices if c.get("id") not in FINDINGS]
            if len(others) == 1:
                chosen = others
        if question.get("kind") == "choice":
            chosen = chosen[:1]
        if chosen:
            labels = [str(c.get("label", c.get("id"))) for c in chosen]
            if plain or question.get("kind") == "choice":
                text = " and ".join(labels).lower()
            else:
                text = phrasing.list_phrase(labels, self.variant, self.story.id, qid)
            return PlannedAnswer(text, "choices", sorted(str(c["id"]) for c in chosen))
        if any(self.story.answer_for(str(c.get("id"))) == "unsure" for c in choices):
            text = phrasing.PLAIN["unsure"] if plain else self._pick(phrasing.UNSURE[self.variant], qid)
            return PlannedAnswer(text, "unknown")
        if not any(c.get("id") in FINDINGS for c in choices):
            self._problem(f"{question.get('kind')} question {qid!r} offers no known finding; answered none")
        text = phrasing.PLAIN["none"] if plain else self._pick(phrasing.NONE_OF_THOSE[self.variant], qid)
        return PlannedAnswer(text, "none", [])

    def confirm(self, reprompt: dict[str, Any]) -> PlannedAnswer:
        """ "You said your hands tingle. Is that right?": yes only if every finding named is true."""
        findings = [f for f in reprompt.get("findings") or [] if isinstance(f, str)]
        true = bool(findings) and all(self.story.answer_for(f) == "yes" for f in findings)
        return PlannedAnswer("yes" if true else "no", "yes" if true else "no", true)

    def _pick(self, options: Sequence[str], qid: str) -> str:
        return phrasing.pick(options, self.story.id, qid)

    def _problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


def understood_as_meant(planned: PlannedAnswer, answer: dict[str, Any]) -> bool:
    """Did the kiosk's answer event mean what the patient meant?"""
    intent, value = answer.get("intent"), answer.get("value")
    if planned.intent == "none":
        return intent == "none" or (intent == "choices" and not value)
    if intent != planned.intent:
        return False
    if planned.intent == "number":
        return isinstance(value, (int, float)) and round(value) == planned.value
    if planned.intent == "duration":
        return _close_duration(planned.value, value)
    if planned.intent == "choices":
        return isinstance(value, list) and sorted(map(str, value)) == planned.value
    return True


def _close_duration(meant: float, got: Any) -> bool:
    if not isinstance(got, (int, float)):
        return False
    if meant <= 1:
        return 0 <= got <= 1.5
    if meant >= 365 and abs(meant / 365 - round(meant / 365)) >= 0.05:  # "over a year"
        return got >= 330
    return abs(got - meant) <= 0.35 * meant


def _meant(planned: PlannedAnswer) -> str:
    return planned.intent if planned.value is None else f"{planned.intent} {planned.value}"


# ---------------------------------------------------------------------------------------------
def run_story(story: Story, variant: int = 0, *, kiosk_args: Sequence[str] = (),
              timeout: float = DEFAULT_TIMEOUT_S, in_process: bool = False,
              patient_class: type[SimulatedPatient] | None = None) -> StoryOutcome:
    """Interview one simulated patient through a fresh ``kiosk --jsonl`` subprocess (or, with
    ``in_process``, through ``run_jsonl`` in a thread of this process). ``patient_class``: another
    way of answering (tests/support/own_words.py)."""
    patient = (patient_class or SimulatedPatient)(story, variant)
    outcome = StoryOutcome(story.id, variant)
    started = time.perf_counter()
    kiosk_class = InProcessKiosk if in_process else KioskProcess
    with kiosk_class(kiosk_args, timeout=timeout) as kiosk:
        try:
            _converse(kiosk, patient, outcome)
            outcome.exit_code = kiosk.finish()
        except (ProtocolError, KioskTimeout, BrokenPipeError) as error:
            outcome.problems.append(f"{type(error).__name__}: {error}")
        outcome.seconds = time.perf_counter() - started
        outcome.events = list(kiosk.events)
        outcome.stderr = kiosk.stderr
    outcome.problems[:0] = patient.problems
    return outcome


def _converse(kiosk: KioskProcess, patient: SimulatedPatient, outcome: StoryOutcome) -> None:
    question: dict[str, Any] | None = None
    planned: PlannedAnswer | None = None  # the last thing said, checked against its answer event
    tries_here = 0  # failed tries at the current question
    for _ in range(MAX_TURNS):
        turn = kiosk.read_turn()
        if planned is not None and question is not None:
            _check_understanding(turn, planned, question, outcome)
        for event in turn:
            if event["type"] == "emergency" and outcome.emergency is None:
                outcome.emergency = event
        if not turn:
            outcome.problems.append("kiosk output ended before a result")
            return
        last = turn[-1]
        if last["type"] == "result":
            outcome.result = last
            return
        if last["type"] == "aborted":
            outcome.problems.append("kiosk aborted the interview")
            return
        if last["type"] == "question":
            question, tries_here = last, 0
            outcome.questions.append(last)
        elif last["type"] == "reprompt" and last.get("reason") == "confirm" and question is not None:
            planned = patient.confirm(last)
            kiosk.send(planned.text)
            outcome.said.append((str(question.get("id")), planned.text))
            continue
        elif last["type"] == "reprompt":
            outcome.reprompts += 1
            tries_here += 1
            if tries_here > 2:
                outcome.problems.append(f"gave up on question {last.get('question')!r} after 3 tries")
                return
        if question is None:
            outcome.problems.append(f"{last['type']} before any question")
            return
        planned = patient.answer(question, plain=tries_here > 0)
        kiosk.send(planned.text)
        outcome.said.append((str(question.get("id")), planned.text))
    outcome.problems.append(f"no result after {MAX_TURNS} answers")


def _check_understanding(turn: list[dict[str, Any]], planned: PlannedAnswer, question: dict[str, Any],
                         outcome: StoryOutcome) -> None:
    """The turn after an answer starts with its answer event: was it understood as meant?"""
    answer = next((e for e in turn if e["type"] == "answer"), None)
    if answer is None:
        outcome.problems.append(f"no answer event for {planned.text!r}")
    elif not understood_as_meant(planned, answer):
        understood = f"{answer.get('intent')} {answer.get('value')!r}"
        outcome.misunderstood.append(
            Misunderstanding(str(question.get("id")), planned.text, _meant(planned), understood))


def run_stories(stories: Sequence[Story], variant: int = 0, *, workers: int | None = None,
                kiosk_args: Sequence[str] = (), timeout: float = DEFAULT_TIMEOUT_S,
                in_process: bool = False, patient_class: type[SimulatedPatient] | None = None) -> dict[str, StoryOutcome]:
    """Run many stories, a few subprocesses at a time (in-process: one at a time, as threads would
    only share one interpreter lock); outcomes keyed by story id, in story order."""
    if in_process:
        return {s.id: run_story(s, variant, kiosk_args=kiosk_args, timeout=timeout, in_process=True,
                                patient_class=patient_class) for s in stories}
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_story, s, variant, kiosk_args=kiosk_args, timeout=timeout,
                               patient_class=patient_class) for s in stories]
        return {s.id: f.result() for s, f in zip(stories, futures)}
