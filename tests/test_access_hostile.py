"""Hostile attempts: another coach's participant, a board member's individual answers, and
one visit's code opening another. Each is refused."""

from pathlib import Path

import pytest

from stegvis.access import Access, public_methods
from stegvis.accounts import get_user
from foundation.errors import AccessDenied, StegvisError
from surveys.sessions import InvalidCode, visit_for_code


@pytest.fixture
def demo(demo_db, catalog):
    return demo_db, catalog


def someone_of(db, username):
    coach = get_user(db, username)
    return db.execute("SELECT id FROM participants WHERE coach_id = ? LIMIT 1", [coach.id]).fetchone()[0]


def test_coach_cannot_reach_another_coachs_participant(demo):
    db, catalog = demo
    anna = Access(db, get_user(db, "anna"), catalog)
    theirs = someone_of(db, "cecilia")
    assert theirs not in set(anna.caseload()["participant_id"])
    registry_before = db.execute("SELECT * FROM registry_values ORDER BY rowid").fetchall()
    assert not set(anna.caseload()["code"]) & {r[0] for r in db.execute(
        "SELECT code FROM participants WHERE coach_id = ?", [get_user(db, "cecilia").id])}
    for attempt in (lambda: anna.participant(theirs), lambda: anna.participant_answers(theirs),
                    lambda: anna.participant_responses(theirs, "kasam29"),
                    lambda: anna.open_visit(theirs, "exit", ["sjalvskattning"]),
                    lambda: anna.share_results(theirs, "kasam29", True),
                    # the path: another coach's participant, a programme anna does not work in
                    lambda: anna.record_event(theirs, "porten", "praktik", "2026-05-01"),
                    lambda: anna.set_parties(theirs, "porten", ["kommun"]),
                    lambda: anna.record_followup(theirs, "porten", "exit", "arbete"),
                    lambda: anna.record_extension(theirs, "porten", 3, "skäl"),
                    lambda: anna.record_referral("porten", "2026-05-01", "kommun", "man", 1990),
                    lambda: anna.referrals("porten"),
                    # fields for national reporting: recorded for her own people only, exported by no coach
                    lambda: anna.record_background(theirs, "porten", {"utbildningsniva": "gymnasial"}),
                    lambda: anna.record_background(someone_of(db, "bengt"), "jobbvagen_ar",
                                                   {"utbildningsniva": "gymnasial"}),
                    lambda: anna.registry_export("jobbvagen_ar", "2025-01-01", "2025-12-31")):
        with pytest.raises(AccessDenied):
            attempt()
    from surveys.path import record_referral

    porten_referral = record_referral(db, catalog.programme("porten"), referred_on="2026-05-01", party="kommun",
                                      gender="man", birth_year=1990)
    with pytest.raises(AccessDenied):
        anna.decide_referral(porten_referral, "ej_inskriven", "Tackade nej")
    assert db.execute("SELECT decision FROM referrals WHERE id = ?", [porten_referral]).fetchone()[0] == "vantar"
    assert db.execute("SELECT * FROM registry_values ORDER BY rowid").fetchall() == registry_before, "nothing written"
    enrolment = db.execute("SELECT id FROM enrolments WHERE participant_id = ?", [theirs]).fetchone()[0]
    with pytest.raises(AccessDenied):
        anna.record_exit(enrolment, "2026-11-01", "avbrutit", background={"forsorjning_avslut": "lon"})
    with pytest.raises(AccessDenied):
        anna.participant(10**9)  # a guessed id is refused the same way


def test_programme_coaches_see_the_programme_only_when_allowed(demo):
    db, catalog = demo
    bengt = Access(db, get_user(db, "bengt"), catalog)
    annas = someone_of(db, "anna")  # anna and bengt both coach in jobbvagen_ar
    with pytest.raises(AccessDenied):
        bengt.participant(annas)
    Access(db, get_user(db, "admin"), catalog).set_coaches_see_programme("jobbvagen_ar", True)
    try:
        assert bengt.participant(annas)["id"] == annas
    finally:
        Access(db, get_user(db, "admin"), catalog).set_coaches_see_programme("jobbvagen_ar", False)


