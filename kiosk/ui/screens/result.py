"""The result: urgency banner (colour, icon and words), next steps, likely causes, disclaimer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.engine.events import CauseScore, ResultEvent
from kiosk.ui.widgets.listening import ListeningIndicator

# colour is never the only signal: every level has its own icon and words
LEVEL_LOOK = {
    "emergency": ("!!!", "Emergency"),
    "urgent": ("!!", "Urgent"),
    "soon": ("!", "Soon"),
    "routine": ("i", "Routine"),
    "self_care": ("ok", "Self care"),
}
# "finish" rather than only "done": one-syllable words are the ones recognizers miss most
CLOSING = 'Say "repeat" or press R to hear it again. Say "finish" or press D when you are done.'
SPOKEN_CLOSING = 'Say "repeat" to hear it again, or "finish" when you are done.'


def banner_words(result: ResultEvent) -> str:
    icon, name = LEVEL_LOOK.get(result.urgency.level, ("!", result.urgency.level))
    label = result.urgency.label or name
    return f"[ {icon} ]  {name.upper()}: {label}"


CAUSES_SHOWN = 3  # the top few; a long list hides the advice and the disclaimer


def cause_words(rank: int, cause: CauseScore) -> str:
    lines = [f"{rank}. {cause.name}"]
    lines += [f"   Fits: {reason}" for reason in cause.why]
    lines += [f"   Does not fit: {reason}" for reason in cause.against]
    return "\n".join(lines)


def result_speech(result: ResultEvent) -> list[str]:
    u = result.urgency
    said = [f"{u.label or LEVEL_LOOK.get(u.level, ('', u.level))[1]}. {u.advice}", u.because]
    if result.causes:
        names = ", ".join(c.name for c in result.causes[:3])
        said += [result.note, f"Possible causes: {names}."]
    said += [result.disclaimer, SPOKEN_CLOSING]
    return [s for s in said if s.strip()]


class ResultScreen(Screen):
    BINDINGS = [
        Binding("r", "app.command('repeat')", show=False),
        Binding("d", "app.done", show=False),
        Binding("up", "scroll('up')", show=False),
        Binding("down", "scroll('down')", show=False),
        Binding("pageup", "scroll('page_up')", show=False),
        Binding("pagedown", "scroll('page_down')", show=False),
    ]
    AUTO_FOCUS = ""

    def __init__(self, result: ResultEvent) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        r = self.result
        with Vertical(id="result-page"):
            yield Static(banner_words(r), id="banner", classes=f"level-{r.urgency.level}", markup=False)
            with VerticalScroll(id="result-body"):
                yield Static("What to do next", classes="heading", markup=False)
                yield Static(r.urgency.advice, id="advice", markup=False)
                if r.urgency.because:
                    yield Static(f"Why: {r.urgency.because}", id="because", markup=False)
                top = r.causes[0] if r.causes else None
                if top is not None and top.next_steps:
                    yield Static(top.next_steps, id="next-steps", markup=False)
                if r.causes:
                    yield Static("What may cause your cramps", classes="heading", markup=False)
                    if r.note:
                        yield Static(r.note, id="no-clear-cause", markup=False)
                    for rank, cause in enumerate(r.causes[:CAUSES_SHOWN], start=1):
                        yield Static(cause_words(rank, cause), classes="cause", markup=False)
            yield Static(r.disclaimer, id="disclaimer", markup=False)
            yield Static(CLOSING, id="closing", markup=False)
            yield ListeningIndicator(id="listening")
            with Horizontal(id="commands"):
                yield Button("R  Repeat", id="command-repeat", classes="command")
                yield Button("D  Finish", id="command-done", classes="command")

    def action_scroll(self, how: str) -> None:
        body = self.query_one("#result-body", VerticalScroll)
        getattr(body, f"scroll_{how}")()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "command-done":
            self.app.call_next(self.app.action_done)  # type: ignore[attr-defined]
        else:
            self.app.call_next(self.app.action_command, "repeat")  # type: ignore[attr-defined]
