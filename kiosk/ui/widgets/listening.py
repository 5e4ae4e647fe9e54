"""What the kiosk is doing with its voice and ears, and the live microphone level."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from kiosk.engine.knowledge import Prompts

METER_CELLS = 12
ICONS = {"speaking": "((o))", "listening": "(  o  )", "thinking": "...", "idle": "", "starting": "...", "off": "(x)"}


class ListeningIndicator(Widget):
    state: reactive[str] = reactive("off")
    level: reactive[float] = reactive(0.0)

    def __init__(self, words: Prompts, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._words = words

    def render(self) -> Text:
        state = self.state if self.state in ICONS else "idle"
        icon, words = ICONS[state], self._words[f"listening_{state}"]
        text = Text()
        if icon:
            text.append(f"{icon} ", style="bold")
        text.append(words, style="bold")
        if self.state == "listening":
            filled = round(max(0.0, min(1.0, self.level)) * METER_CELLS)
            text.append("   Microphone [")
            text.append("#" * filled, style="bold")
            text.append("." * (METER_CELLS - filled) + "]")
        return text

    def watch_state(self, state: str) -> None:
        self.set_class(state == "listening", "listening")
        self.set_class(state == "speaking", "speaking")
        self.set_class(state == "off", "off")
        if state != "listening":
            self.level = 0.0
