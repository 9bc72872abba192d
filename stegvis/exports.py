"""Tidy exports of answers, scores and indicator results (columns in docs/exports.md),
pseudonymised by default: a stable respondent id that cannot be turned back into a code
without the database's key."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from indicators.scoring import score
from surveys.answers import responses_frame
from surveys.definitions import Catalog
from surveys.code_key import code_key


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
                                 "mean": figures["medel"], "response_rate": figures["svarsfrekvens"]})
    return pd.DataFrame(rows, columns=["programme_id", "instrument_id", "indicator", "respondent_group", "period",
                                       "n", "agree", "share", "mean", "response_rate"])
