"""The live listening path: microphone -> endpointer -> recognizer -> what was heard.

Used by the kiosk screen and by ``kiosk hear`` alike, so what the tests and the benchmark
measure on files is what a patient gets at the microphone.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from kiosk.engine.understanding import Grammar

from .endpoint import EndpointSettings, Endpointer, State
from .protocols import SAMPLE_RATE, Microphone, Recognizer

BYTES_PER_SECOND = SAMPLE_RATE * 2
PREROLL_S = 0.3  # audio kept from before speech began, so the first sound is not cut
MAX_SILENCE_S = 8.0  # nothing said for this long is "noinput"


@dataclass(frozen=True)
class Heard:
    """One answer as heard. ``transcript`` is "" when nothing fitted the question."""

    transcript: str
    confidence: float
    noinput: bool  # no speech at all before the silence limit (or the audio ran out)
    endpoint_s: float | None  # audio position where the end of speech was decided
    decode_ms: float  # compute time from that point until the transcript was ready
    cancelled: bool = False


class Listener:
    def __init__(self, recognizer: Recognizer, endpoint: EndpointSettings | None = None) -> None:
        self.recognizer = recognizer
        self.endpoint = endpoint or EndpointSettings()

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
        preroll: deque[bytes] = deque()
        preroll_bytes = 0
        heard_bytes = 0
        started = False
        for chunk in microphone.chunks():
            if cancel is not None and cancel.is_set():
                return self._cancelled(started)
            heard_bytes += len(chunk)
            state = endpointer.feed(chunk)
            if on_level is not None:
                on_level(endpointer.level)
            if started:
                self.recognizer.feed(chunk)
            elif state is not State.WAITING:
                self.recognizer.start(grammar)
                for early in preroll:
                    self.recognizer.feed(early)
                self.recognizer.feed(chunk)
                started = True
            else:
                preroll.append(chunk)
                preroll_bytes += len(chunk)
                while preroll_bytes - len(preroll[0]) >= PREROLL_S * BYTES_PER_SECOND:
                    preroll_bytes -= len(preroll.popleft())
                if heard_bytes / BYTES_PER_SECOND >= max_silence_s:
                    return Heard("", 0.0, True, None, 0.0)
            if state is State.ENDED:
                return self._finish(endpointer.end_s)
        if started:  # the audio ran out while the patient was still speaking
            return self._finish(heard_bytes / BYTES_PER_SECOND)
        return Heard("", 0.0, True, None, 0.0)

    def _finish(self, endpoint_s: float | None) -> Heard:
        began = time.perf_counter()
        recognition = self.recognizer.finish()
        decode_ms = (time.perf_counter() - began) * 1000
        return Heard(recognition.transcript, recognition.confidence, False, endpoint_s, round(decode_ms, 1))

    def _cancelled(self, started: bool) -> Heard:
        if started:
            self.recognizer.finish()  # close the utterance so the next one starts clean
        return Heard("", 0.0, False, None, 0.0, cancelled=True)
