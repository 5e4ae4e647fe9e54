"""Answers in the patient's own words through the one door, Session (issues 12 and 8 item 1).

Red flags are understood at ANY question and end the interview at once; a denial never does;
a finding volunteered outside the question is confirmed in one short turn; a list answer that
denies only some choices records what it said and asks only about the rest.
"""

from __future__ import annotations

import pytest

from kiosk.engine.events import (
    AnswerEvent,
    EmergencyEvent,
    QuestionEvent,
    RepromptEvent,
)
from kiosk.engine.session import Session
from kiosk.engine.understanding import understand
from tests.support.corpus import said as understood
from tests.support.sessions import session_at

RED_FLAG_PHRASINGS = {
    "chest_pain": ["my chest hurts", "there's a crushing pain in my chest", "my chest feels tight"],
    "breathing_difficulty": ["I can't catch my breath", "I'm really short of breath", "I'm struggling to breathe"],
    "sudden_weakness_one_side": ["my face is drooping on one side", "my left arm went weak suddenly",
                                 "I can't lift my right arm"],
    "sudden_speech_trouble": ["I can't get my words out", "my speech has gone slurred", "my words are all jumbled"],
    "confusion_or_fainting": ["I passed out this morning", "I fainted earlier"],
    "sudden_cold_pale_painful_hand": ["my hand suddenly went white and cold and it hurts"],
}
DENIALS = ["no chest pain", "I don't have any chest pain", "not now", "I'm not short of breath",
           "no, my speech is fine", "I haven't fainted", "I had chest pain last week but not now",
           "nothing like that", "I don't have any of those", "no trouble breathing, no chest pain"]


@pytest.mark.parametrize("question_id", ["red_flags_now", "age", "duration"])
@pytest.mark.parametrize(("flag", "said"), [(f, s) for f, ss in RED_FLAG_PHRASINGS.items() for s in ss])
def test_a_red_flag_in_own_words_is_an_emergency_at_any_question(kb, question_id, flag, said):
    events = session_at(kb, question_id).answer(said)
    emergencies = [e for e in events if isinstance(e, EmergencyEvent)]
    assert emergencies and flag in emergencies[0].findings, (said, events)


@pytest.mark.parametrize("question_id", ["red_flags_now", "warning_signs", "age", "chest_pain"])
@pytest.mark.parametrize("said", DENIALS)
def test_a_denial_is_never_an_emergency(kb, question_id, said):
    session = Session(kb)
    session.start()
    if question_id == "chest_pain":
        session.answer("yes")  # "which ones?"
        session.answer("yes")  # then one by one: chest pain first
    else:
        session = session_at(kb, question_id)
    events = session.answer(said)
    assert not any(isinstance(e, EmergencyEvent) for e in events), (said, events)


def test_a_partly_answered_list_says_what_it_understood_and_asks_the_rest(kb):
    session = session_at(kb, "red_flags_now")
    answer, following = session.answer("I don't have any chest pain")
    assert isinstance(answer, AnswerEvent) and answer.understood == "You said you have no chest pain."
    assert answer.to_dict()["understood"] == answer.understood
    assert isinstance(following, QuestionEvent) and following.id == "breathing_difficulty"
    asked = [following.id]
    for _ in range(3):
        events = session.answer("no")
        asked.append(events[-1].id)
    assert asked == ["breathing_difficulty", "sudden_weakness_one_side", "sudden_speech_trouble", "warning_signs"]


def test_a_volunteered_finding_is_confirmed_in_one_short_turn(kb):
    session = session_at(kb, "age")
    events = session.answer("I'm sixty two, and my hands tingle")
    assert events[0].intent == "number" and events[0].value == 62
    confirm = events[-1]
    assert isinstance(confirm, RepromptEvent) and confirm.reason == "confirm"
    assert confirm.text == "You said you get tingling in your hands. Is that right?"
    assert confirm.to_dict()["findings"] == ["tingling"]
    after = session.answer("yes")
    assert isinstance(after[-1], QuestionEvent) and after[-1].id == "duration"


def test_a_volunteered_finding_denied_at_the_confirmation_is_dropped(kb):
    session = session_at(kb, "age")
    events = session.answer("um, my knuckles hurt, I'm seventy")
    assert events[0].value == 70 and events[-1].reason == "confirm" and events[-1].findings == ("joint_pain",)
    after = session.answer("no, I meant my fingers")
    assert after[-1].id == "duration"


def test_an_unanswered_question_is_asked_again_after_the_confirmation(kb):
    session = session_at(kb, "age")
    events = session.answer("my fingers go numb")
    assert events[0].intent == "no_match" and events[-1].reason == "confirm"
    after = session.answer("yes")
    assert after[-1].id == "age"  # the age itself was never given


@pytest.mark.parametrize("question_id", ["numbness", "nerve_signs", "age", "duration"])
@pytest.mark.parametrize("said", ["what is the weather like today", "can you tell me where the toilet is",
                                  "what time is it"])
def test_a_command_word_inside_a_sentence_is_not_a_command(kb, question_id, said):
    assert understand(kb, kb.questions[question_id], said).name == "no_match"


@pytest.mark.parametrize(("said", "yes", "no"), [
    ("no numbness but my hands tingle", ["tingling"], ["numbness"]),
    ("I haven't been drinking much and I've had the runs", ["low_fluid_intake", "vomiting_or_diarrhea"], []),
    ("I sweat loads and I don't drink much water", ["heavy_sweating", "low_fluid_intake"], []),
    ("my fingers go numb and my hands tingle", ["numbness", "tingling"], []),
    ("I get pins and needles, also I keep dropping things", ["tingling", "weakness"], []),
    ("no tingling, plus my hands are not weak", [], ["tingling", "weakness"]),
])
def test_several_findings_in_one_answer_each_with_its_own_negation(kb, said, yes, no):
    question = "nerve_signs" if "drink" not in said and "sweat" not in said else "fluids_and_heat"
    got = understood(kb, question, said)
    assert [f for f in yes if got.get(f) != "yes"] == [] and [f for f in no if got.get(f) != "no"] == [], got
