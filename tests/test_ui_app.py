"""The real kiosk app (real knowledge base, real Session) driven by keys and touch under run_test."""

from __future__ import annotations

import re
import shlex

import pytest
from textual.widgets import Static

from kiosk.config import Settings
from kiosk.ui.app import WELCOME_AGAIN_IGNORE_KEYS_S, create_app
from kiosk.ui.dialogs.pin import PinDialog
from kiosk.ui.screens.emergency import EmergencyScreen
from kiosk.ui.screens.question import QuestionScreen
from kiosk.ui.screens.result import ResultScreen, banner_words, result_speech
from kiosk.ui.screens.staff import StaffScreen
from kiosk.ui.screens.welcome import WelcomeScreen
from kiosk.ui.voice import VoiceAdapter
from tests.support.kiosk_app import (
    IDLE_TIMEOUT,
    PIN,
    SETTLE_S,
    answer_until_the_end,
    begin,
    click,
    idle_check,
    kiosk,
    kiosk_on_a_clock,
    open_staff,
    press,
    settle,
    sync,
    text_of,
    to_the_emergency,
    to_the_result,
    shipped_kb,
    wait_until,
)

ALERT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ EMERGENCY at the hand-cramp kiosk: "
                        r"tell the front desk\. reason: [a-z0-9_,-]+$")


@sync
async def test_a_whole_interview_by_keys_ends_on_the_result():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        await begin(pilot)
        assert isinstance(app.screen, QuestionScreen)
        assert "not a diagnosis" in text_of(app, "#notice").lower()  # said and shown before question 1
        first = app.session.current
        assert text_of(app, "#question-text") == first.text
        assert text_of(app, "#progress-words") == f"Question 1 of about {first.progress.estimate}"
        assert [str(b.label) for b in app.screen.query("Button.answer")] == [
            f"{o.number}  {o.label}" for o in first.options]

        asked = await answer_until_the_end(pilot)
        assert len(asked) >= 3
        assert isinstance(app.screen, ResultScreen)
        result = app.screen.result
        assert result.urgency.level not in ("emergency",)
        banner = app.screen.query_one("#banner", Static)
        assert str(banner.render()) == banner_words(result, shipped_kb().prompts)
        assert banner.has_class(f"level-{result.urgency.level}")
        assert result.urgency.label in str(banner.render())  # words, not only colour
        causes = [str(s.render()) for s in app.screen.query(".cause")]
        assert causes and causes[0].startswith(f"1. {result.causes[0].name}")
        assert all(f"Fits: {why}" in causes[0] for why in result.causes[0].why)
        assert all(f"Does not fit: {why}" in causes[0] for why in result.causes[0].against)
        assert len(causes) == min(3, len(result.causes))
        assert text_of(app, "#disclaimer") == result.disclaimer
        assert text_of(app, "#closing") == app.kb.prompts["result_closing_keys"]  # voice is off: keys only
        assert 'say "' not in text_of(app, "#closing").lower()
        # "No" to everything points to no cause: the screen says so plainly before listing them
        assert text_of(app, "#no-clear-cause") == result.note == app.kb.prompts["no_clear_cause"]
        assert result.note in result_speech(result, shipped_kb().prompts)  # and says so

        await pilot.press("1", "2", "3")  # stray answer keys do not throw the result away
        await pilot.pause()
        assert isinstance(app.screen, ResultScreen)
        await press(pilot, "d")
        assert isinstance(app.screen, WelcomeScreen)
        assert app.session.current is None and not app.session.finished  # wiped


@sync
async def test_touch_answers_and_a_caption_says_what_was_chosen():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#start")
        first = app.session.current
        await click(pilot, "#answer-2")
        assert app.session.current.id != first.id
        label = next(o.label for o in first.options if o.number == 2)
        assert str(app.screen.query_one("#caption", Static).render()) == f'Your last answer: "{label}"'
        assert text_of(app, "#progress-words").startswith("Question 2 of")


