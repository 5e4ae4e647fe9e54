"""The summary for the clinician: what the patient answered (as findings), the ranked causes with
their reasons, the urgency and why, and the time. Pure: built from the interview's state when the
result is made, turned into text on request (QR code, receipt, `kiosk --jsonl`). Never stored:
it lives on the ResultEvent, which goes when the session is wiped.

Two texts: ``text()`` for paper and JSONL (one item a line), and ``compact()`` for the QR code,
which must stay small enough to scan off a terminal screen: only the findings answered "yes" or
"not sure" are named there; a "no" to everything else is one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

TITLE = "Hand cramp kiosk: summary for the clinician. Not a diagnosis."


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
        """Short form for the QR code (ids, not sentences): it must scan off a terminal screen."""
        no = ("red flags, " if self.red_flags_all_no else "") + f"{len(self.no)} findings asked"
        causes = ", ".join(f"{c.id} {c.score:.0%}" for c in self.causes[:3])
        lines = [f"Hand cramp kiosk {_stamp(self.when)}. Not a diagnosis.",
                 f"URGENCY {self.level}: {', '.join(self.rules)}",
                 "; ".join(f"{name} {value}" for name, value in self.values)]
        lines += _listed("YES", self.yes) + _listed("NOT SURE", self.unsure)
        lines += [f"NO: {no}" if self.no else "", f"CAUSES: {causes or 'none suggested'}"]
        return "\n".join(line for line in lines if line)


def _listed(head: str, items: tuple[str, ...]) -> list[str]:
    return [f"{head}: {', '.join(items)}"] if items else []


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
