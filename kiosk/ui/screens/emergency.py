"""Emergency: full screen, red, icon and words; stays until staff clear it with their PIN."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from kiosk.engine.events import EmergencyEvent
from kiosk.engine.knowledge import Prompts

ICON = "  /\\  \n / !! \\ \n/______\\"
# A warning sign said yes to, or one left open (not sure, not understood, walked away).
HEADLINE_PROMPT = {"red_flag": "emergency_title", "staff_check": "safety_check_title"}


def advice_words(advice: str, words: Prompts) -> str:
    """The advice without a first sentence that only repeats the headline."""
    tell = words["emergency_tell"]
    if advice.lower().startswith(tell.lower()):
        advice = advice[len(tell):].lstrip(" .!")
    return advice


class EmergencyScreen(Screen):
    def __init__(self, emergency: EmergencyEvent, words: Prompts) -> None:
        super().__init__()
        self.emergency = emergency
        self._words = words

    def compose(self) -> ComposeResult:
        words = self._words
        with Vertical(id="emergency"):
            yield Static(ICON, id="emergency-icon", markup=False)
            yield Static(f"{words[HEADLINE_PROMPT[self.emergency.kind]]}\n{words['emergency_tell']}", id="emergency-words", markup=False)
            yield Static(advice_words(self.emergency.advice, words), id="emergency-advice", markup=False)
            yield Static(words["emergency_calling"], id="alert-status", markup=False)

    def show_alert(self, sent: bool, configured: bool) -> None:
        key = "emergency_alert_failed" if not sent else ("emergency_alerted" if configured else "emergency_go_to_desk")
        self.query_one("#alert-status", Static).update(self._words[key])
