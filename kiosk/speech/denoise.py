"""Noise suppression for the recognizer: the room, as heard before the patient spoke, taken out
of the answer.

While the kiosk waits for an answer the microphone hears only the room (a fan, traffic, the
hum of the waiting room). For every frequency, how loud the room is and how much that varies
gives a threshold; in the answer, what stands above it is speech and passes, the rest is
gated out (a spectral gate, as the noisereduce library does it: the mask is smoothed over
time and frequency so no isolated blips - "musical noise" - are left for the decoder to hear
as phones). An answer far above the room (a quiet room) is left exactly as it is.

Measured with scripts/bench_speech.py (PocketSphinx, margin threshold -3, intents right on the
test / held-out voices): white 20 dB 87.5/75.0 -> 91.7/81.2, babble 10 dB 37.5/27.1 ->
68.8/47.9, pink 5 dB 62.5/39.6 -> 79.2/66.7; out-of-scope speech then fits the grammar better
too, so the recognizer rejects cleaned answers more strictly (REJECT_MARGIN_CLEANED there). A
Wiener-style gain (decision-directed, -12 dB floor) did less: 77.1%/70.8% right in all against
82.3%/70.3% for the gate, with as many false accepts; noisereduce's own gate 81.8%/70.8%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .microphone import to_int16
from .protocols import SAMPLE_RATE

FRAME = 1024  # 64 ms: fine enough in frequency (16 Hz) for the gate to pass voice harmonics
# and cut the noise between them. 512 (32 ms), test voices: babble 10 dB 72.9% -> 62.5% right
# at margin -3; at the recognizer's margin 0, 74.0% right / 1.0% false accepts against 78.6% / 3.1%.
HOP = FRAME // 4
MIN_ROOM_S = 0.2  # less room audio than this is no estimate (10 whole frames at least)
THRESHOLD_STD = 1.5  # speech: this many standard deviations (in dB) above the room's mean
# (2.0 passed more answers but let more out-of-scope speech through: 5.2% false accepts at margin 0)
SMOOTH_HZ = 250.0  # the mask is smoothed over this much frequency either side...
SMOOTH_S = 0.05  # ...and over this much time (noisereduce's defaults, which measured well)
QUIET_ROOM_DB = 30.0  # an answer this far above the room is left alone: bench clean clips are
# 46-52 dB above theirs, the noisy ones 3-20 dB.
_WINDOW = np.sqrt(np.hanning(FRAME + 1)[:FRAME] * 2 * HOP / FRAME)  # analysis = synthesis; sums to 1


@dataclass(frozen=True)
class RoomNoise:
    """The room's level per frequency bin, in dB: its mean and how much it varies."""

    mean_db: np.ndarray
    std_db: np.ndarray
    power: float  # mean power per bin, for the quiet-room check

    @classmethod
    def of(cls, pcm: bytes) -> "RoomNoise | None":
        """The room as heard in ``pcm`` (16 kHz int16), or None when there is too little."""
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        if len(samples) < max(FRAME, MIN_ROOM_S * SAMPLE_RATE):
            return None
        spectra = _stft(samples, pad=False)  # whole frames only: zero padding would read as quiet
        db = _db(np.abs(spectra) ** 2)
        return cls(db.mean(axis=0), db.std(axis=0), float(np.mean(np.abs(spectra) ** 2)))


def suppress(pcm: bytes, room: RoomNoise) -> bytes | None:
    """``pcm`` (16 kHz int16) with the room's noise gated out; None when the room is quiet
    enough to leave it as it is."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    if len(samples) < FRAME:
        return None
    spectra = _stft(samples)
    power = np.abs(spectra) ** 2
    if _far_above(power, room):
        return None
    mask = (_db(power) > room.mean_db + THRESHOLD_STD * room.std_db).astype(np.float64)
    mask = _smooth(mask, int(SMOOTH_S * SAMPLE_RATE / HOP), axis=0)
    mask = _smooth(mask, int(SMOOTH_HZ / (SAMPLE_RATE / FRAME)), axis=1)
    return to_int16(_istft(spectra * mask, len(samples))).tobytes()


def quiet(pcm: bytes, room: RoomNoise) -> bool:
    """Whether the answer ``pcm`` stands so far above the room that it needs no cleaning."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    if len(samples) < FRAME:
        return False
    return _far_above(np.abs(_stft(samples)) ** 2, room)


def _far_above(power: np.ndarray, room: RoomNoise) -> bool:
    """Whether spectra of this ``power`` stand more than QUIET_ROOM_DB above the room."""
    return bool(_db(np.mean(power) / max(room.power, 1e-9)) > QUIET_ROOM_DB)


def _db(power: np.ndarray | float) -> np.ndarray:
    return 10 * np.log10(np.maximum(power, 1e-12))


def _smooth(mask: np.ndarray, n: int, axis: int) -> np.ndarray:
    """Triangular smoothing over ``n`` steps either side along ``axis``."""
    if n < 1:
        return mask
    kernel = np.concatenate([np.linspace(0, 1, n + 1, endpoint=False), np.linspace(1, 0, n + 2)])[1:-1]
    kernel /= kernel.sum()
    return np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), axis, mask)


def _stft(samples: np.ndarray, pad: bool = True) -> np.ndarray:
    padded = np.pad(samples, (FRAME - HOP, FRAME)) if pad else samples
    count = (len(padded) - FRAME) // HOP + 1
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return np.fft.rfft(padded[idx] * _WINDOW, axis=1)


def _istft(spectra: np.ndarray, length: int) -> np.ndarray:
    frames = np.fft.irfft(spectra, FRAME, axis=1) * _WINDOW
    out = np.zeros(HOP * (len(frames) - 1) + FRAME)
    for i, frame in enumerate(frames):
        out[i * HOP : i * HOP + FRAME] += frame
    return out[FRAME - HOP : FRAME - HOP + length]
