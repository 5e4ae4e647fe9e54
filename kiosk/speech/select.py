"""Choosing the recognizer: ``--engine auto|<a name in kiosk/speech/registry.py>`` and ``--model``.

``auto`` tries the registry's engines in their measured order and uses the first that loads.
Any failure to load counts, not only a missing package: Vosk's aarch64 library raises OSError
when libatomic.so.1 is missing, a model can be damaged, a native library can refuse the CPU.
The next engine is tried, and the message (printed at startup, shown on the staff screen) says
which engine and model run, which noise removal, and why each engine before it was skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk.engine.understanding import Grammar

from . import registry
from .protocols import Recognizer

ENGINES = registry.engine_names()


@dataclass(frozen=True)
class RecognizerChoice:
    recognizer: Recognizer | None  # None: no speech recognition; the kiosk uses keys and touch
    message: str
    skipped: tuple[str, ...] = ()  # "<engine>: <why it did not load>", in the order tried


def create_recognizer(engine: str | None, model: Path | None) -> RecognizerChoice:
    engine = engine or registry.AUTO
    if engine not in ENGINES:
        return RecognizerChoice(None, f"Unknown speech engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    order = registry.AUTO_ORDER if engine == registry.AUTO else (engine,)
    skipped: list[str] = []
    for name in order:
        try:
            recognizer = load_engine(name, model)
        except Exception as error:  # noqa: BLE001 - any load failure: say why, try the next one
            skipped.append(f"{name}: {_reason(error)}")
            continue
        return RecognizerChoice(recognizer, _started(name, recognizer, skipped), tuple(skipped))
    return RecognizerChoice(None, "Speech recognition is off: " + "; ".join(skipped) + ".", tuple(skipped))


def load_engine(name: str, model: Path | None) -> Recognizer:
    """The registry's engine ``name``, loaded (raises whatever stopped it)."""
    module = importlib.import_module(f"kiosk.speech.recognizers.{registry.entry(name).module}")
    return module.load(model)


def _started(name: str, recognizer: Recognizer, skipped: list[str]) -> str:
    noise = getattr(recognizer, "noise_note", "") or "Noise removal: off."
    why = f" (not used: {'; '.join(skipped)})" if skipped else ""
    return f"Speech: {registry.entry(name).label} with the model {recognizer.model}{why}. {noise}"


def _reason(error: BaseException) -> str:
    """A failure in one short line: ImportError and OSError name the missing part."""
    if isinstance(error, ImportError):
        return f"not installed ({error.name or error})"
    text = " ".join(str(error).split())
    return (text[:160] or type(error).__name__).rstrip(".")


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
