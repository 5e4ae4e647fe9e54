"""Turning an answer in words into what it means, for the question being asked.

Typed answers and speech transcripts go through the same code. Everything the kiosk understands
is written as templates in ``intents/`` (answers.yaml, findings.yaml, vocabulary.yaml); anything
else is ``no_match``, never a guess. How an answer is read:

1. A command (repeat, back, help, why, restart) must be the WHOLE answer: "what is the weather
   like today" is not "repeat".
2. Every finding the patient describes is found, wherever it is in the answer: red flags first
   (at every question, so a stroke sign said at the age question is still an emergency), then
   the findings the question asks about, then the plain answers (yes, no, don't know, none),
   then any other finding (volunteered; the session confirms it before using it).
3. The answer is split into clauses ("but", "also", "plus", commas, "and I…") and a negation
   governs only what follows it in its own clause: "no numbness but my hands tingle" is
   numbness no, tingling yes. A denial is never read as a yes, a complaint never as a no.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal, cast

from rapidfuzz.distance import OSA

from .events import COMMAND_INTENTS, Intent, IntentName
from .knowledge import ClauseWords, KnowledgeBase, Question
from .numbers import tidy_number
from .templates import Compiler, expand, negated

ANSWER_INTENTS = ("yes", "no", "unknown")
State = Literal["yes", "no", "unknown"]
# Which words deny, and where a clause starts, are vocabulary.yaml's `clauses:` (kb.clauses).


def _allowed_typos(length: int) -> int:
    """Typos in a typed answer ("yse", "dont knwo"): edits allowed per phrase length."""
    return 0 if length < 3 else 1 if length <= 6 else 2


_PUNCTUATION = re.compile(r"[^a-z0-9.\s]")


def normalize(text: str) -> str:
    """Lower case, no apostrophes ("don't" -> "dont"), hyphens as spaces, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("'", "").replace("-", " ")
    text = _PUNCTUATION.sub(" ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Grammar:
    """What a recognizer may listen for while one question is asked.

    phrases: whole answers, expanded from the templates in intents/ (lower case). items: the
    subset that may be chained with "and" in one answer (choice phrases of a multi question).
    words: every word of every phrase.
    """

    question: str
    phrases: tuple[str, ...]
    items: tuple[str, ...]
    words: frozenset[str]
    # The knowledge base the grammar was made from, for a recognizer that judges a transcript by
    # the text understanding (Whisper's answer-shape check): the kiosk's own intents/, which may
    # be a staff folder, not the shipped one. Not part of the grammar's identity.
    knowledge: KnowledgeBase | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Mention:
    """One stretch of the answer that names something: a finding, a choice or a plain answer."""

    key: str  # "finding:<id>", "choice:<id>", or an answer intent name
    start: int
    end: int
    state: State = "yes"


@dataclass(frozen=True)
class Reading:
    """Everything one answer says: the intent for the question, and findings said on the way."""

    intent: Intent
    red_flags: tuple[str, ...] = ()  # red flags described as present (any question)
    volunteered: tuple[str, ...] = ()  # other findings described as present, not asked about here
    mentions: tuple[Mention, ...] = ()


# -- the compiled templates of one knowledge base --------------------------------------------
@dataclass
class _Patterns:
    commands: dict[str, list[re.Pattern[str]]]
    answers: dict[str, list[re.Pattern[str]]]  # yes, no, unknown, none
    findings: dict[str, list[re.Pattern[str]]]  # finding id -> its label, id words and templates
    choices: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)  # "q:choice" of custom choices
    plain: dict[str, list[str]] = field(default_factory=dict)  # plain answers spelt out, for typo matching
    # Number and duration findings: their vocabulary rule (<age>, <duration>), with a group for
    # each number said, and the compiler that reads the groups back.
    quantities: dict[str, re.Pattern[str]] = field(default_factory=dict)
    alone: dict[str, re.Pattern[str]] = field(default_factory=dict)  # <age_alone>: only as the whole answer
    capture: Compiler | None = None


