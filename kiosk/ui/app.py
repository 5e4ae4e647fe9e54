"""The kiosk's screen: a Textual app driving one engine Session at a time.

The app owns the flow (welcome -> questions -> result or emergency -> welcome); screens only show
and report presses. Speech runs in thread workers (kiosk.ui.voice) and answers back with messages,
so the screen never waits for the microphone or the voice. Keys and touch always work.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import replace
from functools import partial
from typing import Callable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.theme import Theme

from kiosk.config import Settings, SettingsError, settings_from_args
from kiosk.engine.events import (
    AbortedEvent,
    AnswerEvent,
    EmergencyEvent,
    Event,
    Intent,
    QuestionEvent,
    RepromptEvent,
    ResultEvent,
)
from kiosk.engine.knowledge import KnowledgeBase, keys_help
from kiosk.engine.session import Session
from kiosk.engine.understanding import Grammar, phrase_grammar, says_any
from kiosk.printing import PrintOutcome, SummaryPrinter, make_printer
from kiosk.stafflog import StaffLog, default_path
from kiosk.ui.alert import AlertOutcome, StaffAlert, failed_outcome, reason_category
from kiosk.ui.dialogs.pin import PinDialog, PinGuard
from kiosk.ui.messages import (
    SpeechProblem,
    StaffTestDone,
    VoiceHeard,
    VoiceLevel,
    VoiceReady,
    VoiceState,
)
from kiosk.ui.screens.emergency import EmergencyScreen, advice_words
from kiosk.ui.screens.handoff import CodeScreen
from kiosk.ui.screens.question import QuestionScreen
from kiosk.ui.screens.result import ResultScreen, result_speech
from kiosk.ui.screens.staff import StaffScreen, next_engine
from kiosk.ui.screens.welcome import WelcomeScreen
from kiosk.ui.touch import CornerGesture
from kiosk.ui.voice import Cancel, Heard, VoiceAdapter, VoiceStatus
from kiosk.ui.widgets.listening import ListeningIndicator

WELCOME_AGAIN_IGNORE_KEYS_S = 1.0  # a key still pressed from the last patient must not start a new one
NOT_UNDERSTOOD = ("no_match", "noinput", "out_of_range")  # reprompts that are not the patient's activity
QUIET_AFTER_NOINPUTS = 2  # reprompts said aloud when nothing is heard; after that, shown only
HIGH_CONTRAST = Theme(
    name="kiosk-high-contrast",
    primary="#FFD700",
    secondary="#00E5FF",
    accent="#00E5FF",
    warning="#FFD700",
    error="#FF3030",
    success="#00E676",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    dark=True,
)


class KioskApp(App[int]):
    CSS_PATH = "kiosk.tcss"
    TITLE = "Hand cramp check"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        # kiosk mode: a patient must not be able to quit; staff use the staff key and the PIN
        Binding("ctrl+c", "blocked", show=False, priority=True, system=True),
        Binding("ctrl+q", "blocked", show=False, priority=True, system=True),
        Binding("f12", "staff", show=False, priority=True, id="staff"),
    ]

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        voice: VoiceAdapter | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        staff_log: StaffLog | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.staff_log = staff_log or StaffLog(settings.staff_log)
        self.pin_guard = PinGuard(clock, on_wrong=lambda n: self.staff_log.event("staff PIN wrong", f"{n} in a row"))
        self.speech_problem: str | None = None  # why the voice is resting, while it is
        self.sessions = 0
        self.kb = kb
        screens = kb.answers.screens  # what to listen for outside the questions, from answers.yaml
        self._welcome_grammar = phrase_grammar("welcome", screens["start"])
        self._result_grammar = phrase_grammar("result", screens["again"] + screens["finish"])
        self._mic_test_grammar = phrase_grammar("mic_test", screens["mic_test"])
        self.voice = voice
        self.session = Session(kb)
        self.engine = settings.engine
        off = "Voice is off for this kiosk." if voice is None else "Voice is starting."
        self.voice_status = VoiceStatus(False, False, problems=(off,))
        self.alert = StaffAlert(settings.alert_command, settings.alert_file)
        self.alert_log: list[AlertOutcome] = []
        self.emergency_active = False
        self.mode = "welcome"  # welcome, question, result or emergency
        self._clock = clock
        self._last_activity = clock()
        self._intro_pending = False
        self._result: ResultEvent | None = None
        self._turn = 0
        self._cancel: Cancel | None = None
        self._staff_open = False
        self._busy = asyncio.Lock()
        self._voice_opening = voice is not None  # until the first VoiceReady
        self.question_screen: QuestionScreen | None = None
        self.printer: SummaryPrinter | None = make_printer(settings.printer) if settings.printer else None
        self.print_log: list[PrintOutcome] = []
        self._gesture = CornerGesture()
        self.set_keymap({"staff": settings.staff_key})

    # -- start-up ---------------------------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        """A crash: the report goes to the staff log. Textual would print its traceback, with
        local variables (what the patient said among them), on the screen: that is dropped."""
        self.staff_log.crash(error)
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        self.theme = HIGH_CONTRAST.name
        self.push_screen(WelcomeScreen())
        self.staff_log.event("start", f"engine setting {self.settings.engine}, "
                                      f"voice {'on' if self.voice is not None else 'off'}")
        every = max(0.1, min(1.0, self.settings.idle_timeout / 4))
        self.set_interval(every, self._check_idle)
        if self.voice is not None:
            self.run_worker(self._open_voice, thread=True, group="voice-open", exit_on_error=False)
        else:
            self._set_indicator("off")

    def _open_voice(self, engine: str | None = None) -> None:
        assert self.voice is not None
        with self.voice.turn():  # never reopen under a running turn
            status = self.voice.open(engine)
        self.post_message(VoiceReady(status))

    def on_voice_ready(self, message: VoiceReady) -> None:
        first = self._voice_opening
        self._voice_opening = False
        if message.status != self.voice_status:
            self._log_voice(message.status)
        self.voice_status = message.status
        self.speech_problem = None
        self._show_voice_status()
        self._show_voice_indicator()
        if isinstance(self.screen, StaffScreen):
            if not first:  # staff switched the engine: say how it went, not "Starting..." forever
                self.screen.report(f"Engine {self.engine}: {staff_words(self.voice_status)}")
            self.screen.refresh_status()
            return
        if not self._staff_open:
            # a patient who started before the voice was ready has not heard the question yet
            self._resume_listening(say_question=first)

    def _log_voice(self, status: object) -> None:
        hearing = getattr(status, "hearing", False)
        speaking = getattr(status, "speaking", False)
        problems = " ".join((getattr(self.voice, "engine_note", ""), *getattr(status, "problems", ()))).strip()
        self.staff_log.event("voice", f"engine {getattr(status, 'engine', '') or 'none'}; microphone/listening "
                                      f"{'on' if hearing else 'off'}; speaker {'on' if speaking else 'off'}"
                                      + (f"; {problems}" if problems else ""))

    def voice_summary(self) -> str:
        """What the screen says about the voice; a resting voice reads as not speaking."""
        status = replace(self.voice_status, speaking=False) if self.speech_problem else self.voice_status
        return status.summary

    def _show_voice_status(self) -> None:
        for welcome in [s for s in self.screen_stack if isinstance(s, WelcomeScreen)]:
            try:
                welcome.show_voice_status(self.voice_summary(), self.voice_status.hearing)  # details: staff screen
            except NoMatches:  # not composed yet (just switched to, on a busy machine): its on_mount shows it
                pass

    def on_speech_problem(self, message: SpeechProblem) -> None:
        """The voice gave up on a sentence (it tries again later), or came back: show and log it."""
        if message.problem == self.speech_problem:
            return
        self.speech_problem = message.problem
        self.staff_log.event("speaker", message.problem or "speech works again")
        self._show_voice_status()
        if message.problem and self.question_screen is not None:
            self.question_screen.set_notice(self.voice_summary(), warning=True)
        if isinstance(self.screen, StaffScreen):
            self.screen.refresh_status()

    def _show_voice_indicator(self) -> None:
        if not (self.voice_status.hearing or self.voice_status.speaking):
            self._set_indicator("off")
        elif self._turn_idle():
            self._set_indicator("idle")

    def _turn_idle(self) -> bool:
        return self._cancel is None or self._cancel.is_set()

    # -- the interview ----------------------------------------------------------------------
    async def start_interview(self) -> None:
        async with self._busy:
            if self.mode != "welcome" or self._staff_open:
                return
            self._touch()
            self.mode = "question"
            self.sessions += 1
            self.staff_log.event("session started", f"number {self.sessions} since start")
            self._intro_pending = True
            self.question_screen = QuestionScreen()
            await self.switch_screen(self.question_screen)
            await self._handle(self.session.start())

    async def action_choose(self, number: int) -> None:
        async with self._busy:
            if self.mode != "question" or self._staff_open:
                return
            self._touch()
            answered = self.session.choose(number)
            if answered:
                await self._handle(answered)
            else:
                self.bell()  # no such answer: a sound, and nothing changes

    async def action_command(self, name: str) -> None:
        async with self._busy:
            if self._staff_open:
                return
            self._touch()
            if self.mode == "question":
                await self._handle(self.session.apply(Intent(name)))  # type: ignore[arg-type]
            elif self.mode == "result" and name == "repeat" and self._result is not None:
                if isinstance(self.screen, ResultScreen):
                    self.screen.action_scroll("home")  # seen again from the top, heard again
                self._start_turn(result_speech(self._result, self.kb.prompts), self._result_grammar)

    async def action_done(self) -> None:
        async with self._busy:
            if self.mode == "result" and not self._staff_open:
                await self._go_welcome()

    async def show_events(self, happened: list[Event], spoken: bool = False) -> None:
        """Show events made outside this app's session: fixed data for snapshots and previews."""
        async with self._busy:
            if self.mode == "welcome" and any(isinstance(e, QuestionEvent) for e in happened):
                self.mode = "question"
                self.question_screen = QuestionScreen()
                await self.switch_screen(self.question_screen)
            await self._handle(happened, spoken)

    async def _handle(self, happened: list[Event], spoken: bool = False) -> None:
        """Show every event, then say what needs saying and listen for the next answer."""
        to_say: list[str] = []
        listen_quietly = False  # nobody answers: stop talking to an empty room, keep listening
        screen = self.question_screen
        for event in happened:
            if isinstance(event, EmergencyEvent):
                await self._show_emergency(event, happened)
                return
            if isinstance(event, ResultEvent):
                await self._show_result(event)
                return
            if isinstance(event, AbortedEvent):
                await self._go_welcome()
                return
            if screen is None:
                continue
            if isinstance(event, AnswerEvent):
                screen.show_answer(event, spoken)
                to_say += [event.understood] if event.understood else []  # said before the follow-up
            elif isinstance(event, QuestionEvent):
                notice = self._take_intro()
                await screen.show_question(event, notice)
                to_say += [notice, event.text] if notice else [event.text]
            elif isinstance(event, RepromptEvent):
                event = self._worded_for_keys(event)
                screen.show_reprompt(event)
                if not (event.reason == "noinput" and event.attempt > QUIET_AFTER_NOINPUTS):
                    to_say.append(event.text)
                listen_quietly = True
        if to_say or listen_quietly:
            self._start_turn(to_say, self.session.grammar())

    def _take_intro(self) -> str:
        if not self._intro_pending:
            return ""
        self._intro_pending = False
        return self.kb.prompts["intro"]  # a required prompt: the loader refuses a folder without it

    def _worded_for_keys(self, reprompt: RepromptEvent) -> RepromptEvent:
        """With voice off, help says which keys to press instead of what to say."""
        current = self.session.current
        if reprompt.reason != "help" or self.voice_status.hearing or current is None:
            return reprompt
        return replace(reprompt, text=keys_help(current.help, self.kb.prompts["help_keys"]))

    async def _show_emergency(self, emergency: EmergencyEvent, happened: list[Event]) -> None:
        self.mode = "emergency"
        self.emergency_active = True
        self.question_screen = None
        await self.switch_screen(EmergencyScreen(emergency))
        self.bell()
        rules = next((e.urgency.reasons for e in happened if isinstance(e, ResultEvent)), ())
        self.run_worker(partial(self._send_alert, reason_category(rules)), thread=True, group="alert",
                        exit_on_error=False)
        words = self.kb.prompts
        self._start_turn([f"{words['emergency_tell']}.", advice_words(emergency.advice, words)], None)

    def _send_alert(self, category: str) -> None:
        try:
            outcome = self.alert.send(category)
        except Exception as error:  # noqa: BLE001 - an alert that broke must still be reported
            outcome = failed_outcome(category, f"the alert could not be sent ({type(error).__name__})")
        self.call_from_thread(self._alert_sent, outcome)

    def _alert_sent(self, outcome: AlertOutcome) -> None:
        self.alert_log.append(outcome)
        self.staff_log.event(f"alert {outcome.status}", f"reason {outcome.category}"
                             + "".join(f"; {problem}" for problem in outcome.problems))
        for screen in self.screen_stack:
            if isinstance(screen, EmergencyScreen):
                screen.show_alert(outcome.ok, outcome.configured)
            if isinstance(screen, StaffScreen):
                screen.refresh_status()
        if not outcome.ok:
            self.bell()

    async def _show_result(self, result: ResultEvent) -> None:
        self.mode = "result"
        self._result = result
        self.question_screen = None
        await self.switch_screen(ResultScreen(result, voice=self.voice_status.hearing, printing=self.printer is not None))
        self._start_turn(result_speech(result, self.kb.prompts), self._result_grammar)

    # -- hand-off to the clinician ------------------------------------------------------------
    def action_show_code(self) -> None:
        if self.mode == "result" and self._result is not None and self._result.summary is not None \
                and not self._staff_open and not isinstance(self.screen, CodeScreen):
            self._touch()
            self.push_screen(CodeScreen(self._result.summary.compact()))

    def action_print_summary(self) -> None:
        result = self._result
        if self.mode != "result" or result is None or result.summary is None or self.printer is None:
            return
        self._touch()
        self._show_print_status("print_started")
        work = partial(self._print_in_thread, self.printer, result.clinician_summary(), result.summary.compact())
        self.run_worker(work, thread=True, group="print", exit_on_error=False)

    def _print_in_thread(self, printer: SummaryPrinter, text: str, code: str) -> None:
        outcome = printer.print_summary(text, code)
        self.call_from_thread(self._printed, outcome)

    def _printed(self, outcome: PrintOutcome) -> None:
        self.print_log.append(outcome)
        self._show_print_status("print_done" if outcome.ok else "print_failed", failed=not outcome.ok)
        if not outcome.ok:
            self.bell()

    def _show_print_status(self, key: str, failed: bool = False) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, ResultScreen):
                screen.show_print_status(self.kb.prompts[key], failed=failed)

    async def _go_welcome(self) -> None:
        """Forget the patient and show the welcome again (done, idle, staff clear)."""
        if self.mode != "welcome":
            self.staff_log.event("session ended", f"at the {self.mode} screen; {self.sessions} since start")
        self._cancel_turn()
        self.session.wipe()
        if self.voice is not None:
            self.voice.forget()
        self._result = None
        self.question_screen = None
        self.emergency_active = False
        self._staff_open = False
        self.mode = "welcome"
        while len(self.screen_stack) > 2:  # a staff screen, the PIN keypad or the code on top
            self.pop_screen()
        await self.switch_screen(WelcomeScreen(ignore_keys_s=WELCOME_AGAIN_IGNORE_KEYS_S, clock=self._clock))
        self._show_voice_status()
        self._resume_listening()

    # -- idle ---------------------------------------------------------------------------------
    def _touch(self) -> None:
        self._last_activity = self._clock()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self._touch()
        if self._staff_gesture(event):
            self.action_staff()
        await super().on_event(event)

    def _staff_gesture(self, event: events.Event) -> bool:
        """Taps or a long press in the staff corner (kiosk/ui/touch.py), for touch-only kiosks."""
        if isinstance(event, events.MouseDown):
            return self._gesture.down(event.screen_x, event.screen_y, self._clock())
        if isinstance(event, events.MouseUp):
            return self._gesture.up(event.screen_x, event.screen_y, self._clock())
        return False

    async def _check_idle(self) -> None:
        # a result waits longer than a question: the patient may be showing it at the desk
        timeout = self.settings.result_timeout if self.mode == "result" else self.settings.idle_timeout
        if self._clock() - self._last_activity < timeout:
            return
        if self._staff_open:  # never leave the staff screen open for the next patient
            self._close_staff()
            self._touch()
            return
        if self.mode in ("welcome", "emergency") or self.emergency_active:
            return
        async with self._busy:
            # An answer may have come while this waited for the lock: it counts as activity.
            if self._clock() - self._last_activity < self.settings.idle_timeout or self.mode not in ("question", "result"):
                return
            # The session decides: a wipe, or a staff check when a warning sign is left open.
            await self._handle(self.session.idle())

    def _close_staff(self) -> None:
        while isinstance(self.screen, (StaffScreen, PinDialog)):
            self.pop_screen()
        self._staff_open = False
        self._resume_listening()

    # -- speech turns ---------------------------------------------------------------------------
    def _start_turn(self, texts: list[str], grammar: Grammar | None) -> None:
        """Say ``texts`` then (with a grammar) listen, in a thread; replaces any turn under way."""
        self._cancel_turn()
        self._turn += 1
        status = self.voice_status
        if self.voice is None or not (status.speaking or (status.hearing and grammar is not None)):
            self._set_indicator(self._resting_state())
            return
        cancel = Cancel()
        self._cancel = cancel
        work = partial(self._run_turn, self.voice, self._turn, [t for t in texts if t], grammar, cancel)
        self.run_worker(work, thread=True, group="speech", exit_on_error=False)

    def _cancel_turn(self) -> None:
        if self._cancel is not None and not self._cancel.is_set():
            self._cancel.set()
            if self.voice is not None:
                self.voice.interrupt()
        self._turn += 1  # late messages from the old turn are now stale
        self._set_indicator(self._resting_state())

    def _resting_state(self) -> str:
        """What the indicator shows while no turn is running."""
        if self.voice_status.hearing or self.voice_status.speaking:
            return "idle"
        return "starting" if self._voice_opening else "off"

    def _run_turn(self, voice: VoiceAdapter, turn: int, texts: list[str], grammar: Grammar | None,
                  cancel: Cancel) -> None:
        with voice.turn():
            for text in texts:
                if cancel.is_set():
                    return
                if voice.status.speaking:
                    self.post_message(VoiceState(turn, "speaking"))
                    spoke = voice.say(text)
                    problem = None if spoke else getattr(voice, "speech_problem", None)
                    if not cancel.is_set() and problem != self.speech_problem:
                        self.post_message(SpeechProblem(problem))
            if cancel.is_set():
                return
            if grammar is None or not voice.status.hearing:
                self.post_message(VoiceState(turn, "idle"))
                return
            self.post_message(VoiceState(turn, "listening"))
            def show_level(level: float) -> None:
                self.post_message(VoiceLevel(turn, level))

            heard = voice.listen(grammar, show_level, cancel)
            if cancel.is_set():
                return
            if heard is None:  # listening broke down: say so, keys still work
                self.post_message(VoiceReady(voice.status))
                return
            self.post_message(VoiceState(turn, "thinking"))
            self.post_message(VoiceHeard(turn, heard))

    def _resume_listening(self, say_question: bool = False) -> None:
        """After staff or a voice restart: listen again for whatever the screen is waiting for."""
        if self.mode == "welcome":
            self._start_turn([], self._welcome_grammar)
        elif self.mode == "question":
            current = self.session.current
            said = [current.text] if say_question and current is not None else []
            self._start_turn(said, self.session.grammar())
        elif self.mode == "result":
            self._start_turn([], self._result_grammar)

    def on_voice_state(self, message: VoiceState) -> None:
        if message.turn == self._turn:
            self._set_indicator(message.state)

    def on_voice_level(self, message: VoiceLevel) -> None:
        if message.turn == self._turn:
            for indicator in self.screen.query(ListeningIndicator):
                indicator.level = message.level

    async def on_voice_heard(self, message: VoiceHeard) -> None:
        if message.turn != self._turn or self._staff_open:
            return
        heard = message.heard
        if self.mode == "welcome":
            if _said_any(heard, self.kb.answers.screens["start"]):
                await self.start_interview()
            else:
                self._start_turn([], self._welcome_grammar)
        elif self.mode == "question":
            await self._heard_answer(heard)
        elif self.mode == "result":
            if _said_any(heard, self.kb.answers.screens["finish"]):
                await self.action_done()
            elif _said_any(heard, self.kb.answers.screens["again"]):
                await self.action_command("repeat")
            else:
                self._start_turn([], self._result_grammar)

    async def _heard_answer(self, heard: Heard) -> None:
        async with self._busy:
            if self.mode != "question":
                return
            if heard.noinput:
                await self._handle(self.session.noinput())
                return
            happened = self.session.answer(heard.transcript, heard.confidence)
            if _understood(happened):  # a TV or a chat nearby must not keep the last patient's answers up
                self._touch()
            await self._handle(happened, spoken=True)

    def _set_indicator(self, state: str) -> None:
        try:
            indicators = list(self.screen.query(ListeningIndicator))
        except Exception:  # no screen yet, during start-up
            return
        for indicator in indicators:
            indicator.state = state

    # -- staff -------------------------------------------------------------------------------
    def action_blocked(self) -> None:
        """Ctrl+C / Ctrl+Q: kiosk mode, nothing happens."""

    def action_staff(self) -> None:
        if self._staff_open:
            return
        self._staff_open = True
        self._cancel_turn()
        self.push_screen(PinDialog(self.settings.pin, self.pin_guard), self._pin_checked)

    def _pin_checked(self, correct: bool | None) -> None:
        if correct:
            self.staff_log.event("staff screen opened")
            self.push_screen(StaffScreen())
        else:
            self._staff_open = False
            self._resume_listening()

    def staff_action(self, name: str) -> None:
        screen = self.screen
        if name == "quit":
            self.staff_log.event("quit by staff", f"{self.sessions} sessions since start")
            self._cancel_turn()
            self.session.wipe()
            if self.voice is not None:
                self.voice.close()
            self.exit(0)
        elif name == "clear":
            self.run_worker(self._clear_emergency(), group="staff")
        elif name == "close":
            self._close_staff()
        elif name == "engine":
            self.engine = next_engine(self.engine)
            if self.voice is None:
                self._staff_report(screen, f"Engine set to {self.engine}, but voice is off for this kiosk.")
                return
            self._staff_report(screen, f"Starting the {self.engine} engine...")
            self.run_worker(partial(self._open_voice, self.engine), thread=True, group="voice-open",
                            exit_on_error=False)
        elif name in ("test-mic", "test-speaker"):
            if self.voice is None:
                self._staff_report(screen, "Voice is off for this kiosk: nothing to test.")
                return
            self._staff_report(screen, "Testing... " + ("say 'testing one two three'." if name == "test-mic" else ""))
            test = self._test_microphone if name == "test-mic" else self._test_speaker
            self.run_worker(partial(test, self.voice), thread=True, group="staff-test", exit_on_error=False)

    async def _clear_emergency(self) -> None:
        async with self._busy:
            await self._go_welcome()

    def _staff_report(self, screen: object, text: str) -> None:
        if isinstance(screen, StaffScreen):
            screen.report(text)

    def _test_microphone(self, voice: VoiceAdapter) -> None:
        if not voice.status.hearing:
            self.post_message(StaffTestDone("Microphone test: listening is off. " + " ".join(voice.status.problems)))
            return
        peak = 0.0

        def level(value: float) -> None:
            nonlocal peak
            peak = max(peak, value)

        with voice.turn():
            heard = voice.listen(self._mic_test_grammar, level, Cancel())
        if heard is None:
            self.post_message(StaffTestDone("Microphone test failed: " + " ".join(voice.status.problems)))
            return
        words = "nothing" if heard.noinput or not heard.transcript else f'"{heard.transcript}"'
        self.post_message(StaffTestDone(f"Microphone test: loudest level {peak:.2f}, heard {words}."))

    def _test_speaker(self, voice: VoiceAdapter) -> None:
        with voice.turn():
            spoke = voice.say("This is the kiosk speaker test.")
        problem = getattr(voice, "speech_problem", None)  # the speaker's own reason, not the microphone's
        report = "Speaker test: the voice spoke." if spoke else (
            "Speaker test failed: " + (problem or "the voice is off or did not speak."))
        self.post_message(SpeechProblem(None if spoke else problem))
        self.post_message(StaffTestDone(report))

    def on_staff_test_done(self, message: StaffTestDone) -> None:
        self._staff_report(self.screen, message.report)


