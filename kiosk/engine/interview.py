"""The interview: which question comes next, what an answer means, when to stop.

Order: red-flag screening (grouped "any of these right now?" questions, followed up one by one
only on a plain yes), then the basics (age, how long), then adaptive questions chosen by expected
information gain about the cause. It stops when the picture is clear or nothing left is worth
asking, but never before asking what could still raise the urgency; and always at the hard cap.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from .conditions import Facts, mentions
from .events import (
    AnswerOption,
    CauseScore,
    Choice,
    EmergencyEvent,
    Intent,
    Progress,
    QuestionEvent,
    ResultEvent,
    Urgency,
)
from .handoff import CauseLine, ClinicianSummary
from .knowledge import KnowledgeBase, Question, level_rank
from .numbers import tidy_number
from .scoring import Evidence, entropy, information_gain, posterior, reasons, strongly_supported
from .urgency import assess

URGENCY_FIRST = 10.0  # outranks any information gain (at most log2(15) ≈ 3.9 bits)
BITS_PER_QUESTION = 0.8  # a rough yield per adaptive question, for the progress estimate only


@dataclass
class _State:
    findings: dict[str, bool | None] = field(default_factory=dict)  # None: asked, "don't know"
    values: dict[str, float | None] = field(default_factory=dict)  # age, duration
    # a value chosen on a key ("65 to 74"): the summary names the band, not the number standing for it
    bands: dict[str, str] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)  # question ids, in order
    pending: list[str] = field(default_factory=list)  # follow-ups queued by a "yes" to a group


class Interview:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.state = _State()
        self.history: list[_State] = []
        self._fixed = sorted((q for q in kb.questions.values() if q.phase in ("screening", "basics")),
                             key=lambda q: (q.phase != "screening", q.order))
        self._adaptive = [q for q in kb.questions.values() if q.phase == "adaptive"]
        self._urgency_findings = set().union(*(mentions(rule.when) for rule in kb.rules)) if kb.rules else set()
        self._said = _said_texts(kb)
        self._findings_words = _clinician_words(kb)

    def question(self, qid: str) -> Question:
        return self.kb.questions[qid]

    # -- choosing the next step -----------------------------------------------------------
    def next_step(self) -> QuestionEvent | ResultEvent | EmergencyEvent:
        flags = [f for f in self.kb.red_flags() if self.state.findings.get(f) is True]
        if flags:
            return self._emergency(flags)
        at_cap = len(self.state.asked) >= self.kb.settings.max_questions
        # Follow-ups of a red-flag screen are always asked: safety before brevity.
        self.state.pending = [f for f in self.state.pending if not at_cap or self.kb.findings[f].red_flag]
        if self.state.pending:
            return self._event(self.question(self.state.pending[0]))
        for question in self._fixed:
            if question.id not in self.state.asked and self._unanswered(question):
                return self._event(question)
        if at_cap:
            return self.result()
        chosen = self._choose_adaptive()
        return self._event(chosen) if chosen else self.result()

    def _unanswered(self, question: Question) -> list[str]:
        known = self.state.findings.keys() | self.state.values.keys()
        return [f for f in question.findings if f not in known]

    def _choose_adaptive(self) -> Question | None:
        evidence = self.evidence()
        chances = posterior(self.kb, evidence)
        clear = max(chances.values()) >= self.kb.settings.stop_when_top_cause_at_least
        raisers = self._urgency_raisers(evidence, chances)
        best: tuple[float, str, Question] | None = None
        for question in self._adaptive:
            items = self._unanswered(question)
            if question.id in self.state.asked or not items or len(items) < len(question.findings):
                continue
            gain = 0.0 if clear else information_gain(self.kb, chances, self._items(items))
            raises = not raisers.isdisjoint(items)
            if gain < self.kb.settings.min_information_gain and not raises:
                continue
            # Safety before refinement: a question whose yes would make the advice more urgent
            # goes first; otherwise the most informative question about the cause.
            score = gain + (URGENCY_FIRST if raises else 0.0)
            if best is None or (score, question.id) > (best[0], best[1]):
                best = (score, question.id, question)
        return best[2] if best else None

    def _items(self, findings: list[str]) -> list[str]:
        """Number findings (age, duration) are scored through their bands."""
        items: list[str] = []
        for fid in findings:
            finding = self.kb.findings[fid]
            items += [b.id for b in finding.bands] if finding.kind != "yes_no" else [fid]
        return items

    def _urgency_raisers(self, evidence: Evidence, chances: dict[str, float]) -> set[str]:
        """Unasked findings whose yes would make the advice more urgent than it is now."""
        level_now = level_rank(assess(self.kb, self._facts(evidence, chances)).level)
        raisers = set()
        for fid in self._urgency_findings:
            if fid in self.state.findings or self.kb.findings.get(fid) is None or self.kb.findings[fid].kind != "yes_no":
                continue
            trial = evidence + [(fid, True)]
            if level_rank(assess(self.kb, self._facts(trial, posterior(self.kb, trial))).level) > level_now:
                raisers.add(fid)
        return raisers

    # -- what answers mean ----------------------------------------------------------------
    def record(self, qid: str, intent: Intent, band: str = "") -> str | None:
        """Apply an answer. Returns a reprompt reason when the answer does not fit the question.
        ``band``: the label of the key that gave an age or duration (its value is the band's middle)."""
        question = self.question(qid)
        before = copy.deepcopy(self.state)
        problem = self._apply(question, intent)
        if problem:
            self.state = before
            return problem
        if question.kind in ("number", "duration"):
            self.state.bands.pop(question.findings[0], None)
            if band and intent.name == question.kind:
                self.state.bands[question.findings[0]] = band
        self.history.append(before)
        self.state.asked.append(qid)
        if qid in self.state.pending:
            self.state.pending.remove(qid)
        return None

    def _apply(self, question: Question, intent: Intent) -> str | None:
        findings, name = self.state.findings, intent.name
        if question.kind in ("number", "duration"):
            return self._apply_quantity(question, intent)
        if name == "unknown" and question.kind == "multi" and self.is_safety(question):
            # Not sure about a warning sign: ask about each one on its own, never move on.
            self.state.pending = [f for f in question.findings if f not in findings] + self.state.pending
            return None
        if name == "unknown":
            for fid in question.findings:
                findings[fid] = None
            return None
        if question.kind == "yes_no":
            if name not in ("yes", "no"):
                return "no_match"
            findings[question.findings[0]] = name == "yes"
            return None
        return self._apply_choices(question, intent)

    def _apply_choices(self, question: Question, intent: Intent) -> str | None:
        findings, name = self.state.findings, intent.name
        if name in ("none", "no"):
            for fid in question.findings:
                findings[fid] = False
            return None
        if name == "yes" and question.kind == "multi":
            self.state.pending = [f for f in question.findings if f not in findings] + self.state.pending
            return None
        if name != "choices":
            return "no_match"
        picked = set(intent.value or [])
        doubted_flags: list[str] = []  # "not sure about the chest pain": asked on its own, never dropped
        # Naming some of a list says the rest are absent, except when a red flag is named: the
        # interview stops there, and the clinician's summary must not say "no trouble breathing"
        # of a sign nobody asked about or denied.
        infer_rest = bool(picked) and not self._names_a_red_flag(question, picked)
        for choice in question.choices:
            if choice.id in picked:
                findings.update(dict(choice.sets))
            elif choice.id in intent.unsure:
                for fid, _ in choice.sets:
                    if fid in findings:
                        continue
                    if self.kb.findings[fid].red_flag:
                        doubted_flags.append(fid)
                    else:
                        findings[fid] = None
            elif question.kind == "multi" and (infer_rest or choice.id in intent.denied):
                findings.update({fid: not value for fid, value in choice.sets if fid not in findings})
        if not picked:  # partly answered ("no numbness"): ask about the rest one at a time
            rest = [f for f in question.findings if f not in findings]
            self.state.pending = rest + [f for f in self.state.pending if f not in rest]
        elif doubted_flags:
            self.state.pending = doubted_flags + [f for f in self.state.pending if f not in doubted_flags]
        return None

    def _names_a_red_flag(self, question: Question, picked: set[str]) -> bool:
        return any(value and self.kb.findings[fid].red_flag
                   for choice in question.choices if choice.id in picked for fid, value in choice.sets)

    def note(self, said: dict[str, bool]) -> None:
        """Findings the patient described outside the question (a red flag said at any question,
        or a volunteered finding they confirmed). Undone by "back" like any answer."""
        self.history.append(copy.deepcopy(self.state))
        self.state.findings.update(said)

    def holds_present(self, fid: str) -> bool:
        """Is the finding held as present (a yes, or an age or duration given)?"""
        return self.state.findings.get(fid) is True or fid in self.state.values

    def _apply_quantity(self, question: Question, intent: Intent) -> str | None:
        fid = question.findings[0]
        if intent.name == "unknown":
            self.state.values[fid] = None
            return None
        if intent.name != question.kind:
            return "no_match"
        finding = self.kb.findings[fid]
        value = float(intent.value)
        if (finding.min is not None and value < finding.min) or (finding.max is not None and value > finding.max):
            return "out_of_range"
        self.state.values[fid] = value
        return None

    def is_safety(self, question: Question) -> bool:
        """Does this question ask about a red flag (an emergency warning sign)?"""
        return any(self.kb.findings[f].red_flag for f in question.findings)

    def open_red_flags(self) -> tuple[str, ...]:
        """Red flags a yes or an unclear answer left to be asked about one by one."""
        return tuple(f for f in self.state.pending if self.kb.findings[f].red_flag)

    def go_back(self) -> None:
        """Undo the last answer, so its question is asked again."""
        if self.history:
            self.state = self.history.pop()

    # -- what we know ---------------------------------------------------------------------
    def evidence(self) -> Evidence:
        items: Evidence = [(fid, yes) for fid, yes in self.state.findings.items() if yes is not None]
        for fid, value in self.state.values.items():
            if value is not None:
                items += [(band.id, band.contains(value)) for band in self.kb.findings[fid].bands]
        return items

    def _facts(self, evidence: Evidence, chances: dict[str, float]) -> Facts:
        yes = frozenset(item for item, value in evidence if value)
        values = {k: v for k, v in self.state.values.items() if v is not None}
        return Facts(yes, values, chances, max(chances, key=chances.__getitem__))

    def result(self, after_emergency: bool = False) -> ResultEvent:
        """Causes ranked, with reasons, and one urgency level.

        After an emergency the interview stopped at once: only causes that the answers actually
        point to are listed, never a default list (no "likely overuse" for a possible stroke).
        """
        evidence = self.evidence()
        chances = posterior(self.kb, evidence)
        ranked = sorted(chances.items(), key=lambda kv: -kv[1])
        pointed = any(self.state.findings.values())  # some finding was said yes to
        if not pointed:
            # "No" to everything says little about the cause, and the "no"s weigh most against the
            # causes with the most typical signs, the common ones. Common causes come first then,
            # never a rare one (serious_article: "hand cramps are often caused by more benign factors").
            ranked.sort(key=lambda kv: -self.kb.causes[kv[0]].prior)
        settings = self.kb.settings
        # Likely causes, and any cause an answer clearly points to (a patient on a Parkinson's
        # medicine hears about its side effects even when Parkinson's itself fits better).
        shown = [kv for kv in ranked if kv[1] >= settings.min_cause_score_shown
                 or strongly_supported(self.kb, self.kb.causes[kv[0]], evidence)]
        shown = shown[: settings.max_causes_shown] or ranked[:1]
        causes = []
        for cid, chance in shown:
            cause = self.kb.causes[cid]
            why, against = reasons(self.kb, cause, evidence, self._said)
            causes.append(CauseScore(cid, cause.name, round(chance, 3), why, against, cause.explanation, cause.next_steps))
        if after_emergency:
            causes = [cause for cause in causes if cause.why]
        urgency = assess(self.kb, self._facts(evidence, chances))
        note = self.kb.prompts["no_clear_cause"] if causes and (not pointed or not causes[0].why) else ""
        summary = self._summary(urgency, causes, evidence)
        return ResultEvent(urgency, tuple(causes), self.kb.prompts["disclaimer"], note, summary)

    def _summary(self, urgency: Urgency, causes: list[CauseScore], evidence: Evidence) -> ClinicianSummary:
        """The answers as findings (never the patient's words), for the clinician."""
        findings, kb = self.state.findings, self.kb
        labels = {fid: kb.findings[fid].label for fid in findings}
        values = tuple((kb.findings[fid].label, self.state.bands.get(fid) or _value_words(kb.findings[fid].kind, value))
                       for fid, value in self.state.values.items())
        lines = []
        for cause in causes:
            for_, against = reasons(kb, kb.causes[cause.id], evidence, self._findings_words)
            lines.append(CauseLine(cause.id, cause.name, cause.score, for_, against))
        flags = kb.red_flags()
        return ClinicianSummary(
            yes=tuple(labels[f] for f, v in findings.items() if v is True),
            no=tuple(labels[f] for f, v in findings.items() if v is False),
            unsure=tuple(labels[f] for f, v in findings.items() if v is None),
            values=values,
            red_flags_all_no=bool(flags) and all(findings.get(f) is False for f in flags),
            level=urgency.level, level_label=urgency.label, because=(urgency.because,) if urgency.because else (),
            rules=urgency.reasons, causes=tuple(lines), when=datetime.now(UTC))

    def staff_check(self, kind: str, question: Question) -> tuple[EmergencyEvent, ResultEvent]:
        """A warning sign left open: handled like an emergency, "staff, please check on this patient".

        kind: "unclear" (not sure, not understood or not heard at a warning sign) or "left" (the
        patient went away with one open). The urgency's reason is the kind only, so the staff alert
        can name it without anything the patient said.
        """
        p, level = self.kb.prompts, self.kb.levels["emergency"]
        open_flags = tuple(dict.fromkeys(self.open_red_flags() + tuple(
            f for f in question.findings if self.kb.findings[f].red_flag and f not in self.state.findings)))
        event = EmergencyEvent("emergency", p[f"staff_check_{kind}"], p["staff_check_advice"], open_flags,
                               kind="staff_check")
        result = self.result(after_emergency=True)
        urgency = Urgency("emergency", level.advice, level.label, (f"staff_check_{kind}",), p[f"staff_check_{kind}"])
        summary = result.summary
        if summary is not None:  # the desk is told what the patient was told, and which signs are open
            open_labels = tuple(self.kb.findings[f].label for f in open_flags)
            summary = replace(summary, level=urgency.level, level_label=urgency.label, because=(urgency.because,),
                              rules=urgency.reasons, unsure=tuple(dict.fromkeys(summary.unsure + open_labels)))
        return event, replace(result, urgency=urgency, summary=summary)

    def _emergency(self, flags: list[str]) -> EmergencyEvent:
        reason = " ".join(self.kb.findings[f].said_yes for f in flags)
        return EmergencyEvent("emergency", reason, self.kb.levels["emergency"].advice, tuple(flags))

    # -- building the question event ------------------------------------------------------
    def _event(self, question: Question) -> QuestionEvent:
        choices = tuple(Choice(c.id, c.label) for c in question.choices)
        return QuestionEvent(
            id=question.id,
            kind=question.kind,
            text=question.text,
            findings=question.findings,
            choices=choices,
            progress=self._progress(question),
            options=self._options(question),
            help=question.help,
            why=question.why,
            short_text=question.short_text,
        )

    def _options(self, question: Question) -> tuple[AnswerOption, ...]:
        p = self.kb.prompts
        unknown = (p["option_unknown"], Intent("unknown"))
        if question.kind == "yes_no":
            pairs = [(p["option_yes"], Intent("yes", True)), (p["option_no"], Intent("no", False)), unknown]
        elif question.kind == "multi":
            pairs = [(p["option_some"], Intent("yes", True)), (p["option_none"], Intent("none", [])), unknown]
        elif question.kind == "choice":
            pairs = [(c.label.capitalize(), Intent("choices", [c.id])) for c in question.choices] + [unknown]
        else:
            finding = self.kb.findings[question.findings[0]]
            pairs = [(k.label, Intent(question.kind, tidy_number(k.value))) for k in finding.key_options] + [unknown]
        return tuple(AnswerOption(i + 1, label, intent) for i, (label, intent) in enumerate(pairs[:9]))

    def _progress(self, current: Question) -> Progress:
        asked = len(self.state.asked) + 1  # this question included
        fixed_left = sum(1 for q in self._fixed
                         if q.id != current.id and q.id not in self.state.asked and self._unanswered(q))
        chances = posterior(self.kb, self.evidence())
        adaptive_left = math.ceil(entropy(chances.values()) / BITS_PER_QUESTION)
        estimate = asked + len(self.state.pending) + fixed_left + adaptive_left - (current.id in self.state.pending)
        return Progress(asked, max(asked, min(estimate, self.kb.settings.max_questions)))


def _said_texts(kb: KnowledgeBase) -> dict[tuple[str, bool], str]:
    """How each answer is read back: (finding or band, yes?) -> "You said …"."""
    said: dict[tuple[str, bool], str] = {}
    for finding in kb.findings.values():
        if finding.kind == "yes_no":
            said[(finding.id, True)] = finding.said_yes
            said[(finding.id, False)] = finding.said_no
        for band in finding.bands:
            said[(band.id, True)] = band.said
    return said


def _clinician_words(kb: KnowledgeBase) -> dict[tuple[str, bool], str]:
    """How each answer reads for the clinician: "numbness", "no numbness", "age 60 to 120"."""
    words: dict[tuple[str, bool], str] = {}
    for finding in kb.findings.values():
        if finding.kind == "yes_no":
            words[(finding.id, True)] = finding.label
            words[(finding.id, False)] = f"{finding.label}: no"
        for band in finding.bands:
            low = "" if band.min is None else f"{tidy_number(band.min)}"
            high = "" if band.max is None else f"{tidy_number(band.max)}"
            span = f"{low} to {high}" if low and high else (f"under {high}" if high else f"{low} or more")
            unit = " days" if finding.kind == "duration" else ""
            words[(band.id, True)] = f"{finding.label} {span}{unit}"
    return words


def _value_words(kind: str, value: float | None) -> str:
    if value is None:
        return "not sure"
    return f"{tidy_number(value)} days" if kind == "duration" else f"{tidy_number(value)}"
