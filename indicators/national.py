"""National comparison figures: the aggregated indicator results the NNS publishes each year
(from about half the förbund), stored so the board sees its own figures beside them. They are
other people's aggregates, public, and not protected here; nothing in them is about this
förbund's respondents, so they cannot narrow a hidden figure of its own.

Which indicators and respondent groups exist is asked of the definitions, never listed here."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from foundation.db import Schema, now, transaction
from indicators.periods import WHOLE, Period
from surveys.definitions import Catalog

SCHEMA = Schema("indicators.national", {
    # 8: national figures (NNS's published aggregated results) per year, indicator and
    # respondent group, imported from a file (`stegvis import national`); a year imported again
    # replaces that year's rows. Changing them bumps data_version: the board's cached reports
    # show them, and must be rebuilt.
    8: """
    CREATE TABLE national_figures (
        year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2999),
        indicator TEXT NOT NULL,
        respondent_group TEXT NOT NULL,
        share REAL CHECK (share BETWEEN 0 AND 1),
        mean REAL,
        n INTEGER NOT NULL CHECK (n >= 0),
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (year, indicator, respondent_group),
        CHECK (share IS NOT NULL OR mean IS NOT NULL)
    );
    CREATE TRIGGER data_version_national_figures_I AFTER INSERT ON national_figures
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_national_figures_U AFTER UPDATE ON national_figures
        BEGIN UPDATE data_version SET n = n + 1; END;
    CREATE TRIGGER data_version_national_figures_D AFTER DELETE ON national_figures
        BEGIN UPDATE data_version SET n = n + 1; END;
    """,
})
COLUMNS = ["year", "indicator", "respondent_group", "share", "mean", "n"]


@dataclass(frozen=True)
class NationalFigure:
    year: int
    indicator: str
    respondent_group: str
    share: float | None
    mean: float | None
    n: int

    @property
    def key(self) -> tuple[int, str, str]:
        return self.year, self.indicator, self.respondent_group


def asked_of(catalog: Catalog) -> dict[str, set[str]]:
    """Each indicator id the definitions declare, with the respondent groups whose instruments
    declare it (an id may serve several instruments, e.g. during the programme and at exit)."""
    found: dict[str, set[str]] = {}
    for instrument in catalog.latest_instruments():
        for indicator in instrument.indicators:
            found.setdefault(indicator.id, set()).add(instrument.respondent_group)
    return found


def replace_years(db, figures: list[NationalFigure], source: str) -> dict[int, int]:
    """Store the figures, each year's replacing whatever that year held, in one transaction.
    Returns, per year in `figures`, how many figures it held before (0: a new year)."""
    years = sorted({f.year for f in figures})
    stamp = now()
    with transaction(db):
        before = {year: db.execute("SELECT count(*) FROM national_figures WHERE year = ?", [year]).fetchone()[0]
                  for year in years}
        for year in years:
            db.execute("DELETE FROM national_figures WHERE year = ?", [year])
        db.conn.executemany(
            "INSERT INTO national_figures (year, indicator, respondent_group, share, mean, n, source, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(f.year, f.indicator, f.respondent_group, f.share, f.mean, f.n, source, stamp) for f in figures])
    return before


def read_figures(db) -> pd.DataFrame:
    """Every stored national figure: year, indicator, respondent_group, share, mean, n."""
    return pd.read_sql_query(f"SELECT {', '.join(COLUMNS)} FROM national_figures ORDER BY year, indicator, "
                             "respondent_group", db.conn)


def year_for(period: Period, years: set[int] | list[int]) -> int | None:
    """The national year to show beside a period: a year's own; a shorter period's calendar
    year; for the whole time the latest year there are figures for. None when there are none."""
    if period.kind == WHOLE:
        return max(years, default=None)
    return period.start.year if period.start.year in years else None


def figures_of_year(national: pd.DataFrame | None, year: int | None) -> dict[tuple[str, str], tuple]:
    """(indicator, respondent group) -> (share, mean, n) of one year."""
    if national is None or year is None or national.empty:
        return {}
    rows = national[national["year"] == year]
    return {(r.indicator, r.respondent_group): (_value(r.share), _value(r.mean), int(r.n))
            for r in rows.itertuples(index=False)}


def _value(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
