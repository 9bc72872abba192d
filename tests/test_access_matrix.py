"""Every data-access function against every role: allowed where it should be, refused
everywhere else. A public method without a row here fails the suite."""

from datetime import date, timedelta

import pytest
import yaml

from stegvis.access import Access, public_methods
from foundation.db import now
from stegvis.accounts import get_user, link_identity
from stegvis.files import Upload
from foundation.errors import AccessDenied
from foundation.settings import update_setting
from surveys.path import record_referral
from surveys.rounds import create_round
from surveys.definitions import shipped_catalog
from surveys.textpacks import demo_textpack

ROLES = ("coach", "board", "admin")
# method: (roles allowed, arguments)
MATRIX = {
    "caseload": ({"coach", "admin"}, lambda ids: ()),
    "caseload_sessions": ({"coach", "admin"}, lambda ids: ()),
    "caseload_scores": ({"coach", "admin"}, lambda ids: ("kasam29",)),
    "participant": ({"coach", "admin"}, lambda ids: (ids["own"],)),
    "participant_answers": ({"coach", "admin"}, lambda ids: (ids["own"],)),
    "participant_by_code": ({"coach", "admin"}, lambda ids: (ids["own_code"],)),
    "undo_exit": ({"coach", "admin"}, lambda ids: (ids["recent_exit"],)),
    "consent_versions": ({"coach", "admin"}, lambda ids: ()),
    "sso_identities": ({"admin"}, lambda ids: ()),
    "link_sso": ({"admin"}, lambda ids: ("bengt", "email", f"{ids['n']}@kommun.example.se")),
    "unlink_sso": ({"admin"}, lambda ids: ("sub", "linked-subject")),
    "participant_responses": ({"coach", "admin"}, lambda ids: (ids["own"], "nulage_onskat")),
    "register_participant": ({"coach", "admin"}, lambda ids: (f"T-{ids['n']}", "man", 1990, "jobbvagen_ar",
                                                              "2026-01-05", "v1", "enkäter")),
    "record_exit": ({"coach", "admin"}, lambda ids: (ids["enrolment"], "2026-10-01", "avbrutit")),
    "withdraw_consent": ({"coach", "admin"}, lambda ids: (ids["withdraw"], "jobbvagen_ar")),
    "open_visit": ({"coach", "admin"}, lambda ids: (ids["own"], "followup", ["nulage_onskat"], "sv", None, True)),
    "share_results": ({"coach", "admin"}, lambda ids: (ids["own"], "kasam29", True)),
    "programmes": ({"coach", "admin"}, lambda ids: ()),
    "aggregate_inputs": ({"admin"}, lambda ids: ("jobbvagen_ar",)),
    "board_periods": ({"board", "admin"}, lambda ids: ()),
    "board_report": ({"board", "admin"}, lambda ids: ("porten", "2025")),
    "users": ({"admin"}, lambda ids: ()),
    "add_user": ({"admin"}, lambda ids: (f"ny{ids['n']}", "ett långt lösenord", "board")),
    "disable_user": ({"admin"}, lambda ids: ("styrelse",)),
    "enable_user": ({"admin"}, lambda ids: ("styrelse",)),
    "unlock_user": ({"admin"}, lambda ids: ("anna",)),
    "reset_password": ({"admin"}, lambda ids: ("styrelse", "ett nytt långt lösenord")),
    "set_user_programmes": ({"admin"}, lambda ids: ("anna", ["jobbvagen_ar", "porten"])),
    "programme_settings": ({"admin"}, lambda ids: ()),
    "record_permission": ({"admin"}, lambda ids: ("kasam29", "STARS 2026-114")),
    "install_textpack": ({"admin"}, lambda ids: (Upload("kasam29.sv.yaml", KASAM_PACK),)),
    "audit_log": ({"admin"}, lambda ids: ()),
    "find_participant": ({"admin"}, lambda ids: (ids["own_code"],)),
    "export_participant": ({"admin"}, lambda ids: (ids["own"],)),
    "erase_participant": ({"admin"}, lambda ids: (ids["spare"],)),
    "purge": ({"admin"}, lambda ids: (True,)),
    "set_coaches_see_programme": ({"admin"}, lambda ids: ("porten", False)),
    "licences": ({"admin"}, lambda ids: ()),
    "definitions": ({"admin"}, lambda ids: ()),
    "licence_problem": ({"coach", "admin"}, lambda ids: ("kasam29",)),
    "wording": ({"coach", "admin"}, lambda ids: ("kasam29",)),
    "import_file": ({"admin"}, lambda ids: ("participants", Upload(
        "nya.csv", f"code,gender,birth_year,programme,started_on\nI-{ids['n']},kvinna,1990,porten,2026-02-01\n".encode()))),
    "caseload_followups": ({"coach", "admin"}, lambda ids: ()),
    "record_referral": ({"coach", "admin"}, lambda ids: ("jobbvagen_ar", "2026-03-01", "arbetsformedlingen", "man",
                                                          1990, "ej_inskriven", "Annan insats passade bättre")),
    "referrals": ({"coach", "admin"}, lambda ids: ("jobbvagen_ar",)),
    "decide_referral": ({"coach", "admin"}, lambda ids: (ids["referral"], "ej_inskriven", "Tackade nej")),
    "record_event": ({"coach", "admin"}, lambda ids: (ids["own"], "jobbvagen_ar", ids["event"], "2026-05-04")),
    "set_parties": ({"coach", "admin"}, lambda ids: (ids["own"], "jobbvagen_ar", ["arbetsformedlingen", "region"])),
    "record_followup": ({"coach", "admin"}, lambda ids: (ids["exited"], "jobbvagen_ar", ids["followup"], "arbete")),
    "record_extension": ({"coach", "admin"}, lambda ids: (ids["own"], "jobbvagen_ar", 3, "Arbetsträning pågår")),
    "record_background": ({"coach", "admin"}, lambda ids: (ids["own"], "jobbvagen_ar",
                                                            {ids["start_field"]: ids["start_choice"]})),
    "registry_export": ({"admin"}, lambda ids: ("jobbvagen_ar", "2025-01-01", "2025-12-31")),
    "rounds": ({"admin"}, lambda ids: ()),
    "rounds_todo": ({"admin"}, lambda ids: ()),
    "create_round": ({"admin"}, lambda ids: ("insatspersonal", ["insatspersonal"], 3, CLOSES, "porten")),
    "round_slips": ({"admin"}, lambda ids: (ids["open_round"],)),
    "round_codes": ({"admin"}, lambda ids: (ids["open_round"],)),
    "invite_round": ({"admin"}, lambda ids: (ids["open_round"], f"{ids['n']}@example.org")),
    "remind_round": ({"admin"}, lambda ids: (ids["open_round"],)),
    "close_round": ({"admin"}, lambda ids: (ids["open_round"],)),
    "round_free_texts": ({"admin"}, lambda ids: (ids["open_round"],)),
}
CLOSES = (date.today() + timedelta(days=30)).isoformat()
KASAM_PACK = yaml.safe_dump(demo_textpack(shipped_catalog().instrument("kasam29"), "sv").model_dump(mode="json"),
                            allow_unicode=True).encode()


