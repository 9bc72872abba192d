"""A participant's visit, independent of the screen: which instrument is current, which
questions are shown, what was answered, the summary, and the participant's own progress.
Everything is read from and written to the database at once, so nothing is lost."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from foundation.db import now, transaction
from foundation.errors import StegvisError
from foundation.texts import t
from surveys.answers import ANSWERED, DONT_KNOW, SKIPPED, Answer, check_answer, session_answers, store_answer
from surveys.definitions import Catalog
from surveys.models import Instrument, Item, Programme
from surveys.path import status_from_survey
from surveys.sessions import SessionPart, Visit, complete_part, get_visit, visible_items
from surveys.textpacks import WordingSource


@dataclass
class Current:
    """The instrument being answered in a visit, with its answers so far."""

    visit: Visit
    part: SessionPart
    instrument: Instrument
    answers: dict[str, Answer]
    number: int  # 1-based position of this instrument in the visit
    of: int

    @property
    def questions(self) -> list[Item]:
        return visible_items(self.instrument, self.answers)

    def first_unanswered(self) -> int:
        return next((n for n, item in enumerate(self.questions) if item.id not in self.answers), len(self.questions))


def current(db, catalog: Catalog, visit_id: str) -> Current | None:
    """The first instrument of the visit not yet sent in; None when all are done."""
    visit = get_visit(db, visit_id)
    for number, part in enumerate(visit.parts, start=1):
        if part.status == "open":
            instrument = catalog.instrument(part.instrument_id, part.instrument_version)
            return Current(visit, part, instrument, session_answers(db, part.session_id), number, len(visit.parts))
    return None


def open_parts(db, catalog: Catalog, visit_id: str) -> list[Current]:
    """Every instrument of the visit not yet sent in, in order: one visit is answered, looked
    through and sent in as a whole."""
    visit = get_visit(db, visit_id)
    return [Current(visit, part, catalog.instrument(part.instrument_id, part.instrument_version),
                    session_answers(db, part.session_id), number, len(visit.parts))
            for number, part in enumerate(visit.parts, start=1) if part.status == "open"]


def give(db, cur: Current, item_id: str, value=None, *, status: str = ANSWERED, other_text: str | None = None) -> Answer:
    """Check and store one answer now; the caller moves on only after this returns."""
    answer = check_answer(cur.instrument, item_id, value, status=status, other_text=other_text)
    store_answer(db, cur.part.session_id, cur.instrument, answer)
    cur.answers[item_id] = answer
    return answer


def send_in(db, cur: Current, programme: Programme | None = None) -> None:
    """The instrument is done; at a follow-up that reads its status from the survey
    (`status_item`), the status is recorded with it, or neither is."""
    with transaction(db):
        complete_part(db, cur.part.session_id)
        if programme is not None:
            status_from_survey(db, programme, cur.visit.participant_id, cur.visit.occasion, cur.instrument.id,
                               cur.answers)


def send_in_all(db, parts: list[Current], programme: Programme | None = None) -> None:
    """Send in every open instrument of a visit at once ("Skicka in" once per visit): each part
    as `send_in` does, follow-up status included, all or none."""
    with transaction(db):
        for cur in parts:
            send_in(db, cur, programme)


def answer_text(instrument: Instrument, item: Item, answer: Answer | None, lang: str = "sv") -> str:
    """How an answer reads in the summary and on the coach's page."""
    if answer is None:
        return t("answer.not_answered", lang)
    if answer.status == SKIPPED:
        return t("answer.skipped", lang)
    if answer.status == DONT_KNOW:
        scale = instrument.response_scale(item.scale)
        return scale.dont_know.get(lang) if scale.dont_know else t("answer.dont_know", lang)
    if item.kind == "scale":
        scale = instrument.response_scale(item.scale)
        label = next((s.label.get(lang) for s in scale.steps if s.value == answer.value), None)
        return f"{answer.value}" + (f" ({label})" if label else "")
    if item.kind in ("single_choice", "yes_no", "multiple_choice"):
        chosen = answer.value if isinstance(answer.value, list) else [answer.value]
        labels = [c.label.get(lang) for c in item.options() if c.id in chosen]
        text = ", ".join(labels)
        return f"{text}: {answer.other_text}" if answer.other_text else text
    return str(answer.value)


def summary(db, cur: Current, lang: str = "sv", programme_name: str = "") -> list[tuple[int, str, str]]:
    """(question index, question, answer) for every question shown."""
    wording = WordingSource(db, cur.instrument, lang)
    return [(n, wording.item(item, programme_name).text, answer_text(cur.instrument, item, cur.answers.get(item.id), lang))
            for n, item in enumerate(cur.questions)]


# The participant's own progress: strictly this visit's participant, nothing about anyone else.

def own_responses(db, catalog: Catalog, participant_id: int, instrument: Instrument) -> pd.DataFrame:
    """This participant's completed responses to one instrument, oldest first, one column per item."""
    from surveys.answers import responses_frame

    frame = responses_frame(db, instrument.id, participants=[participant_id])
    return frame.sort_values("completed_at", kind="stable").reset_index(drop=True)


def shown_to_participant(db, participant_id: int, instrument: Instrument) -> bool:
    """'always', or 'coach_shares' and the coach has shared this instrument; never for 'never'."""
    if instrument.participant_view == "always":
        return True
    if instrument.participant_view == "never":
        return False
    return instrument.id in shared_results(db, participant_id)


def shared_results(db, participant_id: int) -> list[str]:
    """The instruments whose results the coach has chosen to show this participant."""
    return [r[0] for r in db.execute("SELECT instrument_id FROM shared_results WHERE participant_id = ? "
                                     "ORDER BY instrument_id", [participant_id])]


def share_results(db, participant_id: int, instrument: Instrument, shared: bool, by: int | None = None) -> None:
    """Show (or stop showing) the participant their own results of one instrument, for an
    instrument whose definition leaves that to the coach (participant_view: coach_shares)."""
    if instrument.participant_view != "coach_shares":
        raise StegvisError(f"{instrument.id}: participant_view is {instrument.participant_view}, "
                           "so the coach does not choose whether its results are shown")
    with transaction(db):
        if shared:
            db.execute("INSERT OR IGNORE INTO shared_results (participant_id, instrument_id, shared_at, shared_by) "
                       "VALUES (?, ?, ?, ?)", [participant_id, instrument.id, now(), by])
        else:
            db.execute("DELETE FROM shared_results WHERE participant_id = ? AND instrument_id = ?",
                       [participant_id, instrument.id])


def own_instruments(db, catalog: Catalog, participant_id: int) -> list[Instrument]:
    """Instruments this participant has answered and may see their own results of."""
    ids = [r[0] for r in db.execute(
        "SELECT DISTINCT instrument_id FROM survey_sessions WHERE participant_id = ? AND status = 'completed' "
        "ORDER BY instrument_id", [participant_id])]
    instruments = [catalog.instrument(i) for i in ids]
    return [i for i in instruments if shown_to_participant(db, participant_id, i)]

