"""Messages from the speech worker thread to the app (``post_message`` is thread-safe).

Each carries the turn number it belongs to, so a late message from a cancelled turn is ignored.
"""

from __future__ import annotations

from textual.message import Message

from kiosk.ui.voice import Heard, VoiceStatus


class VoiceReady(Message):
    def __init__(self, status: VoiceStatus) -> None:
        super().__init__()
        self.status = status


class VoiceState(Message):
    """state: "speaking", "listening", "thinking" or "idle"."""

    def __init__(self, turn: int, state: str) -> None:
        super().__init__()
        self.turn = turn
        self.state = state


class VoiceLevel(Message):
    def __init__(self, turn: int, level: float) -> None:
        super().__init__()
        self.turn = turn
        self.level = level


class VoiceHeard(Message):
    def __init__(self, turn: int, heard: Heard) -> None:
        super().__init__()
        self.turn = turn
        self.heard = heard


class StaffTestDone(Message):
    """A staff microphone or speaker test finished; ``report`` is shown on the staff screen."""

    def __init__(self, report: str) -> None:
        super().__init__()
        self.report = report


class SpeechProblem(Message):
    """A sentence was not spoken (``problem`` says why), or, with None, speech works again."""

    def __init__(self, problem: str | None) -> None:
        super().__init__()
        self.problem = problem
