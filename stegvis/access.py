"""The one place that decides who sees what. Pages call `Access(db, user, catalog)` and
never the database: a coach reaches only their caseload, the board only aggregates, and
every look at a participant is written to the audit log, an administrator's too."""

from __future__ import annotations

import functools
import inspect
import numbers
import sqlite3
from datetime import date

import pandas as pd

from stegvis import audit
from stegvis.aggregates import AggregateCache, read_inputs
from stegvis import accounts
from stegvis.accounts import (User, create_user, disable_user, link_identity, list_identities, list_users,
                              unlink_identity)
from foundation.errors import AccessDenied, StegvisError
from foundation.texts import Message, N_
from stegvis.pseudonyms import MAX_LENGTH, code_problem, shown
from surveys.definitions import Catalog
from surveys.models import GENDERS
from surveys.registry import check_values, record_values, values_of
from surveys.sessions import open_visit
from surveys.store import CONSENTS, record_consent
from foundation.db import current_time, now, transaction



_aggregates = AggregateCache()  # one per app process: every browser session shares it
TEXTPACK_LIMIT = 1_000_000  # bytes: a text pack of an instrument's wording is a few kB



def allowed(*roles: str):
    """Declare which roles may call a method; checked before the method runs. Every refusal,
    by role or by caseload, is written to the audit log: repeated refusals are how snooping
    shows up there."""

    def decorate(method):
        takes_participant = list(inspect.signature(method).parameters)[1:2] == ["participant_id"]

        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            try:
                if self.user is None or self.user.role not in roles:
                    raise AccessDenied(f"{getattr(self.user, 'role', 'anonymous')} may not {method.__name__}")
                return method(self, *args, **kwargs)
            except AccessDenied as refusal:
                if not getattr(refusal, "logged", False):  # once, by the innermost checked method
                    target = kwargs.get("participant_id", args[0] if takes_participant and args else None)
                    _log_refusal(self, method.__name__, target)
                    refusal.logged = True
                raise

        checked.roles = roles
        return checked

    return decorate


def _log_refusal(access: "Access", method: str, participant_id) -> None:
    role = getattr(access.user, "role", "anonymous")
    target = int(participant_id) if isinstance(participant_id, numbers.Integral) else None
    try:
        audit.log(access._db, access.user, "access_denied", target, f"{method} ({role})")
    except sqlite3.Error:
        pass  # a database that cannot be written must not turn the refusal into another error


