"""Text-to-speech: pyttsx3 (espeak-ng on Linux and the Pi) in a child process, or silence.

pyttsx3 is known to hang or fail quietly on some Linux set-ups, and a hung speech call must never
freeze the kiosk in front of a patient. So the engine lives in a child process (this module run
as ``python -m kiosk.speech.tts``) that the kiosk talks to with one JSON line per request; every
request has a time limit in proportion to the text, and a child that overruns it is killed.
When speech fails, ``say()`` returns False and ``problem`` says why in plain words; the screen
still shows every question, so the interview goes on. A hang (no answer within the time limit)
rests the voice at once, and so do ``max_failures`` quick failures in a row: while it rests,
``say()`` returns False at once, so a hung espeak costs the patient one time limit, not one per
sentence. It comes back by itself through a check in the background: a fresh child renders a
short sentence in memory and plays a moment of silence (the whole path, nothing the patient
hears), within its own time limits. A check is started at the next question and at the next
session (``try_again()``); after a second hang in one session only the next session checks, so a
voice that passes the check but hangs on real sentences costs at most two time limits a session.
Stopping a sentence (the patient answered by key or touch) is never a failure.

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
# The kiosk's own start (create_tts) and speak_to_wav: nobody is waiting for a sentence (keys
# and touch work meanwhile), so a slow start is not taken for a hang. A start took 13 s with
# both cores of a 2-core machine busy.
FIRST_START_TIMEOUT_S = 60.0
MAX_FAILURES = 2  # quick failures (a crash, an error) in a row before it rests; a hang rests at once
MAX_HANGS_PER_SESSION = 2  # after this many hangs in one session, only the next session checks again
CHECK_TEXT = "Yes."  # what a background check renders in memory (never played: nobody hears it)
CHECK_SILENCE_S = 0.1  # the moment of silence a check plays, so the speaker path is checked too
ESPEAK_RATE = 22050  # samples a second: espeak-ng's voices all render at this rate
RENDER_TRIES = 3  # an empty render is retried this many times in all before it counts as a failure
# Added to every sentence's and earcon's time limit: a busy 2-core machine overran 2 s. A
# Pyttsx3Speech takes another (margin_s): tests of a child that hangs wait a short one out.
TIME_LIMIT_MARGIN_S = 3.0

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


def speech_timeout_s(text: str, rate: int | None, margin_s: float = TIME_LIMIT_MARGIN_S) -> float:
    """How long speaking ``text`` may take before it counts as hung.

    Twice the expected speaking time plus a margin: slow hardware and long pauses at commas
    stretch speech, but nothing stretches it to double.
    """
    words = max(len(text.split()), len(text) / 6)
    expected = words * 60.0 / (rate or DEFAULT_RATE)
    return margin_s + 2.0 * expected


def cue_timeout_s(path: Path, margin_s: float = TIME_LIMIT_MARGIN_S) -> float:
    """How long playing an earcon may take: its length (a WAV header tells it) plus the same
    margin as a sentence."""
    with wave.open(str(path), "rb") as sound:
        return margin_s + sound.getnframes() / sound.getframerate()


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
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

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
            # Its last words ("Segmentation fault") may still be on their way from the stderr pipe
            # when stdout has already ended: wait for that reader too (bounded: a grandchild may
            # hold the pipe open).
            self._stderr_reader.join(timeout=1)
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

    ``command`` replaces the child's command line (tests use a child that hangs, or the real
    child with a stand-in espeak or speaker).
    """

    name = "pyttsx3"

    def __init__(self, settings: VoiceSettings = VoiceSettings(), *,
                 command: Sequence[str] | None = None,
                 startup_timeout_s: float = STARTUP_TIMEOUT_S,
                 max_failures: int = MAX_FAILURES,
                 margin_s: float = TIME_LIMIT_MARGIN_S) -> None:
        self.settings = settings
        self._command = list(command) if command else worker_command(settings)
        self.startup_timeout_s = startup_timeout_s
        self.margin_s = margin_s  # added to each sentence's and earcon's time limit
        self.max_failures = max_failures
        self.problem: str | None = None  # plain words for the staff screen; None while all is well
        self.warnings: list[str] = []  # e.g. an unknown voice name (speech still works)
        self.output: str | None = None  # the speaker the child found
        self._failures = 0
        self._resting = False  # gave up: say() returns False at once until a check passes
        self._hangs = 0  # hangs this session (see MAX_HANGS_PER_SESSION)
        self._worker: _Worker | None = None
        self._lock = threading.Lock()  # held by say(): one sentence at a time
        self._check_lock = threading.Lock()  # the background check's state; never held for long
        self._check: threading.Thread | None = None
        self._check_worker: _Worker | None = None
        self.checks_started = 0  # background checks so far: each question or session while resting
        self._closed = False
        self._stops = 0  # counts stop() calls: a failure during a stopped sentence is no failure

    @property
    def gave_up(self) -> bool:
        """True while resting (until a background check passes), or once closed."""
        return self._closed or self._resting

    @property
    def checking(self) -> bool:
        """True while a background check of a resting voice runs."""
        check = self._check
        return check is not None and check.is_alive()

    def wait_for_check(self, timeout_s: float | None = None) -> None:
        """Block until the background check (if any) has ended; for tests and scripts."""
        check = self._check
        if check is not None:
            check.join(timeout_s)

    @property
    def child_pid(self) -> int | None:
        """The speech child's process id while one is kept, else None (a hung or crashed child
        is dropped, and none is started while resting)."""
        worker = self._worker
        return worker.process.pid if worker is not None else None

    def start(self, timeout_s: float | None = None) -> bool:
        """Start the child and wait until it is ready (at most ``timeout_s``, by default the
        start-up limit). False (and ``problem``) if it is not."""
        with self._lock:
            return self._ensure_worker(self._stops, timeout_s) is not None

    def say(self, text: str) -> bool:
        if not text.strip():
            return True
        with self._lock:
            stops = self._stops
            if self._resting:
                self._start_check()  # the next question: a check the patient does not wait for
                return False
            worker = self._ensure_worker(stops)
            if worker is None:
                return False
            timeout_s = speech_timeout_s(text, self.settings.rate, self.margin_s)
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
            return self._run(worker, {"op": "cue", "path": str(path)}, cue_timeout_s(path, self.margin_s), stops)

    def save(self, text: str, path: Path) -> bool:
        """Render ``text`` into a WAV at ``path`` instead of the speaker; same engine, same rules."""
        with self._lock:
            stops = self._stops
            worker = None if self.gave_up else self._ensure_worker(stops)
            if worker is None:
                return False
            message = {"op": "save", "text": text, "path": str(Path(path).resolve())}
            return self._run(worker, message, speech_timeout_s(text, self.settings.rate, self.margin_s), stops)

    def try_again(self) -> None:
        """A new session: a resting voice is checked again in the background (nobody waits for
        it), and this session's hangs are forgotten. Safe from any thread; returns at once."""
        with self._check_lock:
            self._hangs = 0
        if self._resting:
            self._start_check()

    def stop(self) -> None:
        """Cut off the sentence being spoken (the patient answered by touch). The blocked
        ``say()`` returns False at once; this is not a failure and the next ``say()`` works."""
        self._stops += 1
        worker = self._worker
        if worker is not None:
            worker.stop()  # killing the child is the only sure way to silence PortAudio and espeak

    def _ensure_worker(self, stops: int, timeout_s: float | None = None) -> _Worker | None:
        if self._worker is not None and self._worker.process.poll() is None:
            return self._worker
        self._worker = None
        try:
            worker = _Worker(self._command)
        except OSError as error:
            self._fail(f"Speech could not start ({error}).", stops)
            return None
        self._worker = worker  # already now, so stop() and close() can end a child still starting
        ready, problem, hung = self._wait_ready(worker, timeout_s or self.startup_timeout_s)
        if self._closed or self._stops != stops:
            self._drop_worker()  # closed or stopped while it started: nothing more to say
            return None
        if problem is not None:
            self._drop_worker()
            self._fail(problem, stops, hung=hung)
            return None
        self._take_worker(worker, ready)
        return worker

    def _wait_ready(self, worker: _Worker, timeout_s: float) -> tuple[dict[str, Any], str | None, bool]:
        """The child's ready message, or why it is not ready and whether it hung."""
        try:
            ready = worker.reply(timeout_s)
        except WorkerTimeout:
            return {}, f"Speech did not start within {timeout_s:.0f} seconds and was stopped.", True
        except SpeechError as error:
            return {}, f"Speech could not start: {error}.", False
        if not ready.get("ready"):
            return ready, ready.get("problem", "Speech could not start."), False
        return ready, None, False

    def _take_worker(self, worker: _Worker, ready: dict[str, Any]) -> None:
        self.warnings = list(ready.get("warnings", []))
        self.output = ready.get("output")
        self._worker = worker

    def _run(self, worker: _Worker, message: dict[str, Any], timeout_s: float, stops: int) -> bool:
        try:
            reply = worker.request(message, timeout_s)
        except WorkerTimeout:
            self._drop_worker()
            self._fail(f"Speech stopped responding (no end after {timeout_s:.0f} seconds).", stops, hung=True)
            return False
        except SpeechError as error:
            self._drop_worker()
            self._fail(f"Speech failed: {error}.", stops)
            return False
        if not reply.get("ok"):
            self._fail(reply.get("problem") or "Speech failed.", stops)
            return False
        self._failures = 0
        self.problem = None
        return True

    def _fail(self, problem: str, stops: int, *, hung: bool = False) -> None:
        """Count a failure, unless the sentence was stopped on purpose (or speech closed). A hang
        rests at once: every further try would cost the patient another time limit."""
        if self._closed or self._stops != stops:
            return
        self._failures += 1
        with self._check_lock:
            self._hangs += hung
            checks_left = self._hangs < MAX_HANGS_PER_SESSION
        if hung or self._failures >= self.max_failures:
            self._resting = True
        text = problem if ON_SCREEN in problem else f"{problem} {ON_SCREEN}"
        if self._resting:
            text += (" Speech is checked again in the background at the next question." if checks_left
                     else " Speech is tried again for the next patient.")
        self.problem = text

    # -- the background check of a resting voice ----------------------------------------------
    def _start_check(self) -> None:
        with self._check_lock:
            if self._closed or self._hangs >= MAX_HANGS_PER_SESSION or self.checking:
                return
            self._check = threading.Thread(target=self._run_check, name="speech-check", daemon=True)
            self._check.start()
            self.checks_started += 1

    def _run_check(self) -> None:
        """A fresh child renders CHECK_TEXT in memory and plays a moment of silence, each within
        its time limit; when it passes, it becomes the voice and the rest is over."""
        try:
            worker = _Worker(self._command)
        except OSError:
            return
        with self._check_lock:
            if self._closed:  # close() set _closed before it looked for a check's child
                worker.stop()
                return
            self._check_worker = worker
        ready, problem, _ = self._wait_ready(worker, self.startup_timeout_s)
        passed = False
        if problem is None:
            try:
                limit = speech_timeout_s(CHECK_TEXT, self.settings.rate, self.margin_s)
                passed = bool(worker.request({"op": "check"}, limit).get("ok"))
            except SpeechError:  # WorkerTimeout included: the voice keeps resting
                pass
        with self._check_lock:
            self._check_worker = None
        if passed:
            with self._lock:  # say() holds it only for a moment while resting
                passed = self._resting and not self._closed
                if passed:
                    self._drop_worker()
                    self._take_worker(worker, ready)
                    self._failures = 0
                    self._resting = False
                    self.problem = None
        if not passed:
            worker.stop()

    def _drop_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def close(self) -> None:
        """Safe at any time and from any thread; a ``say()`` in progress returns False."""
        self._closed = True
        with self._check_lock:
            checking = self._check_worker
        for worker in (self._worker, checking):
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
    if not speech.start(FIRST_START_TIMEOUT_S):
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
    speech = Pyttsx3Speech(VoiceSettings(voice, rate, volume), max_failures=1,
                           startup_timeout_s=FIRST_START_TIMEOUT_S)
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
    _load_player()
    _send(replies, {"ready": True, "output": output, "warnings": warnings,
                    "output_problem": output_problem})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "save":
                _render(engine, request["text"], Path(request["path"]))
            elif request["op"] == "check":
                _check(engine)
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


