"""Tidy exports of answers, scores, indicator results and the fields a programme reports to
the national register (columns in docs/exports.md), pseudonymised by default: a stable
respondent id that cannot be turned back into a code without the database's key."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from foundation.errors import StegvisError
from indicators.scoring import score
from surveys.answers import responses_frame
from surveys.definitions import Catalog
from surveys.code_key import code_key
from surveys.models import REGISTRY_COLUMNS, Programme


def pseudonym(db, participant_id) -> str | None:
    if participant_id is None or pd.isna(participant_id):
        return None
    key = code_key(db)
    digest = hmac.new(key.encode(), f"participant:{int(participant_id)}".encode(), hashlib.sha256).hexdigest()
    return f"R-{digest[:12]}"


def _respondents(db, ids: pd.Series, with_codes: bool) -> pd.Series:
    if with_codes:
        codes = dict(db.execute("SELECT id, code FROM participants").fetchall())
        return ids.map(lambda i: None if pd.isna(i) else codes.get(int(i)))
    return ids.map(lambda i: pseudonym(db, i))


def answers(db, programme_id: str | None = None, with_codes: bool = False) -> pd.DataFrame:
    where, params = ("WHERE s.programme_id = ?", [programme_id]) if programme_id else ("", [])
    frame = pd.read_sql_query(
        f"""SELECT s.participant_id, s.programme_id, s.occasion, s.respondent_group, s.instrument_id,
                   s.instrument_version, a.item_id, a.status, a.value_num, a.value_text, a.value_type, a.other_text,
                   a.answered_at
            FROM answers a JOIN survey_sessions s ON s.id = a.session_id {where} ORDER BY s.id, a.id""",
        db.conn, params=params)
    frame.insert(0, "respondent", _respondents(db, frame.pop("participant_id"), with_codes))
    return frame


def scores(db, catalog: Catalog, programme_id: str | None = None, with_codes: bool = False) -> pd.DataFrame:
    parts = []
    for instrument in catalog.latest_instruments():
        if not instrument.scales:
            continue
        frame = responses_frame(db, instrument.id, programme_id=programme_id)
        if frame.empty:
            continue
        scored = score(instrument, frame)
        for scale in instrument.scales:
            parts.append(pd.DataFrame({
                "respondent": _respondents(db, frame["participant_id"], with_codes),
                "programme_id": frame["programme_id"], "occasion": frame["occasion"],
                "instrument_id": instrument.id, "instrument_version": frame["instrument_version"],
                "completed_at": frame["completed_at"], "scale": scale.id, "score": scored[scale.id],
                "band": scored[f"{scale.id}_band"].astype(object) if f"{scale.id}_band" in scored else None,
            }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def indicators(access, programme_id: str | None) -> pd.DataFrame:
    """Indicator results per programme, respondent group and completed year, exactly as the
    board sees them: the same protected figures, hidden ones left empty."""
    from indicators.periods import YEAR, WHOLE

    grid = access.board_periods()
    programmes = [programme_id] if programme_id else [p.id for p in access.catalog.latest_programmes()]
    rows = []
    for programme in programmes:
        for period in grid.of_kind(YEAR) + grid.of_kind(WHOLE):
            report = access.board_report(programme, period.id)
            for table in report.tables:
                if not table.id.startswith("indicators/"):
                    continue
                for row_id, values in zip(table.rows, table.values):
                    indicator, group = row_id.split(":", 1)
                    figures = dict(zip([c.id for c in table.columns], values))
                    rows.append({"programme_id": programme, "instrument_id": table.id.split("/", 1)[1],
                                 "indicator": indicator, "respondent_group": group, "period": period.id,
                                 "n": figures["n"], "agree": figures["instammer"], "share": figures["andel"],
                                 "mean": figures["medel"], "asked": figures["tillfragade"],
                                 "response_rate": figures["svarsfrekvens"]})
    return pd.DataFrame(rows, columns=["programme_id", "instrument_id", "indicator", "respondent_group", "period",
                                       "n", "agree", "share", "mean", "asked", "response_rate"])


NNS_COLUMNS = ["year", "indicator", "group", "share", "mean", "n"]


def nns(access, year: int) -> pd.DataFrame:
    """The förbund's own indicator results for one completed year in the shape national
    figures are imported in (year, indicator, group, share, mean, n), for the national
    compilation: all programmes together, from exactly the protected figures the board sees.
    No individual answers; a hidden figure is empty, never a small number.

    An indicator asked in more than one instrument (during the programme and at exit) is one
    row: the instruments' shown counts added, its share and mean taken from them; if any part
    is hidden, so is the sum. Sums of shown figures tell a reader nothing the board's own
    tables do not, so they need no protection of their own."""
    from indicators.periods import YEAR

    grid = access.board_periods()
    period = {p.id: p for p in grid.of_kind(YEAR)}.get(str(year))
    if period is None:
        completed = ", ".join(p.id for p in grid.of_kind(YEAR)) or "none yet"
        raise StegvisError(f"{year} is not a completed year with figures (completed years: {completed})")
    report = access.board_report(None, period.id)
    parts: dict[tuple[str, str], list[dict]] = {}
    for table in report.tables:
        if not table.id.startswith("indicators/"):
            continue
        for row_id, values in zip(table.rows, table.values):
            indicator, group = row_id.split(":", 1)
            parts.setdefault((indicator, group), []).append(dict(zip([c.id for c in table.columns], values)))
    rows = []
    for (indicator, group), figures in parts.items():
        n, agree, rest = (_sum(f[c] for f in figures) for c in ("n", "instammer", "ej_instammer"))
        share = None
        if n and agree is not None and rest is not None and all(f["andel"] is not None or not f["n"] for f in figures):
            share = agree / n
        mean = None
        if n and all(f["medel"] is not None or f["n"] == 0 for f in figures):
            mean = sum(f["medel"] * f["n"] for f in figures if f["n"]) / n
        rows.append({"year": int(year), "indicator": indicator, "group": group, "share": share, "mean": mean,
                     "n": n})
    frame = pd.DataFrame(rows, columns=NNS_COLUMNS)
    frame["n"] = frame["n"].astype("Int64")  # an empty cell where hidden, never 3.0
    return frame


def _sum(values) -> int | None:
    """A sum of shown counts; None if any is hidden."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += int(value)
    return total


