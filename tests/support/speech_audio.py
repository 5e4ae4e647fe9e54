"""Real speech for the speech tests and scripts/bench_speech.py: espeak-ng voices to WAV, plus
room noise made with numpy (white, pink, babble of other voices) at a chosen signal-to-noise ratio.

Every clip has 0.5 s before and 1.0 s after the words, so where speech really ends is known
(``speech_end_s``) and end-of-speech detection can be measured against it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from kiosk.speech.protocols import SAMPLE_RATE

LEAD_S = 0.5
TRAIL_S = 1.0
BABBLE_SENTENCES = (
    ("en-gb", "the car park is full again this morning"),
    ("en-us+f2", "would you like a cup of tea while you wait"),
    ("en-us+m4", "she said the bus would be here at ten"),
    ("en-gb-x-rp", "my grandson plays football on saturdays"),
)


@dataclass(frozen=True)
class Clip:
    path: Path
    speech_end_s: float  # where the words end in the file


ESPEAK_DEFAULT_WPM = 175  # flite and festival voices are slowed by the same ratio as espeak's


def espeak(text: str, voice: str, speed: int, path: Path) -> None:
    """Speak ``text`` to a WAV. ``voice`` is an espeak-ng voice ("en-gb"), or a voice of another
    synthesizer that the kiosk never speaks with: "flite:slt" (flite's voices are built from
    recordings of real speakers), "festival:voice_kal_diphone", or hibari-tts's neural voice
    "hibari:heart/SEED/PACE/PITCH" (see hibari_wav)."""
    engine, _, name = voice.partition(":") if voice.startswith(("flite:", "festival:", "hibari:")) else ("", "", voice)
    stretch = f"{ESPEAK_DEFAULT_WPM / speed:.3f}"
    if engine == "hibari":
        hibari_wav(text, name, speed, path)
    elif engine == "flite":
        command = ["flite", "-voice", name, "--setf", f"duration_stretch={stretch}", "-t", text, "-o", str(path)]
        subprocess.run(command, check=True, capture_output=True, timeout=30)
    elif engine == "festival":
        setup = f"(begin ({name}) (Parameter.set 'Duration_Stretch {stretch}))"
        subprocess.run(["text2wave", "-eval", setup, "-o", str(path)], input=text.encode(), check=True,
                       capture_output=True, timeout=60)
    else:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True,
                       capture_output=True, timeout=30)


_HIBARI: dict[str, object] = {}


def hibari_wav(text: str, name: str, speed: int, path: Path) -> None:
    """hibari-tts's natural-sounding US voice: "heart/SEED/PACE/PITCH", e.g. "heart/1/1.0/1.1".
    SEED fixes its noise (reproducible audio); PACE is its own speed (1.0 = normal, times
    ``speed`` / 150); PITCH > 1 plays the voice higher (and as much faster: a smaller speaker).
    Only "heart" ships in the wheel (the others download, which fails offline)."""
    import hibari

    voice, seed, pace, pitch = (name.split("/") + ["0", "1.0", "1.0"])[:4]
    model = _HIBARI.get(voice)
    if model is None:
        model = _HIBARI[voice] = hibari.Hibari(voice)
    audio = np.asarray(model(text, speed=float(pace) * speed / 150, seed=int(seed)), dtype=np.float64)
    rate = round(hibari.SAMPLE_RATE * float(pitch))
    soundfile.write(str(path), np.clip(audio, -1, 1), rate, subtype="PCM_16")


def read_wav_16k(path: Path) -> np.ndarray:
    """A synthesizer's WAV (22 or 48 kHz) -> 16 kHz mono int16, resampled in one FFT.

    Test audio only: the kiosk reads WAVs with kiosk.speech.microphone.read_wav_16k (a streaming
    filter, as for a sound card). Keeping this exact resampler keeps the clips, and so the
    rejection thresholds measured on them by scripts/bench_speech.py, the same."""
    data, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    mono = data.mean(axis=1)
    if rate != SAMPLE_RATE:
        out_len = max(1, round(len(mono) * SAMPLE_RATE / rate))
        spectrum = np.fft.rfft(mono)
        kept = np.zeros(out_len // 2 + 1, dtype=complex)
        n = min(len(kept), len(spectrum))
        kept[:n] = spectrum[:n]
        mono = np.fft.irfft(kept, out_len) * (out_len / len(mono))
    return (np.clip(mono, -1.0, 1.0) * 32767).astype(np.int16)


def speech(text: str, voice: str, speed: int = 150) -> np.ndarray:
    """The words as float samples at 16 kHz, trimmed of espeak's own silence."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "say.wav"
        espeak(text, voice, speed, path)
        samples = read_wav_16k(path).astype(np.float64) / 32768
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples


