"""One Protocol per swappable speech backend: recognizer, text-to-speech, microphone.

Audio everywhere in the kiosk is 16 kHz, mono, signed 16-bit little-endian PCM (``bytes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol, runtime_checkable

from kiosk.engine.understanding import Grammar

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Transcript:
    """What a recognizer heard in one utterance: the words, how sure it is, other readings.

    The words are understood by the engine's text understanding (``Session.answer``), the same
    as a typed answer; a recognizer never decides what they mean."""

    text: str  # "" when it heard nothing it could use (noise, silence, out-of-grammar speech)
    confidence: float  # 0..1; how sure the recognizer is of the text
    alternatives: tuple[str, ...] = ()  # other readings, best first (an n-best list)


@dataclass(frozen=True)
class Heard:
    """One answer as heard: what the Listener hands on, through the speech service, to the
    screen and to ``Session.answer(transcript, confidence)``. ``transcript`` is "" when the
    recognizer heard nothing it could use."""

    transcript: str
    confidence: float
    noinput: bool  # no speech at all before the silence limit (or the audio ran out)
    endpoint_s: float | None = None  # audio position where the end of speech was decided
    decode_ms: float = 0.0  # time from that point until the transcript was ready (the wait)
    cancelled: bool = False
    alternatives: tuple[str, ...] = ()  # the recognizer's other readings, best first
    compute_ms: float = 0.0  # the recognizer's whole decode of this answer, wherever it began
    early_s: float = 0.0  # how long before the endpoint the decode began (speculation; 0: at it)


@runtime_checkable
class Recognizer(Protocol):
    """May also have ``hear_room(pcm: bytes)``: the Listener then passes it what the microphone
    heard before each utterance (the room's noise), just before ``start``. And a ``front_end``
    (not None: e.g. kiosk/speech/deepfilter.py's DeepFilter): the Listener then runs every
    microphone chunk through it as it arrives, calls ``hear_room(pcm, denoised=True)`` and feeds
    the recognizer ``feed(cleaned, original)``: the front end's output and the chunk as heard.

    May also have ``speculate()``: decode the audio fed so far and keep the result; the Listener
    calls it when the pause after the words begins. ``finish()`` must then return that very
    result when nothing was fed since, and decode afresh otherwise.

    May also have ``reset()``: forget what it adapted to from earlier utterances (the voice, the
    room); the Listener calls it when a session is wiped, so one patient never shapes how the
    next is heard."""

    name: str  # "vosk" or "pocketsphinx"
    model: str  # which model (a path or a name), said at startup

    def missing_words(self, grammar: Grammar) -> set[str]:
        """Grammar words this model cannot recognise (reported at load, never silently)."""
        ...

    def start(self, grammar: Grammar) -> None:
        """Begin an utterance that may only match what ``grammar`` accepts (plus garbage)."""
        ...

    def feed(self, pcm: bytes) -> None:
        """More audio of the current utterance."""
        ...

    def finish(self) -> Transcript:
        """End the utterance and return the best hypothesis."""
        ...


@runtime_checkable
class Microphone(Protocol):
    name: str

    def chunks(self) -> Iterator[bytes]:
        """Audio as it arrives, in short chunks (about 30-100 ms). Ends when the source does."""
        ...

    @property
    def level(self) -> float:
        """Live input level, 0..1, for the on-screen meter."""
        ...

    def mute(self, muted: bool) -> None:
        """While muted, audio is dropped (the kiosk is speaking)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class TextToSpeech(Protocol):
    name: str

    def say(self, text: str) -> bool:
        """Speak and block until done. False when speech failed or timed out (never hangs)."""
        ...

    def cue(self, name: str) -> bool:
        """Play an earcon (kiosk/speech/earcons.py) through the same speaker, as ``say`` does."""
        ...

    def close(self) -> None: ...
