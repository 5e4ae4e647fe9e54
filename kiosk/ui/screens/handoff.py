"""The code for the desk: the clinician summary as a QR code, alone on the screen.

It holds the short form of the summary (ResultEvent.summary.compact(), at most QR version 6:
23 rows of half blocks); staff scan it with a phone or tablet. The words go beside the code, not
above it, so that the code fits the 24 rows of an 80x24 terminal. Any key or touch goes back.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
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
        with Horizontal(id="code-page"):
            yield QrCode(self.code, words["code_too_small"], id="qr")
            with Vertical(id="code-words"):
                yield Static(words["code_title"], id="code-title", markup=False)
                yield Static(words["code_back"], id="code-back", markup=False)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss(None)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.dismiss(None)
