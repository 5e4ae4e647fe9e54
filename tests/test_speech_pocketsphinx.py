"""PocketSphinx, end to end: espeak-ng speech (several voices, speeds, noise) -> Listener ->
recognizer -> understand() on the real knowledge base's questions."""

from __future__ import annotations

import pytest

from kiosk.engine.understanding import Grammar, grammar_for, understand
from kiosk.speech.listener import Listener
from kiosk.speech.recognizers.common import Sentences
from tests.support.speech_audio import ClipMicrophone, make_clip


def hear(kb, sphinx, clips, question_id, text, voice, speed=150, noise=None, snr_db=20.0, seed=0):
    question = kb.questions[question_id]
    clip = make_clip(clips, text, voice, speed, noise, snr_db, seed)
    heard = Listener(sphinx).listen(ClipMicrophone(clip.path), grammar_for(kb, question))
    return heard, understand(kb, question, heard.transcript), clip


IN_SCOPE = [
    # question, said, voice, speed, noise, expected intent, expected value
    ("numbness", "yes", "en-us", 150, None, "yes", True),
    ("numbness", "yes", "en-gb", 130, "white", "yes", True),
    ("numbness", "no", "en-us+f3", 150, None, "no", False),
    ("tremor", "not really", "en-gb", 150, "white", "no", False),
    ("numbness", "i don't know", "en+m3", 150, None, "unknown", None),
    ("age", "sixty seven", "en-us", 150, None, "number", 67),
    ("age", "sixty seven", "en-gb", 170, "white", "number", 67),
    ("age", "forty two", "en-us+f3", 150, None, "number", 42),
    ("duration", "about two weeks", "en-us", 150, None, "duration", 14),
    ("duration", "about two weeks", "en+m3", 140, "white", "duration", 14),
    ("duration", "three months", "en-gb", 150, None, "duration", 90),
    ("nerve_signs", "numbness and tingling", "en-us", 150, None, "choices", ["numbness", "tingling"]),
    ("nerve_signs", "numbness and tingling", "en-us+f3", 150, "white", "choices", ["numbness", "tingling"]),
    ("nerve_signs", "weakness", "en-gb", 150, None, "choices", ["weakness"]),
    ("numbness", "go back", "en-us", 150, None, "back", None),
    # Known regression: the age grammar grew from ~480 to ~1,240 phrases with the own-words
    # templates, and this higher-pitched robotic voice's "go back" is now rejected (Whisper, the
    # default engine, hears it). It passed only after a flite clip had shifted the decoders'
    # cepstral mean; since the sphinx fixture resets them it fails in every order, so strict.
    # Measured (session 7): PocketSphinx scores each frame against the best of all open paths, so
    # the words score worse among many phrases: margin -6.2 at age, +5.4 with only the commands'
    # grammar (threshold -3.5). Hearing a rejected command again with that grammar fixed it but
    # let out-of-scope speech in as repeat/help (bench --quick: +6 answers, +9 false accepts of 360).
    pytest.param("age", "go back", "en-us+f3", 150, None, "back", None, marks=pytest.mark.xfail(
        strict=True, reason="PocketSphinx fallback: larger age grammar rejects this voice's 'go back'")),
    ("numbness", "repeat", "en-us", 150, None, "repeat", None),
    ("nerve_signs", "repeat", "en+m3", 150, None, "repeat", None),
]


@pytest.mark.parametrize("question_id, said, voice, speed, noise, intent, value", IN_SCOPE)
def test_spoken_answers_become_the_right_intent(kb, sphinx, clips, question_id, said, voice, speed, noise,
                                               intent, value):
    heard, understood, clip = hear(kb, sphinx, clips, question_id, said, voice, speed, noise)
    assert (understood.name, understood.value) == (intent, value), heard
    assert not heard.noinput
    assert 0.0 < heard.confidence <= 1.0
    # The intent is ready soon after the words stop (the file goes on with 1 s of quiet).
    assert clip.speech_end_s < heard.endpoint_s < clip.speech_end_s + 0.6


OUT_OF_SCOPE = [
    ("numbness", "what's the weather like", "en-us"),
    ("numbness", "I parked my car outside", "en-gb"),
    ("nerve_signs", "my daughter is parking the car", "en-us+f3"),
    ("age", "can I have some water please", "en+m3"),
    ("duration", "the bus was late today", "en-us"),
    ("nerve_signs", "hello, is anybody there", "en-gb"),
]


@pytest.mark.parametrize("question_id, said, voice", OUT_OF_SCOPE)
def test_out_of_scope_speech_is_no_match_not_the_nearest_answer(kb, sphinx, clips, question_id, said, voice):
    heard, understood, _ = hear(kb, sphinx, clips, question_id, said, voice)
    assert understood.name == "no_match", (heard, sphinx.last)
    assert heard.transcript == ""