def _load_player() -> None:
    """Import what playing needs before the child says it is ready. The first sentence's time
    limit is for speaking: with numpy and soundfile imported on the first sentence, a fresh
    child on a busy machine overran the limit of a short sentence ("Yes.", 3.75 s)."""
    try:
        import numpy  # noqa: F401
        import soundfile  # noqa: F401
    except (ImportError, OSError):  # playing will then fail with its own clear problem
        pass


def render_wav(synth: Callable[[str], bytes], text: str) -> bytes:
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
        path.write_bytes(render_wav(_espeak_synth, text))
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
    _play(render_wav(_espeak_synth, text))


def _check(engine: Any) -> None:
    """The whole path, silently: espeak renders a short sentence in memory (not played) and the
    speaker plays a moment of silence. Raises as speaking would; a hang is the kiosk's timeout."""
    if not _uses_espeak(engine):
        return  # Windows SAPI5 and macOS NSSS cannot render without speaking: a live child will do
    import numpy as np

    render_wav(_espeak_synth, CHECK_TEXT)
    _play_samples(np.zeros(int(ESPEAK_RATE * CHECK_SILENCE_S), dtype=np.float32), ESPEAK_RATE)


def _play(wav: bytes) -> None:
    import soundfile

    data, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    _play_samples(data, rate)


def _play_samples(data: Any, rate: int) -> None:
    import numpy as np
    import sounddevice

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
