"""Text-to-speech: the real pyttsx3 child process, WAV output, time limits and the silent fallback.

This machine has no sound card. That is the real condition the kiosk must survive: speaking
fails quickly with a plain problem for the staff screen, and nothing hangs. The hanging engine
is a real child process that sleeps.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from kiosk.speech.protocols import TextToSpeech
from kiosk.speech.tts import (
    NO_SPEAKER,
    MutedSpeech,
    Pyttsx3Speech,
    SpeechError,
    VoiceSettings,
    create_tts,
    speak_to_wav,
    speech_timeout_s,
)


def machine_has_speaker() -> bool:
    try:
        import sounddevice

        sounddevice.query_devices(kind="output")
        return True
    except Exception:  # noqa: BLE001
        return False


def speech_seconds(path: Path) -> tuple[float, float]:
    """(duration, seconds louder than -40 dBFS in 20 ms frames)."""
    data, rate = soundfile.read(path, dtype="float64")
    frame = int(rate * 0.02)
    frames = data[: len(data) // frame * frame].reshape(-1, frame)
    rms = np.sqrt((frames ** 2).mean(axis=1))
    return len(data) / rate, float((rms > 0.01).sum() * 0.02)


# ---------------------------------------------------------------- speak_to_wav: listening to the kiosk


def test_speak_to_wav_writes_speech_that_grows_with_the_text(tmp_path):
    short = speak_to_wav("Yes.", tmp_path / "short.wav", voice="en-us")
    long = speak_to_wav("Do your hands cramp when you write, or when you hold a cup for a while?",
                        tmp_path / "sub" / "long.wav", voice="en-us")
    assert short.is_file() and long.is_file()
    short_length, short_voiced = speech_seconds(short)
    long_length, long_voiced = speech_seconds(long)
    assert short_voiced > 0.1, "the WAV holds speech, not silence"
    assert long_length > 3 * short_length
    assert long_voiced > 3 * short_voiced
    info = soundfile.info(long)
    assert info.channels == 1 and info.samplerate == 22050


def test_speaking_rate_changes_the_length(tmp_path):
    text = "Please say yes or no."
    slow = speak_to_wav(text, tmp_path / "slow.wav", rate=100)
    fast = speak_to_wav(text, tmp_path / "fast.wav", rate=250)
    assert speech_seconds(slow)[0] > 1.8 * speech_seconds(fast)[0]


def test_volume_setting_reaches_the_audio(tmp_path):
    loud = speak_to_wav("numbness and tingling", tmp_path / "loud.wav", volume=1.0)
    quiet = speak_to_wav("numbness and tingling", tmp_path / "quiet.wav", volume=0.3)
    peak = lambda p: np.abs(soundfile.read(p)[0]).max()  # noqa: E731
    assert peak(quiet) < 0.6 * peak(loud)


def test_speak_to_wav_into_an_impossible_place_raises_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    with pytest.raises(SpeechError):
        speak_to_wav("hello", blocker / "inside.wav")


# ---------------------------------------------------------------- speaking aloud on this machine


@pytest.mark.skipif(machine_has_speaker(), reason="this machine has a speaker")
def test_speaking_without_a_speaker_fails_fast_and_says_why():
    speech = Pyttsx3Speech(VoiceSettings("en-us", 150, 0.9))
    assert isinstance(speech, TextToSpeech)
    try:
        assert speech.start() and speech.output is None
        started = time.monotonic()
        assert speech.say("Do your hands cramp?") is False
        assert time.monotonic() - started < 5
        assert speech.problem is not None and speech.problem.startswith(NO_SPEAKER)
        for folder in (Path("/dev/shm"), Path(tempfile.gettempdir())):
            if folder.is_dir():
                assert not list(folder.glob("kiosk-speech-*")), "no rendered speech left behind"
        assert speech.say("Second try.") is False
        assert speech.gave_up, "after two failures it stops trying"
        started = time.monotonic()
        assert speech.say("Third.") is False
        assert time.monotonic() - started < 0.1
    finally:
        speech.close()


@pytest.mark.skipif(machine_has_speaker(), reason="this machine has a speaker")
def test_create_tts_without_a_speaker_falls_back_to_silence_with_the_reason():
    speech = create_tts("en-us", 150, 1.0, mute=False)
    assert isinstance(speech, MutedSpeech) and isinstance(speech, TextToSpeech)
    assert speech.problem == NO_SPEAKER
    assert speech.say("Hello") is False


def test_mute_is_silent_and_not_a_problem():
    speech = create_tts(None, None, None, mute=True)
    assert isinstance(speech, MutedSpeech) and speech.problem is None
    assert speech.say("Hello") is True
    speech.close()


def test_an_unknown_voice_is_reported_and_speech_goes_on(tmp_path):
    speech = Pyttsx3Speech(VoiceSettings("no-such-voice-xyz"))
    try:
        assert speech.start()
        assert speech.warnings and "no-such-voice-xyz" in speech.warnings[0]
    finally:
        speech.close()
    assert speak_to_wav("hello", tmp_path / "x.wav", voice="no-such-voice-xyz").is_file()


# ---------------------------------------------------------------- engines that hang or break

HANGS_AT_START = "import time; time.sleep(60)"
HANGS_WHEN_SPEAKING = """
import json, sys, time
print(json.dumps({"ready": True, "output": "fake speaker"}), flush=True)
for line in sys.stdin:
    time.sleep(60)
