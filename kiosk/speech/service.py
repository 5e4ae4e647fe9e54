"""The speech service: open the microphone, recognizer and voice; say; listen.

The UI holds one (kiosk/ui/voice.py is its thin adapter), ``kiosk hear`` runs the same Listener.
Everything here blocks and is meant to run in worker threads, never on a UI thread. The heavy
speech modules are imported lazily, so the kiosk starts (and works by keys and touch) when they
are missing or broken; :class:`VoiceStatus` says in plain words what does not work, and
``running`` which engine, model and noise removal do.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from kiosk.config import Settings
from kiosk.engine.understanding import Grammar

from .protocols import Heard

LEVEL_INTERVAL_S = 0.1  # at most ten meter updates a second reach the UI


@dataclass(frozen=True)
class VoiceStatus:
    hearing: bool
    speaking: bool
    engine: str = ""  # which recognizer is listening, for staff
    problems: tuple[str, ...] = ()  # why hearing or speaking is off, for staff (patients: kiosk.ui.voice.voice_words)
    running: str = ""  # the startup message: engine, model, noise removal, engines skipped and why


class Cancel(threading.Event):
    """A stop flag the listener can use either as an Event (``is_set()``) or as a callable."""

    def __call__(self) -> bool:
        return self.is_set()


@dataclass
class SpeechService:
    """Speech for the kiosk, built from settings; ``open()`` must be called (in a worker) first."""

    settings: Settings
    status: VoiceStatus = field(default_factory=lambda: VoiceStatus(False, False, problems=("Voice is starting.",)))
    _recognizer: Any = None
    _listener: Any = None
    _microphone: Any = None
    _tts: Any = None
    _turn_lock: threading.Lock = field(default_factory=threading.Lock)
    _speaking: bool = False
    _running: str = ""
    # Recorded answers (mic_file) play at the pace of speech, so the screen behaves as live; a
    # test sets False to play them as fast as the listener takes them (the same audio, no waiting).
    realtime: bool = True

    def open(self, engine: str | None = None) -> VoiceStatus:
        self.close()
        problems: list[str] = []
        engine = engine or self.settings.engine
        tts = self._open_tts(problems)
        hearing = self._open_hearing(engine, problems)
        self._tts = tts
        name = getattr(self._recognizer, "name", "") if hearing else ""
        self.status = VoiceStatus(hearing, tts is not None, name, tuple(problems), self._running if hearing else "")
        return self.status

    def speak_with(self, tts: Any, problems: tuple[str, ...] = ()) -> VoiceStatus:
        """Speak through ``tts`` (a TextToSpeech made elsewhere), listening off, in place of what
        ``open()`` would start: the tests' stand-ins for a broken espeak or for the sound card."""
        self.close()
        self._tts = tts
        self.status = VoiceStatus(False, True, "", problems)
        return self.status

    def _open_tts(self, problems: list[str]) -> Any:
        s = self.settings
        try:
            from .tts import create_tts

            tts = create_tts(s.voice, s.rate, s.volume, s.mute)
        except Exception as error:  # noqa: BLE001 - a missing or broken speech module must not stop the kiosk
            problems.append(f"Speaker: speech could not start, so speaking is off: {_short(error)}")
            return None
        if s.mute:
            problems.append("Speaker: muted by the settings, so speaking is off.")
            return None
        problem = getattr(tts, "problem", None)  # create_tts falls back to a silent voice that says why
        if problem:
            problems.append(str(problem))  # already plain words from the speech module
            return None
        return tts

    def _open_hearing(self, engine: str, problems: list[str]) -> bool:
        s = self.settings
        try:
            from .listener import Listener
            from .microphone import open_microphone
            from .select import create_recognizer

            mic_choice = open_microphone(s.microphone, s.mic_file, realtime=self.realtime)
            if mic_choice.microphone is None:
                detail = getattr(mic_choice, "detail", "")
                problems.append(mic_choice.message + (f" ({detail})" if detail else ""))
                return False
            rec_choice = create_recognizer(engine, s.model)
            if rec_choice.recognizer is None:
                mic_choice.microphone.close()
                problems.append(rec_choice.message)
                return False
        except Exception as error:  # noqa: BLE001 - any recognizer or microphone failure: keys and touch still work
            problems.append(f"Listening is off: {_short(error)}")
            return False
        self._microphone = mic_choice.microphone
        self._recognizer = rec_choice.recognizer
        self._running = rec_choice.message
        self._listener = Listener(rec_choice.recognizer)
        return True

    @property
    def engine_note(self) -> str:
        """What the recognizer choice said: engine, model, noise removal ("" while not hearing)."""
        return self._running if self._listener is not None else ""

    @property
    def tts(self) -> Any:
        """The voice in use (a TextToSpeech), None while speaking is off: for the staff tools and
        tests that ask it about itself (a background check running, its child process)."""
        return self._tts

    @property
    def speech_problem(self) -> str | None:
        """Why the voice is not speaking right now (it tries again later); None while it works."""
        return getattr(self._tts, "problem", None) if self._tts is not None else None

    # -- one turn: say, then listen ---------------------------------------------------------
    def turn(self) -> threading.Lock:
        """Held for a whole say-then-listen turn, so two turns never share the mic or the voice."""
        return self._turn_lock

    def say(self, text: str) -> bool:
        if self._tts is None or not text:
            return False
        return self._out_loud(self._tts.say, text)

    def cue(self, name: str) -> bool:
        """Play an earcon ("listening": now speak; "emergency") through the voice's speaker:
        silent when speaking is off or muted, the microphone muted meanwhile, as for speech."""
        if self._tts is None:
            return False
        return self._out_loud(self._tts.cue, name)

    def _out_loud(self, play: Callable[[str], bool], what: str) -> bool:
        if self._microphone is not None:
            self._microphone.mute(True)  # do not hear ourselves
        self._speaking = True
        try:
            return bool(play(what))
        except Exception:  # noqa: BLE001 - a speaker that broke is reported by the TTS's own problem
            return False
        finally:
            self._speaking = False
            if self._microphone is not None:
                self._microphone.mute(False)

    def check_speaker(self) -> None:
        """Staff asked for a speaker test: a voice that gave up is checked now, and this waits for
        the check (bounded by its own time limits; staff wait for it, a patient never does)."""
        tts = self._tts
        if getattr(tts, "gave_up", False) and hasattr(tts, "try_again"):
            tts.try_again()
            tts.wait_for_check()

    def interrupt(self) -> None:
        """The patient answered by key or touch: cut the sentence being spoken (any thread)."""
        stop = getattr(self._tts, "stop", None)
        if self._speaking and stop is not None:
            try:
                stop()
            except Exception:  # noqa: BLE001 - stopping is best effort: the sentence ends anyway
                pass

    def listen(self, grammar: Grammar, on_level: Callable[[float], None], cancel: Cancel) -> Heard | None:
        """None when listening is off or was cancelled; else what was heard (maybe nothing)."""
        if self._listener is None:
            return None
        if getattr(self._microphone, "remaining", None) == 0:  # a virtual microphone has played every file
            self._stop_hearing("The recorded answers have all been used.")
            return None
        last = 0.0

        def level(value: float) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= LEVEL_INTERVAL_S:
                last = now
                on_level(float(value))

        try:
            heard = self._listener.listen(self._microphone, grammar, on_level=level, cancel=cancel)
        except Exception as error:  # noqa: BLE001 - listening stops and says why; keys still work
            self._stop_hearing(f"Listening stopped: {_short(error)}")
            return None
        if cancel.is_set():
            return None
        on_level(0.0)
        return heard

    def _stop_hearing(self, problem: str) -> None:
        self.status = VoiceStatus(False, self.status.speaking, self.status.engine, self.status.problems + (problem,))
        self._listener = None

    @property
    def microphone_level(self) -> float:
        try:
            return float(self._microphone.level) if self._microphone is not None else 0.0
        except Exception:  # noqa: BLE001 - a meter reading is never worth a crash
            return 0.0

    def forget(self) -> None:
        """The session was wiped: let go of any audio kept in memory from it, and let a voice
        that gave up try again for the next patient (a check in the background: nobody waits)."""
        if self._listener is not None:
            self._listener.forget()
        try_again = getattr(self._tts, "try_again", None)
        if try_again is not None:
            try_again()

    def close(self) -> None:
        for part in (self._microphone, self._tts):
            try:
                if part is not None:
                    part.close()
            except Exception:  # noqa: BLE001 - closing is best effort: a vanished device must not stop the shutdown
                pass
        self._microphone = self._tts = self._listener = self._recognizer = None


def _short(error: BaseException) -> str:
    if isinstance(error, ImportError):
        return f"a speech part is not installed ({error.name or error})."
    text = str(error).strip().splitlines()
    return (text[0][:100] if text else type(error).__name__) + ("" if str(error).endswith(".") else ".")
