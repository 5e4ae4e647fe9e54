"""One question: big text, big numbered answers, progress, what the kiosk heard, commands."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.engine.events import AnswerEvent, AnswerOption, IntentName, QuestionEvent, RepromptEvent
from kiosk.engine.knowledge import Prompts
from kiosk.ui.messages import AnswerChosen, CommandChosen
from kiosk.ui.widgets.answer_buttons import AnswerButtons
from kiosk.ui.widgets.caption import Caption
from kiosk.ui.widgets.listening import ListeningIndicator
from kiosk.ui.widgets.progress import QuestionProgress

COMMANDS: tuple[IntentName, ...] = ("repeat", "back", "help", "why", "restart")  # labels: prompts.yaml command_<name>
_COMMAND: dict[str, IntentName] = {name: name for name in COMMANDS}  # a key binding or a button id names one as text


class QuestionScreen(Screen):
    BINDINGS = [
        *(Binding(str(n), f"choose({n})", show=False) for n in range(1, 10)),
        Binding("r", "command('repeat')", show=False),
        Binding("b", "command('back')", show=False),
        Binding("h", "command('help')", show=False),
        Binding("w", "command('why')", show=False),
        Binding("s", "command('restart')", show=False),  # the session asks once before it starts over
        Binding("enter,space", "press_focused", show=False),
        Binding("left,up", "app.focus_previous", show=False),
        Binding("right,down", "app.focus_next", show=False),
    ]
    # Nothing is focused at first, so no answer ever looks chosen before the patient picks it.
    AUTO_FOCUS = ""

    question_text = ""
    _question_options: tuple[AnswerOption, ...] = ()

    def __init__(self, words: Prompts, unsure_below: float) -> None:
        super().__init__()
        self._words = words
        self._unsure_below = unsure_below

    def compose(self) -> ComposeResult:
        words = self._words
        with Vertical(id="question-page"):
            yield QuestionProgress(words, id="progress")
            # above the question: it is about the last answer, not about the question now shown
            yield Caption(words, self._unsure_below, id="caption")
            yield Static("", id="notice", markup=False)
            yield Static("", id="question-text", markup=False)
            yield AnswerButtons(id="answers")
            yield ListeningIndicator(words, id="listening")
            with Horizontal(id="commands"):
                for name in COMMANDS:
                    yield Button(words[f"command_{name}"], id=f"command-{name}", classes="command")

    async def show_question(self, question: QuestionEvent, notice: str = "") -> None:
        self.question_text = question.text
        self.query_one(QuestionProgress).show(question.progress)
        self.query_one("#question-text", Static).update(question.text)
        self.set_notice(notice)
        self._question_options = question.options
        answers = self.query_one(AnswerButtons)
        answers.remove_class("offer-keys")
        await self._show_options(question.options)

    async def _show_options(self, options: tuple[AnswerOption, ...]) -> None:
        answers = self.query_one(AnswerButtons)
        if answers.options != options:
            await answers.set_options(options)

    def set_notice(self, text: str, *, warning: bool = False) -> None:
        notice = self.query_one("#notice", Static)
        notice.update(text)
        notice.set_class(bool(text), "shown")
        notice.set_class(warning, "warning")

    async def show_reprompt(self, reprompt: RepromptEvent) -> None:
        # "Is that right?" has its own Yes / No buttons; any other reprompt keeps the question's
        await self._show_options(reprompt.options or self._question_options)
        if reprompt.reason == "confirm":
            self.query_one(Caption).read_back()
        # the spoken reprompt repeats the question; on screen it is already in its own box
        text = " ".join(reprompt.text.replace(self.question_text, " ").split()) if self.question_text else reprompt.text
        if reprompt.offer_keys:
            self.set_notice(f"{text}\n>>> {self._words['keys_hint']} <<<", warning=True)
            self.query_one(AnswerButtons).add_class("offer-keys")
        else:
            self.set_notice(text, warning=reprompt.reason not in ("help", "why"))

    def show_answer(self, answer: AnswerEvent, spoken: bool) -> None:
        self.query_one(Caption).show_answer(answer, spoken)

    def action_press_focused(self) -> None:
        """Enter/Space: press the focused button; with none focused, focus the first answer."""
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
        else:
            first = self.query("Button.answer").first()
            first.focus()

    def action_choose(self, number: int) -> None:
        self.post_message(AnswerChosen(number))

    def action_command(self, name: str) -> None:
        self.post_message(CommandChosen(_COMMAND[name]))

    def on_answer_buttons_chosen(self, message: AnswerButtons.Chosen) -> None:
        self.post_message(AnswerChosen(message.number))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("command-"):
            event.stop()
            self.action_command(event.button.id.removeprefix("command-"))
