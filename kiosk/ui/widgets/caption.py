"""'I heard: ...' after each answer, and a short check when the recognizer was unsure."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.engine.events import AnswerEvent
from kiosk.engine.knowledge import Prompts

def caption_words(answer: AnswerEvent, spoken: bool, words: Prompts, unsure_below: float,
                  read_back: bool = False) -> str:
    """``unsure_below``: the recognizer confidence under which the patient is told how to undo
    (the interview's confirm_below_confidence in questions.yaml, so both use one threshold).
    ``read_back``: the kiosk asks "Is that right?" about it, so "say back" would undo the
    answer before it, not this one: the hint is left out."""
    if not answer.text:
        return ""
    if not spoken:
        return words["caption_chose"].format(answer=answer.text)
    said = words["caption_heard"].format(answer=answer.text)
    if answer.understood:  # a partly understood answer: what it did say, before the questions on the rest
        said += "\n" + answer.understood
    if answer.confidence < unsure_below and answer.intent != "no_match" and not read_back:
        said += "\n" + words["caption_unsure"]
    return said


class Caption(Static):
    def __init__(self, words: Prompts, unsure_below: float, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._words = words
        self._unsure_below = unsure_below
        self._shown: tuple[AnswerEvent, bool] | None = None

    def show_answer(self, answer: AnswerEvent, spoken: bool, *, read_back: bool = False) -> None:
        self._shown = (answer, spoken)
        self.update(caption_words(answer, spoken, self._words, self._unsure_below, read_back))
        self.set_class(spoken and answer.confidence < self._unsure_below, "unsure")

    def read_back(self) -> None:
        """The answer shown is being read back ("Is that right?"): no "say back" hint."""
        if self._shown is not None:
            self.show_answer(*self._shown, read_back=True)

    def clear(self) -> None:
        self._shown = None
        self.update("")
        self.remove_class("unsure")