_COMPILED: dict[int, tuple[KnowledgeBase, _Patterns]] = {}


def _patterns(kb: KnowledgeBase) -> _Patterns:
    cached = _COMPILED.get(id(kb))
    if cached is not None and cached[0] is kb:
        return cached[1]
    compiler = Compiler(kb.vocabulary)

    def compile_all(texts: tuple[str, ...]) -> list[re.Pattern[str]]:
        # One expression per meaning, wrapped in a look-ahead so one scan finds a match at every
        # word. The first alternative that fits wins there, so the longest templates go first:
        # mostly, not always, the longest reading. (A finding's templates all mean the same;
        # one scan per template, compile_each, measured 0.52 -> 0.92 ms an answer.)
        parts = sorted((compiler.regex(t) for t in texts), key=len, reverse=True)
        return [re.compile("(?=(?P<said>(?:" + "|".join(parts) + "))(?= |$))")] if parts else []

    def compile_each(texts: tuple[str, ...]) -> list[re.Pattern[str]]:
        # The plain answers one expression a template: a shorter match leaves words that another
        # answer takes, as "i dont" (no) won over "i don't think i do" in one expression and left
        # "i do" (yes). Each template's own match is a candidate; the longest is taken.
        return [re.compile("(?=(?P<said>(?:" + compiler.regex(t) + "))(?= |$))") for t in texts]

    patterns = _Patterns(
        commands={name: [re.compile(compiler.regex(t)) for t in kb.answers.phrases(name)] for name in COMMAND_INTENTS},
        answers={name: compile_each(kb.answers.phrases(name)) for name in (*ANSWER_INTENTS, "none", "all")},
        findings={fid: compile_all(finding_templates(kb, fid)) for fid, f in kb.findings.items() if f.kind == "yes_no"},
    )
    patterns.capture = Compiler(kb.vocabulary, capture=True)
    for fid, finding in kb.findings.items():
        if finding.kind in ("number", "duration") and fid in kb.vocabulary.rules:
            patterns.quantities[fid] = re.compile(patterns.capture.regex(f"<{fid}>") + "(?= |$)")
        if finding.kind in ("number", "duration") and f"{fid}_alone" in kb.vocabulary.rules:
            patterns.alone[fid] = re.compile(patterns.capture.regex(f"<{fid}_alone>"))
    for question in kb.questions.values():
        for choice in question.choices:
            if choice.id not in kb.findings:
                patterns.choices[f"{question.id}:{choice.id}"] = compile_all(choice.phrases)
    if len(_COMPILED) > 8:
        _COMPILED.clear()
    _COMPILED[id(kb)] = (kb, patterns)
    return patterns


def finding_templates(kb: KnowledgeBase, fid: str) -> tuple[str, ...]:
    """A finding answers to its label, its id read as words, and its templates."""
    finding = kb.findings[fid]
    return tuple(dict.fromkeys((finding.label.lower(), fid.replace("_", " "), *finding.phrases)))


# -- reading an answer -------------------------------------------------------------------------
def understand(kb: KnowledgeBase, question: Question, text: str) -> Intent:
    """What the answer means for this question (the recognizers' and tests' short door)."""
    return read(kb, question, text).intent


def read(kb: KnowledgeBase, question: Question, text: str) -> Reading:
    words = kb.clauses
    tokens, breaks = _tokens(words, text)
    if not tokens:
        return Reading(Intent("no_match"))
    patterns = _patterns(kb)
    joined = " " + " ".join(tokens)
    command = _whole_command(patterns, joined)
    if command:
        return Reading(Intent(cast(IntentName, command)))
    mentions = _find(kb, question, patterns, joined, tokens)
    clause = _clauses(words, tokens, breaks, {m.end for m in mentions if m.key.startswith(("finding:", "choice:"))})
    mentions = _with_states(words, mentions, tokens, clause, frozenset(kb.red_flags()))
    if not mentions and question.kind not in ("number", "duration"):
        mentions = _fuzzy_whole(kb, question, tokens)
    red = tuple(dict.fromkeys(m.key[8:] for m in mentions if m.key.startswith("finding:") and m.state == "yes"
                              and kb.findings[m.key[8:]].red_flag))
    asked = set(question.findings)
    volunteered = tuple(dict.fromkeys(
        m.key[8:] for m in mentions if m.key.startswith("finding:") and m.state == "yes"
        and m.key[8:] not in asked and m.key[8:] not in red))
    if question.kind in ("number", "duration"):
        intent = _quantity(patterns, question, joined, mentions)
    elif question.kind in ("choice", "multi"):
        intent = _choices(question, mentions, clause)
    else:
        intent = _yes_no(question, mentions, clause)
    return Reading(intent, red, volunteered, tuple(mentions))


