"""How likely each cause is, given the answers so far (naive Bayes), and what a question is worth.

Each cause says, in causes.yaml, how often people with that cause answer yes to a finding
("often", "rarely"…). A finding a cause does not mention gets the finding's base rate: how often
people with hand cramps from an unrelated cause say yes. Answers are treated as independent
given the cause — crude, but readable and adjustable by a clinician, which matters more here.
"""

from __future__ import annotations

import math
from itertools import product
from typing import Iterable

from .knowledge import Cause, KnowledgeBase

Evidence = list[tuple[str, bool]]  # (finding or band id, yes?)

# Keep every likelihood away from 0 and 1: one unexpected answer must never rule a cause out.
FLOOR, CEILING = 0.02, 0.95
MAX_OUTCOME_ITEMS = 6  # a question about more findings is scored on its first six


def _clamp(p: float) -> float:
    return min(CEILING, max(FLOOR, p))


def background(kb: KnowledgeBase, item: str) -> float:
    """P(yes) for a cause that does not mention the item."""
    finding = kb.findings.get(item)
    if finding is not None:
        return _clamp(finding.base_rate)
    found = kb.band(item)
    return _clamp(found[1].base_rate if found else 0.2)


def p_yes(kb: KnowledgeBase, cause: Cause, item: str) -> float:
    value = cause.likelihoods.get(item)
    return background(kb, item) if value is None else _clamp(value)


def posterior(kb: KnowledgeBase, evidence: Evidence) -> dict[str, float]:
    logs = {}
    for cid, cause in kb.causes.items():
        total = math.log(cause.prior)
        for item, yes in evidence:
            p = p_yes(kb, cause, item)
            total += math.log(p if yes else 1.0 - p)
        logs[cid] = total
    peak = max(logs.values())
    weights = {cid: math.exp(v - peak) for cid, v in logs.items()}
    norm = sum(weights.values())
    return {cid: w / norm for cid, w in weights.items()}


def entropy(chances: Iterable[float]) -> float:
    return -sum(p * math.log2(p) for p in chances if p > 0)


def information_gain(kb: KnowledgeBase, chances: dict[str, float], items: list[str]) -> float:
    """Expected drop in uncertainty (bits) about the cause from learning yes/no for each item."""
    items = items[:MAX_OUTCOME_ITEMS]
    if not items:
        return 0.0
    causes = [(chances[cid], [p_yes(kb, kb.causes[cid], item) for item in items]) for cid in chances]
    expected_after = 0.0
    for outcome in product((True, False), repeat=len(items)):
        joint = []
        for prior, probs in causes:
            p = prior
            for yes, q in zip(outcome, probs):
                p *= q if yes else 1.0 - q
            joint.append(p)
        total = sum(joint)
        if total > 0:
            expected_after += total * entropy(j / total for j in joint)
    return max(0.0, entropy(chances.values()) - expected_after)


STRONG_SUPPORT = math.log(4)  # an answer four times likelier with this cause than without


def strongly_supported(kb: KnowledgeBase, cause: Cause, evidence: Evidence) -> bool:
    """Does some yes answer point clearly at this cause, however likely another cause is?"""
    return any(yes and math.log(p_yes(kb, cause, item) / background(kb, item)) >= STRONG_SUPPORT
               for item, yes in evidence)


def reasons(kb: KnowledgeBase, cause: Cause, evidence: Evidence, said: dict[tuple[str, bool], str]
            ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Answers that make this cause more likely (why) and less likely (against), strongest first."""
    weighed = []
    for item, yes in evidence:
        p, base = p_yes(kb, cause, item), background(kb, item)
        ratio = math.log(p / base) if yes else math.log((1 - p) / (1 - base))
        if abs(ratio) >= 0.4 and (item, yes) in said:
            weighed.append((ratio, said[(item, yes)]))
    weighed.sort(key=lambda pair: -abs(pair[0]))
    why = tuple(text for ratio, text in weighed if ratio > 0)
    against = tuple(text for ratio, text in weighed if ratio < 0)
    return why[:4], against[:3]
