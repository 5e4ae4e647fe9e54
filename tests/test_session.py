"""The session API that the UI, the JSON-lines mode and the speech loop share."""

from __future__ import annotations

from kiosk.engine import Session
from kiosk.engine.events import AnswerEvent, EmergencyEvent, Intent, QuestionEvent, RepromptEvent, ResultEvent
from tests.support.sessions import session_at, started


def _question(events) -> QuestionEvent:
    found = [e for e in events if isinstance(e, QuestionEvent)]
    assert found, events
    return found[-1]


def _through_screening(session: Session, age: str = "50", duration: str = "two weeks") -> QuestionEvent:
    session.start()
    session.answer("no")
    session.answer("none of those")
    session.answer(age)
    return _question(session.answer(duration))


def test_first_questions_are_the_red_flag_screen(kb):
    session = Session(kb)
    first = _question(session.start())
    assert first.id == "red_flags_now" and first.kind == "multi"
    assert {"chest_pain", "breathing_difficulty"} <= set(first.findings)
    assert [o.label for o in first.options] == ["Yes, one or more", "No, none of these", "Don't know"]
    assert first.progress.asked == 1 and first.progress.estimate >= 5


def test_naming_a_red_flag_ends_the_interview_at_once(kb):
    session = started(kb)
    events = session.answer("I have chest pain")
    kinds = [type(e) for e in events]
    assert kinds == [AnswerEvent, EmergencyEvent, ResultEvent]
    assert events[1].level == "emergency" and "chest pain" in events[1].reason
    assert events[2].urgency.level == "emergency"
    assert events[2].causes == ()  # nothing the patient said points at a cause: no default list
    assert session.finished and session.current is None
    assert session.answer("no") == []


def test_a_spoken_yes_to_a_group_question_asks_which_ones(kb):
    session = started(kb)
    events = session.answer("yes")
    assert isinstance(events[1], RepromptEvent) and events[1].reason == "which"
    assert session.current.id == "red_flags_now"
    events = session.answer("trouble breathing")
    assert isinstance(events[1], EmergencyEvent) and "breathing" in events[1].reason


def test_a_second_yes_or_the_yes_key_goes_through_them_one_by_one(kb):
    session = started(kb)
    session.answer("yes")
    assert _question(session.answer("yes")).id == "chest_pain"
    session = started(kb)
    follow = _question(session.choose(1))
    assert follow.id == "chest_pain" and follow.kind == "yes_no"
    follow = _question(session.answer("no"))
    assert follow.id == "breathing_difficulty"
    events = session.answer("yes")
    assert isinstance(events[1], EmergencyEvent) and "breathing" in events[1].reason


def test_mouth_tingling_continues_but_the_advice_is_at_least_urgent(kb):
    session = started(kb)
    session.answer("no")
    session.answer("tingling around the mouth")
    events = session.answer("45")
    events = session.answer("since yesterday")
    while not session.finished:
        events = session.answer("no")
    result = [e for e in events if isinstance(e, ResultEvent)][0]
    assert result.urgency.level in ("urgent", "emergency")


def test_gibberish_reprompts_then_offers_the_keys(kb):
    session = started(kb)
    first = session.answer("purple elephants dancing")
    assert first[0].intent == "no_match" and isinstance(first[1], RepromptEvent)
    assert first[1].attempt == 1 and not first[1].offer_keys
    second = session.answer("what's the weather like")
    assert second[1].attempt == 2 and second[1].offer_keys
    assert "press a number key" in second[1].text
    assert session.current.id == "red_flags_now"  # nothing was lost


def test_silence_is_a_noinput_reprompt(kb):
    session = started(kb)
    events = session.noinput()
    assert isinstance(events[0], RepromptEvent) and events[0].reason == "noinput"


def test_repeat_help_and_why_keep_the_question(kb):
    session = Session(kb)
    question = _question(session.start())
    assert session.answer("say that again")[1] == question
    help_events = session.answer("help")
    assert help_events[1].reason == "help" and question.help in help_events[1].text
    why_events = session.answer("why are you asking")
    assert why_events[1].reason == "why" and "stroke" in why_events[1].text
    assert session.current.id == question.id