@pytest.fixture
def demo(demo_db, catalog, smtp_inbox):
    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(smtp_inbox.port), "smtp_starttls": "0",
                       "smtp_sender": "enkat@forbundet.example"}.items():
        update_setting(demo_db, key, value)
    create_round(demo_db, catalog, group="styrelse", instruments=["styrelse"], invited=4, closes_on=CLOSES)
    link_identity(demo_db, "anna", "sub", "linked-subject")
    return demo_db, catalog


def recent_exit(db, enrolment_id: int) -> int:
    """An exit recorded through Stegvis a moment ago, so it may still be undone."""
    db.execute("UPDATE enrolments SET exited_on = started_on, outcome = 'avbrutit', exit_recorded_at = ? WHERE id = ?",
               [now(), enrolment_id])
    db.conn.commit()
    return enrolment_id


def test_every_public_method_has_a_row_and_declares_its_roles():
    assert sorted(public_methods()) == sorted(MATRIX), "add the new Access method to MATRIX"
    for name, (roles, _) in MATRIX.items():
        assert set(getattr(Access, name).roles) == roles, name


@pytest.mark.parametrize("method", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_against_method(demo, role, method):
    db, catalog = demo
    username = {"coach": "anna", "board": "styrelse", "admin": "admin"}[role]
    user = get_user(db, username)
    anna = get_user(db, "anna")
    rows = db.execute("SELECT p.id, p.code, e.id FROM participants p JOIN enrolments e ON e.participant_id = p.id "
                      "WHERE p.coach_id = ? AND e.exited_on IS NULL ORDER BY p.id", [anna.id]).fetchall()
    ids = {"own": rows[0][0], "own_code": rows[0][1], "enrolment": rows[0][2], "spare": rows[-1][0], "withdraw": rows[1][0],
           "n": f"{role}{method}"[:20].replace("_", ""),
           "open_round": db.execute("SELECT max(id) FROM rounds").fetchone()[0],
           "referral": record_referral(db, catalog.programme("jobbvagen_ar"), referred_on="2026-02-01",
                                       party="kommun", gender="kvinna", birth_year=1988),
           "event": catalog.programme("jobbvagen_ar").events[0].id,
           "start_field": catalog.programme("jobbvagen_ar").registry_fields_at("start")[0].id,
           "start_choice": catalog.programme("jobbvagen_ar").registry_fields_at("start")[0].choices[0].id,
           "followup": next(o.id for o in catalog.programme("jobbvagen_ar").occasions if o.records_status),
           "exited": db.execute("SELECT p.id FROM participants p JOIN enrolments e ON e.participant_id = p.id "
                                "WHERE p.coach_id = ? AND e.programme_id = 'jobbvagen_ar' AND e.exited_on IS NOT NULL "
                                "ORDER BY p.id", [anna.id]).fetchone()[0]}
    ids["recent_exit"] = recent_exit(db, rows[2][2])
    allowed, arguments = MATRIX[method]
    call = lambda: getattr(Access(db, user, catalog), method)(*arguments(ids))  # noqa: E731
    if role in allowed:
        call()
    else:
        with pytest.raises(AccessDenied):
            call()


def test_anonymous_is_refused_everything(demo):
    db, catalog = demo
    for method in MATRIX:
        with pytest.raises(AccessDenied):
            getattr(Access(db, None, catalog), method)(*([1] * 0))
