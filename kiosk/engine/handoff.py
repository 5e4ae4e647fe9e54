"""The summary for the clinician: what the patient answered (as findings), the ranked causes with
their reasons, the urgency and why, and the time. Pure: built from the interview's state when the
result is made, turned into text on request (QR code, receipt, `kiosk --jsonl`). Never stored:
it lives on the ResultEvent, which goes when the session is wiped.

Two texts: ``text()`` for paper and JSONL (one item a line), and ``compact()`` for the QR code,
which must fit an 80x24 terminal: at most CODE_MAX_CHARS characters, all from the QR code's
alphanumeric set (upper case, digits, " $%*+-./:"), which packs 5.5 bits a character instead of 8.
Only the findings answered "yes" or "not sure" are named there; a "no" to everything else is a
count. A long summary names fewer items of each list ("+2" says how many more); paper has them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

TITLE = "Hand cramp kiosk: summary for the clinician. Not a diagnosis."
# QR version 6 at error level L holds 195 alphanumeric characters. Its 41x41 modules plus a quiet
# zone of 2 are 45 half-block rows = 23 terminal rows: the code fits an 80x24 screen.
CODE_MAX_CHARS = 195
CODE_CHARSET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@dataclass(frozen=True)
class CauseLine:
    id: str  # short, for the QR code
    name: str
    score: float  # the engine's probability, 0 to 1
    for_: tuple[str, ...]  # findings that make it more likely, clinician wording
    against: tuple[str, ...]


@dataclass(frozen=True)
class ClinicianSummary:
    yes: tuple[str, ...]  # finding labels answered yes
    no: tuple[str, ...]
    unsure: tuple[str, ...]
    values: tuple[tuple[str, str], ...]  # ("age", "67 years"), ("how long", "14 days")
    red_flags_all_no: bool  # every red-flag question was asked and answered no
    level: str
    level_label: str
    because: tuple[str, ...]  # the urgency rules' plain reasons
    rules: tuple[str, ...]  # the urgency rule ids
    causes: tuple[CauseLine, ...]
    when: datetime  # when the result was made

    def text(self) -> str:
        """Full summary, one fact a line (for the receipt printer, CUPS and JSONL)."""
        lines = [TITLE, f"Time: {_stamp(self.when)}", f"Urgency: {self.level.upper()} ({self.level_label})"]
        lines += [f"  because: {b}" for b in self.because]
        if self.rules:
            lines.append(f"  rules: {', '.join(self.rules)}")
        lines.append("Answers:")
        lines += [f"  {name}: {value}" for name, value in self.values]
        lines += _listed("  yes", self.yes) + _listed("  not sure", self.unsure) + _listed("  no", self.no)
        lines.append("Possible causes, most likely first:")
        for rank, cause in enumerate(self.causes, start=1):
            lines.append(f"  {rank}. {cause.name} {cause.score:.0%}")
            lines += _listed("     for", cause.for_) + _listed("     against", cause.against)
        if not self.causes:
            lines.append("  none suggested")
        return "\n".join(lines)

    def compact(self) -> str:
        """Short form for the QR code: fits CODE_MAX_CHARS, naming fewer list items when it must.

        The longest list loses its last item first ("not sure" before causes before rules before
        "yes" on a tie), down to one item each; the head (time, "not a diagnosis", urgency) is first.
        """
        causes = tuple(f"{c.id} {c.score:.0%}" for c in self.causes[:3])
        lists = {"unsure": self.unsure, "causes": causes, "rules": self.rules, "yes": self.yes}
        keep = {name: len(items) for name, items in lists.items()}
        code = self._code(lists, keep)
        while len(code) > CODE_MAX_CHARS and max(keep.values()) > 1:
            longest = max(keep, key=keep.__getitem__)  # dicts keep order: ties go to the first
            keep[longest] -= 1
            code = self._code(lists, keep)
        return code[:CODE_MAX_CHARS]

    def _code(self, lists: dict[str, tuple[str, ...]], keep: dict[str, int]) -> str:
        """The code's text naming ``keep[name]`` items of each list."""
        few = {name: _few(items, keep[name]) for name, items in lists.items()}
        no = "RED FLAGS +" if self.red_flags_all_no else ""
        parts = [f"HAND CRAMPS {self.when.astimezone(UTC):%H:%M}Z NOT A DIAGNOSIS",
                 f"URGENCY {self.level}: {few['rules']}" if self.rules else f"URGENCY {self.level}",
                 *(f"{name} {value}" for name, value in self.values),
                 f"YES: {few['yes']}" if self.yes else "",
                 f"NOT SURE: {few['unsure']}" if self.unsure else "",
                 f"NO: {no}{len(self.no)}" if self.no else "",
                 f"CAUSES: {few['causes'] or 'NONE SUGGESTED'}"]
        return _code_chars(". ".join(part for part in parts if part))


def _few(items: tuple[str, ...], keep: int) -> str:
    """At most ``keep`` items, then how many more."""
    more = f" +{len(items) - keep}" if len(items) > keep else ""
    return "/".join(items[:keep]) + more


def _code_chars(text: str) -> str:
    """Upper case, ids with dashes, and nothing outside the QR alphanumeric set."""
    text = text.upper().replace("_", "-")
    return "".join(char for char in text if char in CODE_CHARSET)


def _listed(head: str, items: tuple[str, ...]) -> list[str]:
    return [f"{head}: {', '.join(items)}"] if items else []


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