# Voices the kiosk never speaks with, from another synthesizer: flite's slt, awb and rms voices
# are built from recordings of real speakers (CMU ARCTIC), so they sound more like patients
# than espeak-ng does. Quiet room; how they fare in noise is measured by scripts/bench_speech.py.
HELD_OUT_VOICES = [
    ("numbness", "no", "flite:slt", "no", False),
    ("tremor", "not really", "flite:awb", "no", False),
    ("fever", "i don't know", "flite:rms", "unknown", None),
    ("age", "eighty one", "flite:slt", "number", 81),
    ("duration", "three months", "flite:awb", "duration", 90),
    ("nerve_signs", "numbness and tingling", "flite:rms", "choices", ["numbness", "tingling"]),
    ("numbness", "go back", "flite:slt", "back", None),
]


@pytest.mark.parametrize("question_id, said, voice, intent, value", HELD_OUT_VOICES)
def test_voices_from_another_synthesizer_are_understood(kb, sphinx, clips, question_id, said, voice, intent, value):
    heard, understood, clip = hear(kb, sphinx, clips, question_id, said, voice)
    assert (understood.name, understood.value) == (intent, value), (heard, sphinx.last)
    # (flite ends some words in a faint breath that counts as "words" in the clip, so the
    # endpoint may come before that; it must not come late.)
    assert heard.endpoint_s < clip.speech_end_s + 0.6


@pytest.mark.parametrize("voice", ["flite:awb", "flite:rms"])
def test_out_of_scope_speech_in_another_synthesizer_voice_is_no_match(kb, sphinx, clips, voice):
    heard, understood, _ = hear(kb, sphinx, clips, "numbness", "the bus was late today", voice)
    assert understood.name == "no_match", (heard, sphinx.last)


IN_BABBLE = [
    # question, said, voice, noise seed, expected intent, expected value (bench clips that only the
    # margin over the words themselves accepts: the room's babble around them is not held against them)
    ("numbness", "yes", "en-us", 0, "yes", True),
    ("age", "sixty seven", "en-gb", 1, "number", 67),
    ("tremor", "not really", "en-us+f3", 2, "no", False),
]


@pytest.mark.parametrize("question_id, said, voice, seed, intent, value", IN_BABBLE)
def test_answers_in_babble_are_judged_by_their_words_not_the_room_around_them(kb, sphinx, clips, question_id,
                                                                             said, voice, seed, intent, value):
    heard, understood, _ = hear(kb, sphinx, clips, question_id, said, voice, noise="babble", snr_db=10.0, seed=seed)
    assert (understood.name, understood.value) == (intent, value), (heard, sphinx.last)


def test_speech_the_answer_leaves_out_is_no_match(kb, sphinx, gate_sphinx, clips):
    """"what's the weather like" in babble fits "what does that mean" well, word for word, but
    the phone loop hears speech the grammar's words leave out."""
    gated = gate_sphinx  # (through DeepFilterNet the margin rejects it too)
    for recognizer in (sphinx, gated):
        heard, understood, _ = hear(kb, recognizer, clips, "numbness", "what's the weather like", "en-us+f3",
                                    noise="babble", snr_db=10.0, seed=2)
        assert heard.transcript == "" and understood.name == "no_match", recognizer.last
    assert gated.last.margin > gated.reject_margin and gated.last.left_out_s > 0.25


def test_words_missing_from_the_dictionary_are_reported_and_left_out(sphinx):
    grammar = Grammar("q", ("yes", "glorptang feeling", "zorblax"), ("zorblax",), frozenset())
    assert sphinx.missing_words(grammar) == {"glorptang", "zorblax"}
    sentences = Sentences.build(grammar, lambda w: sphinx.missing_words(Grammar("q", (w,), (), frozenset())) == set())
    assert sentences.phrases == (("yes",),)


def test_every_real_question_compiles_to_a_grammar(kb, sphinx):
    for question in kb.questions.values():
        sphinx.start(grammar_for(kb, question))
        sphinx.finish()


def test_a_wiped_session_is_heard_as_by_a_fresh_recognizer(kb, gate_sphinx, clips):
    """PocketSphinx adapts its cepstral mean to every utterance: after one patient's answer the
    next patient's was scored differently (and a test's result depended on the tests before it).
    Listener.forget(), run when a session is wiped, resets it."""
    grammar = grammar_for(kb, kb.questions["age"])
    listener = Listener(gate_sphinx)

    def margin_of(text: str, voice: str) -> float:
        listener.listen(ClipMicrophone(make_clip(clips, text, voice).path), grammar)
        assert gate_sphinx.last is not None
        return gate_sphinx.last.margin

    fresh = margin_of("go back", "en-us+f3")
    margin_of("eighty one", "flite:slt")  # the last patient
    carried = margin_of("go back", "en-us+f3")
    margin_of("eighty one", "flite:slt")
    listener.forget()  # the session is wiped
    assert margin_of("go back", "en-us+f3") == fresh != carried
