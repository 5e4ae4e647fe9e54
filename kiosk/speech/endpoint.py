"""End-of-speech detection: when has the patient finished answering?

Energy in the speech band (150-4000 Hz, where voices are and hum and rumble are not), compared
with a noise floor that follows the room. Speech starts when several frames stand well above
the floor; it ends after a short run of frames back near the floor. The hangover is short so the
answer is ready within half a second of the last word; the thresholds and hangover were tuned
with scripts/bench_speech.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from .protocols import SAMPLE_RATE

FRAME_SAMPLES = 320  # 20 ms
# The band starts at 150 Hz: a voice's fundamental lies at 100-250 Hz, and some voices carry
# most of their energy there (flite's slt: 84% in 100-250 Hz). From 250 Hz, slt in pink noise at
# 5 dB was not heard as speech in 21 of 30 bench answers (9 of 30 in babble) and 14 more answers
# were cut short; from 150 Hz, 0 and 3, with no other voice set heard later (bench clips, 4
# voice sets x 4 conditions; 100 Hz did the same, and takes in the 100/120 Hz of mains hum).
# A recognizer whose rejection was tuned on the old band may keep it (``speech_band_low_hz``).
BAND_LOW_HZ = 150.0
_BAND_HIGH_HZ = 4000.0


class State(Enum):
    WAITING = "waiting"  # no speech yet
    SPEAKING = "speaking"  # speech has started
    ENDED = "ended"  # speech started and has now ended


@dataclass(frozen=True)
class EndpointSettings:
    start_db: float = 9.0  # a frame this far above the noise floor counts as speech
    stop_db: float = 6.0  # once speaking, frames below floor + this count as quiet
    start_frames: int = 3  # this many speech frames in a row start an utterance
    hangover_s: float = 0.3  # quiet this long after speech ends the utterance
    min_speech_s: float = 0.12  # shorter bursts (a click, a cough) are not an answer
    max_speech_s: float = 10.0  # stop listening to one answer after this long
    peak_drop_db: float = 15.0  # quiet also means this far below the loudest frame (babble never drops to the floor)
    # Quiet also means no more than this above the room's typical (mean) level before speech.
    # The floor follows the quietest moments, and babble dips far below its own mean (and the
    # floor sinks further into its dips while the patient talks), so after the words babble
    # stayed above floor + stop_db. Bench, babble 10 dB, end of speech decided after the words:
    # p90 0.87 / 1.15 s (test / held-out voices), 13 / 14 of 72 clips later than 0.5 s (some
    # ended only with the babble) -> 0.30 / 0.33 s, 1 / 1 clip. 5 dB: p90 0.31 / 0.37 s, 2 / 3
    # clips late; 7 dB began to cut word ends in pink 5 dB (passed audio ending > 0.1 s before the
    # words did: 4 / 6 clips against 0 / 1).
    over_noise_db: float = 6.0
    band_low_hz: float = BAND_LOW_HZ  # the speech band's lower edge (see BAND_LOW_HZ)


class Endpointer:
    """Feed 16 kHz mono int16 PCM in any chunk size; read ``state`` after each feed."""

    def __init__(self, settings: EndpointSettings | None = None) -> None:
        self.settings = settings or EndpointSettings()
        self.state = State.WAITING
        self.speech_start_s: float | None = None  # where speech began (audio position)
        self.speech_end_s: float | None = None  # where the last speech frame ended
        self.end_s: float | None = None  # where the endpointer decided speech was over
        self._pending = np.zeros(0, dtype=np.int16)
        self._frames = 0
        self._floor: float | None = None
        self._noise: float | None = None  # mean level of the frames before speech (dB)
        self._peak = -200.0
        self._loud_run = 0
        self._quiet_run = 0
        self._last_level = 0.0
        self._window = np.hanning(FRAME_SAMPLES)
        freqs = np.fft.rfftfreq(FRAME_SAMPLES, 1 / SAMPLE_RATE)
        self._band = (freqs >= self.settings.band_low_hz) & (freqs <= _BAND_HIGH_HZ)

    @property
    def position_s(self) -> float:
        return self._frames * FRAME_SAMPLES / SAMPLE_RATE

    @property
    def level(self) -> float:
        """Last frame's loudness above the floor, 0..1 (for the on-screen meter)."""
        return self._last_level

    def feed(self, pcm: bytes) -> State:
        samples = np.frombuffer(pcm, dtype="<i2")
        self._pending = np.concatenate([self._pending, samples])
        while len(self._pending) >= FRAME_SAMPLES and self.state is not State.ENDED:
            frame, self._pending = self._pending[:FRAME_SAMPLES], self._pending[FRAME_SAMPLES:]
            self._frames += 1
            self._step(self._band_db(frame))
        return self.state

    def _band_db(self, frame: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(frame.astype(np.float64) * self._window)) ** 2
        return float(10 * np.log10(spectrum[self._band].sum() + 1.0))

    def _step(self, db: float) -> None:
        floor = self._track_floor(db)
        self._last_level = float(np.clip((db - floor) / 40.0, 0.0, 1.0))
        if self.state is State.WAITING:
            self._wait(db, floor)
        else:
            self._speak(db, floor)

    def _track_floor(self, db: float) -> float:
        if self._floor is None:
            self._floor = db
        elif db < self._floor:
            self._floor += 0.3 * (db - self._floor)  # falls fast: quiet shows the true floor
        elif self.state is State.WAITING:
            self._floor += 0.02 * (db - self._floor)  # rises slowly: steady noise, not speech
        return self._floor

    def _wait(self, db: float, floor: float) -> None:
        s = self.settings
        if db <= floor + s.start_db:  # not a speech frame: part of the room's sound
            self._noise = db if self._noise is None else self._noise + 0.1 * (db - self._noise)
        self._loud_run = self._loud_run + 1 if db > floor + s.start_db else 0
        if self._loud_run >= s.start_frames:
            self.state = State.SPEAKING
            self.speech_start_s = self.position_s - self._loud_run * FRAME_SAMPLES / SAMPLE_RATE
            self.speech_end_s = self.position_s
            self._peak = db
            self._quiet_run = 0

    def _speak(self, db: float, floor: float) -> None:
        s = self.settings
        self._peak = max(self._peak, db)
        quiet_below = floor + s.stop_db
        if self._noise is not None:  # never above the start threshold: what starts speech is speech
            quiet_below = max(quiet_below, min(self._noise + s.over_noise_db, floor + s.start_db))
        quiet = db < quiet_below or db < self._peak - s.peak_drop_db
        if quiet:
            self._quiet_run += 1
        else:
            self._quiet_run = 0
            self.speech_end_s = self.position_s
        assert self.speech_start_s is not None and self.speech_end_s is not None
        spoken = self.speech_end_s - self.speech_start_s
        if self._quiet_run * FRAME_SAMPLES / SAMPLE_RATE >= s.hangover_s:
            if spoken < s.min_speech_s:
                self._restart()  # a click or a cough: keep waiting for the answer
            else:
                self._end()
        elif self.position_s - self.speech_start_s >= s.max_speech_s:
            self._end()

    def _end(self) -> None:
        self.state = State.ENDED
        self.end_s = self.position_s

    def _restart(self) -> None:
        self.state = State.WAITING
        self.speech_start_s = self.speech_end_s = None
        self._loud_run = self._quiet_run = 0
