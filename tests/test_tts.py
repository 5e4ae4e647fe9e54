"""Text-to-speech: the real pyttsx3 child process, WAV output, time limits and the silent fallback.

This machine has no sound card. That is the real condition the kiosk must survive: speaking
fails quickly with a plain problem for the staff screen, and nothing hangs. The hanging engine
is a real child process that sleeps.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from kiosk.speech.protocols import TextToSpeech
from kiosk.speech.tts import (
    CHECK_SILENCE_S,
    NO_SPEAKER,
    TIME_LIMIT_MARGIN_S,
    MutedSpeech,
    Pyttsx3Speech,
    SpeechError,
    VoiceSettings,
    create_tts,
    speak_to_wav,
    speech_timeout_s,
)
from tests.support.speaker import (
    DIES_WHEN_SPEAKING,
    DIES_WITH_LATE_LAST_WORDS,
    HANG_MARGIN_S,
    HANGS_AT_START,
    HANGS_WHEN_SPEAKING,
    START_S,
    plays,
    stand_in_speaker,
)




def machine_has_speaker() -> bool:
    try:
        import sounddevice

        sounddevice.query_devices(kind="output")
        return True
    except Exception:  # noqa: BLE001 - OSError (no PortAudio) or PortAudioError: either means no speaker
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
    peak = lambda p: np.abs(soundfile.read(p)[0]).max()
    assert peak(quiet) < 0.6 * peak(loud)


def test_speak_to_wav_into_an_impossible_place_raises_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    with pytest.raises(SpeechError):
        speak_to_wav("hello", blocker / "inside.wav")


# ---------------------------------------------------------------- speaking aloud on this machine


@pytest.mark.skipif(machine_has_speaker(), reason="this machine has a speaker")
def test_speaking_without_a_speaker_fails_fast_and_says_why(tmp_path, monkeypatch):
    command, _, writes = audited_child(tmp_path, monkeypatch, speaker=False)
    speech = Pyttsx3Speech(VoiceSettings("en-us", 150, 0.9), command=command, startup_timeout_s=START_S)
    assert isinstance(speech, TextToSpeech)
    try:
        assert speech.start() and speech.output is None
        started = time.monotonic()
        assert speech.say("Do your hands cramp?") is False
        assert time.monotonic() - started < 15  # fails at once, never a time limit (bounds a hang, not a speed)
        assert speech.problem is not None and speech.problem.startswith(NO_SPEAKER)
        assert written_in_memory_folders(writes) == [], "no rendered speech is written anywhere"
        assert speech.say("Second try.") is False
        assert speech.gave_up, "after two failures it stops trying"
        started = time.monotonic()
        assert speech.say("Third.") is False
        assert time.monotonic() - started < 2, "resting: no new engine is started"
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
    speech = Pyttsx3Speech(VoiceSettings("no-such-voice-xyz"), startup_timeout_s=START_S)
    try:
        assert speech.start()
        assert speech.warnings and "no-such-voice-xyz" in speech.warnings[0]
    finally:
        speech.close()
    assert speak_to_wav("hello", tmp_path / "x.wav", voice="no-such-voice-xyz").is_file()


# ---------------------------------------------------------------- engines that hang or break

def test_an_engine_that_hangs_while_speaking_times_out_and_returns_false():
    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_WHEN_SPEAKING], startup_timeout_s=START_S,
                           margin_s=HANG_MARGIN_S)
    text = "Yes."
    limit = speech_timeout_s(text, None, HANG_MARGIN_S)
    assert limit < 5 and speech_timeout_s(text, None) < 5
    try:
        assert speech.start()  # the time limit is the sentence's: start-up is not timed here
        started = time.monotonic()
        assert speech.say(text) is False
        elapsed = time.monotonic() - started
        assert limit - 0.2 < elapsed < limit + 15, "stopped at its time limit, not later"
        assert "stopped responding" in speech.problem
        assert speech.child_pid is None, "the hung child was killed and dropped"
        assert speech.gave_up, "one hang rests the voice: another try would cost another time limit"
    finally:
        speech.close()


def test_stop_cuts_speech_short_without_counting_as_a_failure():
    import threading

    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_WHEN_SPEAKING], startup_timeout_s=START_S)
    try:
        assert speech.start()
        threading.Timer(0.5, speech.stop).start()
        started = time.monotonic()
        assert speech.say("A long sentence the patient does not wait for.") is False
        assert 0.4 < time.monotonic() - started < 15, "cut off, not left to its time limit of 60 s"
        assert speech.problem is None and not speech.gave_up
        assert speech.start(), "the next sentence gets a fresh engine"
    finally:
        speech.close()


def test_close_during_speech_returns_promptly():
    import threading

    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_WHEN_SPEAKING], startup_timeout_s=START_S)
    threading.Timer(0.5, speech.close).start()
    started = time.monotonic()
    assert speech.say("Hello there, how are your hands today?") is False
    assert time.monotonic() - started < 15, "returns, not left to the child's 60 s sleep"
    speech.close()


def test_an_engine_that_hangs_at_start_times_out():
    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_AT_START], startup_timeout_s=1.0)
    started = time.monotonic()
    assert speech.say("Hello there") is False
    assert time.monotonic() - started < 15, "gives up at its start-up limit, not the child's 60 s"
    assert "did not start" in speech.problem
    assert speech.gave_up, "a child that hangs at start is a hang too: rest at once"
    speech.close()


def test_an_engine_that_crashes_is_reported_and_restarted_once():
    speech = Pyttsx3Speech(command=[sys.executable, "-c", DIES_WHEN_SPEAKING], startup_timeout_s=START_S)
    try:
        assert speech.say("Hello") is False
        assert "stopped" in speech.problem
        assert not speech.gave_up
        assert speech.say("Hello") is False  # a fresh child, which crashes again
        assert speech.gave_up
    finally:
        speech.close()


def test_a_crash_is_reported_by_its_last_words_even_when_they_come_late():
    """Under load the staff screen once said "exit code 139" instead of "Segmentation fault":
    stdout had closed before the stderr reader had the last line."""
    speech = Pyttsx3Speech(command=[sys.executable, "-c", DIES_WITH_LATE_LAST_WORDS], startup_timeout_s=START_S)
    try:
        assert speech.say("Hello") is False
        assert "Segmentation fault" in speech.problem, speech.problem
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
    assert np.abs(sounds["emergency"]).max() > np.abs(sounds["listening"]).max()
    with pytest.raises(ValueError, match="unknown earcon"):
        earcon_path("fanfare")


def test_make_earcons_script_reproduces_the_committed_files(tmp_path):
    import subprocess

    from kiosk.paths import audio_dir

    script = Path(__file__).resolve().parents[1] / "scripts" / "make_earcons.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    from kiosk.speech.earcons import EARCONS

    for name in EARCONS.values():
        made, _ = soundfile.read(tmp_path / name, dtype="int16")
        shipped, _ = soundfile.read(audio_dir() / name, dtype="int16")
        assert np.array_equal(made, shipped), name


@pytest.mark.skipif(machine_has_speaker(), reason="this machine has a speaker")
def test_an_earcon_without_a_speaker_is_not_played_and_says_why(tmp_path, monkeypatch):
    command, _, _ = audited_child(tmp_path, monkeypatch, speaker=False)
    speech = Pyttsx3Speech(command=command, startup_timeout_s=START_S)
    try:
        assert speech.start(), speech.problem  # a slow start-up is not what this test is about
        started = time.monotonic()
        assert speech.cue("listening") is False
        assert time.monotonic() - started < 15  # fails at once (bounds a hang, not a speed)
        assert speech.problem is not None and speech.problem.startswith(NO_SPEAKER)
    finally:
        speech.close()


def test_an_earcon_plays_the_whole_file_through_the_speech_child(tmp_path, monkeypatch):
    """The real speech child, the stand-in speaker: each earcon is played to its end, in the
    same process as speech, and nothing is written to a file on the way."""
    from kiosk.speech.earcons import EARCONS, earcon_path

    command, played, writes = audited_child(tmp_path, monkeypatch)
    monkeypatch.setenv("FAKE_SPEAKER_SPEED", "5")  # played to its end, 5x faster: the lengths noted are real
    speech = Pyttsx3Speech(command=command)
    try:
        for name in EARCONS:
            assert speech.cue(name) is True, speech.problem
        assert speech.say("Yes.") is True, "speech goes on after a cue"
    finally:
        speech.close()
    lengths = [round(soundfile.info(earcon_path(name)).duration, 2) for name in EARCONS]
    assert plays(played)[: len(lengths)] == lengths
    assert written_in_memory_folders(writes) == []
    with pytest.raises(ValueError, match="unknown earcon"):
        speech.cue("fanfare")


def test_an_earcon_on_a_stuck_speaker_is_given_up_at_its_time_limit():
    from kiosk.speech.earcons import earcon_path
    from kiosk.speech.tts import cue_timeout_s

    speech = Pyttsx3Speech(command=[sys.executable, "-c", HANGS_WHEN_SPEAKING], margin_s=HANG_MARGIN_S)
    limit = cue_timeout_s(earcon_path("listening"), HANG_MARGIN_S)
    try:
        started = time.monotonic()
        assert speech.cue("listening") is False
        assert limit - 0.2 < time.monotonic() - started < limit + 15, "stopped at its time limit, not the child's 60 s"
        assert "stopped responding" in speech.problem
    finally:
        speech.close()


def test_muted_speech_plays_no_earcon_and_says_so_as_for_speech():
    assert MutedSpeech().cue("listening") is True  # staff muted the kiosk: silence is what they asked for
    assert MutedSpeech("no speaker").cue("emergency") is False
    with pytest.raises(ValueError, match="unknown earcon"):
        MutedSpeech().cue("fanfare")


# ---------------------------------------------------------------- faults of issue 13: speech that recovers

# Every file the speech child opens for writing, noted by a Python audit hook installed before
# the child starts (the check does not depend on what else on this machine writes to /dev/shm).
AUDITED_CHILD = """
import os, sys
log = os.open(os.environ["SPEECH_WRITES_LOG"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
def note(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)):
        mode, flags = args[1] or "", args[2] or 0
        if any(c in str(mode) for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR):
            os.write(log, os.fsencode(args[0]) + b"\\n")
sys.addaudithook(note)
sys.path[:0] = [p for p in os.environ.get("SPEECH_FAKES", "").split(":") if p]
hang_flag = os.environ.get("ESPEAK_HANGS_WHILE")
if hang_flag:  # a stand-in for a hung espeak-ng: while the flag file exists, synthesis never ends
    import time
    from pyttsx3.drivers import _espeak
    real_synchronize = _espeak.Synchronize
    def synchronize():
        if os.path.exists(hang_flag):
            time.sleep(3600)
        return real_synchronize()
    _espeak.Synchronize = synchronize
from kiosk.speech.tts import _worker_main
sys.exit(_worker_main(sys.argv[1:]))
"""


def audited_child(tmp_path: Path, monkeypatch, *, speaker: bool = True) -> tuple[list[str], Path, Path]:
    """The real speech child (real pyttsx3, real espeak-ng), with (``speaker``) the stand-in
    speaker first on its path: (command, file of finished plays, file of paths it wrote)."""
    fakes = stand_in_speaker(tmp_path / "fakes")
    played = tmp_path / "played.txt"
    writes = tmp_path / "writes.txt"
    monkeypatch.setenv("FAKE_SPEAKER_LOG", str(played))
    monkeypatch.setenv("SPEECH_WRITES_LOG", str(writes))
    monkeypatch.setenv("SPEECH_FAKES", str(fakes) if speaker else "")
    return [sys.executable, "-c", AUDITED_CHILD, '{"voice": "en-us"}'], played, writes


def written_in_memory_folders(writes: Path) -> list[str]:
    """Paths the child wrote under /dev/shm or the temp folder (rendered speech would be there)."""
    if not writes.exists():
        return []
    folders = ("/dev/shm", tempfile.gettempdir())
    own = str(writes.parent)  # the test's own notes (writes.txt, played.txt)
    return [p for p in writes.read_text().splitlines() if p.startswith(folders) and not p.startswith(own)]


LONG_QUESTION = ("Do your hands cramp when you write, when you hold a cup, or when you grip "
                 "a steering wheel for a long time?")


def test_stopped_sentences_never_silence_the_voice_and_leave_no_file(tmp_path, monkeypatch):
    """Fault 1 and 3: a key press kills the speech child mid-sentence, again and again. Each
    stop is not a failure, the next sentence is spoken, and no rendered audio is left behind."""
    import threading

    command, played, writes = audited_child(tmp_path, monkeypatch)
    speech = Pyttsx3Speech(command=command, startup_timeout_s=START_S)
    started_log = Path(f"{played}.started")

    def plays_started() -> int:
        return started_log.read_text().count("\n") if started_log.exists() else 0

    try:
        for run in range(5):
            stopped = threading.Event()

            def stop_once_speaking(stopped: threading.Event = stopped, run: int = run) -> None:
                # stop while the sentence is playing: once the stand-in speaker says it started
                # (waiting a second after the child existed stopped some sentences still starting)
                deadline = time.monotonic() + START_S
                while plays_started() <= run and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(0.2)  # into the sentence, which plays for about 7 s
                speech.stop()
                stopped.set()

            threading.Thread(target=stop_once_speaking, daemon=True).start()
            assert speech.say(LONG_QUESTION) is False
            stopped.wait(START_S)
            assert plays_started() == run + 1, "each sentence was stopped while it played"
            assert speech.problem is None and not speech.gave_up
        assert not played.exists() or played.read_text() == "", "no sentence was played to its end"
        assert speech.say("Yes.") is True, "after five stops the voice still speaks"
        assert speech.problem is None
        assert played.read_text().count("\n") == 1
    finally:
        speech.close()
    assert writes.exists(), "the audit hook ran"
    assert written_in_memory_folders(writes) == [], "nothing rendered is ever written to /dev/shm or the temp folder"


def test_a_killed_speech_child_leaves_no_audio_behind(tmp_path, monkeypatch):
    """Fault 3: SIGKILL while a result sentence plays (nothing is ever written to a file)."""
    import threading

    command, _, writes = audited_child(tmp_path, monkeypatch)
    speech = Pyttsx3Speech(command=command, startup_timeout_s=START_S)
    try:
        assert speech.start()
        threading.Timer(1.5, lambda: os.kill(speech.child_pid, signal.SIGKILL)).start()
        assert speech.say("Possible causes: overuse of the hand, low salt after sweating, "
                          "and a nerve pressed at the wrist.") is False
        assert "stopped" in (speech.problem or ""), "a kill nobody asked for is reported"
    finally:
        speech.close()
    assert written_in_memory_folders(writes) == [], "nothing was in a file for the kill to leave behind"


def test_an_empty_render_is_retried_before_it_counts():
    """Fault 1: espeak gave an empty render in a fresh process; a stand-in espeak that renders
    nothing the first time is asked again, and the sentence is spoken."""
    from kiosk.speech import tts

    calls = []

    def first_render_empty(text: str) -> bytes:
        calls.append(text)
        return b"" if len(calls) == 1 else b"\x01\x00" * 2205

    wav = tts.render_wav(first_render_empty, "Hello")
    assert calls == ["Hello", "Hello"]
    data, rate = soundfile.read(io.BytesIO(wav), dtype="int16")
    assert rate == 22050 and len(data) == 2205
    with pytest.raises(SpeechError, match="no audio"):
        tts.render_wav(lambda text: b"", "Hello")


def test_each_real_render_holds_exactly_its_own_sentence():
    """The cause of the empty renders: pyttsx3's loop could end before espeak did. Rendering the
    same question three times in a fresh process gives three full, equal-length sentences."""
    speech = Pyttsx3Speech(VoiceSettings("en-us"), startup_timeout_s=START_S)
    with tempfile.TemporaryDirectory() as folder:
        try:
            lengths = []
            for n in range(3):
                path = Path(folder) / f"{n}.wav"
                assert speech.save(LONG_QUESTION, path), speech.problem
                lengths.append(speech_seconds(path)[0])
        finally:
            speech.close()
    assert min(lengths) > 4.0, lengths
    assert max(lengths) < 1.1 * min(lengths), "no render carries a leftover of the one before"


def test_after_two_crashes_speech_rests_says_why_and_checks_again_in_the_background():
    """Fault 1: two quick failures in a row rest the voice with the reason; while it rests, say()
    returns at once and a check runs in the background (here the stand-in still crashes)."""
    speech = Pyttsx3Speech(command=[sys.executable, "-c", DIES_WHEN_SPEAKING], startup_timeout_s=START_S)
    try:
        assert speech.say("Hello") is False
        assert not speech.gave_up, "one quick failure: the next sentence tries a fresh child"
        assert speech.say("Hello") is False
        assert speech.gave_up
        assert "stopped" in speech.problem and "checked again" in speech.problem
        assert speech.say("Hello") is False and speech.child_pid is None, "resting: no speaking child"
        assert speech.checks_started == 1, "the next question started a check"
        speech.wait_for_check()  # bounded by the check's own time limits
        assert speech.gave_up, "the stand-in still crashes: the check failed and it rests on"
        speech.try_again()  # the next session checks again
        assert speech.checks_started == 2
        speech.wait_for_check()
        assert speech.gave_up
    finally:
        speech.close()


def test_a_hung_espeak_costs_one_time_limit_then_gives_up_at_once_until_a_check_passes(tmp_path, monkeypatch):
    """Fault 1: a hung espeak cost its full time limit on every sentence. Now the first hang rests
    the voice; the following sentences give up at once; a check in the background (at the next
    question, never waited for) brings it back once espeak works; a second hang in the same
    session leaves it resting until the next session."""
    command, played, _ = audited_child(tmp_path, monkeypatch)
    hung = tmp_path / "espeak-hangs"
    monkeypatch.setenv("ESPEAK_HANGS_WHILE", str(hung))
    monkeypatch.setenv("FAKE_SPEAKER_SPEED", "5")  # what is played, and when it gives up, not how long it plays
    # the hangs wait out a short margin; while espeak works, sentences get the kiosk's own
    speech = Pyttsx3Speech(command=command, startup_timeout_s=START_S, margin_s=HANG_MARGIN_S)

    def spoken() -> list[str]:  # what the stand-in speaker played, without the checks' silences
        lines = played.read_text().split() if played.exists() else []
        return [line for line in lines if line != f"{CHECK_SILENCE_S:.2f}"]

    try:
        hung.touch()
        limit = speech_timeout_s("Yes.", None, HANG_MARGIN_S)
        started = time.monotonic()
        assert speech.say("Yes.") is False
        assert time.monotonic() - started > limit - 0.2, "the first hang is only found at its time limit"
        assert speech.gave_up and "stopped responding" in speech.problem
        assert "next question" in speech.problem, "staff are told when it tries again"
        started = time.monotonic()
        assert speech.say(LONG_QUESTION) is False
        assert time.monotonic() - started < 2, "the next sentence gives up at once, not after its own time limit"
        speech.wait_for_check()
        assert speech.gave_up, "the check hung too; it was stopped at its limit and the voice rests on"

        hung.unlink()  # espeak works again
        speech.margin_s = TIME_LIMIT_MARGIN_S
        assert speech.say(LONG_QUESTION) is False, "this question is shown only: it starts a check"
        speech.wait_for_check()
        assert not speech.gave_up and speech.problem is None, "the check passed: the voice is back"
        assert speech.say("Yes.") is True and len(spoken()) == 1

        hung.touch()  # a second hang in this session
        speech.margin_s = HANG_MARGIN_S
        assert speech.say("Yes.") is False and speech.gave_up
        hung.unlink()
        speech.margin_s = TIME_LIMIT_MARGIN_S
        checks = speech.checks_started
        assert speech.say("Yes.") is False
        assert speech.checks_started == checks, "after a second hang only the next session checks again"
        assert "next patient" in speech.problem
        speech.try_again()  # the session was wiped
        speech.wait_for_check()
        assert not speech.gave_up
        assert speech.say("Yes.") is True and len(spoken()) == 2
    finally:
        speech.close()


def test_the_staff_speaker_test_checks_a_resting_voice_at_once(tmp_path, monkeypatch):
    """Staff fixed the speaker and press "test speaker": the resting voice is checked then and
    there (staff wait for the check, a patient never does) and the test sentence is spoken."""
    from kiosk.config import Settings
    from kiosk.speech.service import SpeechService

    command, played, _ = audited_child(tmp_path, monkeypatch)
    hung = tmp_path / "espeak-hangs"
    monkeypatch.setenv("ESPEAK_HANGS_WHILE", str(hung))
    monkeypatch.setenv("FAKE_SPEAKER_SPEED", "5")  # what is played, and when it gives up, not how long it plays
    speech = Pyttsx3Speech(command=command, startup_timeout_s=START_S, margin_s=HANG_MARGIN_S)
    service = SpeechService(Settings())
    service.speak_with(speech)
    try:
        hung.touch()
        assert service.say("Yes.") is False and speech.gave_up
        hung.unlink()
        speech.margin_s = TIME_LIMIT_MARGIN_S  # espeak works again: the kiosk's own time limits
        service.check_speaker()
        assert not speech.gave_up and not speech.checking
        assert service.say("This is the kiosk speaker test.") is True
        assert played.read_text().split()[-1] != f"{CHECK_SILENCE_S:.2f}", "the sentence was played"
    finally:
        service.close()
