"""Load and validate the knowledge base in ``intents/``.

Every problem found is collected (not just the first) and reported in one message, each with
file, line and key, and a did-you-mean for misspelt ids. The kiosk refuses to start on invalid
data; ``kiosk validate [DIR]`` runs exactly this.
"""

from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, cast

from kiosk.paths import intents_dir
from kiosk.yamlread import LineDict, LineList, Problem, did_you_mean, line_of, read_yaml

from .answer_keys import MAX_KEYS, with_derived_keys
from .conditions import ConditionReader
from .knowledge import (
    CLAUSE_LISTS,
    LEVELS,
    AnswerPhrases,
    Band,
    Cause,
    ChoiceDef,
    ClauseWords,
    Finding,
    InterviewSettings,
    KnowledgeBase,
    LevelDef,
    Phase,
    Prompts,
    Question,
    Source,
    UrgencyRule,
)
from .templates import Vocabulary, expand
from .templates import problems as template_problems
from .understanding import normalize

FILES = ("sources.yaml", "vocabulary.yaml", "answers.yaml", "prompts.yaml", "findings.yaml", "questions.yaml", "causes.yaml", "urgency.yaml")
ANSWER_KEYS = ("yes", "no", "unknown", "none", "all", "repeat", "back", "help", "why", "restart")
SCREEN_KEYS = ("start", "again", "finish", "mic_test")
# questions.yaml `interview:` settings: (lowest, highest, type). No default in code: the shipped
# questions.yaml is the one home of each value, and a folder that leaves one out is told so.
INTERVIEW_LIMITS: dict[str, tuple[float, float, type]] = {
    "max_questions": (3, 60, int),
    "stop_when_top_cause_at_least": (0.3, 1.0, float),
    "min_information_gain": (0.0, 2.0, float),
    "max_causes_shown": (1, 15, int),
    "min_cause_score_shown": (0.0, 0.5, float),
    "confirm_below_confidence": (0.0, 1.0, float),
}
# The knowledge base's schema: for each kind of mapping, the keys it may have (ID stands for any
# id). The loader checks every such mapping against its row; docs/authoring.md's key reference
# lists the same keys (tests/test_validation.py checks both ways). A new key is one line here and
# one row there.
SCHEMA: dict[str, tuple[str, ...]] = {
    "sources.yaml: sources.ID": ("title", "kind", "file"),
    "vocabulary.yaml": ("lists", "rules", "clauses"),
    "vocabulary.yaml: clauses": CLAUSE_LISTS,
    "answers.yaml": (*ANSWER_KEYS, "screens"),
    "answers.yaml: screens": SCREEN_KEYS,
    "findings.yaml: findings.ID": ("kind", "label", "question", "short", "said_yes", "said_no", "help", "why",
                                   "phrases", "red_flag", "base_rate", "min", "max", "bands"),
    "findings.yaml: findings.ID.bands.ID": ("min", "max", "said", "base_rate"),
    "questions.yaml": ("interview", "questions"),
    "questions.yaml: interview": tuple(INTERVIEW_LIMITS),
    "questions.yaml: questions.ID": ("kind", "text", "short", "phase", "choices", "help", "why"),
    "causes.yaml": ("scales", "causes"),
    "causes.yaml: causes.ID": ("name", "explanation", "next_steps", "prevalence", "source", "findings"),
    "urgency.yaml": ("levels", "rules"),
    "urgency.yaml: rules[]": ("id", "level", "when", "because", "source"),
}
# Fixed answer buttons (`keys:` in findings.yaml) are made from the thresholds now
# (answer_keys.py); an old file that still has them is told why, not just "unknown key".
RETIRED_KEYS = "keys"
REQUIRED_PROMPTS = ("no_match", "noinput", "out_of_range", "reprompt_keys", "disclaimer", "intro",
                    "option_yes", "option_no", "option_unknown", "option_some", "option_none", "which_ones",
                    "no_clear_cause", "because_self_care", "staff_check_unclear", "staff_check_left",
                    "staff_check_advice", "no_such_key", "key_number_under", "key_number_between",
                    "key_number_over", "key_duration_under", "key_duration_between", "key_duration_over",
                    "confirm", "not_sure_about", "said_number", "said_duration", "said_unknown", "said_none",
                    "said_choices", "try_again", "already_known")
