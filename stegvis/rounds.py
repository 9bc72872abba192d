"""Survey rounds in the application: a round named in words for lists, slips and mail."""

from __future__ import annotations

from foundation.texts import DEFAULT, t
from surveys.definitions import Catalog
from surveys.rounds import Round


def round_title(catalog: Catalog, round_: Round, lang: str = DEFAULT) -> str:
    """What the round asks and of whom, e.g. 'Enkät till personal i insatsen, Jobbvägen AR'."""
    names = [catalog.instrument(i).title.get(lang) for i in round_.instruments]
    titles = names[0] if len(names) == 1 else t("round.and", lang, some=", ".join(names[:-1]), last=names[-1])
    where = catalog.programme(round_.programme_id).name.get(lang) if round_.programme_id else t("round.everyone", lang)
    return t("round.title", lang, instruments=titles, where=where)
