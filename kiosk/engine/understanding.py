"""Turning an answer in words into an intent for the question being asked.

Typed answers and speech transcripts go through the same code. The rule is: match phrases from
``intents/`` that this question accepts; anything else is ``no_match``, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from .events import COMMAND_INTENTS, Intent
from .knowledge import KnowledgeBase, Question
from .numbers import DURATION_UNITS, SINCE_MOMENTS, number_words, parse_duration_days, parse_numbers, tidy_number

ANSWER_INTENTS = ("yes", "no", "unknown")
NEGATORS = {"no", "not", "without", "never", "dont", "nor"}
# Typos in a typed answer ("yse", "dont knwo"): edits allowed per phrase length. Speech output
# is always an exact grammar phrase, so this only forgives keyboards.
def _allowed_typos(length: int) -> int:
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

    phrases: whole answers, as written in intents/ (lower case, apostrophes kept so they match
    recognizer dictionaries). items: the subset that may be chained with "and" in one answer
    (choice labels of a multi question). words: every word of every phrase.
    """

    question: str
    phrases: tuple[str, ...]
    items: tuple[str, ...]
    words: frozenset[str]


@dataclass(frozen=True)
class _Match:
    key: str  # intent name, or "choice:<id>"
    start: int
    end: int
    negated: bool = False


def accepted_phrases(kb: KnowledgeBase, question: Question) -> dict[str, tuple[str, ...]]:
    """Phrase lists this question accepts, keyed by intent name or "choice:<id>"."""
    table: dict[str, tuple[str, ...]] = {name: kb.answers.phrases(name) for name in COMMAND_INTENTS}
    for name in ANSWER_INTENTS:
        table[name] = kb.answers.phrases(name)
    if question.kind in ("choice", "multi"):
        table["none"] = kb.answers.phrases("none")
        for choice in question.choices:
            table[f"choice:{choice.id}"] = choice.phrases
    return table


def understand(kb: KnowledgeBase, question: Question, text: str) -> Intent:
    tokens = normalize(text).split()
    if not tokens:
        return Intent("no_match")
    table = accepted_phrases(kb, question)
    matches = _find_phrases(tokens, table)
    if not matches:
        matches = _fuzzy_whole(tokens, table)
    if question.kind in ("number", "duration"):
        return _understand_quantity(question, tokens, matches)
    if question.kind in ("choice", "multi"):
        return _understand_choices(question, matches)
    return _understand_yes_no(matches)


def _find_phrases(tokens: list[str], table: dict[str, tuple[str, ...]]) -> list[_Match]:
    """Longest phrases first, no overlaps, each marked negated when "no"/"not" stands just before."""
    candidates: list[tuple[int, int, str]] = []
    for key, phrases in table.items():
        for phrase in phrases:
            words = normalize(phrase).split()
            n = len(words)
            for i in range(len(tokens) - n + 1):
                if tokens[i : i + n] == words:
                    candidates.append((n, i, key))
    # Longest first; at equal length a choice beats a yes/no phrase ("I have not drinking enough"
    # names a choice, it is not "I have not").
    candidates.sort(key=lambda c: (-c[0], not c[2].startswith("choice:"), c[1]))
    taken: list[_Match] = []
    used = [False] * len(tokens)
    for n, start, key in candidates:
        if any(used[start : start + n]):
            continue
        for j in range(start, start + n):
            used[j] = True
        negated = key.startswith("choice:") and any(t in NEGATORS for t in tokens[max(0, start - 2) : start])
        taken.append(_Match(key, start, start + n, negated))
    return sorted(taken, key=lambda m: m.start)


def _fuzzy_whole(tokens: list[str], table: dict[str, tuple[str, ...]]) -> list[_Match]:
    """A near miss of a whole phrase: only when exactly one meaning is that close."""
    utterance = " ".join(tokens)
    best_distance, meanings = None, set()
    for key, phrases in table.items():
        for phrase in phrases:
            norm = normalize(phrase)
            distance = OSA.distance(utterance, norm, score_cutoff=_allowed_typos(len(norm)))
            if distance > _allowed_typos(len(norm)):
                continue
            if best_distance is None or distance < best_distance:
                best_distance, meanings = distance, {key}
            elif distance == best_distance:
                meanings.add(key)
    if len(meanings) != 1:
        return []
    return [_Match(meanings.pop(), 0, len(tokens))]


