"""Rescoring by sound: when Whisper's words sound like one of the question's phrases but do not
say it, the phrase is what was said.

Whisper tiny is sure of readings that only sound like the answer, on robotic voices most of all:
espeak-ng's "eighty one" comes out "A D one.", "Maybe one." or "Eighted one." (understood as 1),
"joint pain" in babble "Joy pain." (not understood). These sound almost the same as the
question's phrase, so the transcript is compared with every phrase of the question's grammar by
its phonemes (kiosk/speech/pronounce.py), and the nearest phrase is taken instead when
- it is near: at most NEAR of its phonemes differ (edit distance over the longer of the two),
- it means something else than Whisper's words (else nothing changes),
- no phrase that means what Whisper's words mean is nearly as near (MARGIN): "No, I don't know."
  stays "I don't know" rather than becoming "no I don't", and
- Whisper's words deny nothing: a denial ("No chest pain.") is kept as written and only read back,
  since the grammar holds the complaints and not their denials.
Commands are never the result, nor is a transcript that is a command changed: a command needs
the whole utterance ("That's really." is not "that's wrong", which goes back). When Whisper's
best reading means nothing and sounds like no phrase, its runner-up is compared the same way.

The phrases only guide: a transcript that sounds like no phrase ("yes I take a water pill", an
out-of-scope "my phone is ringing") reaches the text understanding as Whisper wrote it. A
rescued reading keeps Whisper's own words as its first alternative and a confidence lowered by
how far the sounds were apart, and always below the read-back threshold: it is checked with the
patient before it counts. Measured on the quick bench (docs/speech.md "Rescoring by sound").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from kiosk.engine.events import COMMAND_INTENTS, Intent
from kiosk.engine.knowledge import KnowledgeBase, Question
from kiosk.engine.understanding import Grammar, understand

from . import pronounce
from .protocols import Transcript

NEAR = 0.35  # share of phonemes that may differ (0.4 turned "That's really." into "that's right": yes)
MARGIN = 0.1  # a phrase meaning what Whisper's words mean must be this much farther away
CHAIN_LABELS = 12  # a multi question's choices, chained in twos ("numbness and tingling"), up to this many


@dataclass(frozen=True)
class _Phrase:
    text: str
    sounds: str


class SoundRescorer:
    """The question's phrases by sound, built once per grammar; ``rescore`` is the stage."""

    def __init__(self) -> None:
        self._phrases: dict[Grammar, tuple[_Phrase, ...]] = {}
        self._meanings: dict[tuple[str, str], tuple[str, object]] = {}

    @staticmethod
    def available() -> bool:
        return pronounce.dictionary_path() is not None

    @staticmethod
    def load() -> None:
        """Read the pronouncing dictionary now (0.5 s), not when the first answer waits for it."""
        pronounce.dictionary()

    def rescore(self, grammar: Grammar, kb: KnowledgeBase, transcript: Transcript) -> Transcript:
        question = kb.questions.get(grammar.question)
        if question is None or not transcript.text:  # a screen's own grammar: nothing to judge by
            return transcript
        understood = understand(kb, question, transcript.text)  # not kept: a patient's words
        heard = _meaning(understood)
        found = self._nearest(kb, grammar, question, transcript.text, heard)
        if found is not None and _denies(understood):
            # The grammar holds the complaints, not their denials: "no chest pain" sounds
            # nearest to the phrase "a chest pain", "I don't smoke" to "i don't know". A denial
            # is never turned into something else; it is kept, and read back before it counts
            # (Whisper also writes "No, I'm no something tingling." for "numbness and tingling").
            return Transcript(transcript.text, _guessed(transcript.confidence, kb), transcript.alternatives)
        if found is None and heard[0] == "no_match" and transcript.alternatives:
            # Whisper's runner-up, only when it sounds like a phrase ("That really." for "not
            # really"): taken as it stands, runners-up let in out-of-scope speech (docs/speech.md)
            second = transcript.alternatives[0]
            found = self._nearest(kb, grammar, question, second, _meaning(understand(kb, question, second)))
        if found is None:
            return transcript
        distance, text = found
        return Transcript(text, _guessed(transcript.confidence * (1 - distance), kb),
                          (transcript.text, *transcript.alternatives))

    def _nearest(self, kb: KnowledgeBase, grammar: Grammar, question: Question, text: str,
                 heard: tuple[str, object]) -> tuple[float, str] | None:
        """(distance, phrase) of the phrase ``text`` sounds like, when it means something else
        than ``heard`` (what the text itself means) and nothing meaning ``heard`` is as near."""
        said = pronounce.sounds(text)
        if not said or heard[0] in COMMAND_INTENTS:
            return None
        ranked = sorted((Levenshtein.normalized_distance(said, p.sounds), p.text) for p in self._for(grammar, question))
        best: tuple[float, str] | None = None
        for distance, phrase in ranked:
            if distance > NEAR + MARGIN or best is not None and distance >= best[0] + MARGIN:
                break  # nothing farther can change the verdict
            meaning = self._phrase_meaning(kb, question, phrase)
            if meaning == heard:
                return None  # a phrase that means what the text says is as near
            if best is None and meaning[0] not in COMMAND_INTENTS and distance <= NEAR:
                best = (distance, phrase)
        return best

    def _phrase_meaning(self, kb: KnowledgeBase, question: Question, text: str) -> tuple[str, object]:
        """What a phrase of the grammar means, understood once (only the phrases near a
        transcript ever are: an age question has a thousand)."""
        key = (question.id, text)
        found = self._meanings.get(key)
        if found is None:
            found = self._meanings[key] = _meaning(understand(kb, question, text))
        return found

    def _for(self, grammar: Grammar, question: Question) -> tuple[_Phrase, ...]:
        found = self._phrases.get(grammar)
        if found is None:
            texts = list(grammar.phrases)
            if question.kind == "multi":  # two choices in one answer
                labels = [c.label.lower() for c in question.choices][:CHAIN_LABELS]
                texts += [f"{a} and {b}" for a, b in itertools.permutations(labels, 2)]
            found = tuple(_Phrase(t, pronounce.sounds(t)) for t in dict.fromkeys(texts))
            self._phrases[grammar] = found
        return found


def _guessed(confidence: float, kb: KnowledgeBase) -> float:
    """A reading changed by sound is a guess, so it stays below the interview's read-back
    threshold: the kiosk asks "You said no. Is that right?" before it counts. Else a patient's
    "I don't know", written "I know." and taken as the phrase "no", would deny a red flag
    without a word (safety before brevity; a red flag said present is never held back)."""
    return round(max(0.0, min(confidence, kb.settings.confirm_below_confidence - 0.01)), 3)


def _denies(intent: Intent) -> bool:
    """A no, a none, or a list answer that denies some of its choices."""
    return intent.name in ("no", "none") or (intent.name == "choices" and bool(intent.denied))


def _meaning(intent: Intent) -> tuple[str, object]:
    return intent.name, tuple(intent.value) if isinstance(intent.value, list) else intent.value
