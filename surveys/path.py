"""The participant's path over time, beside the surveys: the referral that brought them (or
did not), events during the programme (work, studies, praktik, work ability clarified …),
the parties active around them, their status at follow-ups after exit, and extensions past
the programme's maximum time. Everything is checked against the programme's declarations,
and a refusal names what and where."""

from __future__ import annotations

from datetime import date

import pandas as pd

from foundation.db import current_time, now, transaction
from foundation.errors import StegvisError
from foundation.texts import Message
from surveys.models import FOLLOWUP_STATUSES, GENDERS, Programme

DECISIONS = ("inskriven", "ej_inskriven", "vantar")


def _day(value, what: str) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise StegvisError(Message("error.not_a_date", what=what, value=repr(value))) from None


def _declared(entries, ident: str, what: str, programme: Programme) -> None:
    known = [e.id for e in entries]
    if ident not in known:
        raise StegvisError(Message("error.path.unknown", what=what, value=repr(ident), programme=programme.name.sv,
                                   known=", ".join(known) or "–"))


def record_referral(db, programme: Programme, *, referred_on, party: str, gender: str, birth_year: int | None,
                    decision: str = "vantar", reason: str | None = None, participant_id: int | None = None,
                    recorded_by: int | None = None) -> int:
    """A referral (remiss/aktualisering) to the programme, with who referred and what was
    decided; `participant_id` when the person was enrolled."""
    _declared(programme.referral_parties, party, "remitterande part", programme)
    if gender not in GENDERS:
        raise StegvisError(Message("error.gender", genders=", ".join(GENDERS)))
    if decision not in DECISIONS:
        raise StegvisError(Message("error.path.decision", known=", ".join(DECISIONS)))
    if decision == "ej_inskriven" and not (reason or "").strip():
        raise StegvisError(Message("error.path.reason"))
    referred = _day(referred_on, "remissdatum")
    with transaction(db):
        return db["referrals"].insert({
            "programme_id": programme.id, "referred_on": referred, "party": party, "gender": gender,
            "birth_year": birth_year, "decision": decision, "reason": (reason or "").strip() or None,
            "decided_on": None if decision == "vantar" else referred, "participant_id": participant_id,
            "recorded_by": recorded_by, "recorded_at": now(),
        }).last_pk


def decide_referral(db, referral_id: int, decision: str, *, reason: str | None = None,
                    participant_id: int | None = None, on=None) -> None:
    if decision not in DECISIONS[:2]:
        raise StegvisError(Message("error.path.decision", known=", ".join(DECISIONS[:2])))
    if decision == "ej_inskriven" and not (reason or "").strip():
        raise StegvisError(Message("error.path.reason"))
    with transaction(db):
        db.execute("UPDATE referrals SET decision = ?, reason = ?, decided_on = ?, participant_id = ? WHERE id = ?",
                   [decision, (reason or "").strip() or None, _day(on or current_time().date(), "beslutsdatum"),
                    participant_id, referral_id])


def record_event(db, programme: Programme, participant_id: int, event_id: str, happened_on,
                 value: float | None = None, recorded_by: int | None = None) -> int:
    """Something that happened during the programme; a person can have many."""
    _declared(programme.events, event_id, "händelse", programme)
    day = _day(happened_on, "datum")
    if value is not None and programme.event(event_id).value_label is None:
        raise StegvisError(Message("error.path.no_value", event=programme.event(event_id).label.sv))
    with transaction(db):
        return db["events"].insert({"participant_id": participant_id, "programme_id": programme.id, "event": event_id,
                                    "happened_on": day, "value": value, "recorded_by": recorded_by,
                                    "recorded_at": now()}).last_pk


def set_parties(db, programme: Programme, participant_id: int, parties: list[str], on=None) -> None:
    """The parties active around the person now (those added keep the day they were added)."""
    for party in parties:
        _declared(programme.parties, party, "part", programme)
    with transaction(db):
        db.execute(f"DELETE FROM participant_parties WHERE participant_id = ? AND programme_id = ? "
                   f"AND party NOT IN ({', '.join('?' * len(parties)) or 'NULL'})",
                   [participant_id, programme.id, *parties])
        for party in parties:
            db.execute("INSERT OR IGNORE INTO participant_parties (participant_id, programme_id, party, since) "
                       "VALUES (?, ?, ?, ?)", [participant_id, programme.id, party, _day(on or current_time().date(), "datum")])


def followup_year(occasion, on: date) -> int:
    """The turn of the year a year-end status is for: recorded from mid-December on, it is this
    year's; earlier in the year, last year's. 0 for a follow-up after exit (it happens once)."""
    if occasion.anchor != "year_end":
        return 0
    return on.year if on.month == 12 and on.day >= 17 else on.year - 1