def _tokens(words: ClauseWords, text: str) -> tuple[list[str], set[int]]:
    """Words with fillers dropped, and the word indices where a comma, full stop or ? fell."""
    tokens: list[str] = []
    breaks: set[int] = set()
    # "uh huh" and "mm hmm" are answers, not fillers: keep them as one word each.
    text = re.sub(r"\b(uh|uhh|mm|mhm|um)[\s-]+(huh|hmm|hm)\b", "uh huh", text, flags=re.IGNORECASE).replace("uh huh", "uhhuh")
    text = re.sub(r"\b([A-Za-z]+)['\u2019]s (?=(been|got|gone|had)\b)", _apostrophe_has, text)
    text = re.sub(r"\b([A-Za-z]+)['\u2019]s\b", _apostrophe_s, text)
    for part in re.split(r"[,;:!?]|\.(?!\d)|\s-\s|\u2014|\.\.\.", text):
        said = [w for w in normalize(part).split() if w not in words.fillers]
        if said and tokens:
            breaks.add(len(tokens))
        tokens += said
    while tokens and tokens[0] in ("well", "so", "oh", "okay", "ok", "hmm") and len(tokens) > 1 \
            and tokens[1] not in ("no", "nope", "nah"):
        tokens.pop(0)
        breaks = {b - 1 for b in breaks if b > 1}
    return tokens, breaks


# "it's", "that's", "there's" are templates' words; a name's own "'s" stays ("Parkinson's").
_KEEP_S = frozenset({"it", "that", "there", "what", "let", "he", "she", "who", "here", "parkinson", "raynaud",
                     "reynaud", "writer", "huntington"})


def _apostrophe_has(match: re.Match[str]) -> str:
    """"my chest's been aching" -> "my chest has been aching" ("it's been" is the templates')."""
    word = match.group(1)
    return match.group(0) if word.lower() in _KEEP_S else f"{word} has "


def _apostrophe_s(match: re.Match[str]) -> str:
    """"my vision's blurred" -> "my vision is blurred"; "it's" is left for the templates."""
    word = match.group(1)
    return match.group(0) if word.lower() in _KEEP_S else f"{word} is"


def _whole_command(patterns: _Patterns, joined: str) -> str | None:
    for name, compiled in patterns.commands.items():
        if any(p.fullmatch(joined) for p in compiled):
            return name
    return None


def _clauses(words: ClauseWords, tokens: list[str], breaks: set[int], ends: set[int]) -> list[int]:
    """The clause number of each word. ``ends``: word indices just after a named finding."""
    out: list[int] = []
    number = 0
    for i, word in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        starts_clause = i > 0 and (
            word in words.breaks
            or (i in breaks and (word in words.subjects or word in words.joins or word in words.deny
                                 or prev in words.openers))
            or (word in words.joins and nxt in words.subjects)
            or (i in ends and word in words.pronouns)  # "no numbness I do have tingling"
            # "no I get pins and needles": the "no" answers the question, it does not deny
            or (prev in words.openers and (i == 1 or out[i - 2] != out[i - 1]) and word in words.pronouns))
        number += starts_clause
        out.append(number)
    return out


