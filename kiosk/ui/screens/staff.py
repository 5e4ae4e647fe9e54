"""Staff only (behind the PIN): quit, clear an emergency, test microphone and speaker, switch engine."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.config import ENGINES

ACTIONS = (
    ("quit", "1  Quit the kiosk"),
    ("clear", "2  Clear the emergency"),
    ("test-mic", "3  Test microphone"),
    ("test-speaker", "4  Test speaker"),
    ("engine", "5  Switch engine"),
    ("close", "6  Back to the kiosk"),
)


class StaffScreen(Screen):
    AUTO_FOCUS = "#staff-close"  # never "Quit": an Enter pressed by habit must not stop the kiosk
    BINDINGS = [
        *(Binding(str(n), f"press('{name}')", show=False) for n, (name, _) in enumerate(ACTIONS, start=1)),
        Binding("escape", "press('close')", show=False),
    ]

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
        app = self.app
        lines = [f"Engine setting: {app.engine}. {app.voice_summary()}"]  # type: ignore[attr-defined]
        if app.voice_status.running:  # type: ignore[attr-defined]
            lines.append(f"  {app.voice_status.running}")  # type: ignore[attr-defined]  # engine, model, noise removal
        lines += [f"  - {p}" for p in app.voice_status.problems]  # type: ignore[attr-defined]
        if app.speech_problem:  # type: ignore[attr-defined]
            lines.append(f"  - Speaker: {app.speech_problem}")  # type: ignore[attr-defined]
        guard = app.pin_guard  # type: ignore[attr-defined]
        if guard.total_wrong:
            lines.append(f"Wrong PIN tries since start: {guard.total_wrong} ({guard.in_a_row} in a row).")
        log = app.staff_log  # type: ignore[attr-defined]
        if log.problem:
            lines.append(f"WARNING: {log.problem}")
        elif log.path is not None:
            lines.append(f"Staff log: {log.path}")
        if app.settings.default_pin:  # type: ignore[attr-defined]
            lines.append("WARNING: the default PIN is in use. Set 'pin' in kiosk.yaml.")
        if not (app.settings.alert_command or app.settings.alert_file):  # type: ignore[attr-defined]
            lines.append("No alert command or alert file is set: emergencies only ring the bell.")
        for outcome in app.alert_log:  # type: ignore[attr-defined]
            if outcome.ok:
                lines.append(f"Alert {outcome.when}: {outcome.status} ({outcome.category}).")
            else:
                word = "TIMED OUT" if outcome.timed_out else "FAILED"
                lines += [f"ALERT {word} {outcome.when}: {problem}" for problem in outcome.problems]
        emergency = app.emergency_active  # type: ignore[attr-defined]
        lines.append("An emergency is showing." if emergency else "No emergency is showing.")
        self.query_one("#staff-status", Static).update("\n".join(lines))
        self.query_one("#staff-clear", Button).disabled = not emergency
        engine = self.query_one("#staff-engine", Button)
        engine.label = f"5  Engine: {app.engine} -> {next_engine(app.engine)}"  # type: ignore[attr-defined]

    def report(self, text: str) -> None:
        self.query_one("#staff-report", Static).update(text)
        self.refresh_status()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_press((event.button.id or "").removeprefix("staff-"))

    def action_press(self, name: str) -> None:
        if name == "clear" and not self.app.emergency_active:  # type: ignore[attr-defined]
            self.report("There is no emergency to clear.")
            return
        self.app.staff_action(name)  # type: ignore[attr-defined]


def next_engine(engine: str) -> str:
    return ENGINES[(ENGINES.index(engine) + 1) % len(ENGINES)] if engine in ENGINES else ENGINES[0]
