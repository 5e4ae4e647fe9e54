"""The knowledge base as typed, immutable data: findings, questions, causes, urgency rules.

Built from the YAML in ``intents/`` by :mod:`kiosk.engine.loader`, which validates it first.
Nothing here reads files or knows about speech or screens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .events import URGENCY_LEVELS
from .templates import Vocabulary

# After this many failed tries at one question, the reprompt is short and points at the keys
# (the reprompt's `offer_keys`): voice has failed twice, so the patient is offered another way.
KEYS_AFTER_FAILED_TRIES = 2

FindingKind = Literal["yes_no", "number", "duration"]
Phase = Literal["screening", "basics", "adaptive", "followup"]  # followup: a red flag asked on its own
LEVELS: tuple[str, ...] = URGENCY_LEVELS  # least to most urgent (kiosk.engine.events)


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    kind: str  # "article" (one of the two source articles) or "standard" (standard red flags)
    file: str = ""


@dataclass(frozen=True)
class Band:
    """A named range of a number or duration finding, e.g. age 60 and over."""

    id: str  # e.g. "age_60_plus"; usable in cause likelihoods and urgency rules like a finding
    min: float | None
    max: float | None  # exclusive
    said: str  # "you are 60 or older"
    base_rate: float = 0.33  # share of people with hand cramps in this band, whatever the cause

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)


@dataclass(frozen=True)
class KeyOption:
    """A numbered button for a number or duration question: nobody has to type.

    It stands for the range [low, high) (None: open); ``value`` is the one recorded, inside it.
    Built by kiosk.engine.answer_keys so that no range holds a threshold a rule or band uses.
    """

    label: str
    value: float
    low: float | None = None
    high: float | None = None

    def contains(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value < self.high)


@dataclass(frozen=True)
class Finding:
    id: str
    kind: FindingKind
    label: str  # short words, used as a choice label: "numbness"
    question: str  # asked when this finding is asked about alone
    said_yes: str  # "you said your fingers go numb"
    said_no: str
    help: str
    why: str
    phrases: tuple[str, ...] = ()  # other ways patients name it in a list answer
    red_flag: bool = False
    base_rate: float = 0.2  # how often people with hand cramps have it, whatever the cause
    min: float | None = None
    max: float | None = None
    bands: tuple[Band, ...] = ()
    key_options: tuple[KeyOption, ...] = ()
    short_question: str = ""


@dataclass(frozen=True)
class ChoiceDef:
    id: str
    label: str
    phrases: tuple[str, ...]
    sets: tuple[tuple[str, bool], ...]  # finding id -> value, when this choice is picked


@dataclass(frozen=True)
class Question:
    id: str
    kind: Literal["yes_no", "choice", "multi", "duration", "number"]
    text: str
    short_text: str
    findings: tuple[str, ...]
    choices: tuple[ChoiceDef, ...]
    phase: Phase
    help: str
    why: str
    order: int = 0  # for screening and basics: the fixed order


@dataclass(frozen=True)
class Cause:
    id: str
    name: str
    explanation: str
    next_steps: str
    prevalence: str  # a word from the prevalence scale ("common", "rare"…)
    prior: float
    source: str
    likelihoods: dict[str, float]  # finding or band id -> P(yes | this cause)


@dataclass(frozen=True)
class Condition:
    """A clause of an urgency rule; see docs/authoring.md for the words it may use."""

    op: str
    args: Any


@dataclass(frozen=True)
class UrgencyRule:
    id: str
    level: str
    when: Condition
    because: str  # plain words: why this level
    source: str


@dataclass(frozen=True)
class LevelDef:
    id: str
    label: str  # banner words
    advice: str


@dataclass(frozen=True)
class AnswerPhrases:
    """Ways of saying yes, no, don't know, none, and the commands. Keyed by intent name."""

    by_intent: dict[str, tuple[str, ...]]
    screens: dict[str, tuple[str, ...]] = field(default_factory=dict)  # welcome "start", result "finish"…

    def phrases(self, intent: str) -> tuple[str, ...]:
        return self.by_intent.get(intent, ())


@dataclass(frozen=True)
class Prompts:
    """Fixed sentences the kiosk says: reprompts, disclaimer, intro."""

    texts: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.texts[key]

    def reprompt_text(self, question: Any, reason: str, attempt: int) -> str:
        """First failure: say what answers fit. Second and later: shorter, and point at the keys."""
        kind = question.kind
        if reason == "out_of_range":
            return f"{self.texts['out_of_range']} {question.short_text or question.text}"
        if attempt >= KEYS_AFTER_FAILED_TRIES:
            return f"{self.texts['reprompt_keys']} {question.short_text or question.text}"
        hint = self.texts.get(f"hint_{kind}", "")
        lead = self.texts[{"noinput": "noinput", "known": "already_known"}.get(reason, "no_match")]
        return f"{lead} {question.text} {hint}".strip()


def keys_help(help_text: str, keys_words: str) -> str:
    """Help for a kiosk that cannot hear: the explanation without "Say ..." lines, then the keys."""
    kept = [s for s in help_text.replace("? ", "?\n").replace(". ", ".\n").splitlines()
            if s.strip() and not s.lower().lstrip().startswith(("say ", "please say "))]
    return " ".join(kept + [keys_words])


@dataclass(frozen=True)
class InterviewSettings:
    """questions.yaml `interview:`; no defaults here: the shipped YAML is the one home of each value."""

    max_questions: int  # hard cap on questions asked (follow-ups included)
    stop_when_top_cause_at_least: float
    min_information_gain: float  # bits; a question worth less than this is not asked
    max_causes_shown: int
    min_cause_score_shown: float
    # An answer heard with less confidence than this (a speech recognizer's 0..1) is read back
    # and confirmed in one short turn ("You said 67. Is that right?") before it counts.
    confirm_below_confidence: float


@dataclass(frozen=True)
class ClauseWords:
    """vocabulary.yaml `clauses:`: how an answer is cut into clauses and which words deny what
    they name, as the answer is read (lower case, no apostrophes: "don't" is "dont")."""

    deny: frozenset[str]
    deny_phrases: tuple[str, ...]
    complaint_negatives: frozenset[str]  # the deny words too
    breaks: frozenset[str]
    joins: frozenset[str]
    subjects: frozenset[str]
    pronouns: frozenset[str]
    openers: frozenset[str]
    fillers: frozenset[str]
    fine: frozenset[str]
    links: frozenset[str]
    still_not: frozenset[str]


CLAUSE_LISTS = tuple(ClauseWords.__dataclass_fields__)  # every one required in vocabulary.yaml


@dataclass(frozen=True)
class KnowledgeBase:
    findings: dict[str, Finding]
    questions: dict[str, Question]
    causes: dict[str, Cause]
    rules: tuple[UrgencyRule, ...]
    levels: dict[str, LevelDef]
    sources: dict[str, Source]
    answers: AnswerPhrases
    prompts: Prompts
    settings: InterviewSettings
    clauses: ClauseWords
    vocabulary: Vocabulary = field(default_factory=Vocabulary)  # lists and rules the templates share

    def band(self, band_id: str) -> tuple[Finding, Band] | None:
        for finding in self.findings.values():
            for band in finding.bands:
                if band.id == band_id:
                    return finding, band
        return None

    def red_flags(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.findings.values() if f.red_flag)
