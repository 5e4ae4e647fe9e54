"""'I heard: ...' after each answer, and a short check when the recognizer was unsure."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.engine.events import AnswerEvent
from kiosk.engine.knowledge import Prompts

def caption_words(answer: AnswerEvent, spoken: bool, words: Prompts, unsure_below: float) -> str:
    """``unsure_below``: the recognizer confidence under which the patient is told how to undo
    (the interview's confirm_below_confidence in questions.yaml, so both use one threshold)."""
    if not answer.text:
        return ""
    if not spoken:
        return words["caption_chose"].format(answer=answer.text)
    said = words["caption_heard"].format(answer=answer.text)
    if answer.understood:  # a partly understood answer: what it did say, before the questions on the rest
        said += "\n" + answer.understood
    if answer.confidence < unsure_below and answer.intent != "no_match":
        said += "\n" + words["caption_unsure"]
    return said


class Caption(Static):
    def __init__(self, words: Prompts, unsure_below: float, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._words = words
        self._unsure_below = unsure_below

    def show_answer(self, answer: AnswerEvent, spoken: bool) -> None:
        self.update(caption_words(answer, spoken, self._words, self._unsure_below))
        self.set_class(spoken and answer.confidence < self._unsure_below, "unsure")

    def clear(self) -> None:
        self.update("")
        self.remove_class("unsure")