def test_board_gets_no_individual_or_free_text(demo):
    """The board role reaches protected reports and the period grid, nothing row-level."""
    from indicators.board import BoardReport
    from indicators.periods import Grid

    db, catalog = demo
    board = Access(db, get_user(db, "styrelse"), catalog)
    anyone = someone_of(db, "anna")
    for attempt in (lambda: board.caseload(), lambda: board.participant(anyone),
                    lambda: board.participant_answers(anyone), lambda: board.aggregate_inputs()):
        with pytest.raises(AccessDenied):
            attempt()
    board_methods = [name for name in public_methods() if "board" in getattr(Access, name).roles]
    assert sorted(board_methods) == ["board_periods", "board_report"]
    assert isinstance(board.board_periods(), Grid)
    report = board.board_report(None, "2025")
    assert isinstance(report, BoardReport)
    values = [v for table in report.tables for row in table.values for v in row]
    assert all(v is None or isinstance(v, (int, float)) for v in values), "figures only"


def test_a_code_opens_its_own_visit_only(demo):
    db, catalog = demo
    anna = Access(db, get_user(db, "anna"), catalog)
    first, second = [r[0] for r in db.execute(
        "SELECT p.id FROM participants p JOIN enrolments e ON e.participant_id = p.id "
        "WHERE p.coach_id = ? AND e.exited_on IS NULL LIMIT 2", [get_user(db, "anna").id])]
    visit_one, code_one = anna.open_visit(first, "followup", ["nulage_onskat"], again=True)
    visit_two, code_two = anna.open_visit(second, "followup", ["nulage_onskat"], again=True)
    assert visit_for_code(db, code_one).participant_id == first
    assert visit_for_code(db, code_two).participant_id == second
    tampered = code_one[:-1] + ("A" if code_one[-1] != "A" else "B")
    if tampered != code_two:
        with pytest.raises(InvalidCode):
            visit_for_code(db, tampered)


def test_personnummer_is_refused_as_a_code(demo):
    db, catalog = demo
    anna = Access(db, get_user(db, "anna"), catalog)
    for code in ("19900101-1234", "900101-1234", "199001011234"):
        with pytest.raises(StegvisError, match="personnummer"):
            anna.register_participant(code, "man", 1990, "jobbvagen_ar", "2026-01-01", "v1", "enkäter")


def test_refusals_are_logged_once_with_whom_they_concerned(demo):
    db, catalog = demo
    anna = Access(db, get_user(db, "anna"), catalog)
    board = Access(db, get_user(db, "styrelse"), catalog)
    theirs = someone_of(db, "cecilia")
    refusals = lambda: db.execute("SELECT username, participant_id, detail FROM audit_log "  # noqa: E731
                                  "WHERE action = 'access_denied' ORDER BY id").fetchall()
    before = len(refusals())
    with pytest.raises(AccessDenied):
        anna.participant(theirs)
    with pytest.raises(AccessDenied):
        board.participant_answers(participant_id=theirs)
    with pytest.raises(AccessDenied):
        Access(db, None, catalog).board_report(None, "2025")
    assert refusals()[before:] == [("anna", theirs, "participant (coach)"),
                                   ("styrelse", theirs, "participant_answers (board)"),
                                   (None, None, "board_report (anonymous)")]


def test_account_changes_refuse_what_is_wrong_and_change_nothing(demo):
    """An unknown user, a short password, programmes for a board member or an unknown programme:
    a clear error, and the account is as it was."""
    from stegvis.accounts import list_users

    db, catalog = demo
    admin = Access(db, get_user(db, "admin"), catalog)
    before = list_users(db)
    hashes = db.execute("SELECT username, password_hash FROM users").fetchall()
    for attempt, says in ((lambda: admin.reset_password("ingen"), "ingen användare 'ingen'"),
                          (lambda: admin.enable_user("ingen"), "ingen användare"),
                          (lambda: admin.unlock_user("ingen"), "ingen användare"),
                          (lambda: admin.reset_password("anna", "kort"), "minst 10 tecken"),
                          (lambda: admin.set_user_programmes("styrelse", ["porten"]), "rollen coach"),
                          (lambda: admin.set_user_programmes("anna", ["porten", "finns_inte"]), "finns_inte")):
        with pytest.raises(StegvisError, match=says):
            attempt()
    assert list_users(db) == before and db.execute("SELECT username, password_hash FROM users").fetchall() == hashes
    assert not db.execute("SELECT 1 FROM audit_log WHERE action IN ('reset_password', 'enable_user', 'unlock_user', "
                          "'set_user_programmes')").fetchone(), "nothing done, nothing logged"


