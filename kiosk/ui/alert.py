"""Telling staff about an emergency: a command, a line in a file (and the terminal bell, in the app).

Privacy: the alert says only that an emergency (or a staff check) happened, when, and its reason
*category* (the urgency rule ids, or the kind of staff check such as ``staff_check_left``, reduced
to safe characters) — never what the patient said.
Every failure is returned so the staff screen can show it; nothing is silently lost.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

COMMAND_TIMEOUT_S = 10.0  # the command, with everything it started
FILE_TIMEOUT_S = 5.0  # opening and writing the file; a FIFO or a hung network mount can block forever
OUTPUT_LIMIT = 4096  # bytes of the command's output kept (the end is kept: errors come last)
_UNSAFE = re.compile(r"[^a-z0-9_,-]")


@dataclass(frozen=True)
class AlertOutcome:
    when: str  # UTC time, ISO format
    category: str
    problems: tuple[str, ...]  # empty when everything configured worked
    configured: bool  # False when neither a command nor a file is set (only the bell rang)
    timed_out: bool = False  # a step was stopped at its time limit (also listed in problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        """sent, failed, timed out, or bell only: the word the staff screen and log show."""
        if not self.configured:
            return "bell only"
        if self.ok:
            return "sent"
        return "timed out" if self.timed_out else "failed"


def failed_outcome(category: str, problem: str) -> AlertOutcome:
    """What the staff screen shows when sending the alert itself broke (never "Calling staff..." forever)."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return AlertOutcome(when, category, (problem,), configured=True)


def reason_category(rule_ids: tuple[str, ...] | list[str]) -> str:
    """Rule ids such as ``red_flag_sudden_weakness`` only; anything else is dropped."""
    cleaned = [_UNSAFE.sub("", rule.lower()) for rule in rule_ids]
    return ",".join(rule for rule in cleaned if rule) or "emergency"


def _headline(category: str) -> str:
    """A staff check (a warning sign left open) asks staff to go and see; the kind is in the reason."""
    if category.startswith("staff_check"):
        return "STAFF CHECK at the hand-cramp kiosk: please check on the patient now."
    return "EMERGENCY at the hand-cramp kiosk: tell the front desk."


class StaffAlert:
    def __init__(self, command: str | None, file: Path | None, *, command_timeout_s: float = COMMAND_TIMEOUT_S,
                 file_timeout_s: float = FILE_TIMEOUT_S) -> None:
        self.command = command
        self.file = file
        self.command_timeout_s = command_timeout_s
        self.file_timeout_s = file_timeout_s

    def send(self, category: str, now: datetime | None = None) -> AlertOutcome:
        """Blocking (run it in a worker), for at most about the two time limits: write the file
        (in its own thread, so a file that blocks never holds up the command) and run the command."""
        when = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
        category = reason_category(category.split(","))
        line = f"{when} {_headline(category)} reason: {category}"
        problems: list[str] = []
        timeouts: list[bool] = []
        file_done = threading.Event()
        file_problems: list[str] = []
        if self.file is not None:
            def write() -> None:
                file_problems.extend(self._append(line))
                file_done.set()

            threading.Thread(target=write, daemon=True, name="alert-file").start()
        if self.command:
            command_problems, timed_out = self._run(line, when, category)
            problems += command_problems
            timeouts.append(timed_out)
        if self.file is not None:
            if file_done.wait(self.file_timeout_s):
                problems += file_problems
            else:  # the thread stays blocked in the kernel; it is a daemon and holds nothing else
                problems.append(f"alert file {self.file}: not written within {self.file_timeout_s:g} s "
                                "(a pipe nobody reads, or a network folder that does not answer)")
                timeouts.append(True)
        return AlertOutcome(when, category, tuple(problems), configured=bool(self.file or self.command),
                            timed_out=any(timeouts))

    def _append(self, line: str) -> list[str]:
        assert self.file is not None
        try:
            # O_NONBLOCK: a FIFO with no reader fails at once (ENXIO) instead of waiting for one
            fd = os.open(self.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o644)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as error:
            return [f"alert file {self.file}: {error.strerror or error}"]
        return []

    def _run(self, line: str, when: str, category: str) -> tuple[list[str], bool]:
        """(problems, timed out). Output is read as it comes and only its last bytes are kept."""
        assert self.command is not None
        env = {**os.environ, "KIOSK_ALERT": line, "KIOSK_ALERT_TIME": when, "KIOSK_ALERT_REASON": category}
        try:
            # shell=True on purpose: staff write the alert command as one shell line in kiosk.yaml
            process = subprocess.Popen(self.command, shell=True, env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # its own group: a timeout ends it all
        except OSError as error:
            return [f"alert command could not start: {error}"], False
        tail = _Tail(process.stdout)
        try:
            code = process.wait(timeout=self.command_timeout_s)
        except subprocess.TimeoutExpired:
            _end_group(process)
            return [f"alert command took longer than {self.command_timeout_s:g} s and was stopped "
                    f"(with everything it started): {self.command}"], True
        finally:
            tail.finish()
        if code != 0:
            detail = tail.text().strip().splitlines()
            last = f": {detail[-1][:120]}" if detail else ""
            return [f"alert command failed (exit {code}){last}"], False
        return [], False


class _Tail:
    """Reads a pipe to its end in a thread, keeping only the last OUTPUT_LIMIT bytes."""

    def __init__(self, stream) -> None:  # a binary pipe
        self._stream = stream
        self._kept = b""
        self._thread = threading.Thread(target=self._read, daemon=True, name="alert-output")
        self._thread.start()

    def _read(self) -> None:
        try:
            while block := self._stream.read1(65536):
                self._kept = (self._kept + block)[-OUTPUT_LIMIT:]
        except (OSError, ValueError):
            pass

    def finish(self) -> None:
        # a grandchild that escaped the group may hold the pipe open: do not wait for it forever
        self._thread.join(timeout=1.0)
        try:
            self._stream.close()
        except OSError:
            pass

    def text(self) -> str:
        return self._kept.decode("utf-8", errors="replace")


def _end_group(process: subprocess.Popen) -> None:
    """SIGTERM to the command's whole process group, then SIGKILL to what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=1.0)
            if sig == signal.SIGTERM:
                os.killpg(process.pid, 0)  # the shell is gone; are any of its children left?
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return
