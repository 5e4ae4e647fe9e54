"""Answers in many people's words (tests/corpus/*.yaml): precision and recall per finding.

Run with -s to see the per-finding table. The held-out file was written after tuning stopped and
is never tuned on: its figures are reported, with looser floors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.corpus import load, score

CORPUS = Path(__file__).parent / "corpus"


# Floors: the tuned corpus at 0.95; the held-out one below its first measured figures
# (precision 0.933, recall 0.840 on 2026-12-01), so a change that makes it worse fails.
@pytest.mark.parametrize(("name", "floor_p", "floor_r"), [("understanding_corpus.yaml", 0.95, 0.95),
                                                         ("heldout_corpus.yaml", 0.90, 0.80)])
def test_corpus_precision_recall(kb, name, floor_p, floor_r):
    result = score(kb, load(CORPUS / name))
    print(f"\n{name}\n{result.report()}")
    precision, recall = result.micro()
    assert not result.denial_as_yes, f"denials read as yes: {result.denial_as_yes}"
    assert not result.complaint_as_no, f"complaints read as no: {result.complaint_as_no}"
    assert precision >= floor_p and recall >= floor_r, result.report()


def test_every_red_flag_in_the_corpus_is_caught(kb):
    """A red flag meant yes is never missed in the tuned corpus (recall 1.0 per red flag)."""
    result = score(kb, load(CORPUS / "understanding_corpus.yaml"))
    for fid in kb.red_flags():
        assert result.recall(fid) == 1.0, f"{fid}: {result.report()}"