def _find(kb: KnowledgeBase, question: Question, patterns: _Patterns, joined: str, tokens: list[str]) -> list[Mention]:
    """Every non-overlapping named thing, in priority order: red flags, this question's own
    findings, plain answers, then anything else. Longest first within a group."""
    starts = _word_starts(joined)
    own = [c.id for c in question.choices] or list(question.findings)
    red = [f for f in kb.red_flags()]
    groups: list[list[tuple[str, list[re.Pattern[str]]]]] = [
        [(f"finding:{f}", patterns.findings[f]) for f in red],
        [(f"finding:{f}", patterns.findings[f]) for f in own if f in patterns.findings and f not in red]
        + [(f"choice:{c.id}", patterns.choices[f"{question.id}:{c.id}"]) for c in question.choices
           if f"{question.id}:{c.id}" in patterns.choices],
        [(name, compiled) for name, compiled in patterns.answers.items()],
        [(f"finding:{f}", p) for f, p in patterns.findings.items() if f not in own and f not in red],
    ]
    used = [False] * len(tokens)
    found: list[Mention] = []
    for group in groups:
        candidates: list[tuple[int, int, str, bool]] = []
        for key, compiled in group:
            for pattern in compiled:
                for m in pattern.finditer(joined):
                    begin, finish = m.span("said")
                    if finish > begin and begin in starts:
                        candidates.append((starts[begin], _end_word(starts, finish, len(tokens)), key, negated(m)))
        # Longest first; at equal length "not sure" beats "no" and "yes" ("no I'm not sure").
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2] != "unknown", c[0]))
        for start, end, key, denied in candidates:
            if end > start and not any(used[start:end]):
                used[start:end] = [True] * (end - start)
                found.append(Mention(key, start, end, "no" if denied else "yes"))
    return sorted(found, key=lambda m: m.start)


def _word_starts(joined: str) -> dict[int, int]:
    """Character offset of the space before each word -> word index."""
    return {i: n for n, i in enumerate(i for i, ch in enumerate(joined) if ch == " ")}


def _end_word(starts: dict[int, int], end: int, count: int) -> int:
    return starts.get(end, count)


def _is_red_flag(key: str, red: frozenset[str]) -> bool:
    return key.startswith("finding:") and key[8:] in red


def _said_fine(words: ClauseWords, tokens: list[str], end: int, clause: list[int], c: int) -> bool:
    after = [tokens[i] for i in range(end, len(tokens)) if clause[i] == c]
    while after and after[0] in words.links:
        after.pop(0)
    return bool(after) and after[0] in words.fine


def _with_states(words: ClauseWords, mentions: list[Mention], tokens: list[str], clause: list[int],
                 red: frozenset[str]) -> list[Mention]:
    """Mark each finding denied, unsure or present from the words around it in its clause."""
    named = [m for m in mentions if m.key.startswith(("finding:", "choice:"))]
    inside = {i for m in named for i in range(m.start, m.end)}
    unsure_clauses = {clause[m.start] for m in mentions if m.key == "unknown"}
    out = []
    for m in mentions:
        if m not in named:
            out.append(m)
            continue
        c = clause[m.start]
        before = [tokens[i] for i in range(m.start) if clause[i] == c and i not in inside]
        later_named = any(n.start >= m.end and clause[n.start] == c for n in named)
        after = [] if later_named else [tokens[i] for i in range(m.end, len(tokens)) if clause[i] == c and i not in inside][:2]
        state: State = m.state  # "no" when the template itself heard a denial ("aren't")
        if state == "no":
            pass
        elif c in unsure_clauses:
            # A red flag said with a hedge ("I think I might be having a stroke") still counts:
            # safety first. Any other hedged finding is "not sure".
            state = "yes" if _is_red_flag(m.key, red) else "unknown"
        elif _said_fine(words, tokens, m.end, clause, c) or _denies(words, before) or (after and after[0] in words.deny) \
                or (_denied_by_next_clause(words, c, mentions, named, tokens, clause)
                    and not any(t in words.complaint_negatives for t in tokens[m.start:m.end])):
            # (a complaint said in the negative, "I don't drink enough, no": the "no" agrees)
            state = "no"
        out.append(Mention(m.key, m.start, m.end, state))
    return out


