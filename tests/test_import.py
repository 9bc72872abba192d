"""Imports: one bad row means nothing is written and every bad row is listed; the same file
twice changes nothing; Excel works like CSV."""

import pandas as pd
import pytest

from stegvis.accounts import create_user
from stegvis.cli import run
from foundation.errors import StegvisError
from stegvis.imports import ImportRefused, import_exits, import_participants
from stegvis.database import open_db
from surveys.definitions import shipped_catalog
from surveys.store import publish_definitions

ROOT_DATA = __import__("pathlib").Path(__file__).parent.parent / "data"


@pytest.fixture
def setup(tmp_path, catalog):
    path = tmp_path / "i.db"
    db = open_db(path)
    publish_definitions(db)
    for name in ("anna", "cecilia"):
        create_user(db, name, "ett långt lösenord", "coach")
    return path, db


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_sample_files_import_and_reimport_changes_nothing(setup, catalog):
    path, db = setup
    first = import_participants(db, catalog, ROOT_DATA / "sample_participants.csv")
    assert (first.added, first.unchanged) == (3, 0)
    assert count(db, "consents") == 3
    again = import_participants(db, catalog, ROOT_DATA / "sample_participants.csv")
    assert (again.added, again.unchanged) == (0, 3) and count(db, "participants") == 3
    assert import_exits(db, catalog, ROOT_DATA / "sample_exits.csv").added == 1
    assert import_exits(db, catalog, ROOT_DATA / "sample_exits.csv").unchanged == 1
    assert db.execute("SELECT outcome FROM enrolments e JOIN participants p ON p.id = e.participant_id "
                      "WHERE code = 'IMP-001'").fetchone()[0] == "studier_csn"


def test_one_bad_row_writes_nothing_and_every_bad_row_is_listed(setup, catalog, tmp_path):
    _, db = setup
    bad = tmp_path / "bad.csv"
    bad.write_text("code,gender,birth_year,programme,started_on\n"
                   "A-1,kvinna,1990,porten,2026-01-01\n"
                   "A-2,kvinnan,1990,porten,2026-01-01\n"
                   "19900101-1234,man,1990,porten,2026-01-01\n"
                   "A-4,man,nittio,porten,2026-13-01\n"
                   "A-5,man,²,porten,2026-01-01\n"
                   "A-1,man,1990,okand,2026-01-01\n", encoding="utf-8")
    with pytest.raises(StegvisError) as caught:
        import_participants(db, catalog, bad)
    message = str(caught.value)
    for expected in ("rad 3, kolumn gender: 'kvinnan'", "rad 4, kolumn code", "personnummer",
                     "rad 5, kolumn birth_year: 'nittio'", "rad 5, kolumn started_on",
                     "rad 6, kolumn birth_year: '²'", "rad 7, kolumn code: 'A-1' "
                     "finns redan på rad 2", "rad 7, kolumn programme: 'okand'", "inget importerades"):
        assert expected in message
    assert count(db, "participants") == 0 and count(db, "enrolments") == 0


def test_excel_and_bad_exits(setup, catalog, tmp_path):
    _, db = setup
    sheet = tmp_path / "p.xlsx"
    pd.DataFrame({"code": ["X-1"], "gender": ["man"], "birth_year": [1980], "programme": ["porten"],
                  "started_on": ["2026-01-01"]}).to_excel(sheet, index=False)
    assert import_participants(db, catalog, sheet).added == 1
    exits = tmp_path / "e.csv"
    exits.write_text("code,programme,exited_on,outcome\nX-1,porten,2025-12-01,studier_csn\nY-9,porten,2026-02-01,annat\n")
    with pytest.raises(StegvisError) as caught:
        import_exits(db, catalog, exits)
    assert "rad 2, kolumn outcome: 'studier_csn'" in str(caught.value)
    assert "före startdatum" in str(caught.value) and "rad 3, kolumn code: 'Y-9'" in str(caught.value)
    assert caught.value.say("en").splitlines()[1:] == [
        "row 2, column outcome: 'studier_csn' is not an outcome of porten "
        f"({', '.join(o.id for o in catalog.programme('porten').outcomes)})",
        "row 2, column exited_on: 2025-12-01 is before the start 2026-01-01",
        "row 3, column code: 'Y-9' is not enrolled in 'porten'"]
    assert db.execute("SELECT exited_on FROM enrolments").fetchone()[0] is None


