"""Survey rounds: single-use codes for staff, the board and the other groups, anonymous by
construction, refused whole when any input is wrong, and mailed through a real SMTP server."""

from datetime import date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from foundation.errors import StegvisError
from foundation.settings import update_setting
from stegvis.cli import run
from stegvis.database import open_db
from stegvis.mail import invite, read_addresses, remind
from surveys.definitions import shipped_catalog
from surveys.rounds import close_due_rounds, close_round, create_round, get_round, unused_codes
from surveys.sessions import InvalidCode, complete_part, visit_for_code
from surveys.store import publish_definitions
from surveys.survey_flow import current, give, send_in

CATALOG = shipped_catalog()
CLOSES = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("STEGVIS_CODE_KEY", raising=False)
    database = open_db(tmp_path / "r.db")
    publish_definitions(database)
    return database


def staff_round(db, invited=3, programme="jobbvagen_ar"):
    return create_round(db, CATALOG, group="insatspersonal", instruments=["insatspersonal"], invited=invited,
                        closes_on=CLOSES, programme_id=programme)


def answer_all(db, code):
    visit = visit_for_code(db, code)
    while (part := current(db, CATALOG, visit.visit)) is not None:
        for item in part.questions:
            scale = part.instrument.response_scale(item.scale) if item.kind == "scale" else None
            give(db, part, item.id, scale.max if scale else None, status="answered" if scale else "skipped")
        send_in(db, part)
    return visit


def counts(db):
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("rounds", "round_codes", "survey_sessions", "answers")}


def test_a_code_opens_one_visit_once_and_nothing_links_it_to_the_answers(db):
    round_, codes = staff_round(db)
    assert len(set(codes)) == 3 and [c for _, c in unused_codes(db, round_.id)] == codes
    first = visit_for_code(db, codes[0])
    assert visit_for_code(db, codes[0].lower()).visit == first.visit  # resumes while not sent in
    assert get_round(db, round_.id).codes_used == 1 and len(unused_codes(db, round_.id)) == 2
    answer_all(db, codes[0])
    with pytest.raises(InvalidCode):
        visit_for_code(db, codes[0])  # single use: refused once sent in
    rows = db.execute("SELECT participant_id, code_hash, round_id, programme_id FROM survey_sessions").fetchall()
    assert rows == [(None, None, round_.id, "jobbvagen_ar")]
    stored = " ".join(str(v) for t in ("round_codes", "rounds", "survey_sessions", "answers")
                      for row in db.execute(f"SELECT * FROM {t}") for v in row)
    assert all(code not in stored for code in codes), "no code is stored in plain text"
    after = get_round(db, round_.id)
    assert (after.answered, after.invited, after.codes_used) == (1, 3, 1)
    assert after.response_rate == pytest.approx(1 / 3)


def test_a_round_can_cover_the_whole_forbund(db):
    round_, codes = create_round(db, CATALOG, group="styrelse", instruments=["styrelse"], invited=2, closes_on=CLOSES)
    visit = answer_all(db, codes[1])
    assert visit.programme_id is None and get_round(db, round_.id).answered == 1


@pytest.mark.parametrize("change, expected", [
    ({"invited": 0}, "ska vara ett heltal"),
    ({"closes_on": "2020-01-01"}, "har redan varit"),
    ({"closes_on": "31/12/2026"}, "är inte ett datum"),
    ({"group": "okand"}, "okänd svarsgrupp"),
    ({"instruments": ["finns_inte"]}, "finns_inte"),
    ({"instruments": ["kasam29"]}, "är för gruppen deltagare"),
    ({"programme_id": "finns_inte"}, "finns_inte"),
])
def test_bad_input_is_named_and_creates_nothing(db, change, expected):
    before = counts(db)
    arguments = dict(group="insatspersonal", instruments=["insatspersonal"], invited=5, closes_on=CLOSES,
                     programme_id="jobbvagen_ar") | change
    with pytest.raises(StegvisError, match=expected) as refused:
        create_round(db, CATALOG, **arguments)
    assert "Ingenting skapades" in str(refused.value) and "Nothing was created" in refused.value.say("en")
    assert counts(db) == before


def test_closing_stops_the_codes_and_forgets_unused_codes_and_addresses(db):
    round_, codes = staff_round(db)
    visit_for_code(db, codes[0])  # begun, never sent in
    db["round_invitations"].insert({"round_id": round_.id, "email": "a@example.org", "code_hash": "x"})
    assert close_due_rounds(db, date.today()) == []  # not due yet
    closed = close_round(db, round_.id)
    assert closed.closed_at and unused_codes(db, round_.id) == []
    assert db.execute("SELECT count(*) FROM round_invitations").fetchone()[0] == 0
    for code in codes:
        with pytest.raises(InvalidCode):
            visit_for_code(db, code)
    assert db.execute("SELECT status, code_hash FROM survey_sessions").fetchall() == [("cancelled", None)]


def test_a_code_stops_working_after_the_closing_day(db):
    round_, codes = staff_round(db)
    day_after = datetime.combine(date.fromisoformat(CLOSES) + timedelta(days=1), datetime.min.time(), timezone.utc)
    with pytest.raises(InvalidCode):
        visit_for_code(db, codes[0], at=day_after)
    assert visit_for_code(db, codes[0], at=day_after - timedelta(seconds=1)).programme_id == "jobbvagen_ar"