"""
DIES_WHEN_SPEAKING = """
import json, sys
print(json.dumps({"ready": True, "output": "fake speaker"}), flush=True)
sys.stdin.readline()
print("Segmentation fault", file=sys.stderr, flush=True)
sys.exit(139)
"""


def test_an_engine_that_hangs_while_speaking_times_out_and_returns_false():
    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_WHEN_SPEAKING])
    text = "Yes."
    limit = speech_timeout_s(text, None)
    assert limit < 5
    try:
        started = time.monotonic()
        assert speech.say(text) is False
        elapsed = time.monotonic() - started
        assert limit - 0.2 < elapsed < limit + 1.5
        assert "stopped responding" in speech.problem
        assert speech._worker is None, "the hung child was killed and dropped"
    finally:
        speech.close()


def test_stop_cuts_speech_short_without_counting_as_a_failure():
    import threading

    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_WHEN_SPEAKING])
    try:
        assert speech.start()
        threading.Timer(0.5, speech.stop).start()
        started = time.monotonic()
        assert speech.say("A long sentence the patient does not wait for.") is False
        assert 0.4 < time.monotonic() - started < 1.5
        assert speech.problem is None and not speech.gave_up
        assert speech.start(), "the next sentence gets a fresh engine"
    finally:
        speech.close()


def test_close_during_speech_returns_promptly():
    import threading

    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_WHEN_SPEAKING])
    threading.Timer(0.5, speech.close).start()
    started = time.monotonic()
    assert speech.say("Hello there, how are your hands today?") is False
    assert time.monotonic() - started < 1.5
    speech.close()


def test_an_engine_that_hangs_at_start_times_out():
    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_AT_START], startup_timeout_s=1.0)
    started = time.monotonic()
    assert speech.say("Hello there") is False
    assert time.monotonic() - started < 2.5
    assert "did not start" in speech.problem
    speech.close()


def test_an_engine_that_crashes_is_reported_and_restarted_once():
    speech = Pyttsx3Speech(command=[sys.executable, "-c", DIES_WHEN_SPEAKING])
    try:
        assert speech.say("Hello") is False
        assert "stopped" in speech.problem
        assert not speech.gave_up
        assert speech.say("Hello") is False  # a fresh child, which crashes again
        assert speech.gave_up
    finally:
        speech.close()


def test_a_missing_engine_program_is_reported():
    speech = Pyttsx3Speech(command=["/nonexistent/speech-engine"])
    assert speech.say("Hello") is False
    assert "could not start" in speech.problem


def test_timeout_grows_with_the_text_and_shrinks_with_the_rate():
    short, long = "Yes.", "Do your hands cramp when you write, or when you hold a cup? " * 3
    assert speech_timeout_s(long, 160) > speech_timeout_s(short, 160) + 10
    assert speech_timeout_s(long, 100) > speech_timeout_s(long, 200)


# ---------------------------------------------------------------- earcons and the shipped sounds


def test_earcon_files_are_small_clean_and_distinct():
    from kiosk.speech.earcons import EARCONS, earcon_path

    sounds = {}
    for name in EARCONS:
        path = earcon_path(name)
        info = soundfile.info(path)
        assert info.subtype == "PCM_16" and info.channels == 1
        assert path.stat().st_size < 60_000
        data, rate = soundfile.read(path, dtype="float64")
        assert 0.15 < len(data) / rate < 1.5
        assert 0.2 < np.abs(data).max() < 0.95, "audible, never clipped"
        assert abs(data[0]) < 0.01 and abs(data[-1]) < 0.01, "faded in and out: no click"
        sounds[name] = data
    assert len(sounds["emergency"]) > 2 * len(sounds["listening"])
    assert np.abs(sounds["emergency"]).max() > np.abs(sounds["got_it"]).max()
    with pytest.raises(ValueError, match="unknown earcon"):
        earcon_path("fanfare")


def test_make_earcons_script_reproduces_the_committed_files(tmp_path):
    import subprocess

    from kiosk.paths import audio_dir

    script = Path(__file__).resolve().parents[1] / "scripts" / "make_earcons.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for name in ("listening.wav", "got-it.wav", "emergency.wav"):
        made, _ = soundfile.read(tmp_path / name, dtype="int16")
        shipped, _ = soundfile.read(audio_dir() / name, dtype="int16")
        assert np.array_equal(made, shipped), name


@pytest.mark.skipif(machine_has_speaker(), reason="this machine has a speaker")
def test_earcons_without_a_speaker_do_nothing_and_say_why():
    from kiosk.speech.earcons import EarconPlayer

    player = EarconPlayer()
    started = time.monotonic()
    assert player.play("listening") is False
    assert player.play("emergency") is False
    assert time.monotonic() - started < 1.0
    assert player.problem and "no speaker" in player.problem
    assert EarconPlayer(enabled=False).play("got_it") is False


class FakeSoundOutput:
    """Stands in for the missing speaker: records what sounddevice.play was given."""

    class PortAudioError(Exception):
        pass

    def __init__(self, hang_s: float = 0.0) -> None:
        self.hang_s = hang_s
        self.played: list[tuple[np.ndarray, int]] = []

    def query_devices(self, kind=None):
        return {"name": "fake speaker", "default_samplerate": 48000.0}

    def play(self, data, rate, blocking=False):
        self.played.append((data, rate))
        time.sleep(self.hang_s)


def test_earcon_player_plays_the_file_and_gives_up_on_a_stuck_speaker(monkeypatch):
    from kiosk.speech.earcons import EarconPlayer, earcon_path

    speaker = FakeSoundOutput()
    monkeypatch.setitem(sys.modules, "sounddevice", speaker)
    player = EarconPlayer()
    assert player.play("got_it") is True and player.problem is None
    data, rate = speaker.played[0]
    expected, expected_rate = soundfile.read(earcon_path("got_it"), dtype="float32")
    assert rate == expected_rate and np.array_equal(data, expected)

    stuck = FakeSoundOutput(hang_s=30)
    monkeypatch.setitem(sys.modules, "sounddevice", stuck)
    player = EarconPlayer()
    started = time.monotonic()
    assert player.play("got_it") is False  # 0.25 s of sound + 2 s grace
    assert time.monotonic() - started < 3.5
    assert "stopped responding" in player.problem
    assert player.play("listening") is False and len(stuck.played) == 1, "no retry once broken"
