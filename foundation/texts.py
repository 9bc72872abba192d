"""The one catalogue of words people read: every label, heading, message and error a page,
the board report or a chart shows, in Swedish and English. Gettext `.po` files read with
Babel, keyed by symbolic ids (`survey.welcome`), `{name}` placeholders filled in by `t`.
How to add a text: docs/texts.md."""

from __future__ import annotations

import functools
from importlib import resources

from babel.messages.pofile import read_po

LANGUAGES = ("sv", "en")
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
TIME_ZONE = "Europe/Stockholm"  # where the förbund and its staff are; times are stored in UTC
DEFAULT = "sv"
DOMAIN = "stegvis"
# The calls that name a catalogue key; `pybabel extract -k` and tests/test_texts.py use the same.
KEYWORDS = ("t", "N_", "Message")


class UnknownText(LookupError):
    """A key the catalogue does not have: a programming error, caught by tests/test_texts.py."""


def catalogue_file(lang: str):
    return resources.files("foundation") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Every text of one language by key (an untranslated or fuzzy entry counts as missing)."""
    if lang not in LANGUAGES:
        raise UnknownText(f"no catalogue for language {lang!r}; there are {', '.join(LANGUAGES)}")
    with catalogue_file(lang).open("rb") as po:
        messages = read_po(po, locale=lang, domain=DOMAIN)
    return {m.id: m.string for m in messages if m.id and m.string and not m.fuzzy}


def t(key: str, lang: str = DEFAULT, **values) -> str:
    """The text `key` in `lang`, with `{name}` placeholders filled from `values`."""
    try:
        text = catalogue(lang)[key]
    except KeyError:
        raise UnknownText(f"no text {key!r} in foundation/locale/{lang}/LC_MESSAGES/{DOMAIN}.po; "
                          f"add it to both languages (docs/texts.md)") from None
    return text.format(**values) if values else text


def N_(key: str) -> str:
    """Marks a key that is looked up later (in a table of keys), so extraction and the tests
    find it; returns the key unchanged."""
    return key


class Message:
    """A sentence from the catalogue not yet said in any language: an error carries one, and the
    page says it in its reader's language (`StegvisError.say`). A value may itself be a Message,
    said in the same language. Slots: a file wrong in every row is millions of them."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, **values):
        self.key, self.values = key, values

    def say(self, lang: str = DEFAULT) -> str:
        return t(self.key, lang, **{name: value.say(lang) if isinstance(value, Message) else value
                                    for name, value in self.values.items()})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, **{self.values!r})"


class Together(Message):
    """Several problems said at once, one after another, then what follows from them (every
    wrong input of a form in one message, and "nothing was created")."""

    def __init__(self, parts: list, then: Message | None = None):
        super().__init__("", parts=parts)
        self.parts, self.then = parts, then

    def say(self, lang: str = DEFAULT) -> str:
        said = "; ".join(p.say(lang) if isinstance(p, Message) else str(p) for p in self.parts)
        return f"{said}. {self.then.say(lang)}" if self.then else said


class Listed(Message):
    """Several sentences said one after another, each on a line of its own (a refused file's
    headline and every problem under it), or joined by `separator` (names within a sentence)."""

    __slots__ = ("parts", "separator")

    def __init__(self, parts: list, separator: str = "\n"):
        super().__init__("", parts=parts)
        self.parts, self.separator = parts, separator

    def say(self, lang: str = DEFAULT) -> str:
        return self.separator.join([p.say(lang) if isinstance(p, Message) else str(p) for p in self.parts])


def shown(value, limit: int = 40) -> str:
    """A value quoted for an error message: never a megabyte of it, control characters visible."""
    if not isinstance(value, str):
        return repr(value)
    text = repr(value[:limit])
    return text + f" … ({len(value)} characters)" if len(value) > limit else text


def local_time(value, lang: str = DEFAULT, seconds: bool = False) -> str:
    """A stored time (ISO 8601 in UTC) as people read it where the förbund is: "2026-11-30 14:05"
    in Swedish time, summer time included; "" for none. A date alone is shown as it is."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    if value is None or value != value or str(value).strip() == "":
        return ""
    text = str(value)
    if len(text) <= 10:
        return text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return format_datetime(moment, "yyyy-MM-dd HH:mm:ss" if seconds else "yyyy-MM-dd HH:mm",
                           tzinfo=ZoneInfo(TIME_ZONE), locale=LOCALES[lang])
