"""A stand-in speaker for the machines the tests and benchmarks run on (no sound card).

It is a module named ``sounddevice`` written into a folder that goes first on the speech child's
path, so the real pyttsx3 + espeak-ng child (kiosk/speech/tts.py) renders real speech and then
"plays" it: it sleeps for the sound's real length (a sentence can be cut off mid-way) and, when
``FAKE_SPEAKER_LOG`` names a file, notes each finished play there as its length in seconds (and
each started one in the same name + ``.started``).
"""

from __future__ import annotations

from pathlib import Path

STAND_IN_SOUNDDEVICE = '''
import os, time
class PortAudioError(Exception):
    pass
def query_devices(kind=None):
    return {"name": "stand-in speaker", "default_samplerate": 22050.0}
def play(data, rate, blocking=False):
    log = os.environ.get("FAKE_SPEAKER_LOG")
    if log:  # a play that started, so a test can stop a sentence while it plays
        with open(log + ".started", "a") as notes:
            notes.write(f"{len(data) / rate:.2f}\\n")
    time.sleep(len(data) / rate)
    if log:
        with open(log, "a") as notes:
            notes.write(f"{len(data) / rate:.2f}\\n")
'''


def stand_in_speaker(folder: Path) -> Path:
    """Write the stand-in ``sounddevice`` module into ``folder``; returns the folder, for a path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sounddevice.py").write_text(STAND_IN_SOUNDDEVICE)
    return folder


def plays(log: Path) -> list[float]:
    """The finished plays noted in ``log``, in seconds, oldest first."""
    return [float(line) for line in log.read_text().split()] if log.exists() else []
