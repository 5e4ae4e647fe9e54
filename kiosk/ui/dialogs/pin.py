"""Staff PIN on a numeric keypad: digit keys or touch, never a text field.

Guessing is slowed down: after each wrong PIN the keypad waits (0, 1, 2, 4 ... up to 60 s, see
``PinGuard.delay_s``) before it takes another, and closing and reopening the keypad does not
reset the wait. Every wrong try is counted for the staff screen and the staff log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

MAX_TRIES = 3  # wrong tries in one go before the keypad closes
FIRST_DELAY_S = 1.0  # the wait after the second wrong PIN in a row (one slip is free); then doubling
MAX_DELAY_S = 60.0


@dataclass
class PinGuard:
    """Wrong tries, kept by the app for every keypad it opens; ``on_wrong`` is told each one."""

    clock: Callable[[], float] = time.monotonic
    on_wrong: Callable[[int], None] | None = None  # gets the number of wrong tries in a row
    in_a_row: int = 0
    total_wrong: int = 0
    last_wrong: float | None = None  # clock time
    _locked_until: float = field(default=0.0, repr=False)

    @staticmethod
    def delay_s(in_a_row: int) -> float:
        return 0.0 if in_a_row <= 1 else min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (in_a_row - 2))

    def wait_s(self) -> float:
        """Seconds until the keypad takes another PIN (0 when it takes one now)."""
        return max(0.0, self._locked_until - self.clock())

    def wrong(self) -> float:
        self.in_a_row += 1
        self.total_wrong += 1
        self.last_wrong = self.clock()
        delay = self.delay_s(self.in_a_row)
        self._locked_until = self.last_wrong + delay
        if self.on_wrong is not None:
            self.on_wrong(self.in_a_row)
        return delay

    def right(self) -> None:
        self.in_a_row = 0
        self._locked_until = 0.0


class PinDialog(ModalScreen[bool]):
    """Dismisses with True for the right PIN; False on cancel or after three wrong tries."""

    # All priority: Enter must be OK even on a focused key button, and a priority binding runs at
    # once while an ordinary one waits in the focused widget's queue, so digits typed in one burst
    # with Enter would be checked before they arrived unless they are priority too.
    BINDINGS = [
        *(Binding(str(n), f"digit('{n}')", show=False, priority=True) for n in range(10)),
        Binding("backspace", "erase", show=False, priority=True),
        Binding("enter", "check", show=False, priority=True),
        Binding("escape", "cancel", show=False),
    ]

    def __init__(self, pin: str, guard: PinGuard | None = None) -> None:
        super().__init__()
        self._pin = pin
        self._guard = guard or PinGuard()
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

    def on_mount(self) -> None:
        self._show(self._wait_text() if self._guard.wait_s() > 0 else "")  # "_": where the digits will go

    def action_check(self) -> None:
        if self._guard.wait_s() > 0:  # too soon after a wrong PIN: not even checked
            self._typed = ""
            self._show(self._wait_text())
            return
        if self._typed == self._pin:
            self._guard.right()
            self.dismiss(True)
            return
        self._tries += 1
        self._typed = ""
        delay = self._guard.wrong()
        if self._tries >= MAX_TRIES:
            self.dismiss(False)
        else:
            wait = f" Wait {delay:.0f} s." if delay else ""
            self._show(f"Wrong PIN. {MAX_TRIES - self._tries} tries left.{wait}")

    def _wait_text(self) -> str:
        return f"Wrong PIN. Wait {max(1, round(self._guard.wait_s()))} s, then try again."

    def action_cancel(self) -> None:
        self.dismiss(False)

    def _show(self, problem: str) -> None:
        dots = " ".join("*" for _ in self._typed) or "_"
        self.query_one("#pin-dots", Static).update(f"{dots}\n{problem}".rstrip())