def test_go_back_changes_the_last_answer(kb):
    session = session_at(kb, "age")
    age_question = _question(session.answer("go back"))
    assert age_question.id == "warning_signs"
    assert _question(session.answer("none of those")).id == "age"


def _asked_to_start_again(kb, events) -> None:
    """One confirmation turn, in the words of intents/prompts.yaml, and nothing lost yet."""
    assert not any(isinstance(e, QuestionEvent) for e in events), events
    reprompt = events[-1]
    assert isinstance(reprompt, RepromptEvent) and reprompt.reason == "restart"
    assert reprompt.text == kb.prompts["restart_confirm"]


def test_start_over_asks_once_then_yes_returns_to_the_first_question(kb):
    session = started(kb)
    session.answer("no")
    _asked_to_start_again(kb, session.answer("start over"))
    assert session.current.id == "warning_signs"
    events = session.answer("yes please")
    assert events[0].intent == "restart"
    assert _question(events).id == "red_flags_now" and _question(events).progress.asked == 1


def test_start_over_twice_by_voice_or_key_starts_over(kb):
    for second in ("start over", "key"):
        session = started(kb)
        session.answer("no")
        _asked_to_start_again(kb, session.apply(Intent("restart"), from_keys=True))  # the S key
        events = session.answer("let's start again") if second != "key" else session.apply(Intent("restart"))
        assert _question(events).id == "red_flags_now" and _question(events).progress.asked == 1


def test_no_to_starting_over_keeps_every_answer_and_asks_the_question_again(kb):
    session = Session(kb)
    question = _through_screening(session)
    _asked_to_start_again(kb, session.answer("start over"))
    events = session.answer("no")
    assert _question(events).id == question.id and _question(events).progress.asked == question.progress.asked
    assert session.answer("no").__len__() >= 2 and session.current.id != question.id  # "no" now answers it


def test_an_answer_instead_of_yes_cancels_starting_over(kb):
    session = started(kb)
    session.answer("no")
    _asked_to_start_again(kb, session.answer("start over"))
    events = session.choose(2)  # a key answer to the question on screen: it counts, nothing is lost
    assert _question(events).id == "age" and _question(events).progress.asked == 3
    events = session.answer("67")
    assert _question(events).id == "duration"
    session.answer("start over")
    assert session.noinput()[-1].reason == "noinput"  # silence is not a yes
    events = session.answer("yes")
    assert session.current.id == "duration" and events[-1].reason == "no_match"  # an answer to "how long?"


def test_a_warning_sign_said_instead_of_yes_is_an_emergency_not_a_restart(kb):
    session = session_at(kb, "age")
    _asked_to_start_again(kb, session.answer("start over"))
    events = session.answer("yes I have chest pain")
    assert any(isinstance(e, EmergencyEvent) for e in events), events


def test_numbered_keys_answer_like_words(kb):
    session = started(kb)
    session.choose(2)  # No, none of these
    session.choose(2)
    age = session.current
    assert age.id == "age" and [o.label for o in age.options][:2] == ["Under 40", "40 to 59"]
    events = session.choose(3)
    assert age.options[2].label == "60 to 64" and 60 <= events[0].value < 65
    assert session.current.id == "duration"
    assert session.choose(42) == []  # a key with no button does nothing


def test_out_of_range_age_is_asked_again(kb):
    session = started(kb)
    session.answer("no")
    session.answer("no")
    events = session.answer("I'm 150")
    assert events[1].reason == "out_of_range" and session.current.id == "age"
    # "Bitchy one." for "eighty one": Whisper's misreadings give ages no patient of the kiosk has
    events = session.answer("Bitchy one.")
    assert events[1].reason == "out_of_range" and session.current.id == "age"


def test_an_interview_always_ends_within_the_cap(kb):
    session = Session(kb)
    _through_screening(session)
    asked = 4
    while not session.finished:
        session.answer("I don't know")
        asked += 1
    assert asked <= kb.settings.max_questions
    result = session.outcome
    assert isinstance(result, ResultEvent) and result.disclaimer and 1 <= len(result.causes) <= 5