def _denies(words: ClauseWords, before: list[str]) -> bool:
    """A denial in the clause before the finding: "not", "don't"…, or "nothing wrong with"."""
    said = " " + " ".join(before) + " "
    return any(t in words.deny for t in before) or any(f" {p} " in said for p in words.deny_phrases)


def _denied_by_next_clause(words: ClauseWords, c: int, mentions: list[Mention], named: list[Mention],
                           tokens: list[str], clause: list[int]) -> bool:
    """"I had chest pain yesterday, but not now": the next clause only denies."""
    said = [t for t, k in zip(tokens, clause) if k == c + 1]
    if not said or any(clause[m.start] == c + 1 for m in named):
        return False
    said = [w for w in said if w not in words.breaks and w not in ("at", "the", "right", "any", "more", "so", "much")]
    return bool(said) and said[0] in ("not", "no", "never", "none") and (
        len(said) == 1 or all(w in words.still_not or w in words.deny for w in said))


def _standalone(mentions: list[Mention], clause: list[int]) -> set[str]:
    """Plain answers (yes, no…) in clauses that name no finding: there they answer the question."""
    named_clauses = {clause[m.start] for m in mentions if m.key.startswith(("finding:", "choice:"))}
    return {m.key for m in mentions if not m.key.startswith(("finding:", "choice:"))
            and clause[m.start] not in named_clauses}


def _single_intent(keys: set[str]) -> Intent | None:
    """Plain answers; None when they disagree."""
    answers = keys & set(ANSWER_INTENTS)
    if "unknown" in answers:  # "no, I'm not sure" is still not sure
        return Intent("unknown") if len(answers) <= 2 else None
    if len(answers) == 1:
        name = answers.pop()
        return Intent(cast(IntentName, name), name == "yes")
    return None


def _state_of(mentions: list[Mention], keys: set[str]) -> dict[str, State]:
    """Per finding or choice id; a red flag said both ways counts as present (safety first),
    anything else said both ways as unsure."""
    states: dict[str, set[State]] = {}
    for m in mentions:
        if m.key.startswith(("finding:", "choice:")):
            ident = m.key.split(":", 1)[1]
            if ident in keys:
                states.setdefault(ident, set()).add(m.state)
    return {k: (v.pop() if len(v) == 1 else "unknown") for k, v in states.items()}


def _yes_no(question: Question, mentions: list[Mention], clause: list[int]) -> Intent:
    own = _state_of(mentions, set(question.findings))
    if own:
        state = next(iter(own.values()))
        return Intent(state, None) if state == "unknown" else Intent(state, state == "yes")
    plain = _standalone(mentions, clause) - {"none"} | ({"no"} if "none" in _standalone(mentions, clause) else set())
    return _single_intent(plain) or Intent("no_match")


def _choices(question: Question, mentions: list[Mention], clause: list[int]) -> Intent:
    states = _state_of(mentions, {c.id for c in question.choices})
    order = [c.id for c in question.choices]
    picked = [c for c in order if states.get(c) == "yes"]
    denied = tuple(c for c in order if states.get(c) == "no")
    unsure = tuple(c for c in order if states.get(c) == "unknown")
    plain = _standalone(mentions, clause)
    if "all" in plain and question.kind == "multi":
        if not picked and not unsure:
            return Intent("choices", [c for c in order if c not in denied], denied=denied)
        if set(picked) != set(order):  # "all of them except weakness": asked again, never read as
            return Intent("no_match")  # "weakness" alone
    if picked:
        if question.kind == "choice" and len(picked) > 1:
            return Intent("no_match")
        return Intent("choices", picked, denied=denied, unsure=unsure)
    if "none" in plain and not unsure:
        return Intent("none", [])
    if denied or unsure:
        if len(denied) == len(order):
            return Intent("none", [])
        return Intent("choices", [], denied=denied, unsure=unsure)  # partly answered: ask the rest
    return _single_intent(plain) or Intent("no_match")


