"""The session API: the one door into the medical engine.

The Textual UI, ``kiosk --jsonl``, the speech loop and the tests all drive an interview the
same way::

    kb = load_knowledge_base()            # kiosk.engine.loader
    session = Session(kb)
    events = session.start()              # [QuestionEvent]
    events = session.answer("yeah a bit") # [AnswerEvent, QuestionEvent | RepromptEvent | ...]
    events = session.choose(2)            # a numbered key or a touch on button 2
    events = session.noinput()            # the microphone heard nothing for several seconds
    events = session.idle()               # the idle timeout fired: a wipe, or a staff check
    session.wipe()                        # forget everything (finished, staff cleared)

Every call returns the events to show or speak, in order. A session never raises on bad input
from a patient: gibberish is a reprompt, an out-of-range number is a reprompt.

Unresolved red flags (docs/architecture.md): a warning sign is settled only by a clear yes or
no. At a safety question (one that asks about a red flag) a "don't know", or a third answer in a
row that was not understood or not heard, is never passed over: at a group question ("any of
these?") each warning sign is then asked on its own; at a single warning-sign question it ends
the interview with a staff check (an EmergencyEvent of kind "staff_check"). Going idle or away
while a warning sign is open (after a yes that did not say which, during the one-by-one
questions, after an answer not understood or not heard at a safety question, or while an unclear
answer to one waits for "Is that right?") is a staff check too, never a silent wipe. A plain
"no" to "Which ones?" after a spoken yes is read back before it rules the signs out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .events import (
    COMMAND_INTENTS,
    AbortedEvent,
    AnswerEvent,
    AnswerOption,
    EmergencyEvent,
    Event,
    Intent,
    QuestionEvent,
    RepromptEvent,
    ResultEvent,
)
from .answer_keys import days_words
from .interview import Interview
from .knowledge import KEYS_AFTER_FAILED_TRIES, KnowledgeBase, Question
from .numbers import tidy_number
from .understanding import Grammar, Reading, grammar_for, intents_grammar, read

# The question a reply to "Is that right?" answers: a plain yes or no (red flags still heard).
CHECK = Question("check", "yes_no", "", "", (), (), "adaptive", "", "")


@dataclass(frozen=True)
class _Confirm:
    """What waits for "Is that right?": findings volunteered, or an answer not heard clearly."""

    question: str  # the question they were said at
    findings: tuple[str, ...]  # volunteered findings, counted on a yes
    answered: bool  # the question itself was answered, so the interview moves on after this
    reprompt: RepromptEvent  # the read-back itself: its text and its Yes / No buttons, said again on "repeat"
    heard: Intent | None = None  # an answer heard with low confidence, recorded only on a yes

SAFETY_TRIES = 3  # answers in a row not understood or not heard at a safety question, then the next step
OPEN_AFTER_TRIES = 1  # an answer not understood or not heard at a safety question leaves it open


class Session:
    """One patient's interview. Holds everything the patient said, in memory only."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._interview = Interview(kb)
        self._failed_tries = 0
        self._asked_which = False  # a plain "yes" to a group question was met with "which ones?"
        self._denial_checked = False  # a "no" after that yes was read back once ("none of these?")
        self._left_open = False  # a doubtful answer at a safety question was never confirmed
        self._question: QuestionEvent | None = None
        self._confirm: _Confirm | None = None  # findings volunteered, waiting for "is that right?"
        self._restart_asked = False  # "start over" (said or S) was met with "do you want to start again?"
        self._ended: ResultEvent | EmergencyEvent | AbortedEvent | None = None

    # -- what the front end can read ------------------------------------------------------
    @property
    def current(self) -> QuestionEvent | None:
        """The question waiting for an answer, or None once the interview has ended."""
        return self._question

    @property
    def read_back(self) -> RepromptEvent | None:
        """ "You said … Is that right?" while it waits for a yes or no (its options are the keys)."""
        return self._confirm.reprompt if self._confirm is not None else None

    @property
    def finished(self) -> bool:
        return self._ended is not None

    @property
    def outcome(self) -> ResultEvent | EmergencyEvent | AbortedEvent | None:
        return self._ended

    @property
    def holds_answers(self) -> bool:
        """Whether anything from the patient's answers is still kept (False once wiped)."""
        state = self._interview.state
        return bool(state.findings or state.values or state.asked or self._interview.history)

    def grammar(self) -> Grammar | None:
        """Phrases and words the current question accepts (for speech recognizers)."""
        if self._question is None:
            return None
        if self._restart_asked:
            return intents_grammar(self.kb, "restart", ("yes", "no", "restart"))
        return grammar_for(self.kb, self._interview.question(self._question.id))

    # -- what the front end can do --------------------------------------------------------
    def start(self) -> list[Event]:
        """Begin (or begin again) and return the first question."""
        self._interview = Interview(self.kb)
        self._ended = None
        self._confirm = None
        self._restart_asked = False
        return self._ask_next()

    def answer(self, text: str, confidence: float = 1.0) -> list[Event]:
        """An answer as words (typed, or a speech transcript) to the current question."""
        if self._question is None:
            return []
        if self._restart_asked and (restart := self._restart_reply(text, confidence)):
            return restart
        if self._confirm is not None:
            return self._confirmed(text, confidence)
        question = self._interview.question(self._question.id)
        reading = read(self.kb, question, text)
        intent = reading.intent
        if confidence < 1.0 and intent.name != "no_match":
            intent = replace(intent, confidence=confidence)
        if self._takes_back_a_yes(question, reading, intent):
            return self._check_denial(reading, intent, text)
        if self._doubtful(question, reading, intent):
            return self._confirm_heard(reading, intent, text)
        if reading.red_flags or reading.volunteered or intent.denied or intent.unsure:
            return self._own_words(reading, intent, text)
        return self.apply(intent, text)

    def choose(self, number: int) -> list[Event]:
        """A numbered answer button (key or touch). Unknown numbers are ignored.

        While "Is that right?" waits, the buttons are its Yes and No (the read-back's options):
        a key never answers a question the screen is not showing."""
        if self._question is None:
            return []
        if self._confirm is not None:
            return self._confirm_key(number)
        for option in self._question.options:
            if option.number == number:
                return self.apply(option.intent, option.label, from_keys=True)
        return []

    def noinput(self) -> list[Event]:
        """Nothing was heard for several seconds."""
        if self._question is None:
            return []
        self._restart_asked = False  # silence is not a yes to starting over
        if self._confirm is not None and (shown := self._drop_confirm()):
            return shown  # nothing said to "Is that right?" about findings: on to the next question
        return self._unclear("noinput")

    def idle(self) -> list[Event]:
        """The idle timeout fired: nobody touched, pressed or said anything for a while.

        With a warning sign open, a staff check (never a silent wipe); otherwise the session is
        wiped and ends with an AbortedEvent. An emergency already shown stays until staff clear it.
        """
        if isinstance(self._ended, EmergencyEvent):
            return []
        if self._red_flag_open():
            return self._staff_check("left")
        self.wipe()
        self._ended = AbortedEvent()
        return [self._ended]

    def apply(self, intent: Intent, text: str = "", from_keys: bool = False) -> list[Event]:
        """An already-understood answer (from keys, touch, or a recognizer's intent)."""
        question = self._question
        if question is None:
            return []
        shown: list[Event] = []
        if self._confirm is not None:  # a command key while "Is that right?" waits
            if intent.name == "repeat":
                return [self._confirm.reprompt]
            shown = self._drop_confirm()
            if intent.name not in ("help", "why"):
                shown = []  # back and start over bring their own question; help explains the one shown
            question = self._question
            assert question is not None
        return shown + [AnswerEvent(question.id, text, intent.name, intent.value, intent.confidence)] + \
            self._record(question, intent, text, from_keys)

    def _record(self, question: QuestionEvent, intent: Intent, text: str = "", from_keys: bool = False) -> list[Event]:
        """What follows an answer: the next question, a reprompt, an explanation or the end."""
        name = intent.name
        restart_asked, self._restart_asked = self._restart_asked, False  # any other answer goes on
        if name == "no_match":
            return self._unclear("no_match")
        if name == "unknown" and question.kind != "multi" and self._is_safety(question):
            return self._staff_check("unclear")  # this was already the clear follow-up
        if name == "yes" and question.kind == "multi" and not from_keys and not self._asked_which:
            # A spoken "yes" to "any of these?": asking which is one turn; one question per
            # finding is several. Keys cannot name choices, so they go to the follow-ups.
            self._asked_which = True
            return [RepromptEvent(question.id, "which", self.kb.prompts["which_ones"])]
        if name == "repeat":
            return [question]
        if name in ("help", "why"):
            return [self._explain(name)]
        if name == "restart":
            if restart_asked:
                return self.start()
            self._restart_asked = True  # every answer is lost: one turn to make sure
            return [RepromptEvent(question.id, "restart", self.kb.prompts["restart_confirm"])]
        if name == "back":
            self._interview.go_back()
            return self._ask_next()
        problem = self._interview.record(question.id, intent, band=text if from_keys else "")
        if problem == "no_match":
            return self._unclear(problem)
        if problem:
            return [self._reprompt(problem)]
        return self._ask_next()

    def abort(self) -> list[Event]:
        """The patient walked away (or input ended): like idle, a wipe or a staff check."""
        return self.idle()

    def wipe(self) -> None:
        """Forget every answer. Called on finish, idle timeout and abandon."""
        self._interview = Interview(self.kb)
        self._question = None
        self._failed_tries = 0
        self._ended = None
        self._confirm = None

    # -- answers in the patient's own words -------------------------------------------------
    def _own_words(self, reading: Reading, intent: Intent, text: str) -> list[Event]:
        """An answer that said more (or less) than the question asked.

        A red flag described at any question is an emergency at once: a stroke sign said at
        the age question must not wait (safety before brevity; a denial never gets here). A
        finding volunteered outside the question is confirmed in one short turn before it
        counts. A list answer that denied only some choices records what it said and asks
        about the rest.
        """
        assert self._question is not None
        question = self._interview.question(self._question.id)
        outside = [f for f in reading.red_flags if f not in question.findings]
        if outside:
            self._interview.note({f: True for f in outside})
            return [AnswerEvent(question.id, text, intent.name, intent.value, intent.confidence)] + self._ask_next()
        fresh = self._news(reading)
        events: list[Event]
        if intent.name == "no_match":
            events = [AnswerEvent(question.id, text, intent.name, intent.value, intent.confidence)]
            answered = False
        else:
            events = self.apply(intent, text)
            answered = any(isinstance(e, QuestionEvent) and e.id != question.id for e in events) or self.finished
            first = events[0]
            if (intent.denied or intent.unsure) and isinstance(first, AnswerEvent):
                events[0] = replace(first, understood=self._understood(question.id, intent))
        if not fresh and not events[1:] and reading.volunteered:  # told again what it holds
            return events + self._unclear("known")
        if not fresh or self.finished:
            return events if events[1:] else events + self._unclear("no_match")
        said = " ".join(self.kb.findings[f].said_yes for f in fresh)
        prompt = self._read_back_event(question.id, said, fresh)
        self._confirm = _Confirm(question.id, fresh, answered, prompt)
        return events[:1] + [prompt]

    def _news(self, reading: Reading) -> tuple[str, ...]:
        """Findings described as present that the interview does not hold as present: new ones,
        and ones denied before ("my fingers tingle" after "no" to tingling: read back, and a yes
        corrects the earlier answer)."""
        return tuple(f for f in reading.volunteered if not self._interview.holds_present(f))

    def _confirmed(self, text: str, confidence: float) -> list[Event]:
        """The reply to "You said … Is that right?": yes counts what was read back.

        Volunteered findings: anything but yes drops them. An answer not heard clearly: no asks
        the question again; a new answer ("no, sixty seven") is read as the answer. A red flag
        said in the reply is an emergency, like anywhere else.
        """
        assert self._question is not None and self._confirm is not None
        pending, self._confirm = self._confirm, None
        reading = read(self.kb, CHECK, text)
        intent = reading.intent
        if intent.name == "back":  # "that's wrong" to "Is that right?": the read-back is wrong,
            intent = Intent("no", False)  # not "take me to the question before"
        if pending.heard is not None and intent.name not in ("yes", "no") or self._new_quantity(pending, text):
            return self.answer(text, confidence)  # not a reply to the check: an answer to the question
        if reading.red_flags:
            self._interview.note({f: True for f in reading.red_flags})
            return [AnswerEvent(pending.question, text, intent.name, intent.value, confidence)] + self._ask_next()
        return self._settle(pending, intent, text, confidence)

    def _confirm_key(self, number: int) -> list[Event]:
        """Key 1 (Yes) or 2 (No) to "Is that right?": the same as saying it."""
        assert self._confirm is not None
        for option in self._confirm.reprompt.options:
            if option.number == number:
                pending, self._confirm = self._confirm, None
                return self._settle(pending, option.intent, option.label, 1.0)
        return []

    def _settle(self, pending: _Confirm, intent: Intent, text: str, confidence: float) -> list[Event]:
        """A clear yes or no to the read-back: yes counts what was read back, no drops it."""
        assert self._question is not None
        events: list[Event] = [AnswerEvent(pending.question, text, intent.name, intent.value, confidence)]
        if intent.name == "yes":
            self._interview.note({f: True for f in pending.findings})
            if pending.heard is not None:  # its answer event went out with the read-back
                return events + self._record(self._question, pending.heard)
        if pending.heard is not None:
            return events + [RepromptEvent(pending.question, "try_again",
                                           f"{self.kb.prompts['try_again']} {self._question.text}")]
        if pending.answered:
            return events + self._ask_next()
        return events + [self._question]

    def _new_quantity(self, pending: _Confirm, text: str) -> bool:
        """ "No, sixty seven" to "You said 76. Is that right?" is the age, not just a no."""
        if pending.heard is None or pending.heard.name not in ("number", "duration"):
            return False
        return read(self.kb, self._interview.question(pending.question), text).intent.name == pending.heard.name

    # -- answers not heard clearly ----------------------------------------------------------
    def _doubtful(self, question: Question, reading: Reading, intent: Intent) -> bool:
        """Heard with low confidence, and worth a check. Never a red flag said present: an
        emergency is not held back for a read-back (safety before brevity)."""
        if intent.confidence >= self.kb.settings.confirm_below_confidence:
            return False
        if intent.name in COMMAND_INTENTS or intent.name == "no_match" or reading.red_flags:
            return False
        if intent.name == "yes" and question.kind == "multi":
            return False  # "which ones?" follows anyway
        said_yes = intent.name == "yes" or (intent.name == "choices" and bool(intent.value))
        return not (said_yes and any(self.kb.findings[f].red_flag for f in self._meant(question, intent)
                                     if f in self.kb.findings))

    @staticmethod
    def _meant(question: Question, intent: Intent) -> tuple[str, ...]:
        return tuple(intent.value) if intent.name == "choices" else question.findings

    def _confirm_heard(self, reading: Reading, intent: Intent, text: str) -> list[Event]:
        """ "You said your hands tingle. Is that right?" before an unclear answer counts."""
        assert self._question is not None
        question = self._interview.question(self._question.id)
        fresh = self._news(reading)
        said = " ".join([self._read_back(question, intent)] + [self.kb.findings[f].said_yes for f in fresh])
        prompt = self._read_back_event(question.id, said, fresh)
        self._confirm = _Confirm(question.id, fresh, False, prompt, intent)
        return [AnswerEvent(question.id, text, intent.name, intent.value, intent.confidence), prompt]

    def _read_back_event(self, qid: str, said: str, findings: tuple[str, ...]) -> RepromptEvent:
        """ "You said … Is that right?", with Yes and No as its two answer buttons."""
        words = self.kb.prompts
        options = (AnswerOption(1, words["option_yes"], Intent("yes", True)),
                   AnswerOption(2, words["option_no"], Intent("no", False)))
        return RepromptEvent(qid, "confirm", f"{said} {words['confirm']}".strip(), findings=findings, options=options)

    def _drop_confirm(self) -> list[Event]:
        """Silence or a command (back, help, start over…) instead of a yes or no: what waited is
        not counted. A doubtful answer at a safety question stays open: walking away now is a
        staff check. Returns the question now current when the read-back was about findings said
        with an answer the interview had moved past, so the screen shows the question that follows."""
        pending, self._confirm = self._confirm, None
        assert pending is not None and self._question is not None
        if pending.heard is not None and pending.question == self._question.id and self._is_safety(self._question):
            self._left_open = True
        return [self._question] if pending.answered else []

    def _takes_back_a_yes(self, question: Question, reading: Reading, intent: Intent) -> bool:
        """A plain "no" to "Which ones?" after a spoken yes to a warning-sign group: the two
        answers disagree, so the "no" is read back before it rules the signs out ("none of
        those", the answer the kiosk offers, is clear and counts at once)."""
        return (self._asked_which and intent.name == "no" and not reading.red_flags
                and self._interview.is_safety(question))

    def _check_denial(self, reading: Reading, intent: Intent, text: str) -> list[Event]:
        """Read back once; the same "no" again after "Let's try that again" is a staff check."""
        if self._denial_checked:
            assert self._question is not None
            answer = AnswerEvent(self._question.id, text, intent.name, intent.value, intent.confidence)
            return [answer] + self._staff_check("unclear")
        self._denial_checked = True
        return self._confirm_heard(reading, intent, text)

    def _read_back(self, question: Question, intent: Intent) -> str:
        """The answer in plain words: "You said you are 67.", "You said your hands tingle."."""
        prompts, findings = self.kb.prompts, self.kb.findings
        if intent.name == "number":
            return prompts["said_number"].format(value=tidy_number(intent.value))
        if intent.name == "duration":
            return prompts["said_duration"].format(value=days_words(intent.value))
        if intent.name == "unknown":
            return prompts["said_unknown"]
        if intent.name == "none" or (intent.name == "no" and question.choices):
            return prompts["said_none"]
        if intent.name in ("yes", "no") and question.findings:
            finding = findings[question.findings[0]]
            return finding.said_yes if intent.value else finding.said_no
        if intent.name == "choices":
            labels = {c.id: c.label for c in question.choices}
            picked = [findings[c].said_yes if c in findings else "" for c in intent.value]
            others = [labels[c] for c in intent.value if c not in findings]
            said = [p for p in picked if p] + ([prompts["said_choices"].format(labels=", ".join(others))] if others else [])
            return " ".join(said + [self._understood(question.id, intent)]).strip()
        return ""

    def _restart_reply(self, text: str, confidence: float) -> list[Event]:
        """The reply to "Do you want to start again?": yes (or "start over" again) starts over, no
        goes back to the question. Anything else is an answer to the question ([] here), and one
        that names a warning sign is never taken for a yes."""
        assert self._question is not None
        self._restart_asked = False
        reading = read(self.kb, self._plain_yes_no(), text)
        name = reading.intent.name
        if reading.red_flags or reading.volunteered or name not in ("yes", "no", "restart"):
            return []
        heard = AnswerEvent(self._question.id, text, "repeat" if name == "no" else "restart", None, confidence)
        return [heard, self._question] if name == "no" else [heard, *self.start()]

    def _plain_yes_no(self) -> Question:
        """A yes/no question that is not about a warning sign, to read a plain yes or no against."""
        current = self._interview.question(self._question.id) if self._question else None
        return next((q for q in self.kb.questions.values() if q.kind == "yes_no" and not self._interview.is_safety(q)),
                    current or next(iter(self.kb.questions.values())))

    def _understood(self, qid: str, intent: Intent) -> str:
        """"You said you have no numbness." for the choices a partial answer denied or doubted."""
        question = self._interview.question(qid)
        denied = [self.kb.findings[c].said_no for c in intent.denied if c in self.kb.findings]
        unsure = [self.kb.prompts["not_sure_about"].format(label=self.kb.findings[c].label)
                  for c in intent.unsure if c in self.kb.findings]
        return " ".join(denied + unsure) if question.choices else ""

    # -- internals ------------------------------------------------------------------------
    def _ask_next(self) -> list[Event]:
        self._failed_tries = 0
        self._asked_which = False
        self._denial_checked = False
        self._left_open = False
        step = self._interview.next_step()
        if isinstance(step, QuestionEvent):
            self._question = step
            return [step]
        self._question = None
        self._ended = step
        if isinstance(step, EmergencyEvent):
            return [step, self._interview.result(after_emergency=True)]
        return [step]

    def _is_safety(self, question: QuestionEvent) -> bool:
        return self._interview.is_safety(self._interview.question(question.id))

    def _red_flag_open(self) -> bool:
        question = self._question
        if question is None:
            return False
        if self._interview.open_red_flags():
            return True
        if self._confirm is not None and self._confirm.heard is not None and self._is_safety(question):
            return True  # an unclear answer to a safety question was never confirmed: not settled
        return self._is_safety(question) and (self._asked_which or self._left_open
                                              or self._failed_tries >= OPEN_AFTER_TRIES)

    def _unclear(self, reason: str) -> list[Event]:
        """Not understood or not heard: asked again; at a safety question, not for ever."""
        question = self._question
        assert question is not None
        if self._is_safety(question) and self._failed_tries + 1 >= SAFETY_TRIES:
            if question.kind == "multi":  # each warning sign on its own: short yes/no questions
                self._interview.record(question.id, Intent("unknown"))
                return self._ask_next()
            return self._staff_check("unclear")
        return [self._reprompt(reason)]

    def _staff_check(self, kind: str) -> list[Event]:
        assert self._question is not None
        event, result = self._interview.staff_check(kind, self._interview.question(self._question.id))
        self._question = None
        self._ended = event
        return [event, result]

    def _reprompt(self, reason: str) -> RepromptEvent:
        assert self._question is not None
        self._failed_tries += 1
        text = self.kb.prompts.reprompt_text(self._question, reason, self._failed_tries)
        return RepromptEvent(self._question.id, reason, text, attempt=self._failed_tries,
                             offer_keys=self._failed_tries >= KEYS_AFTER_FAILED_TRIES)

    def _explain(self, what: str) -> RepromptEvent:
        assert self._question is not None
        body = self._question.help if what == "help" else self._question.why
        return RepromptEvent(self._question.id, what, f"{body} {self._question.text}".strip())
