"""Printing the clinician summary, when staff turn it on (kiosk.yaml: printer).

    printer: escpos:/dev/usb/lp0    a receipt printer (ESC/POS) on a device file, via python-escpos
    printer: cups                   the default CUPS printer, via `lp`
    printer: cups:FrontDesk         a named CUPS queue

Nothing is kept: the text goes straight to the printer (on `lp`'s standard input, never a file
of ours) and is gone with the session. A printer that fails says why, for the staff screen.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

LP_TIMEOUT_S = 20
RECEIPT_COLUMNS = 42  # a common 80 mm receipt width in the printer's standard font


class PrinterSettingError(ValueError):
    pass


@dataclass(frozen=True)
class PrintOutcome:
    ok: bool
    problem: str = ""  # for staff; never contains the summary


class SummaryPrinter(Protocol):
    def print_summary(self, text: str, code: str = "") -> PrintOutcome:
        """Print ``text`` (and, where the printer can, ``code`` as a QR code)."""


def parse_printer(value: str) -> tuple[str, str]:
    """'escpos:/dev/usb/lp0' -> ('escpos', '/dev/usb/lp0'); 'cups' -> ('cups', '')."""
    kind, _, where = value.partition(":")
    if kind not in ("escpos", "cups"):
        raise PrinterSettingError(f"must be escpos:/dev/FILE, cups or cups:QUEUE, got {value!r}")
    if kind == "escpos" and not where:
        raise PrinterSettingError("escpos needs the printer's device file, e.g. escpos:/dev/usb/lp0")
    return kind, where


def make_printer(value: str) -> SummaryPrinter:
    kind, where = parse_printer(value)
    return CupsPrinter(where) if kind == "cups" else EscposPrinter.on_device(where)


def wrap(text: str, columns: int = RECEIPT_COLUMNS) -> list[str]:
    """Lines no wider than the paper, broken at spaces, keeping each line's indent."""
    out: list[str] = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        words, current = line.split(), indent
        for word in words:
            if len(current) + len(word) + (current != indent) > columns and current.strip():
                out.append(current)
                current = indent + "  "
            current += ("" if current.endswith(" ") or current == indent else " ") + word
        out.append(current)
    return out


def escpos_cache_dir() -> Path:
    """<XDG cache>/hand-cramp-kiosk/escpos: where python-escpos keeps its printer list, pickled."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hand-cramp-kiosk" / "escpos"


def load_escpos() -> ModuleType:
    """python-escpos's printer module, imported so that it leaves nothing in /tmp. Left to
    itself, its capabilities module makes a new temporary folder (mkdtemp) in every process that
    imports it, even when told where its cache is, and never removes it: one more folder in /tmp
    at every kiosk start. So its cache (the pickled list of printer models, nothing of a patient)
    goes to escpos_cache_dir(), and the folder it makes anyway goes into a private one that is
    removed as soon as the import is done. Importing it a second time changes nothing."""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        folder = escpos_cache_dir()
        with contextlib.suppress(OSError):  # no cache folder: escpos uses its own temporary one
            folder.mkdir(parents=True, exist_ok=True)
            os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)
    with tempfile.TemporaryDirectory(prefix="kiosk-escpos-") as scratch:
        default_tmp, tempfile.tempdir = tempfile.tempdir, scratch
        try:
            import escpos.printer
        finally:
            tempfile.tempdir = default_tmp
    return escpos.printer


class EscposPrinter:
    """ESC/POS through python-escpos; ``device`` is any escpos printer (tests pass its Dummy)."""

    def __init__(self, device: Any, *, close_after: bool = False) -> None:
        self.device = device
        self.close_after = close_after  # a device file we opened is closed after each slip

    @classmethod
    def on_device(cls, path: str) -> EscposPrinter:
        return cls(load_escpos().File(path), close_after=True)  # opens the device file on first use

    def print_summary(self, text: str, code: str = "") -> PrintOutcome:
        try:
            self.device.set(align="left")
            self.device.text("\n".join(wrap(text)) + "\n")
            if code:  # the same short code as on screen, so the desk can scan the slip too
                self.device.qr(code, size=4, center=True)
            self.device.cut()
        except Exception as error:  # noqa: BLE001 - any driver or device error: staff are told, nothing crashes
            return PrintOutcome(False, f"receipt printer: {type(error).__name__}: {error}")
        finally:
            if self.close_after:
                with contextlib.suppress(Exception):  # closing a printer that never opened
                    self.device.close()
        return PrintOutcome(True)


class CupsPrinter:
    """CUPS through `lp` (the summary on its standard input, so no file is written)."""

    def __init__(self, queue: str = "") -> None:
        self.queue = queue

    def command(self) -> list[str]:
        return ["lp", "-s", *(["-d", self.queue] if self.queue else []), "-t", "Hand cramp summary", "-"]

    def print_summary(self, text: str, code: str = "") -> PrintOutcome:
        try:
            done = subprocess.run(self.command(), input=text, text=True, capture_output=True,
                                  timeout=LP_TIMEOUT_S, check=False)
        except FileNotFoundError:
            return PrintOutcome(False, "CUPS: the lp command is missing (apt-get install cups-client)")
        except subprocess.TimeoutExpired:
            return PrintOutcome(False, f"CUPS: lp did not finish within {LP_TIMEOUT_S} s")
        if done.returncode != 0:
            return PrintOutcome(False, f"CUPS: lp failed ({done.returncode}): {done.stderr.strip()[:200]}")
        return PrintOutcome(True)
