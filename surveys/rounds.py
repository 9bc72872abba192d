"""Survey rounds (enkätomgångar): the groups that answer without being participants — staff
(insatspersonal), the board, managers in the member organisations, referrers, employers —
get single-use codes for one round, handed out on slips or mailed, valid until the round
closes, on the same front page as participants' codes.

Anonymous by construction: a round stores how many it invited and how many codes were used.
A code's row is deleted the moment it is first used; the visit it opens carries the code's
hash only until it is sent in (so a tablet that sleeps can resume), as a participant's visit
does. After that nothing links a code, or an address it was mailed to, to the answers."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from foundation.db import current_time, now, transaction
from foundation.errors import StegvisError
from foundation.texts import Message, Together
from surveys.definitions import Catalog
from surveys.sessions import hash_code, licence_problem, new_code, seal_code, unseal_code

MAX_INVITED = 2000
ROUND_OCCASION = "omgang"  # the occasion a round's sessions are filed under, unless declared


@dataclass(frozen=True)
class Round:
    id: int
    respondent_group: str
    instruments: tuple[str, ...]
    programme_id: str | None
    declared: str | None
    invited: int
    opened_on: str
    closes_on: str
    codes_used: int
    answered: int
    closed_at: str | None

    @property
    def response_rate(self) -> float:
        """Answered ÷ invited: those who sent the whole round in, of everyone asked."""
        return self.answered / self.invited

    def is_open(self, today: date) -> bool:
        return self.closed_at is None and date.fromisoformat(self.closes_on) >= today


def create_round(db, catalog: Catalog, *, group: str, instruments: list[str], invited: int, closes_on: str,
                 programme_id: str | None = None, declared: str | None = None, created_by: int | None = None,
                 today: date | None = None) -> tuple[Round, list[str]]:
    """A round with `invited` single-use codes. Returns the round and the codes, which are not
    stored anywhere (only their keyed hashes): write them out or mail them now. Everything is
    checked first; a refused round creates nothing."""
    today = today or current_time().date()
    problems: list = []
    if not instruments:
        problems.append(Message("error.round.no_instrument"))
    resolved = []
    for instrument_id in instruments:
        try:
            instrument = catalog.instrument(instrument_id)
        except StegvisError as exc:
            problems.append(exc.message)
            continue
        if instrument.respondent_group != group:
            problems.append(Message("error.round.other_group", instrument=instrument_id,
                                    its=instrument.respondent_group, group=group))
        elif problem := licence_problem(db, instrument):
            problems.append(problem)
        resolved.append(instrument)
    groups = [g.id for g in catalog.round_groups()]
    if group not in groups:
        problems.append(Message("error.round.group", group=group, known=", ".join(groups)))
    owner_known = True
    if programme_id is not None:
        try:
            catalog.programme(programme_id)
        except StegvisError as exc:
            problems.append(exc.message)
            owner_known = False
    if declared is not None and owner_known:
        problems += _declared_problems(catalog, declared, programme_id, group, [i.id for i in resolved])
    if not isinstance(invited, int) or isinstance(invited, bool) or not 1 <= invited <= MAX_INVITED:
        problems.append(Message("error.round.invited", most=MAX_INVITED, given=repr(invited)))
    try:
        closes = date.fromisoformat(str(closes_on))
    except ValueError:
        problems.append(Message("error.round.not_a_date", given=repr(closes_on)))
    else:
        if closes < today:
            problems.append(Message("error.round.past", day=closes.isoformat(), today=today.isoformat()))
    if problems:
        raise StegvisError(Together(problems, Message("error.round.nothing_created")))
    with transaction(db):
        round_id = db["rounds"].insert({
            "respondent_group": group, "programme_id": programme_id, "declared": declared,
            "instruments": json.dumps([{"id": i.id, "version": i.version} for i in resolved]),
            "invited": invited, "opened_on": today.isoformat(), "closes_on": closes.isoformat(),
            "created_by": created_by, "created_at": now(),
        }).last_pk
        codes = _unique_codes(db, invited)
        db["round_codes"].insert_all([{"round_id": round_id, "seat": seat, "code_hash": hash_code(db, code),
                                       "sealed": seal_code(db, code, f"{round_id}:{seat}")}
                                      for seat, code in enumerate(codes, start=1)])
    return get_round(db, round_id), codes


def _declared_problems(catalog: Catalog, declared: str, programme_id: str | None, group: str,
                       instruments: list[str]) -> list:
    """A round made from a declared one must be that round: the to-do counts it as done."""
    rounds = {r.id: r for r in catalog.declared_rounds(programme_id)}
    owner = catalog.programme(programme_id).name.sv if programme_id else None
    if declared not in rounds:
        return [Message("error.round.not_declared", declared=declared, known=", ".join(rounds) or "–")
                if owner is None else
                Message("error.round.not_declared_by", declared=declared, programme=owner,
                        known=", ".join(rounds) or "–")]
    wanted = rounds[declared]
    if wanted.group != group or list(wanted.instruments) != instruments:
        return [Message("error.round.declared_differs", declared=declared, group=wanted.group,
                        instruments=", ".join(wanted.instruments))]
    return []


def unused_codes(db, round_id: int) -> list[tuple[int, str]]:
    """(seat, code) of every code of the round not used yet, unsealed with the code key: for
    slips, a code list or invitations. Used codes exist nowhere any more."""
    return [(seat, unseal_code(db, sealed, f"{round_id}:{seat}")) for seat, sealed in db.execute(
        "SELECT seat, sealed FROM round_codes WHERE round_id = ? ORDER BY seat", [round_id])]


def _unique_codes(db, count: int) -> list[str]:
    """Codes no live participant visit or round code has (31⁶ ≈ 887 million: a clash is rare)."""
    codes: dict[str, None] = {}
    while len(codes) < count:
        code = new_code()
        hashed = hash_code(db, code)
        taken = db.execute("SELECT 1 FROM round_codes WHERE code_hash = ? UNION ALL "
                           "SELECT 1 FROM survey_sessions WHERE code_hash = ?", [hashed, hashed]).fetchone()
        if not taken:
            codes[code] = None
    return list(codes)


_ROUND_COLUMNS = """r.id, r.respondent_group, r.instruments, r.programme_id, r.declared, r.invited, r.opened_on,
    r.closes_on, r.codes_used,
    (SELECT count(DISTINCT s.visit) FROM survey_sessions s WHERE s.round_id = r.id AND s.status = 'completed'
       AND NOT EXISTS (SELECT 1 FROM survey_sessions o WHERE o.visit = s.visit AND o.status != 'completed')),
    r.closed_at"""


def _round(row) -> Round:
    return Round(row[0], row[1], tuple(i["id"] for i in json.loads(row[2])), *row[3:])


def get_round(db, round_id: int) -> Round:
    row = db.execute(f"SELECT {_ROUND_COLUMNS} FROM rounds r WHERE r.id = ?", [round_id]).fetchone()
    if row is None:
        raise StegvisError(f"no survey round {round_id!r} (`stegvis round list` shows them)")
    return _round(row)


def list_rounds(db) -> list[Round]:
    return [_round(r) for r in db.execute(f"SELECT {_ROUND_COLUMNS} FROM rounds r ORDER BY r.id DESC")]


def open_round_code(db, hashed: str, at: datetime) -> str | None:
    """The visit a round's unused code opens, made now: the code's row is deleted and the round
    counts one more code used. None when no open round has this code."""
    with transaction(db):
        row = db.execute(
            """SELECT r.id, r.instruments, r.programme_id, r.declared, r.respondent_group, r.closes_on
               FROM round_codes c JOIN rounds r ON r.id = c.round_id
               WHERE c.code_hash = ? AND r.closed_at IS NULL""", [hashed]).fetchone()
        if row is None:
            return None
        round_id, instruments, programme_id, declared, group, closes_on = row
        expires = datetime.combine(date.fromisoformat(closes_on) + timedelta(days=1), datetime.min.time(),
                                   tzinfo=timezone.utc)
        if at >= expires:
            return None
        db.execute("DELETE FROM round_codes WHERE code_hash = ?", [hashed])
        db.execute("UPDATE rounds SET codes_used = codes_used + 1 WHERE id = ?", [round_id])
        visit = secrets.token_hex(8)
        for position, instrument in enumerate(json.loads(instruments)):
            db["survey_sessions"].insert({
                "visit": visit, "position": position, "participant_id": None, "programme_id": programme_id,
                "round_id": round_id, "occasion": declared or ROUND_OCCASION, "instrument_id": instrument["id"],
                "instrument_version": instrument["version"], "respondent_group": group, "language": "sv",
                "status": "open", "code_hash": hashed, "expires_at": expires.isoformat(), "created_at": now(),
            })
    return visit


def close_due_rounds(db, today: date | None = None) -> list[int]:
    """Close every round past its closing date: its unused codes and the addresses its codes
    were mailed to are deleted, and visits still open stop working. Returns the rounds closed."""
    today = today or current_time().date()
    closed = []
    with transaction(db):
        for (round_id,) in db.execute("SELECT id FROM rounds WHERE closed_at IS NULL AND closes_on < ?",
                                      [today.isoformat()]).fetchall():
            close_round(db, round_id)
            closed.append(round_id)
    return closed


def close_round(db, round_id: int) -> Round:
    """Close a round now (also before its closing date): codes stop working at once."""
    get_round(db, round_id)
    with transaction(db):
        db.execute("DELETE FROM round_codes WHERE round_id = ?", [round_id])
        db.execute("DELETE FROM round_invitations WHERE round_id = ?", [round_id])
        db.execute("UPDATE survey_sessions SET status = 'cancelled', code_hash = NULL "
                   "WHERE round_id = ? AND status = 'open'", [round_id])
        db.execute("UPDATE rounds SET closed_at = coalesce(closed_at, ?) WHERE id = ?", [now(), round_id])
    return get_round(db, round_id)