def test_cli_import_reports_and_exits_1(setup, tmp_path, capsys):
    path, _ = setup
    assert run(["import", "participants", str(ROOT_DATA / "sample_participants.csv"), "--db", str(path)]) == 0
    assert "3 added" in capsys.readouterr().out
    missing = tmp_path / "m.csv"
    missing.write_text("kod,kön\nA,man\n")
    assert run(["import", "participants", str(missing), "--db", str(path)]) == 1
    assert "saknar kolumn(er) code, gender" in capsys.readouterr().err


def test_events_are_imported_all_or_nothing(tmp_path):
    from stegvis.imports import import_events

    db = open_db(tmp_path / "e.db")
    publish_definitions(db)
    catalog = shipped_catalog()
    db["participants"].insert({"id": 1, "code": "EV-1", "gender": "man", "created_at": "x"})
    db["enrolments"].insert({"participant_id": 1, "programme_id": "porten", "started_on": "2026-01-10",
                             "exited_on": "2026-06-30", "outcome": "studier"})
    bad = tmp_path / "bad.csv"
    bad.write_text("code,programme,event,happened_on,value\n"
                   "EV-1,porten,arbete,2026-02-01,20\n"        # good
                   "EV-1,porten,flygning,2026-02-01,\n"        # not declared
                   "EV-1,porten,praktik,2025-12-01,\n"         # before the start
                   "EV-9,porten,praktik,2026-02-01,\n"         # not enrolled
                   "EV-1,porten,praktik,2026-03-01,tio\n",     # a value for an event without one, not a number
                   encoding="utf-8")
    with pytest.raises(StegvisError) as refused:
        import_events(db, catalog, bad)
    message = str(refused.value)
    for expected in ("rad 3, kolumn event", "rad 4, kolumn happened_on", "rad 5, kolumn code", "rad 6, kolumn value"):
        assert expected in message
    events = ", ".join(e.id for e in catalog.programme("porten").events)
    assert refused.value.say("en").splitlines()[1:] == [
        f"row 3, column event: 'flygning' is not an event of porten ({events})",
        "row 4, column happened_on: 2025-12-01 is outside the enrolment (2026-01-10 – 2026-06-30)",
        "row 5, column code: 'EV-9' is not enrolled in 'porten'",
        "row 6, column value: 'tio' is not a number",
        "row 6, column value: praktik takes no value"]
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    good = tmp_path / "good.csv"
    good.write_text("code,programme,event,happened_on,value\nEV-1,porten,arbete,2026-02-01,20\n"
                    "EV-1,porten,arbetsformaga_klarlagd,2026-03-01,\n", encoding="utf-8")
    assert import_events(db, catalog, good).added == 2
    assert import_events(db, catalog, good).unchanged == 2  # already recorded: left as it is


def test_cells_are_checked_once_per_value_yet_every_row_is_named(setup, catalog, tmp_path):
    """The import checks each distinct value once and plain codes as a whole column; the rows
    it cannot vouch for are checked one by one, so odd-but-right cells are still accepted as
    before and every wrong row is still named."""
    _, db = setup
    rows = ["code,gender,birth_year,programme,started_on,coach,consent_version,consent_scope"]
    rows += [f"P-{n},kvinna,1990,porten,2026-01-01,anna,v1,scope" for n in range(1, 40)]
    rows += [" P-40 , Kvinna ,,porten,2026-02-01T10:00,,,"]
    good = tmp_path / "good.csv"
    good.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_participants(db, catalog, good).added == 40
    assert db.execute("SELECT gender, birth_year, coach_id FROM participants WHERE code = 'P-40'").fetchone() == \
        ("kvinna", None, None)
    assert db.execute("SELECT started_on FROM enrolments e JOIN participants p ON p.id = e.participant_id "
                      "WHERE code = 'P-40'").fetchone()[0] == "2026-02-01"
    assert count(db, "consents") == 39
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(rows[:3] + ["P-1,man,1990,porten,2026-01-01,anna,v1,scope", "Q-1,kvinna,1990,porten,2026-01-01,,,",
                                         "Q-1,kvinna,1990,porten,2026-01-01,,,"]) + "\n", encoding="utf-8")
    with pytest.raises(StegvisError) as caught:
        import_participants(db, catalog, bad)
    assert str(caught.value).splitlines()[1:] == ["rad 4, kolumn code: 'P-1' finns redan på rad 2",
                                                  "rad 4: 'P-1' är redan registrerad med andra uppgifter",
                                                  "rad 6, kolumn code: 'Q-1' finns redan på rad 5"]
    assert count(db, "participants") == 40


