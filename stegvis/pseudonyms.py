"""Participant codes: the pseudonyms an organisation chooses for its participants. One check
for the registration form, imports and the API: allowed characters, length, and nothing that
looks like a personnummer, whatever separators it is written with."""

from __future__ import annotations

import re

from foundation.texts import shown  # noqa: F401  (where the pages and imports have always found it)

MAX_LENGTH = 32
_ALLOWED = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# A personnummer is YYMMDD or YYYYMMDD, a separator ('-', or '+' past 100), and four digits.
# People also write it with spaces, dots, extra or doubled dashes: those are dropped first.
_SEPARATORS = re.compile(r"[^0-9A-Za-z]+")
_DATE_THEN_FOUR = re.compile(r"(?<!\d)(\d{2})?\d{6}\D?\d{4}(?!\d)")
_LONG_NUMBER = re.compile(r"\d{10,}")


def looks_like_personnummer(text: str) -> bool:
    """True for 900101-1234, 19900101-1234, 900101-12-34, 19900101--1234, 1990-01-01-1234,
    and for any run of ten or more digits once separators are removed."""
    joined = _SEPARATORS.sub("", text or "")
    return bool(_LONG_NUMBER.search(joined) or _DATE_THEN_FOUR.search(joined))


def code_problem(code: str) -> str | None:
    """What is wrong with a participant code, as one of "blank", "length", "characters",
    "personnummer"; None when it can be used. Callers phrase the message in their language."""
    if not code:
        return "blank"
    if len(code) < 2 or len(code) > MAX_LENGTH:
        return "length"
    if looks_like_personnummer(code):  # first: the most useful thing to tell whoever typed one
        return "personnummer"
    if not _ALLOWED.fullmatch(code):
        return "characters"
    return None