@sync
async def test_back_repeat_help_and_start_over():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "enter")
        first = app.session.current.id
        await press(pilot, "2")
        second = app.session.current.id
        assert second != first

        await pilot.press("r")  # repeat: the same question again
        await pilot.pause()
        assert app.session.current.id == second

        await pilot.press("h")  # help: explained on screen, same question
        await pilot.pause()
        assert app.session.current.id == second
        assert app.screen.query_one("#notice").has_class("shown")

        await pilot.press("b")  # back to the first question
        await pilot.pause()
        assert app.session.current.id == first
        assert text_of(app, "#progress-words").startswith("Question 1 of")

        await press(pilot, "2", "2")
        assert app.session.current.progress.asked == 3
        await pilot.press("s")  # start over loses every answer: first it asks
        await pilot.pause()
        assert app.session.current.progress.asked == 3
        assert text_of(app, "#notice") == app.kb.prompts["restart_confirm_keys"]  # voice is off here
        await pilot.press("s")  # a second S starts over
        await pilot.pause()
        assert app.session.current.id == first and app.session.current.progress.asked == 1

        await pilot.press("9")  # no such answer: nothing changes
        await pilot.pause()
        assert app.session.current.id == first


@sync
async def test_emergency_alerts_staff_and_stays_until_staff_clear_it(tmp_path):
    ran = tmp_path / "alert-command-ran.txt"
    log = tmp_path / "alerts.log"
    app, clock = kiosk_on_a_clock(alert_command=f'echo "$KIOSK_ALERT" > {shlex.quote(str(ran))}', alert_file=log,
                                  idle_timeout=IDLE_TIMEOUT)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_emergency(pilot)
        assert "Please tell the front desk now" in text_of(app, "#emergency-words")
        assert ALERT_LINE.match(ran.read_text().strip()), ran.read_text()
        assert ALERT_LINE.match(log.read_text().strip()), log.read_text()
        assert "reason: red_flag" in log.read_text()
        assert text_of(app, "#alert-status") == app.kb.prompts["emergency_alerted"]

        # patients cannot leave it: keys, quit keys, a wrong PIN, and the idle timer do nothing
        await pilot.press("1", "2", "d", "r", "s", "escape", "enter", "space", "ctrl+c", "ctrl+q")
        await pilot.click("#emergency-words")
        clock.advance(10 * IDLE_TIMEOUT)
        await idle_check(pilot)
        assert isinstance(app.screen, EmergencyScreen) and app.is_running
        await open_staff(pilot, pin="0000")
        assert isinstance(app.screen, PinDialog)  # wrong PIN: still asking
        await press(pilot, "escape")
        assert isinstance(app.screen, EmergencyScreen)

        await open_staff(pilot)
        assert isinstance(app.screen, StaffScreen)
        assert "An emergency is showing." in str(app.screen.query_one("#staff-status", Static).render())
        await pilot.press("2")  # clear the emergency
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert not app.emergency_active and app.session.current is None


@sync
async def test_a_failing_alert_is_reported_to_the_patient_and_on_the_staff_screen():
    app = kiosk(alert_command="echo 'pager unreachable' >&2; exit 7")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_emergency(pilot)
        assert "did not go through" in text_of(app, "#alert-status")
        await open_staff(pilot)
        status = str(app.screen.query_one("#staff-status", Static).render())
        assert "ALERT FAILED" in status and "exit 7" in status and "pager unreachable" in status


@sync
async def test_idle_wipes_the_session_and_returns_to_the_welcome():
    app, clock = kiosk_on_a_clock(idle_timeout=IDLE_TIMEOUT)
    async with app.run_test(size=(80, 24)) as pilot:
        await begin(pilot)
        await press(pilot, "2")
        assert app.session.current.progress.asked == 2
        clock.advance(IDLE_TIMEOUT - 0.2)
        await idle_check(pilot)
        assert app.session.current is not None  # not yet idle long enough
        clock.advance(0.3)
        assert await wait_until(lambda: isinstance(app.screen, WelcomeScreen), SETTLE_S)
        assert app.session.current is None
        await pilot.press("space")  # a key held from the last patient does not start a new one at once
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        clock.advance(WELCOME_AGAIN_IGNORE_KEYS_S)
        await pilot.press("space")  # a new patient starts from the first question
        await pilot.pause()
        assert app.session.current.progress.asked == 1