def registry(db, programme: Programme, start: str, end: str) -> pd.DataFrame:
    """One row per participant enrolled in the programme at some time from `start` to `end`
    (both `YYYY-MM-DD`, inclusive), pseudonymous (`respondent`, never the code): start and exit,
    the outcome, gender, year of birth, and the programme's declared registry fields in their
    order (a choice's id, a number as a whole number, empty where nothing is recorded). An exit
    after `end` is not the period's: its day, outcome and exit fields are left empty. Someone
    enrolled twice in the period is one row, their latest enrolment."""
    frame = pd.read_sql_query(
        """SELECT e.participant_id, e.programme_id, e.started_on,
                  CASE WHEN e.exited_on <= :end THEN e.exited_on END AS exited_on,
                  CASE WHEN e.exited_on <= :end THEN e.outcome END AS outcome, p.gender, p.birth_year
           FROM enrolments e JOIN participants p ON p.id = e.participant_id
           WHERE e.programme_id = :programme AND e.started_on <= :end
             AND (e.exited_on IS NULL OR e.exited_on >= :start)
           ORDER BY e.started_on, e.id""",
        db.conn, params={"programme": programme.id, "start": start, "end": end})
    frame = frame.drop_duplicates("participant_id", keep="last")
    values = pd.read_sql_query("SELECT participant_id, field, value_text, value_num FROM registry_values "
                               "WHERE programme_id = ?", db.conn, params=[programme.id])
    exited = frame.set_index("participant_id")["exited_on"].notna()
    for field in programme.registry_fields:
        mine = values[values["field"] == field.id].set_index("participant_id")
        column = mine["value_text"] if field.kind == "choice" else mine["value_num"].round().astype("Int64")
        shown = frame["participant_id"].map(column)
        if field.when == "exit":
            shown = shown.where(frame["participant_id"].map(exited))
        frame[field.id] = shown.astype("Int64") if field.kind == "number" else shown.astype(object)
    frame["birth_year"] = frame["birth_year"].astype("Int64")
    frame.insert(0, "respondent", frame.pop("participant_id").map(lambda i: pseudonym(db, i)))
    return frame[[*REGISTRY_COLUMNS, *(f.id for f in programme.registry_fields)]].reset_index(drop=True)


def registry_codebook(programme: Programme, lang: str = "sv") -> pd.DataFrame:
    """What the registry export's field columns hold: each field's label and when it is
    recorded, and each choice's id with its label, for whoever types the rows into SUS."""
    rows = []
    for field in programme.registry_fields:
        if field.kind == "number":
            rows.append({"column": field.id, "label": field.label.get(lang), "when": field.when,
                         "value": f"{field.min}–{field.max}", "meaning": field.label.get(lang)})
        for choice in field.choices:
            rows.append({"column": field.id, "label": field.label.get(lang), "when": field.when,
                         "value": choice.id, "meaning": choice.label.get(lang)})
    for outcome in programme.outcomes:
        rows.append({"column": "outcome", "label": "avslutsorsak", "when": "exit", "value": outcome.id,
                     "meaning": outcome.label.get(lang)})
    return pd.DataFrame(rows, columns=["column", "label", "when", "value", "meaning"])

