"""Answers: checking one against its item, storing it the moment it is given, and
reading stored answers back as one row per response for scoring."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from foundation.errors import StegvisError
from foundation.texts import Message
from surveys.models import Instrument, Item
from foundation.db import now, transaction

MAX_TEXT = 20_000  # characters; a free-text answer longer than this is refused, not cut

ANSWERED, SKIPPED, DONT_KNOW = "answered", "skipped", "dont_know"

# What an answered row's value is (answers.value_type). Stored, never guessed from the value:
# free text may look like anything, "[inget att tillägga]" and "42" included.
NUMBER, TEXT, LIST = "number", "text", "list"  # LIST: a JSON list of choice ids in value_text


class AnswerRefused(StegvisError):
    """An answer the definition does not take. `str()` names the item (for the command line and
    imports); `say(lang)` is the reason alone, in the participant's words: the question is on
    their screen."""

    def __init__(self, where: str, message: Message):
        super().__init__(message)
        self.where = where
        self.args = (f"{where}: {message.say()}",)


@dataclass(frozen=True)
class Answer:
    """A checked answer, as stored: `value_num` for numbers, `value_text` for everything else,
    and `value_type` saying which of the two holds the answer and how to read it."""

    item_id: str
    status: str = ANSWERED
    value_num: float | None = None
    value_text: str | None = None
    other_text: str | None = None
    value_type: str | None = None

    def __post_init__(self):
        if self.value_type is None and self.status == ANSWERED:
            # built in code without a type: a number is a number, anything else is read as text
            has_number = self.value_num is not None and not _is_nan(self.value_num)
            object.__setattr__(self, "value_type", NUMBER if has_number else TEXT)

    @property
    def value(self):
        """The answer as the survey shows it: a number, a choice id, a list of ids, or text."""
        if self.status != ANSWERED:
            return None
        if self.value_type == NUMBER:
            if self.value_num is None or _is_nan(self.value_num):  # NaN arrives from pandas frames
                return None
            return int(self.value_num) if float(self.value_num).is_integer() else self.value_num
        if self.value_type == LIST:
            return json.loads(self.value_text)
        return self.value_text


def _is_nan(number) -> bool:
    return isinstance(number, float) and math.isnan(number)


def check_answer(instrument: Instrument, item_id: str, value=None, *, status: str = ANSWERED,
                 other_text: str | None = None) -> Answer:
    """Validate one answer against the definition; raise StegvisError naming the item and the problem."""
    item = instrument.item(item_id)
    where = f"{instrument.id}, item {item_id}"
    if status == SKIPPED:
        if not is_skippable(instrument, item):
            raise StegvisError(f"{where}: this question cannot be skipped")
        return Answer(item_id, SKIPPED)
    if status == DONT_KNOW:
        if item.kind != "scale" or instrument.response_scale(item.scale).dont_know is None:
            raise StegvisError(f"{where}: this question has no 'vet ej' answer")
        return Answer(item_id, DONT_KNOW)
    if status != ANSWERED:
        raise StegvisError(f"{where}: unknown answer status {status!r}")
    if value is None or (isinstance(value, str) and not value.strip() and item.kind != "free_text"):
        raise StegvisError(f"{where}: no answer given")
    kind = item.kind
    if kind in ("scale", "number"):
        number = _number(value, where)
        low, high = instrument.item_range(item_id) if kind == "scale" else (item.min, item.max)
        if kind == "scale" and not float(number).is_integer():
            raise StegvisError(f"{where}: {value!r} is not one of the steps {low}–{high}")
        if (low is not None and number < low) or (high is not None and number > high):
            raise StegvisError(f"{where}: {value!r} is outside the allowed range {low}–{high}")
        return Answer(item_id, value_num=float(number), value_type=NUMBER)
    if kind in ("single_choice", "yes_no"):
        choice = _choice(item, str(value), where)
        return Answer(item_id, value_text=choice, other_text=_other(item, [choice], other_text, where),
                      value_type=TEXT)
    if kind == "multiple_choice":
        chosen = list(value) if isinstance(value, (list, tuple)) else [v for v in str(value).split(";") if v]
        if not chosen:
            raise StegvisError(f"{where}: choose at least one option, or skip the question")
        ids = [_choice(item, str(c), where) for c in chosen]
        ids = [c.id for c in item.options() if c.id in ids]  # definition order, no repeats
        return Answer(item_id, value_text=json.dumps(ids), other_text=_other(item, ids, other_text, where),
                      value_type=LIST)
    if kind == "free_text":
        text = str(value)
        if len(text) > MAX_TEXT:
            raise AnswerRefused(where, Message("error.answer.text_too_long", length=len(text), most=MAX_TEXT))
        return Answer(item_id, value_text=text, value_type=TEXT)
    if kind == "date":
        try:
            return Answer(item_id, value_text=date.fromisoformat(str(value)).isoformat(), value_type=TEXT)
        except ValueError:
            raise StegvisError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    raise StegvisError(f"{where}: unsupported item kind {kind}")  # pragma: no cover - models forbid it


def is_skippable(instrument: Instrument, item: Item) -> bool:
    return instrument.allow_skip if item.skippable is None else item.skippable


def _number(value, where: str) -> float:
    if isinstance(value, bool):
        raise StegvisError(f"{where}: {value!r} is not a number")
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise StegvisError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise StegvisError(f"{where}: {value!r} is not a number")
    return number


def _choice(item: Item, value: str, where: str) -> str:
    ids = [c.id for c in item.options()]
    if value not in ids:
        raise StegvisError(f"{where}: {value!r} is not one of the choices ({', '.join(ids)})")
    return value


def _other(item: Item, chosen: list[str], other_text: str | None, where: str) -> str | None:
    takes_text = {c.id for c in item.options() if c.other_text}
    if other_text and not takes_text & set(chosen):
        raise StegvisError(f"{where}: free text goes with an 'annat, nämligen' choice")
    if other_text and len(other_text) > MAX_TEXT:
        raise AnswerRefused(where, Message("error.answer.other_too_long", most=MAX_TEXT))
    return other_text or None


def store_answer(db, session_id: int, instrument: Instrument, answer: Answer) -> None:
    """Write (or replace) one answer at once, in its own short transaction."""
    with transaction(db):
        _upsert(db, session_id, instrument, answer)
        # only the first answer touches the session: an update that changes nothing still counts as a change
        db.execute("UPDATE survey_sessions SET started_at = ? WHERE id = ? AND started_at IS NULL", [now(), session_id])


def _upsert(db, session_id: int, instrument: Instrument, answer: Answer, at: str | None = None) -> None:
    db.execute(
        """INSERT INTO answers (session_id, instrument_id, instrument_version, item_id, status,
                                value_num, value_text, other_text, answered_at, value_type)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (session_id, item_id) DO UPDATE SET
               status = excluded.status, value_num = excluded.value_num, value_text = excluded.value_text,
               other_text = excluded.other_text, answered_at = excluded.answered_at,
               value_type = excluded.value_type""",
        [session_id, instrument.id, instrument.version, answer.item_id, answer.status,
         answer.value_num, answer.value_text, answer.other_text, at or now(),
         answer.value_type if answer.status == ANSWERED else None],
    )


def store_answers(db, session_id: int, instrument: Instrument, answers: list[Answer], at: str | None = None) -> None:
    """Write many checked answers in one transaction (imports and demo data)."""
    with transaction(db):
        for answer in answers:
            _upsert(db, session_id, instrument, answer, at)


def session_answers(db, session_id: int) -> dict[str, Answer]:
    rows = db.execute(
        "SELECT item_id, status, value_num, value_text, other_text, value_type FROM answers WHERE session_id = ?",
        [session_id]
    ).fetchall()
    return {r[0]: Answer(*r) for r in rows}


def responses_frame(db, instrument_id: str, *, programme_id: str | None = None,
                    completed_only: bool = True, items: list[str] | None = None,
                    sessions: list[int] | None = None, participants: list[int] | None = None) -> pd.DataFrame:
    """One row per response to an instrument (all versions), one float column per numeric item
    (those named, or all that have numeric answers). `sessions` limits it to those session ids,
    `participants` to those people's responses (in SQL: a coach's view never reads the rest).

    Columns: session_id, participant_id, programme_id, occasion, instrument_version,
    respondent_group, completed_at, then item ids. Skipped and 'vet ej' answers are NaN:
    missing, never 0."""
    where = ["s.instrument_id = ?"]
    params: list = [instrument_id]
    if programme_id:
        where.append("s.programme_id = ?")
        params.append(programme_id)
    if completed_only:
        where.append("s.status = 'completed'")
    if sessions is not None:
        where.append("s.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps([int(i) for i in sessions]))
    if participants is not None:
        where.append("s.participant_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps([int(i) for i in participants]))
    meta = pd.read_sql_query(
        f"""SELECT s.id AS session_id, s.participant_id, s.programme_id, s.occasion, s.instrument_version,
                   s.respondent_group, coalesce(s.completed_at, s.started_at, s.created_at) AS completed_at
            FROM survey_sessions s WHERE {' AND '.join(where)} ORDER BY s.id""",
        db.conn, params=params)
    frame = meta.set_index("session_id")
    if items is not None and not items:
        return meta
    values = pd.read_sql_query(
        f"""SELECT a.session_id, a.item_id, a.value_num FROM answers a JOIN survey_sessions s ON s.id = a.session_id
            WHERE {' AND '.join(where)} AND a.status = 'answered' AND a.value_num IS NOT NULL""",
        db.conn, params=params)
    if len(values):
        wide = values.pivot(index="session_id", columns="item_id", values="value_num")
        frame = frame.join(wide if items is None else wide.reindex(columns=items))
    elif items:
        frame = frame.reindex(columns=[*frame.columns, *items])
    return frame.reset_index()


def choice_answers(db, instrument: Instrument, items: list[str], programme_id: str | None = None) -> pd.DataFrame:
    """The options chosen in completed responses to these choice items: one row per session,
    item and option chosen (a multiple choice gives several). Columns: session_id, item, choice."""
    where, params = ["s.instrument_id = ?", "s.status = 'completed'", "a.status = ?"], [instrument.id, ANSWERED]
    if programme_id:
        where.append("s.programme_id = ?")
        params.append(programme_id)
    rows = db.execute(
        f"""SELECT a.session_id, a.item_id, a.value_text, a.value_type FROM answers a
            JOIN survey_sessions s ON s.id = a.session_id
            WHERE {' AND '.join(where)} AND a.item_id IN (SELECT value FROM json_each(?))""",
        [*params, json.dumps(list(items))]).fetchall()
    found = [(session, item, choice) for session, item, text, kind in rows
             for choice in (json.loads(text) if kind == LIST else [text])]
    return pd.DataFrame(found, columns=["session_id", "item", "choice"])
