"""Snapshots of the four patient screens at 80x24 and 120x40, from fixed events (no engine
randomness, no clock, the level meter frozen at a fixed value), given to the app by a scripted
Session and reached the way a patient reaches them (a key on the welcome, a heard answer)."""

from __future__ import annotations

import pytest

from kiosk.config import Settings
from kiosk.engine.events import (
    AnswerEvent,
    AnswerOption,
    CauseScore,
    EmergencyEvent,
    Event,
    Intent,
    Progress,
    QuestionEvent,
    RepromptEvent,
    ResultEvent,
    Urgency,
)
from kiosk.engine.session import Session
from kiosk.ui.app import KioskApp
from kiosk.ui.widgets.listening import ListeningIndicator
from tests.support.kiosk_app import hear, shipped_kb

SIZES = [(80, 24), (120, 40)]
YES_NO = (
    AnswerOption(1, "Yes", Intent("yes", True)),
    AnswerOption(2, "No", Intent("no", False)),
    AnswerOption(3, "Don't know", Intent("unknown")),
)
NIGHT = QuestionEvent(
    id="night_cramps", kind="yes_no", text="Do the cramps wake you up at night?", findings=("night_cramps",),
    choices=(), progress=Progress(3, 8), options=YES_NO,
)
AGE = QuestionEvent(
    id="age", kind="number", text="How old are you?", findings=("age",), choices=(), progress=Progress(4, 9),
    options=(
        AnswerOption(1, "Under 40", Intent("number", 30)),
        AnswerOption(2, "40 to 59", Intent("number", 50)),
        AnswerOption(3, "60 to 74", Intent("number", 67)),
        AnswerOption(4, "75 or older", Intent("number", 80)),
        AnswerOption(5, "Don't know", Intent("unknown")),
    ),
)
RESULT = ResultEvent(
    urgency=Urgency("soon", "Please book to see a clinician within the next few days.",
                    "See a clinician within a few days", ("nerve_signs",)),
    causes=(
        CauseScore("carpal_tunnel", "Carpal tunnel syndrome", 0.62,
                   ("you said your fingers go numb", "you said it is worse at night"), ("you said both hands",)),
        CauseScore("dehydration", "Not drinking enough", 0.18, ("you said you sweat a lot",), ()),
    ),
    disclaimer="This is not a diagnosis. Only a clinician can tell what is causing your cramps.",
)
EMERGENCY = EmergencyEvent(
    "emergency", "You have a warning sign that needs help now.",
    "Please tell the front desk now. If you are not in the clinic, call emergency services.",
)


class ScriptedSession(Session):
    """A Session whose start and spoken answer give fixed events: the app takes them through its
    usual doors (the welcome's key, a heard answer), with nothing left to chance."""

    def __init__(self, first: list[Event], heard: list[Event]) -> None:
        super().__init__(shipped_kb())
        self._first, self._heard = first, heard

    def start(self) -> list[Event]:
        return self._first

    def answer(self, text: str, confidence: float = 1.0) -> list[Event]:
        return self._heard


def fixed_app(first=(), heard=()):
    return KioskApp(Settings(), shipped_kb(), session=ScriptedSession(list(first), list(heard)))


def show(heard=False, listening=None):
    """Start the interview (space on the welcome); with ``heard``, the patient then says an answer."""

    async def run_before(pilot):
        await pilot.press("space")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if heard:  # what the speech thread posts when it heard an answer in the live turn
            hear(pilot.app, "yes a bit", confidence=0.45)
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
        if listening is not None:
            for indicator in pilot.app.screen.query(ListeningIndicator):
                indicator.state, indicator.level = "listening", listening
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_welcome(snap_compare, size):
    assert snap_compare(fixed_app(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_question_heard_unsure_while_listening(snap_compare, size):
    heard = AnswerEvent("numbness", "yes a bit", "yes", True, confidence=0.45)
    assert snap_compare(fixed_app([NIGHT], [heard, NIGHT]), terminal_size=size,
                        run_before=show(heard=True, listening=0.5))


@pytest.mark.parametrize("size", SIZES)
def test_question_pointing_at_the_keys(snap_compare, size):
    reprompt = RepromptEvent("age", "no_match", "Let's try once more. You can also press a number key or "
                             "touch an answer on the screen. How old are you?", attempt=2, offer_keys=True)
    assert snap_compare(fixed_app([AGE, reprompt]), terminal_size=size, run_before=show())


@pytest.mark.parametrize("size", SIZES)
def test_read_back_with_its_own_yes_and_no(snap_compare, size):
    heard = AnswerEvent("age", "seventy six", "number", 76, confidence=0.45)
    read_back = RepromptEvent("age", "confirm", "You said 76. Is that right?", options=YES_NO[:2])
    assert snap_compare(fixed_app([AGE], [heard, read_back]), terminal_size=size, run_before=show(heard=True))


@pytest.mark.parametrize("size", SIZES)
def test_emergency(snap_compare, size):
    assert snap_compare(fixed_app([EMERGENCY, RESULT]), terminal_size=size, run_before=show())


@pytest.mark.parametrize("size", SIZES)
def test_result(snap_compare, size):
    assert snap_compare(fixed_app([RESULT]), terminal_size=size, run_before=show())
