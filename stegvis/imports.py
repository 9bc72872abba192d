"""Imports from spreadsheets (CSV or Excel) for organisations moving to Stegvis: every row
is checked first; on any error nothing is written and every bad row is listed; importing
the same file again changes nothing."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from surveys.models import GENDERS
from foundation.errors import StegvisError
from foundation.texts import Listed, Message, N_
from stegvis.files import Upload, read_columns, read_table
from stegvis.pseudonyms import MAX_LENGTH, code_problem, shown
from surveys.definitions import Catalog
from foundation.db import insert_columns, now, transaction
from surveys.store import consent_text_ids, counted_once, indexes_built_after

PARTICIPANT_COLUMNS = ["code", "gender", "birth_year", "programme", "started_on"]
OPTIONAL_PARTICIPANT_COLUMNS = ["coach", "consent_version", "consent_scope"]
EXIT_COLUMNS = ["code", "programme", "exited_on", "outcome"]


@dataclass
class ImportResult:
    added: int = 0
    unchanged: int = 0
    problems: list[Message] = field(default_factory=list)


def _require(frame, columns: list[str], source: str) -> None:
    """`frame`: a pandas DataFrame or a pyarrow Table."""
    present = set(frame.column_names if hasattr(frame, "column_names") else frame.columns)
    missing = [c for c in columns if c not in present]
    if missing:
        raise StegvisError(Message("import.missing_columns", source=source, missing=", ".join(missing),
                                   columns=", ".join(columns)))


class ImportRefused(StegvisError):
    """A file refused for its rows: `problems`, a Message each (`rad N, kolumn C: värde: skäl`;
    row 1 is the header), under `headline`. The message says them all, one a line; a page says
    the first and offers the rest. Worded when said, not when refused (a StegvisError words its
    message at once): a page showing the first hundred of a million problems words only those.

    Each problem's text holds its place itself, from plain values (`row`, `column`): a file
    wrong in every row has a million problems, and with the place as a Message inside each,
    Python's garbage collector walked them all again and again."""

    def __init__(self, source: str, problems: list[Message]):
        self.headline = Message("import.refused", source=source, count=len(problems))
        self.problems = problems
        Exception.__init__(self, source, problems)
        self.message = Listed([self.headline, *problems])

    def __str__(self) -> str:
        return self.say()


def _refuse_if_problems(source: str, problems: list[Message]) -> None:
    """Every problem at once, before anything is written."""
    if problems:
        raise ImportRefused(source, problems)


def _date(value, problems: list[Message], number: int, column: str) -> str | None:
    """The day in row `number`, `column`; the place is worded only for a problem (a million rows
    have millions of right cells)."""
    try:
        return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        problems.append(Message("import.date", row=number, column=column, value=shown(value)))
        return None


def _cell(row: dict, column: str) -> str:
    value = row.get(column)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


# Codes are checked as on the registration form (stegvis/pseudonyms.py): they end up in pages,
# file names and exports, so a code is short, plain and never a personnummer.
CODE_PROBLEMS = {
    "blank": N_("import.code.blank"),
    "length": N_("import.code.length"),
    "characters": N_("import.code.characters"),
    "personnummer": N_("import.code.personnummer"),
}
# Free-text cells (consent version and scope) are short labels, never documents.
MAX_TEXT = 200
_CONTROL = re.compile(r"[\x00-\x1f]")


def _text(row: dict, column: str, problems: list[Message], number: int) -> str:
    value = _cell(row, column)
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        problems.append(Message("import.text", row=number, column=column, value=shown(value), most=MAX_TEXT))
    return value


@dataclass
class _Checked:
    """A column checked once per distinct value: `values[codes]` and `right[codes]` are each
    row's value and whether it is right."""

    values: np.ndarray  # object: one per distinct cell, and last the value of an empty cell
    right: np.ndarray  # bool, alongside values
    codes: np.ndarray  # int: each row's place in values

    def per_row(self) -> list:
        return self.values[self.codes].tolist()


