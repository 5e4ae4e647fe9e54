"""Telling staff about an emergency: a command, a line in a file (and the terminal bell, in the app).

Privacy: the alert says only that an emergency (or a staff check) happened, when, and its reason
*category* (the urgency rule ids, or the kind of staff check such as ``staff_check_left``, reduced
to safe characters) — never what the patient said.
Every failure is returned so the staff screen can show it; nothing is silently lost.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

COMMAND_TIMEOUT_S = 10.0
_UNSAFE = re.compile(r"[^a-z0-9_,-]")


@dataclass(frozen=True)
class AlertOutcome:
    when: str  # UTC time, ISO format
    category: str
    problems: tuple[str, ...]  # empty when everything configured worked
    configured: bool  # False when neither a command nor a file is set (only the bell rang)

    @property
    def ok(self) -> bool:
        return not self.problems


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
    def __init__(self, command: str | None, file: Path | None) -> None:
        self.command = command
        self.file = file

    def send(self, category: str, now: datetime | None = None) -> AlertOutcome:
        """Blocking (run it in a worker): run the command and append the line; collect problems."""
        when = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
        category = reason_category(category.split(","))
        line = f"{when} {_headline(category)} reason: {category}"
        problems: list[str] = []
        if self.file is not None:
            problems += self._append(line)
        if self.command:
            problems += self._run(line, when, category)
        return AlertOutcome(when, category, tuple(problems), configured=bool(self.file or self.command))

    def _append(self, line: str) -> list[str]:
        try:
            with open(self.file, "a", encoding="utf-8") as handle:  # type: ignore[arg-type]
                handle.write(line + "\n")
        except OSError as error:
            return [f"alert file {self.file}: {error.strerror or error}"]
        return []

    def _run(self, line: str, when: str, category: str) -> list[str]:
        env = {**os.environ, "KIOSK_ALERT": line, "KIOSK_ALERT_TIME": when, "KIOSK_ALERT_REASON": category}
        try:
            done = subprocess.run(
                self.command, shell=True, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            return [f"alert command took longer than {COMMAND_TIMEOUT_S:g} s and was stopped: {self.command}"]
        except OSError as error:
            return [f"alert command could not start: {error}"]
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            tail = f": {detail[-1][:120]}" if detail else ""
            return [f"alert command failed (exit {done.returncode}){tail}"]
        return []
