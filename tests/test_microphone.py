"""Microphones: recorded answers of any format, the sound-card path's conversion, level and mute.

Speech is synthesized here with espeak-ng; reference conversions are made with sox, an
independent resampler, so the kiosk's own conversion is checked against something it did not make.
The only stand-in is the sound card itself (this machine has none): a fake PortAudio stream that
calls the microphone's callback with real audio.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from kiosk.speech.microphone import (
    NO_MICROPHONE,
    FileMicrophone,
    InputDevice,
    MicrophoneError,
    MuteGate,
    Resampler,
    SoundDeviceMicrophone,
    _stream_settings,
    input_devices,
    open_microphone,
    pcm_level,
    pick_input_device,
)
from kiosk.speech.protocols import SAMPLE_RATE, Microphone

pytestmark = [pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                                 reason="espeak-ng and sox are installed by setup.sh"),
              # with `--dist loadgroup` (pyproject addopts): one worker, so the module fixture is made once
              pytest.mark.xdist_group("microphone")]


def espeak(text: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
    return path


def sox_convert(source: Path, target: Path, rate: int, channels: int, bits: int = 16) -> Path:
    subprocess.run(["sox", str(source), "-r", str(rate), "-c", str(channels), "-b", str(bits),
                    str(target)], check=True)
    return target


def pcm(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.int16).astype(np.float64)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Best normalized cross-correlation over small shifts (filters delay by a few samples)."""
    n = min(len(a), len(b)) - 64
    best = 0.0
    for shift in range(-32, 33):
        x = a[32:32 + n - 64]
        y = b[32 + shift:32 + shift + n - 64]
        best = max(best, float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y))))
    return best


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> dict[str, Path]:
    """'numbness and tingling' at espeak-ng's 22.05 kHz, and sox's 16 kHz mono reference."""
    folder = tmp_path_factory.mktemp("speech")
    original = espeak("numbness and tingling", folder / "original.wav")
    return {"original": original,
            "reference": sox_convert(original, folder / "reference16k.wav", 16000, 1)}


def reference_pcm(speech: dict[str, Path]) -> np.ndarray:
    data, rate = soundfile.read(speech["reference"], dtype="int16")
    assert rate == SAMPLE_RATE
    return data.astype(np.float64)


# ---------------------------------------------------------------- recorded answers (FileMicrophone)


@pytest.mark.parametrize("rate,channels,bits", [(44100, 2, 16), (8000, 1, 16), (48000, 2, 24),
                                                (22050, 1, 32)])
def test_file_microphone_converts_any_wav_to_16k_mono(speech, tmp_path, rate, channels, bits):
    wav = sox_convert(speech["original"], tmp_path / f"answer_{rate}.wav", rate, channels, bits)
    mic = FileMicrophone(wav, realtime=False, tail_s=1.5)
    assert isinstance(mic, Microphone)

    chunks = list(mic.chunks())
    audio = pcm(b"".join(chunks))

    reference = reference_pcm(speech)
    tail = int(1.5 * SAMPLE_RATE)
    assert abs(len(audio) - (len(reference) + tail)) < 0.01 * SAMPLE_RATE
    assert np.all(audio[-tail + 200:] == 0), "each answer ends with 1.5 s of silence"
    # 8 kHz has no content above 4 kHz, so it matches the reference less closely
    assert similarity(audio[:len(reference)], reference) > (0.8 if rate == 8000 else 0.97)
    assert all(len(c) == 2 * int(SAMPLE_RATE * 0.03) for c in chunks[:-1]), "30 ms chunks"


