"""One urgency level from the rules in urgency.yaml: the most urgent rule that holds wins."""

from __future__ import annotations

from typing import cast

from .conditions import Facts, holds
from .events import Urgency, UrgencyLevel
from .knowledge import LEVELS, KnowledgeBase, level_rank

MAX_REASONS_SAID = 2  # two short sentences explain a level; more is a list nobody hears to the end


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
    return Urgency(cast(UrgencyLevel, level), definition.advice, definition.label, tuple(reasons), because_words(kb, reasons))


def because_words(kb: KnowledgeBase, rule_ids: list[str]) -> str:
    """Why this level, in the rules' own plain words; with no rule, why self-care is enough."""
    by_id = {rule.id: rule for rule in kb.rules}
    texts = list(dict.fromkeys(by_id[r].because for r in rule_ids if r in by_id))
    return " ".join(texts[:MAX_REASONS_SAID]) or kb.prompts["because_self_care"]
