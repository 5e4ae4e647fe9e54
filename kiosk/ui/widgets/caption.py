"""'I heard: ...' after each answer, and a short check when the recognizer was unsure."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.engine.events import AnswerEvent
from kiosk.engine.knowledge import Prompts

UNSURE_BELOW = 0.6  # recognizer confidence under which we tell the patient how to undo


def caption_words(answer: AnswerEvent, spoken: bool, words: Prompts) -> str:
    if not answer.text:
        return ""
    if not spoken:
        return words["caption_chose"].format(answer=answer.text)
    said = words["caption_heard"].format(answer=answer.text)
    if answer.understood:  # a partly understood answer: what it did say, before the questions on the rest
        said += "\n" + answer.understood
    if answer.confidence < UNSURE_BELOW and answer.intent != "no_match":
        said += "\n" + words["caption_unsure"]
    return said


class Caption(Static):
    def __init__(self, words: Prompts, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._words = words

    def show_answer(self, answer: AnswerEvent, spoken: bool) -> None:
        self.update(caption_words(answer, spoken, self._words))
        self.set_class(spoken and answer.confidence < UNSURE_BELOW, "unsure")

    def clear(self) -> None:
        self.update("")
        self.remove_class("unsure")