# Words on the kiosk's screens (kiosk/ui): in prompts.yaml so staff can edit them; all required,
# so a missing one is a load error with its file, not a blank on a patient's screen.
SCREEN_PROMPTS = (
    "welcome_title", "welcome_what", "welcome_how", "welcome_how_keys", "welcome_button", "progress",
    "progress_about", "keys_hint", "help_keys", "caption_chose", "caption_heard", "caption_unsure",
    "command_repeat", "command_back", "command_help", "command_why", "command_restart", "restart_confirm", "restart_confirm_keys",
    "listening_speaking", "listening_listening", "listening_thinking", "listening_idle", "listening_starting",
    "listening_off", "voice_on", "voice_no_speaking", "voice_no_hearing", "voice_off", "level_emergency", "level_urgent", "level_soon", "level_routine", "level_self_care",
    "result_next", "result_why", "result_causes", "result_fits", "result_does_not_fit", "result_possible",
    "result_more_below", "result_closing", "result_closing_keys", "result_spoken_closing",
    "result_button_repeat", "result_button_done", "result_button_code", "result_button_print", "code_title",
    "code_too_small", "code_back", "print_started", "print_done", "print_failed", "emergency_title", "safety_check_title",
    "emergency_tell", "emergency_calling", "emergency_alerted", "emergency_go_to_desk", "emergency_alert_failed",
)


class KnowledgeBaseError(Exception):
    """The knowledge base is invalid; ``problems`` lists every problem found."""

    def __init__(self, folder: Path, problems: list[Problem]) -> None:
        self.folder = folder
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"The knowledge base in {folder} has {len(problems)} problem(s):\n{lines}")


