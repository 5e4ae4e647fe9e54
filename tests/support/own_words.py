"""A simulated patient who describes findings in their own words (tests/support/own_words.yaml).

Same story, same kiosk --jsonl yardstick as tests.support.patient; only the words differ:
asked "any of these?", this patient says "my hands tingle and I can't feel my fingers properly",
not the kiosk's labels. After a reprompt it falls back to the plain answers, like a real patient
who was told "please say yes or no".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.support.yamldata import read_data

from tests.support import phrasing
from tests.support.patient import PlannedAnswer, SimulatedPatient
from tests.support.stories import FINDINGS

BOOK = Path(__file__).with_name("own_words.yaml")
JOINERS = (" and ", ", and ", ", also ", ", plus ", " and also ", ". And ")


@lru_cache(maxsize=2)
def phrase_book(path: Path = BOOK) -> dict[str, Any]:
    return _keys(read_data(path))


def _keys(data: Any) -> Any:
    """YAML 1.1 reads the keys yes: and no: as booleans; here they are words."""
    if isinstance(data, dict):
        return {({True: "yes", False: "no"}.get(k, k) if isinstance(k, bool) else k): _keys(v) for k, v in data.items()}
    return data


class OwnWordsPatient(SimulatedPatient):
    """Answers like SimulatedPatient, describing findings instead of reading labels back."""

    book: Path = BOOK

    @classmethod
    def with_book(cls, path: Path) -> type[OwnWordsPatient]:
        """The same patient with another phrase book (the held-out one)."""
        return type("OwnWordsPatientFrom" + path.stem.title().replace("_", ""), (cls,), {"book": Path(path)})

    def answer(self, question: dict[str, Any], plain: bool = False) -> PlannedAnswer:
        if plain:
            return super().answer(question, plain)
        book = phrase_book(self.book)
        kind, qid = question.get("kind"), str(question.get("id"))
        if kind == "number" and qid == "age":
            text = self._pick(book["age"], qid).format(n=self.story.age, words=phrasing.words(self.story.age))
            return PlannedAnswer(text, "number", self.story.age)
        if kind == "duration":
            said = phrasing.duration_phrase(self.story.duration_days, 0, self.story.id, qid)
            return PlannedAnswer(self._pick(book["duration"], qid).format(p=said), "duration", self.story.duration_days)
        if kind == "multi":
            return self._described(question, book)
        if kind == "yes_no":
            return self._single(question, book)
        return super().answer(question, plain)

    def _described(self, question: dict[str, Any], book: dict[str, Any]) -> PlannedAnswer:
        qid = str(question.get("id"))
        ids = [str(c.get("id")) for c in question.get("choices") or [] if isinstance(c, dict)]
        chosen = [c for c in ids if self.story.answer_for(c) == "yes"]
        if not chosen:
            if any(self.story.answer_for(c) == "unsure" for c in ids):
                return PlannedAnswer(self._pick(book["unsure"], qid), "unknown")
            return PlannedAnswer(self._pick(book["none"], qid), "none", [])
        parts = [self._pick(book["findings"][c]["yes"], qid, c) for c in chosen]
        text = parts[0]
        for n, part in enumerate(parts[1:]):
            text += self._pick(JOINERS, qid, n) + part
        return PlannedAnswer(text, "choices", sorted(chosen))

    def _single(self, question: dict[str, Any], book: dict[str, Any]) -> PlannedAnswer:
        qid = str(question.get("id"))
        known = [f for f in question.get("findings") or [qid] if f in FINDINGS]
        state = self.story.answer_for(known[0]) if known else "no"
        entry = book["findings"].get(known[0], {}) if known else {}
        if state == "yes":
            options = list(entry.get("yes", [])) + list(book["yes"])
            return PlannedAnswer(self._pick(options, qid), "yes", True)
        if state == "unsure":
            return PlannedAnswer(self._pick(book["unsure"], qid), "unknown")
        options = list(entry.get("no", [])) + list(book["no"])
        return PlannedAnswer(self._pick(options, qid), "no", False)

    def _pick(self, options: Any, qid: str, *more: object) -> str:
        return phrasing.pick(tuple(options), self.story.id, qid, "own", *more)
