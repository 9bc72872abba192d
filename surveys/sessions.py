"""Survey sessions: a coach opens a visit (one or more instruments queued for one
participant and occasion) and gets a short access code; the participant's code
opens that visit only, until it is completed or expires."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from foundation.errors import StegvisError
from foundation.texts import Message
from surveys.answers import ANSWERED, Answer, session_answers
from surveys.definitions import Catalog
from surveys.models import Instrument, Item
from surveys.code_key import code_key
from foundation.db import current_time, now, transaction

# No look-alikes (0/O, 1/I/L): typed on a tablet by someone who may be tired or anxious.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


class InvalidCode(StegvisError):
    """A code that opens nothing. The message is kind and says nothing about other sessions."""

    def __init__(self):
        super().__init__(Message("error.code_invalid"))


class RepeatVisit(StegvisError):
    """The occasion was already started for this participant today: a second survey is often a
    double click or a lost code, so it is opened only when the coach confirms (`again=True`)."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(db, code: str) -> str:
    """Keyed hash, so a code can be looked up without being stored, and a copied database
    does not reveal the codes in it without the key, which is kept outside it (surveys/code_key.py)."""
    return hmac.new(bytes.fromhex(code_key(db)), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def _keystream(db, nonce: str) -> list[int]:
    stream = hmac.new(bytes.fromhex(code_key(db)), f"seal:{nonce}".encode(), hashlib.sha256).digest()
    return [int.from_bytes(stream[2 * n:2 * n + 2], "big") % len(CODE_ALPHABET) for n in range(CODE_LENGTH)]


def seal_code(db, code: str, nonce: str) -> str:
    """A code enciphered under the code key (kept outside the database) and a nonce used once:
    a one-time pad from HMAC-SHA256 as a keyed pseudorandom function. Without the key the
    sealed text says nothing about the code."""
    shifts = _keystream(db, nonce)
    return "".join(CODE_ALPHABET[(CODE_ALPHABET.index(ch) + s) % len(CODE_ALPHABET)]
                   for ch, s in zip(normalise_code(code), shifts))


def unseal_code(db, sealed: str, nonce: str) -> str:
    shifts = _keystream(db, nonce)
    return "".join(CODE_ALPHABET[(CODE_ALPHABET.index(ch) - s) % len(CODE_ALPHABET)] for ch, s in zip(sealed, shifts))


@dataclass(frozen=True)
class SessionPart:
    """One instrument within a visit: a row of `survey_sessions`."""

    session_id: int
    position: int
    instrument_id: str
    instrument_version: int
    status: str


@dataclass(frozen=True)
class Visit:
    visit: str
    participant_id: int | None
    programme_id: str
    occasion: str
    language: str
    expires_at: str | None
    parts: tuple[SessionPart, ...]

    @property
    def completed(self) -> bool:
        return all(p.status == "completed" for p in self.parts)


def licence_problem(db, instrument: Instrument) -> Message | None:
    """Why a licensed instrument cannot be opened for participants yet, or None."""
    if not (instrument.license and instrument.license.requires_permission):
        return None
    if db.execute("SELECT 1 FROM permissions WHERE instrument_id = ?", [instrument.id]).fetchone() is None:
        return Message("error.licence.permission", instrument=instrument.title.sv, owner=instrument.license.owner)
    if db.execute("SELECT 1 FROM textpacks WHERE instrument_id = ?", [instrument.id]).fetchone() is None:
        return Message("error.licence.textpack", instrument=instrument.title.sv)
    return None


def has_consent(db, participant_id: int, programme_id: str) -> bool:
    return db.execute(
        "SELECT 1 FROM consents WHERE participant_id = ? AND programme_id = ? AND withdrawn_on IS NULL",
        [participant_id, programme_id],
    ).fetchone() is not None


def occasion_problem(db, programme, occasion, participant_id: int) -> Message | None:
    """Why this occasion cannot be started for the participant, or None. An occasion counted
    from the start (intake, follow-ups) belongs to the time in the programme: after the exit it
    would file answers under the wrong part of the person's history. Occasions counted from the
    exit remain open, and so does the turn of a year they were in at."""
    row = db.execute("SELECT exited_on FROM enrolments WHERE participant_id = ? AND programme_id = ? "
                     "ORDER BY started_on DESC LIMIT 1", [participant_id, programme.id]).fetchone()
    if row is None or row[0] is None or occasion.anchor in ("exit", "year_end"):
        return None
    after = [o.label.sv for o in programme.occasions if o.anchor == "exit"]
    said = dict(exited=row[0], programme=programme.name.sv, occasion=occasion.label.sv)
    if not after:
        return Message("error.occasion_after_exit", **said)
    choices = after[0] if len(after) == 1 else Message("error.one_of", some=", ".join(after[:-1]), last=after[-1])
    return Message("error.occasion_after_exit_choose", choices=choices, **said)


def same_day_visit(db, participant_id: int, programme_id: str, occasion: str) -> str | None:
    """When (local time, HH:MM) this occasion was last started for the participant today, or None."""
    row = db.execute(
        """SELECT time(max(created_at), 'localtime') FROM survey_sessions
           WHERE participant_id = ? AND programme_id = ? AND occasion = ? AND status != 'cancelled'
           AND date(created_at, 'localtime') = date('now', 'localtime')""",
        [participant_id, programme_id, occasion]).fetchone()
    return row[0][:5] if row and row[0] else None


def open_visit(db, catalog: Catalog, *, programme_id: str, occasion: str, instruments: list[str] | None = None,
               participant_id: int | None = None, created_by: int | None = None, language: str = "sv",
               valid_days: int | None = None, again: bool = False) -> tuple[Visit, str]:
    """Queue instruments for one occasion and return the visit with its access code (shown once).
    Refuses an occasion counted from the start once the participant has exited, and a second
    visit at the same occasion on the same day unless `again` (RepeatVisit)."""
    programme = catalog.programme(programme_id)
    occ = programme.occasion(occasion)
    if participant_id is not None:  # before anything else: no licence makes this occasion possible
        problem = occasion_problem(db, programme, occ, participant_id)
        if problem:
            raise StegvisError(problem)
    chosen = list(instruments or occ.instruments)
    if not chosen:
        raise StegvisError(f"occasion {occasion} of {programme_id} uses no instruments; name one")
    resolved = []
    for instrument_id in chosen:
        if instrument_id not in occ.instruments:
            raise StegvisError(
                f"{instrument_id} is not used at occasion {occasion} of {programme_id} "
                f"(it uses: {', '.join(occ.instruments) or 'none'})"
            )
        instrument = catalog.instrument(instrument_id)
        problem = licence_problem(db, instrument)
        if problem:
            raise StegvisError(problem)
        resolved.append(instrument)
    group = resolved[0].respondent_group
    # groups that answer in rounds get their codes from a round; every other group is a participant's
    in_rounds = group in catalog.groups and catalog.group(group).answers == "round"
    if not in_rounds and participant_id is None:
        raise StegvisError("a participant survey needs a participant")
    if participant_id is not None and not has_consent(db, participant_id, programme_id):
        raise StegvisError(Message("error.no_consent"))

    if valid_days is None:
        from foundation.settings import setting

        valid_days = setting(db, "code_valid_days")
    code = new_code()
    visit = secrets.token_hex(8)
    expires = (current_time() + timedelta(days=valid_days)).replace(microsecond=0).isoformat()
    with transaction(db):  # checked under the write lock: two quick clicks cannot both pass
        started = None if again or participant_id is None else same_day_visit(db, participant_id, programme_id,
                                                                              occasion)
        if started:
            raise RepeatVisit(Message("error.repeat_visit", occasion=occ.label.sv, at=started))
        code_hash = hash_code(db, code)
        for position, instrument in enumerate(resolved):
            db["survey_sessions"].insert({
                "visit": visit, "position": position, "participant_id": participant_id,
                "programme_id": programme_id, "occasion": occasion, "instrument_id": instrument.id,
                "instrument_version": instrument.version, "respondent_group": instrument.respondent_group,
                "language": language, "status": "open", "code_hash": code_hash, "expires_at": expires,
                "created_by": created_by, "created_at": now(),
            })
    return get_visit(db, visit), code


def get_visit(db, visit: str) -> Visit:
    rows = db.execute(
        """SELECT id, position, instrument_id, instrument_version, status, participant_id, programme_id,
                  occasion, language, expires_at FROM survey_sessions WHERE visit = ? ORDER BY position""",
        [visit],
    ).fetchall()
    if not rows:
        raise StegvisError(f"no survey visit {visit}")
    first = rows[0]
    return Visit(visit, first[5], first[6], first[7], first[8], first[9],
                 tuple(SessionPart(r[0], r[1], r[2], r[3], r[4]) for r in rows))


def visit_for_code(db, code: str, at: datetime | None = None) -> Visit:
    """The open visit a code belongs to: a participant's, a round's already begun, or a new one
    from a survey round's unused code. InvalidCode if wrong, expired, or already completed."""
    from surveys.rounds import open_round_code

    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in normalised):
        raise InvalidCode()
    hashed = hash_code(db, normalised)
    row = db.execute(
        "SELECT visit, expires_at FROM survey_sessions WHERE code_hash = ? AND status = 'open' LIMIT 1", [hashed],
    ).fetchone()
    moment = at or current_time()
    if row is None:
        visit = open_round_code(db, hashed, moment)
        if visit is None:
            raise InvalidCode()
        return get_visit(db, visit)
    if row[1] and row[1] <= moment.isoformat():
        raise InvalidCode()
    return get_visit(db, row[0])


