"""The code for the desk: the clinician summary as a QR code, as big as the screen allows.

It holds the short form of the summary (ResultEvent.summary.compact()); staff scan it with a
phone or tablet. Any key or touch goes back to the result.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.engine.knowledge import Prompts
from kiosk.ui.widgets.qr import QrCode


class CodeScreen(ModalScreen[None]):
    AUTO_FOCUS = ""

    def __init__(self, code: str, words: Prompts) -> None:
        super().__init__()
        self.code = code
        self._words = words

    def compose(self) -> ComposeResult:
        words = self._words
        with Vertical(id="code-page"):
            yield Static(words["code_title"], id="code-title", markup=False)
            yield QrCode(self.code, words["code_too_small"], id="qr")
            yield Static(words["code_back"], id="code-back", markup=False)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss(None)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.dismiss(None)
