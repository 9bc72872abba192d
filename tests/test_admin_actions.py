"""What the administrator does from the admin page: change a user's programmes, re-enable,
unlock and reset a password; withdraw a consent; let a programme's coaches see all its
participants; record a licence permission and install a text pack; read the audit log with
codes, Swedish time and actions in words; hand out a readable registerutdrag; read an erasure
in words. Each action is checked with its audit entry, through Access and on the page."""

import ast
import io
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from foundation.errors import StegvisError
from foundation.texts import catalogue
from stegvis.access import Access
from stegvis.accounts import authenticate, get_user, list_users
from stegvis.audit import ACTIONS
from stegvis.files import Upload
from stegvis.privacy import erased_words, subject_access_pdf
from surveys.textpacks import demo_textpack

ROOT = Path(__file__).parents[1]


def entries(db, action):
    return [r[0] for r in db.execute("SELECT detail FROM audit_log WHERE action = ? ORDER BY id", [action])]


@pytest.fixture
def admin(demo_db, catalog):
    return demo_db, Access(demo_db, get_user(demo_db, "admin"), catalog)


def test_programmes_of_a_coach_are_changed_and_logged(admin):
    db, api = admin
    api.set_user_programmes("anna", ["porten", "jobbvagen_ar"])
    assert next(u for u in list_users(db) if u["username"] == "anna")["coach_of"] == ["jobbvagen_ar", "porten"]
    api.set_user_programmes("anna", [])
    assert next(u for u in list_users(db) if u["username"] == "anna")["coach_of"] == []
    assert entries(db, "set_user_programmes") == ["anna: porten, jobbvagen_ar", "anna: -"]


def test_a_disabled_user_is_enabled_again_and_logged(admin):
    db, api = admin
    api.disable_user("cecilia")
    with pytest.raises(StegvisError):
        authenticate(db, "cecilia", "stegvis-coach")
    api.enable_user("cecilia")
    assert authenticate(db, "cecilia", "stegvis-coach").username == "cecilia"
    assert entries(db, "enable_user") == ["cecilia"]


def test_a_locked_user_is_unlocked_and_logged(admin):
    db, api = admin
    for _ in range(5):
        with pytest.raises(StegvisError):
            authenticate(db, "david", "fel lösenord")
    with pytest.raises(StegvisError, match="låst"):
        authenticate(db, "david", "stegvis-coach")
    api.unlock_user("david")
    assert authenticate(db, "david", "stegvis-coach").username == "david"
    assert entries(db, "unlock_user") == ["david"]


def test_a_password_is_reset_given_or_generated_and_never_logged(admin):
    db, api = admin
    assert api.reset_password("bengt", "ett nytt långt lösenord") == "ett nytt långt lösenord"
    assert authenticate(db, "bengt", "ett nytt långt lösenord").username == "bengt"
    generated = api.reset_password("bengt")
    assert len(generated) >= 16 and authenticate(db, "bengt", generated).username == "bengt"
    with pytest.raises(StegvisError):
        authenticate(db, "bengt", "ett nytt långt lösenord")
    assert entries(db, "reset_password") == ["bengt (given)", "bengt (generated)"]
    log = " ".join(str(v) for row in db.execute("SELECT * FROM audit_log") for v in row)
    assert generated not in log and "ett nytt långt lösenord" not in log


def test_a_permission_and_a_text_pack_are_recorded_and_logged(admin, catalog):
    db, api = admin
    api.record_permission("kasam29", "  STARS 2026-114 ")
    assert db.execute("SELECT reference FROM permissions WHERE instrument_id = 'kasam29'").fetchone()[0] == \
        "STARS 2026-114"
    pack = demo_textpack(catalog.instrument("kasam29"), "en").model_copy(update={"source": "licensed"})
    data = yaml.safe_dump(pack.model_dump(mode="json"), allow_unicode=True).encode()
    assert api.install_textpack(Upload("C:\\licenser\\kasam29.en.yaml", data)) == ("kasam29", "en")
    assert db.execute("SELECT source FROM textpacks WHERE instrument_id = 'kasam29' AND language = 'en'"
                      ).fetchone()[0] == "licensed"
    assert entries(db, "record_permission") == ["kasam29: STARS 2026-114"]
    assert entries(db, "install_textpack") == ["kasam29 en (kasam29.en.yaml)"]


