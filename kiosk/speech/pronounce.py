"""How words sound: the CMU pronouncing dictionary that ships inside PocketSphinx's wheel.

Used to compare what Whisper wrote with the question's phrases by sound (kiosk/speech/rescore.py):
Whisper tiny writes espeak-ng's "eighty one" as "A D one." or "Eighted one.", which the text
understanding takes as 1 or not at all, but which sound almost the same as "eighty one".

Phonemes are ARPAbet without stress marks, coded one character each so that a string edit
distance (RapidFuzz) compares them. Sounds that differ only in voicing (t/d, p/b, k/g, s/z, f/v)
are one code: a robotic voice's or a noisy room's consonants are the first thing Whisper mishears.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from kiosk.engine import numbers

# Voiced consonants coded as their voiceless pair (measured: merging vowels as well let in
# out-of-scope speech; docs/speech.md)
SAME_SOUND = {"D": "T", "B": "P", "G": "K", "Z": "S", "V": "F", "JH": "CH", "DH": "TH", "ZH": "SH"}
# A letter's usual sound, for the part of a word the dictionary does not know
LETTER_SOUND = dict(a="AH", b="B", c="K", d="D", e="EH", f="F", g="G", h="HH", i="IH", j="JH", k="K", l="L",
                    m="M", n="N", o="AA", p="P", q="K", r="R", s="S", t="T", u="AH", v="V", w="W", x="K S",
                    y="Y", z="Z")
_WORD = re.compile(r"[a-z']+|\d+")


def dictionary_path() -> Path | None:
    """cmudict-en-us.dict inside the PocketSphinx wheel, or None when it is not installed."""
    try:
        import pocketsphinx
    except ImportError:
        return None
    path = Path(pocketsphinx.__file__).parent / "model" / "en-us" / "cmudict-en-us.dict"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def dictionary() -> dict[str, str]:
    """word -> its first pronunciation, coded (0.5 s and about 25 MB, once per process)."""
    path = dictionary_path()
    if path is None:
        return {}
    found: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, phones = line.partition(" ")
            if "(" not in word:  # "a(2)": a second pronunciation
                found[word] = code(phones.split())
    return found


_CODES: dict[str, str] = {}


def code(phones: list[str]) -> str:
    """ARPAbet phonemes as one character each, voiced consonants as their voiceless pair."""
    out = []
    for phone in phones:
        phone = SAME_SOUND.get(phone.rstrip("012"), phone.rstrip("012"))
        out.append(_CODES.setdefault(phone, chr(0x100 + len(_CODES))))
    return "".join(out)


def number_words(n: int) -> str:
    """67 -> "sixty seven" (Whisper writes numbers as digits): the engine's spelling without its
    "and" ("one hundred two"); beyond 999 digit by digit."""
    if n < 1000:
        return numbers.number_words(n).replace(" and ", " ")
    return " ".join(numbers.number_words(int(d)) for d in str(n))


def sounds(text: str) -> str:
    """The coded phonemes of a text: digits read out, words from the dictionary, a word it does
    not know as its longest known beginning and the rest the same way ("eighted" = eight + ed)."""
    words = dictionary()
    out = []
    for token in _WORD.findall(text.lower().replace("\u2019", "'")):
        for word in (number_words(int(token)).split() if token.isdigit() else [token.strip("'")]):
            out.append(words.get(word) or _unknown(word, words))
    return "".join(out)


def _unknown(word: str, words: dict[str, str]) -> str:
    if not word:
        return ""
    for end in range(len(word), 1, -1):
        if word[:end] in words:
            return words[word[:end]] + _unknown(word[end:], words)
    return code(LETTER_SOUND.get(word[0], "").split()) + _unknown(word[1:], words)
