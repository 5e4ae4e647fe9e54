"""The simulated patient itself: it must answer like the story's patient, or the clinical tests
would measure the simulator instead of the engine. No subprocess here; fast."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import SimulatedPatient, Story, load_stories
from tests.support.patient import PlannedAnswer, understood_as_meant
from tests.support.phrasing import duration_phrases, pick, words
from tests.support.stories import Expectation

STORY = Story(
    id="unit_story", summary="", source="standard red flags", age=67, duration_days=60,
    findings=frozenset({"numbness", "tingling", "diuretic"}), unsure=frozenset({"tremor"}),
    expect=Expectation(causes=(), urgency="routine", rationale="x"),
)


def question(kind: str, qid: str, findings: list[str], choices: list[tuple[str, str]] = ()) -> dict[str, Any]:
    return {"type": "question", "id": qid, "kind": kind, "text": "?", "findings": findings,
            "choices": [{"id": i, "label": label} for i, label in choices],
            "progress": {"asked": 1, "estimate": 5}}


NERVES = question("multi", "nerve_signs", ["numbness", "tingling", "weakness"],
                  [("numbness", "Numbness"), ("tingling", "Tingling"), ("weakness", "Weakness")])


def test_multi_says_the_true_labels_joined_with_and() -> None:
    answer = SimulatedPatient(STORY, 0).answer(NERVES)
    assert answer == PlannedAnswer("numbness and tingling", "choices", ["numbness", "tingling"])


def test_multi_with_nothing_true_says_none_and_unsure_says_not_sure() -> None:
    joints = question("multi", "joints", ["joint_pain", "rash"], [("joint_pain", "Joint pain"), ("rash", "A rash")])
    assert SimulatedPatient(STORY, 0).answer(joints, plain=True).text == "none of those"
    movement = question("multi", "movement", ["tremor", "stiffness"], [("tremor", "Shaking"), ("stiffness", "Stiff")])
    assert SimulatedPatient(STORY, 0).answer(movement).intent == "unknown"


def test_yes_no_follows_the_story_and_varies_its_words() -> None:
    patient = SimulatedPatient(STORY, 0)
    assert patient.answer(question("yes_no", "diuretic", ["diuretic"])).intent == "yes"
    assert patient.answer(question("yes_no", "statin", ["statin"])).intent == "no"
    assert patient.answer(question("yes_no", "tremor", ["tremor"])).intent == "unknown"
    said = {SimulatedPatient(s, 0).answer(question("yes_no", "statin", ["statin"])).text for s in load_stories()}
    assert len(said) >= 3, f"everyday 'no' should vary across stories: {said}"


def test_variants_use_different_phrase_books() -> None:
    texts = {v: {SimulatedPatient(s, v).answer(question("yes_no", "lump", ["lump"])).text for s in load_stories()}
             for v in (0, 1)}
    assert texts[0].isdisjoint(texts[1])


def test_age_and_duration() -> None:
    age = SimulatedPatient(STORY, 0).answer(question("number", "age", ["age"]))
    assert age.intent == "number" and age.value == 67 and ("67" in age.text or "sixty seven" in age.text)
    duration = SimulatedPatient(STORY, 0).answer(question("duration", "duration", ["duration"]))
    assert duration.intent == "duration" and "month" in duration.text


def test_questions_outside_the_story_are_reported_not_guessed() -> None:
    patient = SimulatedPatient(STORY, 0)
    patient.answer(question("yes_no", "pregnant", ["pregnant"]))
    assert patient.problems and "pregnant" in patient.problems[0]


def test_single_choice_falls_back_to_the_option_that_is_not_a_finding() -> None:
    hands = question("choice", "hands", ["both_hands"], [("both_hands", "Both hands"), ("one_hand", "One hand")])
    assert SimulatedPatient(STORY, 1).answer(hands) == PlannedAnswer("one hand", "choices", ["one_hand"])


@pytest.mark.parametrize("n, spoken", [(0, "zero"), (13, "thirteen"), (40, "forty"), (67, "sixty seven"),
                                       (101, "one hundred and one")])
def test_number_words(n: int, spoken: str) -> None:
    assert words(n) == spoken


def test_phrases_are_deterministic() -> None:
    assert pick(("a", "b", "c", "d"), "story", "q") == pick(("a", "b", "c", "d"), "story", "q")


@pytest.mark.parametrize("days, word", [(0, "today"), (1, "yesterday"), (5, "five"), (14, "week"),
                                        (30, "month"), (90, "month"), (365, "year"), (400, "year")])
def test_duration_phrases_name_the_right_unit(days: int, word: str) -> None:
    everyday, alternative = duration_phrases(days)
    assert any(word in p for p in everyday + alternative)
    assert everyday and alternative


def test_understanding_check_compares_meaning() -> None:
    meant = PlannedAnswer("about two months", "duration", 60)
    assert understood_as_meant(meant, {"intent": "duration", "value": 60})
    assert not understood_as_meant(meant, {"intent": "duration", "value": 14})
    assert not understood_as_meant(PlannedAnswer("nope", "no", False), {"intent": "no_match", "value": None})
    assert understood_as_meant(PlannedAnswer("none of those", "none", []), {"intent": "none", "value": []})
