"""What the interview says to the outside world: small, typed, serialisable events.

Every front end (the Textual UI, the JSON-lines mode, the speech loop, the tests) drives a
:class:`kiosk.engine.session.Session` and receives lists of these events back. ``to_dict``
gives exactly the JSON documented in ``docs/jsonl-protocol.md``; the extra attributes
(options, help text…) are for front ends that show buttons or speak explanations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union, get_args

from .handoff import ClinicianSummary

IntentName = Literal[
    "yes", "no", "unknown", "number", "duration", "choices", "none",
    "repeat", "back", "help", "why", "restart", "no_match",
]
COMMAND_INTENTS: frozenset[str] = frozenset({"repeat", "back", "help", "why", "restart"})
QuestionKind = Literal["yes_no", "choice", "multi", "duration", "number"]
# The urgency levels, least to most urgent: the one list (the knowledge base, its validator, the
# result screen's looks and the tests all take it from here; urgency.yaml gives each its words).
UrgencyLevel = Literal["self_care", "routine", "soon", "urgent", "emergency"]
URGENCY_LEVELS: tuple[UrgencyLevel, ...] = get_args(UrgencyLevel)


@dataclass(frozen=True)
class Intent:
    """What an answer means for the question it answers.

    value: True/False for yes/no, years for number, days for duration, a list of choice ids
    for choices, [] for none, None otherwise.
    """

    name: IntentName
    value: Any = None
    confidence: float = 1.0
    # A list answer that also denied or was unsure of some choices ("tingling but no numbness",
    # "not sure about weakness"): choice ids, so each is recorded as said.
    denied: tuple[str, ...] = ()
    unsure: tuple[str, ...] = ()


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class AnswerOption:
    """One big numbered button: pressing key ``number`` means ``intent``."""

    number: int
    label: str
    intent: Intent


@dataclass(frozen=True)
class Progress:
    asked: int  # questions asked so far, this one included
    estimate: int  # the engine's current guess of the total (never below ``asked``)


@dataclass(frozen=True)
class QuestionEvent:
    id: str
    kind: QuestionKind
    text: str
    findings: tuple[str, ...]
    choices: tuple[Choice, ...]
    progress: Progress
    options: tuple[AnswerOption, ...] = ()  # the numbered buttons for keys and touch
    help: str = ""  # plain-language explanation, said for the "help" command
    why: str = ""  # why this question is asked, said for the "why" command
    short_text: str = ""  # a shorter, clearer wording for the second reprompt
    type: Literal["question"] = "question"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "findings": list(self.findings),
            "choices": [{"id": c.id, "label": c.label} for c in self.choices],
            "progress": {"asked": self.progress.asked, "estimate": self.progress.estimate},
            "options": [{"number": o.number, "label": o.label} for o in self.options],
        }


@dataclass(frozen=True)
class AnswerEvent:
    question: str
    text: str
    intent: IntentName
    value: Any = None
    confidence: float = 1.0
    # Plain words for what a partly understood answer did say ("You said you have no numbness."),
    # shown and said before the questions about the rest. Empty when the answer was whole.
    understood: str = ""
    type: Literal["answer"] = "answer"

    def to_dict(self) -> dict[str, Any]:
        out = {
            "type": self.type,
            "question": self.question,
            "text": self.text,
            "intent": self.intent,
            "value": self.value,
        }
        if self.understood:
            out["understood"] = self.understood
        return out


@dataclass(frozen=True)
class RepromptEvent:
    """Said when an answer was not understood (or help/why was asked) before asking again.

    reason: "no_match", "noinput", "out_of_range", "known" (said again only what is held), "help",
    "why", "confirm" or "restart" ("do you
    want to start again?": a yes or a second "start over" starts over).
    attempt counts the failed tries at this question; ``offer_keys`` is set once voice has
    failed twice, so the front end points at the on-screen keys.
    """

    question: str
    reason: str
    text: str
    attempt: int = 0
    offer_keys: bool = False
    findings: tuple[str, ...] = ()  # reason "confirm": the findings the patient is asked to confirm
    options: tuple[AnswerOption, ...] = ()  # reason "confirm": its Yes / No buttons; else the question's
    type: Literal["reprompt"] = "reprompt"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "question": self.question, "reason": self.reason, "text": self.text}
        if self.findings:
            out["findings"] = list(self.findings)
        if self.options:
            out["options"] = [{"number": o.number, "label": o.label} for o in self.options]
        return out


EmergencyKind = Literal["red_flag", "staff_check"]


@dataclass(frozen=True)
class EmergencyEvent:
    """The interview stopped and staff must come now.

    kind "red_flag": the patient said yes to a warning sign. kind "staff_check": a warning sign
    was left open (not sure, not understood, not heard, or the patient went away after a yes);
    nothing rules it out, so it is handled like an emergency: "staff, please check on this patient".
    """

    level: Literal["emergency"]
    reason: str
    advice: str
    findings: tuple[str, ...] = ()  # the red flags said yes to, or left open
    kind: EmergencyKind = "red_flag"
    type: Literal["emergency"] = "emergency"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "kind": self.kind, "level": self.level, "reason": self.reason,
                "advice": self.advice}


@dataclass(frozen=True)
class Urgency:
    level: UrgencyLevel
    advice: str
    label: str = ""  # short words for the banner, e.g. "Tell the front desk now"
    reasons: tuple[str, ...] = ()  # which rules set the level (for staff and tests)
    because: str = ""  # plain words: why this level (the rules' `because`), shown and said


@dataclass(frozen=True)
class CauseScore:
    id: str
    name: str
    score: float
    why: tuple[str, ...]
    against: tuple[str, ...]
    explanation: str = ""
    next_steps: str = ""


@dataclass(frozen=True)
class ResultEvent:
    urgency: Urgency
    causes: tuple[CauseScore, ...]
    disclaimer: str
    # Said and shown before the causes when no answer points to the most likely one, so a
    # first cause with only "does not fit" reasons does not read like a finding.
    note: str = ""
    # For the clinician: findings, causes, urgency and time (QR code, print-out, JSONL).
    summary: ClinicianSummary | None = None
    type: Literal["result"] = "result"

    def clinician_summary(self) -> str:
        """The summary for the clinician as text, one fact a line ("" when none was made)."""
        return self.summary.text() if self.summary is not None else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "urgency": {"level": self.urgency.level, "advice": self.urgency.advice,
                        "because": self.urgency.because},
            "causes": [
                {"id": c.id, "name": c.name, "score": c.score, "why": list(c.why), "against": list(c.against)}
                for c in self.causes
            ],
            "note": self.note,
            "disclaimer": self.disclaimer,
            "clinician_summary": self.clinician_summary(),
        }


@dataclass(frozen=True)
class AbortedEvent:
    type: Literal["aborted"] = "aborted"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type}


Event = Union[QuestionEvent, AnswerEvent, RepromptEvent, EmergencyEvent, ResultEvent, AbortedEvent]