def test_cli_round_new_codes_slips_and_refusals(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STEGVIS_CODE_KEY", raising=False)
    path = tmp_path / "c.db"
    assert run(["init", "--db", str(path)]) == 0
    assert run(["round", "new", "--group", "insatspersonal", "--instrument", "insatspersonal", "--programme",
                "jobbvagen_ar", "--invited", "12", "--closes", CLOSES, "--codes-out", str(tmp_path / "codes.csv"),
                "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "1"
    lines = (tmp_path / "codes.csv").read_text().splitlines()
    assert lines[0] == "round,code,closes_on,address" and len(lines) == 13
    assert run(["round", "slips", "1", "--output", str(tmp_path / "slips.pdf"), "--db", str(path)]) == 0
    reader = PdfReader(tmp_path / "slips.pdf")
    assert len(reader.pages) == 2  # eight to a page
    text = "".join(page.extract_text() for page in reader.pages)
    assert all(line.split(",")[1] in text for line in lines[1:])
    capsys.readouterr()
    assert run(["round", "new", "--group", "insatspersonal", "--instrument", "insatspersonal", "--invited", "0",
                "--closes", CLOSES, "--db", str(path)]) == 1
    assert "ska vara ett heltal" in capsys.readouterr().err
    assert open_db(path).execute("SELECT count(*) FROM rounds").fetchone()[0] == 1


# -- mail, through a real SMTP server on this machine -----------------------------------------


@pytest.fixture
def smtp(db, smtp_inbox):
    update_setting(db, "smtp_host", "127.0.0.1")
    update_setting(db, "smtp_port", str(smtp_inbox.port))
    update_setting(db, "smtp_starttls", "0")
    update_setting(db, "smtp_sender", "enkat@forbundet.example")
    return smtp_inbox


def test_invitations_and_reminders_reach_the_server(db, smtp):
    round_, codes = staff_round(db, invited=3)
    addresses = read_addresses("anna@example.org\n\n# kommentar\nbo@example.org\n")
    assert invite(db, round_.id, addresses, "Personalenkät") == 2
    assert [m["To"] for m in smtp.messages] == addresses
    body = smtp.messages[0].get_content()
    mailed = [c for c in codes if c in body]
    assert len(mailed) == 1 and "anonym" in body
    assert invite(db, round_.id, addresses, "Personalenkät") == 0  # already invited: not again
    answer_all(db, mailed[0])  # anna answers
    smtp.messages.clear()
    assert remind(db, round_.id, "Personalenkät") == 1
    assert [m["To"] for m in smtp.messages] == ["bo@example.org"]
    assert smtp.messages[0]["Subject"].startswith("Påminnelse")
    close_round(db, round_.id)
    assert db.execute("SELECT count(*) FROM round_invitations").fetchone()[0] == 0


def test_more_addresses_than_codes_sends_nothing(db, smtp):
    round_, _ = staff_round(db, invited=1)
    with pytest.raises(StegvisError, match="Nothing was sent"):
        invite(db, round_.id, ["a@example.org", "b@example.org"], "Personalenkät")
    assert smtp.messages == [] and db.execute("SELECT count(*) FROM round_invitations").fetchone()[0] == 0


@pytest.mark.parametrize("text", ["a@example.org\nnot an address\n", "a@example.org\nA@example.org\n",
                                  "a@example.org\r\nBcc: x@evil.example\n", "evil@example.org, other@example.org\n",
                                  "\n# only a comment\n"])
def test_bad_address_files_are_listed_and_nothing_is_sent(text):
    with pytest.raises(StegvisError, match="Nothing was sent"):
        read_addresses(text)


def test_without_a_mail_server_nothing_is_sent(db):
    round_, _ = staff_round(db)
    with pytest.raises(StegvisError, match="no mail server is configured"):
        invite(db, round_.id, ["a@example.org"], "Personalenkät")
    assert db.execute("SELECT count(*) FROM round_invitations").fetchone()[0] == 0


# -- goals over round answers, on the board ----------------------------------------------------


def test_the_board_shows_staff_and_board_goals_from_round_answers(demo_db):
    """Jobbvägen AR's goals for its staff and board (seed 000) are evaluated from the answers
    given with round codes, with the rate against those invited beside them."""
    from stegvis.access import Access
    from stegvis.accounts import get_user
    from surveys.store import load_catalog

    catalog = load_catalog(demo_db)
    report = Access(demo_db, get_user(demo_db, "styrelse"), catalog).board_report("jobbvagen_ar", "hela")
    goals = {g.id: g for g in report.goals}
    assert {"personal_respekt", "styrelse_struktur"} <= set(goals)
    shown = [g for g in goals.values() if g.id.startswith(("personal_", "styrelse_")) and g.share is not None]
    assert shown, "some staff or board goal is shown for the whole time"
    for goal in shown:
        assert goal.denominator >= 5 and goal.met == (goal.share >= goal.target)
    staff = next(t for t in report.tables if t.id == "indicators/insatspersonal")
    asked = [row[staff_columns(staff).index("tillfragade")] for row in staff.values]
    invited = demo_db.execute("SELECT sum(invited) FROM rounds WHERE programme_id = 'jobbvagen_ar' "
                              "AND respondent_group = 'insatspersonal' AND opened_on <= ?",
                              [report.period.end.isoformat()]).fetchone()[0]
    assert set(asked) == {invited}, "the rate's denominator is everyone the rounds invited"


def staff_columns(table):
    return [c.id for c in table.columns]


def test_an_indicator_goal_has_no_breakdowns():
    from surveys.definitions import parse_text

    text = """id: p
version: 1
name: P
occasions: [{id: a, label: A, instruments: [insatspersonal]}]
outcomes: [{id: x, label: X}]
goals:
  - id: g
    label: G
    numerator: {kind: indicator_share, instrument: insatspersonal, indicator: nns_p_respekt}
    target: 0.8
    breakdowns: [gender]
"""
    with pytest.raises(StegvisError, match="no breakdowns"):
        parse_text(text, "p.yaml")
    assert parse_text(text.replace("    breakdowns: [gender]\n", ""), "p.yaml").goals[0].breakdowns == []
