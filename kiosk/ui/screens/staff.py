"""Staff only (behind the PIN): quit, clear an emergency, test microphone and speaker, switch engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.config import ENGINES
from kiosk.ui.messages import StaffPressed

ACTIONS = (
    ("quit", "1  Quit the kiosk"),
    ("clear", "2  Clear the emergency"),
    ("test-mic", "3  Test microphone"),
    ("test-speaker", "4  Test speaker"),
    ("engine", "5  Switch engine"),
    ("close", "6  Back to the kiosk"),
)


@dataclass(frozen=True)
class StaffStatus:
    """What the staff screen shows: built by the app's staff desk (kiosk/ui/staff_desk.py)."""

    lines: tuple[str, ...]
    emergency: bool  # an emergency is showing: "Clear" is enabled
    engine: str  # the engine setting


class StaffScreen(Screen):
    AUTO_FOCUS = "#staff-close"  # never "Quit": an Enter pressed by habit must not stop the kiosk
    BINDINGS = [
        *(Binding(str(n), f"press('{name}')", show=False) for n, (name, _) in enumerate(ACTIONS, start=1)),
        Binding("escape", "press('close')", show=False),
    ]

    def __init__(self, status: Callable[[], StaffStatus]) -> None:
        super().__init__()
        self._status = status

    def compose(self) -> ComposeResult:
        with Vertical(id="staff"):
            yield Static("Staff", id="staff-title", markup=False)
            with Grid(id="staff-actions"):
                for name, label in ACTIONS:
                    yield Button(label, id=f"staff-{name}")
            with VerticalScroll(id="staff-log"):
                yield Static("", id="staff-status", markup=False)
                yield Static("", id="staff-report", markup=False)

    def on_mount(self) -> None:
        self.refresh_status()

    def refresh_status(self) -> None:
        status = self._status()
        self.query_one("#staff-status", Static).update("\n".join(status.lines))
        self.query_one("#staff-clear", Button).disabled = not status.emergency
        engine = self.query_one("#staff-engine", Button)
        engine.label = f"5  Engine: {status.engine} -> {next_engine(status.engine)}"

    def report(self, text: str) -> None:
        self.query_one("#staff-report", Static).update(text)
        self.refresh_status()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_press((event.button.id or "").removeprefix("staff-"))

    def action_press(self, name: str) -> None:
        self.post_message(StaffPressed(name))


def next_engine(engine: str) -> str:
    return ENGINES[(ENGINES.index(engine) + 1) % len(ENGINES)] if engine in ENGINES else ENGINES[0]
