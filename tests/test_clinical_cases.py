"""Clinical evidence: every patient story in tests/cases/stories.yaml, interviewed through the
JSON-lines protocol of ``kiosk --jsonl`` by a simulated patient.

The interviews run ``run_jsonl`` (the function ``kiosk --jsonl`` runs) in-process over real
pipes, a Python start-up saved per interview; one test runs a few stories through the real
``python -m kiosk --jsonl`` subprocess and checks that it says exactly the same.

The stories were written from the source articles and standard red flags, independently of the
knowledge base; a failure here means the engine's advice differs from what a careful GP would
give, not that the story should be "fixed" to match.

Each pass (everyday phrasings, then alternative phrasings) interviews every story once, shared by
all the tests of the module.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.support import StoryOutcome, load_stories, run_stories, run_story, story_problems, urgency_rank
from tests.support.stories import CAUSES, RED_FLAGS, Story

# With `--dist loadgroup` (pyproject addopts) this file's tests run on one worker: its module fixtures
# (every story interviewed, twice) are made once.
pytestmark = pytest.mark.xdist_group("clinical_cases")

STORIES = load_stories()
IDS = [s.id for s in STORIES]
RED_FLAG_STORIES = [s for s in STORIES if s.red_flags]


@pytest.fixture(scope="module")
def everyday() -> dict[str, StoryOutcome]:
    return run_stories(STORIES, variant=0, in_process=True)


@pytest.fixture(scope="module")
def alternative() -> dict[str, StoryOutcome]:
    return run_stories(STORIES, variant=1, in_process=True)


def check_story(story: Story, outcome: StoryOutcome) -> None:
    account = f"\n{story.summary}\n{outcome.describe()}"
    assert not outcome.problems, f"the interview went wrong{account}"
    assert outcome.completed, f"no result{account}"
    assert outcome.exit_code == 0, f"kiosk exited with {outcome.exit_code}{account}"
    got = outcome.urgency
    expected = story.expect.urgency
    if got != expected:
        kind = "UNDER-triage" if urgency_rank(got) < urgency_rank(expected) else "over-triage"
        pytest.fail(f"{kind}: urgency {got!r}, expected {expected!r} ({story.expect.rationale}){account}")
    if story.expect.causes:
        top = outcome.top_causes(3)
        assert set(story.expect.causes) & set(top), (
            f"none of {list(story.expect.causes)} in the top 3 {top}{account}")
    if story.red_flags:
        assert outcome.emergency is not None, f"red flag {sorted(story.red_flags)} gave no emergency event{account}"


# -- the stories themselves keep the documented rules ------------------------------------------
def test_story_file_follows_its_rules() -> None:
    problems = {s.id: story_problems(s) for s in STORIES}
    assert {k: v for k, v in problems.items() if v} == {}
    assert len(STORIES) >= 28


def test_every_cause_and_every_lone_red_flag_has_a_story() -> None:
    expected_causes = {c for s in STORIES for c in s.expect.causes}
    assert CAUSES - expected_causes == set()
    lone_flags = {next(iter(s.findings)) for s in STORIES if len(s.findings) == 1 and s.red_flags}
    assert RED_FLAGS - lone_flags == set()


# -- the engine against the stories -----------------------------------------------------------
@pytest.mark.parametrize("story", STORIES, ids=IDS)
def test_story_everyday_phrasing(story: Story, everyday: dict[str, StoryOutcome]) -> None:
    check_story(story, everyday[story.id])


@pytest.mark.parametrize("story", STORIES, ids=IDS)
def test_story_alternative_phrasing(story: Story, alternative: dict[str, StoryOutcome]) -> None:
    check_story(story, alternative[story.id])


@pytest.mark.parametrize("story", RED_FLAG_STORIES, ids=[s.id for s in RED_FLAG_STORIES])
def test_red_flag_ends_with_emergency_then_result(story: Story, everyday: dict[str, StoryOutcome]) -> None:
    outcome = everyday[story.id]
    types = [e["type"] for e in outcome.events]
    assert "emergency" in types, outcome.describe()
    after = types[types.index("emergency") + 1:]
    assert after[:1] == ["result"], f"an emergency must be followed by a result: {types}"
    assert outcome.result is not None and outcome.result["urgency"]["level"] == "emergency"


@pytest.mark.parametrize("variant", [0, 1], ids=["everyday", "alternative"])
def test_every_answer_understood_as_meant(variant: int, everyday: dict[str, StoryOutcome],
                                          alternative: dict[str, StoryOutcome]) -> None:
    outcomes = everyday if variant == 0 else alternative
    wrong = [f"{o.story_id}/{m.question}: said {m.said!r}, meant {m.meant}, understood {m.understood}"
             for o in outcomes.values() for m in o.misunderstood]
    assert wrong == [], "\n".join(wrong)


def test_no_story_needs_a_reprompt_in_everyday_phrasing(everyday: dict[str, StoryOutcome]) -> None:
    reprompted = {o.story_id: o.reprompts for o in everyday.values() if o.reprompts}
    assert reprompted == {}


# -- the real command says the same --------------------------------------------------------------
# A self-care story, a routine one with a medicine, and a red flag: every kind of ending.
THROUGH_THE_COMMAND = ["typist_overuse", "statin_new", "red_flag_one_sided_weakness"]


@pytest.mark.parametrize("story_id", THROUGH_THE_COMMAND)
def test_the_kiosk_command_gives_the_same_interview_as_in_process(story_id: str,
                                                                  alternative: dict[str, StoryOutcome]) -> None:
    story = next(s for s in STORIES if s.id == story_id)
    command = run_story(story, variant=1)  # a real `python -m kiosk --jsonl` subprocess
    assert command.exit_code == 0 and not command.problems, command.describe()
    # The clinician summary carries the time to the minute; two runs may straddle a minute.
    assert _without_time(command.events) == _without_time(alternative[story_id].events)


def _without_time(events: list) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<time>", json.dumps(events, sort_keys=True))
