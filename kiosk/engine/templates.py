"""A small template language for the ways patients say things, written in ``intents/``.

Modelled on hassil (Home Assistant's intent templates), cut down to what a staff member needs:

    "my {hand} [feel|feels|go|goes] (numb|dead)"
    (a|b)      one of the alternatives
    [a|b]      optional: nothing, or one of the alternatives
    {name}     one item of the list ``name`` in vocabulary.yaml (items may be templates too)
    <name>     the rule ``name`` in vocabulary.yaml (a template used in many places)
    {name}     where the list is a number range ({range: [1, 120]}): a number in words or digits
               (the range is what recognizer grammars offer; any number said is read, and the
               finding's min and max say whether it is possible)
    {name}     where list items say what they stand for ({"a couple of": 2}): that number

A template with such lists has a value: ``Compiler(vocab, capture=True)`` names a group for each
list said, and ``said_values`` reads back (list name, number) pairs from a match.

Templates are matched against normalized words (see ``understanding.normalize``), so case,
apostrophes and punctuation never matter. A template compiles to one regular expression over
the words; ``expand`` lists the phrases it stands for (for speech recognizer grammars).
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .numbers import SPOKEN_NUMBER, number_value, number_words

# Lists whose words, where a template says them, deny the finding: "{my} {hand} [{not}] [{is}] cold",
# "{not_both} (the one|my right hand)". Every list named not... is one.
NEGATION_LIST = "not"
VALUE_GROUP = "value"  # the named groups of number ranges and valued lists (capture mode)


def negated(match: re.Match[str]) -> bool:
    return any(value for name, value in match.groupdict().items() if name.startswith(NEGATION_LIST))


class TemplateError(ValueError):
    """A template that cannot be read; the message says what is wrong and where."""


@dataclass(frozen=True)
class Words:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Alt:
    options: tuple[Node, ...]
    optional: bool = False


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Ref:
    kind: str  # "list" or "rule"
    name: str


Node = Words | Alt | Seq | Ref


@dataclass(frozen=True)
class Vocabulary:
    """Shared lists and rules that templates refer to by name."""

    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)  # items are templates
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)  # inclusive number ranges
    rules: dict[str, str] = field(default_factory=dict)
    # For lists whose items stand for numbers ({"a few": 3}): each item's number, None for an
    # item whose number is that of the list it names ("{count_number}"), or a day of the year
    # ("12-25") for the days since it last came ("since Christmas").
    values: dict[str, tuple[float | str | None, ...]] = field(default_factory=dict)


def days_since(month_day: str, today: date) -> float:
    """Days since ``month_day`` ("12-25") last came before today: on 1 December, Christmas
    was 341 days ago; on Christmas Day itself, a year ago."""
    month, day = (int(part) for part in month_day.split("-"))
    last = date(today.year, month, day)
    if last >= today:
        last = date(today.year - 1, month, day)
    return float((today - last).days)


def _norm_word(word: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", word.lower().replace("\u2019", "'").replace("'", ""))


def parse(text: str) -> Node:
    """Template text -> tree. Raises TemplateError on unbalanced brackets or empty names."""
    node, rest = _parse_seq(_tokens(text), 0, closer=None)
    if rest != len(_tokens(text)):
        raise TemplateError(f"unexpected '{_tokens(text)[rest]}' in template '{text}'")
    return node


def _tokens(text: str) -> list[str]:
    return re.findall(r"[()\[\]|]|\{[^}]*\}|<[^>]*>|[^\s()\[\]|{}<>]+", text.replace("-", " "))


def _parse_seq(tokens: list[str], i: int, closer: str | None) -> tuple[Node, int]:
    options: list[Node] = []
    items: list[Node] = []
    while i < len(tokens):
        tok = tokens[i]
        if tok in (")", "]"):
            if tok != closer:
                raise TemplateError(f"'{tok}' closes nothing")
            break
        if tok == "|":
            if closer is None:
                raise TemplateError("'|' must be inside ( ) or [ ]")
            options.append(Seq(tuple(items)))
            items = []
            i += 1
            continue
        if tok in ("(", "["):
            inner, i = _parse_seq(tokens, i + 1, ")" if tok == "(" else "]")
            if i >= len(tokens):
                raise TemplateError(f"'{tok}' is never closed")
            alt = inner if isinstance(inner, Alt) else Alt((inner,))
            items.append(Alt(alt.options, optional=tok == "["))
            i += 1
            continue
        if tok.startswith(("{", "<")):
            name = tok[1:-1].strip()
            if not name:
                raise TemplateError(f"empty name in '{tok}'")
            items.append(Ref("list" if tok.startswith("{") else "rule", name))
            i += 1
            continue
        if tok in ("}", ">"):
            raise TemplateError(f"'{tok}' closes nothing")
        if _norm_word(tok):  # kept as written ("don't"): recognizer dictionaries spell it so
            items.append(Words((tok.lower().replace("\u2019", "'"),)))
        i += 1
    if closer is not None and (i >= len(tokens) or tokens[i] != closer):
        raise TemplateError(f"a '{'(' if closer == ')' else '['}' is never closed")
    if options:
        options.append(Seq(tuple(items)))
        return Alt(tuple(options)), i
    return Seq(tuple(items)), i


def references(node: Node) -> list[Ref]:
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, Alt):
        return [r for o in node.options for r in references(o)]
    if isinstance(node, Seq):
        return [r for o in node.items for r in references(o)]
    return []


def problems(text: str, vocab: Vocabulary) -> list[str]:
    """What is wrong with a template: syntax, unknown list or rule names."""
    try:
        node = parse(text)
    except TemplateError as error:
        return [str(error)]
    out = []
    for ref in references(node):
        known = (vocab.lists.keys() | vocab.ranges.keys()) if ref.kind == "list" else vocab.rules.keys()
        if ref.name not in known:
            out.append(f"unknown {ref.kind} '{ref.name}' in template '{text}'")
    return out


# -- matching -------------------------------------------------------------------------------
class Compiler:
    """Turns templates into regular expressions over " word word word" (a space before each word)."""

    def __init__(self, vocab: Vocabulary, capture: bool = False) -> None:
        self.vocab = vocab
        self.capture = capture  # a named group for each number range or valued list said
        self._plain = Compiler(vocab) if capture else self
        self._cache: dict[str, str] = {}
        self._groups = 0

    def pattern(self, text: str) -> re.Pattern[str]:
        return re.compile(self.regex(text) + r"(?= |$)")

    def regex(self, text: str, depth: int = 0) -> str:
        if self.capture or "{" + NEGATION_LIST in text or text not in self._cache:  # named groups: afresh
            self._cache[text] = self._node(parse(text), depth)
        return self._cache[text]

    def _node(self, node: Node, depth: int) -> str:
        if depth > 8:
            raise TemplateError("rules refer to each other in a loop")
        if isinstance(node, Words):
            return "".join(" " + re.escape(_norm_word(w)) for w in node.words)
        if isinstance(node, Seq):
            return "".join(self._node(n, depth) for n in node.items)
        if isinstance(node, Alt):
            parts = sorted((self._node(o, depth) for o in node.options), key=len, reverse=True)
            return "(?:" + "|".join(parts) + ")" + ("?" if node.optional else "")
        if node.kind == "rule":
            return "(?:" + self.regex(self.vocab.rules[node.name], depth + 1) + ")"
        if node.name in self.vocab.ranges:
            return self._valued(node.name, SPOKEN_NUMBER)
        if node.name in self.vocab.values:  # what it says is read back by said_values, not by groups inside
            items = sorted((self._plain.regex(t, depth + 1) for t in self.vocab.lists[node.name]), key=len, reverse=True)
            return self._valued(node.name, "(?:" + "|".join(items) + ")")
        items = sorted((self.regex(t, depth + 1) for t in self.vocab.lists[node.name]), key=len, reverse=True)
        if node.name.startswith(NEGATION_LIST):  # a named group, so a match can tell it was said
            self._groups += 1
            return f"(?P<{NEGATION_LIST}_{self._groups}>" + "|".join(items) + ")"
        return "(?:" + "|".join(items) + ")"

    def _valued(self, name: str, body: str) -> str:
        if not self.capture:
            return body
        self._groups += 1
        return f"(?P<{VALUE_GROUP}{self._groups}_{name}>{body})"

    def said_values(self, match: re.Match[str]) -> list[tuple[str, float]]:
        """(list name, number) for each number range or valued list a capture match said, in order."""
        said = [(match.start(g), g.split("_", 1)[1], text) for g, text in match.groupdict().items()
                if g.startswith(VALUE_GROUP) and text is not None]
        return [(name, value) for _, name, text in sorted(said) if (value := self.value(name, text)) is not None]

    def value(self, name: str, said: str) -> float | None:
        """The number that ``said`` (" a couple of") stands for in the list ``name``."""
        if name in self.vocab.ranges:
            return number_value(said)
        for item, value in zip(self.vocab.lists[name], self.vocab.values[name]):
            if re.fullmatch(self._plain.regex(item), said):
                if isinstance(value, str):
                    return days_since(value, date.today())  # read when said: a kiosk runs for months
                if value is not None:
                    return value
                capture = Compiler(self.vocab, capture=True)
                inner = re.fullmatch(capture.regex(item), said)
                found = capture.said_values(inner) if inner else []
                return found[0][1] if found else None
        return None


# -- expanding (for recognizer grammars) -----------------------------------------------------
def expand(text: str, vocab: Vocabulary, limit: int = 40, per_item: int = 6) -> list[str]:
    """Up to ``limit`` phrases the template stands for, the plainest first; each part of a
    sequence contributes at most ``per_item`` variants (so a long list cannot crowd out the rest)."""
    phrases = (" ".join(words) for words in _expand(parse(text), vocab, 0, per_item, max(limit, per_item)))
    return _first_unique((p for p in phrases if p), limit)


def _first_unique(items: Iterator[Any], count: int) -> list[Any]:
    """The first ``count`` distinct items, without reading the rest of the iterator."""
    seen: dict[Any, None] = {}
    for item in items:
        seen.setdefault(item, None)
        if len(seen) >= count:
            break
    return list(seen)


def _expand(node: Node, vocab: Vocabulary, depth: int, per_item: int, cap: int) -> Iterator[tuple[str, ...]]:
    if depth > 8:
        return
    if isinstance(node, Words):
        yield node.words
    elif isinstance(node, Seq):
        # Written-in alternatives are cut to ``per_item`` each; lists and rules to ``cap``, the most
        # the caller will take: the first ``cap`` phrases of a product never reach further into any
        # part, and reading a nested list whole made one question's grammar take 24 s.
        parts = [_first_unique(_expand(n, vocab, depth, per_item, cap), cap if isinstance(n, Ref) else per_item)
                 for n in node.items]
        yield from _product(parts)
    elif isinstance(node, Alt):
        if node.optional:
            yield ()
        for option in node.options:
            yield from _expand(option, vocab, depth, per_item, cap)
    elif node.kind == "rule":
        yield from _expand(parse(vocab.rules[node.name]), vocab, depth + 1, per_item, cap)
    elif node.name in vocab.ranges:
        low, high = vocab.ranges[node.name]
        for n in range(low, high + 1):
            yield tuple(number_words(n).split())
    else:
        for item in vocab.lists[node.name]:
            yield from _expand(parse(item), vocab, depth + 1, per_item, cap)


def _product(choices: list[list[tuple[str, ...]]]) -> Iterator[tuple[str, ...]]:
    for combo in itertools.product(*choices):
        yield tuple(w for part in combo for w in part)