def complete_part(db, session_id: int) -> None:
    """Mark one instrument done; when the whole visit is done, the code stops working."""
    with transaction(db):
        row = db.execute("SELECT visit, status FROM survey_sessions WHERE id = ?", [session_id]).fetchone()
        if row is None:
            raise StegvisError(f"no survey session {session_id}")
        if row[1] != "open":
            raise StegvisError("this survey is already sent in")
        db.execute("UPDATE survey_sessions SET status = 'completed', completed_at = ? WHERE id = ?", [now(), session_id])
        if not db.execute("SELECT 1 FROM survey_sessions WHERE visit = ? AND status = 'open'", [row[0]]).fetchone():
            db.execute("UPDATE survey_sessions SET code_hash = NULL WHERE visit = ?", [row[0]])


def visible_items(instrument: Instrument, answers: dict[str, Answer]) -> list[Item]:
    """Items to show, given the answers so far (show-if conditions on earlier answers)."""
    shown = []
    for item in instrument.items:
        if item.show_if:
            earlier = answers.get(item.show_if.item)
            if not item.show_if.holds(earlier.value if earlier and earlier.status == ANSWERED else None):
                continue
        shown.append(item)
    return shown


def resume_position(db, instrument: Instrument, session_id: int) -> int:
    """Index (among visible items) of the first unanswered question; len() when all are answered."""
    answers = session_answers(db, session_id)
    items = visible_items(instrument, answers)
    return next((n for n, item in enumerate(items) if item.id not in answers), len(items))