EVERY_KIND = ("code,gender,birth_year,programme,started_on,coach,consent_version,consent_scope\n"
              "E-1,kvinna,1990,porten,2026-01-01,anna,v1,samtycke\n"
              ",man,1990,porten,2026-01-01,,,\n"
              "A,man,1990,porten,2026-01-01,,,\n"
              "E-1,kvinnan,nittio,okand,2026-13-01,bertil,v1,\"två\nrader\"\n"
              "900101-1234,man,1990,porten,2026-01-01,,,\n"
              "E/7,man,1990,porten,2026-01-01,,,\n"
              "REG-1,man,1990,porten,2026-01-01,,,\n")


def test_every_problem_of_a_participant_row_is_said_in_swedish_and_in_english_as_before(setup, catalog, tmp_path):
    """The command line and the pages say the problems in Swedish; in English they read word for
    word as they did before they came from the catalogue."""
    _, db = setup
    db["participants"].insert({"id": 1, "code": "REG-1", "gender": "kvinna", "birth_year": 1990, "created_at": "x"})
    db["enrolments"].insert({"participant_id": 1, "programme_id": "porten", "started_on": "2026-01-01"})
    path = tmp_path / "p.csv"
    path.write_text(EVERY_KIND, encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        import_participants(db, catalog, path)
    programmes = ", ".join(sorted(p.id for p in catalog.latest_programmes()))
    assert caught.value.say("en").splitlines() == [
        f"{path}: 12 problem(s); nothing was imported:",
        "row 3, column code: '' is blank",
        "row 4, column code: 'A' is not 2–32 characters long",
        "row 5, column code: 'E-1' already on row 2",
        "row 5, column gender: 'kvinnan' is not one of kvinna, man, annat, vill_inte_uppge",
        "row 5, column birth_year: 'nittio' is not a year",
        f"row 5, column programme: 'okand' is not a programme ({programmes})",
        "row 5, column started_on: '2026-13-01' is not a date (YYYY-MM-DD)",
        "row 5, column coach: no coach with username 'bertil'",
        "row 5, column consent_scope: 'två\\nrader' is not a short line of text (at most 200 characters, "
        "no control characters)",
        "row 6, column code: '900101-1234' looks like a personnummer; use a pseudonymous code",
        "row 7, column code: 'E/7' may only hold letters A–Z, digits, '-' and '_'",
        "row 8: 'REG-1' is already registered with other details"]
    assert str(caught.value).splitlines() == [
        f"{path}: 12 problem; inget importerades:",
        "rad 3, kolumn code: '' är tom",
        "rad 4, kolumn code: 'A' är inte 2–32 tecken lång",
        "rad 5, kolumn code: 'E-1' finns redan på rad 2",
        "rad 5, kolumn gender: 'kvinnan' är inte något av kvinna, man, annat, vill_inte_uppge",
        "rad 5, kolumn birth_year: 'nittio' är inget årtal",
        f"rad 5, kolumn programme: 'okand' är ingen insats ({programmes})",
        "rad 5, kolumn started_on: '2026-13-01' är inget datum (ÅÅÅÅ-MM-DD)",
        "rad 5, kolumn coach: ingen coach har användarnamnet 'bertil'",
        "rad 5, kolumn consent_scope: 'två\\nrader' är ingen kort textrad (högst 200 tecken, inga styrtecken)",
        "rad 6, kolumn code: '900101-1234' ser ut som ett personnummer; använd en pseudonym kod",
        "rad 7, kolumn code: 'E/7' får bara innehålla bokstäverna A–Z, siffror, '-' och '_'",
        "rad 8: 'REG-1' är redan registrerad med andra uppgifter"]
    assert [problem.say("en") for problem in caught.value.problems] == caught.value.say("en").splitlines()[1:]
    assert caught.value.headline.say() == f"{path}: 12 problem; inget importerades:"


def schema(db):
    return sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)


def test_a_large_import_counts_as_one_change_and_leaves_the_schema_as_it_was(setup, catalog, tmp_path):
    """The import sets the per-row data_version triggers aside while it writes and bumps the
    counter once: the board's cache still sees the change, nothing else about the database
    changes, and writing afterwards is counted row by row again."""
    from surveys.store import data_version

    _, db = setup
    before, version = schema(db), data_version(db)
    rows = ["code,gender,birth_year,programme,started_on,coach,consent_version,consent_scope"]
    rows += [f"L-{n},man,1980,porten,2026-01-01,anna,v1,scope" for n in range(500)]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_participants(db, catalog, big).added == 500
    assert data_version(db) == version + 1 and schema(db) == before
    assert [count(db, t) for t in ("participants", "enrolments", "consents")] == [500, 500, 500]
    assert import_participants(db, catalog, big).unchanged == 500
    assert data_version(db) == version + 1 and schema(db) == before  # nothing new: nothing counted
    db.execute("UPDATE participants SET birth_year = 1981 WHERE code = 'L-1'")
    assert data_version(db) == version + 2


