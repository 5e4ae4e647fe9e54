"""The endpointer, the Listener around it, engine selection and `kiosk hear`, on real audio."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import soundfile

from kiosk.engine.understanding import Grammar, grammar_for, understand
from kiosk.speech.endpoint import Endpointer, State
from kiosk.speech.listener import Listener
from kiosk.speech.protocols import SAMPLE_RATE, Recognizer
from kiosk.speech.recognizers.common import Sentences
from kiosk.speech.select import create_recognizer, missing_words_report
from tests.conftest import run_kiosk
from tests.support.speech_audio import ClipMicrophone, make_clip, mix, speech


def endpoint_of(samples: np.ndarray) -> Endpointer:
    endpointer = Endpointer()
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    for start in range(0, len(pcm), 480):
        if endpointer.feed(pcm[start : start + 480].tobytes()) is State.ENDED:
            break
    return endpointer


@pytest.mark.parametrize("noise, snr_db", [(None, 0.0), ("white", 20.0), ("babble", 10.0), ("pink", 5.0)])
def test_end_of_speech_is_found_soon_after_the_last_word(noise, snr_db):
    words = speech("about two weeks", "en-gb")
    endpointer = endpoint_of(mix(words, noise, snr_db, np.random.default_rng(1)))
    speech_end = 0.5 + len(words) / SAMPLE_RATE
    assert endpointer.state is State.ENDED
    assert 0.5 - 0.15 < endpointer.speech_start_s < 0.5 + 0.15
    assert speech_end < endpointer.end_s < speech_end + 0.5


def test_end_of_speech_in_babble_comes_soon_after_the_words():
    """Other people talking never fall to the quietest moments the floor follows; the endpointer
    must still hear that the patient stopped (it used to wait up to 1.3 s, or for the babble to end)."""
    late = []
    for seed, voice in enumerate(("en-us", "en-gb", "en-us+f3", "en+m3")):
        for said in ("yes", "no", "sixty seven", "about two weeks", "numbness and tingling", "go back"):
            words = speech(said, voice)
            endpointer = endpoint_of(mix(words, "babble", 10.0, np.random.default_rng(seed)))
            assert endpointer.state is State.ENDED, (said, voice)
            late.append(endpointer.end_s - (0.5 + len(words) / SAMPLE_RATE))
    assert min(late) > 0.0  # never before the words are over
    assert np.percentile(late, 90) < 0.5 and max(late) < 0.8, sorted(late)


@pytest.mark.parametrize("said", ["no", "i don't know", "eighty one", "about two weeks", "numbness and tingling"])
def test_a_voice_whose_energy_is_at_its_pitch_is_heard_in_pink_noise(said):
    """flite's slt has most of its energy at its fundamental (100-250 Hz): with the speech band
    from 250 Hz, pink noise at 5 dB hid it (21 of 30 bench answers never started)."""
    words = speech(said, "flite:slt")
    endpointer = endpoint_of(mix(words, "pink", 5.0, np.random.default_rng(0)))
    speech_end = 0.5 + len(words) / SAMPLE_RATE
    assert endpointer.state is State.ENDED, said
    assert 0.5 - 0.15 < endpointer.speech_start_s < 0.5 + 0.15
    assert speech_end - 0.1 < endpointer.end_s < speech_end + 0.6


def test_a_click_is_not_speech_and_silence_is_noinput(sphinx, kb):
    rng = np.random.default_rng(2)
    audio = rng.standard_normal(SAMPLE_RATE * 3) * 0.001
    audio[SAMPLE_RATE : SAMPLE_RATE + 600] += 0.5 * np.sign(rng.standard_normal(600))  # a 40 ms knock
    assert endpoint_of(audio).state is State.WAITING

    class Quiet:
        name, level = "quiet", 0.0

        def chunks(self):
            pcm = (audio * 32767).astype(np.int16)
            while True:  # a live microphone never runs out
                for start in range(0, len(pcm), 480):
                    yield pcm[start : start + 480].tobytes()

        def mute(self, muted):
            pass

        def close(self):
            pass

    heard = Listener(sphinx).listen(Quiet(), grammar_for(kb, kb.questions["numbness"]), max_silence_s=4.0)
    assert heard.noinput and heard.transcript == ""


def test_listening_reports_levels_and_can_be_cancelled(sphinx, kb, clips):
    clip = make_clip(clips, "yes", "en-us")
    levels: list[float] = []
    heard = Listener(sphinx).listen(ClipMicrophone(clip.path), grammar_for(kb, kb.questions["numbness"]),
                                    on_level=levels.append)
    # ("yep" is the same answer: DeepFilterNet, its state carried over from earlier tests' noisy
    # clips, can soften the final "s")
    assert understand(kb, kb.questions["numbness"], heard.transcript).name == "yes", sphinx.last
    assert max(levels) > 0.3 and min(levels) < 0.1  # loud while speaking, low in the pauses
    cancel = threading.Event()
    cancel.set()
    heard = Listener(sphinx).listen(ClipMicrophone(clip.path), grammar_for(kb, kb.questions["numbness"]),
                                    cancel=cancel)
    assert heard.cancelled and heard.transcript == ""


def test_items_chain_with_and_but_nothing_else_is_a_whole_answer(kb):
    grammar = grammar_for(kb, kb.questions["nerve_signs"])
    sentences = Sentences.build(grammar, lambda word: True)
    assert sentences.accepts(("numbness", "and", "tingling", "and", "weakness"))
    assert sentences.accepts(("pins", "and", "needles", "and", "numbness"))
    assert not sentences.accepts(("numbness", "and"))
    assert not sentences.accepts(("yes", "and", "numbness"))
    assert sentences.accepts(("none", "of", "them"))


def test_engine_choice_says_what_it_uses(tmp_path):
    sphinx = create_recognizer("pocketsphinx", None)
    assert isinstance(sphinx.recognizer, Recognizer) and sphinx.recognizer.name == "pocketsphinx"
    assert "PocketSphinx" in sphinx.message
    missing = create_recognizer("vosk", tmp_path / "no-model-here")
    assert missing.recognizer is None and "no Vosk model" in missing.message
    fallback = create_recognizer("auto", tmp_path)  # a folder, but not a Vosk model
    assert fallback.recognizer is not None and fallback.recognizer.name == "pocketsphinx"
    # (the model finder may already refuse the folder, or Vosk refuses to load it: both are said)
    assert "PocketSphinx" in fallback.message
    assert "cannot load" in fallback.message or "no Vosk model" in fallback.message


def test_kiosk_hear_prints_one_json_line_per_file_and_survives_a_broken_one(clips, tmp_path):
    forty_two = make_clip(clips, "forty two", "en-us+f3")
    stereo = tmp_path / "sixty_seven_44k_stereo.wav"
    seventy = make_clip(clips, "sixty seven", "en-us")
    mono, _ = soundfile.read(str(seventy.path))
    resampled = np.interp(np.arange(0, len(mono), 16000 / 44100), np.arange(len(mono)), mono)
    soundfile.write(str(stereo), np.stack([resampled, resampled * 0.8], axis=1), 44100)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really a wave file")
    result = run_kiosk("hear", "--question", "age", "--engine", "pocketsphinx",
                       str(stereo), str(broken), str(forty_two.path))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1, result.stderr
    assert "PocketSphinx" in result.stderr
    assert [line["file"] for line in lines] == [str(stereo), str(broken), str(forty_two.path)]
    first, error, last = lines
    assert (first["intent"], first["value"], first["transcript"]) == ("number", 67, "sixty seven")
    assert first["engine"] == "pocketsphinx" and first["question"] == "age"
    assert seventy.speech_end_s < first["endpoint_s"] < seventy.speech_end_s + 0.6
    assert first["decode_ms"] >= 0 and 0 < first["confidence"] <= 1
    assert "broken.wav" in error["error"]
    assert (last["intent"], last["value"]) == ("number", 42)


def test_words_no_model_knows_are_reported_for_staff_with_their_questions(kb, sphinx):
    made_up = Grammar("q1", ("yes", "zorblax pills"), (), frozenset())
    also = Grammar("q2", ("zorblax",), ("quuxitol",), frozenset())
    report = missing_words_report(sphinx, [made_up, also])
    assert "pocketsphinx" in report and "2 answer word(s)" in report
    assert "quuxitol (q2)" in report and "zorblax (q1, q2)" in report


def test_pocketsphinx_can_hear_every_answer_word_of_the_shipped_questions(kb, sphinx):
    report = missing_words_report(sphinx, [grammar_for(kb, q) for q in kb.questions.values()])
    assert report == "", f"{report} Add them to EXTRA_PRONUNCIATIONS in pocketsphinx_recognizer.py."


def test_a_knock_before_the_answer_does_not_swallow_it(sphinx, kb, tmp_path):
    rng = np.random.default_rng(3)
    knock = 0.6 * np.sign(rng.standard_normal(800))  # 50 ms: long enough to start an utterance
    words = speech("yes", "en-us")
    audio = np.concatenate([np.zeros(SAMPLE_RATE), knock, np.zeros(SAMPLE_RATE), words, np.zeros(SAMPLE_RATE)])
    audio += rng.standard_normal(len(audio)) * 0.0005
    path = tmp_path / "knock_then_yes.wav"
    soundfile.write(str(path), audio, SAMPLE_RATE, subtype="PCM_16")
    heard = Listener(sphinx).listen(ClipMicrophone(path), grammar_for(kb, kb.questions["numbness"]))
    speech_end = (2 * SAMPLE_RATE + len(knock) + len(words)) / SAMPLE_RATE
    # ("yep" is the same answer: DeepFilterNet, its state carried over from earlier tests' noisy
    # clips, can soften the final "s")
    assert understand(kb, kb.questions["numbness"], heard.transcript).name == "yes", sphinx.last
    assert speech_end < heard.endpoint_s < speech_end + 0.5
