"""Vosk, wherever a Vosk model is present: free transcription, the question's phrases as a hint.

Two recognizers hear every utterance: one with the model's own language model (any words), one
with the question's grammar. The grammar's result is used when it is a whole answer heard with
confidence (the fast, sure path); otherwise the free transcript is, when its words are heard
with at least ``MIN_FREE_CONFIDENCE`` on average, so an answer in the patient's own words still
reaches the text understanding. ``free=False`` keeps the grammar only (measured in the bench).

The grammar is the question's phrases (Vosk lets them follow one another, which is how items
chain with "and"), plus "[unk]" when the model has it, so that other speech has somewhere to go.
A result is only an answer when it is one whole phrase or a chain of items, no word is
"[unk]", and every word's confidence clears ``min_word_confidence``: "the bus was late" heard as
"no no yes" is rejected, never passed on as the nearest answer.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import vosk

from kiosk.engine.understanding import Grammar

from ..protocols import SAMPLE_RATE, Transcript
from .common import Sentences, grammar_words

UNKNOWN = "[unk]"
MIN_FREE_CONFIDENCE = 0.6  # mean word confidence of a free transcript (bench, Korean model)
MIN_WORD_CONFIDENCE = 0.5  # bench sweep (Korean model): 0.9 -> 0.5 gives 51% -> 58% right, false accepts stay 3%
_CACHED_GRAMMARS = 8  # a recognizer per recent question: the interview often asks alike ones


@dataclass(frozen=True)
class VoskScored:
    """One utterance as Vosk heard it, before rejection (kept for tuning and the benchmark)."""

    hypothesis: str
    in_grammar: bool
    confidence: float  # the lowest word confidence


class VoskModelError(RuntimeError):
    """The folder is not a Vosk model this library can load."""


def load(model: Path | None = None) -> "VoskRecognizer":
    """The registry's entry point: ``model``, or the first Vosk model the kiosk finds."""
    from ..models import find_vosk_model

    found = find_vosk_model(model)
    if found is None:
        where = f"at {model}" if model else "(try `kiosk model download`, or --model DIR)"
        raise VoskModelError(f"no Vosk model found {where}")
    return VoskRecognizer(found)


class VoskRecognizer:
    name = "vosk"

    def __init__(self, model_dir: Path, min_word_confidence: float = MIN_WORD_CONFIDENCE, free: bool = True, *,
                 loaded: vosk.Model | None = None) -> None:
        """``loaded``: the model of ``model_dir`` as another recognizer loaded it (``loaded_model``),
        shared instead of loaded again (about 3 s of CPU): the tests hear with both kinds."""
        vosk.SetLogLevel(-1)  # its own log would otherwise fill the kiosk's terminal
        if not Path(model_dir).is_dir():
            raise VoskModelError(f"no Vosk model folder at {model_dir}")
        began = time.perf_counter()
        try:
            self._model = loaded or vosk.Model(str(model_dir))
        except Exception as error:  # vosk raises a bare Exception when the folder is wrong
            raise VoskModelError(f"cannot load the Vosk model in {model_dir}: {error}") from error
        self.load_s = time.perf_counter() - began
        self.model = str(model_dir)
        self.min_word_confidence = min_word_confidence
        self.free = free
        self._free: vosk.KaldiRecognizer | None = None
        if free:
            self._free = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
            self._free.SetWords(True)
        self.has_unknown_word = self._knows(UNKNOWN)
        self._recognizers: dict[Grammar, tuple[vosk.KaldiRecognizer, Sentences]] = {}
        self._current: tuple[vosk.KaldiRecognizer, Sentences] | None = None
        self.last_result: dict = {}
        self.last: VoskScored | None = None
        self.last_free = ""  # the free transcript of the last utterance, before rejection

    @property
    def loaded_model(self) -> vosk.Model:
        return self._model

    # -- the Recognizer protocol ------------------------------------------------------------
    def missing_words(self, grammar: Grammar) -> set[str]:
        """Words the model's vocabulary lacks (Vosk itself would only log and drop them)."""
        return {w for w in grammar_words(grammar) if not self._knows(w)}

    def start(self, grammar: Grammar) -> None:
        self._current = self._recognizer_for(grammar)

    def feed(self, pcm: bytes, original: bytes | None = None) -> None:
        assert self._current is not None, "start() first"
        self._current[0].AcceptWaveform(pcm)
        if self._free is not None:
            self._free.AcceptWaveform(pcm)

    def finish(self) -> Transcript:
        assert self._current is not None, "start() first"
        recognizer, sentences = self._current
        self.last_result = result = json.loads(recognizer.FinalResult())
        words = [w for w in result.get("result", [])]
        text = tuple(w["word"] for w in words)
        confidence = min((float(w.get("conf", 0.0)) for w in words), default=0.0)
        self.last = VoskScored(" ".join(text), sentences.accepts(text), confidence)
        free = self._free_transcript()
        if self.last.in_grammar and confidence >= self.min_word_confidence:
            return Transcript(" ".join(text), round(confidence, 3), (free.text,) if free.text else ())
        return free

    def _free_transcript(self) -> Transcript:
        """What the free recognizer heard ("" when there is none, or it is unsure)."""
        if self._free is None:
            return Transcript("", 0.0)
        result = json.loads(self._free.FinalResult())
        words = [w for w in result.get("result", []) if w.get("word") != UNKNOWN]
        confidence = sum(float(w.get("conf", 0.0)) for w in words) / len(words) if words else 0.0
        self.last_free = " ".join(w["word"] for w in words)
        if confidence < MIN_FREE_CONFIDENCE:
            return Transcript("", round(confidence, 3))
        return Transcript(self.last_free, round(confidence, 3))

    # -- internals --------------------------------------------------------------------------
    def _knows(self, word: str) -> bool:
        return self._model.vosk_model_find_word(word) >= 0

    def _recognizer_for(self, grammar: Grammar) -> tuple[vosk.KaldiRecognizer, Sentences]:
        found = self._recognizers.pop(grammar, None)
        if found is None:
            sentences = Sentences.build(grammar, self._knows)
            if not sentences.phrases:
                raise ValueError(f"no phrase of question {grammar.question!r} is in the Vosk model")
            phrases = [" ".join(p) for p in sentences.phrases + sentences.items]
            if sentences.items:
                phrases.append("and")
            if self.has_unknown_word:
                phrases.append(UNKNOWN)
            found = (vosk.KaldiRecognizer(self._model, SAMPLE_RATE, json.dumps(phrases, ensure_ascii=False)), sentences)
            found[0].SetWords(True)
        self._recognizers[grammar] = found  # most recent last
        while len(self._recognizers) > _CACHED_GRAMMARS:
            del self._recognizers[next(iter(self._recognizers))]
        return found
