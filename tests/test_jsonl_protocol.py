"""The JSON-lines protocol of ``python -m kiosk --jsonl``.

What only the command can show (bytes that are not UTF-8, each line flushed and valid JSON, end of
input and the exit code) runs through the real subprocess; the conversation itself (commands,
reprompts, progress, question ids) runs ``run_jsonl`` in-process over real pipes, the same
function the command runs, without a Python start-up per test.

stdin: one answer a line, as a patient would say it. stdout: one JSON object a line, each with a
"type" (question, answer, reprompt, emergency, result, aborted) and the documented keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.engine.events import URGENCY_LEVELS
from tests.support import InProcessKiosk, KioskProcess, SimulatedPatient, Story, load_stories, run_story
from tests.support.patient import DEFAULT_TIMEOUT_S
from tests.support.stories import Expectation

INTENTS = {"yes", "no", "unknown", "number", "duration", "choices", "none",
           "repeat", "back", "help", "why", "restart", "no_match"}
KINDS = {"yes_no", "choice", "multi", "duration", "number"}
LEVELS = set(URGENCY_LEVELS)
STORIES = {s.id: s for s in load_stories()}

# A well patient who answers "no" to everything: the interview runs its full course.
WELL = Story(id="protocol_well_patient", summary="40-year-old, two weeks of cramps, nothing else.",
             source="standard red flags", age=40, duration_days=14, findings=frozenset(),
             unsure=frozenset(), expect=Expectation(causes=(), urgency="self_care", rationale=""))


def plain_answer(question: dict[str, Any]) -> str:
    return SimulatedPatient(WELL).answer(question, plain=True).text


@pytest.fixture
def command() -> Iterator[KioskProcess]:
    """The real `python -m kiosk --jsonl` subprocess."""
    with KioskProcess() as process:
        yield process


@pytest.fixture(scope="module")
def _shared_command() -> Iterator[list[KioskProcess]]:
    held: list[KioskProcess] = []
    yield held
    for process in held:
        process.close_input()
        process.kill()


@pytest.fixture
def at_first_question(_shared_command: list[KioskProcess]) -> tuple[KioskProcess, dict[str, Any]]:
    """The real `python -m kiosk --jsonl` at its first question, for tests of what the command
    does with the lines it reads: the one the test before left, told to start over, or a new one
    when that one ended or does not answer "start over" as it should (a test that failed midway).
    Every line still goes through the real command's stdin and stdout; what is saved is a Python
    start-up and a knowledge-base load per test."""
    question = _started_over(_shared_command[0]) if _shared_command else None
    if question is None:
        for process in _shared_command:
            process.kill()
        _shared_command[:] = [KioskProcess()]
        question = first_question(_shared_command[0])
    return _shared_command[0], question


def _started_over(kiosk: KioskProcess) -> dict[str, Any] | None:
    """The first question again after "start over" and "yes", or None if the kiosk did otherwise."""
    if kiosk.process.poll() is not None:
        return None
    kiosk.send("start over")
    turn = kiosk.read_turn()
    if not turn or turn[-1]["type"] != "reprompt" or turn[-1].get("reason") != "restart":
        return None
    kiosk.send("yes")
    turn = kiosk.read_turn()
    if not turn or turn[-1]["type"] != "question" or turn[-1]["progress"]["asked"] != 1:
        return None
    return turn[-1]


@pytest.fixture
def kiosk() -> Iterator[KioskProcess]:
    """run_jsonl in-process: the same conversation, for tests about what is said, not how."""
    with InProcessKiosk() as process:
        yield process


def first_question(kiosk: KioskProcess) -> dict[str, Any]:
    turn = kiosk.read_turn()
    assert turn and turn[-1]["type"] == "question", f"expected a first question, got {turn}; {kiosk.stderr}"
    return turn[-1]


def say(kiosk: KioskProcess, line: str | bytes) -> list[dict[str, Any]]:
    """Send one line; return the events up to the next turn, checking the one answer event."""
    kiosk.send(line)
    turn = kiosk.read_turn()
    answers = [e for e in turn if e["type"] == "answer"]
    assert len(answers) == 1, f"one answer event expected for {line!r:.80}, got {turn}; {kiosk.stderr[-1000:]}"
    assert turn[0]["type"] == "answer", f"the answer event comes first: {turn}"
    return turn


def advance(kiosk: KioskProcess, question: dict[str, Any]) -> dict[str, Any]:
    """Answer plainly and return the next question."""
    turn = say(kiosk, plain_answer(question))
    assert turn[-1]["type"] == "question", f"after a plain answer to {question['id']}: {turn}"
    return turn[-1]


# -- event schema -------------------------------------------------------------------------------
def _is_str(value: Any, nonempty: bool = False) -> bool:
    return isinstance(value, str) and (bool(value.strip()) or not nonempty)


def event_problems(event: dict[str, Any]) -> list[str]:
    """Breaks of the documented keys and types for one event."""
    kind = event.get("type")
    checks: dict[str, bool]
    if kind == "question":
        progress = event.get("progress")
        checks = {
            "id": _is_str(event.get("id"), True),
            "kind": event.get("kind") in KINDS,
            "text": _is_str(event.get("text"), True),
            "findings": isinstance(event.get("findings"), list) and all(_is_str(f, True) for f in event["findings"]),
            "choices": isinstance(event.get("choices"), list) and all(
                isinstance(c, dict) and _is_str(c.get("id"), True) and _is_str(c.get("label"), True)
                for c in event["choices"]),
            "progress": isinstance(progress, dict)
            and isinstance(progress.get("asked"), int) and isinstance(progress.get("estimate"), int)
            and 1 <= progress["asked"] <= progress["estimate"],
        }
        if event.get("kind") in ("choice", "multi"):
            checks["choices (non-empty for choice/multi)"] = bool(event.get("choices"))
    elif kind == "answer":
        checks = {
            "question": _is_str(event.get("question"), True),
            "text": _is_str(event.get("text")),
            "intent": event.get("intent") in INTENTS,
            "value": "value" in event,
        }
    elif kind == "reprompt":
        checks = {"question": _is_str(event.get("question"), True), "reason": _is_str(event.get("reason"), True),
                  "text": _is_str(event.get("text"), True)}
        if event.get("reason") == "confirm":  # a read-back has its own two buttons, Yes and No
            checks["options (1 Yes, 2 No)"] = [o.get("number") for o in event.get("options", [])] == [1, 2]
    elif kind == "emergency":
        checks = {"level": event.get("level") == "emergency", "reason": _is_str(event.get("reason"), True),
                  "advice": _is_str(event.get("advice"), True)}
    elif kind == "result":
        urgency, causes = event.get("urgency"), event.get("causes")
        checks = {
            "urgency": isinstance(urgency, dict) and urgency.get("level") in LEVELS
            and _is_str(urgency.get("advice"), True),
            "causes": isinstance(causes, list) and all(_cause_ok(c) for c in causes),
            "disclaimer": _is_str(event.get("disclaimer"), True),
        }
    elif kind == "aborted":
        checks = {"only a type": set(event) == {"type"}}
    else:
        checks = {f"unknown type {kind!r}": False}
    return [f"{kind}: bad {key}: {event}" for key, ok in checks.items() if not ok]


def _cause_ok(cause: Any) -> bool:
    return (isinstance(cause, dict) and _is_str(cause.get("id"), True) and _is_str(cause.get("name"), True)
            and isinstance(cause.get("score"), (int, float)) and math.isfinite(cause["score"])
            and isinstance(cause.get("why"), list) and all(_is_str(w) for w in cause["why"])
            and isinstance(cause.get("against"), list) and all(_is_str(a) for a in cause["against"]))


@pytest.mark.parametrize("story_id", ["protocol_well_patient", "ms_young_woman", "red_flag_chest_pain"])
def test_every_line_is_one_documented_json_object(story_id: str) -> None:
    story = WELL if story_id == WELL.id else STORIES[story_id]
    outcome = run_story(story)
    assert not outcome.problems, outcome.describe()  # includes any line that is not a JSON object
    assert outcome.exit_code == 0
    assert [p for e in outcome.events for p in event_problems(e)] == []
    answers = [e for e in outcome.events if e["type"] == "answer"]
    assert len(answers) == len(outcome.said), "one answer event for every line read"
    assert [a["text"] for a in answers] == [text for _, text in outcome.said]
    assert outcome.events[-1]["type"] == "result"


def test_progress_asked_increases_and_estimate_keeps_up() -> None:
    outcome = run_story(STORIES["cidp_classic"], in_process=True)
    asked = [q["progress"]["asked"] for q in outcome.questions]
    assert asked == sorted(set(asked)), f"asked must rise with each new question: {asked}"
    assert asked[0] == 1
    assert all(q["progress"]["estimate"] >= q["progress"]["asked"] for q in outcome.questions)


def test_emergency_is_followed_by_a_result() -> None:
    outcome = run_story(STORIES["red_flag_one_sided_weakness"], in_process=True)
    types = [e["type"] for e in outcome.events]
    assert "emergency" in types, outcome.describe()
    assert types[types.index("emergency") + 1] == "result"
    assert outcome.result is not None and outcome.result["urgency"]["level"] == "emergency"
    assert outcome.exit_code == 0


# -- end of input ---------------------------------------------------------------------------------
def test_end_of_input_at_the_first_question_aborts(command: KioskProcess) -> None:
    first_question(command)
    command.close_input()
    assert command.read_rest() == [{"type": "aborted"}]
    assert command.process.wait(timeout=DEFAULT_TIMEOUT_S) == 0


def test_end_of_input_midway_aborts(command: KioskProcess) -> None:
    question = first_question(command)
    advance(command, question)
    command.close_input()
    assert command.read_rest() == [{"type": "aborted"}]
    assert command.process.wait(timeout=DEFAULT_TIMEOUT_S) == 0


# -- bad input never crashes ------------------------------------------------------------------
BAD_LINES: list[str | bytes] = [
    "",
    "   ",
    '{"type": "answer", "text": "yes"',
    "xqzv blorf wug " * 7000,  # about 100,000 characters
    b"\xff\xfe\x00\x01 \xc3\x28 binary \x80\x81",
    "\x1b[31m\x07\x00 control characters",
    "\u263a\ufe0f \u0645\u0631\u062d\u0628\u0627 \U0001F44D",
    "-1e309",
    "999999999999999999999999999999 years",
]


@pytest.mark.parametrize("line", BAD_LINES, ids=range(len(BAD_LINES)))
def test_bad_line_is_answered_and_loses_nothing(at_first_question: tuple[KioskProcess, dict[str, Any]],
                                               line: str | bytes) -> None:
    command, question = at_first_question
    turn = say(command, line)
    assert turn[-1]["type"] in ("reprompt", "question"), turn
    assert [p for e in turn for p in event_problems(e)] == []
    assert command.process.poll() is None, "the kiosk must keep running"
    current = turn[-1] if turn[-1]["type"] == "question" else question
    nxt = advance(command, current)
    assert nxt["progress"]["asked"] > current["progress"]["asked"]


def test_several_bad_lines_in_a_row_then_a_good_answer(
        at_first_question: tuple[KioskProcess, dict[str, Any]]) -> None:
    """Past the safety check, bad lines are asked again for as long as it takes (a safety question
    moves on to its warning signs one by one instead: tests/test_safety.py)."""
    command, question = at_first_question
    while question["id"] != "age":
        question = advance(command, question)
    for line in ("", "xqzv blorf", b"\xff\xfe", "xqzv blorf", "?"):
        turn = say(command, line)
        assert turn[-1]["type"] == "reprompt", turn
    nxt = advance(command, question)
    assert nxt["id"] != question["id"]


def test_gibberish_gives_a_no_match_reprompt(kiosk: KioskProcess) -> None:
    question = first_question(kiosk)
    turn = say(kiosk, "xqzv blorf wug")
    assert turn[0]["intent"] == "no_match" and turn[0]["question"] == question["id"]
    reprompt = turn[-1]
    assert reprompt["type"] == "reprompt" and reprompt["reason"] == "no_match"
    assert reprompt["question"] == question["id"] and reprompt["text"].strip()


# -- commands --------------------------------------------------------------------------------------
@pytest.mark.parametrize("line", ["repeat", "please repeat the question"])
def test_repeat_resends_the_same_question(kiosk: KioskProcess, line: str) -> None:
    question = advance(kiosk, first_question(kiosk))
    turn = say(kiosk, line)
    assert turn[0]["intent"] == "repeat"
    again = turn[-1]
    assert again["type"] == "question"
    assert (again["id"], again["text"], again["kind"]) == (question["id"], question["text"], question["kind"])


def test_go_back_returns_to_the_previous_question(kiosk: KioskProcess) -> None:
    first = first_question(kiosk)
    second = advance(kiosk, first)
    third = advance(kiosk, second)
    turn = say(kiosk, "go back")
    assert turn[0]["intent"] == "back" and turn[0]["question"] == third["id"]
    assert turn[-1]["type"] == "question" and turn[-1]["id"] == second["id"]
    turn = say(kiosk, "go back")
    assert turn[-1]["type"] == "question" and turn[-1]["id"] == first["id"]


@pytest.mark.parametrize("command", ["help", "why"])
def test_help_and_why_explain_then_wait(kiosk: KioskProcess, command: str) -> None:
    question = first_question(kiosk)
    turn = say(kiosk, command)
    assert turn[0]["intent"] == command
    reprompt = turn[-1]
    assert reprompt["type"] == "reprompt" and reprompt["reason"] == command
    assert reprompt["question"] == question["id"]
    assert reprompt["text"].strip() and reprompt["text"].strip() != question["text"].strip(), (
        "help and why must add an explanation to the question")
    assert advance(kiosk, question)["id"] != question["id"], "the question still takes its answer"


def test_start_over_returns_to_the_first_question(kiosk: KioskProcess) -> None:
    first = first_question(kiosk)
    third = advance(kiosk, advance(kiosk, first))
    assert third["progress"]["asked"] >= 3
    turn = say(kiosk, "start over")
    assert turn[0]["intent"] == "restart"
    assert turn[-1]["type"] == "reprompt" and turn[-1]["reason"] == "restart"  # every answer is lost: it asks
    turn = say(kiosk, "yes")
    again = turn[-1]
    assert again["type"] == "question" and again["id"] == first["id"]
    assert again["progress"]["asked"] == 1


def test_after_a_result_end_of_input_exits_cleanly() -> None:
    outcome = run_story(STORIES["typist_overuse"])
    assert outcome.result is not None, outcome.describe()
    assert outcome.exit_code == 0
    assert outcome.events[-1]["type"] == "result", "nothing after the result once input ends"


@pytest.mark.parametrize("story_id", ["myasthenia_classic", "older_several_mild", "lupus_classic"])
def test_question_ids_follow_the_protocol(story_id: str) -> None:
    """Yes/no about one finding: id = that finding. Age and duration: ids `age` and `duration`.
    Choices that stand for findings carry the finding ids the question lists."""
    outcome = run_story(STORIES[story_id], in_process=True)
    assert outcome.questions and not outcome.problems, outcome.describe()
    for q in outcome.questions:
        if q["kind"] == "number":
            assert q["id"] == "age", q
        elif q["kind"] == "duration":
            assert q["id"] == "duration", q
        elif q["kind"] == "yes_no" and len(q["findings"]) == 1:
            assert q["id"] == q["findings"][0], q
        elif q["kind"] in ("multi", "choice"):
            finding_choices = [c["id"] for c in q["choices"] if c["id"] in q["findings"]]
            assert finding_choices, f"a {q['kind']} question whose choices stand for no listed finding: {q}"


@pytest.mark.parametrize("line", ["250", "I'm 0", "a hundred and fifty years old"])
def test_impossible_age_is_reprompted_not_accepted(kiosk: KioskProcess, line: str) -> None:
    question = first_question(kiosk)
    while question["kind"] != "number":
        question = advance(kiosk, question)
    turn = say(kiosk, line)
    assert turn[-1]["type"] == "reprompt", f"{line!r} is not a possible age: {turn}"
    assert turn[-1]["question"] == question["id"]
    assert advance(kiosk, question)["id"] != question["id"]


def test_a_transcript_with_low_confidence_is_read_back_first(kiosk: KioskProcess) -> None:
    """{"text": ..., "confidence": ...}: the speech loop's answer; unclear ones are confirmed."""
    first_question(kiosk)
    turn = say(kiosk, '{"text": "no", "confidence": 0.3}')
    assert turn[0]["intent"] == "no" and turn[-1]["type"] == "reprompt" and turn[-1]["reason"] == "confirm"
    assert turn[-1]["text"] == "You said you have none of these. Is that right?"
    assert [p for e in turn for p in event_problems(e)] == []  # with its Yes / No options
    turn = say(kiosk, "yes")
    assert turn[-1]["type"] == "question" and turn[-1]["id"] == "warning_signs"
    turn = say(kiosk, '{"text": "none of those", "confidence": 0.9}')  # sure enough: straight on
    assert turn[-1]["type"] == "question" and turn[-1]["id"] == "age"
