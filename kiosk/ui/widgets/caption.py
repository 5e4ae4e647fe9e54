"""'I heard: ...' after each answer, and a short check when the recognizer was unsure."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.engine.events import AnswerEvent

UNSURE_BELOW = 0.6  # recognizer confidence under which we tell the patient how to undo


def caption_words(answer: AnswerEvent, spoken: bool) -> str:
    if not answer.text:
        return ""
    if not spoken:
        return f'You chose: "{answer.text}"'
    words = f'I heard: "{answer.text}"'
    if answer.confidence < UNSURE_BELOW and answer.intent != "no_match":
        words += "\nI was not sure. If that is wrong, say \"back\" or press B."
    return words


class Caption(Static):
    def show_answer(self, answer: AnswerEvent, spoken: bool) -> None:
        self.update(caption_words(answer, spoken))
        self.set_class(spoken and answer.confidence < UNSURE_BELOW, "unsure")

    def clear(self) -> None:
        self.update("")
        self.remove_class("unsure")
