"""One urgency level from the rules in urgency.yaml: the most urgent rule that holds wins."""

from __future__ import annotations

from .conditions import Facts, holds
from .events import Urgency
from .knowledge import LEVELS, KnowledgeBase, level_rank


def assess(kb: KnowledgeBase, facts: Facts) -> Urgency:
    level = LEVELS[0]
    reasons: list[str] = []
    for rule in kb.rules:
        if not holds(rule.when, facts):
            continue
        if level_rank(rule.level) > level_rank(level):
            level, reasons = rule.level, [rule.id]
        elif rule.level == level:
            reasons.append(rule.id)
    definition = kb.levels[level]
    return Urgency(level, definition.advice, definition.label, tuple(reasons))


def because(kb: KnowledgeBase, urgency: Urgency) -> list[str]:
    """The plain-language reasons of the rules that set the level."""
    by_id = {rule.id: rule for rule in kb.rules}
    return [by_id[r].because for r in urgency.reasons if r in by_id]
