"""The noise front end: the room, heard before the patient speaks, gated out of the answer
(kiosk/speech/denoise.py), through the real Listener and PocketSphinx."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.engine.understanding import grammar_for, understand
from kiosk.speech.denoise import RoomNoise, suppress
from kiosk.speech.listener import Listener
from kiosk.speech.protocols import SAMPLE_RATE
from kiosk.speech.recognizers.pocketsphinx_recognizer import PocketSphinxRecognizer
from tests.support.speech_audio import LEAD_S, ClipMicrophone, make_clip, mix, pcm, speech


@pytest.fixture
def sphinx(gate_sphinx: PocketSphinxRecognizer) -> PocketSphinxRecognizer:
    return gate_sphinx  # the gate itself (DeepFilterNet's fallback)


def power_db(data: bytes) -> float:
    return 10 * float(np.log10(np.mean(np.frombuffer(data, dtype="<i2").astype(np.float64) ** 2) + 1e-9))


def test_steady_noise_is_gated_out_and_the_words_are_kept():
    words = speech("about two weeks", "en-gb")
    audio = mix(words, "pink", 5.0, np.random.default_rng(4))
    lead = int(LEAD_S * SAMPLE_RATE)
    room = RoomNoise.of(pcm(audio[: lead - SAMPLE_RATE // 10]))
    assert room is not None
    answer = audio[lead - SAMPLE_RATE // 10 :]
    cleaned = suppress(pcm(answer), room)
    assert cleaned is not None and len(cleaned) == len(pcm(answer))
    out = np.frombuffer(cleaned, dtype="<i2").astype(np.float64) / 32767
    tail = slice(-SAMPLE_RATE // 2, None)  # the last half second: room only
    assert power_db(pcm(out[tail])) < power_db(pcm(answer[tail])) - 15
    spoken = slice(SAMPLE_RATE // 10, SAMPLE_RATE // 10 + len(words))
    # What is left of the words is nearer the words alone than the noisy input was (measured 0.73).
    assert np.mean((out[spoken] - words) ** 2) < 0.85 * np.mean((answer[spoken] - words) ** 2)


def test_a_quiet_room_leaves_the_answer_as_it_is_and_too_little_room_is_no_estimate():
    audio = mix(speech("yes", "en-us"), None, 0.0, np.random.default_rng(5))
    lead = int(LEAD_S * SAMPLE_RATE)
    room = RoomNoise.of(pcm(audio[:lead]))
    assert room is not None and suppress(pcm(audio[lead:]), room) is None
    assert RoomNoise.of(pcm(audio[: SAMPLE_RATE // 10])) is None


# Clips of the benchmark (same voice, noise and seed, so the same audio). Without the front
# end PocketSphinx heard "help me", "i am one", "fifty seven" and "why ask that" in them.
IN_NOISE = [
    # question, said, voice, seed, noise, snr, expected intent, expected value
    ("tremor", "not really", "en-us+f3", 2, "pink", 5.0, "no", False),
    ("age", "eighty one", "en-us+f3", 2, "pink", 5.0, "number", 81),
    ("age", "sixty seven", "en+m3", 3, "pink", 5.0, "number", 67),
    ("numbness", "yes", "en+m3", 3, "babble", 10.0, "yes", True),
]


@pytest.mark.parametrize("question_id, said, voice, seed, noise, snr_db, intent, value", IN_NOISE)
def test_answers_in_loud_noise_are_understood(kb, sphinx, clips, question_id, said, voice, seed, noise,
                                              snr_db, intent, value):
    question = kb.questions[question_id]
    clip = make_clip(clips, said, voice, 150, noise, snr_db, seed)
    listener = Listener(sphinx)
    heard = listener.listen(ClipMicrophone(clip.path), grammar_for(kb, question))
    understood = understand(kb, question, heard.transcript)
    assert (understood.name, understood.value) == (intent, value), sphinx.last
    assert sphinx.last.cleaned
    # The listener handed over the room as heard before the words (the clip has 0.5 s of it).
    assert 0.3 < len(listener.room) / (2 * SAMPLE_RATE) <= LEAD_S
    listener.forget()  # a wiped session leaves no audio behind in memory either
    assert listener.room == b""


OUT_OF_SCOPE_IN_NOISE = [
    ("age", "can I have some water please", "en+m3", 3, "pink", 5.0),
    ("nerve_signs", "where is the toilet", "en+m3", 3, "pink", 5.0),
    ("nerve_signs", "where is the toilet", "en-us+f3", 2, "babble", 10.0),
    ("age", "can I have some water please", "en-gb", 1, "white", 20.0),
]


@pytest.mark.parametrize("question_id, said, voice, seed, noise, snr_db", OUT_OF_SCOPE_IN_NOISE)
def test_out_of_scope_speech_in_noise_is_still_no_match(kb, sphinx, clips, question_id, said, voice, seed,
                                                        noise, snr_db):
    question = kb.questions[question_id]
    clip = make_clip(clips, said, voice, 150, noise, snr_db, seed)
    heard = Listener(sphinx).listen(ClipMicrophone(clip.path), grammar_for(kb, question))
    assert heard.transcript == "", sphinx.last
    assert sphinx.last.cleaned
