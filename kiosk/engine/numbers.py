"""Numbers and durations in words or digits: "sixty seven", "I'm 42", "about two weeks"."""

from __future__ import annotations

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
# Words that stand for a rough count in a duration: "a couple of weeks", "a few days".
VAGUE_COUNTS = {"a": 1, "an": 1, "couple": 2, "few": 3, "several": 4, "half": 0.5}

# Days in each unit of time a patient may name.
DURATION_UNITS = {
    "minute": 1 / 1440, "minutes": 1 / 1440, "hour": 1 / 24, "hours": 1 / 24,
    "day": 1, "days": 1, "night": 1, "nights": 1, "week": 7, "weeks": 7, "fortnight": 14,
    "month": 30, "months": 30, "year": 365, "years": 365,
}
# "since yesterday" and friends: the time since a named moment.
SINCE_MOMENTS = {
    "this morning": 0.5, "today": 0.5, "tonight": 0.5, "last night": 1, "yesterday": 1,
    "last week": 7, "last month": 30, "last year": 365, "christmas": 60, "the summer": 120,
}
# A plural unit with no count: "for weeks" means some weeks.
BARE_PLURAL_COUNT = {"days": 3, "nights": 3, "weeks": 3, "months": 3, "years": 3, "hours": 3}


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


def parse_numbers(tokens: list[str]) -> list[tuple[float, int, int]]:
    """Every number in the tokens, as (value, first token index, end index)."""
    found: list[tuple[float, int, int]] = []
    i = 0
    while i < len(tokens):
        value, end = _read_number(tokens, i)
        if end > i:
            found.append((value, i, end))
            i = end
        else:
            i += 1
    return found


def _read_number(tokens: list[str], start: int) -> tuple[float, int]:
    token = tokens[start]
    digits = token.rstrip("s") if token.endswith("s") and token[:-1].isdigit() else token
    if _is_decimal(digits):
        return float(digits), start + 1
    total, current, i = 0, 0, start
    seen = False
    while i < len(tokens):
        word = tokens[i]
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred" and (seen or (i > start and tokens[i - 1] == "a")):
            current = max(current, 1) * 100
        elif word == "a" and i + 1 < len(tokens) and tokens[i + 1] == "hundred":
            i += 1
            continue
        elif word == "and" and seen and i + 1 < len(tokens) and _is_number_word(tokens[i + 1]) and current >= 100:
            i += 1
            continue
        else:
            break
        seen = True
        i += 1
    if not seen:
        return 0, start
    total += current
    return float(total), i


def _is_number_word(word: str) -> bool:
    return word in UNITS or word in TENS


def _is_decimal(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return token.replace(".", "", 1).isdigit()


def parse_duration_days(tokens: list[str]) -> float | None:
    """Days described by the tokens, or None when they name no duration."""
    text = f" {' '.join(tokens)} "
    for moment, days in sorted(SINCE_MOMENTS.items(), key=lambda kv: -len(kv[0])):
        if f" since {moment} " in text or (f" {moment} " in text and len(tokens) <= len(moment.split()) + 3):
            return float(days)
    unit_positions = [i for i, t in enumerate(tokens) if t in DURATION_UNITS]
    if not unit_positions:
        return None
    i = unit_positions[0]
    unit_days = DURATION_UNITS[tokens[i]]
    count = _count_before(tokens, i)
    if count is None:
        if tokens[i] in BARE_PLURAL_COUNT:
            count = BARE_PLURAL_COUNT[tokens[i]]
        elif tokens[i] == "fortnight":
            count = 1
        else:
            return None
    if tokens[i + 1 : i + 4] == ["and", "a", "half"]:
        count += 0.5
    return round(count * unit_days, 3)


def _count_before(tokens: list[str], unit_index: int) -> float | None:
    """The count in front of a unit: "two weeks", "a couple of months", "half a year"."""
    window = tokens[max(0, unit_index - 4) : unit_index]
    numbers = parse_numbers(window)
    if numbers:
        value, _, end = numbers[-1]
        if end == len(window) or window[end:] in (["of"], ["or", "so"]):
            return value
    if window[-2:] in (["half", "a"], ["half", "an"]):
        return 0.5
    for word in reversed(window):
        if word in VAGUE_COUNTS and word not in ("a", "an"):
            return float(VAGUE_COUNTS[word])
    if window and window[-1] in ("a", "an", "one"):
        return 1.0
    return None