def _understood(happened: list[Event]) -> bool:
    """True when an utterance meant something: no "not understood" answer or reprompt among its events."""
    return not any((isinstance(e, RepromptEvent) and e.reason in NOT_UNDERSTOOD)
                   or (isinstance(e, AnswerEvent) and e.intent in NOT_UNDERSTOOD) for e in happened)


def staff_words(status: VoiceStatus) -> str:
    """The voice state for staff (the summary on the welcome is worded for patients)."""
    on = {True: "on", False: "OFF"}
    words = f"listening {on[status.hearing]}, speaking {on[status.speaking]}."
    return " ".join([words, *status.problems])


def _said_any(heard: Heard, phrases: tuple[str, ...]) -> bool:
    return not heard.noinput and says_any(heard.transcript, phrases)


def create_app(settings: Settings, kb: KnowledgeBase | None = None, voice: VoiceAdapter | None = None) -> KioskApp:
    """The kiosk app. Tests pass fixed settings and a knowledge base; ``voice=None`` is keys only."""
    if kb is None:
        from kiosk.engine.loader import load_knowledge_base

        kb = load_knowledge_base(settings.intents)
    return KioskApp(settings, kb, voice)


def run_app(args: argparse.Namespace) -> int:
    from kiosk.engine.loader import KnowledgeBaseError, load_knowledge_base

    try:
        settings = settings_from_args(args)
    except SettingsError as error:
        print(f"kiosk: the settings have problems:\n{error}", file=sys.stderr)
        return 2
    try:
        kb = load_knowledge_base(settings.intents)
    except KnowledgeBaseError as error:
        print(f"kiosk: the knowledge base has problems:\n{error}", file=sys.stderr)
        return 1
    staff_log = StaffLog(settings.staff_log or default_path())
    voice = VoiceAdapter(settings)
    try:
        app = KioskApp(settings, kb, voice, staff_log=staff_log)
        code = app.run() or app.return_code  # return_code is 1 after a crash Textual caught
    except Exception as error:  # noqa: BLE001 - outside Textual's own handler: report, exit 1, restart
        staff_log.crash(error)
        code = 1
    finally:
        voice.close()
    staff_log.event("stopped", f"exit code {code or 0}")
    staff_log.close()
    return code or 0


__all__ = ["KioskApp", "create_app", "run_app"]
