"""The kiosk's screen: a Textual app driving one engine Session at a time.

This file is the interview's flow only (welcome -> questions -> result or emergency -> welcome).
The rest lives beside it: speech turns and their threads (speech_turns.py), staff actions and the
hardware tests (staff_desk.py), the staff alert (alert_dispatch.py), printing (summary_printing.py),
the idle timer (idle.py) and the colours (theme.py). Screens only show things and post what was
pressed (messages.py); speech answers back with messages too, so the screen never waits for the
microphone or the voice. Keys and touch always work.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Callable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches

from kiosk.config import Settings
from kiosk.engine.events import (
    AbortedEvent,
    AnswerEvent,
    EmergencyEvent,
    Event,
    Intent,
    IntentName,
    QuestionEvent,
    RepromptEvent,
    ResultEvent,
)
from kiosk.engine.knowledge import KnowledgeBase, keys_help
from kiosk.engine.session import Session
from kiosk.engine.understanding import phrase_grammar, says_any
from kiosk.printing import make_printer
from kiosk.stafflog import StaffLog
from kiosk.ui.alert import StaffAlert
from kiosk.ui.alert_dispatch import AlertDispatch
from kiosk.ui.idle import IdleTimer
from kiosk.ui.messages import (
    AnswerChosen,
    CodeAsked,
    CommandChosen,
    PrintAsked,
    ResultDone,
    SpeechProblem,
    StaffPressed,
    StaffTestDone,
    StartAsked,
    VoiceHeard,
    VoiceLevel,
    VoiceReady,
    VoiceState,
)
from kiosk.ui.screens.emergency import EmergencyScreen, advice_words
from kiosk.ui.screens.handoff import CodeScreen
from kiosk.ui.screens.question import QuestionScreen
from kiosk.ui.screens.result import ResultScreen, result_speech
from kiosk.ui.screens.staff import StaffScreen
from kiosk.ui.screens.welcome import WelcomeScreen
from kiosk.ui.speech_turns import SpeechTurns, staff_words
from kiosk.ui.staff_desk import StaffDesk
from kiosk.ui.summary_printing import SummaryPrinting
from kiosk.ui.theme import HIGH_CONTRAST
from kiosk.ui.voice import Heard, VoiceAdapter

WELCOME_AGAIN_IGNORE_KEYS_S = 1.0  # a key still pressed from the last patient must not start a new one
NOT_UNDERSTOOD = ("no_match", "noinput", "out_of_range")  # reprompts that are not the patient's activity
QUIET_AFTER_NOINPUTS = 2  # reprompts said aloud when nothing is heard; after that, shown only


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
        session: Session | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.kb = kb
        self.clock = clock
        self.staff_log = staff_log or StaffLog(settings.staff_log)
        self.session = session or Session(kb)
        self.sessions = 0
        self.mode = "welcome"  # welcome, question, result or emergency
        self.emergency_active = False
        self.speech = SpeechTurns(self, voice, settings.engine, self.staff_log)
        self.staff = StaffDesk(self)
        self.alerts = AlertDispatch(self, StaffAlert(settings.alert_command, settings.alert_file), self.staff_log)
        self.printing = SummaryPrinting(self, make_printer(settings.printer) if settings.printer else None, kb.prompts)
        self.idle = IdleTimer(clock, settings.idle_timeout, settings.result_timeout)
        screens = kb.answers.screens  # what to listen for outside the questions, from answers.yaml
        self._welcome_grammar = phrase_grammar("welcome", screens["start"])
        self._result_grammar = phrase_grammar("result", screens["again"] + screens["finish"])
        self.mic_test_grammar = phrase_grammar("mic_test", screens["mic_test"])
        self._intro_pending = False
        self._result: ResultEvent | None = None
        self._busy = asyncio.Lock()  # one patient action at a time, in order
        self.question_screen: QuestionScreen | None = None
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
        self.push_screen(WelcomeScreen(self.kb.prompts, self.speech.status))
        self.staff_log.event("start", f"engine setting {self.settings.engine}, "
                                      f"voice {'on' if self.speech.voice is not None else 'off'}")
        self.set_interval(self.idle.check_every, self.idle_tick)
        if self.speech.voice is not None:
            self.speech.open()
        else:
            self.speech.show("off")

    # -- the voice: ready, trouble, state ------------------------------------------------------
    def on_voice_ready(self, message: VoiceReady) -> None:
        first = self.speech.ready(message.status)
        self._show_voice_status()
        if isinstance(self.screen, StaffScreen):
            if not first:  # staff switched the engine: say how it went, not "Starting..." forever
                self.screen.report(f"Engine {self.speech.engine}: {staff_words(self.speech.status)}")
            self.screen.refresh_status()
            return
        if not self.staff.open:
            # a patient who started before the voice was ready has not heard the question yet
            self.resume_listening(say_question=first)

    def on_speech_problem(self, message: SpeechProblem) -> None:
        """The voice gave up on a sentence (it tries again later), or came back: show and log it."""
        if not self.speech.problem(message.problem):
            return
        self._show_voice_status()
        if message.problem and self.question_screen is not None:
            self.question_screen.set_notice(self.speech.summary(self.kb.prompts), warning=True)
        self.staff.refresh()

    def _show_voice_status(self) -> None:
        for welcome in [s for s in self.screen_stack if isinstance(s, WelcomeScreen)]:
            try:  # details: staff screen
                welcome.show_voice_status(self.speech.summary(self.kb.prompts), self.speech.status.hearing)
            except NoMatches:  # not composed yet (just switched to, on a busy machine): its on_mount shows it
                pass

    def on_voice_state(self, message: VoiceState) -> None:
        if self.speech.is_live(message.turn):
            self.speech.show(message.state)

    def on_voice_level(self, message: VoiceLevel) -> None:
        if self.speech.is_live(message.turn):
            self.speech.show_level(message.level)

    # -- the interview ----------------------------------------------------------------------
    async def on_start_asked(self, _message: StartAsked) -> None:
        await self.start_interview()

    async def start_interview(self) -> None:
        async with self._busy:
            if self.mode != "welcome" or self.staff.open:
                return
            self.idle.touch()
            self.mode = "question"
            self.sessions += 1
            self.staff_log.event("session started", f"number {self.sessions} since start")
            self._intro_pending = True
            self.question_screen = QuestionScreen(self.kb.prompts, self.kb.settings.confirm_below_confidence)
            await self.switch_screen(self.question_screen)
            await self._handle(self.session.start())

    async def on_answer_chosen(self, message: AnswerChosen) -> None:
        async with self._busy:
            if self.mode != "question" or self.staff.open:
                return
            self.idle.touch()
            answered = self.session.choose(message.number)
            if answered:
                await self._handle(answered)
            else:
                self.bell()  # no such answer: a sound, and nothing changes

    async def on_command_chosen(self, message: CommandChosen) -> None:
        await self._command(message.name)

    async def _command(self, name: IntentName) -> None:
        async with self._busy:
            if self.staff.open:
                return
            self.idle.touch()
            if self.mode == "question":
                await self._handle(self.session.apply(Intent(name)))
            elif self.mode == "result" and name == "repeat" and self._result is not None:
                if isinstance(self.screen, ResultScreen):
                    self.screen.action_scroll("home")  # seen again from the top, heard again
                self.speech.start(result_speech(self._result, self.kb.prompts), self._result_grammar)

    async def on_result_done(self, _message: ResultDone) -> None:
        await self._done()

    async def _done(self) -> None:
        async with self._busy:
            if self.mode == "result" and not self.staff.open:
                await self._go_welcome()

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
                await screen.show_reprompt(event)
                if not (event.reason == "noinput" and event.attempt > QUIET_AFTER_NOINPUTS):
                    to_say.append(event.text)
                listen_quietly = True
        if to_say or listen_quietly:
            self.speech.start(to_say, self.session.grammar())

    def _take_intro(self) -> str:
        if not self._intro_pending:
            return ""
        self._intro_pending = False
        return self.kb.prompts["intro"]  # a required prompt: the loader refuses a folder without it

    def _worded_for_keys(self, reprompt: RepromptEvent) -> RepromptEvent:
        """With voice off, help and "start again?" say which keys to press instead of what to say."""
        current = self.session.current
        if reprompt.reason == "restart" and not self.speech.status.hearing:
            return replace(reprompt, text=self.kb.prompts["restart_confirm_keys"])
        if reprompt.reason != "help" or self.speech.status.hearing or current is None:
            return reprompt
        return replace(reprompt, text=keys_help(current.help, self.kb.prompts["help_keys"]))

    async def _show_emergency(self, emergency: EmergencyEvent, happened: list[Event]) -> None:
        self.mode = "emergency"
        self.emergency_active = True
        self.question_screen = None
        await self.switch_screen(EmergencyScreen(emergency, self.kb.prompts))
        self.bell()
        self.alerts.send(next((e.urgency.reasons for e in happened if isinstance(e, ResultEvent)), ()))
        words = self.kb.prompts
        self.speech.start([f"{words['emergency_tell']}.", advice_words(emergency.advice, words)], None, alarm=True)

    async def _show_result(self, result: ResultEvent) -> None:
        self.mode = "result"
        self._result = result
        self.question_screen = None
        await self.switch_screen(ResultScreen(result, self.kb.prompts, voice=self.speech.status.hearing,
                                              printing=self.printing.printer is not None))
        self.speech.start(result_speech(result, self.kb.prompts), self._result_grammar)

    # -- hand-off to the clinician ------------------------------------------------------------
    def on_code_asked(self, _message: CodeAsked) -> None:
        if self.mode == "result" and self._result is not None and self._result.summary is not None \
                and not self.staff.open and not isinstance(self.screen, CodeScreen):
            self.idle.touch()
            self.push_screen(CodeScreen(self._result.summary.compact(), self.kb.prompts))

    def on_print_asked(self, _message: PrintAsked) -> None:
        if self.mode == "result" and self._result is not None and self.printing.print(self._result):
            self.idle.touch()

    async def _go_welcome(self) -> None:
        """Forget the patient and show the welcome again (done, idle, staff clear)."""
        if self.mode != "welcome":
            self.staff_log.event("session ended", f"at the {self.mode} screen; {self.sessions} since start")
        self.speech.cancel()
        self.session.wipe()
        if self.speech.voice is not None:
            self.speech.voice.forget()
        self._result = None
        self.question_screen = None
        self.emergency_active = False
        self.staff.open = False
        self.mode = "welcome"
        while len(self.screen_stack) > 2:  # a staff screen, the PIN keypad or the code on top
            self.pop_screen()
        await self.switch_screen(WelcomeScreen(self.kb.prompts, self.speech.status,
                                               ignore_keys_s=WELCOME_AGAIN_IGNORE_KEYS_S, clock=self.clock))
        self._show_voice_status()
        self.resume_listening()

    # -- idle ---------------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.idle.touch()
        if self.staff.gesture(event):
            self.action_staff()
        await super().on_event(event)

    async def idle_tick(self) -> None:
        """What the interval timer runs: a patient who walked away is forgotten."""
        if not self.idle.due(at_result=self.mode == "result"):
            return
        if self.staff.open:  # never leave the staff screen open for the next patient
            self.staff.close()
            self.idle.touch()
            return
        if self.mode in ("welcome", "emergency") or self.emergency_active:
            return
        async with self._busy:
            # An answer may have come while this waited for the lock: it counts as activity.
            if self.idle.quiet_for() < self.settings.idle_timeout or self.mode not in ("question", "result"):
                return
            # The session decides: a wipe, or a staff check when a warning sign is left open.
            await self._handle(self.session.idle())

    # -- what was heard -------------------------------------------------------------------------
    def resume_listening(self, say_question: bool = False) -> None:
        """After staff or a voice restart: listen again for whatever the screen is waiting for."""
        if self.mode == "welcome":
            self.speech.start([], self._welcome_grammar)
        elif self.mode == "question":
            current = self.session.current
            said = [current.text] if say_question and current is not None else []
            self.speech.start(said, self.session.grammar())
        elif self.mode == "result":
            self.speech.start([], self._result_grammar)

    async def on_voice_heard(self, message: VoiceHeard) -> None:
        if not self.speech.is_live(message.turn) or self.staff.open:
            return
        heard = message.heard
        if self.mode == "welcome":
            if _said_any(heard, self.kb.answers.screens["start"]):
                await self.start_interview()
            else:
                self.speech.start([], self._welcome_grammar)
        elif self.mode == "question":
            await self._heard_answer(heard)
        elif self.mode == "result":
            if _said_any(heard, self.kb.answers.screens["finish"]):
                await self._done()
            elif _said_any(heard, self.kb.answers.screens["again"]):
                await self._command("repeat")
            else:
                self.speech.start([], self._result_grammar)

    async def _heard_answer(self, heard: Heard) -> None:
        async with self._busy:
            if self.mode != "question":
                return
            if heard.noinput:
                await self._handle(self.session.noinput())
                return
            happened = self.session.answer(heard.transcript, heard.confidence)
            if _understood(happened):  # a TV or a chat nearby must not keep the last patient's answers up
                self.idle.touch()
            await self._handle(happened, spoken=True)

    # -- staff (kiosk/ui/staff_desk.py) -------------------------------------------------------------
    def action_blocked(self) -> None:
        """Ctrl+C / Ctrl+Q: kiosk mode, nothing happens."""

    def action_staff(self) -> None:
        self.staff.ask_pin()

    def on_staff_pressed(self, message: StaffPressed) -> None:
        self.staff.act(message.name)

    def on_staff_test_done(self, message: StaffTestDone) -> None:
        self.staff.report(message.report)

    async def clear_emergency(self) -> None:
        async with self._busy:
            await self._go_welcome()


def _understood(happened: list[Event]) -> bool:
    """True when an utterance meant something: no "not understood" answer or reprompt among its events."""
    return not any((isinstance(e, RepromptEvent) and e.reason in NOT_UNDERSTOOD)
                   or (isinstance(e, AnswerEvent) and e.intent in NOT_UNDERSTOOD) for e in happened)


def _said_any(heard: Heard, phrases: tuple[str, ...]) -> bool:
    return not heard.noinput and says_any(heard.transcript, phrases)


def create_app(settings: Settings, kb: KnowledgeBase | None = None, voice: VoiceAdapter | None = None) -> KioskApp:
    """The kiosk app. Tests pass fixed settings and a knowledge base; ``voice=None`` is keys only."""
    if kb is None:
        from kiosk.engine.loader import load_knowledge_base

        kb = load_knowledge_base(settings.intents)
    return KioskApp(settings, kb, voice)


__all__ = ["KioskApp", "create_app"]
