"""Speech turns: say some sentences, then listen, in a thread, one turn at a time.

The app asks for a turn (``start``) and gets the outcome back as messages (kiosk/ui/messages.py),
each stamped with the turn's number: a turn replaced by a newer one is cancelled, and whatever it
still posts is stale and ignored (``is_live``). The voice's state for the screen and the staff log
(``status``, ``speech_problem``) lives here too.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from textual.app import App, ScreenStackError, UnknownModeError

from kiosk.engine.knowledge import Prompts
from kiosk.engine.understanding import Grammar
from kiosk.stafflog import StaffLog
from kiosk.ui.messages import SpeechProblem, VoiceHeard, VoiceLevel, VoiceReady, VoiceState
from kiosk.ui.voice import Cancel, VoiceAdapter, VoiceStatus, voice_words
from kiosk.ui.widgets.listening import ListeningIndicator


class SpeechTurns:
    def __init__(self, app: App[int], voice: VoiceAdapter | None, engine: str, staff_log: StaffLog) -> None:
        self._app = app
        self.voice = voice
        self.engine = engine  # the engine setting; staff can switch it
        self._staff_log = staff_log
        off = "Voice is off for this kiosk." if voice is None else "Voice is starting."
        self.status = VoiceStatus(False, False, problems=(off,))
        self.speech_problem: str | None = None  # why the voice is resting, while it is
        self.opening = voice is not None  # until the first VoiceReady
        self.live = 0  # the number of the turn whose messages count
        self._cancel: Cancel | None = None

    # -- opening the voice ----------------------------------------------------------------------
    def open(self, engine: str | None = None) -> None:
        """Open (or reopen with another engine) the voice in a thread; VoiceReady says how it went."""
        self._app.run_worker(partial(self._open, engine), thread=True, group="voice-open", exit_on_error=False)

    def _open(self, engine: str | None) -> None:
        assert self.voice is not None
        with self.voice.turn():  # never reopen under a running turn
            status = self.voice.open(engine)
        self._app.post_message(VoiceReady(status))

    def ready(self, status: VoiceStatus) -> bool:
        """Take the status VoiceReady brought; True when it was the first one (the voice just opened)."""
        first = self.opening
        self.opening = False
        if status != self.status:
            self._log(status)
        self.status = status
        self.speech_problem = None
        self.show_resting()
        return first

    def problem(self, problem: str | None) -> bool:
        """Take a SpeechProblem; False when it says nothing new."""
        if problem == self.speech_problem:
            return False
        self.speech_problem = problem
        self._staff_log.event("speaker", problem or "speech works again")
        return True

    def _log(self, status: VoiceStatus) -> None:
        problems = " ".join((getattr(self.voice, "engine_note", ""), *status.problems)).strip()
        self._staff_log.event("voice", f"engine {status.engine or 'none'}; microphone/listening "
                                       f"{'on' if status.hearing else 'off'}; speaker {'on' if status.speaking else 'off'}"
                                       + (f"; {problems}" if problems else ""))

    def summary(self, words: Prompts) -> str:
        """What the patient's screen says about the voice; a resting voice reads as not speaking."""
        status = replace(self.status, speaking=False) if self.speech_problem else self.status
        return voice_words(status, words)

    # -- turns ------------------------------------------------------------------------------------
    def start(self, texts: list[str], grammar: Grammar | None, *, alarm: bool = False) -> None:
        """Say ``texts`` then (with a grammar) listen, in a thread; replaces any turn under way.
        With ``alarm`` the emergency earcon comes first."""
        self.cancel()
        self.live += 1
        status = self.status
        if self.voice is None or not (status.speaking or (status.hearing and grammar is not None)):
            self.show(self.resting_state())
            return
        cancel = Cancel()
        self._cancel = cancel
        work = partial(self._run, self.voice, self.live, [t for t in texts if t], grammar, cancel, alarm)
        self._app.run_worker(work, thread=True, group="speech", exit_on_error=False)

    def cancel(self) -> None:
        if self._cancel is not None and not self._cancel.is_set():
            self._cancel.set()
            if self.voice is not None:
                self.voice.interrupt()
        self.live += 1  # late messages from the old turn are now stale
        self.show(self.resting_state())

    def is_live(self, turn: int) -> bool:
        return turn == self.live

    def resting_state(self) -> str:
        """What the indicator shows while no turn is running."""
        if self.status.hearing or self.status.speaking:
            return "idle"
        return "starting" if self.opening else "off"

    def show_resting(self) -> None:
        """After the voice opened or changed: off, or idle when no turn is running."""
        if not (self.status.hearing or self.status.speaking):
            self.show("off")
        elif self._cancel is None or self._cancel.is_set():
            self.show("idle")

    def _run(self, voice: VoiceAdapter, turn: int, texts: list[str], grammar: Grammar | None, cancel: Cancel,
             alarm: bool) -> None:
        post = self._app.post_message
        with voice.turn():
            if alarm and voice.status.speaking:
                voice.cue("emergency")
            spoke = False
            for text in texts:
                if cancel.is_set():
                    return
                if voice.status.speaking:
                    post(VoiceState(turn, "speaking"))
                    said = voice.say(text)
                    spoke = spoke or said
                    problem = None if said else getattr(voice, "speech_problem", None)
                    if not cancel.is_set() and problem != self.speech_problem:
                        post(SpeechProblem(problem))
            if cancel.is_set():
                return
            if grammar is None or not voice.status.hearing:
                post(VoiceState(turn, "idle"))
                return
            if spoke:  # "now speak", after a question said aloud; never when the kiosk only listens again
                voice.cue("listening")
                if cancel.is_set():
                    return
            post(VoiceState(turn, "listening"))

            def show_level(level: float) -> None:
                post(VoiceLevel(turn, level))

            heard = voice.listen(grammar, show_level, cancel)
            if cancel.is_set():
                return
            if heard is None:  # listening broke down: say so, keys still work
                post(VoiceReady(voice.status))
                return
            post(VoiceState(turn, "thinking"))
            post(VoiceHeard(turn, heard))

    # -- the indicator on the screen --------------------------------------------------------------
    def show(self, state: str) -> None:
        try:
            indicators = list(self._app.screen.query(ListeningIndicator))
        except (ScreenStackError, UnknownModeError):  # no screen yet, during start-up
            return
        for indicator in indicators:
            indicator.state = state

    def show_level(self, level: float) -> None:
        for indicator in self._app.screen.query(ListeningIndicator):
            indicator.level = level


def staff_words(status: VoiceStatus) -> str:
    """The voice state for staff (the summary on the welcome is worded for patients)."""
    on = {True: "on", False: "OFF"}
    words = f"listening {on[status.hearing]}, speaking {on[status.speaking]}."
    return " ".join([words, *status.problems])
