"""The first thing a patient sees: what the kiosk does, and how to begin (voice, any key, touch)."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.engine.knowledge import Prompts
from kiosk.ui.messages import StartAsked
from kiosk.ui.touch import in_staff_corner
from kiosk.ui.voice import VoiceStatus, voice_words
from kiosk.ui.widgets.listening import ListeningIndicator

class WelcomeScreen(Screen):
    AUTO_FOCUS = ""

    def __init__(self, words: Prompts, voice: VoiceStatus, ignore_keys_s: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._words = words
        self._voice = voice  # shown once composed; the app updates it while the screen shows
        self._clock = clock  # the app's clock (tests pass one they move on by hand)
        self._keys_from = clock() + ignore_keys_s

    def compose(self) -> ComposeResult:
        words = self._words
        with Vertical(id="welcome"):
            yield Static(words["welcome_title"], id="welcome-title", markup=False)
            yield Static(words["welcome_what"], id="welcome-what", markup=False)
            yield Static(words["welcome_how"], id="welcome-how", markup=False)
            with Center():
                yield Button(words["welcome_button"], id="start", classes="big")
            yield Static("", id="voice-status", markup=False)
            yield ListeningIndicator(words, id="listening")

    def on_mount(self) -> None:
        self.show_voice_status(voice_words(self._voice, self._words), self._voice.hearing)

    def show_voice_status(self, summary: str, hearing: bool) -> None:
        self.query_one("#voice-status", Static).update(summary)
        self.query_one("#welcome-how", Static).update(self._words["welcome_how" if hearing else "welcome_how_keys"])

    def on_key(self, event: events.Key) -> None:
        event.stop()
        if self._clock() < self._keys_from:
            return
        self.post_message(StartAsked())

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if in_staff_corner(event.screen_x, event.screen_y):  # staff tapping for the PIN, not a patient
            return
        self.post_message(StartAsked())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(StartAsked())