def _per_value(column, function) -> _Checked:
    """`function(cell)`, which gives (value, whether it is right), for every cell of `column`
    (pyarrow text), called once per distinct value: a million rows hold a handful of genders,
    programmes and dates."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):  # one dictionary for every chunk
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary.to_pylist()
    results = [function(value) for value in distinct] + [function(None)]  # an empty cell: the last
    codes = pc.fill_null(encoded.indices, len(distinct)).to_numpy()
    return _Checked(np.array([value for value, _ in results], dtype=object),
                    np.array([ok for _, ok in results], dtype=bool), codes)


# A code the registration form accepts as it is (2–32 of A–Z, digits, '-', '_', nothing to strip)
# with fewer than ten digits, which every personnummer pattern needs (stegvis/pseudonyms.py).
_PLAIN_CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$"
_TEN_DIGITS = r"([0-9][^0-9]*){10}"


def _plain_codes(texts) -> np.ndarray:
    """Which codes (pyarrow text) `code_problem` certainly accepts, checked for the whole column
    at once; the others are checked one by one."""
    plain = pc.and_kleene(pc.match_substring_regex(texts, _PLAIN_CODE),
                          pc.invert(pc.match_substring_regex(texts, _TEN_DIGITS)))  # counting: 13 times as long
    return pc.fill_null(plain, False).to_numpy(zero_copy_only=False)


def import_participants(db, catalog: Catalog, path: Path | Upload, progress=None) -> ImportResult:
    """Participants, their enrolments and consents. Each column's distinct values are checked
    once and the codes as a whole column; only rows where something may be wrong (an unusual
    value, a code used twice, a participant already registered otherwise) go through the
    row-by-row check that words the problems. Nothing is written unless every row is right.

    The checked rows are put in a temporary table and compared with those registered, and
    written, by SQLite itself: a million rows never pass one by one through Python twice,
    and the registered participants are never held in memory."""
    table = read_columns(path)  # text columns, no Python object per cell: see stegvis.files
    source = path.label if isinstance(path, Upload) else str(path)
    _require(table, PARTICIPANT_COLUMNS, source)
    result = ImportResult()
    total = table.num_rows
    coaches = {r[0]: r[1] for r in db.execute("SELECT username, id FROM users WHERE role = 'coach'")}
    programmes = {p.id for p in catalog.latest_programmes()}
    today = date.today().year

    def column(name):
        return table[name] if name in table.column_names else pa.nulls(total, pa.string())

    def gender_of(value):
        gender = _cell({"v": value}, "v").lower()
        return gender, gender in GENDERS

    def year_of(value):
        birth = _cell({"v": value}, "v")
        year = int(birth) if re.fullmatch(r"[0-9]{4}", birth) else None  # isdigit() accepts '²'
        return year, not (birth and not (year and 1900 <= year <= today))

    def programme_of(value):
        programme = _cell({"v": value}, "v")
        return programme, programme in programmes

    def started_of(value):
        problems = []
        return _date(value, problems, 0, ""), not problems

    def coach_of(value):
        coach = _cell({"v": value}, "v")
        return coaches.get(coach), not coach or coach in coaches

    def text_of(value):
        problems = []
        return _text({"v": value}, "v", problems, 0), not problems

    checked = {name: _per_value(column(name), function) for name, function in (
        ("gender", gender_of), ("birth_year", year_of), ("programme", programme_of), ("started_on", started_of),
        ("coach", coach_of), ("consent_version", text_of), ("consent_scope", text_of))}
    if progress:
        progress(total // 3, total)
    plain = _plain_codes(table["code"])
    codes = table["code"].to_pylist()
    for position in np.flatnonzero(~plain).tolist():
        codes[position] = _cell({"code": codes[position]}, "code")
    twice = (np.zeros(total, dtype=bool) if len(set(codes)) == total  # the usual file: each code once
             else pd.Series(codes, dtype=object).duplicated(keep=False).to_numpy())
    first_row = {}  # each code used more than once: the row it first appears on
    for position in np.flatnonzero(twice).tolist():
        first_row.setdefault(codes[position], position + 2)
    suspect = ~plain | twice
    for column_checked in checked.values():
        suspect |= ~column_checked.right[column_checked.codes]
    consent_texts, consent_of_row = _consent_pairs(checked["consent_version"], checked["consent_scope"])
    values = {name: checked[name].per_row() for name in ("gender", "birth_year", "programme", "started_on", "coach")}
    del checked

    def refuse_if_wrong(registered_otherwise: np.ndarray) -> None:
        """Every problem of the rows that may be wrong, worded; the file refused if there is one."""
        suspect[registered_otherwise] = True
        positions = np.flatnonzero(suspect).tolist()
        otherwise = set(registered_otherwise.tolist())
        for start in range(0, len(positions), 10_000):  # rows as dicts a few at a time: a million take 1 GB
            batch = positions[start:start + 10_000]
            for position, row in zip(batch, table.take(pa.array(batch, type=pa.int64())).to_pylist()):
                _check_participant_row(position + 2, row, result.problems, first_row, coaches, programmes,
                                       position in otherwise, today)
        _refuse_if_problems(source, result.problems)
        suspect[:] = False  # all right: not worded again

    if not _anyone_registered(db):
        refuse_if_wrong(np.array([], dtype=np.int64))  # nothing to compare with: refused without staging the file
    usernames = {ident: username for username, ident in coaches.items()}
    referenced = {"programmes": {p: Message("import.gone.programme", name=shown(p))
                                 for p in sorted(set(values["programme"]), key=shown)},
                  "users": {c: Message("import.gone.coach", name=shown(usernames[c]))
                            for c in sorted(set(values["coach"]) - {None}, key=lambda c: shown(usernames[c]))}}
    with _references_checked_once(db), transaction(db), _large_cache(db):
        # The staged rows live in this connection's own temporary file, gone when it closes:
        # overwriting them with zeros when dropped (secure_delete, for the database) costs 0.2 s.
        db.execute("PRAGMA temp.secure_delete = OFF")
        db.execute(f"CREATE TEMP TABLE {_STAGED} (row INTEGER PRIMARY KEY, code TEXT, gender TEXT, "
                   "birth_year INTEGER, programme TEXT, started_on TEXT, coach_id INTEGER, consent_text_id INTEGER, "
                   "registered_id INTEGER)")
        # Each consent text the file gives, stored once (or found): a row's consent is its id.
        given = [text for text in consent_texts if text]
        found = dict(zip(given, consent_text_ids(db, given)))
        text_ids = np.array([found.get(text) for text in consent_texts], dtype=object)
        insert_columns(db, _STAGED, {"row": range(total), "code": codes, **{name: values[name] for name in (
            "gender", "birth_year", "programme", "started_on")}, "coach_id": values["coach"],
            "consent_text_id": text_ids[consent_of_row].tolist()})
        if progress:
            progress(2 * total // 3, total)
        refuse_if_wrong(_registered_otherwise(db))  # the registered as they are now, with the write lock held
        if progress:
            progress(total, total)
        del table, codes, values
        pa.default_memory_pool().release_unused()  # the file's columns, given back before the write needs the room
        result.added, result.unchanged = _write_staged(db, referenced)
    return result


_STAGED = "temp.import_participants"


def _consent_pairs(version: _Checked, scope: _Checked) -> tuple[list, np.ndarray]:
    """The distinct consent texts of a file, (version, scope) or None where a row gives no
    consent (either is empty), and each row's place among them."""
    pair = version.codes.astype(np.int64) * len(scope.values) + scope.codes
    distinct, of_row = np.unique(pair, return_inverse=True)
    texts = [(version.values[p // len(scope.values)], scope.values[p % len(scope.values)]) for p in distinct.tolist()]
    return [text if all(text) else None for text in texts], of_row


def _anyone_registered(db) -> bool:
    return db.execute("SELECT 1 FROM participants LIMIT 1").fetchone() is not None


def _registered_otherwise(db) -> np.ndarray:
    """Links each staged row to the participant registered with its code, and returns the rows
    (0-based) whose participant is registered with other details: another gender or birth year,
    or no enrolment in that programme from that day."""
    if not _anyone_registered(db):
        return np.array([], dtype=np.int64)
    db.execute(f"UPDATE {_STAGED} AS i SET registered_id = p.id FROM participants p WHERE p.code = i.code")
    rows = db.execute(
        f"SELECT i.row FROM {_STAGED} i JOIN participants p ON p.id = i.registered_id "
        "WHERE p.gender IS NOT i.gender OR p.birth_year IS NOT i.birth_year OR NOT EXISTS ("
        "SELECT 1 FROM enrolments e WHERE e.participant_id = p.id AND e.programme_id IS i.programme "
        "AND e.started_on IS i.started_on)").fetchall()
    return np.array([row for row, in rows], dtype=np.int64)


def _write_staged(db, referenced: dict[str, dict]) -> tuple[int, int]:
    """The staged rows of participants not yet registered, with their enrolments and consents
    (when the row gives one); (added, already there). A new participant's id is the row's place
    in the file after the highest id so far, so all three tables take it without a lookup (ids
    of rows already registered are skipped; an id is never shown). `referenced`: the ids the
    rows point at in other tables (programmes, users; each id with a Message naming it, in the
    order a message lists them),
    checked here once each instead of by SQLite for every row (see `_references_checked_once`)."""
    staged, registered = db.execute(f"SELECT count(*), count(registered_id) FROM {_STAGED}").fetchone()
    for table, names in referenced.items():
        found = {ident for ident, in db.execute(
            f"SELECT id FROM {table} WHERE id IN ({', '.join('?' for _ in names)})", list(names))}
        if gone := [name for ident, name in names.items() if ident not in found]:
            raise StegvisError(Message("import.gone", names=Listed(gone, ", ")))
    if staged > registered:
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM participants").fetchone()[0]
        new = f"SELECT {int(first)} + row AS id, * FROM {_STAGED} WHERE registered_id IS NULL"
        tables = ["participants", "enrolments", "consents"]
        fewer_there = db.execute("SELECT count(*) FROM participants").fetchone()[0] < staged - registered
        with counted_once(db, tables), (indexes_built_after(db, tables) if fewer_there else contextlib.nullcontext()):
            db.execute(f"INSERT INTO participants (id, code, gender, birth_year, coach_id, created_at) "
                       f"SELECT id, code, gender, birth_year, coach_id, ? FROM ({new})", [now()])
            db.execute(f"INSERT INTO enrolments (participant_id, programme_id, started_on) "
                       f"SELECT id, programme, started_on FROM ({new})")
            db.execute(f"INSERT INTO consents (participant_id, programme_id, given_on, text_id) "
                       f"SELECT id, programme, started_on, consent_text_id FROM ({new}) "
                       "WHERE consent_text_id IS NOT NULL")
    db.execute(f"DROP TABLE {_STAGED}")
    return staged - registered, registered


@contextlib.contextmanager
def _references_checked_once(db):
    """SQLite's per-row foreign-key checks off for this connection while a large import writes
    (they were a fifth of its time): every programme and coach the rows name is checked once,
    inside the write's transaction (`_write_staged`), and the participant ids the enrolments and
    consents name are the ones the same transaction writes. Inside a transaction already, the
    setting cannot change and SQLite keeps checking."""
    before = db.execute("PRAGMA foreign_keys").fetchone()[0]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        db.execute(f"PRAGMA foreign_keys = {int(before)}")


@contextlib.contextmanager
def _large_cache(db, mebibytes: int = 256):
    """A page cache that holds the indexes a large import writes to: with SQLite's default of
    2 MB, a million rows in one transaction spill pages to the log and read them back again,
    and the time grows faster than the rows. For this connection, while the import runs."""
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = -{mebibytes * 1024}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(before)}")


def _check_participant_row(number: int, row: dict, problems: list[Message], first_row: dict[str, int],
                           coaches: dict, programmes: set, registered_otherwise: bool, this_year: int) -> None:
    """Every problem of one row, worded for the person who fixes the file (row 1 is the header)."""
    code, gender, programme = _cell(row, "code"), _cell(row, "gender").lower(), _cell(row, "programme")
    birth = _cell(row, "birth_year")
    problem = code_problem(code)
    if problem:
        problems.append(Message(CODE_PROBLEMS[problem], row=number, column="code", value=shown(code), most=MAX_LENGTH))
    elif first_row.get(code, number) < number:
        problems.append(Message("import.already_on_row", row=number, column="code", value=shown(code),
                                first=first_row[code]))
    if gender not in GENDERS:
        problems.append(Message("import.gender", row=number, column="gender", value=shown(row.get("gender")),
                                genders=", ".join(GENDERS)))
    year = int(birth) if re.fullmatch(r"[0-9]{4}", birth) else None  # isdigit() accepts '²'
    if birth and not (year and 1900 <= year <= this_year):
        problems.append(Message("import.birth_year", row=number, column="birth_year", value=shown(birth)))
    if programme not in programmes:
        problems.append(Message("import.programme", row=number, column="programme", value=shown(programme),
                                programmes=", ".join(sorted(programmes))))
    _date(row.get("started_on"), problems, number, "started_on")
    coach = _cell(row, "coach")
    if coach and coach not in coaches:
        problems.append(Message("import.coach", row=number, column="coach", value=shown(coach)))
    if registered_otherwise:
        problems.append(Message("import.registered_otherwise", row=number, value=shown(code)))
    _text(row, "consent_version", problems, number)
    _text(row, "consent_scope", problems, number)


def import_exits(db, catalog: Catalog, path: Path | Upload, progress=None) -> ImportResult:
    frame = read_table(path)
    source = path.label if isinstance(path, Upload) else str(path)
    _require(frame, EXIT_COLUMNS, source)
    result = ImportResult()
    enrolments = {(r[0], r[1]): r[2:] for r in db.execute(
        "SELECT p.code, e.programme_id, e.id, e.started_on, e.exited_on, e.outcome FROM enrolments e "
        "JOIN participants p ON p.id = e.participant_id")}
    updates, seen = [], {}
    for number, row in enumerate(frame.to_dict("records"), start=2):
        code, programme, outcome = _cell(row, "code"), _cell(row, "programme"), _cell(row, "outcome")
        key = (code, programme)
        if key in seen:
            result.problems.append(Message("import.already_on_row", row=number, column="code", value=shown(code),
                                           first=seen[key]))
        seen.setdefault(key, number)
        if key not in enrolments:
            result.problems.append(Message("import.not_enrolled", row=number, column="code", value=shown(code),
                                           programme=shown(programme)))
            continue
        known = [o.id for o in catalog.programme(programme).outcomes]
        if outcome not in known:
            result.problems.append(Message("import.exit.outcome", row=number, column="outcome", value=shown(outcome),
                                           programme=programme, outcomes=", ".join(known)))
        exited = _date(row.get("exited_on"), result.problems, number, "exited_on")
        enrolment_id, started, old_exit, old_outcome = enrolments[key]
        if exited and exited < started:
            result.problems.append(Message("import.exit.before_start", row=number, column="exited_on", exited=exited,
                                           started=started))
        if old_exit and (old_exit, old_outcome) != (exited, outcome):
            result.problems.append(Message("import.exit.already", row=number, value=shown(code),
                                           exited=old_exit, outcome=old_outcome))
        updates.append((enrolment_id, exited, outcome, bool(old_exit)))
        if progress:
            progress(number - 1, len(frame))
    _refuse_if_problems(source, result.problems)
    with transaction(db):
        for enrolment_id, exited, outcome, already in updates:
            if already:
                result.unchanged += 1
                continue
            db.execute("UPDATE enrolments SET exited_on = ?, outcome = ? WHERE id = ?", [exited, outcome, enrolment_id])
            result.added += 1
    return result


EVENT_COLUMNS = ["code", "programme", "event", "happened_on"]  # optional: value


def import_events(db, catalog: Catalog, path: Path | Upload, progress=None) -> ImportResult:
    """Events during the programme (started work, praktik, work ability clarified …), one per
    row: every row checked against the participant's enrolment and the programme's declared
    events first, and nothing written if one is wrong. A row already recorded (same person,
    event and day) is left as it is."""
    from surveys.path import record_event

    frame = read_table(path)
    source = path.label if isinstance(path, Upload) else str(path)
    _require(frame, EVENT_COLUMNS, source)
    result = ImportResult()
    enrolments = {(r[0], r[1]): (r[2], r[3], r[4]) for r in db.execute(
        "SELECT p.code, e.programme_id, p.id, e.started_on, e.exited_on FROM enrolments e "
        "JOIN participants p ON p.id = e.participant_id")}
    existing = set(db.execute("SELECT participant_id, programme_id, event, happened_on FROM events").fetchall())
    rows, seen = [], set()
    for number, row in enumerate(frame.to_dict("records"), start=2):
        code, programme_id, event = _cell(row, "code"), _cell(row, "programme"), _cell(row, "event")
        if (code, programme_id) not in enrolments:
            result.problems.append(Message("import.not_enrolled", row=number, column="code", value=shown(code),
                                           programme=shown(programme_id)))
            continue
        programme = catalog.programme(programme_id)
        known = [e.id for e in programme.events]
        if event not in known:
            result.problems.append(Message("import.event.unknown", row=number, column="event", value=shown(event),
                                           programme=programme_id,
                                           events=", ".join(known) or Message("import.event.none_declared")))
            continue
        day = _date(row.get("happened_on"), result.problems, number, "happened_on")
        participant_id, started, exited = enrolments[(code, programme_id)]
        if day and (day < started or (exited and day > exited)):
            result.problems.append(Message("import.event.outside", row=number, column="happened_on", day=day,
                                           started=started, end=exited or Message("import.event.still_enrolled")))
        raw_value = _cell(row, "value") if "value" in row else ""
        value = None
        if raw_value:
            try:
                value = float(raw_value.replace(",", "."))
            except ValueError:
                result.problems.append(Message("import.not_a_number", row=number, column="value",
                                               value=shown(raw_value)))
            if programme.event(event).value_label is None:
                result.problems.append(Message("import.event.no_value", row=number, column="value", event=event))
        key = (participant_id, programme_id, event, day)
        if key in seen:
            result.problems.append(Message("import.event.twice", row=number))
        seen.add(key)
        rows.append((programme, participant_id, event, day, value, key in existing))
        if progress:
            progress(number - 1, len(frame))
    _refuse_if_problems(source, result.problems)
    with transaction(db):
        for programme, participant_id, event, day, value, already in rows:
            if already:
                result.unchanged += 1
                continue
            record_event(db, programme, participant_id, event, day, value)
            result.added += 1
    return result


NATIONAL_COLUMNS = ["year", "indicator", "group", "n"]  # and share or mean (or both)


@dataclass
class NationalImport:
    figures: int
    years: list[int]
    replaced: dict[int, int]  # year -> figures it held before this import


def _number(text: str) -> tuple[float | None, bool]:
    """A decimal as Swedish or English spreadsheets write it ("0,72", "0.72", "72 %"), and
    whether it was a percentage. (None, False) when it is not a number."""
    cleaned = text.replace("\u00a0", " ").replace(" ", "").replace("\u2212", "-")
    percent = cleaned.endswith("%")
    cleaned = cleaned.rstrip("%").replace(",", ".")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?|-?\.[0-9]+", cleaned):
        return None, percent
    return float(cleaned), percent


def check_national(frame: pd.DataFrame, catalog: Catalog) -> tuple[list, list[Message]]:
    """Every row of a national-figures table as a `NationalFigure`, and every problem found,
    `rad N, kolumn C: värde: skäl` (row 1 is the header)."""
    from indicators.national import NationalFigure, asked_of

    asked = asked_of(catalog)
    groups = sorted({g for found in asked.values() for g in found})
    figures, problems, seen = [], [], {}
    latest = date.today().year
    for number, row in enumerate(frame.to_dict("records"), start=2):
        year_text, indicator, group = _cell(row, "year"), _cell(row, "indicator"), _cell(row, "group")
        year_text = year_text[:-2] if re.fullmatch(r"[0-9]{4}\.0", year_text) else year_text  # Excel's 2025.0
        year = int(year_text) if re.fullmatch(r"[0-9]{4}", year_text) else None
        if year is None or not 2000 <= year <= latest:
            problems.append(Message("import.national.year", row=number, column="year", value=shown(year_text),
                                    latest=latest))
        if indicator not in asked:
            problems.append(Message("import.national.indicator", row=number, column="indicator", value=shown(indicator),
                                    indicators=", ".join(sorted(asked))))
        if group not in groups:
            problems.append(Message("import.national.group", row=number, column="group", value=shown(group),
                                    groups=", ".join(groups)))
        elif indicator in asked and group not in asked[indicator]:
            problems.append(Message("import.national.not_asked", row=number, column="group", value=shown(group),
                                    indicator=indicator, groups=", ".join(sorted(asked[indicator]))))
        share_text, mean_text, n_text = _cell(row, "share"), _cell(row, "mean"), _cell(row, "n")
        share = mean = None
        if share_text:
            share, percent = _number(share_text)
            if share is not None and percent:
                share /= 100
            if share is None or not 0 <= share <= 1:
                if share is not None and 1 < share <= 100:
                    problems.append(Message("import.national.share_percent", row=number, column="share",
                                            value=shown(share_text)))
                else:
                    problems.append(Message("import.national.share", row=number, column="share",
                                            value=shown(share_text)))
                share = None
        if mean_text:
            mean, percent = _number(mean_text)
            if mean is None or percent:
                problems.append(Message("import.not_a_number", row=number, column="mean", value=shown(mean_text)))
                mean = None
        if not share_text and not mean_text:
            problems.append(Message("import.national.neither", row=number))
        n_digits = n_text[:-2] if re.fullmatch(r"[0-9]+\.0", n_text) else n_text
        n = int(n_digits) if re.fullmatch(r"[0-9]{1,9}", n_digits) else None
        if n is None:
            problems.append(Message("import.national.n", row=number, column="n", value=shown(n_text)))
        key = (year, indicator, group)
        if year is not None and key in seen:
            problems.append(Message("import.national.twice", row=number, year=year, indicator=indicator,
                                    group=group, first=seen[key]))
        seen.setdefault(key, number)
        if year is not None and n is not None and (share is not None or mean is not None):
            figures.append(NationalFigure(year, indicator, group, share, mean, n))
    return figures, problems


def import_national(db, catalog: Catalog, path: Path | Upload) -> NationalImport:
    """National figures (year, indicator, group, share and/or mean, n) from CSV or Excel. Every
    row is checked first; on any problem nothing is written and every bad row is listed. Each
    year in the file replaces that year's figures already stored (the NNS may revise them)."""
    from indicators.national import replace_years

    frame = read_table(path)
    source = path.label if isinstance(path, Upload) else str(path)
    _require(frame, NATIONAL_COLUMNS, source)
    if "share" not in frame.columns and "mean" not in frame.columns:
        raise StegvisError(Message("import.national.share_or_mean", source=source))
    if frame.empty:
        raise StegvisError(Message("import.no_rows", source=source))
    figures, problems = check_national(frame, catalog)
    _refuse_if_problems(source, problems)
    replaced = replace_years(db, figures, Path(source).name)
    return NationalImport(len(figures), sorted(replaced), {y: n for y, n in replaced.items() if n})
