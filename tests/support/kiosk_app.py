"""The real kiosk app under Textual's run_test, and the steps every UI test repeats: start the
interview, answer until the end (or say yes to the red flags), let the threads finish.

Written once here so that a change to how the kiosk is driven (a key, a message) is made once.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any

from textual.widgets import Static

from kiosk.config import Settings
from kiosk.stafflog import StaffLog
from kiosk.ui.app import KioskApp
from kiosk.ui.dialogs.pin import PinDialog
from kiosk.ui.messages import VoiceHeard
from kiosk.ui.screens.emergency import EmergencyScreen
from kiosk.ui.screens.result import ResultScreen
from kiosk.ui.voice import Heard
from tests.support.knowledge import shipped_kb

PIN = "2468"
# The idle check runs on a real timer, every idle_timeout / 4 (at least 0.1 s): a test that waits
# for the timer to act waits about 0.15 s; one that checks it does nothing runs idle_check().
IDLE_TIMEOUT = 0.6
# How long wait_until may wait for the app to get there: a bound on a hang only (it returns
# the moment the condition holds); a loaded machine can hold the app's event loop back for seconds.
SETTLE_S = 60.0


def sync(scenario: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
    """Run an async pilot scenario as a plain test (no async pytest plugin is needed)."""

    @functools.wraps(scenario)
    def test(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(scenario(*args, **kwargs))

    return test


class Clock:
    """The app's clock, moved on by the test: idle time passes without sleeping it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def kiosk(clock: Clock | None = None, *, staff_log: StaffLog | None = None, **overrides: Any) -> KioskApp:
    """The kiosk with the test PIN, voice off (keys and touch), and ``overrides`` as settings."""
    return KioskApp(Settings(pin=PIN, **overrides), shipped_kb(), clock=clock or time.monotonic, staff_log=staff_log)


def kiosk_on_a_clock(**overrides: Any) -> tuple[KioskApp, Clock]:
    """The kiosk (as ``kiosk``) on a clock the test moves on, and that clock."""
    clock = Clock()
    return kiosk(clock, **overrides), clock


def screen_lines(app: KioskApp) -> list[str]:
    """The screen as drawn, one string a terminal line, as a person (or a camera) sees it.
    Textual 8 has no public export of the drawn screen as text (its own SVG export_screenshot
    draws from the same compositor), so this is the one place a test reads that private part."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def text_of(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def hear(app: KioskApp, words: str, confidence: float = 0.9) -> None:
    """What the speech thread posts when the recognizer heard ``words`` in the live turn."""
    app.post_message(VoiceHeard(app.speech.live, Heard(words, confidence, False)))


async def settle(pilot: Any) -> None:
    """Let the threads (speech, alert, print) finish and the screen catch up with them."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def idle_check(pilot: Any) -> None:
    """What the idle timer runs, run now (no waiting for the timer), and the screen after it."""
    await pilot.app.idle_tick()
    await pilot.pause()


async def press(pilot: Any, *keys: str) -> None:
    """Keys pressed, and the screen after them."""
    await pilot.press(*keys)
    await pilot.pause()


async def click(pilot: Any, selector: str | None = None, **how: Any) -> None:
    """A tap (on ``selector``, or where ``how`` says), and the screen after it."""
    await pilot.click(selector, **how)
    await pilot.pause()


async def begin(pilot: Any) -> None:
    """Space on the welcome: the first question."""
    await press(pilot, "space")


async def answer_until_the_end(pilot: Any, *, yes_to_red_flags: bool = False, limit: int = 40) -> list[str]:
    """Answer by number keys: "No" (or the first option) to everything, "Yes" to red flags if asked."""
    app: KioskApp = pilot.app
    red_flags = set(app.kb.red_flags())
    asked: list[str] = []
    while app.mode == "question" and len(asked) < limit:
        question = app.session.current
        assert question is not None
        asked.append(question.id)
        numbers = {o.number for o in question.options}
        if yes_to_red_flags and set(question.findings) & red_flags:
            key = "1"
        else:
            key = "2" if 2 in numbers else "1"
        await press(pilot, key)
    return asked


async def to_the_result(pilot: Any) -> list[str]:
    """Begin and say "no" to everything: the result screen. Returns the question ids asked."""
    await begin(pilot)
    asked = await answer_until_the_end(pilot)
    assert isinstance(pilot.app.screen, ResultScreen)
    return asked


async def to_the_emergency(pilot: Any) -> None:
    """Begin and say yes to the first red flag: the emergency screen, with the alert sent."""
    await begin(pilot)
    await answer_until_the_end(pilot, yes_to_red_flags=True)
    assert isinstance(pilot.app.screen, EmergencyScreen)
    await settle(pilot)


async def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while loop.time() < end:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def open_staff(pilot: Any, pin: str = PIN) -> None:
    """The staff key and the PIN typed on the keys."""
    await press(pilot, "f12")
    assert isinstance(pilot.app.screen, PinDialog)
    await press(pilot, *pin, "enter")
