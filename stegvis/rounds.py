"""Survey rounds in the application: a round named in words for lists, slips and mail."""

from __future__ import annotations

from surveys.definitions import Catalog
from surveys.rounds import Round


def round_title(catalog: Catalog, round_: Round) -> str:
    """What the round asks and of whom, e.g. 'Enkät till personal i insatsen, Jobbvägen AR'."""
    titles = " och ".join(catalog.instrument(i).title.sv for i in round_.instruments)
    where = catalog.programme(round_.programme_id).name.sv if round_.programme_id else "hela förbundet"
    return f"{titles}, {where}"