# Two numbers said for one age are read as "in between" only when they are this near: "nineteen
# fifty" (a year of birth) is not an age of 34, and is asked again.
NEAR_ENOUGH = 1.5


def _quantity(patterns: _Patterns, question: Question, joined: str, mentions: list[Mention]) -> Intent:
    """An age or a duration, read with the finding's rule in vocabulary.yaml."""
    said = _said_numbers(patterns, question.findings[0] if question.findings else question.id, joined)
    if question.kind == "duration":
        days = next((d for d in map(duration_days, said) if d is not None), None)
        if days is not None:
            return Intent("duration", tidy_number(days))
    else:
        numbers = [values[0][1] for values in said if values]
        if len(numbers) == 1:
            return Intent("number", tidy_number(numbers[0]))
        if len(numbers) == 2 and max(numbers) <= NEAR_ENOUGH * min(numbers):  # "sixty or seventy": in between
            return Intent("number", tidy_number(round((numbers[0] + numbers[1]) / 2)))
    if any(m.key == "unknown" for m in mentions):
        return Intent("unknown")
    return Intent("no_match")


def _said_numbers(patterns: _Patterns, fid: str, joined: str) -> list[list[tuple[str, float]]]:
    """(list name, number) pairs of each match of the finding's rule, left to right."""
    pattern, alone, capture = patterns.quantities.get(fid), patterns.alone.get(fid), patterns.capture
    if capture is None:
        return []
    whole = alone.fullmatch(joined) if alone is not None else None
    if whole is not None:
        return [capture.said_values(whole)]
    return [capture.said_values(m) for m in pattern.finditer(joined)] if pattern is not None else []


# The lists of vocabulary.yaml's duration rule: the days are (count + and_a_half) x unit; any
# other number said there ({since}, {a_while}) is already days.
COUNTS = ("count", "and_a_half")


def duration_days(said: list[tuple[str, float]]) -> float | None:
    units = [value for name, value in said if name == "unit"]
    if units:
        count = sum(value for name, value in said if name in COUNTS) or 1.0
        return round(count * units[0], 3)
    days = [value for name, value in said if name not in COUNTS]
    return days[0] if days else None


def _fuzzy_whole(kb: KnowledgeBase, question: Question, tokens: list[str]) -> list[Mention]:
    """A near miss of a whole plain answer or choice label: only when exactly one meaning is
    that close. Only keyboards make such typos; speech output is always spelt right."""
    utterance = " ".join(tokens)
    negative = _negatives(kb.clauses, tokens)
    table: dict[str, list[str]] = {name: _plain_expansions(kb, name) for name in (*ANSWER_INTENTS, "none")}
    for choice in question.choices:
        key = f"finding:{choice.id}" if choice.id in kb.findings else f"choice:{choice.id}"
        table[key] = [normalize(choice.label)]
    best_distance, meanings = None, set()
    for key, phrases in table.items():
        for norm in phrases:
            if _negatives(kb.clauses, norm.split()) != negative:  # "i wouldnt say so" is no typo of
                continue  # "i would say so": a near miss never adds or drops a denial
            allowed = _allowed_typos(len(norm))
            distance = OSA.distance(utterance, norm, score_cutoff=allowed)
            if distance > allowed:
                continue
            if best_distance is None or distance < best_distance:
                best_distance, meanings = distance, {key}
            elif distance == best_distance:
                meanings.add(key)
    if len(meanings) != 1:
        return []
    return [Mention(meanings.pop(), 0, len(tokens))]


def _negatives(words: ClauseWords, tokens: list[str]) -> frozenset[str]:
    return frozenset(t for t in tokens if t in words.complaint_negatives)


def _plain_expansions(kb: KnowledgeBase, name: str) -> list[str]:
    patterns = _patterns(kb)
    if name not in patterns.plain:
        patterns.plain[name] = [normalize(p) for t in kb.answers.phrases(name) for p in expand(t, kb.vocabulary, 20)]
    return patterns.plain[name]


