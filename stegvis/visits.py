"""The participant's way in: a code opens one visit, and the visit is all the page can reach.
The participant's page holds a `ParticipantVisit` and nothing else: its questions, its
answers, its summary, and afterwards this one person's own results of the instruments they
may see. No method takes a participant id or a session id from the page."""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass

import pandas as pd

from foundation.errors import StegvisError, StorageFault
from foundation.settings import setting
from stegvis import audit
from surveys import survey_flow
from surveys.definitions import Catalog
from surveys.guessing import GUARD, Pause
from surveys.models import Instrument
from surveys.sessions import InvalidCode, get_visit, visit_for_code
from surveys.textpacks import WordingSource


@contextlib.contextmanager
def _storage():
    try:
        yield
    except sqlite3.Error as exc:
        raise StorageFault(f"the answer could not be saved: {exc}") from exc


class CodePaused(StegvisError):
    """Codes are not checked now: this address, or the whole server, sent too many wrong ones."""

    def __init__(self, pause: Pause):
        super().__init__(f"code entry paused ({pause.scope}) for {pause.seconds:.0f} s")
        self.pause = pause


def open_by_code(db, catalog: Catalog, code: str, address: str | None) -> "ParticipantVisit":
    """The visit a code opens. CodePaused while guessing limits hold for this address or the
    server; InvalidCode for a wrong, expired or used code, which counts against the limits
    (the first miss that reaches the server's limit is written to the audit log)."""
    per_minute = setting(db, "code_guesses_per_minute")
    pause = GUARD.pause(address, per_minute)
    if pause:
        raise CodePaused(pause)
    try:
        visit = visit_for_code(db, code)
    except InvalidCode:
        if GUARD.missed(address, per_minute):
            audit.log(db, None, "code_guessing_paused",
                      detail=f"{per_minute} wrong participant codes within a minute; codes are not checked "
                             f"until the minute has room again")
        raise
    return ParticipantVisit(db, catalog, visit.visit)


@dataclass
class _Resume:
    visit_id: str
    database: str
    position: int | None
    last_seen: float


class ResumeTokens:
    """Short-lived tokens that let one browser come back to its visit after a reload or a
    sleeping tablet, without the code. A token is random (144 bits), is not the code and says
    nothing about it, opens only the visit it was issued for, and lives only in this app
    process's memory: it dies when the tablet is left alone for `tablet_idle_minutes`, when
    the participant taps "Klar", when the code is typed again elsewhere (one token per visit)
    and when the server restarts. Threats and limits: docs/reliability.md."""

    def __init__(self, clock=time.monotonic):
        self._clock, self._lock = clock, threading.Lock()
        self._tokens: dict[str, _Resume] = {}

    def issue(self, database: str, visit_id: str) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            for old in [k for k, r in self._tokens.items() if r.visit_id == visit_id and r.database == database]:
                del self._tokens[old]
            self._tokens[token] = _Resume(visit_id, database, None, self._clock())
        return token

    def _live(self, database: str, token: str | None, idle_seconds: float) -> _Resume | None:
        found = self._tokens.get(token) if token else None
        if found is None or found.database != database:
            return None
        if self._clock() - found.last_seen > idle_seconds:
            del self._tokens[token]
            return None
        return found

    def use(self, database: str, token: str | None, idle_seconds: float, position: int | None = None) -> _Resume | None:
        """The live token's visit (and the question last shown), counted as a tap; None once
        the token is unknown or has been idle too long (it is then forgotten)."""
        with self._lock:
            found = self._live(database, token, idle_seconds)
            if found is not None:
                found.last_seen = self._clock()
                if position is not None:
                    found.position = position
            return found

    def alive(self, database: str, token: str | None, idle_seconds: float) -> bool:
        """Whether the token still works, without counting this as a tap."""
        with self._lock:
            return self._live(database, token, idle_seconds) is not None

    def forget(self, token: str | None) -> None:
        with self._lock:
            self._tokens.pop(token, None)


RESUMES = ResumeTokens()  # one per app process, shared by its browser sessions


@dataclass
class OwnResult:
    """One instrument's completed responses of the visit's participant, oldest first."""

    instrument: Instrument
    responses: pd.DataFrame


class ParticipantVisit:
    """One visit, reached by its code. The visit id is never shown: it lives in the server's
    session state, so another browser cannot present it."""

    def __init__(self, db, catalog: Catalog, visit_id: str):
        self._db, self.catalog, self.visit_id = db, catalog, visit_id

    def current(self) -> survey_flow.Current | None:
        """The instrument being answered, with its answers so far; None when all are sent in."""
        return survey_flow.current(self._db, self.catalog, self.visit_id)

    def parts(self) -> list[survey_flow.Current]:
        """Every instrument of the visit not yet sent in, in order, with its answers so far."""
        return survey_flow.open_parts(self._db, self.catalog, self.visit_id)

    def send_in_all(self, parts: list[survey_flow.Current]) -> None:
        """Send in the whole visit at once (follow-up status included), or nothing."""
        for cur in parts:
            self._own(cur)
        with _storage():
            survey_flow.send_in_all(self._db, parts, self._programme(parts[0]) if parts else None)

    def programme_name(self, lang: str) -> str:
        """What the questions call the programme: its name, or the förbund for a round that
        covers the whole förbund."""
        programme_id = get_visit(self._db, self.visit_id).programme_id
        if programme_id is None:
            return "samordningsförbundet" if lang != "en" else "the coordination association"
        return self.catalog.programme(programme_id).name.get(lang)

    def _programme(self, cur: survey_flow.Current):
        """The programme the visit's occasion belongs to (None for a förbund-wide round)."""
        return self.catalog.programme(cur.visit.programme_id) if cur.visit.programme_id else None

    def wording(self, instrument: Instrument, lang: str) -> WordingSource:
        """The installed wording of the instrument (its licensed text pack, or placeholders)."""
        return WordingSource(self._db, instrument, lang)

    def give(self, cur: survey_flow.Current, item_id: str, value=None, *, status: str = survey_flow.ANSWERED,
             other_text: str | None = None):
        """Check and store one answer now (StegvisError for an answer out of range, StorageFault
        when the database cannot take it: nothing is saved and the page says so calmly)."""
        self._own(cur)
        with _storage():
            return survey_flow.give(self._db, cur, item_id, value, status=status, other_text=other_text)

    def send_in(self, cur: survey_flow.Current) -> None:
        self._own(cur)
        with _storage():
            survey_flow.send_in(self._db, cur, self._programme(cur))

    def summary(self, cur: survey_flow.Current, lang: str) -> list[tuple[int, str, str]]:
        self._own(cur)
        return survey_flow.summary(self._db, cur, lang, self.programme_name(lang))

    def own_results(self) -> list[OwnResult]:
        """The participant's own completed responses, per instrument they may see (the
        definition says always, or when the coach has shared it); nobody else's."""
        participant_id = get_visit(self._db, self.visit_id).participant_id
        if participant_id is None:
            return []
        results = []
        for instrument in survey_flow.own_instruments(self._db, self.catalog, participant_id):
            responses = survey_flow.own_responses(self._db, self.catalog, participant_id, instrument)
            if not responses.empty:
                results.append(OwnResult(instrument, responses))
        return results

    def _own(self, cur: survey_flow.Current) -> None:
        if cur.visit.visit != self.visit_id:
            raise StegvisError("that part belongs to another visit")
