"""Microphones: a real sound card through sounddevice, or WAV files standing in for a patient.

Everything a microphone yields is 16 kHz mono int16 PCM (``SAMPLE_RATE``), whatever the source
delivers: cards that cannot record at 16 kHz are opened at their own rate and resampled here, and
WAVs of any rate, channel count and bit depth are converted when they are read.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from kiosk.speech.protocols import SAMPLE_RATE, Microphone

CHUNK_MS = 30
MUTE_TAIL_S = 0.3  # the room still rings and the speaker's buffer still plays after say() returns
FILE_TAIL_SILENCE_S = 1.5  # after each recorded answer: lets the listener's endpointing close it
EXHAUSTED_SILENCE_S = 10.0  # once every recorded answer is used: silence, then the source ends

# Staff wording (staff screen and staff log); patients see the voice_* prompts of intents/prompts.yaml.
NO_MICROPHONE = "Microphone: none found, so listening is off (patients use the keys and touch)."


class MicrophoneError(Exception):
    """A microphone or recorded-answer file that cannot be used; the text says which and why."""


# --------------------------------------------------------------------------------------------
# Conversion and level: plain numpy, shared by the sound-card and file microphones.


def _lowpass_taps(ratio: float, taps: int = 63) -> np.ndarray:
    """Windowed-sinc low-pass for downsampling by ``ratio`` (> 1).

    Cut-off a little under the new Nyquist frequency, so a 48 kHz card's hiss above 8 kHz does not
    fold back into the speech band the recognizer listens to.
    """
    cutoff = 0.9 / ratio  # as a fraction of the input Nyquist frequency
    n = np.arange(taps) - (taps - 1) / 2
    kernel = cutoff * np.sinc(cutoff * n) * np.hamming(taps)
    return (kernel / kernel.sum()).astype(np.float64)


class FirFilter:
    """Streaming FIR filter: keeps the last len(taps)-1 inputs, so audio filtered in pieces comes
    out the same as audio filtered in one go."""

    def __init__(self, taps: np.ndarray) -> None:
        self.taps = taps
        self._history = np.zeros(len(taps) - 1)

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        padded = np.concatenate((self._history, samples))
        self._history = padded[len(padded) - len(self._history):]
        return np.convolve(padded, self.taps, mode="valid")


class Resampler:
    """Streaming resampler to 16 kHz: anti-alias filter, then linear interpolation.

    It keeps its filter history and fractional read position between calls, so audio converted
    in 30 ms pieces comes out the same as audio converted in one go (no clicks at chunk edges).
    """

    def __init__(self, input_rate: int, output_rate: int = SAMPLE_RATE) -> None:
        if input_rate <= 0:
            raise ValueError(f"sample rate must be positive, not {input_rate}")
        self.input_rate = input_rate
        self.output_rate = output_rate
        self._step = input_rate / output_rate  # input samples per output sample
        self._filter = FirFilter(_lowpass_taps(self._step)) if self._step > 1 else None
        self._last = 0.0  # last filtered input sample of the previous call
        self._position = 1.0  # next output time, in input samples, counted from self._last

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Mono float samples at the input rate -> mono float samples at the output rate."""
        samples = np.asarray(samples, dtype=np.float64)
        if self.input_rate == self.output_rate or samples.size == 0:
            return samples
        filtered = self._filter(samples) if self._filter is not None else samples
        signal = np.concatenate(([self._last], filtered))  # index 0 is the previous call's end
        count = max(0, math.floor((len(signal) - 1 - self._position) / self._step) + 1)
        times = self._position + self._step * np.arange(count)
        out = np.interp(times, np.arange(len(signal)), signal)
        self._position = self._position + self._step * count - len(filtered)
        self._last = float(signal[-1])
        return out


def to_mono(frames: np.ndarray) -> np.ndarray:
    """(frames, channels) or (frames,) of any numeric type -> float mono in int16 units."""
    data = np.asarray(frames)
    if data.dtype.kind == "f":
        data = data * 32768.0  # soundfile/sounddevice floats are -1..1
    data = data.astype(np.float64)
    return data.mean(axis=1) if data.ndim == 2 else data


def to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


