"""The small condition language of urgency rules, readable by a clinician.

A ``when:`` mapping holds one or more clauses, all of which must hold:

    finding: X                      the patient said yes to X (or an age/duration band holds)
    any_of: [X, Y]                  yes to at least one
    all_of: [X, Y]                  yes to all
    likely: {causes: [A, B], at_least: 0.25}   the chance of A or B (added) is at least 0.25
    top_cause: [A, B]               the cause ranked first is one of these
    age_at_least: 65                the patient's age in years
    duration_at_least: 28           how long the cramps have lasted, in days
    duration_under: 3
    any: [ {clause…}, {clause…} ]   at least one of the nested conditions holds
    all: [ … ]                      all of them hold
    not: {clause…}                  the nested condition does not hold
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .knowledge import Condition
from kiosk.yamlread import did_you_mean

CLAUSES = ("finding", "any_of", "all_of", "likely", "top_cause", "age_at_least", "duration_at_least",
           "duration_under", "any", "all", "not")


@dataclass(frozen=True)
class Facts:
    """What a condition can look at: the answers so far and the current cause ranking."""

    yes: frozenset[str]  # findings and bands that hold
    values: Mapping[str, float]  # age, duration
    chances: Mapping[str, float]  # cause id -> probability
    top: str  # the cause ranked first


class ConditionReader:
    """Turns a ``when:`` mapping from YAML into Conditions, reporting problems with their lines."""

    def __init__(self, report: Callable[[Any, Any, str, str], None], findings: set[str], causes: set[str]) -> None:
        self.report = report
        self.findings = findings
        self.causes = causes

    def read(self, container: Any, key: Any, path: str) -> Condition:
        raw = container[key]
        if not isinstance(raw, dict) or not raw:
            self.report(container, key, path, "must be a mapping of one or more conditions")
            return Condition("all", ())
        parts = [self._clause(raw, op, f"{path}.{op}") for op in raw]
        return parts[0] if len(parts) == 1 else Condition("all", tuple(parts))

    def _clause(self, raw: dict, op: str, path: str) -> Condition:
        value = raw[op]
        if op not in CLAUSES:
            self.report(raw, op, path, f"unknown condition{did_you_mean(op, CLAUSES)}")
            return Condition("all", ())
        if op == "finding":
            self._ids(raw, op, path, [value], self.findings, "finding")
            return Condition(op, value)
        if op in ("any_of", "all_of", "top_cause"):
            known, what = (self.causes, "cause") if op == "top_cause" else (self.findings, "finding")
            return Condition(op, tuple(self._ids(raw, op, path, value, known, what)))
        if op == "likely":
            return self._likely(raw, op, path, value)
        if op in ("age_at_least", "duration_at_least", "duration_under"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                self.report(raw, op, path, f"must be a number of {'years' if op.startswith('age') else 'days'}")
            return Condition(op, float(value) if isinstance(value, (int, float)) else 0.0)
        if op == "not":
            return Condition(op, self.read(raw, op, path))
        if not isinstance(value, list) or not value:
            self.report(raw, op, path, "must be a list of conditions")
            return Condition(op, ())
        return Condition(op, tuple(self.read(value, i, f"{path}[{i}]") for i in range(len(value))))

    def _ids(self, raw: dict, op: str, path: str, value: Any, known: set[str], what: str) -> list[str]:
        if not isinstance(value, list) or not value:
            self.report(raw, op, path, f"must be a list of {what} ids")
            return []
        good = []
        for item in value:
            if item in known:
                good.append(item)
            else:
                self.report(raw, op, path, f"unknown {what} '{item}'{did_you_mean(str(item), known)}")
        return good

    def _likely(self, raw: dict, op: str, path: str, value: Any) -> Condition:
        if not isinstance(value, dict) or "causes" not in value or "at_least" not in value:
            self.report(raw, op, path, "must be a mapping with causes and at_least")
            return Condition(op, ((), 1.0))
        causes = self._ids(value, "causes", f"{path}.causes", value["causes"], self.causes, "cause")
        at_least = value["at_least"]
        if isinstance(at_least, bool) or not isinstance(at_least, (int, float)) or not 0 < at_least <= 1:
            self.report(value, "at_least", f"{path}.at_least", "must be a chance between 0 and 1")
            at_least = 1.0
        return Condition(op, (tuple(causes), float(at_least)))


def holds(condition: Condition, facts: Facts) -> bool:
    op, args = condition.op, condition.args
    if op == "finding":
        return args in facts.yes
    if op == "any_of":
        return any(f in facts.yes for f in args)
    if op == "all_of":
        return all(f in facts.yes for f in args)
    if op == "likely":
        causes, at_least = args
        return sum(facts.chances.get(c, 0.0) for c in causes) >= at_least
    if op == "top_cause":
        return facts.top in args
    if op == "age_at_least":
        return facts.values.get("age", -1) >= args
    if op == "duration_at_least":
        return facts.values.get("duration", -1) >= args
    if op == "duration_under":
        return 0 <= facts.values.get("duration", -1) < args
    if op == "not":
        return not holds(args, facts)
    if op == "any":
        return any(holds(c, facts) for c in args)
    return all(holds(c, facts) for c in args)  # "all"


QUANTITY_CLAUSES = {"age_at_least": "age", "duration_at_least": "duration", "duration_under": "duration"}


def thresholds(condition: Condition) -> dict[str, set[float]]:
    """The numbers a condition compares age and duration with: {"age": {65.0}, "duration": {14.0}}."""
    op, args = condition.op, condition.args
    if op in QUANTITY_CLAUSES:
        return {QUANTITY_CLAUSES[op]: {args}}
    parts = [args] if op == "not" else list(args) if op in ("any", "all") else []
    found: dict[str, set[float]] = {}
    for part in parts:
        for name, values in thresholds(part).items():
            found.setdefault(name, set()).update(values)
    return found


def mentions(condition: Condition) -> set[str]:
    """Findings and bands a condition looks at (to know which answers could change urgency)."""
    op, args = condition.op, condition.args
    if op == "finding":
        return {args}
    if op in ("any_of", "all_of"):
        return set(args)
    if op == "not":
        return mentions(args)
    if op in ("any", "all"):
        return set().union(*(mentions(c) for c in args)) if args else set()
    return set()