def _single_intent(keys: set[str]) -> Intent | None:
    """Commands and plain answers; None when the keys disagree."""
    commands = keys & COMMAND_INTENTS
    answers = keys & set(ANSWER_INTENTS)
    if commands == {"repeat"} and answers:  # "sorry, yes" / "what? no": the answer is what counts
        commands = set()
    if commands and answers:
        return None
    if len(commands) == 1:
        return Intent(commands.pop())
    if len(commands) > 1:
        return None
    if "unknown" in answers:  # "no, I'm not sure" is still not sure
        return Intent("unknown") if len(answers) <= 2 else None
    if len(answers) == 1:
        name = answers.pop()
        return Intent(name, name == "yes")
    return None


def _understand_yes_no(matches: list[_Match]) -> Intent:
    keys = {m.key for m in matches if not m.key.startswith("choice:")}
    return _single_intent(keys) or Intent("no_match")


def _understand_choices(question: Question, matches: list[_Match]) -> Intent:
    picked = [m.key.removeprefix("choice:") for m in matches if m.key.startswith("choice:") and not m.negated]
    refused = [m for m in matches if m.key.startswith("choice:") and m.negated]
    others = {m.key for m in matches if not m.key.startswith("choice:")}
    if picked:
        unique = list(dict.fromkeys(picked))
        if question.kind == "choice" and len(unique) > 1:
            return Intent("no_match")
        return Intent("choices", unique)
    if "none" in others or (refused and not others - {"no"}):
        return Intent("none", [])
    return _single_intent(others) or Intent("no_match")


def _understand_quantity(question: Question, tokens: list[str], matches: list[_Match]) -> Intent:
    if question.kind == "duration":
        days = parse_duration_days(tokens)
        if days is not None:
            return Intent("duration", tidy_number(days))
    else:
        numbers = parse_numbers(tokens)
        if len(numbers) == 1:
            return Intent("number", tidy_number(numbers[0][0]))
        if len(numbers) == 2:  # "sixty or seventy": in between
            return Intent("number", tidy_number(round((numbers[0][0] + numbers[1][0]) / 2)))
    keys = {m.key for m in matches} & (COMMAND_INTENTS | {"unknown"})
    return _single_intent(keys) or Intent("no_match")



# -- grammars for recognizers ---------------------------------------------------------------
NUMBER_RANGE = range(1, 121)
DURATION_COUNTS = ("a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight",
                   "nine", "ten", "eleven", "twelve", "a couple of", "a few", "several", "half a")
DURATION_PREFIXES = ("", "about ", "for ", "for about ", "over ", "more than ", "less than ", "nearly ")


def grammar_for(kb: KnowledgeBase, question: Question) -> Grammar:
    table = accepted_phrases(kb, question)
    quantity = question.kind in ("number", "duration")
    phrases = [p for key, ps in table.items() if not (quantity and key in ("yes", "no")) for p in ps]
    items: list[str] = []
    if question.kind in ("choice", "multi"):
        items = [p for c in question.choices for p in c.phrases]
    elif question.kind == "number":
        for n in NUMBER_RANGE:
            words = number_words(n)
            phrases += [words, f"i'm {words}", f"i am {words}", f"{words} years old"]
    elif question.kind == "duration":
        phrases += _duration_phrases()
    unique = tuple(dict.fromkeys(p.lower() for p in phrases))
    words = frozenset(w for p in unique for w in p.split())
    return Grammar(question.id, unique, tuple(dict.fromkeys(items)), words)


def phrase_grammar(name: str, phrases: tuple[str, ...]) -> Grammar:
    """A grammar for a fixed list of phrases (the welcome and result screens)."""
    unique = tuple(dict.fromkeys(p.lower() for p in phrases))
    return Grammar(name, unique, (), frozenset(w for p in unique for w in p.split()))


def says_any(text: str, phrases: tuple[str, ...]) -> bool:
    """Does the text contain one of the phrases (matched as whole words, like answers)?"""
    return bool(_find_phrases(normalize(text).split(), {"phrase": phrases}))


def _duration_phrases() -> list[str]:
    units = [u for u in DURATION_UNITS if u not in ("minute", "minutes", "night", "nights", "fortnight")]
    out: list[str] = []
    for count in DURATION_COUNTS:
        singular = count in ("a", "an", "one", "half a")
        for unit in units:
            if singular != (not unit.endswith("s")):
                continue
            if count == "an" and unit != "hour" or count == "a" and unit == "hour":
                continue
            for prefix in DURATION_PREFIXES:
                out.append(f"{prefix}{count} {unit}")
    out += [f"since {m}" for m in SINCE_MOMENTS] + [f"for {u}" for u in ("days", "weeks", "months", "years")]
    return out
