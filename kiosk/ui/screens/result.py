"""The result: urgency banner (colour, icon and words), next steps, likely causes, disclaimer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.engine.events import CauseScore, ResultEvent
from kiosk.engine.knowledge import Prompts
from kiosk.ui.messages import CodeAsked, CommandChosen, PrintAsked, ResultDone
from kiosk.ui.widgets.listening import ListeningIndicator

# colour is never the only signal: every level has its own icon and words (prompts level_<id>)
LEVEL_ICONS = {"emergency": "!!!", "urgent": "!!", "soon": "!", "routine": "i", "self_care": "ok"}


def level_name(level: str, words: Prompts) -> str:
    return words.texts.get(f"level_{level}", level)


def banner_words(result: ResultEvent, words: Prompts) -> str:
    name = level_name(result.urgency.level, words)
    label = result.urgency.label or name
    return f"[ {LEVEL_ICONS.get(result.urgency.level, '!')} ]  {name.upper()}: {label}"


CAUSES_SHOWN = 3  # the top few; a long list hides the advice and the disclaimer


def cause_words(rank: int, cause: CauseScore, words: Prompts) -> str:
    lines = [f"{rank}. {cause.name}"]
    lines += [f"   {words['result_fits']}: {reason}" for reason in cause.why]
    lines += [f"   {words['result_does_not_fit']}: {reason}" for reason in cause.against]
    return "\n".join(lines)


def result_speech(result: ResultEvent, words: Prompts) -> list[str]:
    u = result.urgency
    said = [f"{u.label or level_name(u.level, words)}. {u.advice}", u.because]
    if result.causes:
        names = ", ".join(c.name for c in result.causes[:3])
        said += [result.note, words["result_possible"].format(names=names)]
    # "finish" rather than only "done": one-syllable words are the ones recognizers miss most
    said += [result.disclaimer, words["result_spoken_closing"]]
    return [s for s in said if s.strip()]


class ResultScreen(Screen):
    BINDINGS = [
        Binding("r", "press('repeat')", show=False),
        Binding("d", "press('done')", show=False),
        Binding("c", "press('code')", show=False),
        Binding("p", "press('print')", show=False),
        Binding("up", "scroll('up')", show=False),
        Binding("down", "scroll('down')", show=False),
        Binding("pageup", "scroll('page_up')", show=False),
        Binding("pagedown", "scroll('page_down')", show=False),
    ]
    AUTO_FOCUS = ""

    def __init__(self, result: ResultEvent, words: Prompts, *, voice: bool = True, printing: bool = False) -> None:
        super().__init__()
        self.result = result
        self._words = words
        self.voice = voice  # the closing line names spoken words only when the kiosk listens
        self.printing = printing  # staff turned a printer on (kiosk.yaml: printer)

    def compose(self) -> ComposeResult:
        r = self.result
        words = self._words
        with Vertical(id="result-page"):
            yield Static(banner_words(r, words), id="banner", classes=f"level-{r.urgency.level}", markup=False)
            with VerticalScroll(id="result-body"):
                yield Static(words["result_next"], classes="heading", markup=False)
                yield Static(r.urgency.advice, id="advice", markup=False)
                if r.urgency.because:
                    yield Static(words["result_why"].format(because=r.urgency.because), id="because", markup=False)
                top = r.causes[0] if r.causes else None
                if top is not None and top.next_steps:
                    yield Static(top.next_steps, id="next-steps", markup=False)
                if r.causes:
                    yield Static(words["result_causes"], classes="heading", markup=False)
                    if r.note:
                        yield Static(r.note, id="no-clear-cause", markup=False)
                    for rank, cause in enumerate(r.causes[:CAUSES_SHOWN], start=1):
                        yield Static(cause_words(rank, cause, words), classes="cause", markup=False)
            yield Static(words["result_more_below"], id="more-below", markup=False)
            yield Static(r.disclaimer, id="disclaimer", markup=False)
            yield Static(words["result_closing" if self.voice else "result_closing_keys"], id="closing", markup=False)
            yield Static("", id="print-status", markup=False)
            yield ListeningIndicator(words, id="listening")
            with Horizontal(id="commands"):
                yield Button(words["result_button_repeat"], id="command-repeat", classes="command")
                yield Button(words["result_button_code"], id="command-code", classes="command")
                if self.printing:
                    yield Button(words["result_button_print"], id="command-print", classes="command")
                yield Button(words["result_button_done"], id="command-done", classes="command")

    def on_mount(self) -> None:
        body = self.query_one("#result-body", VerticalScroll)
        self.watch(body, "scroll_y", self._show_more_below, init=False)
        self.watch(body, "max_scroll_y", self._show_more_below, init=False)
        self.call_after_refresh(self._show_more_below)

    def _show_more_below(self, _value: object = None) -> None:
        """At 80x24 the second cause is below the fold: say so while there is more to see."""
        body = self.query_one("#result-body", VerticalScroll)
        self.query_one("#more-below", Static).display = body.scroll_y < body.max_scroll_y

    def show_print_status(self, text: str, *, failed: bool = False) -> None:
        status = self.query_one("#print-status", Static)
        status.update(text)
        status.set_class(failed, "warning")

    def action_scroll(self, how: str) -> None:
        body = self.query_one("#result-body", VerticalScroll)
        getattr(body, f"scroll_{how}")()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_press((event.button.id or "").removeprefix("command-"))

    def action_press(self, name: str) -> None:
        """repeat, done, code or print: the app decides what each does (and whether it can now)."""
        messages = {"done": ResultDone, "code": CodeAsked, "print": PrintAsked}
        self.post_message(messages[name]() if name in messages else CommandChosen("repeat"))
