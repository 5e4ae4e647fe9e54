"""What both recognizers share: the grammar as word sequences, and the check that a hypothesis
is a whole answer the question accepts (anything else is rejected, never "the nearest phrase")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from kiosk.engine.understanding import Grammar

CHAIN_WORD = "and"  # multi questions: "numbness and tingling"
_NOT_A_WORD_CHAR = re.compile(r"[^\w']+")


def phrase_words(phrase: str) -> tuple[str, ...]:
    """Recognizer words of a phrase: lower case, apostrophes kept, other punctuation dropped."""
    return tuple(_NOT_A_WORD_CHAR.sub(" ", phrase.lower()).split())


def grammar_words(grammar: Grammar) -> set[str]:
    return {w for p in grammar.phrases + grammar.items for w in phrase_words(p)}


@dataclass(frozen=True)
class Sentences:
    """The grammar a recognizer can actually use: phrases and chainable items, as word tuples,
    without any phrase that holds a word the model does not know."""

    phrases: tuple[tuple[str, ...], ...]
    items: tuple[tuple[str, ...], ...]
    _phrase_set: frozenset[tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _item_set: frozenset[tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_phrase_set", frozenset(self.phrases))
        object.__setattr__(self, "_item_set", frozenset(self.items))

    @classmethod
    def build(cls, grammar: Grammar, known: Callable[[str], bool]) -> "Sentences":
        def usable(phrases: Iterable[str]) -> tuple[tuple[str, ...], ...]:
            kept = (phrase_words(p) for p in phrases)
            return tuple(dict.fromkeys(w for w in kept if w and all(known(x) for x in w)))

        items = usable(grammar.items) if known(CHAIN_WORD) else ()
        return cls(usable(grammar.phrases), items)

    def accepts(self, words: tuple[str, ...]) -> bool:
        """True when ``words`` is one whole phrase, or items joined by "and"."""
        if not words:
            return False
        if words in self._phrase_set:
            return True
        return bool(self.items) and self._is_chain(words)

    def _is_chain(self, words: tuple[str, ...]) -> bool:
        # Items may hold "and" themselves ("pins and needles"), so try every split.
        if words in self._item_set:
            return True
        for i, word in enumerate(words):
            if word == CHAIN_WORD and words[:i] in self._item_set and self._is_chain(words[i + 1 :]):
                return True
        return False

    @property
    def words(self) -> set[str]:
        found = {w for p in self.phrases + self.items for w in p}
        return found | ({CHAIN_WORD} if self.items else set())
