"""Patient stories (tests/cases/stories.yaml): loading and checking them.

The ids below come from the engine issue, not from the knowledge base: the stories are an
independent test of the engine, so this module must never read intents/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.yamldata import read_data

from kiosk.engine.events import URGENCY_LEVELS  # the protocol's levels, least to most urgent

CAUSES: frozenset[str] = frozenset({
    "overuse", "dehydration", "electrolyte_imbalance", "medication_side_effect",
    "peripheral_artery_disease", "multiple_sclerosis", "als", "parkinsons", "lupus",
    "rheumatoid_arthritis", "cidp", "myasthenia_gravis", "dystonia", "nerve_compression",
    "tumor_or_growth",
})

RED_FLAGS: frozenset[str] = frozenset({
    "sudden_weakness_one_side", "sudden_speech_trouble", "chest_pain", "breathing_difficulty",
    "sudden_cold_pale_painful_hand", "confusion_or_fainting",
})
# Findings that make a story at least "urgent" (be seen today).
AT_LEAST_URGENT: frozenset[str] = frozenset({"mouth_tingling", "swallowing_difficulty"})

FINDINGS: frozenset[str] = frozenset({
    "repetitive_hand_use", "triggered_by_writing", "cramps_with_activity", "heavy_sweating",
    "low_fluid_intake", "vomiting_or_diarrhea", "diuretic", "statin", "parkinsons_medication",
    "numbness", "tingling", "night_numbness", "weakness", "weakness_worse_with_use",
    "muscle_wasting", "twitching", "tremor", "stiffness", "slow_movement", "joint_pain",
    "joint_swelling", "morning_stiffness", "both_hands", "rash", "fever", "fatigue",
    "vision_problems", "double_vision", "drooping_eyelids", "balance_problems",
    "swallowing_difficulty", "cold_hands", "color_change", "lump", "getting_worse", "smoker",
    "diabetes", "mouth_tingling",
}) | RED_FLAGS

# A patient who has the first would answer "yes" to the second too.
IMPLIES: dict[str, str] = {
    "weakness_worse_with_use": "weakness", "muscle_wasting": "weakness",
    "double_vision": "vision_problems", "night_numbness": "numbness",
}

SOURCES: frozenset[str] = frozenset({
    "What autoimmune disease causes hand cramps",
    "Can Hand Cramps Be a Sign of Something Serious?",
    "standard red flags",
})

DEFAULT_STORIES = Path(__file__).resolve().parents[1] / "cases" / "stories.yaml"  # tests/cases/


class StoryError(ValueError):
    """A story file that breaks the documented format."""


@dataclass(frozen=True)
class Expectation:
    causes: tuple[str, ...]  # at least one must be in the top 3; empty = not checked
    urgency: str
    rationale: str


@dataclass(frozen=True)
class Story:
    id: str
    summary: str
    source: str
    age: int
    duration_days: float
    findings: frozenset[str]  # true findings; every other finding is false
    unsure: frozenset[str]
    expect: Expectation

    def answer_for(self, finding: str) -> str:
        """'yes', 'no' or 'unsure' for one finding id."""
        if finding in self.findings:
            return "yes"
        if finding in self.unsure:
            return "unsure"
        return "no"

    @property
    def red_flags(self) -> frozenset[str]:
        return self.findings & RED_FLAGS


def urgency_rank(level: str | None) -> int:
    """Higher is more urgent; unknown or missing levels rank below self_care."""
    return URGENCY_LEVELS.index(level) if level in URGENCY_LEVELS else -1


def load_stories(path: Path | None = None) -> list[Story]:
    path = path or DEFAULT_STORIES
    raw = read_data(path)
    if not isinstance(raw, list):
        raise StoryError(f"{path}: expected a list of stories")
    stories = [_story(item, index) for index, item in enumerate(raw)]
    ids = [s.id for s in stories]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise StoryError(f"{path}: duplicate story ids {duplicates}")
    return stories


def story_problems(story: Story) -> list[str]:
    """Breaks of the rules every story keeps (ids known, red flags -> emergency, ...)."""
    problems: list[str] = []
    unknown = (story.findings | story.unsure) - FINDINGS
    if unknown:
        problems.append(f"unknown findings {sorted(unknown)}")
    if story.findings & story.unsure:
        problems.append(f"findings both true and unsure: {sorted(story.findings & story.unsure)}")
    if set(story.expect.causes) - CAUSES:
        problems.append(f"unknown causes {sorted(set(story.expect.causes) - CAUSES)}")
    if story.expect.urgency not in URGENCY_LEVELS:
        problems.append(f"unknown urgency {story.expect.urgency!r}")
    if story.source not in SOURCES:
        problems.append(f"unknown source {story.source!r}")
    if story.red_flags and story.expect.urgency != "emergency":
        problems.append("a red flag must expect emergency")
    if story.expect.urgency == "emergency" and not story.red_flags:
        problems.append("emergency expected without any red flag")
    if story.findings & AT_LEAST_URGENT and urgency_rank(story.expect.urgency) < urgency_rank("urgent"):
        problems.append("mouth_tingling / swallowing_difficulty must expect at least urgent")
    if not story.expect.causes and not story.red_flags:
        problems.append("only red-flag stories may leave causes unchecked")
    for finding, implied in IMPLIES.items():
        if finding in story.findings and implied not in story.findings:
            problems.append(f"{finding} without {implied}: a real patient would say yes to both")
    if not story.expect.rationale.strip():
        problems.append("missing rationale")
    return problems


def _story(item: Any, index: int) -> Story:
    if not isinstance(item, dict):
        raise StoryError(f"story #{index}: expected a mapping")
    try:
        expect = item["expect"]
        return Story(
            id=str(item["id"]),
            summary=str(item["summary"]),
            source=str(item["source"]),
            age=int(item["age"]),
            duration_days=float(item["duration_days"]),
            findings=frozenset(item.get("findings") or ()),
            unsure=frozenset(item.get("unsure") or ()),
            expect=Expectation(
                causes=tuple(expect.get("causes") or ()),
                urgency=str(expect["urgency"]),
                rationale=str(expect.get("rationale", "")),
            ),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise StoryError(f"story #{index} ({item.get('id', '?')}): {error!r}") from error
