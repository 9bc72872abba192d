"""Participant codes: the same check on the registration form and in imports (characters,
length, no personnummer in any spelling), and hostile codes refused without echoing them."""

import pytest
from hypothesis import given, strategies as st

from stegvis.access import Access
from stegvis.accounts import create_user, get_user
from foundation.errors import StegvisError
from stegvis.imports import import_participants
from stegvis.pseudonyms import looks_like_personnummer

PERSONNUMMER_SPELLINGS = ["900101-1234", "19900101-1234", "199001011234", "9001011234", "900101+1234",
                          "900101-12-34", "19900101--1234", "1990-01-01-1234", "1990 01 01 1234",
                          "PO-900101-1234", "19900101_1234"]
HEADER = "code,gender,birth_year,programme,started_on\n"


@pytest.mark.parametrize("code", PERSONNUMMER_SPELLINGS)
def test_every_spelling_of_a_personnummer_is_recognised(code):
    assert looks_like_personnummer(code)


@pytest.mark.parametrize("code", ["PO-24007", "KASAM2", "JV-26051", "A1", "X_2026_001", "PO-1234-5678"])
def test_ordinary_codes_are_not_personnummer(code):
    assert not looks_like_personnummer(code)


@pytest.fixture
def coach(db, catalog):
    create_user(db, "anna", "ett långt lösenord", "coach", coach_of=["porten"])
    return Access(db, get_user(db, "anna"), catalog)


@pytest.mark.parametrize("code", [c for c in PERSONNUMMER_SPELLINGS if " " not in c])
def test_the_form_refuses_personnummer_spellings(coach, code):
    with pytest.raises(StegvisError, match="personnummer"):
        coach.register_participant(code, "man", 1990, "porten", "2026-01-01", "v1", "enkäter")


@pytest.mark.parametrize("code", ["![x](http://127.0.0.1:9/x)", "a\x00b", "A" * 33, "<b>x</b>", "kod med mellanslag"])
def test_the_form_refuses_codes_outside_the_allowed_characters(coach, code):
    with pytest.raises(StegvisError, match="bara innehålla"):
        coach.register_participant(code, "man", 1990, "porten", "2026-01-01", "v1", "enkäter")


def _import(db, catalog, tmp_path, codes, extra=""):
    path = tmp_path / "p.csv"
    path.write_text(HEADER.rstrip("\n") + extra + "\n" + "".join(
        f"{code},man,1990,porten,2026-01-01\n" for code in codes), encoding="utf-8")
    with pytest.raises(StegvisError) as caught:
        import_participants(db, catalog, path)
    assert db.execute("SELECT count(*) FROM participants").fetchone()[0] == 0
    return str(caught.value)


def test_import_refuses_personnummer_spellings(db, catalog, tmp_path):
    codes = [c for c in PERSONNUMMER_SPELLINGS if " " not in c]
    message = _import(db, catalog, tmp_path, codes)
    assert message.count("ser ut som ett personnummer") == len(codes)


def test_import_refuses_what_the_form_refuses(db, catalog, tmp_path):
    message = _import(db, catalog, tmp_path, ["![x](http://127.0.0.1:9/x)", "a\x00b", "A" * 33, "ok-1"])
    assert "rad 2, kolumn code: '![x](http://127.0.0.1:9/x)' får bara innehålla" in message
    assert "rad 3, kolumn code: 'a\\x00b' får bara innehålla" in message
    assert "rad 4, kolumn code: 'AAAA" in message and "är inte 2–32 tecken lång" in message
    assert "rad 5" not in message


def test_a_fifty_million_character_code_is_refused_without_being_echoed(db, catalog, tmp_path):
    message = _import(db, catalog, tmp_path, ["B" * 50_000_000])
    assert "rad 2, kolumn code" in message and "(50000000 characters)" in message
    assert len(message) < 1000


def test_long_or_binary_consent_text_is_refused(db, catalog, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(HEADER.rstrip("\n") + ",consent_version,consent_scope\n"
                    f"ok-1,man,1990,porten,2026-01-01,{'v' * 100_000},enkäter\n"
                    "ok-2,man,1990,porten,2026-01-01,v1,enk\x00äter\n", encoding="utf-8")
    with pytest.raises(StegvisError) as caught:
        import_participants(db, catalog, path)
    message = str(caught.value)
    assert "rad 2, kolumn consent_version" in message and "rad 3, kolumn consent_scope" in message
    assert len(message) < 1000


@given(digits=st.from_regex(r"(19|20)?[0-9]{6}[0-9]{4}", fullmatch=True),
       separators=st.lists(st.sampled_from(["", "-", "--", " ", ".", "_", "+", "/"]), min_size=12, max_size=12))
def test_a_personnummer_with_any_separators_between_its_digits_is_recognised(digits, separators):
    written = "".join(d + s for d, s in zip(digits, separators))
    assert looks_like_personnummer(written)