def test_a_refused_import_leaves_nothing_behind_and_the_next_one_works(setup, catalog, tmp_path):
    from surveys.store import data_version

    _, db = setup
    before, version = schema(db), data_version(db)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,gender,birth_year,programme,started_on\nB-1,man,1980,porten,2026-01-01\n"
                   "B-2,man,1980,okand,2026-01-01\n", encoding="utf-8")
    for _ in range(2):  # the staging table went with the refused transaction
        with pytest.raises(StegvisError, match="rad 3, kolumn programme"):
            import_participants(db, catalog, bad)
    assert schema(db) == before and data_version(db) == version and count(db, "participants") == 0
    assert not db.execute("SELECT name FROM temp.sqlite_master").fetchall()
    assert import_participants(db, catalog, ROOT_DATA / "sample_participants.csv").added == 3


def test_a_participant_in_two_programmes_matches_either_enrolment(setup, catalog, tmp_path):
    """Registered otherwise means another gender or birth year, or no enrolment in that
    programme from that day: a row matching any of the participant's enrolments is already
    there, whichever the database lists last."""
    _, db = setup
    db["participants"].insert({"id": 7, "code": "TWO-1", "gender": "kvinna", "birth_year": 1990, "created_at": "x"})
    for programme, started in (("porten", "2025-01-01"), ("jobbsam", "2026-01-01")):
        db["enrolments"].insert({"participant_id": 7, "programme_id": programme, "started_on": started})
    for programme, started in (("porten", "2025-01-01"), ("jobbsam", "2026-01-01")):
        same = tmp_path / f"{programme}.csv"
        same.write_text(f"code,gender,birth_year,programme,started_on\nTWO-1,kvinna,1990,{programme},{started}\n",
                        encoding="utf-8")
        assert (import_participants(db, catalog, same).unchanged, count(db, "enrolments")) == (1, 2)
    other = tmp_path / "other.csv"
    other.write_text("code,gender,birth_year,programme,started_on\nTWO-1,kvinna,1990,jobbsam,2026-02-01\n"
                     "TWO-2,man,1990,porten,2026-02-01\n", encoding="utf-8")
    with pytest.raises(StegvisError) as caught:
        import_participants(db, catalog, other)
    assert str(caught.value).splitlines()[1:] == ["rad 2: 'TWO-1' är redan registrerad med andra uppgifter"]
    assert count(db, "participants") == 1


def test_someone_registered_while_the_file_is_checked_is_compared_as_they_are_when_written(setup, catalog, tmp_path):
    """The rows are compared with the registered participants inside the write's transaction:
    a coach registering one of the file's codes meanwhile gets neither a duplicate nor a crash."""
    _, db = setup
    good = tmp_path / "p.csv"
    good.write_text("code,gender,birth_year,programme,started_on\nRACE-1,man,1980,porten,2026-01-01\n"
                    "RACE-2,man,1980,porten,2026-01-01\n", encoding="utf-8")

    def register_meanwhile(details):
        def progress(row, total):
            if not count(db, "participants"):
                db["participants"].insert({"id": 50, "code": "RACE-2", "gender": details, "birth_year": 1980,
                                           "created_at": "x"})
                db["enrolments"].insert({"participant_id": 50, "programme_id": "porten", "started_on": "2026-01-01"})
        return progress

    with pytest.raises(StegvisError) as caught:
        import_participants(db, catalog, good, register_meanwhile("kvinna"))
    assert str(caught.value).splitlines()[1:] == ["rad 3: 'RACE-2' är redan registrerad med andra uppgifter"]
    assert count(db, "participants") == 1
    db.execute("DELETE FROM participants")
    result = import_participants(db, catalog, good, register_meanwhile("man"))
    assert (result.added, result.unchanged, count(db, "participants")) == (1, 1, 2)


