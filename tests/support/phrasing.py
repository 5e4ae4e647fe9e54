"""How a simulated patient says things: yes, no, an age, a duration, a list of symptoms.

Two phrase books: variant 0 (everyday answers) and variant 1 (alternative wordings, to exercise
the engine's understanding). Within a book the phrase is picked deterministically from the story
and question ids, so a run is reproducible but different stories say things differently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

VARIANTS = (0, 1)

YES = (
    ("yes", "yeah a bit", "I think so", "yes I have", "yeah"),
    ("yep", "yes definitely", "that's right", "yes, quite a lot", "correct", "I do, yes"),
)
NO = (
    ("no", "not really", "I don't think so", "no I haven't", "nope"),
    ("no, never", "not at all", "nah", "no, nothing like that", "definitely not", "I haven't"),
)
UNSURE = (
    ("I'm not sure", "I don't know", "not sure"),
    ("I can't remember", "I'm not certain", "hard to say", "no idea"),
)
NONE_OF_THOSE = (
    ("none of those",),
    ("none of them", "no, none of those", "nothing like that"),
)
AGE = (
    ("{n}", "I'm {n}", "{words}"),
    ("I am {words} years old", "{n} years old", "I'm {words}"),
)
LIST_PREFIX = (("",), ("", "I have ", "I've got "))

# The plain answer a patient falls back to when a phrasing was not understood.
PLAIN = {"yes": "yes", "no": "no", "unsure": "I'm not sure", "none": "none of those"}

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def words(n: int) -> str:
    """67 -> 'sixty seven' (the way a speech recognizer writes numbers)."""
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] if unit == 0 else f"{_TENS[tens]} {_UNITS[unit]}"
    hundreds, rest = divmod(n, 100)
    head = f"{_UNITS[hundreds]} hundred"
    return head if rest == 0 else f"{head} and {words(rest)}"


def pick(options: Sequence[str], *seed: object) -> str:
    """A deterministic choice: same seed, same phrase (unlike hash(), stable across runs)."""
    digest = hashlib.sha256(":".join(map(str, seed)).encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def age_phrase(age: int, variant: int, *seed: object) -> str:
    return pick(AGE[variant], *seed).format(n=age, words=words(age))


def list_phrase(labels: Sequence[str], variant: int, *seed: object) -> str:
    """'numbness and tingling' / 'I have numbness, tingling and weakness'."""
    spoken = [label.lower() for label in labels]
    joined = spoken[0] if len(spoken) == 1 else ", ".join(spoken[:-1]) + " and " + spoken[-1]
    if variant == 0:
        joined = " and ".join(spoken)
    return pick(LIST_PREFIX[variant], *seed) + joined


def duration_phrases(days: float) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Natural ways to say how long, for each variant: 14 -> ('about two weeks', ...)."""
    d = round(days)
    if d <= 0:
        return ("today", "since this morning"), ("it started today", "just this morning")
    if d == 1:
        return ("since yesterday", "one day"), ("since last night", "a day")
    if d == 7:
        return ("a week", "about a week"), ("one week", "since last week")
    if d < 14:
        return (f"{d} days", f"{words(d)} days"), (f"about {words(d)} days", f"for {d} days")
    if 28 <= d <= 34:
        return ("a month", "about a month"), ("one month", "about four weeks")
    if d < 50:
        w = round(d / 7)
        extra = ("a fortnight", "a couple of weeks") if w == 2 else (f"{words(w)} weeks or so",)
        return (f"about {words(w)} weeks", f"{w} weeks"), (f"{words(w)} weeks",) + extra
    if d < 350:
        m = round(d / 30)
        extra = {2: ("a couple of months",), 3: ("a few months",), 6: ("half a year",)}.get(m, ())
        return (f"{words(m)} months", f"about {m} months"), (f"about {words(m)} months",) + extra
    y = d / 365
    if abs(y - round(y)) < 0.05:
        n = round(y)
        if n == 1:
            return ("a year", "about a year"), ("one year", "since last year")
        return (f"{words(n)} years", f"about {n} years"), (f"about {words(n)} years",)
    return ("over a year", "more than a year"), ("a bit over a year", "longer than a year")


def duration_phrase(days: float, variant: int, *seed: object) -> str:
    return pick(duration_phrases(days)[variant], *seed)


def plain_duration(days: float) -> str:
    d = round(days)
    return "today" if d <= 0 else f"{d} days"
