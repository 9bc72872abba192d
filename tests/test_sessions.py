"""Survey sessions: codes, queued instruments, consent and licence checks, resuming."""

from datetime import datetime, timedelta, timezone

import pytest

from foundation.errors import StegvisError
from surveys.answers import check_answer, store_answer
from surveys.sessions import (CODE_ALPHABET, InvalidCode, complete_part, open_visit, resume_position,
                              visible_items, visit_for_code)
from surveys.store import record_consent
from surveys.textpacks import demo_textpack, install_textpack, record_permission


@pytest.fixture
def participant(db):
    db["participants"].insert({"id": 1, "code": "P1", "gender": "man", "created_at": "x"})
    record_consent(db, 1, "porten", "2026-01-01", "1", "enkäter")
    return 1


def licence(db, catalog, instrument_id="kasam29"):
    instrument = catalog.instrument(instrument_id)
    record_permission(db, instrument, "TEST-1")
    install_textpack(db, demo_textpack(instrument, "sv"), instrument)


def test_code_is_short_unambiguous_and_stored_hashed(db, catalog, participant):
    visit, code = open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                             participant_id=participant)
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("0O1IL")
    stored = db.execute("SELECT code_hash FROM survey_sessions").fetchone()[0]
    assert code not in stored and len(stored) == 64
    assert visit_for_code(db, code.lower()).visit == visit.visit
    assert visit_for_code(db, f" {code[:3]}-{code[3:]} ").visit == visit.visit


def test_licensed_instrument_needs_permission_and_text_pack(db, catalog, participant):
    with pytest.raises(StegvisError, match="kräver tillstånd"):
        open_visit(db, catalog, programme_id="porten", occasion="intake", participant_id=participant)
    record_permission(db, catalog.instrument("kasam29"), "REF-1")
    with pytest.raises(StegvisError, match="textpaket"):
        open_visit(db, catalog, programme_id="porten", occasion="intake", participant_id=participant)
    install_textpack(db, demo_textpack(catalog.instrument("kasam29"), "sv"), catalog.instrument("kasam29"))
    visit, _ = open_visit(db, catalog, programme_id="porten", occasion="intake", participant_id=participant)
    assert [p.instrument_id for p in visit.parts] == ["kasam29"]


def test_queue_of_instruments_for_one_occasion(db, catalog, participant):
    licence(db, catalog)
    visit, code = open_visit(db, catalog, programme_id="porten", occasion="exit", participant_id=participant)
    assert [p.instrument_id for p in visit.parts] == ["kasam29", "sjalvskattning"]
    complete_part(db, visit.parts[0].session_id)
    assert visit_for_code(db, code).parts[0].status == "completed"
    complete_part(db, visit.parts[1].session_id)
    with pytest.raises(InvalidCode):
        visit_for_code(db, code)


def test_no_survey_without_consent(db, catalog):
    db["participants"].insert({"id": 2, "code": "P2", "gender": "man", "created_at": "x"})
    with pytest.raises(StegvisError, match="samtycke saknas"):
        open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                   participant_id=2)


def test_instrument_must_belong_to_the_occasion(db, catalog, participant):
    with pytest.raises(StegvisError, match="not used at occasion intake"):
        open_visit(db, catalog, programme_id="porten", occasion="intake", instruments=["sjalvskattning"],
                   participant_id=participant)
    with pytest.raises(StegvisError, match="no occasion 'later'"):
        open_visit(db, catalog, programme_id="porten", occasion="later", participant_id=participant)


def test_wrong_and_expired_codes_say_the_same_kind_thing(db, catalog, participant):
    _, code = open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                         participant_id=participant)
    later = datetime.now(timezone.utc) + timedelta(days=15)
    with pytest.raises(InvalidCode) as expired:
        visit_for_code(db, code, at=later)
    other = "".join(CODE_ALPHABET[(CODE_ALPHABET.index(c) + 1) % len(CODE_ALPHABET)] for c in code)
    with pytest.raises(InvalidCode) as wrong:
        visit_for_code(db, other)
    assert str(expired.value) == str(wrong.value)
    with pytest.raises(InvalidCode):
        visit_for_code(db, "<script>")


def test_resume_at_first_unanswered_and_show_if(db, catalog, participant):
    visit, _ = open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                          participant_id=participant)
    instrument = catalog.instrument("sjalvskattning")
    session_id = visit.parts[0].session_id
    assert resume_position(db, instrument, session_id) == 0
    store_answer(db, session_id, instrument, check_answer(instrument, "utveckling", 7))
    store_answer(db, session_id, instrument, check_answer(instrument, "initiativ", 5))
    assert resume_position(db, instrument, session_id) == 1
    follow_up = catalog.instrument("efterstod_uppfoljning")
    ids = lambda answers: [i.id for i in visible_items(follow_up, answers)]  # noqa: E731
    assert "vad_hande" not in ids({})
    assert "vad_hande" in ids({"kontakt_rimlig_tid": check_answer(follow_up, "kontakt_rimlig_tid", "nej")})
    assert "vad_hande" not in ids({"kontakt_rimlig_tid": check_answer(follow_up, "kontakt_rimlig_tid", "ja")})


def enrol(db, started_on="2026-01-01", exited_on=None, outcome=None):
    db["enrolments"].insert({"participant_id": 1, "programme_id": "porten", "started_on": started_on,
                             "exited_on": exited_on, "outcome": outcome})


def test_occasions_anchored_at_the_start_are_refused_after_exit(db, catalog, participant):
    licence(db, catalog)
    enrol(db, exited_on="2026-06-30", outcome="studier")
    with pytest.raises(StegvisError, match="avslutades 2026-06-30.*Inskrivning"):
        open_visit(db, catalog, programme_id="porten", occasion="intake", participant_id=participant)
    with pytest.raises(StegvisError, match="Halvvägs"):
        open_visit(db, catalog, programme_id="porten", occasion="midpoint", participant_id=participant)
    assert db.execute("SELECT count(*) FROM survey_sessions").fetchone()[0] == 0
    visit, _ = open_visit(db, catalog, programme_id="porten", occasion="exit", participant_id=participant)
    assert visit.occasion == "exit", "occasions after exit remain allowed"


def test_a_second_survey_at_the_same_occasion_on_the_same_day_needs_confirmation(db, catalog, participant):
    from surveys.sessions import RepeatVisit

    enrol(db)
    first, _ = open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                          participant_id=participant)
    with pytest.raises(RepeatVisit, match="Avslut|Utskrivning"):
        open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                   participant_id=participant)
    assert db.execute("SELECT count(*) FROM survey_sessions").fetchone()[0] == 1
    again, _ = open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
                          participant_id=participant, again=True)
    assert again.visit != first.visit
    # yesterday's, or a cancelled one, is no reason to ask
    db.execute("UPDATE survey_sessions SET created_at = '2020-01-01T10:00:00+00:00'")
    db.execute("DELETE FROM survey_sessions WHERE visit = ?", [again.visit])
    open_visit(db, catalog, programme_id="porten", occasion="exit", instruments=["sjalvskattning"],
               participant_id=participant)