def test_result_gives_reasons_for_and_against(kb):
    session = Session(kb)
    question = _through_screening(session, age="35", duration="three days")
    answers = {"repetitive_hand_use": "yes", "cramps_with_activity": "yes"}
    while not session.finished:
        words = " and ".join(c.label for c in question.choices if c.id in answers) if question.choices else None
        reply = words or answers.get(question.id, "none of those" if question.kind == "multi" else "no")
        session.answer(reply)
        question = session.current or question
    result = session.outcome
    top = result.causes[0]
    assert top.id == "overuse"
    assert any("same task" in line for line in top.why)
    assert result.urgency.level == "self_care"
    assert result.note == ""  # the answers point to a cause: no "nothing points clearly" line


def test_no_to_everything_says_that_nothing_points_clearly_to_one_cause(kb):
    session = Session(kb)
    _through_screening(session, age="50", duration="two weeks")
    while not session.finished:
        session.answer("none of those" if session.current.kind == "multi" else "no")
    result = session.outcome
    assert result.causes and not result.causes[0].why
    assert result.note == kb.prompts["no_clear_cause"]
    assert "points clearly" in result.to_dict()["note"]


def test_wipe_forgets_everything(kb):
    session = Session(kb)
    _through_screening(session)
    session.wipe()
    assert session.current is None and not session.finished and session.outcome is None
    # Started again it is a new patient's interview: the first question with nothing known (the
    # same question and progress as a fresh session), and no earlier question to go back to.
    again = [e.to_dict() for e in session.start()]
    assert again == [e.to_dict() for e in Session(kb).start()]
    assert [e.to_dict() for e in session.answer("go back")][-1] == again[-1]


def test_grammar_follows_the_current_question(kb):
    session = started(kb)
    assert "chest pain" in session.grammar().phrases
    session.answer("no")
    session.answer("no")
    assert "sixty seven" in session.grammar().phrases


def test_a_cause_an_answer_points_to_is_listed_even_when_another_fits_better(kb):
    """On a Parkinson's medicine with Parkinson's signs: its side effects are still mentioned."""
    session = Session(kb)
    question = _through_screening(session, age="71", duration="two months")
    true = {"parkinsons_medication", "tremor", "stiffness", "slow_movement"}
    while not session.finished:
        if question.kind == "multi":
            named = [c.label for c in question.choices if c.id in true]
            reply = " and ".join(named) if named else "none of those"
        else:
            reply = "yes" if question.id in true else "no"
        session.answer(reply)
        question = session.current or question
    causes = {c.id: c for c in session.outcome.causes}
    assert list(causes)[0] == "parkinsons"
    assert "medication_side_effect" in causes
    assert any("Parkinson's medicine" in line for line in causes["medication_side_effect"].why)


# -- answers heard with low confidence are read back first (questions.yaml confirm_below_confidence)
def _to_age(session: Session) -> QuestionEvent:
    session.start()
    session.answer("no")
    return _question(session.answer("none of those"))


def test_an_unclear_spoken_age_is_read_back_and_counts_only_on_a_yes(kb):
    session = Session(kb)
    assert _to_age(session).id == "age"
    events = session.answer("seventy six", confidence=0.3)
    assert [type(e) for e in events] == [AnswerEvent, RepromptEvent]
    assert events[0].value == 76 and events[0].confidence == 0.3
    assert events[1].reason == "confirm" and events[1].text == "You said 76. Is that right?"
    assert session.current.id == "age"
    events = session.answer("yes")
    assert [type(e) for e in events] == [AnswerEvent, QuestionEvent] and events[1].id == "duration"


def test_a_new_number_in_the_reply_is_the_answer(kb):
    session = Session(kb)
    _to_age(session)
    session.answer("seventy six", confidence=0.3)
    events = session.answer("no, sixty seven")
    answer = next(e for e in events if isinstance(e, AnswerEvent))
    assert answer.intent == "number" and answer.value == 67
    assert _question(events).id == "duration"