def white(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    spectrum[1:] /= np.sqrt(freqs[1:])  # 1/f power
    spectrum[0] = 0
    return np.fft.irfft(spectrum, n)


_BABBLE: np.ndarray | None = None


def babble(n: int, rng: np.random.Generator) -> np.ndarray:
    """Several other people talking at once, looped to length and started at random points."""
    global _BABBLE
    if _BABBLE is None:
        voices = [speech(text, voice, 160) for voice, text in BABBLE_SENTENCES]
        length = max(len(v) for v in voices)
        _BABBLE = sum(np.pad(v, (0, length - len(v)), mode="wrap") for v in voices)
    out = np.zeros(n)
    for _ in range(3):
        start = int(rng.integers(len(_BABBLE)))
        out += np.resize(np.roll(_BABBLE, -start), n)
    return out


NOISES = {"white": white, "pink": pink, "babble": babble}


def mix(words: np.ndarray, noise: str | None, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Words with lead and trail silence, plus noise scaled to ``snr_db`` against the words."""
    clip = np.concatenate([np.zeros(int(LEAD_S * SAMPLE_RATE)), words, np.zeros(int(TRAIL_S * SAMPLE_RATE))])
    floor = white(len(clip), rng) * 10 ** (-70 / 20)  # a microphone is never digitally silent
    if noise is None:
        return clip + floor
    sound = NOISES[noise](len(clip), rng)
    speech_power = np.mean(words**2)
    noise_power = np.mean(sound**2)
    sound *= np.sqrt(speech_power / noise_power / 10 ** (snr_db / 10))
    return clip + sound + floor


def pcm(samples: np.ndarray) -> bytes:
    """Float samples (-1..1) as 16 kHz int16 PCM bytes, as a microphone hands them over."""
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def make_clip(folder: Path, text: str, voice: str, speed: int = 150, noise: str | None = None,
              snr_db: float = 20.0, seed: int = 0) -> Clip:
    """A WAV of ``text`` (cached in ``folder`` by its settings), and where its words end."""
    name = f"{voice}_{speed}_{noise}_{snr_db:g}_{seed}_{text}".replace(" ", "_").replace("'", "").replace("/", "-")
    path = folder / f"{name[:150]}.wav"
    words = None
    if not path.exists():
        words = speech(text, voice, speed)
        audio = mix(words, noise, snr_db, np.random.default_rng(seed))
        peak = max(1.0, float(np.max(np.abs(audio))) / 0.95)
        # Written under a temporary name, then renamed: the folder may be shared by test workers
        # running at once (pytest-xdist), and none may read a half-written clip. The .end comes
        # first, as the .wav is what says the clip is there.
        part = path.with_name(f"{path.stem}.{os.getpid()}.part")
        part.write_text(str(LEAD_S + len(words) / SAMPLE_RATE))
        os.replace(part, path.with_suffix(".end"))
        soundfile.write(str(part), audio / peak, SAMPLE_RATE, subtype="PCM_16", format="WAV")
        os.replace(part, path)
    return Clip(path, float(path.with_suffix(".end").read_text()))


class ClipMicrophone:
    """Plays a WAV into the listener the way a sound card would: 30 ms chunks, then quiet."""

    name = "clip"
    level = 0.0

    def __init__(self, path: Path, tail_s: float = 1.0) -> None:
        pcm = read_wav_16k(path)
        self._audio = np.concatenate([pcm, np.zeros(int(tail_s * SAMPLE_RATE), dtype=np.int16)])

    def chunks(self):
        step = int(0.03 * SAMPLE_RATE)
        for start in range(0, len(self._audio), step):
            yield self._audio[start : start + step].tobytes()

    def mute(self, muted: bool) -> None:
        pass

    def close(self) -> None:
        pass
