"""Words the kiosk listens for outside the questions (answers.yaml `screens:`)."""

from __future__ import annotations

from kiosk.engine.understanding import phrase_grammar, says_any
from kiosk.speech.select import missing_words_report


def test_screen_phrases_are_matched_as_whole_words(kb):
    screens = kb.answers.screens
    assert says_any("okay, let's start", screens["start"])
    assert says_any("I'm finished, thank you", screens["finish"])
    assert says_any("can you say it again", screens["again"])
    assert not says_any("startled", screens["start"])  # whole words only
    assert not says_any("what's the weather like", screens["finish"])


def test_pocketsphinx_can_hear_every_screen_word(kb, sphinx):
    grammars = [phrase_grammar(name, phrases) for name, phrases in kb.answers.screens.items()]
    assert missing_words_report(sphinx, grammars) == ""
