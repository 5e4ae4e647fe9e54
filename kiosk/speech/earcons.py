"""Earcons: the short sounds that tell a patient "speak now" and "emergency".

Made by scripts/make_earcons.py into audio/. The kiosk plays them through its voice's speaker
(``SpeechService.cue``, kiosk/speech/tts.py), so they follow the voice: silent when speaking is
muted or broken, and the microphone is muted while one plays, as while the kiosk speaks.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.paths import audio_dir

# "listening": played after the kiosk has said a question, just before it listens: a clear
# "your turn" for patients who wait to be sure the kiosk has finished talking.
# "emergency": before the emergency words, to turn heads in the waiting room.
EARCONS = {"listening": "listening.wav", "emergency": "emergency.wav"}


def earcon_path(name: str, folder: Path | None = None) -> Path:
    if name not in EARCONS:
        raise ValueError(f"unknown earcon {name!r}; known: {', '.join(EARCONS)}")
    return (folder or audio_dir()) / EARCONS[name]