class Access:
    def __init__(self, db, user: User | None, catalog: Catalog):
        self._db, self.user, self.catalog = db, user, catalog

    # -- whose participants -------------------------------------------------------------

    def _visible(self, column: str) -> tuple[str, list]:
        """An SQL condition on `column` (a participant id): the people this user may see
        individually. Admin: everyone; coach: their own caseload, and everyone in a programme
        they work in whose coaches see each other's people; anyone else: nobody."""
        if self.user.role == "admin":
            return "1", []
        if self.user.role != "coach":
            return "0", []
        return (f"""{column} IN (SELECT p.id FROM participants p WHERE p.coach_id = ?
                    UNION SELECT e.participant_id FROM enrolments e
                      JOIN coach_programmes c ON c.programme_id = e.programme_id AND c.user_id = ?
                      JOIN programmes g ON g.id = e.programme_id AND g.coaches_see_programme = 1)""",
                [self.user.id, self.user.id])

    def _visible_ids(self) -> list[int] | None:
        """Participant ids this user may see individually; None means all (admin)."""
        if self.user.role == "admin":
            return None
        condition, params = self._visible("p.id")
        return [r[0] for r in self._db.execute(f"SELECT p.id FROM participants p WHERE {condition}", params)]

    def _require_participant(self, participant_id: int) -> None:
        condition, params = self._visible("p.id")
        if not isinstance(participant_id, numbers.Integral) or not self._db.execute(
                f"SELECT 1 FROM participants p WHERE p.id = ? AND {condition}", [participant_id, *params]).fetchone():
            # the same answer whether the participant exists or not
            raise AccessDenied("no such participant in your caseload")

    def _coach_programmes(self) -> set[str]:
        if self.user.role == "admin":
            return {p.id for p in self.catalog.latest_programmes()}
        rows = self._db.execute("SELECT programme_id FROM coach_programmes WHERE user_id = ?", [self.user.id])
        return {r[0] for r in rows}

    # -- coach and admin: individuals ---------------------------------------------------

    @allowed("coach", "admin")
    def caseload(self) -> pd.DataFrame:
        """One row per enrolment of a visible participant."""
        condition, params = self._visible("p.id")
        return pd.read_sql_query(
            f"""SELECT p.id AS participant_id, p.code, p.gender, p.birth_year, p.coach_id,
                      coalesce(u.display_name, u.username) AS coach_name, e.programme_id, e.id AS enrolment_id,
                      e.started_on, e.exited_on, e.outcome,
                      (SELECT coalesce(sum(x.months), 0) FROM extensions x WHERE x.enrolment_id = e.id) AS extended_months
               FROM participants p JOIN enrolments e ON e.participant_id = p.id
               LEFT JOIN users u ON u.id = p.coach_id WHERE {condition} ORDER BY p.code""",
            self._db.conn, params=params)

    @allowed("coach", "admin")
    def caseload_sessions(self) -> pd.DataFrame:
        """Survey sessions (no answers) of the caseload, for the to-do list."""
        condition, params = self._visible("participant_id")
        return pd.read_sql_query(
            f"""SELECT id AS session_id, visit, participant_id, programme_id, occasion, instrument_id, status,
                      created_at, completed_at, expires_at, started_at IS NOT NULL AS started,
                      code_hash IS NOT NULL AS code_live
               FROM survey_sessions WHERE participant_id IS NOT NULL AND {condition}""", self._db.conn, params=params)

    @allowed("coach", "admin")
    def caseload_scores(self, instrument_id: str) -> pd.DataFrame:
        """Scored responses of the caseload to one instrument (scales, bands, flags), for the
        caseload table and trends; logged once as a view of the caseload."""
        from indicators.scoring import scored
        from surveys.answers import responses_frame

        instrument = self.catalog.instrument(instrument_id)
        frame = responses_frame(self._db, instrument_id, participants=self._visible_ids())
        audit.log(self._db, self.user, "view_caseload_scores", detail=instrument_id, once_per=audit.VIEW_ONCE_PER)
        meta = frame[["participant_id", "programme_id", "occasion", "completed_at"]]
        if not instrument.scales or frame.empty:
            return meta
        genders = self.caseload()[["participant_id", "gender"]].drop_duplicates("participant_id")
        return scored(instrument, frame, list(meta.columns)).merge(genders, on="participant_id", how="left")

    @allowed("coach", "admin")
    def participant(self, participant_id: int) -> dict:
        self._require_participant(participant_id)
        audit.log(self._db, self.user, "view_participant", participant_id, once_per=audit.VIEW_ONCE_PER)
        from surveys.survey_flow import shared_results

        row = self._db.execute("SELECT id, code, gender, birth_year, coach_id, created_at "
                               "FROM participants WHERE id = ?", [participant_id]).fetchone()
        keys = ["id", "code", "gender", "birth_year", "coach_id", "created_at"]
        person = dict(zip(keys, row))
        person["shared_results"] = shared_results(self._db, participant_id)
        from surveys.path import path_of

        person.update(path_of(self._db, participant_id))
        person["registry_fields"] = values_of(self._db, participant_id)
        person["enrolments"] = [dict(zip(["id", "programme_id", "started_on", "exited_on", "outcome",
                                          "exit_recorded_at"], r)) for r in
                                self._db.execute("SELECT id, programme_id, started_on, exited_on, outcome, "
                                                "exit_recorded_at FROM "
                                                "enrolments WHERE participant_id = ? ORDER BY started_on",
                                                [participant_id])]
        person["consents"] = [dict(zip(["programme_id", "given_on", "text_version", "scope", "withdrawn_on"], r))
                              for r in self._db.execute(CONSENTS, [participant_id])]
        return person

    @allowed("coach", "admin")
    def participant_by_code(self, code: str) -> int:
        """The id behind a participant's code in an address (`/deltagare?kod=…`), if this user may
        see the person. Otherwise AccessDenied, the same whether the code exists or not, logged
        with the person it concerned: a code typed into the address is how snooping would look."""
        code = (code or "").strip()
        row = self._db.execute("SELECT id FROM participants WHERE code = ?", [code]).fetchone()
        try:
            if row is None:
                raise AccessDenied("no such participant in your caseload")
            self._require_participant(row[0])
        except AccessDenied as refusal:
            _log_refusal(self, "participant_by_code", row[0] if row else None)
            refusal.logged = True
            raise
        return row[0]

    @allowed("coach", "admin")
    def participant_answers(self, participant_id: int) -> pd.DataFrame:
        """Every answer of the participant (free text included), with its session."""
        self._require_participant(participant_id)
        audit.log(self._db, self.user, "view_answers", participant_id, once_per=audit.VIEW_ONCE_PER)
        return pd.read_sql_query(
            """SELECT s.id AS session_id, s.occasion, s.instrument_id, s.instrument_version, s.status AS session_status,
                      coalesce(s.completed_at, s.started_at, s.created_at) AS at, a.item_id, a.status,
                      a.value_num, a.value_text, a.other_text, a.value_type
               FROM survey_sessions s JOIN answers a ON a.session_id = s.id
               WHERE s.participant_id = ? ORDER BY at, s.id, a.id""", self._db.conn, params=[participant_id])

    @allowed("coach", "admin")
    def participant_responses(self, participant_id: int, instrument_id: str) -> pd.DataFrame:
        """Completed responses to one instrument, one row each, one column per numeric item."""
        from surveys.answers import responses_frame

        self._require_participant(participant_id)
        audit.log(self._db, self.user, "view_answers", participant_id, instrument_id, once_per=audit.VIEW_ONCE_PER)
        frame = responses_frame(self._db, instrument_id, participants=[participant_id])
        return frame.sort_values("completed_at", kind="stable").reset_index(drop=True)

    @allowed("coach", "admin")
    def register_participant(self, code: str, gender: str, birth_year: int | None, programme_id: str,
                             started_on: str, consent_text_version: str, consent_scope: str,
                             coach_id: int | None = None, referred_by: str | None = None,
                             referred_on: str | None = None, background: dict | None = None) -> int:
        """Register and enrol a participant with their consent, and (given `referred_by`, a
        party the programme declares) the referral that brought them, all or nothing.
        `background`: the programme's start fields for national reporting (`registry_fields`,
        when: start), every required one given; None records none now (they can be added with
        `record_background`)."""
        code = (code or "").strip()
        problem = code_problem(code)
        if problem == "personnummer":
            raise StegvisError(Message("error.code.personnummer"))
        if problem:
            raise StegvisError(Message("error.code.characters", most=MAX_LENGTH))
        if gender not in GENDERS:
            raise StegvisError(Message("error.gender", genders=", ".join(GENDERS)))
        if birth_year is not None and not 1900 <= int(birth_year) <= date.today().year:
            raise StegvisError(Message("error.birth_year", year=birth_year))
        self._works_in(programme_id)  # an administrator works in every programme
        programme = self.catalog.programme(programme_id)
        if background is not None:
            check_values(programme, background, "start")  # before anything is written
        start = _iso(started_on, N_("error.start_not_a_date"))
        if not consent_text_version.strip() or not consent_scope.strip():
            raise StegvisError(Message("error.consent_fields"))
        if self._db.execute("SELECT 1 FROM participants WHERE code = ?", [code]).fetchone():
            raise StegvisError(Message("error.code.taken", code=code))
        owner = self.user.id if self.user.role == "coach" else coach_id
        with transaction(self._db):
            participant_id = self._db["participants"].insert({
                "code": code, "gender": gender, "birth_year": birth_year, "coach_id": owner, "created_at": now()}).last_pk
            self._db["enrolments"].insert({"participant_id": participant_id, "programme_id": programme_id,
                                          "started_on": start})
            record_consent(self._db, participant_id, programme_id, start, consent_text_version.strip(),
                           consent_scope.strip(), self.user.id)
            if referred_by:
                from surveys.path import record_referral

                record_referral(self._db, self.catalog.programme(programme_id), referred_on=referred_on or start,
                                party=referred_by, gender=gender, birth_year=birth_year, decision="inskriven",
                                participant_id=participant_id, recorded_by=self.user.id)
            if background is not None:
                record_values(self._db, programme, participant_id, background, "start", self.user.id, start)
        audit.log(self._db, self.user, "register_participant", participant_id)
        return participant_id

    @allowed("coach", "admin")
    def record_exit(self, enrolment_id: int, exited_on: str, outcome: str, background: dict | None = None) -> None:
        """The exit with its outcome and (`background`) the programme's exit fields for national
        reporting, every required one given, all or nothing; None records none now."""
        row = self._db.execute("SELECT participant_id, programme_id, started_on FROM enrolments WHERE id = ?",
                              [enrolment_id]).fetchone()
        if row is None:
            raise AccessDenied("no such enrolment in your caseload")
        participant_id, programme_id, started_on = row
        self._require_participant(participant_id)
        programme = self.catalog.programme(programme_id)
        known = [o.id for o in programme.outcomes]
        if outcome not in known:
            raise StegvisError(Message("error.exit.outcome", outcome=repr(outcome), programme=programme.name.sv,
                                       known=", ".join(known)))
        exit_day = _iso(exited_on, N_("error.exit_not_a_date"))
        if exit_day < started_on:
            raise StegvisError(Message("error.exit.before_start", exited=exit_day, started=started_on))
        if background is not None:
            check_values(programme, background, "exit")
        with transaction(self._db):
            self._db.execute("UPDATE enrolments SET exited_on = ?, outcome = ?, exit_recorded_at = ?, "
                             "exit_recorded_by = ? WHERE id = ?", [exit_day, outcome, now(), self.user.id, enrolment_id])
            if background is not None:
                record_values(self._db, programme, participant_id, background, "exit", self.user.id, exit_day)
        audit.log(self._db, self.user, "record_exit", participant_id, outcome)

    @allowed("coach", "admin")
    def undo_exit(self, enrolment_id: int) -> None:
        """Take back an exit recorded by mistake, within UNDO_EXIT_HOURS of recording it: the
        enrolment is current again and the exit fields recorded with it are removed; logged."""
        row = self._db.execute("SELECT participant_id, programme_id, exited_on, exit_recorded_at FROM enrolments "
                               "WHERE id = ?", [enrolment_id]).fetchone()
        if row is None:
            raise AccessDenied("no such enrolment in your caseload")
        participant_id, programme_id, exited_on, recorded_at = row
        self._require_participant(participant_id)
        if not exited_on:
            raise StegvisError(Message("error.exit.not_exited"))
        if not exit_undoable(recorded_at):
            raise StegvisError(Message("error.exit.undo_too_late", hours=UNDO_EXIT_HOURS))
        fields = [f.id for f in self.catalog.programme(programme_id).registry_fields_at("exit")]
        with transaction(self._db):
            self._db.execute("UPDATE enrolments SET exited_on = NULL, outcome = NULL, exit_recorded_at = NULL, "
                             "exit_recorded_by = NULL WHERE id = ?", [enrolment_id])
            if fields:
                self._db.execute(f"DELETE FROM registry_values WHERE participant_id = ? AND programme_id = ? "
                                 f"AND field IN ({', '.join('?' * len(fields))})", [participant_id, programme_id, *fields])
        audit.log(self._db, self.user, "undo_exit", participant_id, f"{programme_id} {exited_on}")

    @allowed("coach", "admin")
    def consent_versions(self) -> list[str]:
        """The consent texts in use (the `consent_versions` setting), newest first."""
        from foundation.settings import setting

        return [v.strip() for v in str(setting(self._db, "consent_versions")).split(",") if v.strip()]

    @allowed("coach", "admin")
    def withdraw_consent(self, participant_id: int, programme_id: str, on: str | None = None) -> None:
        self._require_participant(participant_id)
        with transaction(self._db):
            self._db.execute("UPDATE consents SET withdrawn_on = ? WHERE participant_id = ? AND programme_id = ? "
                            "AND withdrawn_on IS NULL", [_iso(on or date.today().isoformat(), N_("error.not_a_date")),
                                                         participant_id, programme_id])
            # open codes stop working: no survey without consent
            self._db.execute("UPDATE survey_sessions SET status = 'cancelled', code_hash = NULL "
                            "WHERE participant_id = ? AND status = 'open'", [participant_id])
        audit.log(self._db, self.user, "withdraw_consent", participant_id, programme_id)

    @allowed("coach", "admin")
    def open_visit(self, participant_id: int, occasion: str, instruments: list[str] | None = None,
                   language: str = "sv", programme_id: str | None = None, again: bool = False):
        """Open a survey visit in the programme named (default: the current enrolment's). `again`
        confirms a second visit at the same occasion on the same day (see surveys.sessions)."""
        self._require_participant(participant_id)
        enrolled = [r[0] for r in self._db.execute(
            "SELECT programme_id FROM enrolments WHERE participant_id = ? "
            "ORDER BY exited_on IS NULL DESC, started_on DESC", [participant_id])]
        if not enrolled or (programme_id is not None and programme_id not in enrolled):
            raise StegvisError(Message("error.not_enrolled"))
        visit, code = open_visit(self._db, self.catalog, programme_id=programme_id or enrolled[0], occasion=occasion,
                                 instruments=instruments, participant_id=participant_id,
                                 created_by=self.user.id, language=language, again=again)
        audit.log(self._db, self.user, "open_survey", participant_id, ",".join(p.instrument_id for p in visit.parts))
        return visit, code

    @allowed("coach", "admin")
    def share_results(self, participant_id: int, instrument_id: str, share: bool) -> None:
        """Show (or stop showing) the participant their own results of one instrument whose
        definition leaves that to the coach."""
        from surveys.survey_flow import share_results

        self._require_participant(participant_id)
        share_results(self._db, participant_id, self.catalog.instrument(instrument_id), bool(share), self.user.id)
        audit.log(self._db, self.user, "share_results" if share else "unshare_results", participant_id, instrument_id)

    @allowed("coach", "admin")
    def caseload_followups(self) -> pd.DataFrame:
        """Follow-up statuses recorded for the caseload (participant, programme, occasion)."""
        condition, params = self._visible("participant_id")
        return pd.read_sql_query(f"SELECT participant_id, programme_id, occasion, year, status FROM followups "
                                 f"WHERE {condition}", self._db.conn, params=params)

    # -- the participant's path: referral, events, parties, follow-ups, extensions -------------

    def _enrolled(self, participant_id: int, programme_id: str):
        self._require_participant(participant_id)
        row = self._db.execute("SELECT id FROM enrolments WHERE participant_id = ? AND programme_id = ? "
                               "ORDER BY started_on DESC", [participant_id, programme_id]).fetchone()
        if row is None:
            raise StegvisError(Message("error.not_enrolled"))
        return self.catalog.programme(programme_id), row[0]

    def _works_in(self, programme_id: str) -> None:
        if programme_id not in self._coach_programmes():
            raise AccessDenied(Message("error.not_coach_in", programme=programme_id))

    @allowed("coach", "admin")
    def record_referral(self, programme_id: str, referred_on: str, party: str, gender: str,
                        birth_year: int | None, decision: str = "vantar", reason: str | None = None,
                        participant_id: int | None = None) -> int:
        """A referral to a programme the user works in: who referred, and what was decided."""
        from surveys.path import record_referral

        self._works_in(programme_id)
        if participant_id is not None:
            self._require_participant(participant_id)
        referral = record_referral(self._db, self.catalog.programme(programme_id), referred_on=referred_on,
                                   party=party, gender=gender, birth_year=birth_year, decision=decision,
                                   reason=reason, participant_id=participant_id, recorded_by=self.user.id)
        audit.log(self._db, self.user, "record_referral", participant_id, f"{programme_id} {party} {decision}")
        return referral

    @allowed("coach", "admin")
    def referrals(self, programme_id: str) -> pd.DataFrame:
        """The programme's referrals (no names: party, gender, year of birth, decision)."""
        self._works_in(programme_id)
        return pd.read_sql_query("SELECT id, referred_on, party, gender, birth_year, decision, reason, decided_on "
                                 "FROM referrals WHERE programme_id = ? ORDER BY referred_on DESC, id DESC",
                                 self._db.conn, params=[programme_id])

    @allowed("coach", "admin")
    def decide_referral(self, referral_id: int, decision: str, reason: str | None = None,
                        participant_id: int | None = None) -> None:
        from surveys.path import decide_referral

        row = self._db.execute("SELECT programme_id FROM referrals WHERE id = ?", [referral_id]).fetchone()
        if row is None or row[0] not in self._coach_programmes():
            raise AccessDenied("no such referral in your programmes")
        if participant_id is not None:
            self._require_participant(participant_id)
        decide_referral(self._db, referral_id, decision, reason=reason, participant_id=participant_id)
        audit.log(self._db, self.user, "decide_referral", participant_id, f"{referral_id} {decision}")

    @allowed("coach", "admin")
    def record_event(self, participant_id: int, programme_id: str, event_id: str, happened_on: str,
                     value: float | None = None) -> None:
        from surveys.path import record_event

        programme, _ = self._enrolled(participant_id, programme_id)
        record_event(self._db, programme, participant_id, event_id, happened_on, value, self.user.id)
        audit.log(self._db, self.user, "record_event", participant_id, event_id)

    @allowed("coach", "admin")
    def set_parties(self, participant_id: int, programme_id: str, parties: list[str]) -> None:
        from surveys.path import set_parties

        programme, _ = self._enrolled(participant_id, programme_id)
        set_parties(self._db, programme, participant_id, list(parties))
        audit.log(self._db, self.user, "set_parties", participant_id, ",".join(parties))

    @allowed("coach", "admin")
    def record_followup(self, participant_id: int, programme_id: str, occasion_id: str, status: str,
                        on: str | None = None, year: int | None = None) -> None:
        """A follow-up's status; `year`: the turn of the year it is for, at a year-end occasion."""
        from surveys.path import record_followup

        programme, _ = self._enrolled(participant_id, programme_id)
        record_followup(self._db, programme, participant_id, occasion_id, status, on, "coach", self.user.id, year)
        audit.log(self._db, self.user, "record_followup", participant_id,
                  f"{occasion_id}{f' {year}' if year else ''} {status}")

    @allowed("coach", "admin")
    def record_extension(self, participant_id: int, programme_id: str, months: int, reason: str) -> None:
        from surveys.path import record_extension

        _, enrolment_id = self._enrolled(participant_id, programme_id)
        record_extension(self._db, enrolment_id, months, reason, recorded_by=self.user.id)
        audit.log(self._db, self.user, "record_extension", participant_id, f"{months} months")

    @allowed("coach", "admin")
    def record_background(self, participant_id: int, programme_id: str, values: dict) -> None:
        """Add or correct fields the programme declares for national reporting (start or exit
        fields; a field left empty keeps what was recorded), all or nothing."""
        programme, _ = self._enrolled(participant_id, programme_id)
        stored = record_values(self._db, programme, participant_id, values, recorded_by=self.user.id)
        audit.log(self._db, self.user, "record_background", participant_id, f"{programme_id}: {stored} fields")

    @allowed("coach", "admin")
    def licence_problem(self, instrument_id: str) -> Message | None:
        """Why a licensed instrument cannot be opened for participants yet, or None."""
        from surveys.sessions import licence_problem

        return licence_problem(self._db, self.catalog.instrument(instrument_id))

    @allowed("coach", "admin")
    def wording(self, instrument_id: str, version: int | None = None, lang: str = "sv"):
        """The installed wording of an instrument (its text pack, or the placeholders)."""
        from surveys.textpacks import WordingSource

        return WordingSource(self._db, self.catalog.instrument(instrument_id, version), lang)

    @allowed("coach", "admin")
    def programmes(self) -> list:
        """Programmes this user works in (admin: all)."""
        mine = self._coach_programmes()
        return [p for p in self.catalog.latest_programmes() if p.id in mine]

    # -- board and admin: aggregates only -----------------------------------------------

    @allowed("admin")
    def aggregate_inputs(self, programme_id: str | None = None,
                         instruments: set[str] | None = None) -> dict[str, pd.DataFrame]:
        """What the board's figures are computed from: enrolments with gender and birth year,
        per instrument (all, or those named) its completed responses with their scale scores and
        numeric answers, and the survey sessions opened. Row-level, so for administrators and
        the board's own computation only; the board role gets protected reports. Cached until
        the data changes."""
        return _aggregates.inputs_for(self._inputs_key(programme_id, instruments),
                                      lambda: self._read_aggregate_inputs(programme_id, instruments))

    def _inputs_key(self, programme_id, instruments) -> tuple:
        from surveys.store import data_version

        return (self._db.execute("PRAGMA database_list").fetchone()[2], programme_id,
                None if instruments is None else frozenset(instruments), data_version(self._db))

    def _read_aggregate_inputs(self, programme_id, instruments) -> dict[str, pd.DataFrame]:
        return read_inputs(self._db, self.catalog, programme_id, instruments)

    def _board_setup(self):
        from indicators.board import board_grid, instruments_used
        from indicators.disclosure import Protection
        from foundation.settings import setting

        used = instruments_used(self.catalog)
        key = self._inputs_key(None, used)
        inputs = _aggregates.inputs_for(key, lambda: self._read_aggregate_inputs(None, used))
        protection = Protection(setting(self._db, "min_cell"), setting(self._db, "protection_interval"))
        grid = board_grid(inputs, date.today(), setting(self._db, "report_period_months"))
        return key, inputs, protection, grid

    def _protected(self, programme_ids: list[str] | None = None) -> dict:
        """Each programme's protected figures over the whole grid (None: every programme), kept
        until the data changes: the part of a first view that takes time."""
        from indicators.board import protect_programme

        key, inputs, protection, grid = self._board_setup()
        return {pid: _aggregates.report_for((key, "protected", pid, protection, grid), self.catalog,
                                            lambda pid=pid: protect_programme(self.catalog, self.catalog.programme(pid),
                                                                              inputs, grid, protection))
                for pid in programme_ids or [p.id for p in self.catalog.latest_programmes()]}

    @allowed("board", "admin")
    def board_periods(self):
        """The grid of periods the board may pick from (completed periods only)."""
        return self._board_setup()[3]

    @allowed("board", "admin")
    def board_report(self, programme_id: str | None, period_id: str):
        """Every figure the board sees for a programme (None: all) and a period of the grid,
        protected with the organisation's k and protection interval."""
        from indicators.board import board_report

        if programme_id is not None:
            self.catalog.programme(programme_id)  # an unknown id is refused before anything is read
        key, inputs, protection, grid = self._board_setup()
        period = grid.period(period_id)
        audit.log(self._db, self.user, "view_board_report", detail=f"{programme_id or 'alla'} {period.id}",
                  once_per=audit.VIEW_ONCE_PER)
        protected = self._protected([programme_id] if programme_id else None)
        # the page reruns on every click: the same figures are not assembled again
        return _aggregates.report_for((key, "report", programme_id, period.id, protection, grid), self.catalog,
                                      lambda: board_report(self.catalog, protected, programme_id, period, grid,
                                                           protection, inputs.get("national")))

    # -- admin ----------------------------------------------------------------------------

    @allowed("admin")
    def users(self) -> list[dict]:
        return list_users(self._db)

    @allowed("admin")
    def add_user(self, username: str, password: str, role: str, display_name: str | None = None,
                 coach_of: list[str] = ()) -> None:
        created = create_user(self._db, username, password, role, display_name=display_name, coach_of=list(coach_of))
        audit.log(self._db, self.user, "add_user", detail=f"{created.username} ({role})")

    @allowed("admin")
    def disable_user(self, username: str) -> None:
        disable_user(self._db, username)
        audit.log(self._db, self.user, "disable_user", detail=username)

    @allowed("admin")
    def enable_user(self, username: str) -> None:
        """Let a disabled account log in again."""
        accounts.enable_user(self._db, username)
        audit.log(self._db, self.user, "enable_user", detail=username)

    @allowed("admin")
    def unlock_user(self, username: str) -> None:
        """End a lock after too many failed logins now."""
        accounts.unlock_user(self._db, username)
        audit.log(self._db, self.user, "unlock_user", detail=username)

    @allowed("admin")
    def reset_password(self, username: str, password: str | None = None) -> str:
        """Give an account a new password: the one given, or (None) a generated one. Returns it,
        to be shown once; the log records that it was reset, never the password."""
        new = password if password is not None else accounts.generate_password()
        accounts.set_password(self._db, username, new)
        audit.log(self._db, self.user, "reset_password",
                  detail=f"{username} ({'generated' if password is None else 'given'})")
        return new

    @allowed("admin")
    def set_user_programmes(self, username: str, programmes: list[str]) -> None:
        """The programmes a coach works in, replacing those before."""
        accounts.set_coach_programmes(self._db, username, list(programmes))
        audit.log(self._db, self.user, "set_user_programmes", detail=f"{username}: {', '.join(programmes) or '-'}")

    @allowed("admin")
    def audit_log(self, participant_id: int | None = None, action: str | None = None, limit: int = 200,
                  actions: list[str] | None = None) -> pd.DataFrame:
        """The newest entries first, with each participant's code beside its row id (an
        administrator may see codes)."""
        return audit.read_log(self._db, participant_id=participant_id, action=action, actions=actions, limit=limit,
                              with_codes=True)

    @allowed("admin")
    def sso_identities(self) -> list[dict]:
        """Identities at the förbund's identity provider and the Stegvis users they log in as."""
        return list_identities(self._db)

    @allowed("admin")
    def link_sso(self, username: str, claim: str, value: str) -> None:
        """Let the person the identity provider names by `claim` ("sub", its subject, or "email",
        a verified address) log in as `username`, with that user's role."""
        link_identity(self._db, username, claim, value)
        audit.log(self._db, self.user, "link_sso", detail=f"{username} {claim}")

    @allowed("admin")
    def unlink_sso(self, claim: str, value: str) -> None:
        unlink_identity(self._db, claim, value)
        audit.log(self._db, self.user, "unlink_sso", detail=claim)

    @allowed("admin")
    def import_file(self, kind: str, upload, progress=None):
        """Participants (`kind` "participants"), exits ("exits") or the NNS's national figures
        ("national") from an uploaded CSV or Excel file (stegvis.files.Upload): every row checked
        first, written all or nothing, logged. National figures replace the years they hold."""
        from stegvis.imports import import_exits, import_national, import_participants

        if kind == "national":
            result = import_national(self._db, self.catalog, upload)
            audit.log(self._db, self.user, "import",
                      detail=f"{upload.label}: {result.figures} national figures ({', '.join(map(str, result.years))})")
            return result
        function = {"participants": import_participants, "exits": import_exits}.get(kind)
        if function is None:
            raise StegvisError(f"unknown import {kind!r}: participants, exits or national")
        result = function(self._db, self.catalog, upload, progress)
        audit.log(self._db, self.user, "import", detail=f"{upload.label}: {result.added} added")
        return result

    # -- survey rounds (admin): anonymous groups' codes ----------------------------------------

    @allowed("admin")
    def rounds(self) -> list:
        """Every survey round, newest first; rounds past their closing day are closed first
        (their unused codes and addresses deleted)."""
        from surveys.rounds import close_due_rounds, list_rounds

        close_due_rounds(self._db)
        return list_rounds(self._db)

    @allowed("admin")
    def rounds_todo(self):
        """The administrator's to-do for rounds: the rounds the programmes and the förbund declare
        that are due this year and not made yet, and the open rounds with days left."""
        from indicators.round_schedule import rounds_todo
        from surveys.rounds import close_due_rounds, list_rounds

        close_due_rounds(self._db)
        return rounds_todo(self.catalog, list_rounds(self._db), current_time().date())

    @allowed("admin")
    def create_round(self, group: str, instruments: list[str], invited: int, closes_on: str,
                     programme_id: str | None = None, declared: str | None = None):
        """A round with one single-use code per person invited (StegvisError naming every
        problem, and nothing created, when any input is wrong). `declared`: the id of the round
        a programme (or, without a programme, the förbund) declares, which it then counts as made."""
        from surveys.rounds import create_round

        round_, _ = create_round(self._db, self.catalog, group=group, instruments=list(instruments),
                                 invited=invited, closes_on=closes_on, programme_id=programme_id,
                                 declared=declared, created_by=self.user.id)
        audit.log(self._db, self.user, "create_round",
                  detail=f"{round_.id}: {group} {round_.invited}" + (f" ({declared})" if declared else ""))
        return round_

    @allowed("admin")
    def round_slips(self, round_id: int) -> bytes:
        """A PDF with a slip for each unused code of an open round; logged as codes handed out."""
        from stegvis.rounds import round_title
        from stegvis.slips import slips_pdf
        from surveys.rounds import get_round, unused_codes

        round_ = self._open_round(round_id)
        codes = [c for _, c in unused_codes(self._db, round_id)]
        audit.log(self._db, self.user, "round_slips", detail=f"{round_id}: {len(codes)} codes")
        return slips_pdf(codes, round_.closes_on, round_title(self.catalog, get_round(self._db, round_id)))

    @allowed("admin")
    def round_codes(self, round_id: int) -> pd.DataFrame:
        """The unused codes of an open round with the address that opens each; logged."""
        from stegvis.qr import survey_url
        from surveys.rounds import unused_codes

        round_ = self._open_round(round_id)
        codes = [c for _, c in unused_codes(self._db, round_id)]
        audit.log(self._db, self.user, "round_codes", detail=f"{round_id}: {len(codes)} codes")
        return pd.DataFrame({"round": round_id, "code": codes, "closes_on": round_.closes_on,
                             "address": [survey_url(c) for c in codes]})

    @allowed("admin")
    def invite_round(self, round_id: int, addresses_text: str) -> int:
        """Mail one code to each address of the text (one per line); every bad line listed and
        nothing sent when one is wrong. Returns how many were sent."""
        from stegvis.mail import invite, read_addresses
        from stegvis.rounds import round_title
        from surveys.rounds import get_round

        addresses = read_addresses(addresses_text)
        sent = invite(self._db, round_id, addresses, round_title(self.catalog, get_round(self._db, round_id)))
        audit.log(self._db, self.user, "round_invite", detail=f"{round_id}: {sent} sent")
        return sent

    @allowed("admin")
    def remind_round(self, round_id: int) -> int:
        from stegvis.mail import remind
        from stegvis.rounds import round_title
        from surveys.rounds import get_round

        sent = remind(self._db, round_id, round_title(self.catalog, get_round(self._db, round_id)))
        audit.log(self._db, self.user, "round_remind", detail=f"{round_id}: {sent} sent")
        return sent

    @allowed("admin")
    def close_round(self, round_id: int):
        from surveys.rounds import close_round

        closed = close_round(self._db, round_id)
        audit.log(self._db, self.user, "close_round", detail=str(round_id))
        return closed

    @allowed("admin")
    def round_free_texts(self, round_id: int) -> list[str]:
        """The free-text answers of a round, for the administrator only (never the board), in
        alphabetical order, not the order given, so nothing says who wrote what."""
        from surveys.rounds import get_round

        get_round(self._db, round_id)
        audit.log(self._db, self.user, "view_round_free_text", detail=str(round_id), once_per=audit.VIEW_ONCE_PER)
        rows = self._db.execute(
            """SELECT a.instrument_id, a.instrument_version, a.item_id, a.value_text
               FROM answers a JOIN survey_sessions s ON s.id = a.session_id
               WHERE s.round_id = ? AND a.value_type = 'text' AND a.status = 'answered'
                 AND trim(coalesce(a.value_text, '')) != ''""", [round_id]).fetchall()
        return sorted(text for instrument_id, version, item_id, text in rows
                      if self.catalog.instrument(instrument_id, version).item(item_id).kind == "free_text")

    def _open_round(self, round_id: int):
        from datetime import date as day

        from surveys.rounds import get_round

        round_ = get_round(self._db, round_id)
        if not round_.is_open(day.today()):
            raise StegvisError(Message("error.round_closed", round=round_id))
        return round_

    @allowed("admin")
    def registry_export(self, programme_id: str, start: str, end: str) -> pd.DataFrame:
        """One pseudonymous row per participant enrolled at some time from `start` to `end`, with
        the programme's declared background and exit fields, for typing into the national
        follow-up system (SUS) or an ESF report (columns in docs/exports.md). Logged as an
        export that holds individuals, so an erasure lists it."""
        from stegvis.exports import registry

        programme = self.catalog.programme(programme_id)
        first, last = _iso(start, N_("error.not_a_date")), _iso(end, N_("error.not_a_date"))
        if first > last:
            raise StegvisError(Message("error.registry.period", start=first, end=last))
        frame = registry(self._db, programme, first, last)
        audit.log(self._db, self.user, "export", detail=f"registry {programme_id} {first} {last} rows={len(frame)}")
        return frame

    @allowed("admin")
    def find_participant(self, code: str) -> int:
        row = self._db.execute("SELECT id FROM participants WHERE code = ?", [code.strip()]).fetchone()
        if row is None:
            raise StegvisError(Message("error.no_participant", code=shown(code)))
        return row[0]

    @allowed("admin")
    def erase_participant(self, participant_id: int, reason: str = "request"):
        from stegvis.privacy import erase

        return erase(self._db, participant_id, reason, self.user)

    @allowed("admin")
    def export_participant(self, participant_id: int) -> dict:
        from stegvis.privacy import subject_access

        return subject_access(self._db, self.catalog, participant_id, self.user)

    @allowed("admin")
    def purge(self, dry_run: bool = True) -> list[dict]:
        from stegvis.privacy import purge

        return purge(self._db, dry_run=dry_run, by=self.user)

    @allowed("admin")
    def set_coaches_see_programme(self, programme_id: str, allowed_: bool) -> None:
        self.catalog.programme(programme_id)
        with transaction(self._db):
            self._db.execute("UPDATE programmes SET coaches_see_programme = ? WHERE id = ?",
                            [int(bool(allowed_)), programme_id])
        audit.log(self._db, self.user, "coaches_see_programme", detail=f"{programme_id}={bool(allowed_)}")

    @allowed("admin")
    def programme_settings(self) -> list[dict]:
        """Each programme with whether its coaches see all its participants (not only their own)."""
        flags = dict(self._db.execute("SELECT id, coaches_see_programme FROM programmes").fetchall())
        return [{"programme": p.id, "name": p.name.sv, "coaches_see_programme": bool(flags.get(p.id))}
                for p in self.catalog.latest_programmes()]

    @allowed("admin")
    def record_permission(self, instrument_id: str, reference: str) -> None:
        """The förbund's permission to use a licensed instrument (a licence number, a letter's date)."""
        from surveys.textpacks import record_permission

        record_permission(self._db, self.catalog.instrument(instrument_id), reference or "", self.user.id)
        audit.log(self._db, self.user, "record_permission", detail=f"{instrument_id}: {(reference or '').strip()}")

    @allowed("admin")
    def install_textpack(self, upload) -> tuple[str, str]:
        """A text pack (licensed wording) from an uploaded YAML file (stegvis.files.Upload): checked
        against its instrument's items first, installed in one transaction or not at all. Every
        problem names the file by its base name, and the line where YAML says so. Returns the
        instrument and language installed."""
        from surveys.definitions import parse_text
        from surveys.models import TextPack
        from surveys.textpacks import install_textpack

        label = upload.label
        if len(upload.data) > TEXTPACK_LIMIT:
            raise StegvisError(Message("error.textpack.too_large", file=label, most=TEXTPACK_LIMIT // 1000))
        try:
            text = upload.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StegvisError(Message("error.textpack.not_text", file=label)) from None
        if not text.strip():
            raise StegvisError(Message("error.textpack.empty", file=label))
        pack = parse_text(text, label)
        if not isinstance(pack, TextPack):
            raise StegvisError(Message("error.textpack.not_a_pack", file=label))
        try:
            instrument = self.catalog.instrument(pack.instrument, pack.version)
        except StegvisError as exc:
            raise StegvisError(Message("error.textpack.instrument", file=label, problem=str(exc))) from None
        install_textpack(self._db, pack, instrument, installed_by=self.user.id, source=label)
        audit.log(self._db, self.user, "install_textpack", detail=f"{pack.instrument} {pack.language} ({label})")
        return pack.instrument, pack.language

    @allowed("admin")
    def licences(self) -> list[dict]:
        """Licensed instruments: whether a permission and a text pack are in place."""
        rows = []
        for instrument in self.catalog.latest_instruments():
            if not (instrument.license and instrument.license.requires_permission):
                continue
            permission = self._db.execute("SELECT reference FROM permissions WHERE instrument_id = ?",
                                         [instrument.id]).fetchone()
            packs = [f"{r[0]} ({r[1]})" for r in self._db.execute(
                "SELECT language, source FROM textpacks WHERE instrument_id = ?", [instrument.id])]
            rows.append({"instrument": instrument.id, "owner": instrument.license.owner,
                         "permission": permission[0] if permission else None, "text packs": ", ".join(packs)})
        return rows

    @allowed("admin")
    def definitions(self) -> list[dict]:
        """Every published definition version: kind, id, version, name, when published, where it
        comes from (`shipped` with Stegvis or the förbund's `folder`) and its file in the folder."""
        from surveys.publish import published

        return published(self._db)


UNDO_EXIT_HOURS = 24


def exit_undoable(recorded_at: str | None) -> bool:
    """An exit recorded through Stegvis less than UNDO_EXIT_HOURS ago (an imported one has no time)."""
    from datetime import datetime, timedelta

    return bool(recorded_at) and current_time() - datetime.fromisoformat(recorded_at) < timedelta(hours=UNDO_EXIT_HOURS)


def public_methods() -> list[str]:
    return [name for name, value in vars(Access).items() if callable(value) and not name.startswith("_")]


def _iso(value, refusal: str) -> str:
    """The date as stored; `refusal` is the catalogue key saying which date was wrong."""
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise StegvisError(Message(refusal, value=repr(value))) from None


def prepare_board(db, catalog: Catalog) -> None:
    """Read the board's inputs and protect every programme, so that the first board view after
    the app starts finds them in memory (`stegvis serve` calls it in the background at start; a
    page that asks meanwhile waits for it rather than doing the same work). Nobody sees
    anything, so nothing is logged."""
    Access(db, None, catalog)._protected()
