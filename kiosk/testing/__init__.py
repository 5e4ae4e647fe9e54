"""Test helpers that ship with the kiosk: patient stories and a simulated patient.

They drive the real ``kiosk --jsonl`` subprocess, so the tests, the benchmark script and anyone
checking a changed knowledge base use the same, engine-independent yardstick.
"""

from .patient import (
    KioskProcess,
    KioskTimeout,
    Misunderstanding,
    PlannedAnswer,
    ProtocolError,
    SimulatedPatient,
    StoryOutcome,
    run_stories,
    run_story,
)
from .stories import Story, load_stories, story_problems, urgency_rank

__all__ = [
    "KioskProcess", "KioskTimeout", "Misunderstanding", "PlannedAnswer", "ProtocolError",
    "SimulatedPatient", "Story", "StoryOutcome", "load_stories", "run_stories", "run_story",
    "story_problems", "urgency_rank",
]