HOSTILE_PACKS = [
    ("/etc/passwd", b"instrument: kasam29\nlanguage: sv\nitems: {}\n", "passwd: has no wording for items"),
    ("..\\..\\pack.yaml", b"\xff\xfe not utf-8", "pack.yaml: inte en textfil i UTF-8"),
    ("pack.yaml", b"", "pack.yaml: filen är tom"),
    ("pack.yaml", b"instrument: kasam29\nlanguage: sv\nitems:\n  q1: {text: [unclosed\n", "pack.yaml:5: not valid YAML"),
    ("pack.yaml", b"id: x\nversion: 1\n", "pack.yaml:1: (top level): missing required field `items`"),
    ("sjalvskattning.yaml", (Path(__file__).parents[1] / "surveys/definitions/instruments/sjalvskattning.yaml")
     .read_bytes(), "sjalvskattning.yaml: inte ett textpaket"),  # an instrument, not its wording
    ("pack.yaml", b"a: &a [x, x]\nb: &b [*a, *a]\n", "pack.yaml:2: the alias *a is not allowed"),
    ("pack.yaml", b"instrument: finns_inte\nlanguage: sv\nitems: {}\n", "pack.yaml: unknown instrument"),
    ("pack.yaml", b"instrument: kasam29\nlanguage: sv\nitems:\n  q1: {text: Fr\xc3\xa5ga}\n  extra: {text: x}\n",
     "pack.yaml: has no wording for items"),
    ("big.yaml", b"# " + b"x" * 1_100_000, "big.yaml: större än 1000 kB"),
]


@pytest.mark.parametrize("name, content, says", HOSTILE_PACKS)
def test_a_hostile_text_pack_upload_is_refused_with_what_and_where_and_nothing_written(demo, name, content, says):
    from stegvis.files import Upload

    db, catalog = demo
    admin = Access(db, get_user(db, "admin"), catalog)
    packs = db.execute("SELECT instrument_id, language, content FROM textpacks ORDER BY 1, 2").fetchall()
    with pytest.raises(StegvisError) as refused:
        admin.install_textpack(Upload(name, content))
    assert says in str(refused.value), str(refused.value)
    assert "/etc" not in str(refused.value) and ".." not in str(refused.value), "the base name only"
    assert db.execute("SELECT instrument_id, language, content FROM textpacks ORDER BY 1, 2").fetchall() == packs
    assert not db.execute("SELECT 1 FROM audit_log WHERE action = 'install_textpack'").fetchone()


def test_a_code_in_the_address_opens_only_ones_own_participant(demo):
    """/deltagare?kod=… with another coach's code (or one that does not exist) is refused the
    same way, and the refusal is logged with the person it concerned."""
    db, catalog = demo
    anna = Access(db, get_user(db, "anna"), catalog)
    theirs = someone_of(db, "cecilia")
    code = db.execute("SELECT code FROM participants WHERE id = ?", [theirs]).fetchone()[0]
    for attempt in (code, "NO-SUCH-CODE", "' OR 1=1 --"):
        with pytest.raises(AccessDenied):
            anna.participant_by_code(attempt)
    logged = db.execute("SELECT participant_id, detail FROM audit_log WHERE action = 'access_denied' "
                        "AND detail LIKE 'participant_by_code%' ORDER BY id").fetchall()
    assert [r[0] for r in logged] == [theirs, None, None]
    mine = someone_of(db, "anna")
    own_code = db.execute("SELECT code FROM participants WHERE id = ?", [mine]).fetchone()[0]
    assert anna.participant_by_code(own_code) == mine


def test_an_exit_is_undone_only_for_ones_own_and_only_for_a_while(demo):
    from datetime import datetime, timedelta, timezone

    from foundation.db import clock

    db, catalog = demo
    anna = Access(db, get_user(db, "anna"), catalog)
    cecilia = Access(db, get_user(db, "cecilia"), catalog)
    pid, *enrolment = db.execute("SELECT p.id, e.id FROM participants p JOIN enrolments e ON e.participant_id = p.id "
                                 "WHERE p.coach_id = ? AND e.exited_on IS NULL LIMIT 1",
                                 [get_user(db, "anna").id]).fetchone()
    programme = catalog.programme(db.execute("SELECT programme_id FROM enrolments WHERE id = ?",
                                             [enrolment[0]]).fetchone()[0])
    anna.record_exit(enrolment[0], "2026-10-01", programme.outcomes[0].id)
    with pytest.raises(AccessDenied):
        cecilia.undo_exit(enrolment[0])
    with clock(datetime.now(timezone.utc) + timedelta(hours=25)):
        with pytest.raises(StegvisError):
            anna.undo_exit(enrolment[0])
    anna.undo_exit(enrolment[0])
    assert db.execute("SELECT exited_on, outcome FROM enrolments WHERE id = ?", [enrolment[0]]).fetchone() == (None, None)
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'undo_exit' AND participant_id = ?",
                      [pid]).fetchone()[0] == 1
    with pytest.raises(StegvisError):
        anna.undo_exit(enrolment[0])  # nothing left to undo