@sync
async def test_idle_on_the_result_screen_also_wipes_but_after_the_longer_result_timeout():
    app, clock = kiosk_on_a_clock(idle_timeout=IDLE_TIMEOUT, result_timeout=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_result(pilot)
        assert app.session.finished
        clock.advance(30)  # far past idle_timeout: a result stays, time to walk to the desk
        await idle_check(pilot)
        assert isinstance(app.screen, ResultScreen)
        clock.advance(31)  # past result_timeout
        assert await wait_until(lambda: isinstance(app.screen, WelcomeScreen), SETTLE_S)
        await pilot.pause()
        assert not app.session.finished


@sync
async def test_ctrl_c_and_ctrl_q_do_not_quit_but_staff_can():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "space", "ctrl+c", "ctrl+q")
        assert app.is_running and isinstance(app.screen, QuestionScreen)
        await open_staff(pilot)
        assert isinstance(app.screen, StaffScreen)
        assert app.screen.query_one("#staff-clear").disabled  # no emergency to clear
        await pilot.press("6")  # back to the same question
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen) and app.session.current.progress.asked == 1
        await open_staff(pilot)
        await pilot.press("1")  # quit
        await pilot.pause()
    assert app.return_value == 0
    assert app.session.current is None


@sync
async def test_the_pin_keypad_works_by_touch():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "f12")
        for digit in "2461":
            await pilot.click(f"#pin-{digit}")
        await pilot.click("#pin-del")
        await pilot.click("#pin-8")
        await click(pilot, "#pin-ok")
        assert isinstance(app.screen, StaffScreen)


@sync
async def test_the_staff_key_comes_from_the_settings():
    app = kiosk(staff_key="f10")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f12")  # now an ordinary key: on the welcome it starts the interview
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        await press(pilot, "f10")
        assert isinstance(app.screen, PinDialog)


@sync
async def test_without_a_microphone_the_screen_says_so_and_keys_still_work(tmp_path):
    settings = Settings(pin=PIN, mute=True, mic_file=tmp_path / "no-such-answers")
    app = create_app(settings, kb=shipped_kb(), voice=VoiceAdapter(settings))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.speech.status.hearing and not app.speech.status.speaking
        assert text_of(app, "#voice-status") == shipped_kb().prompts["voice_off"]
        await begin(pilot)
        assert "Voice is off" in str(app.screen.query_one("#listening").render())
        await press(pilot, "2")
        assert app.session.current.progress.asked == 2
        await open_staff(pilot)
        status = str(app.screen.query_one("#staff-status", Static).render())
        assert app.speech.status.problems  # why voice is off, in words, for staff
        assert all(problem in status for problem in app.speech.status.problems)
        # staff words on the staff screen, the patients' words on the welcome: never mixed
        assert "Listening OFF, speaking OFF." in status and "Microphone: " in status
        patient_sentences = [text for text in app.kb.prompts.texts.values() if len(text.split()) >= 4]
        assert not [text for text in patient_sentences if text in status]
        assert "please" not in status.lower() and " you" not in status.lower()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@sync
async def test_every_answer_button_is_on_screen(size):
    app = kiosk()
    async with app.run_test(size=size) as pilot:
        await begin(pilot)
        for _ in range(6):  # the first questions include a five-answer one
            for button in app.screen.query("Button"):
                region = button.region
                assert region.bottom <= size[1] and region.right <= size[0] and region.height >= 3, button  # 4: a long label wraps
            await press(pilot, "2")


@sync
async def test_a_staff_screen_left_open_closes_itself_but_the_emergency_stays():
    app, clock = kiosk_on_a_clock(idle_timeout=IDLE_TIMEOUT)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_staff(pilot)
        assert isinstance(app.screen, StaffScreen)
        clock.advance(IDLE_TIMEOUT + 0.1)
        assert await wait_until(lambda: isinstance(app.screen, WelcomeScreen), SETTLE_S)  # a patient cannot find it open
        await pilot.pause()

        await to_the_emergency(pilot)
        await open_staff(pilot)
        clock.advance(IDLE_TIMEOUT + 0.1)
        assert await wait_until(lambda: not isinstance(app.screen, StaffScreen), SETTLE_S)
        await pilot.pause()
        assert isinstance(app.screen, EmergencyScreen) and app.emergency_active