def test_the_audit_log_shows_codes_for_the_administrator(admin):
    db, api = admin
    pid, code = db.execute("SELECT id, code FROM participants ORDER BY id LIMIT 1").fetchone()
    api.participant(pid)
    log = api.audit_log(actions=["view_participant"])
    assert list(log["code"]) == [code] and list(log["participant_id"]) == [pid]
    api.erase_participant(pid, "request")
    erased = api.audit_log(actions=["erase"])
    assert erased["code"].isna().all(), "an erased person's code is gone from the log's view too"


def test_every_action_the_code_logs_has_a_name_in_words():
    """The log is filtered and read by these names: a new action needs one (stegvis/audit.py)."""
    logged = set()
    for path in [*ROOT.glob("[sfid]*/**/*.py"), ROOT / "stegvis_server.py"]:
        if ".venv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and len(node.args) >= 3 and \
                    getattr(node.func, "attr", getattr(node.func, "id", None)) == "log":
                action = node.args[2]
                for value in (action.body, action.orelse) if isinstance(action, ast.IfExp) else (action,):
                    if isinstance(value, ast.Constant):
                        logged.add(value.value)
    assert len(logged) > 30
    assert not logged - set(ACTIONS), f"add to stegvis/audit.ACTIONS: {sorted(logged - set(ACTIONS))}"
    for lang in ("sv", "en"):
        assert all(key in catalogue(lang) for key in ACTIONS.values())


def test_an_erasure_is_said_in_words():
    assert erased_words({"answers": 0, "survey_sessions": 0, "consents": 1, "events": 0, "enrolments": 1,
                         "participants": 1}) == "1 deltagare, 1 inskrivning, 1 samtycke; inga svar"
    assert erased_words({"answers": 12, "survey_sessions": 2, "consents": 2}) == "2 samtycken, 2 enkäter, 12 svar"
    assert erased_words({"answers": 1}, "en") == "1 answer"


def test_the_registerutdrag_reads_in_swedish(admin, catalog):
    from pypdf import PdfReader

    db, api = admin
    pid, code = db.execute("SELECT s.participant_id, p.code FROM survey_sessions s JOIN participants p "
                           "ON p.id = s.participant_id WHERE s.status = 'completed' LIMIT 1").fetchone()
    person = api.export_participant(pid)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(subject_access_pdf(person, catalog))).pages)
    text = " ".join(text.split())
    assert "Registerutdrag" in text and code in text and "Enkäter och svar" in text
    assert person["surveys"][0]["answers"][0]["question"].split()[0] in text
    assert catalog.programme(person["enrolments"][0]["programme_id"]).name.sv in text
    for english in ("answered_at", "programme_id", "instrument_id", "access_log", "None"):
        assert english not in text


# -- on the page ------------------------------------------------------------------------------


def admin_page():
    from dashboards.admin import page

    page()


@pytest.fixture
def page(demo_path, monkeypatch):
    from stegvis.database import open_db

    monkeypatch.setenv("STEGVIS_DB", str(demo_path))
    db = open_db(demo_path)
    test = AppTest.from_function(admin_page, default_timeout=60)
    test.session_state["user"] = get_user(db, "admin")
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    assert not test.exception, test.exception
    yield test, db
    db.close()


def frame_text(test) -> str:
    return "\n".join(f.value.to_csv() for f in test.dataframe)


def test_the_users_table_is_in_words_and_swedish_time(page):
    test, db = page
    users = test.dataframe[0].value
    assert list(users.columns) == ["Användare", "Namn", "Roll", "Coach i insatser", "Status", "Senast inloggad"]
    text = users.to_csv()
    assert "Jobbvägen AR" in text and "jobbvagen_ar" not in text and "None" not in text
    assert set(users["Status"]) <= {"aktiv", "avstängd"} or any("låst till" in s for s in users["Status"])
    stamp = db.execute("SELECT last_login_at FROM users WHERE last_login_at IS NOT NULL LIMIT 1").fetchone()
    if stamp:
        local = datetime.fromisoformat(stamp[0]).astimezone(timezone(timedelta(hours=1)))  # November: CET
        assert local.strftime("%Y-%m-%d %H:%M") in text


def test_the_page_resets_a_password_once_and_logs_it(page):
    test, db = page
    test.selectbox(key="admin_user").set_value("styrelse").run()
    test.radio(key="reset_how").set_value("generate")
    test.button[[b.label for b in test.button].index("Byt lösenord")].click().run()
    assert not test.exception, test.exception
    shown = test.code[0].value
    assert authenticate(db, "styrelse", shown).username == "styrelse"
    assert entries(db, "reset_password") == ["styrelse (generated)"]


