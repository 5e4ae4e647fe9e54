"""Where the shipped data lives: inside the installed package, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PACKAGE / name  # a wheel install: hatch copies intents/ and audio/ into the package
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name  # a source checkout or an editable install


def intents_dir() -> Path:
    return _shipped("intents")


def audio_dir() -> Path:
    return _shipped("audio")
