"""Emergency: full screen, red, icon and words; stays until staff clear it with their PIN."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from kiosk.engine.events import EmergencyEvent

ICON = "  /\\  \n / !! \\ \n/______\\"
TELL_THE_DESK = "Please tell the front desk now"
# A warning sign said yes to, or one left open (not sure, not understood, walked away).
HEADLINE = {"red_flag": "EMERGENCY", "staff_check": "SAFETY CHECK"}


def advice_words(advice: str) -> str:
    """The advice without a first sentence that only repeats the headline."""
    if advice.lower().startswith(TELL_THE_DESK.lower()):
        advice = advice[len(TELL_THE_DESK):].lstrip(" .!")
    return advice


class EmergencyScreen(Screen):
    def __init__(self, emergency: EmergencyEvent) -> None:
        super().__init__()
        self.emergency = emergency

    def compose(self) -> ComposeResult:
        with Vertical(id="emergency"):
            yield Static(ICON, id="emergency-icon", markup=False)
            yield Static(f"{HEADLINE[self.emergency.kind]}\n{TELL_THE_DESK}", id="emergency-words", markup=False)
            yield Static(advice_words(self.emergency.advice), id="emergency-advice", markup=False)
            yield Static("Calling staff...", id="alert-status", markup=False)

    def show_alert(self, sent: bool, configured: bool) -> None:
        if sent and configured:
            words = "Staff have been alerted. Please stay here."
        elif sent:
            words = "Please go to the front desk now, or wave to a member of staff."
        else:
            words = "The staff alert did not go through. Please go to the front desk or wave to staff."

        self.query_one("#alert-status", Static).update(words)