def test_foreign_keys_are_checked_once_per_coach_and_programme_and_come_back_on(setup, catalog, tmp_path):
    """The import writes with SQLite's per-row foreign-key checks off and checks each coach and
    programme once instead, inside its transaction: a coach gone meanwhile refuses the file and
    writes nothing, and the connection checks every row again afterwards."""
    _, db = setup
    create_user(db, "gone", "ett långt lösenord", "coach")
    rows = tmp_path / "p.csv"
    rows.write_text("code,gender,birth_year,programme,started_on,coach\nFK-1,man,1980,porten,2026-01-01,anna\n"
                    "FK-2,man,1980,porten,2026-01-01,gone\n", encoding="utf-8")

    def remove_the_coach(row, total):
        db.execute("DELETE FROM users WHERE username = 'gone'")

    with pytest.raises(StegvisError, match=r"^coachen 'gone': finns inte längre; inget importerades$") as caught:
        import_participants(db, catalog, rows, remove_the_coach)
    assert caught.value.say("en") == "coach 'gone': no longer there; nothing was imported"
    assert count(db, "participants") == 0
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1  # only the staged rows' own file skips it
    with pytest.raises(Exception, match="FOREIGN KEY"):
        db.execute("INSERT INTO enrolments (participant_id, programme_id, started_on) VALUES (999, 'porten', 'x')")
    rows.write_text(rows.read_text(encoding="utf-8").replace(",gone", ",cecilia"), encoding="utf-8")
    assert import_participants(db, catalog, rows).added == 2
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


TRICKY_FILES = {
    "plain.csv": b"code,gender\nA-1,man\nA-2,\n",
    "semicolons.csv": "\ufeffcode;gender;scope\nA-1;kvinna;\"med; semikolon\"\n".encode(),
    "short row.csv": b"code,gender,coach\nA-1,man\nA-2,man,anna\n",
    "line break.csv": b"code,scope\nA-1,\"two\nlines\"\n",
    "quoted empty.csv": b"code,gender\nA-1,\"\"\n\nA-2,\" man \"\n",
    "header twice.csv": b"code,code\nA-1,A-2\n",
    "spaced header.csv": b" code , gender\r\nA-1,man\r\n",
    "header only.csv": b"code,gender\n",
}


@pytest.mark.parametrize("name", sorted(TRICKY_FILES))
def test_the_fast_reader_reads_what_the_forgiving_one_reads(tmp_path, name):
    """The participants import reads with pyarrow, and hands a file pyarrow will not take as it
    is to pandas: either way the import sees the same cells (text, or None for an empty one)."""
    from stegvis.files import read_columns, read_table

    path = tmp_path / name
    path.write_bytes(TRICKY_FILES[name])
    frame = read_table(path, dtype=object)
    expected = {column: [None if pd.isna(cell) else str(cell) for cell in frame[column]] for column in frame.columns}
    assert read_columns(path).to_pydict() == expected


def test_an_excel_file_reaches_the_fast_reader_as_text(tmp_path):
    from stegvis.files import read_columns

    path = tmp_path / "p.xlsx"
    pd.DataFrame({"code": ["X-1", "X-2"], "birth_year": [1980, None]}).to_excel(path, index=False)
    assert read_columns(path).to_pydict() == {"code": ["X-1", "X-2"], "birth_year": ["1980", None]}


@pytest.mark.parametrize("where", ["row", "header"])
def test_a_file_not_in_utf8_is_refused_by_name(tmp_path, setup, catalog, where):
    _, db = setup
    path = tmp_path / "latin1.csv"
    header = "code,gender,birth_year,programme,started_on" + (",ålder" if where == "header" else "")
    row = "Å-1,man,1980,porten,2026-01-01" + (",30" if where == "header" else "")
    path.write_bytes(f"{header}\n{row}\n".encode("latin-1"))
    with pytest.raises(StegvisError, match="latin1.csv: texten är inte UTF-8") as caught:
        import_participants(db, catalog, path)
    assert caught.value.say("en") == f"{path}: not UTF-8 text; save it as 'CSV UTF-8' (or .xlsx) and try again"


def test_consent_texts_are_stored_once_however_many_rows_give_them(setup, catalog, tmp_path):
    """A file may give every row a consent text of its own, or all the same one: each text is
    stored once, each consent reads its own, and a row without a consent gets none."""
    from surveys.store import CONSENTS

    _, db = setup
    rows = ["code,gender,birth_year,programme,started_on,consent_version,consent_scope"]
    rows += [f"C-{n},man,1980,porten,2026-01-01,v1,{'enkäter' if n % 2 else f'muntligt {n}'}" for n in range(600)]
    rows += ["C-600,man,1980,porten,2026-01-01,,enkäter"]
    path = tmp_path / "consents.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_participants(db, catalog, path).added == 601
    assert count(db, "consent_texts") == 1 + 300 and count(db, "consents") == 600
    for code, scope in (("C-1", "enkäter"), ("C-2", "muntligt 2"), ("C-600", None)):
        pid = db.execute("SELECT id FROM participants WHERE code = ?", [code]).fetchone()[0]
        assert [c[3] for c in db.execute(CONSENTS, [pid])] == ([scope] if scope else [])
    assert import_participants(db, catalog, path).unchanged == 601 and count(db, "consent_texts") == 301