def record_followup(db, programme: Programme, participant_id: int, occasion_id: str, status: str, on=None,
                    source: str = "coach", recorded_by: int | None = None, year: int | None = None) -> None:
    """Work, studies or neither at a follow-up occasion after exit, or at the turn of `year` for
    someone still in then (a second recording replaces)."""
    occasion = programme.occasion(occasion_id)
    if not occasion.records_status:
        raise StegvisError(Message("error.path.not_followup", occasion=occasion.label.sv))
    if status not in FOLLOWUP_STATUSES:
        raise StegvisError(Message("error.path.status", known=", ".join(FOLLOWUP_STATUSES)))
    day = _day(on or current_time().date(), "datum")
    if occasion.anchor == "year_end":
        year = followup_year(occasion, date.fromisoformat(day)) if year is None else int(year)
        if year > followup_year(occasion, current_time().date()):  # from mid-December on, as the to-do offers it
            raise StegvisError(Message("error.path.year_end_not_yet", occasion=occasion.label.sv, year=year))
        turn = f"{year:04d}-12-31"
        if not db.execute("SELECT 1 FROM enrolments WHERE participant_id = ? AND programme_id = ? AND started_on <= ? "
                          "AND (exited_on IS NULL OR exited_on > ?)", [participant_id, programme.id, turn, turn]
                          ).fetchone():
            raise StegvisError(Message("error.path.not_in_at_year_end", occasion=occasion.label.sv, year=year))
    else:
        year = 0
    with transaction(db):
        db.execute("""INSERT INTO followups (participant_id, programme_id, occasion, year, status, recorded_on, source,
                                             recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                      ON CONFLICT (participant_id, programme_id, occasion, year) DO UPDATE SET status = excluded.status,
                        recorded_on = excluded.recorded_on, source = excluded.source, recorded_by = excluded.recorded_by""",
                   [participant_id, programme.id, occasion_id, year, status, day, source, recorded_by])


def status_from_survey(db, programme: Programme, participant_id: int | None, occasion_id: str, instrument_id: str,
                       answers: dict, on=None) -> str | None:
    """A follow-up survey that asks the status (the occasion's `status_item`) records it, as the
    coach would: returns the status recorded, or None when this survey does not ask it or it
    was skipped."""
    occasion = next((o for o in programme.occasions if o.id == occasion_id), None)
    if participant_id is None or occasion is None or not occasion.status_item or instrument_id not in occasion.instruments:
        return None
    answer = answers.get(occasion.status_item)
    status = getattr(answer, "value", None)
    if status not in FOLLOWUP_STATUSES:
        return None
    record_followup(db, programme, participant_id, occasion_id, status, on, source="survey")
    return status


def record_extension(db, enrolment_id: int, months: int, reason: str, decided_on=None,
                     recorded_by: int | None = None) -> None:
    """An extension past the maximum time: the limit moves by `months`."""
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 36:
        raise StegvisError(Message("error.path.extension_months"))
    if not (reason or "").strip():
        raise StegvisError(Message("error.path.extension_reason"))
    with transaction(db):
        db["extensions"].insert({"enrolment_id": enrolment_id, "months": months, "reason": reason.strip(),
                                 "decided_on": _day(decided_on or current_time().date(), "datum"), "recorded_by": recorded_by})


def path_of(db, participant_id: int) -> dict[str, list[dict]]:
    """One participant's events, parties, follow-ups and extensions, oldest first."""
    def rows(sql):
        cursor = db.execute(sql, [participant_id])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]

    return {
        "events": rows("SELECT id, programme_id, event, happened_on, value FROM events WHERE participant_id = ? "
                       "ORDER BY happened_on, id"),
        "parties": rows("SELECT programme_id, party, since FROM participant_parties WHERE participant_id = ? "
                        "ORDER BY party"),
        "followups": rows("SELECT programme_id, occasion, year, status, recorded_on, source FROM followups "
                          "WHERE participant_id = ? ORDER BY recorded_on"),
        "extensions": rows("SELECT x.enrolment_id, x.months, x.reason, x.decided_on FROM extensions x "
                           "JOIN enrolments e ON e.id = x.enrolment_id WHERE e.participant_id = ? ORDER BY x.decided_on"),
        "referrals": rows("SELECT programme_id, referred_on, party, decision, reason FROM referrals "
                          "WHERE participant_id = ? ORDER BY referred_on"),
    }


def path_frames(db, programme_id: str | None = None) -> dict[str, pd.DataFrame]:
    """Every programme's (or one's) events, follow-ups, extensions and referrals, for goals and
    the board: one row each, dates parsed."""
    where, params = ("WHERE programme_id = ?", [programme_id]) if programme_id else ("", [])
    frames = {
        "events": pd.read_sql_query(f"SELECT participant_id, programme_id, event, happened_on, value FROM events {where}",
                                    db.conn, params=params),
        "followups": pd.read_sql_query(f"SELECT participant_id, programme_id, occasion, year, status FROM followups {where}",
                                       db.conn, params=params),
        "referrals": pd.read_sql_query(
            f"SELECT id AS referral_id, programme_id, referred_on, party, gender, decision, participant_id "
            f"FROM referrals {where}", db.conn, params=params),
        "parties": pd.read_sql_query(f"SELECT participant_id, programme_id, party FROM participant_parties {where}",
                                     db.conn, params=params),
        "extensions": pd.read_sql_query(
            f"""SELECT e.participant_id, e.programme_id, sum(x.months) AS months FROM extensions x
                JOIN enrolments e ON e.id = x.enrolment_id {where.replace('programme_id', 'e.programme_id')}
                GROUP BY x.enrolment_id""", db.conn, params=params),
    }
    frames["events"]["happened_on"] = pd.to_datetime(frames["events"]["happened_on"], format="ISO8601")
    frames["referrals"]["referred_on"] = pd.to_datetime(frames["referrals"]["referred_on"], format="ISO8601")
    return frames