def test_folder_plays_one_file_per_answer_in_name_order_then_silence(speech, tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir()
    espeak("no", folder / "2_no.wav")
    espeak("yes it is", folder / "1_yes.wav")
    (folder / "notes.txt").write_text("not audio")
    mic = FileMicrophone(folder, realtime=False, tail_s=0.5, exhausted_silence_s=2.0)

    lengths = []
    for _ in range(2):
        lengths.append(len(pcm(b"".join(mic.chunks()))))
        assert mic.current_file is not None
    assert [f.name for f in mic.files] == ["1_yes.wav", "2_no.wav"]
    assert lengths[0] > lengths[1], "'yes it is' (first by name) is longer than 'no'"
    assert mic.remaining == 0

    after = pcm(b"".join(mic.chunks()))
    assert len(after) == 2 * SAMPLE_RATE and not after.any(), "used up: silence only, then the end"
    assert mic.current_file is None


class PacingClock:
    """Time for a FileMicrophone that passes only when it sleeps, or when the test says the
    machine was busy: the pacing is checked exactly, not by timing a loaded machine."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_realtime_pacing_takes_as_long_as_the_audio(speech):
    clock = PacingClock()
    mic = FileMicrophone(speech["original"], realtime=True, tail_s=0.2, clock=clock, sleep=clock.sleep)
    delivered, offset = [], 0
    for chunk in mic.chunks():
        delivered.append((clock.now - 100.0, offset / (2 * SAMPLE_RATE)))
        offset += len(chunk)
        if len(delivered) == 10:
            clock.now += 0.3  # the listener was late for one chunk (a busy machine)
    duration = offset / (2 * SAMPLE_RATE)
    assert duration > 1.0
    on_time = [when == pytest.approx(due) for when, due in delivered[:10]]
    assert all(on_time), "each chunk comes when its audio is due, counted from the start"
    assert delivered[-1][0] == pytest.approx(delivered[-1][1]), "a late chunk is caught up, not added on"
    assert sum(clock.slept) == pytest.approx(delivered[-1][1] - 0.3)

    fast_clock = PacingClock()
    fast = FileMicrophone(speech["original"], realtime=False, tail_s=0.2, clock=fast_clock, sleep=fast_clock.sleep)
    assert len(b"".join(fast.chunks())) == offset
    assert fast_clock.slept == [], "realtime=False plays the file without waiting"


def test_file_level_follows_the_speech(speech):
    mic = FileMicrophone(speech["original"], realtime=False, tail_s=0.5)
    levels = []
    for chunk in mic.chunks():
        levels.append((mic.level, pcm(chunk)))
    loud = [level for level, audio in levels if np.abs(audio).max() > 3000]
    quiet = [level for level, audio in levels if not audio.any()]
    assert loud and quiet
    assert min(loud) > 0.3 and max(quiet) == 0.0
    assert mic.level == 0.0, "the meter drops when the answer ends"


def test_broken_or_missing_files_are_named_in_the_error(tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(MicrophoneError, match="broken.wav"):
        FileMicrophone(broken)

    folder = tmp_path / "answers"
    folder.mkdir()
    espeak("yes", folder / "a.wav")
    (folder / "b.wav").write_bytes(b"not a wav at all")
    with pytest.raises(MicrophoneError, match=r"b\.wav"):
        FileMicrophone(folder)

    with pytest.raises(MicrophoneError, match="missing.wav"):
        FileMicrophone(tmp_path / "missing.wav")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MicrophoneError, match="no .wav files"):
        FileMicrophone(empty)

    choice = open_microphone(None, broken)
    assert choice.microphone is None and "broken.wav" in choice.message
    assert "listening is off" in choice.message and "please" not in choice.message.lower()  # staff words


def test_open_microphone_with_a_file_uses_it(speech):
    choice = open_microphone("ignored", speech["original"])
    assert isinstance(choice.microphone, FileMicrophone) and choice.microphone.realtime
    assert not open_microphone(None, speech["original"], realtime=False).microphone.realtime
    assert "1 recorded answer" in choice.message
    choice.microphone.close()
    choice.microphone.close()  # closing twice is safe
    assert list(choice.microphone.chunks()) == [], "a closed microphone yields nothing"


# ---------------------------------------------------------------- this machine: no sound card


def test_open_microphone_without_a_sound_card_says_so_plainly():
    # Real condition on this machine: PortAudio finds no device. On a machine with a microphone
    # this test cannot tell anything, so it is skipped there rather than faked.
    try:
        import sounddevice

        has_input = any(d["max_input_channels"] > 0 for d in sounddevice.query_devices())
    except OSError:
        has_input = False
    if has_input:
        pytest.skip("this machine has a microphone")
    for wanted in (None, "0", "usb"):
        choice = open_microphone(wanted, None)
        assert choice.microphone is None
        assert choice.message == NO_MICROPHONE
        assert choice.detail


# ---------------------------------------------------------------- the sound-card path, fake card


class FakeCard:
    """Stands in for the missing sound card: a PortAudio-like stream fed with real audio."""

    def __init__(self) -> None:
        self.opened: dict | None = None
        self.started = self.stopped = self.closed = False
        self.callback = None

    def stream(self, **settings):  # the sounddevice.InputStream signature the kiosk uses
        self.opened = settings
        self.callback = settings["callback"]
        return self

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def close(self) -> None:
        self.closed = True

    def record(self, frames: np.ndarray) -> int:
        """Deliver int16 (frames, channels) audio in the stream's block size; returns blocks."""
        block = self.opened["blocksize"]
        count = 0
        for start in range(0, len(frames), block):
            piece = frames[start:start + block]
            self.callback(piece, len(piece), None, None)
            count += 1
        return count


def take(iterator, count: int) -> bytes:
    return b"".join(next(iterator) for _ in range(count))


DEVICE = InputDevice(index=3, name="USB PnP Sound Device", channels=2, default_rate=48000)


def test_a_48k_stereo_card_is_resampled_to_16k_mono(speech, tmp_path):
    card = FakeCard()
    mic = SoundDeviceMicrophone(DEVICE, card.stream, rate=48000, channels=2)
    assert card.started and card.opened["dtype"] == "int16" and card.opened["device"] == 3
    assert card.opened["blocksize"] == 1440, "30 ms blocks at the card's rate"

    stereo = sox_convert(speech["original"], tmp_path / "card.wav", 48000, 2)
    frames, _ = soundfile.read(stereo, dtype="int16", always_2d=True)
    frames = frames[: 2 * 48000]  # the queue holds 3 s; the test delivers 2 s before reading
    chunks = mic.chunks()
    blocks = card.record(frames)
    audio = pcm(take(chunks, blocks))

    reference = reference_pcm(speech)[: 2 * SAMPLE_RATE]
    assert abs(len(audio) - len(frames) / 3) <= 2
    assert similarity(audio[:len(reference)], reference) > 0.97

    mic.close()
    assert card.stopped and card.closed
    mic.close()  # safe twice
    assert list(mic.chunks()) == []


def test_level_meter_tracks_loudness():
    card = FakeCard()
    mic = SoundDeviceMicrophone(DEVICE, card.stream, rate=16000, channels=1)
    rng = np.random.default_rng(1)
    loud = (rng.normal(0, 6000, (480, 1))).astype(np.int16)
    soft = (rng.normal(0, 60, (480, 1))).astype(np.int16)
    card.record(loud)
    loud_level = mic.level
    card.record(soft)
    soft_level = mic.level
    card.record(np.zeros((480, 1), dtype=np.int16))
    assert 0.6 < loud_level <= 1.0
    assert 0.0 < soft_level < 0.35
    assert mic.level == 0.0
    assert pcm_level(np.full(10, 32767)) == pytest.approx(1.0, abs=1e-3)
    mic.close()


def test_mute_drops_audio_and_keeps_dropping_for_the_tail():
    now = [100.0]
    card = FakeCard()
    mic = SoundDeviceMicrophone(DEVICE, card.stream, rate=16000, channels=1, mute_tail_s=0.3,
                                clock=lambda: now[0])
    tone = (8000 * np.sin(np.arange(480) / 5)).astype(np.int16).reshape(-1, 1)
    chunks = mic.chunks()

    mic.mute(True)  # the kiosk starts speaking
    card.record(tone)
    assert mic.level == 0.0
    mic.mute(False)  # the kiosk has finished; its voice may still be in the room
    now[0] += 0.29
    card.record(tone)
    now[0] += 0.02
    card.record(tone)  # past the tail: the patient is heard
    assert mic.level > 0.5

    first = next(chunks)
    assert pcm(first).tolist() == tone[:, 0].tolist(), "only the chunk after the tail came through"
    later = (4000 * np.sin(np.arange(480) / 9)).astype(np.int16).reshape(-1, 1)
    card.record(later)
    assert pcm(next(chunks)).tolist() == later[:, 0].tolist(), "nothing muted was left queued before it"
    mic.close()


def test_audio_queued_before_mute_is_not_delivered_during_it():
    now = [0.0]
    card = FakeCard()
    mic = SoundDeviceMicrophone(DEVICE, card.stream, rate=16000, channels=1, clock=lambda: now[0])
    chunks = mic.chunks()
    card.record(np.full((480, 1), 5000, dtype=np.int16))
    mic.mute(True)
    card.record(np.full((480, 1), 7000, dtype=np.int16))
    mic.mute(False)
    now[0] += 1.0
    card.record(np.full((480, 1), 9000, dtype=np.int16))
    assert pcm(next(chunks))[0] == 9000
    mic.close()


def test_a_microphone_that_stops_delivering_ends_the_utterance():
    card = FakeCard()
    mic = SoundDeviceMicrophone(DEVICE, card.stream, rate=16000, channels=1)
    mic.STALL_S = 0.5
    chunks = mic.chunks()
    card.record(np.full((480, 1), 5000, dtype=np.int16))
    assert pcm(next(chunks))[0] == 5000
    started = time.monotonic()
    assert list(chunks) == [], "unplugged: no more audio, and the iterator ends"
    # not before the stall limit (0.5 s); the upper bound only says it ended, a busy machine
    # may take a while longer
    assert 0.4 < time.monotonic() - started < 10
    assert "stopped sending sound" in mic.problem
    mic.close()


def test_mute_gate_without_unmute_never_opens():
    now = [0.0]
    gate = MuteGate(0.3, clock=lambda: now[0])
    assert not gate.dropping()
    gate.mute(True)
    now[0] += 100
    assert gate.dropping()
    gate.mute(False)
    assert gate.dropping()
    now[0] += 0.31
    assert not gate.dropping()
    gate.mute(False)  # unmuting again does not restart the tail
    assert not gate.dropping()


def test_chunked_resampling_equals_one_pass():
    rng = np.random.default_rng(7)
    signal = rng.normal(0, 3000, 44100)
    whole = Resampler(44100).process(signal)
    streaming = Resampler(44100)
    pieces = np.concatenate([streaming.process(signal[i:i + 1323]) for i in range(0, 44100, 1323)])
    assert len(whole) == len(pieces) == 16000
    assert np.allclose(whole, pieces)


def test_resampling_keeps_speech_band_and_removes_what_would_alias():
    rate = 48000
    t = np.arange(rate) / rate
    speech_tone = 8000 * np.sin(2 * np.pi * 440 * t)
    hiss = 8000 * np.sin(2 * np.pi * 11000 * t)  # would fold to 5 kHz without the filter
    out = Resampler(rate).process(speech_tone + hiss)
    spectrum = np.abs(np.fft.rfft(out))
    freqs = np.fft.rfftfreq(len(out), 1 / SAMPLE_RATE)
    at = lambda f: spectrum[np.argmin(np.abs(freqs - f))]
    assert at(440) > 100 * at(5000)


def test_picking_a_device_by_index_or_name():
    listing = [
        {"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "index": 0, "max_input_channels": 2,
         "max_output_channels": 2, "default_samplerate": 44100.0},
        {"name": "HDMI 0", "index": 1, "max_input_channels": 0, "max_output_channels": 8,
         "default_samplerate": 48000.0},
        {"name": "USB PnP Sound Device: Audio (hw:2,0)", "index": 2, "max_input_channels": 1,
         "max_output_channels": 0, "default_samplerate": 48000.0},
    ]
    devices = input_devices(listing)
    assert [d.index for d in devices] == [0, 2], "output-only devices are not microphones"
    assert pick_input_device(devices, "2", 0).name.startswith("USB")
    assert pick_input_device(devices, "usb pnp", 0).index == 2
    assert pick_input_device(devices, None, 2).index == 2
    assert pick_input_device(devices, None, -1).index == 0, "no default: the first microphone"
    with pytest.raises(MicrophoneError, match="HDMI|USB PnP"):
        pick_input_device(devices, "HDMI", 0)
    with pytest.raises(MicrophoneError, match="'1'"):
        pick_input_device(devices, "1", 0)


def test_a_card_that_refuses_16k_is_opened_at_its_own_rate():
    class Card:
        def __init__(self, accepts):
            self.accepts = accepts

        def check_input_settings(self, device, samplerate, channels, dtype):
            if (samplerate, channels) not in self.accepts:
                raise ValueError("Invalid sample rate")

    assert _stream_settings(Card({(16000, 1)}), DEVICE) == (16000, 1)
    assert _stream_settings(Card({(48000, 1)}), DEVICE) == (48000, 1)
    assert _stream_settings(Card({(48000, 2)}), DEVICE) == (48000, 2)
    with pytest.raises(MicrophoneError, match="USB PnP"):
        _stream_settings(Card(set()), DEVICE)


# ---------------------------------------------------------------- the shipped sample answers


def test_shipped_samples_are_small_16k_mono_speech_and_play_as_a_microphone():
    from kiosk.paths import audio_dir

    folder = audio_dir() / "samples"
    expected = {"yes", "no", "not-sure", "sixty-seven", "about-two-weeks", "numbness-and-tingling",
                "go-back", "whats-the-weather-like"}
    files = sorted(folder.glob("*.wav"))
    assert {f.stem for f in files} == expected
    for file in files:
        info = soundfile.info(file)
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
        assert file.stat().st_size < 50_000

    mic = FileMicrophone(folder, realtime=False, tail_s=0.3)
    for file in files:
        audio = pcm(b"".join(mic.chunks()))
        assert mic.current_file == file
        assert np.abs(audio).max() > 3000, f"{file.name} holds speech"


def test_without_the_sound_library_the_kiosk_still_opens(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as if sounddevice were not installed
    choice = open_microphone("usb", None)
    assert choice.microphone is None and choice.message == NO_MICROPHONE
    assert "sound library unavailable" in choice.detail
