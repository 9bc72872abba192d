"""The admin page renders every tab for an administrator and refuses anyone else."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from stegvis.accounts import create_user
from stegvis.database import open_db
from surveys.store import publish_definitions


def admin_page():
    from dashboards.admin import page

    page()


@pytest.mark.parametrize("role, refused", [("admin", False), ("coach", True), ("board", True)])
def test_admin_page_by_role(tmp_path, monkeypatch, role, refused):
    path = tmp_path / "a.db"
    db = open_db(path)
    publish_definitions(db)
    user = create_user(db, "someone", "ett långt lösenord", role)
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(admin_page, default_timeout=60)
    test.session_state["user"] = user
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    assert bool(test.exception) == refused
    if not refused:
        assert [t.label for t in test.tabs] == ["Användare", "Granskningslogg", "Deltagares data", "Licenser", "Import",
                                                "Definitioner"]


def test_subject_access_is_logged_when_downloaded_not_on_every_rerun(tmp_path, monkeypatch):
    """Typing a code builds nothing and logs nothing; the export is made, and logged once, when
    the download button asks for the file."""
    import json

    import streamlit

    from stegvis.access import Access
    from surveys.definitions import shipped_catalog

    path = tmp_path / "a.db"
    db = open_db(path)
    publish_definitions(db)
    admin = create_user(db, "admin", "ett långt lösenord", "admin")
    pid = Access(db, admin, shipped_catalog()).register_participant("PO-77", "man", 1980, "porten", "2026-01-01",
                                                                      "v1", "enkäter")
    files = []
    real = streamlit.download_button

    def spy(label, data, *args, **kwargs):
        files.append((kwargs["file_name"], data))
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(admin_page, default_timeout=60)
    test.session_state["user"] = admin
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    test.text_input(key="admin_code").input("PO-77").run()
    for _ in range(4):
        test.run()
    assert not test.exception, test.exception
    exports = lambda: db.execute("SELECT count(*) FROM audit_log WHERE action = 'export_participant'"  # noqa: E731
                                 ).fetchone()[0]
    assert exports() == 0, "nothing was downloaded"
    made = dict(files)
    assert set(made) == {"registerutdrag-PO-77.json", "registerutdrag-PO-77.pdf"}
    assert all(callable(f) for f in made.values()), "the files are made when they are asked for"
    data = json.loads(made["registerutdrag-PO-77.json"]())
    assert data["code"] == "PO-77"
    assert exports() == 1
    assert made["registerutdrag-PO-77.pdf"]()[:4] == b"%PDF"
    assert exports() == 2, "each copy handed out is logged"
    assert db.execute("SELECT participant_id FROM audit_log WHERE action = 'export_participant'").fetchone()[0] == pid


def _admin_page(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    db = open_db(path)
    publish_definitions(db)
    user = create_user(db, "someone", "ett långt lösenord", "admin")
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(admin_page, default_timeout=60)
    test.session_state["user"] = user
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    return test, db


def _admin_import(tmp_path, monkeypatch, name: str, content: bytes, kind: str | None = None):
    test, db = _admin_page(tmp_path, monkeypatch)
    if kind:
        test.radio(key="import_kind").set_value(kind)
        test.run()
    test.file_uploader(key="import_file").set_value((name, content, "text/csv"))
    test.run()
    test.button(key="import_go").click()
    test.run()
    assert not test.exception
    return test, db


def test_an_upload_named_as_an_absolute_path_is_never_written_there(tmp_path, monkeypatch):
    planted = tmp_path / "planted"
    planted.mkdir()
    target = planted / "evil.csv"
    test, _ = _admin_import(tmp_path, monkeypatch, str(target), b"code,gender\nX-1,okand\n")
    assert not target.exists()  # neither during nor after the (failed) import
    assert [e.value for e in test.error] == ["Inget importerades."]
    assert test.code[0].value.startswith("evil.csv: saknar kolumn(er)")  # the name, not the path


def test_an_upload_imports_from_memory_and_logs_its_base_name(tmp_path, monkeypatch):
    content = b"code,gender,birth_year,programme,started_on\nUP-1,man,1990,porten,2026-01-01\n"
    test, db = _admin_import(tmp_path, monkeypatch, "C:\\Users\\kim\\deltagare.csv", content)
    assert [s.value for s in test.success] == ["1 tillagda, 0 fanns redan."]
    assert db.execute("SELECT detail FROM audit_log WHERE action = 'import'").fetchone()[0] == "deltagare.csv: 1 added"


def test_national_figures_are_uploaded_and_a_year_again_says_it_replaced(tmp_path, monkeypatch):
    content = b"year,indicator,group,share,mean,n\n2025,nns_d_nytta,deltagare,72 %,,1900\n"
    test, db = _admin_import(tmp_path, monkeypatch, "riket.csv", content, kind="national")
    assert [s.value for s in test.success] == ["1 riksresultat importerade för 2025."]
    assert db.execute("SELECT share FROM national_figures").fetchall() == [(0.72,)]
    test.button(key="import_go").click()
    test.run()
    assert [i.value for i in test.info] == ["Ersatte de 1 riksresultat som fanns för 2025."]
    assert db.execute("SELECT detail FROM audit_log WHERE action = 'import'").fetchone()[0] == \
        "riket.csv: 1 national figures (2025)"


def test_a_file_wrong_in_every_row_shows_its_first_problems_and_offers_them_all(tmp_path, monkeypatch):
    """A date format or a mixed-up column makes every row wrong: the page lists the first hundred
    (a list of a million lines would freeze the browser) and gives the whole list as a file."""
    rows = "".join(f"W-{n},man,nittio,porten,2026-01-01\n" for n in range(150))
    test, db = _admin_import(tmp_path, monkeypatch, "alla.csv", ("code,gender,birth_year,programme,started_on\n" + rows).encode())
    assert [e.value for e in test.error] == ["Inget importerades."]
    shown = test.code[0].value.splitlines()
    assert shown[0] == "alla.csv: 150 problem; inget importerades:" and len(shown) == 101
    assert shown[-1] == "rad 101, kolumn birth_year: 'nittio' är inget årtal"
    assert [c.value for c in test.caption][-1] == "Här visas de första 100 av 150 problem. Hela listan kan laddas ner."
    offered = test.get("download_button")
    assert len(offered) == 1 and "Ladda ner alla problem" in offered[0].proto.label
    assert db.execute("SELECT count(*) FROM participants").fetchone()[0] == 0
    assert not test.get("progress"), "no bar left standing at the row the check had reached"


def test_a_refused_import_is_said_in_swedish_on_the_page_and_in_the_file_of_all_problems(tmp_path, monkeypatch):
    """Staff pages are Swedish: the problems of a refused file too, listed and downloaded."""
    import streamlit

    from surveys.definitions import shipped_catalog

    files = []
    real = streamlit.download_button

    def spy(label, data, *args, **kwargs):
        files.append(data)
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    rows = ("S-1,kvinnan,1990,porten,2026-01-01,ingen\n900101-1234,man,1990,okand,2026-13-01,\n" +
            "".join(f"S-{n},man,nittio,porten,2026-01-01,\n" for n in range(3, 103)))
    test, _ = _admin_import(tmp_path, monkeypatch, "deltagare.csv",
                            ("code,gender,birth_year,programme,started_on,coach\n" + rows).encode())
    assert [e.value for e in test.error] == ["Inget importerades."]
    programmes = ", ".join(sorted(p.id for p in shipped_catalog().latest_programmes()))
    shown = test.code[0].value.splitlines()
    assert shown[:6] == ["deltagare.csv: 105 problem; inget importerades:",
                         "rad 2, kolumn gender: 'kvinnan' är inte något av kvinna, man, annat, vill_inte_uppge",
                         "rad 2, kolumn coach: ingen coach har användarnamnet 'ingen'",
                         "rad 3, kolumn code: '900101-1234' ser ut som ett personnummer; använd en pseudonym kod",
                         f"rad 3, kolumn programme: 'okand' är ingen insats ({programmes})",
                         "rad 3, kolumn started_on: '2026-13-01' är inget datum (ÅÅÅÅ-MM-DD)"]
    assert shown[6] == "rad 4, kolumn birth_year: 'nittio' är inget årtal" and len(shown) == 101
    (everything,) = [data() for data in files if callable(data)]
    lines = everything.splitlines()
    assert lines[:101] == shown and len(lines) == 106
    assert lines[-1] == "rad 103, kolumn birth_year: 'nittio' är inget årtal"
    assert not any(word in everything for word in ("row ", "column ", "nothing was imported", "is not"))


def test_a_few_problems_are_all_shown_without_a_file_to_download(tmp_path, monkeypatch):
    rows = "".join(f"F-{n},man,nittio,porten,2026-01-01\n" for n in range(3))
    test, _ = _admin_import(tmp_path, monkeypatch, "tre.csv", ("code,gender,birth_year,programme,started_on\n" + rows).encode())
    assert len(test.code[0].value.splitlines()) == 4 and not test.get("download_button")


def test_the_import_tab_says_where_a_file_too_large_for_the_page_goes(tmp_path, monkeypatch):
    """Streamlit refuses a file over the upload limit with only a red mark (its reason in English,
    on hover): the tab says the limit in participants and the command that takes larger files."""
    test, _ = _admin_page(tmp_path, monkeypatch)
    said = [c.value for c in test.caption]
    assert any("större än 5 MB (ungefär 40\u00a0000 deltagare)" in c and "stegvis import participants FIL" in c
               for c in said), said
