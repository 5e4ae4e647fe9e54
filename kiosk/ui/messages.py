"""Messages to the app: from the speech and staff-test threads (``post_message`` is thread-safe),
and from the screens, which say what the patient or staff pressed and leave the flow to the app.

A speech message carries the turn number it belongs to, so a late one from a cancelled turn is ignored.
"""

from __future__ import annotations

from textual.message import Message

from kiosk.engine.events import IntentName
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


# -- from the screens (posted on the screen, they bubble up to the app) -------------------------
class StartAsked(Message):
    """The patient asked to begin: a key, a touch or the button on the welcome screen."""


class AnswerChosen(Message):
    """A numbered answer, by its key or its button."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


class CommandChosen(Message):
    """A command by key or button: repeat, back, help, why or restart (the session asks once before a restart)."""

    def __init__(self, name: IntentName) -> None:
        super().__init__()
        self.name = name


class ResultDone(Message):
    """The patient is done with the result: back to the welcome for the next one."""


class CodeAsked(Message):
    """Show the clinician summary as a code for the desk."""


class PrintAsked(Message):
    """Print the clinician summary (only offered when staff set up a printer)."""


class StaffPressed(Message):
    """A staff screen action: quit, clear, test-mic, test-speaker, engine or close."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
