"""Answer buttons for age and how long, made from the numbers the knowledge base compares them with.

A button stands for a range ("65 to 74"). If a range held a threshold of an urgency rule, or the
edge of a band the causes are scored on, pressing the button and saying a value in the same range
could give different advice. So the ranges are cut exactly at every such number, when the
knowledge base is loaded: every value in a range gives the same facts (the same bands hold, the
same thresholds are passed), and a staff edit of a threshold moves the buttons with it.
"""

from __future__ import annotations

import math
from dataclasses import replace

from .conditions import thresholds
from .knowledge import Finding, KeyOption, Prompts, UrgencyRule

MAX_KEYS = 8  # plus "Don't know": nine buttons, the number keys 1 to 9
# Units a duration button is named in, largest first: (days in one, singular, plural).
DURATION_NAMES = ((365, "year", "years"), (30, "month", "months"), (7, "week", "weeks"), (1, "day", "days"))


def cut_points(finding: Finding, rules: tuple[UrgencyRule, ...]) -> list[float]:
    """Band edges and rule thresholds inside the finding's allowed range, in order."""
    points = {edge for band in finding.bands for edge in (band.min, band.max) if edge is not None}
    for rule in rules:
        points |= thresholds(rule.when).get(finding.id, set())
    low = finding.min if finding.min is not None else -math.inf
    high = finding.max if finding.max is not None else math.inf
    return sorted(p for p in points if low < p <= high)


def with_derived_keys(findings: dict[str, Finding], rules: tuple[UrgencyRule, ...],
                      prompts: Prompts) -> dict[str, Finding]:
    """The findings, each number or duration finding with its buttons cut at its thresholds."""
    return {fid: replace(f, key_options=derive_keys(f, cut_points(f, rules), prompts)) if f.kind != "yes_no" else f
            for fid, f in findings.items()}


def derive_keys(finding: Finding, cuts: list[float], prompts: Prompts) -> tuple[KeyOption, ...]:
    low = finding.min if finding.min is not None else 0.0
    edges: list[float | None] = [None, *cuts, None]
    keys = []
    for start, end in zip(edges, edges[1:]):
        label = _label(finding.kind, start, end, prompts)
        keys.append(KeyOption(label, _inside(start if start is not None else low, end, finding.max), start, end))
    return tuple(keys)


def _inside(start: float, end: float | None, top: float | None) -> float:
    """A whole number inside [start, end), near the middle: what the button's answer records."""
    if end is None:
        end = min(top, start * 2) if top is not None and start > 0 else start + 10
        value = start + (end - start) / 9
    else:
        value = (start + end) / 2
    whole = math.floor(value)
    return float(whole) if start <= whole < (end if end > start else math.inf) else float(start)


def _label(kind: str, start: float | None, end: float | None, prompts: Prompts) -> str:
    name = days_words if kind == "duration" else _years
    if start is None:
        return prompts[f"key_{kind}_under"].format(high=name(end))
    if end is None:
        return prompts[f"key_{kind}_over"].format(low=name(start))
    low_words, high_words = name(start), name(end)
    same_unit = kind == "duration" and _unit(low_words) == _unit(high_words)
    if same_unit:  # "1 to 2 weeks", not "1 week to 2 weeks"
        low_words = low_words.split()[0]
    return prompts[f"key_{kind}_between"].format(low=low_words, high=high_words, last=name(_last_whole(start, end)))


def _unit(words: str) -> str:
    return words.split()[-1].removesuffix("s")


def _last_whole(start: float, end: float) -> float:
    """The last whole year in [start, end): "60 to 64" for ages 60 up to 65."""
    return end - 1 if float(end).is_integer() and end - 1 >= start else end


def _years(value: float | None) -> str:
    return f"{value:g}"


def days_words(value: float | None) -> str:
    """14 -> "2 weeks", 0.5 -> "12 hours": a duration as a button or a read-back says it."""
    assert value is not None
    if 0 < value < 1:
        hours = round(value * 24)
        return f"{hours} hour{'' if hours == 1 else 's'}" if hours else "less than an hour"
    for days, one, many in DURATION_NAMES:
        if value >= days and (value / days).is_integer():
            count = int(value / days)
            return f"{count} {one if count == 1 else many}"
    return f"{value:g} days"