# -- grammars for recognizers ---------------------------------------------------------------
PER_TEMPLATE = 10  # phrases a template contributes to a grammar: a hint for the recognizer, not a cage
QUANTITY_PHRASES = 1100  # the age and duration rules expand to this many phrases at most


# Each question's grammar, made once per knowledge base: it is asked for at every turn (the speech
# loop, the screen, `kiosk hear`), and expanding its templates takes ~11 ms (the age question's more).
_GRAMMARS: dict[int, tuple[KnowledgeBase, dict[str, tuple[Question, Grammar]]]] = {}


def grammar_for(kb: KnowledgeBase, question: Question) -> Grammar:
    cached = _GRAMMARS.get(id(kb))
    if cached is None or cached[0] is not kb:
        if len(_GRAMMARS) > 8:
            _GRAMMARS.clear()
        cached = _GRAMMARS[id(kb)] = (kb, {})
    made = cached[1].get(question.id)
    if made is None or made[0] is not question:
        made = cached[1][question.id] = (question, _make_grammar(kb, question))
    return made[1]


def _make_grammar(kb: KnowledgeBase, question: Question) -> Grammar:
    vocab = kb.vocabulary
    names = list(COMMAND_INTENTS) + (["unknown"] if question.kind in ("number", "duration") else
                                     [*ANSWER_INTENTS] + (["none"] if question.choices else [])
                                     + (["all"] if question.kind == "multi" else []))
    phrases = [p for name in names for t in kb.answers.phrases(name) for p in expand(t, vocab, PER_TEMPLATE)]
    items: list[str] = []
    if question.kind in ("choice", "multi"):
        per_choice = []
        for choice in question.choices:
            templates = finding_templates(kb, choice.id) if choice.id in kb.findings else choice.phrases
            per_choice.append([choice.label.lower()] + [p for t in templates for p in expand(t, vocab, PER_TEMPLATE)])
        # Interleaved, each choice's label first: a recognizer that takes only the first few items
        # as a hint (Whisper's prompt) hears of every choice, not forty ways to say the first one.
        items = [p for row in itertools.zip_longest(*per_choice) for p in row if p is not None]
        phrases += items
    elif question.kind == "yes_no":
        phrases += [p for t in finding_templates(kb, question.id) for p in expand(t, vocab, PER_TEMPLATE)]
    elif question.kind == "number":
        phrases += expand("<age_years>", vocab, QUANTITY_PHRASES, per_item=3)
    elif question.kind == "duration":
        phrases += expand("<how_long>", vocab, QUANTITY_PHRASES, per_item=2)
        phrases += expand("<since>", vocab, 40)
        # Months and seasons are said only after "since": in the grammar too, or the rescorer
        # finds no phrase that means Whisper's right "Since last winter." and takes the nearest
        # one instead ("since last night": a day, not ten months).
        phrases += expand("since {since_month}", vocab, 40)
    unique = tuple(dict.fromkeys(p.lower() for p in phrases))
    words = frozenset(w for p in unique for w in p.split())
    return Grammar(question.id, unique, tuple(dict.fromkeys(items)), words, knowledge=kb)


def intents_grammar(kb: KnowledgeBase, name: str, intents: tuple[str, ...]) -> Grammar:
    """The answer phrases of a few intents only: a yes/no turn that is not a question's own."""
    phrases = (p for intent in intents for t in kb.answers.phrases(intent) for p in expand(t, kb.vocabulary, PER_TEMPLATE))
    return phrase_grammar(name, tuple(phrases))


def phrase_grammar(name: str, phrases: tuple[str, ...]) -> Grammar:
    """A grammar for a fixed list of phrases (the welcome and result screens)."""
    unique = tuple(dict.fromkeys(p.lower() for p in phrases))
    return Grammar(name, unique, (), frozenset(w for p in unique for w in p.split()))


def says_any(text: str, phrases: tuple[str, ...]) -> bool:
    """Does the text contain one of the phrases (matched as whole words, like answers)?"""
    joined = f" {normalize(text)} "
    return any(f" {normalize(p)} " in joined for p in phrases if normalize(p))
