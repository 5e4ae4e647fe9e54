"""PocketSphinx, the embedded recognizer: its English model ships inside the wheel.

Two decoders hear the same utterance once its end has been detected (the whole utterance at
once, so the cepstral mean is its own: live estimates start wrong for every new voice). One may
only say what the question accepts (a JSGF grammar); the other is a free phone loop (allphone
search) that can follow any speech at all. The patient said something else ("what's the weather
like") and we return nothing, rather than the nearest answer, when
- the grammar's best path is not a whole answer, or
- it fits the audio much worse than free phones do (margin per frame), or
- it explains too little of what the phone loop heard as speech (coverage: the grammar files
  the rest under "silence", e.g. "what" of "what's the weather like").
In a noisy room both decoders hear the answer with the room's noise gated out (kiosk/speech/
denoise.py; the Listener hands over the room as heard before the answer).
The thresholds were measured with scripts/bench_speech.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pocketsphinx

from kiosk.engine.understanding import Grammar

from ..denoise import RoomNoise, suppress
from ..protocols import Recognition
from .common import CHAIN_WORD, Sentences, grammar_words

MODEL_NAME = "en-us"
# Grammar-minus-phone-loop log score per frame below which speech is out of scope.
# Measured over clean and noisy synthetic speech by scripts/bench_speech.py.
REJECT_MARGIN = -3.0
# See _score. Bench sweep over all voices (grammar decoded without the lattice best path):
# -4 / 0.8 gives 66.4% right and 6.2% false accepts; -3 / 0.8 62.8% / 3.6%; -6 / 0.8 70.3% / 10.9%.
# -3 is chosen: a rejected answer costs a reprompt (and then the keys), while a false accept
# turns speech that was no answer at all into one.
# The same, for an answer heard with the room's noise gated out. Noise no longer spoils how
# well the grammar fits out-of-scope speech either, so its margins rise with the answers'. Bench,
# test voices, all conditions (clean ones are never gated, and keep -3): -3 gives 82.3% right /
# 5.2% false accepts, -1 78.6% / 4.2%, 0 77.1% / 3.1%, 0.5 74.5% / 2.1% (held-out voices: 70.3/7.3,
# 64.6/5.2, 62.0/4.2, 60.4/3.1); without the gate, -3: 69.3% / 2.1% (held-out 56.8/4.2). Chosen
# before PocketSphinx's own noise removal was turned off for gated audio (_remove_noise); with
# that, 0 gives 78.6% / 3.1% (held-out 63.0% / 2.1%), and -2 to 1 all give 3.1% false accepts
# on the test voices.
REJECT_MARGIN_CLEANED = 0.0
MIN_COVERAGE = 0.8
NOISE_FLOOR = 64.0  # standard deviation in int16 steps: about -54 dBFS (bench: 16 and 200 did worse)
SILENCE_PROBABILITY = 0.1  # pocketsphinx default 0.005; measured better by the benchmark
CONFIDENCE_SLOPE = 2.0  # margin units for the confidence to go from 0.27 to 0.73


# Answer words in intents/ that the CMU dictionary lacks (medicine names mostly), in its
# phone set. `missing_words_report` names any new one; add its pronunciation here.
EXTRA_PRONUNCIATIONS = {
    "atorvastatin": "AH T AO R V AH S T AE T IH N",
    "discoloured": "D IH S K AH L ER D",
    "furosemide": "F Y UH R OW S AH M AY D",
    "hydrochlorothiazide": "HH AY D R OW K L AO R OW TH AY AH Z AY D",
    "levodopa": "L EH V AH D OW P AH",
    "parkinsons": "P AA R K IH N S AH N Z",
    "simvastatin": "S IH M V AH S T AE T IH N",
    "sinemet": "S IH N AH M EH T",
    "prickling": "P R IH K L IH NG",
    "tingly": "T IH NG G L IY",
}


@dataclass(frozen=True)
class Scored:
    """One utterance as both decoders heard it (kept for tuning and the benchmark)."""

    hypothesis: str
    in_grammar: bool
    margin: float  # grammar score minus phone-loop score, per frame (pocketsphinx log units)
    speech_frames: int
    coverage: float = 0.0  # grammar words' frames / frames the phone loop heard as speech
    cleaned: bool = False  # heard with the room's noise gated out


class PocketSphinxRecognizer:
    name = "pocketsphinx"

    def __init__(self, reject_margin: float = REJECT_MARGIN, noise_floor: float = NOISE_FLOOR,
                 reject_margin_cleaned: float = REJECT_MARGIN_CLEANED, denoise: bool = True) -> None:
        self.model = MODEL_NAME
        self.reject_margin = reject_margin
        self.reject_margin_cleaned = reject_margin_cleaned
        self.noise_floor = noise_floor
        self.denoise = denoise
        self._audio: list[bytes] = []
        self._room: RoomNoise | None = None
        self._removing_noise = True  # the model's feat.params turn PocketSphinx's own noise removal on
        # silprob: the pause after the last word is silence, not the start of a longer phrase
        # ("yes they" of "yes they do").
        quiet = {"loglevel": "FATAL", "silprob": SILENCE_PROBABILITY}
        # No lattice best-path rescoring for the grammar: its final score is what the margin
        # compares with the phone loop, and the first-pass score separates answers from
        # out-of-scope speech better (bench, all voices: 65.1% right / 9.9% false accepts ->
        # 66.4% / 6.2%), and decodes faster (median 148 -> 104 ms).
        self._grammar_decoder = pocketsphinx.Decoder(lm=None, bestpath=False, **quiet)
        self._phone_decoder = pocketsphinx.Decoder(
            lm=None, allphone=pocketsphinx.get_model_path("en-us/en-us-phone.lm.bin"), **quiet
        )
        self._logmath = self._grammar_decoder.get_logmath()
        self._add_pronunciations(EXTRA_PRONUNCIATIONS)
        self._searches: dict[Grammar, tuple[str, Sentences]] = {}
        self._sentences: Sentences | None = None
        self._active_search = ""
        self.last: Scored | None = None

    # -- the Recognizer protocol ------------------------------------------------------------
    def missing_words(self, grammar: Grammar) -> set[str]:
        return {w for w in grammar_words(grammar) if not self._knows(w)}

    def start(self, grammar: Grammar) -> None:
        name, self._sentences = self._search_for(grammar)
        if self._active_search != name:  # (current_search() crashes while none is active)
            self._grammar_decoder.activate_search(name)
            self._active_search = name
        self._audio.clear()
        self._grammar_decoder.start_utt()
        self._phone_decoder.start_utt()

    def hear_room(self, pcm: bytes) -> None:
        """The room as heard before this utterance (the Listener calls this before start())."""
        self._room = RoomNoise.of(pcm) if self.denoise else None

    def feed(self, pcm: bytes) -> None:
        self._audio.append(pcm)  # decoded in finish(): a whole utterance decodes in ~0.07 x real time

    def finish(self) -> Recognition:
        audio = b"".join(self._audio)
        self._audio.clear()
        # Both decoders hear the same (cleaned) audio: the margin compares their fits to it.
        cleaned = suppress(audio, self._room) if self._room is not None else None
        self._room = None  # heard again before the next utterance (a stale room is no estimate)
        audio = _with_noise_floor(audio if cleaned is None else cleaned, self.noise_floor)
        self._remove_noise(cleaned is None)
        if audio:
            self._grammar_decoder.process_raw(audio, False, True)
            self._phone_decoder.process_raw(audio, False, True)
        self._grammar_decoder.end_utt()
        self._phone_decoder.end_utt()
        self.last = scored = self._score(cleaned is not None)
        threshold = self.reject_margin_cleaned if scored.cleaned else self.reject_margin
        if not scored.in_grammar or scored.margin < threshold or scored.coverage < MIN_COVERAGE:
            return Recognition("", _confidence(scored.margin, threshold))
        return Recognition(scored.hypothesis, _confidence(scored.margin, threshold))

    # -- internals --------------------------------------------------------------------------
    def _remove_noise(self, on: bool) -> None:
        """PocketSphinx's own noise removal, for audio that was not gated: after the gate it only
        did harm (bench, noisy conditions at margin 0, test voices: 72.9% -> 75.0% right, false
        accepts 4.2% both; held-out 54.2% -> 55.6%, 4.2% -> 1.4%). Without the gate it is needed
        (off: pink 5 dB 62.5% -> 29.2% right). Switching costs well under a millisecond."""
        if on != self._removing_noise:
            for decoder in (self._grammar_decoder, self._phone_decoder):
                decoder.config["remove_noise"] = on
                decoder.reinit_feat()
            self._removing_noise = on

    def _add_pronunciations(self, pronunciations: dict[str, str]) -> None:
        new = {w: p for w, p in pronunciations.items() if not self._knows(w)}
        for i, (word, phones) in enumerate(new.items()):
            self._grammar_decoder.add_word(word, phones, i == len(new) - 1)

    def _knows(self, word: str) -> bool:
        return self._grammar_decoder.lookup_word(word) is not None

    def _search_for(self, grammar: Grammar) -> tuple[str, Sentences]:
        found = self._searches.get(grammar)
        if found is None:
            sentences = Sentences.build(grammar, self._knows)
            if not sentences.phrases:
                raise ValueError(f"no phrase of question {grammar.question!r} can be recognised")
            name = f"q{len(self._searches)}"
            self._grammar_decoder.add_jsgf_string(name, _jsgf(sentences))
            found = self._searches[grammar] = (name, sentences)
        return found

    def _score(self, cleaned: bool) -> Scored:
        hyp = self._grammar_decoder.hyp()
        phone_hyp = self._phone_decoder.hyp()
        if hyp is None or phone_hyp is None:
            return Scored(hyp.hypstr if hyp else "", False, -math.inf, 0, cleaned=cleaned)
        words = tuple(hyp.hypstr.split())
        assert self._sentences is not None
        in_grammar = self._sentences.accepts(words)
        speech_frames = sum(
            seg.end_frame - seg.start_frame + 1 for seg in (self._grammar_decoder.seg() or []) if _is_word(seg.word)
        )
        # Speech the grammar could not place becomes "silence" in its path: "what" of "what's
        # the weather like". The phone loop hears all of it, so compare how much each calls speech.
        phone_speech = sum(
            seg.end_frame - seg.start_frame + 1 for seg in (self._phone_decoder.seg() or []) if _is_phone(seg.word)
        )
        coverage = speech_frames / max(1, phone_speech)
        # Per frame of the whole utterance: the listener trims it to speech plus short margins.
        frames = max(1, self._grammar_decoder.n_frames())
        margin = (self._log(hyp.score) - self._log(phone_hyp.score)) / frames
        return Scored(" ".join(words), in_grammar, margin, speech_frames, round(coverage, 3), cleaned)

    def _log(self, probability: float) -> float:
        # The Python API hands scores back as probabilities; turn them back into log scores.
        return self._logmath.log(probability) if probability > 0 else -1e9


def _with_noise_floor(pcm: bytes, level: float) -> bytes:
    """Add a quiet, fixed hiss (about -54 dBFS), as every real microphone has. Synthetic or gated
    audio holds stretches of exact zeros, whose features are wild outliers that make the
    scores jump from one run to the next; a real room is never that quiet, so nothing is lost."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.int32)
    hiss = np.random.default_rng(len(samples)).normal(0.0, level, len(samples))
    return np.clip(samples + np.round(hiss).astype(np.int32), -32768, 32767).astype("<i2").tobytes()