def test_the_page_changes_programmes_unlocks_and_enables(page):
    test, db = page
    test.selectbox(key="admin_user").set_value("anna").run()
    test.multiselect(key="user_programmes_pick").set_value(["porten"])
    test.button[[b.label for b in test.button].index("Spara insatser")].click().run()
    assert not test.exception, test.exception
    assert [s.value for s in test.success] == ["Insatserna för anna är sparade."]
    assert entries(db, "set_user_programmes") == ["anna: porten"]
    test.button(key="user_disable").click().run()
    assert entries(db, "disable_user") == ["anna"]
    test.button(key="user_enable").click().run()
    assert entries(db, "enable_user") == ["anna"]
    db.execute("UPDATE users SET locked_until = ? WHERE username = 'anna'",
               [(datetime.now(timezone.utc) + timedelta(minutes=10)).isoformat()])
    test.run()
    assert any("låst till" in s for s in test.dataframe[0].value["Status"])
    test.button(key="user_unlock").click().run()
    assert entries(db, "unlock_user") == ["anna"]


def test_the_page_lets_coaches_see_a_programme(page):
    test, db = page
    test.checkbox(key="coaches_see_porten").check()
    test.button[[b.label for b in test.button].index("Spara")].click().run()
    assert db.execute("SELECT coaches_see_programme FROM programmes WHERE id = 'porten'").fetchone()[0] == 1
    assert entries(db, "coaches_see_programme") == ["porten=True"]


def test_the_page_withdraws_a_consent(page):
    test, db = page
    pid, code, programme = db.execute(
        "SELECT p.id, p.code, c.programme_id FROM participants p JOIN consents c ON c.participant_id = p.id "
        "WHERE c.withdrawn_on IS NULL LIMIT 1").fetchone()
    test.text_input(key="admin_code").input(code).run()
    withdraw = [b.label for b in test.button].index("Återkalla samtycket")
    test.button[withdraw].click().run()
    assert [e.value for e in test.error][-1].startswith("Kryssa i rutan först")
    assert not entries(db, "withdraw_consent")
    test.checkbox[[c.label for c in test.checkbox].index("Deltagaren har återkallat sitt samtycke")].check()
    test.button[withdraw].click().run()
    assert not test.exception, test.exception
    assert db.execute("SELECT withdrawn_on FROM consents WHERE participant_id = ? AND programme_id = ?",
                      [pid, programme]).fetchone()[0]
    assert entries(db, "withdraw_consent") == [programme]


def test_the_page_records_a_permission_and_refuses_a_bad_text_pack(page):
    test, db = page
    test.selectbox[[s.label for s in test.selectbox].index("Instrument")].set_value("kasam29")
    test.text_input[[s.label for s in test.text_input].index("Referens")].input("STARS 2026-114")
    test.button[[b.label for b in test.button].index("Registrera tillståndet")].click().run()
    assert not test.exception, test.exception
    assert entries(db, "record_permission") == ["kasam29: STARS 2026-114"]
    test.file_uploader(key="textpack_file").set_value(("../../kasam.yaml", b"instrument: kasam29\nlanguage: sv\n"
                                                       b"items: {}\n", "application/yaml"))
    test.run()
    test.button(key="textpack_go").click().run()
    assert [e.value for e in test.error] == ["Inget installerades."]
    assert test.code[-1].value.startswith("kasam.yaml: has no wording for items")
    assert not entries(db, "install_textpack")


def test_the_log_shows_codes_words_and_is_filtered_by_action_in_words(page):
    test, db = page
    pid, code = db.execute("SELECT id, code FROM participants ORDER BY id LIMIT 1").fetchone()
    from stegvis import audit

    audit.log(db, get_user(db, "anna"), "view_participant", pid)  # as a coach's look at the person is
    test.multiselect(key="log_actions").set_value(["view_participant"]).run()
    log = test.dataframe[1].value
    assert list(log.columns) == ["Tid", "Användare", "Händelse", "Deltagare", "Detalj"]
    assert set(log["Händelse"]) == {"Deltagare visad"} and code in set(log["Deltagare"])
    assert all(len(at) == 19 and "T" not in at for at in log["Tid"]), "local time to the second, no ISO T"
