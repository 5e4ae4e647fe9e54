"""Whisper's input: the 80-band log-mel spectrogram of 16 kHz audio (25 ms windows, 10 ms hop),
computed with numpy, so the recognizer needs only CTranslate2 and the tokenizer, not the whole
faster-whisper package (PyAV, onnxruntime and the Hugging Face client it imports cost 100 MB
and two seconds at load). The values match faster-whisper's own feature extractor (a test
compares them)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

N_FFT = 400
HOP = 160
SAMPLE_RATE = 16_000


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz * 3.0 / 200.0
    return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) * 27.0 / np.log(6.4), linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((mel - 15.0) * np.log(6.4) / 27.0), mel * 200.0 / 3.0)


@lru_cache(maxsize=2)
def mel_filters(n_mels: int = 80) -> np.ndarray:
    """Triangular filters, evenly spaced on the mel scale up to 8 kHz, each scaled to equal area."""
    edges = _mel_to_hz(np.linspace(0.0, _hz_to_mel(np.array(SAMPLE_RATE / 2)), n_mels + 2))
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - low) / (centre - low)
    falling = (high - bins[None, :]) / (high - centre)
    triangles = np.maximum(0.0, np.minimum(rising, falling))
    return (triangles * (2.0 / (high - low))).astype(np.float32)


def log_mel(samples: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """(n_mels, frames) features, one frame per 10 ms, normalised as Whisper was trained."""
    audio = np.pad(np.asarray(samples, dtype=np.float32), (0, HOP))  # as faster-whisper pads the end
    audio = np.pad(audio, (N_FFT // 2, N_FFT // 2), mode="reflect")  # centred windows
    frames = 1 + (len(audio) - N_FFT) // HOP
    windows = np.lib.stride_tricks.as_strided(audio, (frames, N_FFT), (audio.strides[0] * HOP, audio.strides[0]))
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
    power = np.abs(np.fft.rfft(windows * window, axis=1)).astype(np.float32) ** 2
    mel = mel_filters(n_mels) @ power[:-1].T  # the last frame is dropped, as Whisper does
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)
