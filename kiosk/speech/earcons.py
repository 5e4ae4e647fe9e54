"""Earcons: the short sounds that tell a patient "speak now", "got it" and "emergency".

Made by scripts/make_earcons.py into audio/. Playing one never raises and never hangs the
kiosk: with no speaker it does nothing, and ``problem`` says why for the staff screen.
Mute the microphone while an earcon plays, as while the kiosk speaks.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kiosk.paths import audio_dir

EARCONS = {"listening": "listening.wav", "got_it": "got-it.wav", "emergency": "emergency.wav"}


def earcon_path(name: str, folder: Path | None = None) -> Path:
    if name not in EARCONS:
        raise ValueError(f"unknown earcon {name!r}; known: {', '.join(EARCONS)}")
    return (folder or audio_dir()) / EARCONS[name]


class EarconPlayer:
    """Plays earcons through sounddevice. After the first failure it stays quiet (no retries)."""

    def __init__(self, enabled: bool = True, folder: Path | None = None) -> None:
        self.enabled = enabled
        self.folder = folder
        self.problem: str | None = None
        self._sounds: dict[str, tuple[Any, int]] = {}

    def play(self, name: str, *, blocking: bool = True) -> bool:
        """True if the earcon was played (or started, when not blocking)."""
        path = earcon_path(name, self.folder)
        if not self.enabled or self.problem is not None:
            return False
        try:
            import sounddevice

            sounddevice.query_devices(kind="output")  # raises when there is no speaker
        except Exception as error:  # noqa: BLE001 - OSError (no PortAudio) or PortAudioError
            self.problem = f"Sounds are off: no speaker was found ({type(error).__name__}: {error})."
            return False
        try:
            data, rate = self._load(name, path)
        except Exception as error:  # noqa: BLE001 - missing or damaged file
            self.problem = f"Sounds are off: cannot read {path} ({error})."
            return False
        outcome: list[BaseException] = []
        player = threading.Thread(target=self._play, args=(sounddevice, data, rate, outcome),
                                  daemon=True)
        player.start()
        if not blocking:
            return True
        player.join(timeout=len(data) / rate + 2.0)
        if player.is_alive():
            self.problem = "Sounds are off: the speaker stopped responding."
            return False
        if outcome:
            self.problem = f"Sounds are off: {type(outcome[0]).__name__}: {outcome[0]}."
            return False
        return True

    def _load(self, name: str, path: Path) -> tuple[Any, int]:
        if name not in self._sounds:
            import soundfile

            data, rate = soundfile.read(str(path), dtype="float32")
            self._sounds[name] = (data, int(rate))
        return self._sounds[name]

    @staticmethod
    def _play(sounddevice: Any, data: Any, rate: int, outcome: list[BaseException]) -> None:
        try:
            sounddevice.play(data, rate, blocking=True)
        except Exception as error:  # noqa: BLE001 - reported by play()
            outcome.append(error)


_default_player: EarconPlayer | None = None


def play_earcon(name: str, *, blocking: bool = True) -> bool:
    """Play an earcon with the kiosk's shared player; False (silently) when it cannot."""
    global _default_player
    if _default_player is None:
        _default_player = EarconPlayer()
    return _default_player.play(name, blocking=blocking)


def earcon_problem() -> str | None:
    """Why earcons are silent, for the staff screen; None when they play (or have not been tried)."""
    return _default_player.problem if _default_player else None
