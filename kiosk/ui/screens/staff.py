"""Staff only (behind the PIN): quit, clear an emergency, test microphone and speaker, switch engine."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.config import ENGINES
from kiosk.ui.voice import VoiceStatus

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
        lines = voice_lines(app.engine, app.voice_status, app.speech_problem)  # type: ignore[attr-defined]
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


def voice_lines(engine: str, status: VoiceStatus, speech_problem: str | None) -> list[str]:
    """Engine, model, noise removal, microphone and speaker, in staff words (the welcome has the
    patients' words): what runs, and why anything is off."""
    on = {True: "on", False: "OFF"}
    speaking = status.speaking and not speech_problem
    lines = [f"Engine setting: {engine}. Listening {on[status.hearing]}"
             + (f" ({status.engine})" if status.engine else "") + f", speaking {on[speaking]}."]
    if status.running:
        lines.append(f"  {status.running}")  # "Speech: <engine> with the model ... Noise removal: ..."
    lines += [f"  - {problem}" for problem in status.problems]
    if speech_problem:
        lines.append(f"  - Speaker: {speech_problem}")
    return lines


def next_engine(engine: str) -> str:
    return ENGINES[(ENGINES.index(engine) + 1) % len(ENGINES)] if engine in ENGINES else ENGINES[0]