def test_no_to_the_read_back_asks_again_and_records_nothing(kb):
    session = Session(kb)
    _to_age(session)
    session.answer("seventy six", confidence=0.3)
    events = session.answer("no")
    assert isinstance(events[-1], RepromptEvent) and events[-1].reason == "try_again"
    assert "How old are you?" in events[-1].text and session.current.id == "age"
    assert _question(session.answer("sixty")).id == "duration"  # a sure answer goes straight through


def test_an_unclear_no_to_the_red_flags_is_checked_in_one_turn(kb):
    session = started(kb)
    events = session.answer("no", confidence=0.4)
    assert events[-1].reason == "confirm" and events[-1].text == "You said you have none of these. Is that right?"
    assert _question(session.answer("yes")).id == "warning_signs"


def test_an_unclear_yes_no_answer_reads_back_the_finding(kb):
    session = Session(kb)
    question = _through_screening(session)
    finding = kb.findings[question.findings[0]]
    events = session.answer("yes", confidence=0.5) if question.kind == "yes_no" else session.answer("none", confidence=0.5)
    expected = finding.said_yes if question.kind == "yes_no" else kb.prompts["said_none"]
    assert events[-1].reason == "confirm" and events[-1].text == f"{expected} Is that right?"


def test_a_red_flag_heard_unclearly_is_still_an_emergency_at_once(kb):
    session = started(kb)
    events = session.answer("I have chest pain", confidence=0.2)
    assert [type(e) for e in events] == [AnswerEvent, EmergencyEvent, ResultEvent]


def test_a_sure_answer_or_a_lower_threshold_is_not_read_back(kb):
    from dataclasses import replace
    session = Session(kb)
    _to_age(session)
    assert _question(session.answer("seventy six", confidence=0.6)).id == "duration"  # the threshold is "below"
    relaxed = replace(kb, settings=replace(kb.settings, confirm_below_confidence=0.2))
    session = Session(relaxed)
    _to_age(session)
    assert _question(session.answer("seventy six", confidence=0.3)).id == "duration"


def test_walking_away_from_an_unconfirmed_answer_to_a_safety_question_is_a_staff_check(kb):
    session = started(kb)
    session.answer("no", confidence=0.3)  # "You said you have none of these. Is that right?"
    events = session.idle()
    assert isinstance(events[0], EmergencyEvent) and events[0].kind == "staff_check"


def test_a_key_while_is_that_right_waits_answers_the_read_back(kb):
    """The read-back has its own Yes / No buttons. A key once answered the question behind it and
    left the read-back waiting: the next spoken "yes" (to chest pain) then settled that old
    read-back, and chest pain was recorded as the "no" heard before."""
    session = started(kb)
    events = session.answer("no", confidence=0.3)  # "You said you have none of these. Is that right?"
    read_back = events[-1]
    assert isinstance(read_back, RepromptEvent) and read_back.reason == "confirm"
    assert [(o.number, o.label, o.intent.name) for o in read_back.options] == [(1, "Yes", "yes"), (2, "No", "no")]
    events = session.choose(2)  # not right: the question again, with its own buttons
    assert isinstance(events[-1], RepromptEvent) and events[-1].reason == "try_again" and events[-1].options == ()
    assert _question(session.choose(1)).id == "chest_pain"  # now "Yes, one or more"
    events = session.answer("yes")
    assert isinstance(events[1], EmergencyEvent) and "chest pain" in events[1].reason


def test_the_yes_key_to_a_read_back_records_what_was_read_back_once(kb):
    session = session_at(kb, "age")
    session.answer("seventy six", confidence=0.3)  # "You said 76. Is that right?"
    assert session.choose(9) == []  # no such button on the read-back
    events = session.choose(1)
    assert events[0].question == "age" and events[0].intent == "yes"
    assert _question(events).id == "duration"
    events = session.answer("two weeks")  # an answer to the question shown, not to an old read-back
    assert events[0].question == "duration" and events[0].intent == "duration"


def test_commands_while_a_read_back_waits(kb):
    session = started(kb)
    read_back = session.answer("no", confidence=0.3)[-1]
    assert session.apply(Intent("repeat")) == [read_back]  # the read-back again, still waiting
    events = session.apply(Intent("help"))  # the question explained: the doubtful no is not counted
    assert events[-1].reason == "help" and _question(session.choose(1)).id == "chest_pain"