def _is_phone(word: str) -> bool:
    return word != "SIL" and not word.startswith("+")


def _is_word(word: str) -> bool:
    return not (word.startswith("<") or word.startswith("[") or word.startswith("+"))


def _confidence(margin: float, threshold: float) -> float:
    if margin == -math.inf:
        return 0.0
    return round(1 / (1 + math.exp(-(margin - threshold) / CONFIDENCE_SLOPE)), 3)


def _jsgf(sentences: Sentences) -> str:
    # Phrases as a prefix tree ("sixty ( one | two | ... )"): a flat list of 500 numbers makes
    # a search graph so wide that decoding takes seconds; the tree takes a fraction of that.
    rules = [f"public <answer> = <phrase>{' | <chain>' if sentences.items else ''};",
             f"<phrase> = {_tree(sentences.phrases)};"]
    if sentences.items:
        rules += [f"<item> = {_tree(sentences.items)};", f"<chain> = <item> ( {CHAIN_WORD} <item> )+;"]
    return "#JSGF V1.0;\ngrammar kiosk;\n" + "\n".join(rules) + "\n"


_END = ""  # marks "a phrase may end here" in the prefix tree


def _tree(phrases: tuple[tuple[str, ...], ...]) -> str:
    root: dict = {}
    for words in phrases:
        node = root
        for word in words:
            node = node.setdefault(word, {})
        node[_END] = {}
    return _render(root)


def _render(node: dict) -> str:
    branches = []
    for word, child in node.items():
        if word == _END:
            continue
        ends_here = _END in child
        rest = _render(child) if len(child) > int(ends_here) else ""
        if not rest:
            branches.append(word)
        elif ends_here:
            branches.append(f"{word} [ {rest} ]")
        else:
            branches.append(f"{word} {rest}")
    return branches[0] if len(branches) == 1 else "( " + " | ".join(branches) + " )"
