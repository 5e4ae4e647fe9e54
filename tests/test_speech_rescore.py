"""Rescoring by sound (kiosk/speech/rescore.py): Whisper's reading that sounds like one of the
question's phrases but means something else is taken as that phrase; anything else, answers in
the patient's own words and out-of-scope speech above all, reaches the understanding as written.
Real Whisper on real synthesized audio, the real CMU dictionary and the real intents/."""

from __future__ import annotations

import pytest

from kiosk.engine import Session
from kiosk.engine.understanding import grammar_for, phrase_grammar, understand
from kiosk.speech import pronounce
from kiosk.speech.listener import Listener
from kiosk.speech.protocols import Transcript
from kiosk.speech.rescore import SoundRescorer
from tests.support.speech_audio import ClipMicrophone, make_clip

# With `--dist loadgroup` (pyproject addopts): on the worker that has Whisper loaded for test_speech_whisper
pytestmark = pytest.mark.xdist_group("whisper")

HEART = "hibari:heart/1/1.0/1.0"


def rescored(kb, question_id: str, text: str) -> Transcript:
    return SoundRescorer().rescore(grammar_for(kb, kb.questions[question_id]), kb, Transcript(text, 0.8))


def test_words_are_compared_by_how_they_sound():
    assert pronounce.sounds("A D1.") == pronounce.sounds("a d one")  # digits read out
    assert pronounce.sounds("81") == pronounce.sounds("eighty one")
    assert pronounce.number_words(67) == "sixty seven" and pronounce.number_words(100) == "one hundred"
    assert pronounce.sounds("eighted") == pronounce.sounds("eight") + pronounce.sounds("ed")  # not a word
    assert pronounce.sounds("bad") == pronounce.sounds("pat")  # voicing is not told apart
    assert pronounce.sounds("eighty one") != pronounce.sounds("sixty one")


@pytest.mark.parametrize("question, heard, phrase, intent, value", [
    # Whisper tiny's readings on the bench's robotic and noisy clips (docs/speech.md)
    ("age", "A D one.", "eighty one", "number", 81),
    ("age", "Maybe one.", "i'm eighty one", "number", 81),
    ("age", "Eighted one.", "eighty one", "number", 81),
    ("joint_signs", "Joy pain.", "joint pain", "choices", ["joint_pain"]),
    ("nerve_signs", "Numbness. Tiggling.", "numbness and tingling", "choices", ["numbness", "tingling"]),
])
def test_a_reading_that_sounds_like_a_phrase_but_says_something_else_is_the_phrase(kb, question, heard, phrase,
                                                                                 intent, value):
    before = understand(kb, kb.questions[question], heard)
    assert (before.name, before.value) != (intent, value)  # what Whisper's words alone would give
    out = rescored(kb, question, heard)
    assert out.text == phrase and out.alternatives[0] == heard and out.confidence < 0.8
    understood = understand(kb, kb.questions[question], out.text)
    assert (understood.name, understood.value) == (intent, value)


@pytest.mark.parametrize("question, heard", [
    ("diuretic", "Yes, I take a water pill."),  # own words: understood as written
    ("age", "I'm sixty two."), ("red_flags_now", "My chest hurts."),
    ("tremor", "My phone is ringing."), ("numbness", "What is the weather like today?"),  # out of scope
    ("fever", "No, I don't know."),  # "no i don't" sounds as near, but "i don't know" is as near too
    ("tremor", "That's really."),  # "that's wrong" (back) and "that's right" (yes): never a command, too far
    ("numbness", "Go back."),  # a command is left alone
    # Heard right by Whisper, once "since last night" (a day): months were missing from the grammar
    ("duration", "Since last winter."), ("duration", "Since March."),
])
def test_other_readings_reach_the_understanding_as_whisper_wrote_them(kb, question, heard):
    assert rescored(kb, question, heard) == Transcript(heard, 0.8)


@pytest.mark.parametrize("question, heard", [
    ("chest_pain", "No chest pain."), ("tingling", "No tingling."), ("smoker", "I don't smoke."),
    ("breathing_difficulty", "My breathing is fine."), ("cold_hands", "My hands aren't cold."),
    ("fluids_and_heat", "No heavy sweating."),
])
def test_a_denial_is_never_turned_into_its_opposite_but_is_read_back(kb, question, heard):
    """The grammar holds the complaints, not their denials: these were rescored to "a chest
    pain", "tingling", "i don't know", "my breathing funny", "my hand very cold" and "heavy
    sweating", read back as their opposite ("You said you have chest pain. Is that right?")."""
    out = rescored(kb, question, heard)
    assert out.text == heard and understand(kb, kb.questions[question], out.text).name in ("no", "choices")
    assert out.confidence < kb.settings.confirm_below_confidence, "a sound-alike of the opposite: read back"


def test_a_denial_guessed_by_sound_is_read_back_before_it_counts(kb):
    """ "I don't know" written "I know." sounds like the phrase "no": at the red-flag question a
    guess by sound is asked about, never counted as "none of these" without a word."""
    grammar = grammar_for(kb, kb.questions["red_flags_now"])
    out = SoundRescorer().rescore(grammar, kb, Transcript("I know.", 0.95))  # Whisper is sure of its words
    assert out.text == "no" and out.confidence < kb.settings.confirm_below_confidence
    session = Session(kb)
    assert session.start()[-1].id == "red_flags_now"
    events = session.answer(out.text, confidence=out.confidence)
    assert events[-1].reason == "confirm" and session.current.id == "red_flags_now"


def test_a_screens_own_grammar_is_not_rescored(kb):
    grammar = phrase_grammar("welcome", ("start", "begin"))
    assert SoundRescorer().rescore(grammar, kb, Transcript("Stat.", 0.8)).text == "Stat."


@pytest.mark.parametrize("question, said, voice, noise, snr_db, intent, value", [
    ("age", "eighty one", "en-us", None, 0.0, "number", 81),  # Whisper writes "A D one."
    ("joint_signs", "joint pain", HEART, "babble", 10.0, "choices", ["joint_pain"]),  # "Joy pain."
])
def test_whisper_on_real_audio_is_rescored_by_sound(whisper, kb, clips, question, said, voice, noise, snr_db,
                                                    intent, value):
    clip = make_clip(clips, said, voice, 150, noise, snr_db, 0)
    heard = Listener(whisper).listen(ClipMicrophone(clip.path), grammar_for(kb, kb.questions[question]))
    understood = understand(kb, kb.questions[question], heard.transcript)
    assert (understood.name, understood.value) == (intent, value), (heard, whisper.last)


def test_the_runner_up_counts_only_when_the_best_reading_means_nothing_and_it_sounds_like_a_phrase(kb):
    rescorer = SoundRescorer()
    tremor = grammar_for(kb, kb.questions["tremor"])
    out = rescorer.rescore(tremor, kb, Transcript("That's really...", 0.8, ("That really.",)))
    assert out.text == "not really" and out.alternatives == ("That's really...", "That really.")
    # a runner-up that is understood as it stands is not taken: it let in out-of-scope speech
    fatigue = grammar_for(kb, kb.questions["fatigue"])
    kept = Transcript("It's monopter running late.", 0.8, ("It's not running late.",))
    assert rescorer.rescore(fatigue, kb, kept) == kept
    # nor when the best reading means something
    understood = Transcript("No.", 0.8, ("That really.",))
    assert rescorer.rescore(tremor, kb, understood) == understood