def test_help_after_a_doubtful_no_at_a_warning_sign_leaves_it_open(kb):
    session = started(kb)
    session.choose(1)
    assert session.current.id == "chest_pain"
    session.answer("no", confidence=0.3)  # "You do not have chest pain. Is that right?"
    session.apply(Intent("help"))
    events = session.idle()  # walked away: the chest pain question was never settled
    assert isinstance(events[0], EmergencyEvent) and events[0].kind == "staff_check"


def test_no_after_which_ones_at_a_warning_sign_group_is_read_back(kb):
    session = started(kb)
    session.answer("yes")  # "Which ones?"
    events = session.answer("no")
    assert events[-1].reason == "confirm" and events[-1].text == f"{kb.prompts['said_none']} {kb.prompts['confirm']}"
    assert _question(session.answer("yes")).id == "warning_signs"
    session = started(kb)
    session.answer("no")  # the second group: also warning signs
    session.answer("yes")
    assert session.answer("no")[-1].reason == "confirm"


def test_silence_while_a_read_back_waits_asks_the_question_again_with_its_buttons(kb):
    session = Session(kb)
    session.start()
    session.answer("no", confidence=0.3)  # "You said you have none of these. Is that right?"
    events = session.noinput()
    assert events[-1].reason == "noinput" and events[-1].options == ()
    assert _question(session.choose(1)).id == "chest_pain"  # the question's own "Yes, one or more"
    session = Session(kb)
    session.start()
    session.answer("no", confidence=0.3)
    session.noinput()
    assert session.idle()[0].kind == "staff_check"  # the doubtful no was never settled


def test_silence_or_help_after_findings_read_back_show_the_question_that_follows(kb):
    for step in (Session.noinput, lambda s: s.apply(Intent("help"))):
        session = session_at(kb, "age")
        events = session.answer("I am 50 and my hands tingle")  # age answered; tingling read back
        assert events[-1].reason == "confirm" and session.current.id == "duration"
        events = step(session)
        assert isinstance(events[0], QuestionEvent) and events[0].id == "duration"
        assert _question(session.choose(2)).id != "duration"  # key 2 is the duration's "3 days to 1 week"


def test_thats_wrong_to_a_read_back_asks_the_question_again_not_the_one_before(kb):
    for reply in ("that is wrong", "that's not right", "go back"):
        session = session_at(kb, "age")
        session.answer("seventy six", confidence=0.3)  # "You said 76. Is that right?"
        events = session.answer(reply)
        assert events[0].intent == "no" and events[-1].reason == "try_again", reply
        assert session.current.id == "age"


def test_a_finding_said_after_it_was_denied_is_read_back_and_a_yes_corrects_it(kb):
    """"My fingers tingle" after "none of those" to numbness, tingling or weakness was "Sorry, I
    did not understand": the kiosk had understood, but held the earlier no."""
    session = session_at(kb, "nerve_signs")
    session.answer("none of those")
    asked = session.current.id
    events = session.answer("my fingers tingle")
    assert events[-1].reason == "confirm" and events[-1].findings == ("tingling",)
    session.answer("yes")
    while not session.finished:
        events = session.answer("none of those" if session.current.kind == "multi" else "no")
    summary = events[-1].summary
    assert "tingling" in summary.yes and "tingling" not in summary.no, (asked, summary)


def test_a_finding_said_again_once_held_is_thanked_for_not_misunderstood(kb):
    """"My fingers tingle" a second time, once tingling was noted, was "Sorry, I did not
    understand": now the kiosk says it has that already, asks the question again, and a patient
    who keeps saying it is offered the keys as after any answer that does not fit."""
    session = session_at(kb, "joint_signs")
    session.answer("my fingers tingle")
    session.answer("yes")  # "You said you get tingling in your hands. Is that right?"
    first = session.answer("my fingers tingle")[-1]
    assert first.reason == "known" and first.text.startswith(kb.prompts["already_known"])
    assert kb.questions["joint_signs"].text in first.text and not first.offer_keys
    again = session.answer("my fingers tingle")[-1]
    assert again.reason == "known" and again.offer_keys
    assert session.current.id == "joint_signs"
