"""PocketSphinx, the embedded recognizer: its English model ships inside the wheel.

Two decoders hear the same utterance once its end has been detected (the whole utterance at
once, so the cepstral mean is its own: live estimates start wrong for every new voice). One may
only say what the question accepts (a JSGF grammar); the other is a free phone loop (allphone
search) that can follow any speech at all. The patient said something else ("what's the weather
like") and we return nothing, rather than the nearest answer, when
- the grammar's best path is not a whole answer, or
- its words fit the audio much worse than free phones fit the same stretch of audio (margin
  per word frame), or
- the phone loop heard speech the grammar's words leave out (the grammar files it under
  "silence", e.g. "what" of "what's the weather like") for more than a quarter of a second.
In a noisy room both decoders hear the answer cleaned: by DeepFilterNet3, streamed through
the Listener as the audio arrives (kiosk/speech/deepfilter.py), or, where that cannot load, with
the room's noise gated out (kiosk/speech/denoise.py; the Listener hands over the room as heard
before the answer).
The thresholds were measured with scripts/bench_speech.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pocketsphinx

from kiosk.engine.understanding import Grammar

from .. import deepfilter
from ..denoise import RoomNoise, quiet, suppress
from ..protocols import Transcript
from .common import CHAIN_WORD, Sentences, grammar_words

MODEL_NAME = "en-us"
# Grammar-minus-phone-loop log score per frame of the grammar's words, below which speech is
# out of scope. Only the frames the grammar calls words count: the margin per frame of the whole
# utterance also charged the grammar for the room sound before and after the answer, which the
# phone loop "explains" with phones (babble most of all), so answers in noise fell below it.
# Speech left out is counted in seconds, not as a share of what the phone loop heard: a share
# strict enough to keep false accepts down with this margin (0.9) also threw out a clean
# "go back" whose final "k" the phone loop hears as extra phones.
# Bench, right / false accepts (test voices, held-out voices), babble-aware endpointer:
#   whole-utterance margin -3, coverage >= 0.8 (before):  68.8% / 3.1%   57.3% / 5.2%
#   word margin -4, coverage >= 0.9:                      71.4% / 2.1%   56.8% / 2.1%
#   word margin -3.5, left out <= 0.25 s (chosen):        75.5% / 2.1%   63.0% / 3.1%
#   word margin -3.5, left out <= 0.2 s:                  74.5% / 1.0%   62.0% / 2.1%
#   word margin -3 / -4, left out <= 0.25 s:              74.5% / 2.1%, 76.6% / 3.1%   62.0 / 63.5% / 3.1%
#   word margin -4.5, left out <= 0.25 s:                 77.1% / 7.3%   63.5% / 3.1%
# Other features measured and not better at ~3% false accepts: margin per phone-loop speech
# frame, the n-best gap, frames per phone of the words, phone-loop vs hypothesis phone counts.
# The false accepts are what decide: a rejected answer costs a reprompt (and then the keys),
# while a false accept turns speech that was no answer at all into one.
REJECT_MARGIN = -3.5
MAX_LEFT_OUT_S = 0.2  # with the noise front end, 0.25 s let in 3 points more false accepts on the flite/festival voices
FRAMES_PER_S = 100
# The same, for an answer heard with the room's noise gated out: noise no longer spoils how well
# the grammar fits out-of-scope speech either, so out-of-scope margins rise with the answers'.
# Bench, noise front end and word margin together, left out <= 0.2 s, right / false accepts
# (test voices; held-out voices; flite and festival voices):
#   -3.5: 84.4 / 3.1   75.0 / 7.3   50.5 / 12.5
#   -2.5: 82.8 / 2.1   74.0 / 5.2   46.9 / 10.4
#   -2:   82.3 / 2.1   72.9 / 4.2   46.4 /  8.3   (chosen)
#    0:   78.1 / 1.0   68.2 / 3.1   44.3 /  6.2
# (the plain threshold above barely matters here: clean clips are not gated and sit far above it).
REJECT_MARGIN_CLEANED = -2.0
# The same, for an answer cleaned by DeepFilterNet3 (kiosk/speech/deepfilter.py) as it streamed
# in: stricter still, as its out-of-scope speech fits the grammar better again. Bench, all clips
# through DFN, left out <= 0.2 s, right / false accepts (test voices; held-out; flite/festival):
#   -2:   89.1 / 5.2   77.6 / 7.3   59.4 / 8.3
#   -1.5: 89.1 / 3.1   77.6 / 5.2   60.4 / 7.3   (sweep)
#    0:   87.5 / 2.1   74.0 / 3.1   56.2 / 6.2   (the gate's false accepts on the test voices)
# and with answers in a quiet room heard as recorded (QUIET_ROOM_RAW, as the gate leaves them):
#    0:   87.0 / 1.0   76.6 / 4.2   56.8 / 7.3   (chosen; the gate: 82.3 / 2.1   72.9 / 4.2   46.4 / 8.3)
#   -1.5: 88.0 / 2.1   78.1 / 6.2   59.4 / 7.3   (more right on the test voices, but the held-out
#                                                 voices' false accepts rise past the gate's)
# Not better: DFN's attenuation limited to 30 dB (88.0 / 2.1   74.5 / 5.2   54.7 / 6.2 at 0),
# PocketSphinx's own noise removal on for DFN's output (87.0 / 1.0   77.1 / 6.2   57.8 / 8.3).
REJECT_MARGIN_DFN = 0.0
# An answer far above the room (denoise.QUIET_ROOM_DB) is heard as recorded, not through DFN,
# which can soften a clean final "s" ("yes" -> "yep"): held-out voices, clean, 72.9% -> 83.3% right.
QUIET_ROOM_RAW = True
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
    "beneldopa": "B EH N AH L D OW P AH",
    "carbidopa": "K AA R B IH D OW P AH",
    "careldopa": "K EH R AH L D OW P AH",
    "cigs": "S IH G Z",
    "disorientated": "D IH S AO R IY AH N T EY T IH D",
    "dodgy": "D AA JH IY",
    "droops": "D R UW P S",
    "frusemide": "F R UW S AH M AY D",
    "knackered": "N AE K ER D",
    "lasix": "L EY S IH K S",
    "madopar": "M AE D OW P AA R",
    "meds": "M EH D Z",
    "numbish": "N AH M IH SH",
    "pravastatin": "P R AE V AH S T AE T IH N",
    "prickle": "P R IH K AH L",
    "prickles": "P R IH K AH L Z",
    "rashy": "R AE SH IY",
    "raynaud": "R EY N OW",
    "raynaud's": "R EY N OW Z",
    "reynaud's": "R EY N OW Z",
    "rosuvastatin": "R OW S UW V AH S T AE T IH N",
    "shivery": "SH IH V ER IY",
    "tingles": "T IH NG G AH L Z",
    "trembles": "T R EH M B AH L Z",
    "vomited": "V AA M AH T IH D",
    "worser": "W ER S ER",
}


@dataclass(frozen=True)
class Scored:
    """One utterance as both decoders heard it (kept for tuning and the benchmark)."""

    hypothesis: str
    in_grammar: bool
    margin: float  # grammar minus phone-loop score over the grammar's words, per frame (log units)
    speech_frames: int
    coverage: float = 0.0  # grammar words' frames / frames the phone loop heard as speech
    utterance_margin: float = -math.inf  # the same per frame of the whole utterance (for tuning)
    left_out_s: float = math.inf  # speech the phone loop heard outside the grammar's words
    cleaned: bool = False  # heard with the room's noise gated out (or by DeepFilterNet)
    denoiser: str = ""  # "gate" or "dfn" when cleaned


def load(model: Path | None = None) -> "PocketSphinxRecognizer":
    """The registry's entry point. ``model`` is for other engines: this one's is in its wheel."""
    return PocketSphinxRecognizer()


class PocketSphinxRecognizer:
    name = "pocketsphinx"
    # The endpointer's speech band from 250 Hz, as its rejection margins and AFTER_SPEECH_S were
    # tuned with. From 150 Hz (the default since, for Whisper) one test answer, en+m3's "about
    # two weeks" in white noise, was heard as "about three weeks"; not re-benched for it.
    speech_band_low_hz = 250.0

    def __init__(self, reject_margin: float = REJECT_MARGIN, noise_floor: float = NOISE_FLOOR,
                 reject_margin_cleaned: float = REJECT_MARGIN_CLEANED, denoise: bool | str = True,
                 reject_margin_dfn: float = REJECT_MARGIN_DFN) -> None:
        """``denoise``: True, DeepFilterNet when it loads, else the spectral gate; "gate": the
        gate only; False: the answer as recorded."""
        self.model = f"{MODEL_NAME} (built in)"
        self.reject_margin = reject_margin
        self.reject_margin_cleaned = reject_margin_cleaned
        self.reject_margin_dfn = reject_margin_dfn
        self.noise_floor = noise_floor
        self.denoise = bool(denoise)
        # The streaming front end the Listener runs every microphone chunk through (None: the gate
        # in finish(), or nothing), and a line for the startup message saying which it is.
        self.front_end, why_not = deepfilter.load() if denoise is True else (None, "")
        if self.front_end is not None:
            self.noise_note = f"Noise removal: {self.front_end.name}."
        elif why_not:
            self.noise_note = f"Noise removal: spectral gate (DeepFilterNet is off: {why_not})."
        else:
            self.noise_note = "Noise removal: spectral gate." if self.denoise else "Noise removal: off."
        self._denoised = False  # this utterance arrives cleaned by the front end
        self._audio: list[bytes] = []
        self._original: list[bytes] = []  # the answer before the front end cleaned it
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
    def reset(self) -> None:
        """Forget what the decoders learned from earlier utterances: PocketSphinx updates its
        cepstral mean (and noise estimate) with every utterance, so what one answer was heard as
        depended on the answers before it, another patient's included. The front end is the
        Listener's to reset (Listener.forget)."""
        for decoder in (self._grammar_decoder, self._phone_decoder):
            decoder.reinit_feat()  # from the config: the model's initial mean, remove_noise as set

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

    def hear_room(self, pcm: bytes, denoised: bool = False) -> None:
        """The room as heard before this utterance (the Listener calls this before start()).
        ``denoised``: the Listener feeds this utterance through ``front_end`` (no gate then)."""
        self._denoised = denoised
        self._room = RoomNoise.of(pcm) if self.denoise else None

    def feed(self, pcm: bytes, original: bytes | None = None) -> None:
        """``original``: the same audio before the front end cleaned it (when it did)."""
        self._audio.append(pcm)  # decoded in finish(): a whole utterance decodes in ~0.07 x real time
        if original is not None:
            self._original.append(original)

    def finish(self) -> Transcript:
        audio = b"".join(self._audio)
        original = b"".join(self._original)
        self._audio.clear()
        self._original.clear()
        # Both decoders hear the same (cleaned) audio: the margin compares their fits to it.
        denoiser = "dfn" if self._denoised else ""
        if denoiser and QUIET_ROOM_RAW and original and self._room is not None and quiet(original, self._room):
            audio, denoiser = original, ""  # a quiet room: the answer as recorded, as the gate does
        cleaned = suppress(audio, self._room) if self._room is not None and not self._denoised else None
        if cleaned is not None:
            denoiser = "gate"
        self._room = None  # heard again before the next utterance (a stale room is no estimate)
        self._denoised = False
        audio = _with_noise_floor(audio if cleaned is None else cleaned, self.noise_floor)
        self._remove_noise(not denoiser)
        if audio:
            self._grammar_decoder.process_raw(audio, False, True)
            self._phone_decoder.process_raw(audio, False, True)
        self._grammar_decoder.end_utt()
        self._phone_decoder.end_utt()
        self.last = scored = self._score(denoiser)
        threshold = self.threshold(denoiser)
        if not scored.in_grammar or scored.margin < threshold or scored.left_out_s > MAX_LEFT_OUT_S:
            return Transcript("", _confidence(scored.margin, threshold))
        return Transcript(scored.hypothesis, _confidence(scored.margin, threshold))

    def threshold(self, denoiser: str) -> float:
        """The margin below which an answer cleaned by ``denoiser`` ("", "gate", "dfn") is out of scope."""
        return {"gate": self.reject_margin_cleaned, "dfn": self.reject_margin_dfn}.get(denoiser, self.reject_margin)

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

    def _score(self, denoiser: str) -> Scored:
        cleaned = bool(denoiser)
        hyp = self._grammar_decoder.hyp()
        phone_hyp = self._phone_decoder.hyp()
        if hyp is None or phone_hyp is None:
            return Scored(hyp.hypstr if hyp else "", False, -math.inf, 0, cleaned=cleaned, denoiser=denoiser)
        words = tuple(hyp.hypstr.split())
        assert self._sentences is not None
        in_grammar = self._sentences.accepts(words)
        word_segs = [seg for seg in (self._grammar_decoder.seg() or []) if _is_word(seg.word)]
        phone_segs = list(self._phone_decoder.seg() or [])
        speech_frames = sum(seg.end_frame - seg.start_frame + 1 for seg in word_segs)
        # Speech the grammar could not place becomes "silence" in its path: "what" of "what's
        # the weather like". The phone loop hears all of it, so compare how much each calls speech.
        phone_speech = sum(seg.end_frame - seg.start_frame + 1 for seg in phone_segs if _is_phone(seg.word))
        coverage = speech_frames / max(1, phone_speech)
        # The words against free phones over the same frames (a phone segment that straddles a
        # word's edge counts in proportion to its overlap). "(NULL)" marks a grammar transition.
        said = [seg for seg in word_segs if seg.word != "(NULL)"]
        spans = [(seg.start_frame, seg.end_frame) for seg in said]
        said_frames = sum(e - s + 1 for s, e in spans)
        grammar_words = sum(self._seg_score(seg) for seg in said)
        phone_words = sum(
            self._seg_score(seg) * _overlap(seg.start_frame, seg.end_frame, spans) / (seg.end_frame - seg.start_frame + 1)
            for seg in phone_segs
        )
        margin = (grammar_words - phone_words) / said_frames if said_frames else -math.inf
        left_out = phone_speech - sum(
            _overlap(seg.start_frame, seg.end_frame, spans) for seg in phone_segs if _is_phone(seg.word)
        )
        frames = max(1, self._grammar_decoder.n_frames())
        utterance_margin = (self._log(hyp.score) - self._log(phone_hyp.score)) / frames
        return Scored(" ".join(words), in_grammar, margin, speech_frames, round(coverage, 3), utterance_margin,
                      left_out / FRAMES_PER_S, cleaned, denoiser)

    def _seg_score(self, seg) -> float:
        return self._log(seg.ascore) + self._log(seg.lscore)

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


def _overlap(start: int, end: int, spans: list[tuple[int, int]]) -> int:
    return sum(max(0, min(end, e) - max(start, s) + 1) for s, e in spans)


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
