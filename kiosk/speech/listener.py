"""The live listening path: microphone -> endpointer -> recognizer -> what was heard.

Used by the kiosk screen and by ``kiosk hear`` alike, so what the tests and the benchmark
measure on files is what a patient gets at the microphone.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Callable

from kiosk.engine.understanding import Grammar

from .denoise import MIN_ROOM_S
from .endpoint import EndpointSettings, Endpointer, State
from .protocols import SAMPLE_RATE, Heard, Microphone, Recognizer

BYTES_PER_SECOND = SAMPLE_RATE * 2
PREROLL_S = 0.3  # audio kept from before speech began, so the first sound is not cut
AFTER_SPEECH_S = 0.2  # audio passed on after the last loud frame. That frame comes ~0.2 s before
# the words really end in noise (a soft "s" of "weeks", the "k" of "back" sink into it), so 0.1 s
# cut them: "about two", "go". It is inside the 0.3 s hangover, so no latency is added. Bench,
# PocketSphinx, all voices, no rejection: 69.0% -> 73.7% right for 0.2 and 0.3 alike; 0.25-0.3
# let the decoder hear "yes they" in a test clip's trailing hiss.
# Speculative decoding: once the pause after the words has lasted AFTER_SPEECH_S, the recognizer
# has all the audio it will get if the endpointer ends the answer in this pause, so a recognizer
# that can (``speculate()``) decodes it then, while the rest of the hangover plays out. If the
# patient goes on speaking, that result is dropped and the answer decoded again at its real end.
MAX_SILENCE_S = 8.0  # nothing said for this long is "noinput"
ROOM_S = 2.0  # room audio (heard before the answer) kept for the recognizer's noise estimate
ROOM_GUARD_S = 0.1  # room audio ends this long before the detected start of speech (soft onsets)


class Listener:
    def __init__(self, recognizer: Recognizer, endpoint: EndpointSettings | None = None) -> None:
        self.recognizer = recognizer
        # A recognizer may keep the speech band its rejection was tuned with (PocketSphinx)
        low_hz = getattr(recognizer, "speech_band_low_hz", None)
        self.endpoint = endpoint or (EndpointSettings(band_low_hz=low_hz) if low_hz else EndpointSettings())
        # What the microphone heard before the last answer began: the room's noise. Kept across
        # answers, since a patient who answers at once leaves too little of it to go on.
        self.room = b""

    def forget(self) -> None:
        """Drop the room audio kept from the last answer (it may hold a patient's voice): the
        kiosk calls this when a session is wiped. Nothing of it was ever written to disk."""
        self.room = b""
        front_end = getattr(self.recognizer, "front_end", None)
        if front_end is not None:
            front_end.reset()  # its state is learned from the same audio
        reset: Callable[[], None] | None = getattr(self.recognizer, "reset", None)
        if reset is not None:
            reset()  # and so is what the recognizer adapted to (PocketSphinx's cepstral mean)

    def listen(
        self,
        microphone: Microphone,
        grammar: Grammar,
        *,
        on_level: Callable[[float], None] | None = None,
        cancel: threading.Event | None = None,
        max_silence_s: float = MAX_SILENCE_S,
    ) -> Heard:
        """Listen for one answer to the question ``grammar`` belongs to."""
        endpointer = Endpointer(self.endpoint)
        # A recognizer with a streaming front end (DeepFilterNet) hears every chunk through it as
        # it arrives, while waiting too: the model learns the room, and at the end of speech only
        # its last frames are left to compute. The endpointer still hears the raw audio.
        self._front_end = getattr(self.recognizer, "front_end", None)
        self._front_ms = 0.0  # compute for the latest chunk, part of the answer's latency
        if self._front_end is not None:
            self._front_end.restart()
            self._cleaned = bytearray()  # the front end's output, aligned with heard_bytes
        waiting: deque[tuple[bytes, float]] = deque()  # audio not yet given to the recognizer
        room: deque[tuple[bytes, float]] = deque()  # older audio heard while waiting
        heard_bytes = 0
        started = False
        self._speculated: tuple[float, float, float] | None = None  # (speech end, position, compute ms)
        self._fed_since = True  # audio given to the recognizer since its last speculate()
        self._speculated_ms = 0.0  # all speculative compute of this answer, used or not
        for chunk in microphone.chunks():
            if cancel is not None and cancel.is_set():
                return self._cancelled(started)
            heard_bytes += len(chunk)
            if self._front_end is not None:
                began = time.perf_counter()
                try:
                    self._cleaned += self._front_end.process(chunk)
                except Exception as error:  # noqa: BLE001 - the kiosk keeps listening, without it
                    self._drop_front_end(error)
                    if started:  # this answer was half cleaned: heard as nothing, so asked again
                        self.recognizer.finish()
                        return Heard("", 0.0, False, heard_bytes / BYTES_PER_SECOND, 0.0)
                self._front_ms = (time.perf_counter() - began) * 1000
            state = endpointer.feed(chunk)
            if on_level is not None:
                on_level(endpointer.level)
            waiting.append((chunk, heard_bytes / BYTES_PER_SECOND))
            if state is State.WAITING:
                if started:  # the endpointer took it back: a knock or a cough, not an answer
                    self.recognizer.finish()
                    started, self._speculated, self._speculated_ms = False, None, 0.0
                self._drop_old(waiting, heard_bytes / BYTES_PER_SECOND - PREROLL_S, room)
                if heard_bytes / BYTES_PER_SECOND >= max_silence_s:
                    return Heard("", 0.0, True, None, 0.0)
                continue
            if not started:
                assert endpointer.speech_start_s is not None
                self._hear_room(room, waiting, endpointer.speech_start_s - ROOM_GUARD_S)
                self.recognizer.start(grammar)
                started = True
            assert endpointer.speech_end_s is not None
            self._pass_on(waiting, endpointer.speech_end_s + AFTER_SPEECH_S, state is State.ENDED)
            if state is State.ENDED:
                return self._finish(endpointer.end_s)
            if self._may_speculate(endpointer):
                self._speculate(waiting, endpointer)
        if started:  # the audio ran out while the patient was still speaking
            self._front_ms = 0.0
            for chunk, end_s in waiting:
                self._feed(chunk, end_s)
            return self._finish(heard_bytes / BYTES_PER_SECOND)
        return Heard("", 0.0, True, None, 0.0)

    def _may_speculate(self, endpointer: Endpointer) -> bool:
        """The pause has lasted AFTER_SPEECH_S and this speech end was not decoded yet. Not with a
        streaming front end: it would have to be flushed mid-answer."""
        assert endpointer.speech_end_s is not None
        return (self._front_end is None and getattr(self.recognizer, "speculate", None) is not None
                and endpointer.position_s - endpointer.speech_end_s >= AFTER_SPEECH_S
                and (self._speculated is None or self._speculated[0] != endpointer.speech_end_s))

    def _speculate(self, waiting: deque[tuple[bytes, float]], endpointer: Endpointer) -> None:
        """Hand the recognizer the audio it would get if the answer ended now, and let it decode."""
        assert endpointer.speech_end_s is not None
        self._pass_on(waiting, endpointer.speech_end_s + AFTER_SPEECH_S, True)
        speculate: Callable[[], None] | None = getattr(self.recognizer, "speculate", None)
        assert speculate is not None  # _may_speculate checked it
        began = time.perf_counter()
        speculate()
        spent_ms = (time.perf_counter() - began) * 1000
        self._speculated = (endpointer.speech_end_s, endpointer.position_s, spent_ms)
        self._speculated_ms += spent_ms
        self._fed_since = False

    @staticmethod
    def _drop_old(waiting: deque[tuple[bytes, float]], before_s: float, room: deque[tuple[bytes, float]]) -> None:
        while len(waiting) > 1 and waiting[1][1] - len(waiting[1][0]) / BYTES_PER_SECOND <= before_s:
            room.append(waiting.popleft())
        while room and room[-1][1] - room[0][1] > ROOM_S:
            room.popleft()

    def _hear_room(self, room: deque[tuple[bytes, float]], waiting: deque[tuple[bytes, float]],
                   until_s: float) -> None:
        """Tell the recognizer what the room sounds like (if it wants to know): the audio heard
        before ``until_s``, or the last answer's when there is too little of it."""
        heard = b"".join(chunk for chunk, end_s in (*room, *waiting) if end_s <= until_s)
        if len(heard) >= MIN_ROOM_S * BYTES_PER_SECOND or not self.room:
            self.room = heard
        hear_room = getattr(self.recognizer, "hear_room", None)
        if hear_room is not None and self._front_end is not None:
            hear_room(self.room, denoised=True)
        elif hear_room is not None:
            hear_room(self.room)

    def _pass_on(self, waiting: deque[tuple[bytes, float]], until_s: float, ended: bool) -> None:
        """Give the recognizer the audio up to ``until_s``; at the end, what starts before it."""
        while waiting:
            chunk, chunk_end_s = waiting[0]
            chunk_start_s = chunk_end_s - len(chunk) / BYTES_PER_SECOND
            if not ended and self._front_end is not None and round(chunk_end_s * BYTES_PER_SECOND) > len(self._cleaned):
                break  # its cleaned audio is still inside the model: passed on with the next chunk
            if chunk_end_s <= until_s or (ended and chunk_start_s < until_s):
                self._feed(*waiting.popleft())
            else:
                break

    @property
    def _front_end_recognizer(self) -> Any:
        """The recognizer with the optional extras of one that takes a front end (front_end,
        noise_note, feed(cleaned, as heard): kiosk/speech/protocols.py); only such a recognizer
        is used through this."""
        return self.recognizer

    def _drop_front_end(self, error: Exception) -> None:
        """The front end failed: the recognizer hears the raw audio from now on and cleans it
        its own way (the spectral gate), and the startup note says so."""
        self._front_end = None
        self._front_end_recognizer.front_end = None
        self._front_end_recognizer.noise_note = f"Noise removal: spectral gate (DeepFilterNet failed: {error})."

    def _feed(self, chunk: bytes, end_s: float) -> None:
        """Give the recognizer the chunk through the front end, when there is one, and as heard
        (the model's delay held back at the end is pushed out now: its compute counts as latency)."""
        self._fed_since = True  # a speculative decode (if any) no longer holds all the audio
        if self._front_end is None:
            self.recognizer.feed(chunk)
            return
        end = round(end_s * BYTES_PER_SECOND)
        if end > len(self._cleaned):
            began = time.perf_counter()
            try:
                self._cleaned += self._front_end.flush()
            except Exception as error:  # noqa: BLE001 - the last chunk as heard, then the gate from now on
                self._drop_front_end(error)
                self._front_end_recognizer.feed(chunk, chunk)
                return
            self._front_ms += (time.perf_counter() - began) * 1000
        self._front_end_recognizer.feed(bytes(self._cleaned[end - len(chunk):end]), chunk)

    def _finish(self, endpoint_s: float | None) -> Heard:
        began = time.perf_counter()
        transcript = self.recognizer.finish()
        # The front end's compute for the last chunk and its flush come before the decode
        compute_ms = (time.perf_counter() - began) * 1000 + self._front_ms
        self._front_ms = 0.0
        decode_ms, early_s = compute_ms, 0.0
        if self._speculated is not None and not self._fed_since and endpoint_s is not None:
            # finish() gave the speculative result back: it was computed from early_s before the
            # endpoint on, so the patient waits only for what of it the hangover did not cover
            # (on a live microphone the loop waited for it; on a file the audio does not wait)
            early_s = max(0.0, endpoint_s - self._speculated[1])
            decode_ms = max(0.0, compute_ms + self._speculated[2] - 1000 * early_s)
        compute_ms += self._speculated_ms  # a dropped speculation was compute all the same
        self._speculated, self._speculated_ms = None, 0.0
        return Heard(transcript.text, transcript.confidence, False, endpoint_s, round(decode_ms, 1),
                     alternatives=transcript.alternatives, compute_ms=round(compute_ms, 1), early_s=round(early_s, 3))

    def _cancelled(self, started: bool) -> Heard:
        if started:
            self.recognizer.finish()  # close the utterance so the next one starts clean
        return Heard("", 0.0, False, None, 0.0, cancelled=True)
