"""The real app under run_test: the code for the desk, printing, the staff gesture by touch
(real mouse events), help worded for keys, and the Why key."""

from __future__ import annotations

from escpos.printer import Dummy
from textual.widgets import Static

from kiosk.printing import EscposPrinter, wrap
from kiosk.ui.dialogs.pin import PinDialog
from kiosk.ui.screens.emergency import EmergencyScreen
from kiosk.ui.screens.handoff import CodeScreen
from kiosk.ui.screens.question import QuestionScreen
from kiosk.ui.screens.result import ResultScreen
from kiosk.ui.screens.staff import StaffScreen
from kiosk.ui.screens.welcome import WelcomeScreen
from kiosk.ui.touch import HOLD_S, TAPS
from tests.test_handoff import decode, screen_picture
from tests.support.kiosk_app import (Clock, PIN, begin, click, hear, kiosk, kiosk_on_a_clock, open_staff, press,
                                     screen_lines, settle, shipped_kb, sync, text_of, to_the_result, wait_until)


@sync
async def test_the_result_offers_a_code_for_the_desk_that_scans():
    app = kiosk()
    async with app.run_test(size=(120, 40)) as pilot:
        await to_the_result(pilot)
        result = app.screen.result
        await click(pilot, "#command-code")
        assert isinstance(app.screen, CodeScreen)
        drawn = str(app.screen.query_one("#qr", Static).render()).splitlines()
        assert decode(screen_picture(drawn)) == result.summary.compact()
        await pilot.press("x")  # any key goes back to the same result
        await pilot.pause()
        assert isinstance(app.screen, ResultScreen) and app.screen.result is result
        await press(pilot, "c")
        assert isinstance(app.screen, CodeScreen)
        await click(pilot, "#qr")
        assert isinstance(app.screen, ResultScreen)
        await press(pilot, "d")
        assert isinstance(app.screen, WelcomeScreen) and app.session.outcome is None  # gone with the session


@sync
async def test_the_code_for_the_desk_fits_and_scans_on_an_80x24_terminal():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_result(pilot)
        code = app.screen.result.summary.compact()
        await press(pilot, "c")
        assert not app.screen.query_one("#qr", Static).has_class("too-small")
        screen = screen_lines(app)
        assert len(screen) == 24 and app.kb.prompts["code_title"].split()[0] in "".join(screen)
        # the whole 80x24 screen as a camera sees it (its words as dark cells): one code, that one
        assert decode(screen_picture(screen, other_chars_dark=True)) == code


@sync
async def test_on_a_smaller_screen_the_code_screen_says_so_instead_of_a_code_that_cannot_scan():
    app = kiosk()
    async with app.run_test(size=(70, 20)) as pilot:
        await to_the_result(pilot)
        await press(pilot, "c")
        assert text_of(app, "#qr") == app.kb.prompts["code_too_small"]


@sync
async def test_printing_the_summary_on_the_receipt_printer():
    app = kiosk(printer="escpos:/dev/null")
    dummy = Dummy()
    app.printing.printer = EscposPrinter(dummy)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_result(pilot)
        summary = app.screen.result.clinician_summary()
        await pilot.press("p")
        await settle(pilot)
        assert text_of(app, "#print-status") == app.kb.prompts["print_done"]
        assert b"summary for the" in dummy.output and b"\x1dV" in dummy.output
        assert all(line.encode() in dummy.output for line in wrap(summary))  # all of it, at receipt width


@sync
async def test_without_a_printer_there_is_no_print_button():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_the_result(pilot)
        assert not app.screen.query("#command-print")
        await press(pilot, "p")
        assert text_of(app, "#print-status") == ""


async def tap_corner(pilot, times: int) -> None:
    for _ in range(times):
        await pilot.click(offset=(1, 1))


async def type_pin_by_touch(pilot) -> None:
    for digit in PIN:
        await pilot.click(f"#pin-{digit}")
    await click(pilot, "#pin-ok")


@sync
async def test_staff_clear_an_emergency_by_touch_alone():
    # the test's clock: five taps count within TAPS_WITHIN_S of the app's clock, and with the
    # real one a busy machine spread the test's taps over more than that (a flake, 1 run in 5)
    app = kiosk(Clock())
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#start")
        while app.mode == "question":  # a patient touching "Yes" on the first red flag
            await click(pilot, "#answer-1")
        assert isinstance(app.screen, EmergencyScreen)
        await tap_corner(pilot, TAPS - 1)  # not enough taps: nothing
        await pilot.pause()
        assert isinstance(app.screen, EmergencyScreen)
        await tap_corner(pilot, 1)
        await pilot.pause()
        assert isinstance(app.screen, PinDialog)
        await type_pin_by_touch(pilot)
        assert isinstance(app.screen, StaffScreen)
        await click(pilot, "#staff-clear")
        assert isinstance(app.screen, WelcomeScreen) and not app.emergency_active


