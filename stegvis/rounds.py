"""Survey rounds in the application: a round named in words for lists, slips and mail, and a
declared round named the same way on the administrator's to-do."""

from __future__ import annotations

from babel.dates import get_month_names

from foundation.texts import DEFAULT, t
from surveys.definitions import Catalog
from surveys.rounds import Round

LOCALES = {"sv": "sv_SE", "en": "en_GB"}


def round_title(catalog: Catalog, round_: Round, lang: str = DEFAULT) -> str:
    """What the round asks and of whom, e.g. 'Enkät till personal i insatsen, Jobbvägen AR'."""
    return _title(catalog, round_.instruments, round_.programme_id, lang)


def declared_title(catalog: Catalog, programme_id: str | None, instruments, lang: str = DEFAULT) -> str:
    """A declared round, named as the round made from it will be."""
    return _title(catalog, instruments, programme_id, lang)


def month_name(month: int, lang: str = DEFAULT) -> str:
    """The month's name in the reader's language ('november')."""
    return get_month_names("wide", locale=LOCALES.get(lang, LOCALES[DEFAULT]))[month]


def _title(catalog: Catalog, instruments, programme_id: str | None, lang: str) -> str:
    names = [catalog.instrument(i).title.get(lang) for i in instruments]
    titles = names[0] if len(names) == 1 else t("round.and", lang, some=", ".join(names[:-1]), last=names[-1])
    where = catalog.programme(programme_id).name.get(lang) if programme_id else t("round.everyone", lang)
    return t("round.title", lang, instruments=titles, where=where)
