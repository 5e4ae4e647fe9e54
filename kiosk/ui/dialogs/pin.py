"""Staff PIN on a numeric keypad: digit keys or touch, never a text field."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

MAX_TRIES = 3


class PinDialog(ModalScreen[bool]):
    """Dismisses with True for the right PIN; False on cancel or after three wrong tries."""

    BINDINGS = [
        *(Binding(str(n), f"digit('{n}')", show=False) for n in range(10)),
        Binding("backspace", "erase", show=False),
        Binding("enter", "check", show=False, priority=True),
        Binding("escape", "cancel", show=False),
    ]

    def __init__(self, pin: str) -> None:
        super().__init__()
        self._pin = pin
        self._typed = ""
        self._tries = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-box"):
            yield Static("Staff only: enter the PIN", id="pin-title", markup=False)
            yield Static("", id="pin-dots", markup=False)
            with Grid(id="keypad"):
                for label in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "Del", "0", "OK"):
                    yield Button(label, id=f"pin-{label.lower()}", classes="key")
            yield Button("Cancel", id="pin-cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "").removeprefix("pin-")
        if name.isdigit():
            self.action_digit(name)
        elif name == "del":
            self.action_erase()
        elif name == "ok":
            self.action_check()
        else:
            self.action_cancel()

    def action_digit(self, digit: str) -> None:
        if len(self._typed) < 8:
            self._typed += digit
        self._show("")

    def action_erase(self) -> None:
        self._typed = self._typed[:-1]
        self._show("")

    def action_check(self) -> None:
        if self._typed == self._pin:
            self.dismiss(True)
            return
        self._tries += 1
        self._typed = ""
        if self._tries >= MAX_TRIES:
            self.dismiss(False)
        else:
            self._show(f"Wrong PIN. {MAX_TRIES - self._tries} tries left.")

    def action_cancel(self) -> None:
        self.dismiss(False)

    def _show(self, problem: str) -> None:
        dots = " ".join("*" for _ in self._typed) or "_"
        self.query_one("#pin-dots", Static).update(f"{dots}\n{problem}".rstrip())