@sync
async def test_a_long_press_in_the_corner_opens_the_pin_and_does_not_start_an_interview():
    app, clock = kiosk_on_a_clock()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.mouse_down(offset=(2, 1))
        clock.now += HOLD_S / 2
        await pilot.mouse_up(offset=(2, 1))  # too short
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen) and app.mode == "welcome"
        await pilot.mouse_down(offset=(2, 1))
        clock.now += HOLD_S + 0.1
        await pilot.mouse_up(offset=(2, 1))
        await pilot.pause()
        assert isinstance(app.screen, PinDialog)
        await click(pilot, "#pin-cancel")
        assert isinstance(app.screen, WelcomeScreen) and app.mode == "welcome"  # no interview started


@sync
async def test_help_with_voice_off_names_keys_and_why_has_a_key_and_a_button():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await begin(pilot)
        await press(pilot, "h")
        notice = text_of(app, "#notice")
        assert app.kb.prompts["help_keys"] in notice
        assert "say " not in notice.lower()
        question = app.session.current
        await press(pilot, "w")
        assert question.why in text_of(app, "#notice")
        await click(pilot, "#command-help")
        await click(pilot, "#command-why")
        assert question.why in text_of(app, "#notice") and isinstance(app.screen, QuestionScreen)


@sync
async def test_staff_screen_starts_on_back_not_quit_and_an_engine_switch_reports_its_result(tmp_path):
    import numpy as np
    import soundfile

    from kiosk.config import Settings
    from kiosk.ui.app import create_app
    from kiosk.ui.voice import VoiceAdapter

    quiet = tmp_path / "quiet.wav"
    soundfile.write(quiet, np.zeros(16000, dtype=np.int16), 16000)
    settings = Settings(pin=PIN, engine="pocketsphinx", mute=True, mic_file=quiet)
    voice = VoiceAdapter(settings)
    app = create_app(settings, kb=shipped_kb(), voice=voice)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            assert await wait_until(lambda: not app.speech.opening, 60)
            await open_staff(pilot)
            assert isinstance(app.screen, StaffScreen)
            assert app.screen.focused is not None and app.screen.focused.id == "staff-close"
            await pilot.press("5")  # pocketsphinx -> auto
            report = lambda: str(app.screen.query_one("#staff-report", Static).render())
            assert await wait_until(lambda: report().startswith("Engine auto: listening "), 60), report()
            assert "please" not in report().lower()  # staff wording, not the patients'
    finally:
        voice.close()


@sync
async def test_start_over_by_voice_and_by_touch_each_ask_once_first():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await begin(pilot)
        await press(pilot, "2", "2")
        asked = app.session.current.progress.asked
        hear(app, "start over")  # said: one turn to make sure, nothing lost yet
        await pilot.pause()
        assert app.session.current.progress.asked == asked
        assert text_of(app, "#notice") == app.kb.prompts["restart_confirm_keys"]  # worded for keys: voice is off
        hear(app, "yes")
        await pilot.pause()
        assert app.session.current.progress.asked == 1
        await press(pilot, "2")
        await pilot.click("#command-restart")  # touched: the same one turn
        await pilot.pause()
        assert app.session.current.progress.asked == 2 and "Start over" in text_of(app, "#notice")
        await pilot.pause(0.3)  # a Button ignores a second click while it still shows the first (0.2 s)
        await click(pilot, "#command-restart")
        assert app.session.current.progress.asked == 1


def shown_in(screen: list[str], region) -> list[str]:
    """The words inside a widget's region of the rendered screen."""
    return " ".join(line[region.x:region.right] for line in screen[region.y:region.bottom]).split()


@sync
async def test_every_answer_label_is_shown_whole_at_80x24():
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "space")
        for _ in range(4):  # the two safety screens, age, how long: the longest labels
            screen = screen_lines(app)
            for button in app.screen.query("Button.answer"):
                words = str(button.label).split()
                assert all(word in shown_in(screen, button.region) for word in words), (str(button.label), screen)
            await press(pilot, "2")


@sync
async def test_a_pin_typed_in_one_burst_is_checked_after_its_digits():
    """Keys that arrive together (a fast typist, a USB keypad, tmux send-keys "1234" Enter) were
    checked before the digits reached the keypad: 'wrong PIN' for the right one (seen in tmux)."""
    from textual import events

    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "f12")
        assert isinstance(app.screen, PinDialog)
        for key, char in [(digit, digit) for digit in PIN] + [("enter", "\r")]:
            app.post_message(events.Key(key, char))  # what the driver posts, with no pause between
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, StaffScreen) and app.staff.pin_guard.total_wrong == 0
