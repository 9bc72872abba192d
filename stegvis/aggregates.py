"""The board's inputs, read once and kept in the app process until the data changes (the
board page reruns on every click; at 10,000 participants reading and scoring again would take
longer than the page's budget). Who may read them is decided in stegvis.access."""

from __future__ import annotations

import threading

import pandas as pd

from surveys.definitions import Catalog


class AggregateCache:
    """Aggregate inputs, and the board reports computed from them, kept in the app process until
    the data changes. Inputs are keyed by (database file, programme, instruments, data_version):
    storing inputs of a newer version drops every older one of that database and the reports
    made from them, so a new answer, exit or erasure is never served from memory. Inputs of
    several programmes live side by side, since the board switches between them. Frames are
    shared read-only (pandas copy-on-write keeps callers from changing them); reports are
    built once and never modified afterwards."""

    MAX_INPUTS, MAX_REPORTS = 6, 64

    def __init__(self):
        self.lock = threading.Lock()
        self.inputs: dict[tuple, dict] = {}
        self.reports: dict[tuple, tuple] = {}  # (inputs key, start, end, k) -> (catalog, report)
        self.pending: dict[tuple, threading.Event] = {}  # what some thread is computing now

    def _once(self, key: tuple, cached, compute, keep):
        """`cached()` (under the lock), or `compute()` and `keep(value)`; a thread asking for what
        another is computing waits for it instead of doing the same work beside it (two board
        members at once, or a page during the warm-up at start). If that thread fails, the
        waiting one computes."""
        while True:
            with self.lock:
                found = cached()
                if found is not None:
                    return found
                busy = self.pending.get(key)
                if busy is None:
                    self.pending[key] = threading.Event()
            if busy is None:
                break
            busy.wait()
        try:
            value = compute()
            with self.lock:
                keep(value)
            return value
        finally:
            with self.lock:
                self.pending.pop(key).set()

    def inputs_for(self, key: tuple, read):
        def keep(found):
            stale = [k for k in self.inputs if k[0] == key[0] and k[-1] != key[-1]]
            while len(self.inputs) - len(stale) >= self.MAX_INPUTS:
                stale.append(next(k for k in self.inputs if k not in stale))  # the oldest
            for old in stale:
                del self.inputs[old]
            self.reports = {k: v for k, v in self.reports.items() if k[0] in self.inputs}
            self.inputs[key] = found

        return self._once(("inputs", key), lambda: self.inputs.get(key), read, keep)

    def report_for(self, key: tuple, catalog, compute):
        def cached():
            found = self.reports.get(key)
            return found[1] if found is not None and found[0] is catalog else None

        def keep(report):
            if key[0] in self.inputs:  # still current
                if len(self.reports) >= self.MAX_REPORTS:  # any number of date ranges can be picked
                    self.reports.clear()
                self.reports[key] = (catalog, report)

        return self._once(("report", key), cached, compute, keep)

    def clear(self) -> None:
        with self.lock:
            self.inputs.clear()
            self.reports.clear()


def read_inputs(db, catalog: Catalog, programme_id: str | None,
                instruments: set[str] | None) -> dict[str, pd.DataFrame]:
    """What the board's figures are computed from, read in SQL: enrolments with gender and birth
    year, per instrument its completed responses with their scores, the survey sessions and
    rounds, and the national figures."""
    from indicators.national import read_figures
    from indicators.stored_scores import completed_scores

    where = "WHERE e.programme_id = ?" if programme_id else ""
    enrolments = pd.read_sql_query(
        f"""SELECT e.participant_id, p.gender, p.birth_year, e.programme_id, e.started_on, e.exited_on, e.outcome
            FROM enrolments e JOIN participants p ON p.id = e.participant_id {where}""",
        db.conn, params=[programme_id] if programme_id else [])
    for column in ("started_on", "exited_on"):  # parsed once here, not in every figure
        enrolments[column] = pd.to_datetime(enrolments[column], format="ISO8601")
    scored = {}
    for instrument in catalog.latest_instruments():
        if instruments is not None and instrument.id not in instruments:
            continue
        frame = completed_scores(db, instrument, programme_id=programme_id)
        if not frame.empty:
            scored[instrument.id] = frame.drop(columns=["instrument_version"])
    sessions = pd.read_sql_query(  # for response rates and indicator results: one row per session
        f"""SELECT id AS session_id, instrument_id, programme_id, respondent_group, participant_id, occasion,
                   round_id, substr(created_at, 1, 10) AS created_on,
                   CASE WHEN status = 'completed' THEN substr(completed_at, 1, 10) END AS completed_on
            FROM survey_sessions {'WHERE programme_id = ?' if programme_id else ''}""",
        db.conn, params=[programme_id] if programme_id else [])
    for column in ("created_on", "completed_on"):
        sessions[column] = pd.to_datetime(sessions[column], format="ISO8601")
    rounds = pd.read_sql_query(  # a round's invited are the denominator of its response rate
        f"""SELECT r.id AS round_id, r.programme_id, r.respondent_group,
                   json_extract(i.value, '$.id') AS instrument_id, r.invited, r.opened_on
            FROM rounds r, json_each(r.instruments) i {'WHERE r.programme_id = ?' if programme_id else ''}""",
        db.conn, params=[programme_id] if programme_id else [])
    rounds["opened_on"] = pd.to_datetime(rounds["opened_on"], format="ISO8601")
    from surveys.answers import choice_answers
    from surveys.path import path_frames

    # the options chosen in the choice questions an instrument shows the board (board_choices)
    choices = {i.id: choice_answers(db, i, i.board_choices, programme_id)
               for i in catalog.latest_instruments() if i.board_choices}
    # the NNS's published figures, shown beside the board's own (public: not protected)
    return {"enrolments": enrolments, "scores": scored, "sessions": sessions, "rounds": rounds,
            "path": path_frames(db, programme_id), "national": read_figures(db), "choices": choices}
