"""The big numbered answer buttons: key N or a touch on button N means the same answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container
from textual.content import Content
from textual.message import Message
from textual.widgets import Button

from kiosk.engine.events import AnswerOption

MAX_OPTIONS_IN_A_ROW = 3


class AnswerButtons(Container):
    class Chosen(Message):
        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, options: tuple[AnswerOption, ...] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.options = options

    def compose(self) -> ComposeResult:
        yield from self._buttons()

    def _buttons(self) -> list[Button]:
        return [
            Button(Content(f"{o.number}  {o.label}"), id=f"answer-{o.number}", classes="answer") for o in self.options
        ]

    async def set_options(self, options: tuple[AnswerOption, ...]) -> None:
        self.options = options
        self.set_class(len(options) > MAX_OPTIONS_IN_A_ROW, "many")
        await self.remove_children()
        await self.mount_all(self._buttons())

    def on_mount(self) -> None:
        self.set_class(len(self.options) > MAX_OPTIONS_IN_A_ROW, "many")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        number = int((event.button.id or "answer-0").removeprefix("answer-"))
        self.post_message(self.Chosen(number))
