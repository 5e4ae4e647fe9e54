"""Every utterance -> intent case in intents/tests/*.yaml, against the real phrase lists."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from tests.support.yamldata import read_data

from kiosk.engine.loader import load_knowledge_base
from kiosk.engine.templates import days_since
from kiosk.engine.understanding import grammar_for, normalize, understand
from kiosk.paths import intents_dir


def _cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted((intents_dir() / "tests").glob("*.yaml")):
        for block in read_data(path):
            for case in block["cases"]:
                out.append((block["question"], case))
    return out


CASES = _cases()


def test_there_are_cases_for_every_kind_of_question(kb):
    kinds = {kb.questions[qid].kind for qid, _ in CASES}
    assert kinds == {"yes_no", "number", "duration", "multi"}
    assert len(CASES) > 80


@pytest.mark.parametrize(("question", "case"), CASES, ids=[f"{q}:{c['say']!r}" for q, c in CASES])
def test_utterance_means_intent(kb, question, case):
    intent = understand(kb, kb.questions[question], case["say"])
    assert intent.name == case["intent"], f"{case['say']!r} -> {intent}"
    if "value" in case:
        value = intent.value
        if isinstance(case["value"], list):
            assert sorted(value) == sorted(case["value"])
        else:
            assert value == case["value"]


def test_normalize_ignores_case_apostrophes_and_punctuation():
    assert normalize("  Don't KNOW... ") == "dont know"
    assert normalize("sixty-seven!") == "sixty seven"
    assert normalize("2.5 weeks") == "2.5 weeks"


def test_grammar_holds_what_the_question_accepts(kb):
    yes_no = grammar_for(kb, kb.questions["numbness"])
    assert {"yes", "no", "i don't know", "go back", "repeat"} <= set(yes_no.phrases)
    assert "numbness" in yes_no.phrases and "pins and needles" not in yes_no.phrases  # its own words only
    age = grammar_for(kb, kb.questions["age"])
    assert "sixty seven" in age.phrases and "i'm forty two" in age.phrases
    duration = grammar_for(kb, kb.questions["duration"])
    assert "about two weeks" in duration.phrases and "since yesterday" in duration.phrases
    multi = grammar_for(kb, kb.questions["nerve_signs"])
    assert {"numbness", "tingling", "pins and needles", "none of those"} <= set(multi.phrases)
    assert "numbness" in multi.items
    assert all(word == word.lower() for word in multi.words)


def test_every_grammar_phrase_is_understood_as_it_is_written(kb):
    """A phrase a recognizer may return must never come back as no_match."""
    for question in kb.questions.values():
        for phrase in grammar_for(kb, question).phrases:
            intent = understand(kb, question, phrase)
            assert intent.name != "no_match", f"{question.id}: {phrase!r}"


def test_days_since_a_day_of_the_year_count_back_to_when_it_last_came():
    assert days_since("12-25", date(2026, 12, 1)) == 341
    assert days_since("12-25", date(2026, 12, 26)) == 1
    assert days_since("12-25", date(2026, 12, 25)) == 365  # on Christmas Day: last year's
    assert days_since("03-01", date(2028, 3, 2)) == 1


def test_since_christmas_or_a_month_is_the_days_since_then(kb):
    """It was a fixed 60 days, wrong for most of the year (on 1 December, 341): the band it
    falls in (weeks or months) changes the causes and the urgency."""
    today = date.today()
    for said, month_day in (("since Christmas", "12-25"), ("since March", "03-01"), ("it started in the summer", "07-01"),
                            ("since last winter", "01-15")):
        intent = understand(kb, kb.questions["duration"], said)
        assert (intent.name, intent.value) == ("duration", days_since(month_day, today)), said


def test_the_clause_words_are_the_yaml_s_and_staff_can_add_one(kb, tmp_path):
    """Which words deny and which say "fine" are vocabulary.yaml's `clauses:` (not Python): a
    clinic that adds "dandy" to `fine` has "my eyesight is dandy" read as no blurry sight."""
    question = kb.questions["eye_signs"]
    assert understand(kb, question, "my eyesight is dandy").value == ["vision_problems"]
    assert "dont" in kb.clauses.deny and "cant" in kb.clauses.complaint_negatives  # as read: no apostrophes
    folder = tmp_path / "intents"
    shutil.copytree(intents_dir(), folder)
    vocabulary = folder / "vocabulary.yaml"
    text = vocabulary.read_text(encoding="utf-8")
    vocabulary.write_text(text.replace('  fine: ["fine",', '  fine: ["dandy", "fine",', 1), encoding="utf-8")
    edited = load_knowledge_base(folder)
    assert understand(edited, edited.questions["eye_signs"], "my eyesight is dandy").denied == ("vision_problems",)
