"""Kiosk settings: ``kiosk.yaml``, overridden by command-line flags.

Staff edit ``kiosk.yaml`` (see ``docs/kiosk.example.yaml``). Every problem in it is reported
with the file, the key and what is wrong, all at once, so one edit fixes them all. The file is
read by the kiosk's one YAML reader (``kiosk.yamlread``, shared with the knowledge base): the same
limits, the same booleans (only true and false).
"""

from __future__ import annotations

import argparse
import difflib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable

from kiosk.yamlread import Problem, line_of, read_yaml

from kiosk.speech.registry import engine_names

DEFAULT_CONFIG_NAME = "kiosk.yaml"
ENGINES = engine_names()  # from the one recognizer registry (kiosk/speech/registry.py)
DEFAULT_PIN = "1234"
# Words a minute: slower than espeak-ng's 175 so older patients follow. The one default for the
# speaking rate: kiosk/speech/tts.py uses it when it is given none.
SPEECH_RATE = 150


class SettingsError(Exception):
    """A settings file that cannot be used; the message lists every problem, one a line."""


@dataclass(frozen=True)
class Settings:
    engine: str = "auto"  # auto = the first engine of the registry's measured order that loads
    model: Path | None = None  # Vosk model folder
    microphone: str | None = None  # device name or index; None = the system default
    mic_file: Path | None = None  # virtual microphone: a WAV or a folder of WAVs
    voice: str | None = None  # text-to-speech voice, e.g. "en-us"
    rate: int = SPEECH_RATE  # words per minute
    volume: float = 1.0
    mute: bool = False
    idle_timeout: float = 90.0  # seconds without a touch, key or answer before the kiosk wipes
    result_timeout: float = 300.0  # the result stays this long untouched: time to walk to the desk
    printer: str | None = None  # clinician summary printer: escpos:/dev/usb/lp0, cups, cups:QUEUE
    pin: str = DEFAULT_PIN
    staff_key: str = "f12"
    alert_command: str | None = None  # run through the shell on an emergency
    alert_file: Path | None = None  # one line appended per emergency
    intents: Path | None = None  # knowledge base folder; None = the shipped one
    staff_log: Path | None = None  # the staff log file; None = ~/.local/state/hand-cramp-kiosk/staff.log
    source: Path | None = field(default=None, compare=False)  # the file these came from, if any

    @property
    def default_pin(self) -> bool:
        return self.pin == DEFAULT_PIN


# -- validation of single values ------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"must be text, got {value!r}")
    return str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else _text(value)


def _optional_path(value: Any) -> Path | None:
    text = _optional_text(value)
    return None if text is None else Path(text).expanduser()


def _engine(value: Any) -> str:
    if value not in ENGINES:
        raise ValueError(f"must be one of {', '.join(ENGINES)}, got {value!r}")
    return str(value)


def _number(low: float, high: float, integer: bool = False) -> Callable[[Any], float | int]:
    kind = "a whole number" if integer else "a number"

    def check(value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
            raise ValueError(f"must be {kind} from {low:g} to {high:g}, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"must be from {low:g} to {high:g}, got {value!r}")
        return int(value) if integer else float(value)

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        hint = " (write true or false; yes/no/on/off are read as words)" if isinstance(value, str) else ""
        raise ValueError(f"must be true or false, got {value!r}{hint}")
    return value


def _pin(value: Any) -> str:
    text = _text(value)
    if not text.isdigit() or not 4 <= len(text) <= 8:
        raise ValueError("must be 4 to 8 digits (write it in quotes, e.g. pin: \"4821\")")
    return text


def _staff_key(value: Any) -> str:
    text = _text(value).strip().lower()
    if not text or " " in text:
        raise ValueError(f"must be one Textual key name such as f12 or ctrl+k, got {value!r}")
    if text in ("ctrl+c", "ctrl+q") or (len(text) == 1 and (text.isdigit() or text in "rbhdswcp ")):
        raise ValueError(f"{text!r} is used by patients or blocked in kiosk mode; pick another, e.g. f12")
    return text


def _printer(value: Any) -> str | None:
    from kiosk.printing import parse_printer

    text = _optional_text(value)
    if text is None or text.lower() in ("off", "none"):
        return None
    parse_printer(text)  # raises ValueError with what is wrong
    return text


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "engine": _engine,
    "model": _optional_path,
    "microphone": _optional_text,
    "mic_file": _optional_path,
    "voice": _optional_text,
    "rate": _number(60, 400, integer=True),
    "volume": _number(0.0, 1.0),
    "mute": _boolean,
    "idle_timeout": _number(0.5, 3600),
    "result_timeout": _number(0.5, 3600),
    "printer": _printer,
    "pin": _pin,
    "staff_key": _staff_key,
    "alert_command": _optional_text,
    "alert_file": _optional_path,
    "intents": _optional_path,
    "staff_log": _optional_path,
}


# -- files ------------------------------------------------------------------------------------
def load_settings(path: Path) -> Settings:
    """Read and validate one settings file. Raises SettingsError listing every problem."""
    try:
        path.stat()
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the settings file ({error.strerror})") from error
    read_problems: list[Problem] = []
    data = read_yaml(path, read_problems, name=str(path))
    if read_problems:
        raise SettingsError("\n".join(str(problem) for problem in read_problems))
    if data is None:
        return Settings(source=path)
    if not isinstance(data, dict):
        raise SettingsError(f"{path}:1: must be a list of 'key: value' lines, not {type(data).__name__}")
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, raw in data.items():
        where = f"{path}:{line_of(data, key)}: {key}"
        if key not in VALIDATORS:
            close = difflib.get_close_matches(str(key), VALIDATORS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(VALIDATORS)})"
            problems.append(f"{where}: unknown setting{hint}")
            continue
        try:
            values[key] = VALIDATORS[key](raw)
        except ValueError as error:
            problems.append(f"{where}: {error}")
    if problems:
        raise SettingsError("\n".join(problems))
    return Settings(source=path, **values)


# -- command line ---------------------------------------------------------------------------
# argparse destination -> setting name (only the flags that exist on `kiosk`)
FLAG_SETTINGS = {
    "engine": "engine",
    "model": "model",
    "mic": "microphone",
    "mic_file": "mic_file",
    "voice": "voice",
    "rate": "rate",
    "volume": "volume",
    "mute": "mute",
    "idle_timeout": "idle_timeout",
    "result_timeout": "result_timeout",
    "intents": "intents",
}


def settings_from_args(args: argparse.Namespace, cwd: Path | None = None) -> Settings:
    """``--config FILE`` (or ./kiosk.yaml when present), then every flag given overrides it."""
    config = getattr(args, "config", None)
    if config is None:
        default = (cwd or Path.cwd()) / DEFAULT_CONFIG_NAME
        config = default if default.is_file() else None
    settings = load_settings(config) if config is not None else Settings()
    overrides: dict[str, Any] = {}
    problems: list[str] = []
    for flag, key in FLAG_SETTINGS.items():
        value = getattr(args, flag, None)
        if value is None:
            continue
        try:
            overrides[key] = VALIDATORS[key](str(value) if isinstance(value, Path) else value)
        except ValueError as error:
            problems.append(f"--{flag.replace('_', '-')}: {error}")
    if problems:
        raise SettingsError("\n".join(problems))
    return replace(settings, **overrides)


SETTINGS_HELP = "settings file keys (kiosk.yaml): " + ", ".join(f.name for f in fields(Settings) if f.name != "source")