def pcm_level(samples: np.ndarray) -> float:
    """Meter level 0..1 from int16-scaled samples: -60 dBFS (a quiet room) is 0, 0 dBFS is 1.

    A decibel scale, because speech RMS is only a few percent of full scale: a linear meter would
    barely move while someone talks.
    """
    data = np.asarray(samples, dtype=np.float64)
    if data.size == 0:
        return 0.0
    rms = math.sqrt(float(np.mean(data * data))) / 32768.0
    if rms <= 1e-6:
        return 0.0
    return min(1.0, max(0.0, (20.0 * math.log10(rms) + 60.0) / 60.0))


def silence(seconds: float) -> bytes:
    return bytes(2 * int(round(seconds * SAMPLE_RATE)))


class MuteGate:
    """Says whether to drop microphone audio: while muted, and for ``tail_s`` after unmuting."""

    def __init__(self, tail_s: float = MUTE_TAIL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.tail_s = tail_s
        self._clock = clock
        self._muted = False
        self._open_at = 0.0  # clock time from which audio passes again
        self._lock = threading.Lock()
        self.generation = 0  # counts mute(True) calls: audio from an older generation is stale

    def mute(self, muted: bool) -> None:
        with self._lock:
            if muted:
                self._muted = True
                self.generation += 1
            elif self._muted:
                self._muted = False
                self._open_at = self._clock() + self.tail_s

    def dropping(self) -> bool:
        with self._lock:
            return self._muted or self._clock() < self._open_at


# --------------------------------------------------------------------------------------------
# The sound card.


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int  # most input channels the device offers
    default_rate: int


def input_devices(device_list: Sequence[dict[str, Any]]) -> list[InputDevice]:
    """The recording devices in a ``sounddevice.query_devices()`` list."""
    found = []
    for index, info in enumerate(device_list):
        if int(info.get("max_input_channels", 0)) > 0:
            found.append(InputDevice(int(info.get("index", index)), str(info["name"]),
                                     int(info["max_input_channels"]),
                                     int(round(float(info.get("default_samplerate", SAMPLE_RATE))))))
    return found


def pick_input_device(devices: Sequence[InputDevice], wanted: str | None,
                      default_index: int | None) -> InputDevice:
    """The device ``--mic`` names: an index, or a case-insensitive part of the name.

    With no ``--mic``, the system's default input, else the first input device.
    Raises MicrophoneError naming what exists when nothing matches.
    """
    if not devices:
        raise MicrophoneError("no recording device")
    if wanted is None or not wanted.strip():
        for device in devices:
            if device.index == default_index:
                return device
        return devices[0]
    wanted = wanted.strip()
    if wanted.isdigit():
        for device in devices:
            if device.index == int(wanted):
                return device
    else:
        for device in devices:
            if wanted.casefold() in device.name.casefold():
                return device
    names = "; ".join(f"{d.index}: {d.name}" for d in devices)
    raise MicrophoneError(f"no recording device matches --mic {wanted!r} (devices: {names})")


StreamFactory = Callable[..., Any]  # sounddevice.InputStream, or a stand-in in tests


class SoundDeviceMicrophone:
    """A live sound card. Audio arrives on PortAudio's thread and waits in a short queue.

    The stream stays open between questions so the level meter keeps moving; ``chunks()``
    starts from fresh audio each time, because what was said before the question is stale.
    """

    QUEUE_SECONDS = 3.0  # beyond this, the oldest audio is dropped (nobody was listening)
    STALL_S = 2.0  # PortAudio calls back every 30 ms; this long without a call: device gone

    def __init__(self, device: InputDevice, stream_factory: StreamFactory, *, rate: int,
                 channels: int, mute_tail_s: float = MUTE_TAIL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = device.name
        self.device = device
        self.rate = rate
        self.channels = channels
        self._gate = MuteGate(mute_tail_s, clock)
        self._resampler = Resampler(rate)
        self._queue: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(
            maxsize=max(4, int(self.QUEUE_SECONDS * 1000 / CHUNK_MS)))
        self._level = 0.0
        self._closed = threading.Event()
        self._last_callback = time.monotonic()
        self.problem: str | None = None  # set when the device stops delivering sound
        self._stream = stream_factory(device=device.index, samplerate=rate, channels=channels,
                                      dtype="int16", blocksize=int(rate * CHUNK_MS / 1000),
                                      callback=self._on_audio)
        self._stream.start()

    @property
    def level(self) -> float:
        return self._level

    def mute(self, muted: bool) -> None:
        self._gate.mute(muted)
        if muted:
            self._level = 0.0

    def _on_audio(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio's callback: keep it short; conversion happens in the reading thread."""
        self._last_callback = time.monotonic()
        if self._gate.dropping():
            self._level = 0.0
            return
        mono = to_mono(indata)
        self._level = pcm_level(mono)
        item = (self._gate.generation, mono)
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self._queue.put_nowait(item)

    def chunks(self) -> Iterator[bytes]:
        self._drain()  # now, not at the first next(): audio from before this call is stale
        self._resampler = Resampler(self.rate)  # no filter history carried across the gap
        return self._live()

    def _live(self) -> Iterator[bytes]:
        """Ends when closed, or when the device stops calling back (unplugged): a listener
        waiting on a dead microphone must not wait for ever."""
        started = time.monotonic()
        while not self._closed.is_set():
            try:
                generation, mono = self._queue.get(timeout=0.1)
            except queue.Empty:
                if time.monotonic() - max(self._last_callback, started) > self.STALL_S:
                    self.problem = f"The microphone {self.name} stopped sending sound."
                    return
                continue
            if self._gate.dropping() or generation != self._gate.generation:
                continue  # queued before the kiosk last spoke: stale, or the kiosk's own voice
            converted = to_int16(self._resampler.process(mono))
            if converted.size:
                yield converted.tobytes()

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # noqa: BLE001 - a vanished USB microphone must not crash shutdown
            pass


def _stream_settings(sd: Any, device: InputDevice) -> tuple[int, int]:
    """(rate, channels) the device accepts: 16 kHz mono if it can, else its own rate."""
    rates = [SAMPLE_RATE] + ([device.default_rate] if device.default_rate != SAMPLE_RATE else [])
    channel_options = [1] + ([min(device.channels, 2)] if device.channels > 1 else [])
    last_error: Exception | None = None
    for rate in rates:
        for channels in channel_options:
            try:
                sd.check_input_settings(device=device.index, samplerate=rate, channels=channels,
                                        dtype="int16")
                return rate, channels
            except Exception as error:  # noqa: BLE001 - PortAudioError or ValueError
                last_error = error
    raise MicrophoneError(f"{device.name} accepts neither 16 kHz nor {device.default_rate} Hz "
                          f"recording ({last_error})")


# --------------------------------------------------------------------------------------------
# Recorded answers (the virtual microphone).


def read_wav_16k(path: Path) -> np.ndarray:
    """Any WAV soundfile reads -> 16 kHz mono int16. MicrophoneError names the file if it can't."""
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    except Exception as error:  # soundfile raises several types for bad files
        raise MicrophoneError(f"cannot read audio file {path}: {error}") from error
    if data.shape[0] == 0:
        raise MicrophoneError(f"audio file {path} holds no sound (0 samples)")
    return to_int16(Resampler(int(rate)).process(to_mono(data)))


def wav_files(path: Path) -> list[Path]:
    """The WAV, or the folder's WAVs in name order. MicrophoneError when there are none."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".wav")
        if not files:
            raise MicrophoneError(f"folder {path} has no .wav files")
        return files
    if path.is_file():
        return [path]
    raise MicrophoneError(f"audio file {path} does not exist")


class FileMicrophone:
    """Recorded answers as a microphone: each ``chunks()`` plays the next file, then silence.

    The files are checked when the microphone is made, so a broken one is reported at start-up,
    not in the middle of a patient's interview. Once all are used, ``chunks()`` yields only
    silence (the listener hears no answer) and ends.
    """

    def __init__(self, path: Path, *, realtime: bool = True, chunk_ms: int = CHUNK_MS,
                 tail_s: float = FILE_TAIL_SILENCE_S,
                 exhausted_silence_s: float = EXHAUSTED_SILENCE_S,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = Path(path)
        self._clock = clock  # a test's clock shows the pacing without timing a loaded machine
        self._sleep = sleep
        self.files = wav_files(self.path)
        for file in self.files:
            _check_readable(file)
        self.name = f"recorded answers: {self.path.name}"
        self.realtime = realtime
        self.chunk_bytes = 2 * int(SAMPLE_RATE * chunk_ms / 1000)
        self.tail_s = tail_s
        self.exhausted_silence_s = exhausted_silence_s
        self._next = 0
        self._level = 0.0
        self._closed = False
        self.current_file: Path | None = None

    @property
    def level(self) -> float:
        return self._level

    @property
    def remaining(self) -> int:
        return len(self.files) - self._next

    def mute(self, muted: bool) -> None:
        """Nothing to drop: a recording cannot hear the kiosk, and it only plays when listened to."""

    def chunks(self) -> Iterator[bytes]:
        if self._next < len(self.files):
            self.current_file = self.files[self._next]
            self._next += 1
            audio = read_wav_16k(self.current_file).tobytes() + silence(self.tail_s)
        else:
            self.current_file = None
            audio = silence(self.exhausted_silence_s)
        return self._paced(audio)

    def _paced(self, audio: bytes) -> Iterator[bytes]:
        started = self._clock()
        for offset in range(0, len(audio), self.chunk_bytes):
            if self._closed:
                return
            chunk = audio[offset:offset + self.chunk_bytes]
            self._level = pcm_level(np.frombuffer(chunk, dtype=np.int16))
            if self.realtime:
                due = started + offset / (2 * SAMPLE_RATE)  # from the start: a late chunk does not delay the rest
                delay = due - self._clock()
                if delay > 0:
                    self._sleep(delay)
            yield chunk
        self._level = 0.0

    def close(self) -> None:
        self._closed = True


def _check_readable(file: Path) -> None:
    import soundfile

    try:
        info = soundfile.info(str(file))
    except Exception as error:
        raise MicrophoneError(f"cannot read audio file {file}: {error}") from error
    if info.frames == 0:
        raise MicrophoneError(f"audio file {file} holds no sound (0 samples)")


# --------------------------------------------------------------------------------------------
# Choosing a microphone at start-up.


@dataclass(frozen=True)
class MicrophoneChoice:
    microphone: Microphone | None  # None: no listening; patients use keys and touch
    message: str  # plain words for the screen
    detail: str = ""  # the technical reason, for the staff screen and the log


def open_microphone(mic: str | None, mic_file: Path | None, *,
                    realtime: bool = True) -> MicrophoneChoice:
    """The microphone to listen with, or None and a plain message. Never raises.

    ``mic_file`` wins over ``mic``. ``realtime=False`` plays recorded answers as fast as they
    can be read (tests, batch runs); the kiosk keeps real time so the screen behaves as live.
    """
    if mic_file is not None:
        return _open_file_microphone(Path(mic_file), realtime)
    try:
        import sounddevice
    except (OSError, ImportError) as error:  # libportaudio missing or broken
        return MicrophoneChoice(None, NO_MICROPHONE, f"sound library unavailable: {error}")
    try:
        return _open_sound_card(sounddevice, mic)
    except MicrophoneError as error:
        return MicrophoneChoice(None, NO_MICROPHONE, str(error))
    except Exception as error:  # noqa: BLE001 - PortAudioError and friends: the kiosk goes on
        return MicrophoneChoice(None, NO_MICROPHONE, f"{type(error).__name__}: {error}")


def _open_file_microphone(path: Path, realtime: bool) -> MicrophoneChoice:
    try:
        microphone = FileMicrophone(path, realtime=realtime)
    except MicrophoneError as error:
        reason = str(error).rstrip(".")
        return MicrophoneChoice(None, f"Microphone: the recorded answers cannot be used, so listening is off: {reason}.",
                                reason)
    count = len(microphone.files)
    return MicrophoneChoice(microphone, f"Listening to {count} recorded answer"
                            f"{'' if count == 1 else 's'} from {path}.")


def _open_sound_card(sd: Any, wanted: str | None) -> MicrophoneChoice:
    devices = input_devices(sd.query_devices())
    try:
        default_index = int(sd.default.device[0])
    except Exception:  # noqa: BLE001 - no default device
        default_index = None
    device = pick_input_device(devices, wanted, default_index)
    rate, channels = _stream_settings(sd, device)
    microphone = SoundDeviceMicrophone(device, sd.InputStream, rate=rate, channels=channels)
    converted = "" if rate == SAMPLE_RATE else f" (records at {rate} Hz, converted to 16 kHz)"
    return MicrophoneChoice(microphone, f"Listening with microphone: {device.name}.",
                            f"device {device.index}{converted}")
