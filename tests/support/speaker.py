"""A stand-in speaker for the machines the tests and benchmarks run on (no sound card), and
stand-in speech children that hang or crash.

It is a module named ``sounddevice`` written into a folder that goes first on the speech child's
path, so the real pyttsx3 + espeak-ng child (kiosk/speech/tts.py) renders real speech and then
"plays" it: it sleeps for the sound's real length (a sentence can be cut off mid-way) and, when
``FAKE_SPEAKER_LOG`` names a file, notes each finished play there as its length in seconds (and
each started one in the same name + ``.started``). ``FAKE_SPEAKER_SPEED`` (say 4) plays that
many times faster, for a test about what is played in which order, not for how long; the
lengths noted are the sounds' real ones.
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
    time.sleep(len(data) / rate / float(os.environ.get("FAKE_SPEAKER_SPEED", "1")))
    if log:
        with open(log, "a") as notes:
            notes.write(f"{len(data) / rate:.2f}\\n")
'''


# Stand-in speech children (the program Pyttsx3Speech runs), for the faults a real one can have.
HANGS_AT_START = "import time; time.sleep(60)"
HANGS_WHEN_SPEAKING = """
import json, sys, time
print(json.dumps({"ready": True, "output": "fake speaker"}), flush=True)
for line in sys.stdin:
    time.sleep(60)
"""
DIES_WHEN_SPEAKING = """
import json, sys
print(json.dumps({"ready": True, "output": "fake speaker"}), flush=True)
sys.stdin.readline()
print("Segmentation fault", file=sys.stderr, flush=True)
sys.exit(139)
"""
# Its last words reach stderr a moment after stdout has closed and the child has gone (here a
# grandchild holding stderr writes them), as a crash's report can lag behind its exit.
DIES_WITH_LATE_LAST_WORDS = """
import json, subprocess, sys
print(json.dumps({"ready": True, "output": "fake speaker"}), flush=True)
sys.stdin.readline()
subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(0.3); print('Segmentation fault', file=sys.stderr)"],
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
sys.exit(139)
"""


def stand_in_speaker(folder: Path) -> Path:
    """Write the stand-in ``sounddevice`` module into ``folder``; returns the folder, for a path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sounddevice.py").write_text(STAND_IN_SOUNDDEVICE)
    return folder


def plays(log: Path) -> list[float]:
    """The finished plays noted in ``log``, in seconds, oldest first."""
    return [float(line) for line in log.read_text().split()] if log.exists() else []


# How long a healthy speech child may take to start before a test calls it hung. The kiosk's own
# limit (15 s, for a cold Pi) was overrun with both cores busy (13 s measured, more in
# scripts/repeat_tests.sh): a test about something else then failed on start-up. The wait ends
# the moment the child is ready; tests about a hang at start set their own short limit.
START_S = 120.0
# The time-limit margin (Pyttsx3Speech's margin_s) for a child that hangs: it overruns any limit,
# so the test waits out a short one instead of the kiosk's 3 s on every hang.
HANG_MARGIN_S = 0.5
