"""Test helpers (not part of the wheel): patient stories, a simulated patient, test audio.

The simulated patient talks the JSON-lines protocol of ``kiosk --jsonl`` (a real subprocess, or
the same ``run_jsonl`` in-process), so the tests and scripts/bench_engine.py use the same,
engine-independent yardstick. The scripts run from a checkout and import this package from there;
the installed kiosk never needs it.
"""

from .patient import (
    InProcessKiosk,
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
    "InProcessKiosk", "KioskProcess", "KioskTimeout", "Misunderstanding", "PlannedAnswer", "ProtocolError",
    "SimulatedPatient", "Story", "StoryOutcome", "load_stories", "run_stories", "run_story",
    "story_problems", "urgency_rank",
]
