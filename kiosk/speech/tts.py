"""Text-to-speech: pyttsx3 (espeak-ng on Linux and the Pi) in a child process, or silence.

pyttsx3 is known to hang or fail quietly on some Linux set-ups, and a hung speech call must never
freeze the kiosk in front of a patient. So the engine lives in a child process (this module run
as ``python -m kiosk.speech.tts``) that the kiosk talks to with one JSON line per request; every
request has a time limit in proportion to the text, and a child that overruns it is killed.
When speech fails, ``say()`` returns False and ``problem`` says why in plain words; the screen
still shows every question, so the interview goes on. After ``max_failures`` failures in a row it
rests for ``retry_after_s`` (each try may cost a time limit) and then tries again: a voice that
broke for a moment comes back by itself. Stopping a sentence (the patient answered by key or
touch) is never a failure.

Nothing is written to a file to speak: the child renders into memory (espeak-ng's samples,
collected from the library pyttsx3 loaded) and plays from there, so no sentence — and what the
kiosk says can echo the patient — is ever left in /dev/shm or on disk, not even when the child
is killed to silence it. An empty render is retried before it counts as a failure.

Why not let pyttsx3 play the sound itself: on Linux its espeak driver renders a WAV and runs
``aplay`` through ``os.system`` without checking the result, so with no ``aplay`` or no sound card
it reports success while nobody hears anything. The child therefore renders with pyttsx3 and
plays through sounddevice (PortAudio), which raises a clear error when there is no speaker.
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
import wave
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Sequence

from kiosk.config import SPEECH_RATE
from kiosk.speech.earcons import earcon_path

if TYPE_CHECKING:
    from kiosk.speech.protocols import TextToSpeech

DEFAULT_RATE = SPEECH_RATE  # the settings' default (kiosk/config.py), for callers that pass no rate
STARTUP_TIMEOUT_S = 15.0  # a cold Raspberry Pi needs a few seconds to import numpy and pyttsx3
MAX_FAILURES = 2  # after this many failures in a row, rest: each try may cost a timeout
RETRY_AFTER_S = 60.0  # then try again (next question or next patient): the speaker may be back
ESPEAK_RATE = 22050  # samples a second: espeak-ng's voices all render at this rate
RENDER_TRIES = 3  # an empty render is retried this many times in all before it counts as a failure

# Staff wording (staff screen and staff log); patients see the voice_* prompts of intents/prompts.yaml.
ON_SCREEN = "Questions are on the screen only."
NO_SPEAKER = f"Speaker: none found, so speaking is off. {ON_SCREEN}"


class SpeechError(Exception):
    """Speech could not be produced; the text says why."""


@dataclass(frozen=True)
class VoiceSettings:
    voice: str | None = None  # an espeak-ng voice or language such as "en-us"; None: default
    rate: int | None = None  # words a minute
    volume: float | None = None  # 0.0 to 1.0


def speech_timeout_s(text: str, rate: int | None) -> float:
    """How long speaking ``text`` may take before it counts as hung.

    Twice the expected speaking time plus a margin: slow hardware and long pauses at commas
    stretch speech, but nothing stretches it to double.
    """
    words = max(len(text.split()), len(text) / 6)
    expected = words * 60.0 / (rate or DEFAULT_RATE)
    return 3.0 + 2.0 * expected


def cue_timeout_s(path: Path) -> float:
    """How long playing an earcon may take: its length (a WAV header tells it) plus a margin."""
    with wave.open(str(path), "rb") as sound:
        return 2.0 + sound.getnframes() / sound.getframerate()


# --------------------------------------------------------------------------------------------
# The kiosk's side: a child process and the JSON lines it answers with.


class WorkerTimeout(SpeechError):
    pass


class _Worker:
    """One child process speaking on the kiosk's behalf."""

    def __init__(self, command: Sequence[str]) -> None:
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])  # so `-m kiosk...` finds this copy
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1, env=env)
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr_tail: deque[str] = deque(maxlen=20)  # ALSA noise must not reach the screen
        threading.Thread(target=self._read_replies, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_replies(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self._replies.put(json.loads(line))
            except json.JSONDecodeError:
                self.stderr_tail.append(line.rstrip())
        self._replies.put(None)  # the child has gone

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr_tail.append(line.rstrip())

    def reply(self, timeout_s: float) -> dict[str, Any]:
        try:
            message = self._replies.get(timeout=timeout_s)
        except queue.Empty:
            raise WorkerTimeout(f"no answer within {timeout_s:.1f} s") from None
        if message is None:
            self._replies.put(None)
            try:
                code = self.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                code = None
            detail = self.stderr_tail[-1] if self.stderr_tail else f"exit code {code}"
            raise SpeechError(f"the speech process stopped ({detail})")
        return message

    def request(self, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as error:
            raise SpeechError(f"the speech process stopped ({error})") from error
        return self.reply(timeout_s)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


def worker_command(settings: VoiceSettings) -> list[str]:
    return [sys.executable, "-m", "kiosk.speech.tts", json.dumps(asdict(settings))]


class Pyttsx3Speech:
    """Speaks through pyttsx3 in a child process; never blocks longer than its time limits.

    ``command`` replaces the child's command line (tests use a child that hangs); ``clock``
    lets a test move time on instead of waiting ``retry_after_s``.
    """

    name = "pyttsx3"

    def __init__(self, settings: VoiceSettings = VoiceSettings(), *,
                 command: Sequence[str] | None = None,
                 startup_timeout_s: float = STARTUP_TIMEOUT_S,
                 max_failures: int = MAX_FAILURES,
                 retry_after_s: float = RETRY_AFTER_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._command = list(command) if command else worker_command(settings)
        self.startup_timeout_s = startup_timeout_s
        self.max_failures = max_failures
        self.retry_after_s = retry_after_s
        self._clock = clock
        self.problem: str | None = None  # plain words for the staff screen; None while all is well
        self.warnings: list[str] = []  # e.g. an unknown voice name (speech still works)
        self.output: str | None = None  # the speaker the child found
        self._failures = 0
        self._resting_since: float | None = None  # when it last gave up
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._stops = 0  # counts stop() calls: a failure during a stopped sentence is no failure

    @property
    def gave_up(self) -> bool:
        """True while resting after ``max_failures`` failures in a row (or once closed)."""
        if self._closed:
            return True
        if self._resting_since is None:
            return False
        if self._clock() - self._resting_since >= self.retry_after_s:
            self._resting_since = None  # rested long enough: the next sentence tries again
            self._failures = self.max_failures - 1  # one more failure rests again at once
            return False
        return True

    @property
    def child_pid(self) -> int | None:
        """The speech child's process id while one is kept, else None (a hung or crashed child
        is dropped, and none is started while resting)."""
        worker = self._worker
        return worker.process.pid if worker is not None else None

    def start(self) -> bool:
        """Start the child and wait until it is ready. False (and ``problem``) if it is not."""
        with self._lock:
            return self._ensure_worker(self._stops) is not None

    def say(self, text: str) -> bool:
        if not text.strip():
            return True
        with self._lock:
            stops = self._stops
            worker = None if self.gave_up else self._ensure_worker(stops)
            if worker is None:
                return False
            timeout_s = speech_timeout_s(text, self.settings.rate)
            return self._run(worker, {"op": "say", "text": text}, timeout_s, stops)

    def cue(self, name: str) -> bool:
        """Play the earcon ``name`` through the child's speaker: the same process, time limits and
        failure count as speech (one program owns the sound card). Unknown names raise ValueError."""
        path = earcon_path(name)
        with self._lock:
            stops = self._stops
            worker = None if self.gave_up else self._ensure_worker(stops)
            if worker is None:
                return False
            return self._run(worker, {"op": "cue", "path": str(path)}, cue_timeout_s(path), stops)

    def save(self, text: str, path: Path) -> bool:
        """Render ``text`` into a WAV at ``path`` instead of the speaker; same engine, same rules."""
        with self._lock:
            stops = self._stops
            worker = None if self.gave_up else self._ensure_worker(stops)
            if worker is None:
                return False
            message = {"op": "save", "text": text, "path": str(Path(path).resolve())}
            return self._run(worker, message, speech_timeout_s(text, self.settings.rate), stops)

    def stop(self) -> None:
        """Cut off the sentence being spoken (the patient answered by touch). The blocked
        ``say()`` returns False at once; this is not a failure and the next ``say()`` works."""
        self._stops += 1
        worker = self._worker
        if worker is not None:
            worker.stop()  # killing the child is the only sure way to silence PortAudio and espeak

    def _ensure_worker(self, stops: int) -> _Worker | None:
        if self._worker is not None and self._worker.process.poll() is None:
            return self._worker
        self._worker = None
        try:
            worker = _Worker(self._command)
        except OSError as error:
            self._fail(f"Speech could not start ({error}).", stops)
            return None
        try:
            ready = worker.reply(self.startup_timeout_s)
            problem = None if ready.get("ready") else ready.get("problem", "Speech could not start.")
        except WorkerTimeout:
            problem = f"Speech did not start within {self.startup_timeout_s:.0f} seconds and was stopped."
        except SpeechError as error:
            problem = f"Speech could not start: {error}."
        if problem is not None:
            worker.stop()
            self._fail(problem, stops)
            return None
        self.warnings = list(ready.get("warnings", []))
        self.output = ready.get("output")
        self._worker = worker
        return worker

    def _run(self, worker: _Worker, message: dict[str, Any], timeout_s: float, stops: int) -> bool:
        try:
            reply = worker.request(message, timeout_s)
        except WorkerTimeout:
            self._drop_worker()
            self._fail(f"Speech stopped responding (no end after {timeout_s:.0f} seconds).", stops)
            return False
        except SpeechError as error:
            self._drop_worker()
            self._fail(f"Speech failed: {error}.", stops)
            return False
        if not reply.get("ok"):
            self._fail(reply.get("problem") or "Speech failed.", stops)
            return False
        self._failures = 0
        self._resting_since = None
        self.problem = None
        return True

    def _fail(self, problem: str, stops: int) -> None:
        """Count a failure, unless the sentence was stopped on purpose (or speech closed)."""
        if self._closed or self._stops != stops:
            return
        self._failures += 1
        if self._failures >= self.max_failures and self._resting_since is None:
            self._resting_since = self._clock()
            retry = f" It will try again in {self.retry_after_s:.0f} seconds."
        else:
            retry = ""
        text = problem if ON_SCREEN in problem else f"{problem} {ON_SCREEN}"
        self.problem = text + retry

    def _drop_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def close(self) -> None:
        """Safe at any time and from any thread; a ``say()`` in progress returns False."""
        self._closed = True
        worker = self._worker
        if worker is not None:
            worker.stop()  # not under the lock: say() may hold it for its whole time limit
        with self._lock:
            self._drop_worker()


class MutedSpeech:
    """Says nothing. With ``--mute`` that is what staff asked for (say() is True); as the
    fallback for broken speech it carries the ``problem`` and say() is False."""

    name = "muted"

    def __init__(self, problem: str | None = None) -> None:
        self.problem = problem

    def say(self, text: str) -> bool:
        return self.problem is None

    def cue(self, name: str) -> bool:
        earcon_path(name)  # an unknown name is a mistake in the code, muted or not
        return self.problem is None

    def close(self) -> None:
        pass


def create_tts(voice: str | None = None, rate: int | None = None, volume: float | None = None,
               mute: bool | None = False) -> TextToSpeech:
    """The kiosk's voice: pyttsx3 when it starts and a speaker exists, else silent with a problem.

    Waits for the speech process to be ready (about a second on a Pi), so the staff screen can
    say at start-up whether the kiosk will speak.
    """
    if mute:
        return MutedSpeech()
    speech = Pyttsx3Speech(VoiceSettings(voice, rate, volume))
    if not speech.start():
        speech.close()
        return MutedSpeech(speech.problem or "Speech could not start.")
    if speech.output is None:
        speech.close()
        return MutedSpeech(NO_SPEAKER)
    return speech


def speak_to_wav(text: str, path: Path, voice: str | None = None, rate: int | None = None,
                 volume: float | None = None) -> Path:
    """Write what the kiosk would say to a WAV (22.05 kHz mono from espeak-ng), with the same
    engine and settings as ``say()``. Raises SpeechError when it cannot."""
    path = Path(path)
    speech = Pyttsx3Speech(VoiceSettings(voice, rate, volume), max_failures=1)
    try:
        if not speech.save(text, path):
            raise SpeechError(speech.problem or "speech failed")
    finally:
        speech.close()
    return path


# --------------------------------------------------------------------------------------------
# The child's side: ``python -m kiosk.speech.tts '{"voice": ..., "rate": ..., "volume": ...}'``.


def _worker_main(argv: list[str]) -> int:
    replies = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # pyttsx3 prints ("Audio saved to ...") on stdout; keep the reply channel clean
    sys.stdout = sys.stderr
    settings = VoiceSettings(**json.loads(argv[0])) if argv else VoiceSettings()
    try:
        engine, warnings = _make_engine(settings)
    except Exception as error:  # noqa: BLE001 - any failure here means: no speech
        _send(replies, {"ready": False,
                        "problem": f"Speech could not start ({type(error).__name__}: {error})."})
        return 1
    output, output_problem = _find_speaker()
    _send(replies, {"ready": True, "output": output, "warnings": warnings,
                    "output_problem": output_problem})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "save":
                _render(engine, request["text"], Path(request["path"]))
            elif request["op"] == "cue":
                _play(Path(request["path"]).read_bytes())
            else:
                _speak(engine, request["text"])
            _send(replies, {"ok": True})
        except Exception as error:  # noqa: BLE001 - reported to the kiosk, which carries on
            _send(replies, {"ok": False, "problem": _plain_problem(error)})
    return 0


def _send(stream: IO[str], message: dict[str, Any]) -> None:
    stream.write(json.dumps(message) + "\n")
    stream.flush()


def _make_engine(settings: VoiceSettings) -> tuple[Any, list[str]]:
    import pyttsx3

    engine = pyttsx3.init()
    warnings = []
    if settings.voice:
        voice_id = _match_voice(engine.getProperty("voices"), settings.voice)
        if voice_id is None:
            warnings.append(f"Voice {settings.voice!r} was not found; the default voice is used.")
        else:
            engine.setProperty("voice", voice_id)
    engine.setProperty("rate", int(settings.rate or DEFAULT_RATE))
    if settings.volume is not None:
        engine.setProperty("volume", min(1.0, max(0.0, float(settings.volume))))
    engine.runAndWait()  # pyttsx3 queues property changes until its loop runs; nothing is said
    volume = 1.0 if settings.volume is None else min(1.0, max(0.0, float(settings.volume)))
    _ESPEAK_PARAMETERS.update(rate=int(settings.rate or DEFAULT_RATE), volume=int(round(volume * 100)))
    return engine, warnings


def _match_voice(voices: Sequence[Any], wanted: str) -> str | None:
    """A voice id for a name like "en-us", "gmw/en-us" or "English (America)"."""
    wanted = wanted.strip().casefold()
    for voice in voices:
        voice_id = str(voice.id)
        candidates = {voice_id.casefold(), voice_id.rsplit("/", 1)[-1].casefold(),
                      str(voice.name).casefold()}
        candidates.update(str(language).casefold() for language in (voice.languages or []))
        if wanted in candidates:
            return voice_id
    return None


def _uses_espeak(engine: Any) -> bool:
    return type(engine.proxy._driver).__module__.endswith(".espeak")  # pyttsx3 names its driver nowhere public


def _find_speaker() -> tuple[str | None, str | None]:
    try:
        import sounddevice

        info = sounddevice.query_devices(kind="output")
        return str(info["name"]), None
    except Exception as error:  # noqa: BLE001 - OSError (no PortAudio) or PortAudioError
        return None, f"{type(error).__name__}: {error}"


def _render_wav(synth: Callable[[str], bytes], text: str) -> bytes:
    """A WAV for ``text`` in memory, from ``synth`` (16-bit mono PCM at espeak's 22.05 kHz).
    An empty render is retried before it counts (see the module docstring)."""
    for _ in range(RENDER_TRIES):
        pcm = synth(text)
        if pcm:
            buffer = io.BytesIO()
            with wave.open(buffer, "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(ESPEAK_RATE)
                out.writeframes(pcm)
            return buffer.getvalue()
    raise SpeechError(f"the speech engine wrote no audio ({RENDER_TRIES} tries)")


_ESPEAK_PARAMETERS: dict[str, int] = {}  # the child's rate (words a minute) and volume (0-100)


def _espeak_synth(text: str) -> bytes:
    """espeak-ng's audio for ``text``, straight from the library pyttsx3 loaded (with the voice,
    rate and volume set through pyttsx3).

    Why not pyttsx3's own save_to_file + runAndWait: its loop can end before the synthesis does
    (measured: in 6 of 6 fresh processes the first render of a long question was empty, and
    the second held both sentences). espeak_Synchronize() returns only when every sample has
    reached the callback, so each render holds exactly its own sentence.
    """
    import ctypes

    from pyttsx3.drivers import _espeak

    chunks: list[bytes] = []
    # rate and volume again before every sentence: espeak queues parameter changes, and once in
    # about 20 runs under load the sentence came out at the default rate
    if _ESPEAK_PARAMETERS:
        _espeak.SetParameter(_espeak.RATE, _ESPEAK_PARAMETERS["rate"], 0)
        _espeak.SetParameter(_espeak.VOLUME, _ESPEAK_PARAMETERS["volume"], 0)

    def collect(wav: Any, samples: int, events: Any) -> int:
        if samples > 0:
            chunks.append(ctypes.string_at(wav, samples * 2))
        return 0

    _espeak.SetSynthCallback(collect)
    _espeak.Synth(text.encode("utf-8"), flags=_espeak.ENDPAUSE | _espeak.CHARS_UTF8)
    _espeak.Synchronize()
    return b"".join(chunks)


def _render(engine: Any, text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if _uses_espeak(engine):
        path.write_bytes(_render_wav(_espeak_synth, text))
        return
    engine.save_to_file(text, str(path))  # Windows SAPI5 and macOS NSSS need a file name
    engine.runAndWait()
    if not path.is_file() or path.stat().st_size <= 44:
        raise SpeechError(f"the speech engine wrote no audio to {path}")


def _speak(engine: Any, text: str) -> None:
    if not _uses_espeak(engine):
        engine.say(text)  # Windows SAPI5 and macOS NSSS play the sound themselves
        engine.runAndWait()
        return
    _play(_render_wav(_espeak_synth, text))


def _play(wav: bytes) -> None:
    import numpy as np
    import sounddevice
    import soundfile

    data, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    try:
        sounddevice.play(data, rate, blocking=True)
    except sounddevice.PortAudioError as error:
        if "sample rate" not in str(error).lower():
            raise
        # A raw hardware device that only plays its own rate: convert and try once more.
        device_rate = int(sounddevice.query_devices(kind="output")["default_samplerate"])
        times = np.arange(int(len(data) * device_rate / rate)) * rate / device_rate
        converted = np.interp(times, np.arange(len(data)), data).astype(np.float32)
        sounddevice.play(converted, device_rate, blocking=True)


def _plain_problem(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"
    if "querying device" in text or "no default output" in text.lower() or "PortAudio" in text:
        return f"{NO_SPEAKER} ({text})"
    return f"Speech failed ({text})."


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
