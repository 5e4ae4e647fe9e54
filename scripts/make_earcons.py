#!/usr/bin/env python3
"""Make the kiosk's sound assets in audio/ (run once; the results are committed).

    python scripts/make_earcons.py             # the two earcons, from numpy (deterministic)
    python scripts/make_earcons.py --samples   # also the sample answers, from espeak-ng
    python scripts/make_earcons.py --out DIR   # write somewhere else (the tests do this)

Earcons are 22.05 kHz mono 16-bit: soft sine tones with smooth edges, so nothing clicks or
startles. Samples are 16 kHz mono 16-bit, the format the recognizers take.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from kiosk.speech.microphone import read_wav_16k  # noqa: E402 - after the sys.path line above (ROOT comes first)

EARCON_RATE = 22050

# file name -> words, for espeak-ng (voice en-us, 150 words a minute, a clear pace)
SAMPLES = {
    "yes.wav": "yes",
    "no.wav": "no",
    "not-sure.wav": "I'm not sure",
    "sixty-seven.wav": "sixty seven",
    "about-two-weeks.wav": "about two weeks",
    "numbness-and-tingling.wav": "numbness and tingling",
    "go-back.wav": "go back",
    "whats-the-weather-like.wav": "what's the weather like",
}


def tone(frequency: float, seconds: float, volume: float, *, attack: float = 0.01,
         release: float = 0.08) -> np.ndarray:
    """A sine with a soft second harmonic, faded in and out so it starts and stops cleanly."""
    t = np.arange(int(seconds * EARCON_RATE)) / EARCON_RATE
    wave = np.sin(2 * np.pi * frequency * t) + 0.25 * np.sin(4 * np.pi * frequency * t)
    envelope = np.minimum(1.0, t / attack) * np.minimum(1.0, (seconds - t) / release)
    envelope *= np.exp(-t * 3.0)  # a struck-bell decay sounds friendlier than a flat beep
    return volume * wave * np.clip(envelope, 0.0, 1.0) / 1.25


def gap(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * EARCON_RATE))


def listening_chime() -> np.ndarray:
    """Rising two notes (E5, A5): "your turn to speak"."""
    return np.concatenate([tone(659.3, 0.12, 0.35), tone(880.0, 0.22, 0.35)])


def emergency_tone() -> np.ndarray:
    """Three firm, even beeps (two-tone), about 1.3 s: hard to miss, not a siren."""
    beep = np.concatenate([tone(988.0, 0.18, 0.6, release=0.03), tone(784.0, 0.18, 0.6, release=0.05)])
    return np.concatenate([beep, gap(0.08), beep, gap(0.08), beep])


EARCONS = {"listening.wav": listening_chime, "emergency.wav": emergency_tone}


def write_earcons(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in EARCONS.items():
        path = folder / name
        soundfile.write(path, make(), EARCON_RATE, subtype="PCM_16")
        written.append(path)
    return written


def trim_silence(samples: np.ndarray, margin_s: float = 0.2, threshold: int = 200) -> np.ndarray:
    """Cut espeak-ng's long trailing pause (keeps the files small), leaving a natural margin."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if loud.size == 0:
        return samples
    margin = int(margin_s * 16000)
    return samples[max(0, loud[0] - margin): loud[-1] + margin]


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, words in SAMPLES.items():
            raw = Path(scratch) / name
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), words],
                           check=True)
            path = folder / name
            soundfile.write(path, trim_silence(read_wav_16k(raw)), 16000, subtype="PCM_16")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "audio", help="folder (default: audio/)")
    parser.add_argument("--samples", action="store_true", help="also make audio/samples/ with espeak-ng")
    args = parser.parse_args(argv)
    paths = write_earcons(args.out)
    if args.samples:
        paths += write_samples(args.out / "samples")
    for path in paths:
        info = soundfile.info(path)
        print(f"{path}  {info.duration:.2f} s  {path.stat().st_size / 1000:.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
