"""Choosing the recognizer: ``--engine auto|vosk|pocketsphinx`` and ``--model DIR``.

``auto`` prefers Vosk whenever a Vosk model can be found, else the PocketSphinx English model
that ships inside its wheel. The message says which engine and model is in use (printed at
startup), or why speech is off, so staff never have to guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from kiosk.engine.understanding import Grammar

from .protocols import Recognizer

ENGINES = ("auto", "vosk", "pocketsphinx")


@dataclass(frozen=True)
class RecognizerChoice:
    recognizer: Recognizer | None  # None: no speech recognition; the kiosk uses keys and touch
    message: str


def create_recognizer(engine: str | None, model: Path | None) -> RecognizerChoice:
    engine = engine or "auto"
    if engine not in ENGINES:
        return RecognizerChoice(None, f"Unknown speech engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    if engine == "pocketsphinx":
        return _pocketsphinx("")
    model_dir = _find_vosk_model(model)
    if model_dir is None:
        if engine == "vosk":
            where = f"at {model}" if model else "(try `kiosk model download`, or --model DIR)"
            return RecognizerChoice(None, f"Speech recognition is off: no Vosk model found {where}.")
        return _pocketsphinx("no Vosk model found")
    vosk_choice = _vosk(model_dir)
    if vosk_choice.recognizer is not None or engine == "vosk":
        return vosk_choice
    return _pocketsphinx(vosk_choice.message.rstrip("."))


def _find_vosk_model(explicit: Path | None) -> Path | None:
    try:
        from .models import find_vosk_model
    except ImportError:  # the model finder is optional; an explicit folder still works
        return explicit if explicit is not None and explicit.is_dir() else None
    return find_vosk_model(explicit)


def _vosk(model_dir: Path) -> RecognizerChoice:
    try:
        from .recognizers.vosk_recognizer import VoskModelError, VoskRecognizer
    except ImportError as error:
        return RecognizerChoice(None, f"Vosk is not installed ({error}).")
    try:
        recognizer = VoskRecognizer(model_dir)
    except VoskModelError as error:
        return RecognizerChoice(None, f"{error}.")
    return RecognizerChoice(recognizer, f"Speech: Vosk with the model in {model_dir}.")


def _pocketsphinx(reason: str) -> RecognizerChoice:
    try:
        from .recognizers.pocketsphinx_recognizer import PocketSphinxRecognizer
    except ImportError as error:
        return RecognizerChoice(None, f"Speech recognition is off: PocketSphinx is not installed ({error}).")
    try:
        recognizer = PocketSphinxRecognizer()
    except (RuntimeError, ValueError) as error:
        return RecognizerChoice(None, f"Speech recognition is off: PocketSphinx did not start ({error}).")
    why = f" ({reason})" if reason else ""
    return RecognizerChoice(recognizer, f"Speech: PocketSphinx with its built-in {recognizer.model} model{why}. "
                                        f"{recognizer.noise_note}")


def missing_words_report(recognizer: Recognizer, grammars: Iterable[Grammar]) -> str:
    """One plain sentence for staff naming every grammar word the model lacks, and where it is
    used ("" when the model knows them all). Call it once at startup for every question."""
    where: dict[str, list[str]] = {}
    for grammar in grammars:
        for word in sorted(recognizer.missing_words(grammar)):
            where.setdefault(word, []).append(grammar.question)
    if not where:
        return ""
    listed = "; ".join(f"{word} ({', '.join(questions)})" for word, questions in sorted(where.items()))
    return (f"The {recognizer.name} model does not know {len(where)} answer word(s), so answers using "
            f"them cannot be heard and need the keys: {listed}.")
