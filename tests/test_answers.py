"""Answers are checked against their item and stored the moment they are given."""

import pytest
from hypothesis import given, strategies as st

from foundation.errors import StegvisError
from surveys.answers import DONT_KNOW, SKIPPED, check_answer, responses_frame, session_answers, store_answer
from surveys.definitions import load_file


@pytest.fixture
def tiny(fixtures):
    return load_file(fixtures / "definitions" / "tiny.yaml")


def test_scale_answers_in_range_are_numbers(tiny):
    assert check_answer(tiny, "a", 3).value_num == 3.0
    assert check_answer(tiny, "a", "5").value == 5


@pytest.mark.parametrize("bad", [0, 6, 2.5, "x", "", None, True, float("nan"), "inf"])
def test_bad_scale_answers_name_item_and_problem(tiny, bad):
    with pytest.raises(StegvisError, match=r"tiny, item a: "):
        check_answer(tiny, "a", bad)


def test_dont_know_and_skip(tiny):
    assert check_answer(tiny, "a", status=DONT_KNOW).status == DONT_KNOW
    assert check_answer(tiny, "a", status=SKIPPED).value is None
    with pytest.raises(StegvisError, match="no 'vet ej' answer"):
        check_answer(tiny, "hjalp", status=DONT_KNOW)


def test_choices_and_other_text(tiny):
    assert check_answer(tiny, "hjalp", "nej").value == "nej"
    answer = check_answer(tiny, "kontakt", ["annat", "sms"], other_text="Brev")
    assert answer.value == ["sms", "annat"] and answer.other_text == "Brev"
    with pytest.raises(StegvisError, match="not one of the choices"):
        check_answer(tiny, "kontakt", ["telefon"])
    with pytest.raises(StegvisError, match="'annat, nämligen'"):
        check_answer(tiny, "kontakt", ["sms"], other_text="Brev")


def test_numbers_dates_and_unknown_items(tiny):
    assert check_answer(tiny, "alder", "42,0").value == 42
    with pytest.raises(StegvisError, match="outside"):
        check_answer(tiny, "alder", 12)
    assert check_answer(tiny, "datum", "2026-03-01").value == "2026-03-01"
    with pytest.raises(StegvisError, match="not a date"):
        check_answer(tiny, "datum", "1 mars")
    with pytest.raises(StegvisError, match="has no item 'zzz'"):
        check_answer(tiny, "zzz", 1)


@given(st.text(max_size=300))
def test_any_free_text_is_kept_intact(text):
    from pathlib import Path

    tiny = load_file(Path(__file__).parent / "fixtures" / "definitions" / "tiny.yaml")
    assert check_answer(tiny, "varfor", text).value_text == text


def test_stored_answer_replaces_the_earlier_one_and_missing_stays_missing(db, catalog):
    kasam = catalog.instrument("kasam13")
    db["participants"].insert({"id": 1, "code": "P1", "gender": "kvinna", "created_at": "x"})
    session_id = db["survey_sessions"].insert({
        "visit": "v", "participant_id": 1, "programme_id": "porten", "occasion": "intake",
        "instrument_id": "kasam13", "instrument_version": kasam.version, "status": "completed", "created_at": "x",
    }).last_pk
    store_answer(db, session_id, kasam, check_answer(kasam, "q1", 2))
    store_answer(db, session_id, kasam, check_answer(kasam, "q1", 6))
    store_answer(db, session_id, kasam, check_answer(kasam, "q2", status=SKIPPED))
    assert session_answers(db, session_id)["q1"].value == 6
    frame = responses_frame(db, "kasam13")
    assert frame.loc[0, "q1"] == 6.0
    assert "q2" not in frame.columns or frame["q2"].isna().all()
    assert db.execute("SELECT instrument_version FROM answers WHERE item_id = 'q1'").fetchone()[0] == kasam.version