@dataclass
class _Check:
    """Reads one file's values, noting each problem with its line instead of stopping."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def problem(self, container: Any, key: Any, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, line_of(container, key), path, message))

    def mapping(self, container: Any, key: str, path: str, required: bool = True) -> LineDict:
        value = container.get(key) if isinstance(container, dict) else None
        if isinstance(value, dict):
            return cast(LineDict, value)  # the reader makes every mapping a LineDict
        if value is not None or required:
            present = isinstance(container, dict) and key in container
            missing = "is empty" if present else "is missing"
            self.problem(container, key, path, missing if value is None else "must be a mapping of keys to values")
        stand_in = LineDict()  # what is missing inside is reported at this block's line
        stand_in.line = line_of(container, key) or getattr(container, "line", 0) or 1
        return stand_in

    def entries(self, table: dict, prefix: str, expected: str = "must be a mapping") -> Iterator[tuple[Any, dict, str]]:
        """Each ``key: mapping`` of ``table`` with its path ("causes.overuse"); an entry that is
        not a mapping is noted as a problem (``expected`` says what it should be) and skipped."""
        for key, raw in table.items():
            path = f"{prefix}.{key}"
            if isinstance(raw, dict):
                yield key, raw, path
            else:
                self.problem(table, key, path, expected)

    def text(self, container: dict, key: str, path: str, required: bool = True, default: str = "") -> str:
        value = container.get(key)
        if value is None:
            if required:
                self.problem(container, key, f"{path}.{key}", "is missing")
            return default
        if not isinstance(value, str) or not value.strip():
            self.problem(container, key, f"{path}.{key}", "must be non-empty text")
            return default
        return value.strip()

    def number(self, container: dict, key: str, path: str, low: float, high: float, default: float | None = None) -> float | None:
        value = container.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(container, key, f"{path}.{key}", f"must be a number, not {value!r}")
            return default
        if not low <= value <= high:
            self.problem(container, key, f"{path}.{key}", f"{value} is out of range ({low} to {high})")
            return default
        return float(value)

    def texts(self, container: dict, key: str, path: str, required: bool = True) -> tuple[str, ...]:
        value = container.get(key)
        if value is None:
            if required:
                self.problem(container, key, f"{path}.{key}", "is missing")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(container, key, f"{path}.{key}", "must be a list of non-empty texts")
            return ()
        return tuple(v.strip() for v in value)

    def boolean(self, container: dict, key: str, path: str, default: bool = False) -> bool:
        value = container.get(key, default)
        if isinstance(value, bool):
            return value
        # YAML 1.2 booleans (kiosk.yamlread): `red_flag: yes` is the word "yes", not true
        self.problem(container, key, f"{path}.{key}", f"must be true or false, not {value!r}")
        return default

    def known(self, container: Any, key: Any, path: str, value: str, known: Any, what: str) -> bool:
        if value in known:
            return True
        self.problem(container, key, path, f"unknown {what} '{value}'{did_you_mean(value, known)}")
        return False

    def known_text(self, container: dict, key: str, path: str, known: Any, what: str) -> str:
        """The text at ``key``, which must be one of ``known`` (a cause's source, a rule's level...)."""
        value = self.text(container, key, path)
        if value:
            self.known(container, key, f"{path}.{key}", value, known, what)
        return value

    def unexpected_keys(self, container: dict, allowed: tuple[str, ...], path: str) -> None:
        for key in container:
            if key not in allowed:
                self.problem(container, key, f"{path}.{key}", f"unknown key{did_you_mean(key, allowed)}")


def load_knowledge_base(folder: Path | None = None) -> KnowledgeBase:
    folder = Path(folder) if folder is not None else intents_dir()
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    for name in FILES:
        path = folder / name
        if not path.is_file():
            problems.append(Problem(name, 0, "(file)", f"is missing from {folder}"))
            continue
        data[name] = read_yaml(path, problems)
        if data[name] is not None and not isinstance(data[name], dict):
            problems.append(Problem(name, 1, "(file)", "must be a mapping at the top level"))
            data[name] = None
    if problems:
        raise KnowledgeBaseError(folder, problems)
    builder = _Builder(data, problems)
    try:
        kb = builder.build()
    except (TypeError, AttributeError, ValueError, KeyError, IndexError) as error:
        # a shape no check foresaw: still a problem with its file, never a traceback
        problems.append(Problem(builder.current_file, 1, "(shape)",
                                f"a value is not the kind the kiosk expects ({type(error).__name__}); "
                                "check the lists and mappings you last edited"))
        raise KnowledgeBaseError(folder, problems) from error
    if problems:
        raise KnowledgeBaseError(folder, problems)
    return kb


class _Builder:
    def __init__(self, data: dict[str, Any], problems: list[Problem]) -> None:
        self.data = data
        self.problems = problems
        self.current_file = FILES[0]

    def check(self, file: str) -> _Check:
        self.current_file = file  # for a problem the checks did not foresee
        check = _Check(file)
        check.problems = self.problems
        return check

    def build(self) -> KnowledgeBase:
        sources = self._sources()
        self.vocabulary = self._vocabulary()
        self.clauses = self._clauses()
        answers = self._answers()
        prompts = self._prompts()
        findings = self._findings()
        causes = self._causes(findings, sources)
        questions, settings = self._questions(findings, answers, prompts)
        levels, rules = self._urgency(findings, causes, sources)
        findings = with_derived_keys(findings, rules, prompts)
        self._check_key_count(findings)
        return KnowledgeBase(findings, questions, causes, rules, levels, sources, answers, prompts, settings,
                             self.clauses, self.vocabulary)

    # -- vocabulary.yaml ------------------------------------------------------------------
    def _vocabulary(self) -> Vocabulary:
        c = self.check("vocabulary.yaml")
        raw = self.data["vocabulary.yaml"]
        c.unexpected_keys(raw, SCHEMA["vocabulary.yaml"], "vocabulary.yaml")
        lists_raw = c.mapping(raw, "lists", "lists")
        lists: dict[str, tuple[str, ...]] = {}
        ranges: dict[str, tuple[int, int]] = {}
        values: dict[str, tuple[float | str | None, ...]] = {}
        for name, value in lists_raw.items():
            path = f"lists.{name}"
            if isinstance(value, dict):
                bounds = value.get("range")
                if (set(value) != {"range"} or not isinstance(bounds, list) or len(bounds) != 2
                        or not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds) or bounds[0] > bounds[1]):
                    c.problem(lists_raw, name, path, "a number range is written {range: [low, high]}, whole numbers")
                    continue
                ranges[name] = (bounds[0], bounds[1])
            elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
                valued = self._valued_items(c, lists_raw, name, value)
                lists[name], values[name] = tuple(i for i, _ in valued), tuple(v for _, v in valued)
            else:
                lists[name] = c.texts(lists_raw, name, "lists")
        rules_raw = c.mapping(raw, "rules", "rules", required=False)
        rules = {name: c.text(rules_raw, name, "rules") for name in rules_raw}
        vocab = Vocabulary(lists, ranges, rules, values)
        for name, items in lists.items():
            for index, item in enumerate(items):
                self._template(c, lists_raw[name], index, f"lists.{name}[{index}]", item, vocab)
        for name, text in rules.items():
            self._template(c, rules_raw, name, f"rules.{name}", text, vocab)
        return vocab

    def _clauses(self) -> ClauseWords:
        c = self.check("vocabulary.yaml")
        raw = c.mapping(self.data["vocabulary.yaml"], "clauses", "clauses")
        c.unexpected_keys(raw, SCHEMA["vocabulary.yaml: clauses"], "clauses")
        # Read as the understanding reads an answer: "don't" is the word "dont".
        said = {name: tuple(normalize(word) for word in c.texts(raw, name, "clauses")) for name in CLAUSE_LISTS}
        sets = {name: frozenset(words) for name, words in said.items() if name != "deny_phrases"}
        sets["complaint_negatives"] |= sets["deny"]
        return ClauseWords(deny_phrases=said["deny_phrases"], **sets)

    @staticmethod
    def _valued_items(c: _Check, container: dict, name: str, raw: list) -> list[tuple[str, float | str | None]]:
        """A list whose items say what number they stand for: {"a couple of": 2}, a day of the
        year for the days since it ({"christmas": "12-25"}), or a plain template naming another
        such list ("{count_number}") whose number it takes."""
        items: list[tuple[str, float | str | None]] = []
        for index, item in enumerate(raw):
            if isinstance(item, str) and item.strip():
                items.append((item.strip(), None))
                continue
            if isinstance(item, dict) and len(item) == 1:
                (text, number), = item.items()
                if isinstance(text, str) and text.strip() and isinstance(number, (int, float)) \
                        and not isinstance(number, bool):
                    items.append((text.strip(), float(number)))
                    continue
                if isinstance(text, str) and text.strip() and _is_day_of_year(number):
                    items.append((text.strip(), number))
                    continue
            c.problem(raw, index, f"lists.{name}[{index}]",
                      'an item is a template, {"template": number} for the number it stands for, '
                      'or {"template": "MM-DD"} for the days since that day of the year')
        return items

    def _template(self, c: _Check, container: Any, key: Any, path: str, text: str, vocab: Vocabulary | None = None) -> None:
        """A phrase template that cannot be read is reported with its file, line and key."""
        for message in template_problems(text, vocab or self.vocabulary):
            c.problem(container, key, path, message)

    def _templates(self, c: _Check, container: dict, key: str, path: str) -> None:
        values = container.get(key)
        if isinstance(values, list):
            for index, text in enumerate(values):
                if isinstance(text, str):
                    self._template(c, values, index, f"{path}.{key}[{index}]", text)

    def _check_key_count(self, findings: dict[str, Finding]) -> None:
        c = self.check("urgency.yaml")
        for finding in findings.values():
            if len(finding.key_options) > MAX_KEYS:
                c.problem(self.data["urgency.yaml"], "rules", f"rules ({finding.id})",
                          f"{finding.id} is cut into {len(finding.key_options)} answer buttons by its bands and "
                          f"thresholds ({', '.join(k.label for k in finding.key_options)}); at most {MAX_KEYS} fit "
                          "the number keys: use fewer different numbers")

    # -- sources.yaml ---------------------------------------------------------------------
    def _sources(self) -> dict[str, Source]:
        c = self.check("sources.yaml")
        out: dict[str, Source] = {}
        table = c.mapping(self.data["sources.yaml"], "sources", "sources")
        for sid, raw, path in c.entries(table, "sources", "must be a mapping with title and kind"):
            c.unexpected_keys(raw, SCHEMA["sources.yaml: sources.ID"], path)
            kind = c.text(raw, "kind", path)
            if kind and kind not in ("article", "standard"):
                c.problem(raw, "kind", f"{path}.kind", f"must be 'article' or 'standard', not '{kind}'")
            out[sid] = Source(sid, c.text(raw, "title", path), kind, c.text(raw, "file", path, required=False))
        return out

    # -- answers.yaml ---------------------------------------------------------------------
    def _answers(self) -> AnswerPhrases:
        c = self.check("answers.yaml")
        raw = self.data["answers.yaml"]
        c.unexpected_keys(raw, SCHEMA["answers.yaml"], "answers")
        by_intent = {key: c.texts(raw, key, "answers") for key in ANSWER_KEYS}
        for key in ANSWER_KEYS:
            self._templates(c, raw, key, "answers")
        screens_raw = c.mapping(raw, "screens", "screens")
        c.unexpected_keys(screens_raw, SCHEMA["answers.yaml: screens"], "screens")
        screens = {key: c.texts(screens_raw, key, "screens") for key in SCREEN_KEYS}
        seen: dict[str, tuple[str, int]] = {}
        for key, phrases in by_intent.items():
            for index, phrase in enumerate(phrases):
                if template_problems(phrase, self.vocabulary):
                    continue
                for said in expand(phrase, self.vocabulary, 60):
                    norm = normalize(said)
                    owner = seen.get(norm)
                    if owner and owner[0] != key:
                        c.problem(raw[key], index, f"answers.{key}",
                                  f"'{said}' (from '{phrase}') is also an answer under '{owner[0]}'")
                        break
                    if owner and owner[1] != index:
                        c.problem(raw[key], index, f"answers.{key}", f"'{said}' (from '{phrase}') is listed twice")
                        break
                    seen[norm] = (key, index)
        return AnswerPhrases(by_intent, screens)

    # -- prompts.yaml ---------------------------------------------------------------------
    def _prompts(self) -> Prompts:
        c = self.check("prompts.yaml")
        raw = c.mapping(self.data["prompts.yaml"], "prompts", "prompts")
        texts = {key: c.text(raw, key, "prompts") for key in REQUIRED_PROMPTS + SCREEN_PROMPTS}
        for key in raw:
            if key not in texts:
                texts[key] = c.text(raw, key, "prompts")
        return Prompts(texts)

    # -- findings.yaml --------------------------------------------------------------------
    def _findings(self) -> dict[str, Finding]:
        c = self.check("findings.yaml")
        table = c.mapping(self.data["findings.yaml"], "findings", "findings")
        out: dict[str, Finding] = {}
        for fid, raw, path in c.entries(table, "findings"):
            out[fid] = self._finding(c, fid, raw, path)
            if out[fid].kind in ("number", "duration") and fid not in self.vocabulary.rules:
                c.problem(table, fid, path, f"a {out[fid].kind} needs the rule '{fid}' in vocabulary.yaml: "
                          "how patients say it")
        band_ids = [b.id for f in out.values() for b in f.bands]
        for bid in {b for b in band_ids if band_ids.count(b) > 1 or b in out}:
            c.problem(table, None, f"findings (band {bid})", "band id is used twice or clashes with a finding id")
        return out

    def _finding(self, c: _Check, fid: str, raw: dict, path: str) -> Finding:
        c.unexpected_keys(raw, (*SCHEMA["findings.yaml: findings.ID"], RETIRED_KEYS), path)
        if RETIRED_KEYS in raw:
            c.problem(raw, RETIRED_KEYS, f"{path}.keys", "remove it: the answer buttons are made from the bands and "
                      "the urgency rules' thresholds, so that a button and the same value said aloud give the same advice")
        kind = raw.get("kind", "yes_no")
        if kind not in ("yes_no", "number", "duration"):
            c.problem(raw, "kind", f"{path}.kind", f"must be yes_no, number or duration, not '{kind}'")
            kind = "yes_no"
        yes_no = kind == "yes_no"
        self._templates(c, raw, "phrases", path)
        return Finding(
            id=fid,
            kind=kind,
            label=c.text(raw, "label", path),
            question=c.text(raw, "question", path),
            short_question=c.text(raw, "short", path, required=False),
            said_yes=c.text(raw, "said_yes", path, required=yes_no),
            said_no=c.text(raw, "said_no", path, required=yes_no),
            help=c.text(raw, "help", path),
            why=c.text(raw, "why", path),
            phrases=c.texts(raw, "phrases", path, required=False),
            red_flag=c.boolean(raw, "red_flag", path),
            base_rate=c.number(raw, "base_rate", path, 0.001, 0.999, 0.2) or 0.2,
            min=c.number(raw, "min", path, 0, 100000),
            max=c.number(raw, "max", path, 0, 100000),
            bands=self._bands(c, raw, path),
        )

    def _bands(self, c: _Check, raw: dict, path: str) -> tuple[Band, ...]:
        table = c.mapping(raw, "bands", f"{path}.bands", required=False)
        bands = []
        for bid, band, bpath in c.entries(table, f"{path}.bands", "must be a mapping with min and/or max"):
            c.unexpected_keys(band, SCHEMA["findings.yaml: findings.ID.bands.ID"], bpath)
            bands.append(Band(bid, c.number(band, "min", bpath, 0, 100000), c.number(band, "max", bpath, 0, 100000),
                              c.text(band, "said", bpath), c.number(band, "base_rate", bpath, 0.001, 0.999, 0.33) or 0.33))
        return tuple(bands)

    # -- questions.yaml -------------------------------------------------------------------
    def _questions(self, findings: dict[str, Finding], answers: AnswerPhrases, prompts: Prompts
                   ) -> tuple[dict[str, Question], InterviewSettings]:
        c = self.check("questions.yaml")
        raw = self.data["questions.yaml"]
        c.unexpected_keys(raw, SCHEMA["questions.yaml"], "questions.yaml")
        settings = self._settings(c, c.mapping(raw, "interview", "interview"))
        questions: dict[str, Question] = {}
        for fid, finding in findings.items():  # every finding can be asked on its own
            phase = "followup" if finding.red_flag else "adaptive"
            questions[fid] = Question(fid, finding.kind, finding.question, finding.short_question or finding.question,
                                      (fid,), (), cast(Phase, phase), finding.help, finding.why)
        table = c.mapping(raw, "questions", "questions")
        for order, (qid, q, path) in enumerate(c.entries(table, "questions")):
            question = self._question(c, qid, q, path, order, findings, questions)
            if question is not None:
                questions[qid] = question
        self._check_duplicate_phrases(c, table, questions, answers)
        return questions, settings

    def _settings(self, c: _Check, raw: dict) -> InterviewSettings:
        c.unexpected_keys(raw, SCHEMA["questions.yaml: interview"], "interview")
        values: dict[str, Any] = {}
        for key, (low, high, kind) in INTERVIEW_LIMITS.items():
            if key not in raw:
                c.problem(raw, None, f"interview.{key}", f"is missing (a number from {low:g} to {high:g})")
            value = c.number(raw, key, "interview", low, high, low)  # (the folder is refused on any problem)
            values[key] = kind(value)
        return InterviewSettings(**values)

    def _question(self, c: _Check, qid: str, q: dict, path: str, order: int,
                  findings: dict[str, Finding], existing: dict[str, Question]) -> Question | None:
        c.unexpected_keys(q, SCHEMA["questions.yaml: questions.ID"], path)
        kind = q.get("kind", "multi")
        if kind not in ("multi", "choice", "yes_no", "number", "duration"):
            c.problem(q, "kind", f"{path}.kind", f"must be multi, choice, yes_no, number or duration, not '{kind}'")
            return None
        phase = q.get("phase", "adaptive")
        if phase not in ("screening", "basics", "adaptive"):
            c.problem(q, "phase", f"{path}.phase", f"must be screening, basics or adaptive, not '{phase}'")
        if kind in ("yes_no", "number", "duration"):
            return self._single_finding_question(c, qid, q, path, phase, order, findings, existing)
        choices = self._choices(c, q, path, findings)
        if qid in findings:
            c.problem(q, None, path, "a group question cannot reuse a finding id")
        involved = tuple(dict.fromkeys(f for ch in choices for f, _ in ch.sets))
        return Question(qid, kind, c.text(q, "text", path), c.text(q, "short", path, required=False) or q.get("text", ""),
                        involved, choices, phase, c.text(q, "help", path), c.text(q, "why", path), order)

    def _single_finding_question(self, c: _Check, qid: str, q: dict, path: str, phase: str, order: int,
                                 findings: dict[str, Finding], existing: dict[str, Question]) -> Question | None:
        """A fixed-place question about one finding (age, duration): reuses the finding's wording."""
        if not c.known(q, None, path, qid, findings, "finding"):
            return None
        base = existing[qid]
        return Question(qid, base.kind, base.text, base.short_text, base.findings, (), cast(Phase, phase), base.help,
                        base.why, order)

    def _choices(self, c: _Check, q: dict, path: str, findings: dict[str, Finding]) -> tuple[ChoiceDef, ...]:
        items = q.get("choices")
        if not isinstance(items, list) or not items:
            c.problem(q, "choices", f"{path}.choices", "is missing (a list of finding ids or choice mappings)")
            return ()
        out = []
        for index, item in enumerate(items):
            cpath = f"{path}.choices[{index}]"
            if isinstance(item, str):  # a finding id: label and phrases come from the finding
                if c.known(items, index, cpath, item, findings, "finding"):
                    f = findings[item]
                    out.append(ChoiceDef(item, f.label, _choice_phrases(item, f.label, f.phrases), ((item, True),)))
                continue
            if not isinstance(item, dict):
                c.problem(items, index, cpath, "must be a finding id or a mapping with id, label and sets")
                continue
            cid = c.text(item, "id", cpath)
            label = c.text(item, "label", cpath)
            sets = c.mapping(item, "sets", f"{cpath}.sets")
            pairs = []
            for fid, value in sets.items():
                if c.known(sets, fid, f"{cpath}.sets", fid, findings, "finding") and isinstance(value, bool):
                    pairs.append((fid, value))
                elif fid in findings:
                    c.problem(sets, fid, f"{cpath}.sets.{fid}", "must be true or false")
            self._templates(c, item, "phrases", cpath)
            phrases = _choice_phrases(cid, label, c.texts(item, "phrases", cpath, required=False))
            out.append(ChoiceDef(cid, label, phrases, tuple(pairs)))
        if len(out) > 6:
            c.problem(q, "choices", f"{path}.choices", "at most 6 choices: more is too long to listen to")
        return tuple(out)

    def _check_duplicate_phrases(self, c: _Check, table: dict, questions: dict[str, Question],
                                 answers: AnswerPhrases) -> None:
        """Within a question, one phrase may mean only one thing."""
        global_phrases = {normalize(p): key for key in ANSWER_KEYS for p in answers.phrases(key)}
        for question in questions.values():
            owner: dict[str, str] = {}
            for choice in question.choices:
                for phrase in choice.phrases:
                    norm = normalize(phrase)
                    where = f"questions.{question.id}.choices.{choice.id}"
                    if norm in owner and owner[norm] != choice.id:
                        c.problem(table, question.id, where, f"phrase '{phrase}' also names choice '{owner[norm]}'")
                    if norm in global_phrases:
                        c.problem(table, question.id, where, f"phrase '{phrase}' already means '{global_phrases[norm]}' in answers.yaml")
                    owner[norm] = choice.id

    # -- causes.yaml ----------------------------------------------------------------------
    def _causes(self, findings: dict[str, Finding], sources: dict[str, Source]) -> dict[str, Cause]:
        c = self.check("causes.yaml")
        raw = self.data["causes.yaml"]
        c.unexpected_keys(raw, SCHEMA["causes.yaml"], "causes.yaml")
        scales = c.mapping(raw, "scales", "scales")
        prevalence = self._scale(c, scales, "prevalence")
        likelihood = self._scale(c, scales, "likelihood")
        answerable = set(findings) | {b.id for f in findings.values() for b in f.bands}
        table = c.mapping(raw, "causes", "causes")
        out: dict[str, Cause] = {}
        for cid, cause, path in c.entries(table, "causes"):
            c.unexpected_keys(cause, SCHEMA["causes.yaml: causes.ID"], path)
            prev = c.known_text(cause, "prevalence", path, prevalence, "word")
            source = c.known_text(cause, "source", path, sources, "source")
            likelihoods: dict[str, float] = {}
            links = c.mapping(cause, "findings", f"{path}.findings")
            for fid, word in links.items():
                fpath = f"{path}.findings.{fid}"
                if not c.known(links, fid, fpath, fid, answerable, "finding"):
                    continue
                if word not in likelihood:
                    c.problem(links, fid, fpath, f"unknown word '{word}'{did_you_mean(str(word), likelihood)}")
                    continue
                likelihoods[fid] = likelihood[word]
            out[cid] = Cause(cid, c.text(cause, "name", path), c.text(cause, "explanation", path),
                             c.text(cause, "next_steps", path), prev, prevalence.get(prev, 0.01), source, likelihoods)
        return out

    def _scale(self, c: _Check, scales: dict, name: str) -> dict[str, float]:
        table = c.mapping(scales, name, f"scales.{name}")
        return {word: v for word in table if (v := c.number(table, word, f"scales.{name}", 0.0001, 0.9999)) is not None}

    # -- urgency.yaml ---------------------------------------------------------------------
    def _urgency(self, findings: dict[str, Finding], causes: dict[str, Cause], sources: dict[str, Source]
                 ) -> tuple[dict[str, LevelDef], tuple[UrgencyRule, ...]]:
        c = self.check("urgency.yaml")
        raw = self.data["urgency.yaml"]
        c.unexpected_keys(raw, SCHEMA["urgency.yaml"], "urgency.yaml")
        levels_raw = c.mapping(raw, "levels", "levels")
        levels: dict[str, LevelDef] = {}
        for lid in LEVELS:
            if lid not in levels_raw:
                c.problem(levels_raw, None, f"levels.{lid}", "is missing")
                continue
            entry = levels_raw[lid] if isinstance(levels_raw[lid], dict) else LineDict()
            levels[lid] = LevelDef(lid, c.text(entry, "label", f"levels.{lid}"), c.text(entry, "advice", f"levels.{lid}"))
        for lid in levels_raw:
            if lid not in LEVELS:
                c.problem(levels_raw, lid, f"levels.{lid}", f"unknown level{did_you_mean(lid, LEVELS)}")
        answerable = set(findings) | {b.id for f in findings.values() for b in f.bands}
        reader = ConditionReader(c.problem, answerable, set(causes))
        rules = []
        items = raw.get("rules")
        if not isinstance(items, list):
            c.problem(raw, "rules", "rules", "is missing (a list of rules)")
            items = LineList()
        for index, rule in enumerate(items):
            path = f"rules[{index}]"
            if not isinstance(rule, dict):
                c.problem(items, index, path, "must be a mapping with id, level, when, because and source")
                continue
            rid = rule.get("id", f"#{index}")
            path = f"rules.{rid}"
            c.unexpected_keys(rule, SCHEMA["urgency.yaml: rules[]"], path)
            level = c.known_text(rule, "level", path, LEVELS, "level")
            source = c.known_text(rule, "source", path, sources, "source")
            if "when" not in rule:
                c.problem(rule, None, f"{path}.when", "is missing")
                continue
            when = reader.read(rule, "when", f"{path}.when")
            rules.append(UrgencyRule(str(rid), level, when, c.text(rule, "because", path), source))
        return levels, tuple(rules)


def _choice_phrases(cid: str, label: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    """A choice answers to its label, its id read as words, and any listed phrases."""
    return tuple(dict.fromkeys(p.lower() for p in (label, cid.replace("_", " "), *extra)))


def _is_day_of_year(value: object) -> bool:
    """ "12-25": a month and a day that every year has (so not "02-29")."""
    if not isinstance(value, str) or not re.fullmatch(r"\d\d-\d\d", value):
        return False
    try:
        date(2001, int(value[:2]), int(value[3:]))
    except ValueError:
        return False
    return True
