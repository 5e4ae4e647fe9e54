"""The first thing a patient sees: what the kiosk does, and how to begin (voice, any key, touch)."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.ui.widgets.listening import ListeningIndicator

WHAT_IT_DOES = (
    "I will ask you a few short questions about your hand cramps.\n"
    "Then I will tell you what may cause them and how soon to see a doctor or nurse."
)
HOW_TO_START = 'To begin, say "start", press any big key, or touch the screen.'
HOW_TO_START_WITHOUT_VOICE = "To begin, press any big key or touch the screen."


class WelcomeScreen(Screen):
    AUTO_FOCUS = ""

    def __init__(self, ignore_keys_s: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock  # the app's clock (tests pass one they move on by hand)
        self._keys_from = clock() + ignore_keys_s
    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):
            yield Static("Hand cramp check", id="welcome-title", markup=False)
            yield Static(WHAT_IT_DOES, id="welcome-what", markup=False)
            yield Static(HOW_TO_START, id="welcome-how", markup=False)
            with Center():
                yield Button("Start", id="start", classes="big")
            yield Static("", id="voice-status", markup=False)
            yield ListeningIndicator(id="listening")

    def on_mount(self) -> None:
        status = self.app.voice_status  # type: ignore[attr-defined]
        self.show_voice_status(status.summary, status.hearing)

    def show_voice_status(self, summary: str, hearing: bool) -> None:
        self.query_one("#voice-status", Static).update(summary)
        self.query_one("#welcome-how", Static).update(HOW_TO_START if hearing else HOW_TO_START_WITHOUT_VOICE)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        if self._clock() < self._keys_from:
            return
        self.app.call_next(self.app.start_interview)  # type: ignore[attr-defined]

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.app.call_next(self.app.start_interview)  # type: ignore[attr-defined]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.call_next(self.app.start_interview)  # type: ignore[attr-defined]
