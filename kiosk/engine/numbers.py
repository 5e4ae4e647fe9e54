"""Numbers in words or digits: the one piece of the template language written in Python.

A number range in vocabulary.yaml (``{range: [1, 120]}``) stands for any whole number said in
words ("sixty seven", "a hundred and two") or digits ("67", "2.5"). Everything else about how
patients say an age or a duration (the words around the number, "a couple of", "weeks",
"since yesterday") is written in vocabulary.yaml; this module only spells and reads numbers.
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}


def number_words(n: int) -> str:
    """67 -> "sixty seven" (used to build recognizer grammars)."""
    if n < 20:
        return next(w for w, v in UNITS.items() if v == n)
    if n < 100:
        tens, unit = divmod(n, 10)
        word = next(w for w, v in TENS.items() if v == tens * 10)
        return word if unit == 0 else f"{word} {number_words(unit)}"
    hundreds, rest = divmod(n, 100)
    head = f"{number_words(hundreds)} hundred"
    return head if rest == 0 else f"{head} and {number_words(rest)}"


def tidy_number(value: float) -> float | int:
    """67.0 -> 67 and 0.504 -> 0.5: numbers as a patient would read them in JSON."""
    return int(value) if float(value).is_integer() else round(value, 2)


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))  # "seventeen" before "seven"


_BELOW_100 = rf"(?: (?:{_alternatives(TENS)})(?: (?:{_alternatives({w: v for w, v in UNITS.items() if 0 < v < 10})}))?" \
             rf"| (?:{_alternatives(UNITS)}))"
_HUNDREDS = rf" (?:a|{_alternatives({w: v for w, v in UNITS.items() if 0 < v < 10})}) hundred(?:(?: and)?{_BELOW_100})?"
# Over " word word" text (a space before each word), as the template compiler writes it.
SPOKEN_NUMBER = rf"(?: \d+(?:\.\d+)?|{_HUNDREDS}|{_BELOW_100})"


def number_value(said: str) -> float:
    """The value of a match of SPOKEN_NUMBER: " sixty seven" -> 67, " 2.5" -> 2.5."""
    words = said.split()
    if len(words) == 1 and re.fullmatch(r"\d+(?:\.\d+)?", words[0]):
        return float(words[0])
    total = 0
    for word in words:
        if word == "hundred":
            total = max(total, 1) * 100
        else:
            total += UNITS.get(word, TENS.get(word, 0))
    return float(total)
