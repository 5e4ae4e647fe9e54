"""The staff log: what happened at the kiosk, for staff to read after the fact.

One line per event (UTC time, what, details): start, the engine, model and noise removal,
microphone and speaker state and every change, alerts and their outcome, speech give-ups and
other errors, crash reports, and how many sessions ran. The file rotates (``MAX_BYTES`` per file,
``BACKUPS`` old files kept), so a kiosk left on for months never fills the SD card.

Privacy: never a word the patient said. Callers pass fixed event names and facts about the
machine; crash reports keep only the exception's type and where it happened (file, line,
function), never its message or any variable, because either can hold what was said.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

MAX_BYTES = 1_000_000  # per file; about 10 000 lines
BACKUPS = 3  # staff.log.1 .. staff.log.3


def default_path() -> Path:
    """<XDG state>/hand-cramp-kiosk/staff.log, e.g. ~/.local/state/hand-cramp-kiosk/staff.log."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base).expanduser() / "hand-cramp-kiosk" / "staff.log"


class StaffLog:
    """Appends to ``path`` (None: kept in memory only, as in tests and previews).

    ``recent`` holds the last lines for the staff screen. A log that cannot be written never
    stops the kiosk: ``problem`` says why, and the staff screen shows it.
    """

    def __init__(self, path: Path | None, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
        self.path = path
        self.problem: str | None = None
        self.recent: list[str] = []
        self._logger = logging.getLogger(f"kiosk.stafflog.{id(self)}")
        self._logger.propagate = False  # never to the terminal the patient sees
        self._logger.setLevel(logging.INFO)
        self._handler: logging.Handler | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._handler = _FileHandler(path, max_bytes, backups, on_error=self._write_failed)
            except OSError as error:
                self.problem = f"The staff log {path} cannot be written ({error.strerror or error})."
            else:
                self._handler.setFormatter(logging.Formatter("%(message)s"))
                self._logger.addHandler(self._handler)

    def event(self, what: str, detail: str = "") -> None:
        when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = f"{when} {what}" + (f": {_one_line(detail)}" if detail else "")
        self.recent = [*self.recent[-19:], line]
        self._logger.info(line)

    def crash(self, error: BaseException) -> None:
        """Where the kiosk broke: the exception type and its frames, no message, no values."""
        frames = traceback.extract_tb(error.__traceback__)
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-8:]))
        self.event("crash", f"{type(error).__name__} at {where or 'unknown place'}")

    def _write_failed(self, record: logging.LogRecord) -> None:
        self.problem = f"The staff log {self.path} cannot be written (disk full or removed?)."

    def close(self) -> None:
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()
            self._handler = None


class _FileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file whose write errors go to ``on_error`` (for the staff screen), not to the
    terminal in front of the patient, where logging prints them by default."""

    def __init__(self, path: Path, max_bytes: int, backups: int, *,
                 on_error: Callable[[logging.LogRecord], None]) -> None:
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self._on_error = on_error

    def handleError(self, record: logging.LogRecord) -> None:
        self._on_error(record)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:300]
