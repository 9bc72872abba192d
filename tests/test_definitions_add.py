"""The förbund's own definitions: `stegvis definitions add` validates a file and publishes it
(a row in `definitions`, a copy in the definitions folder), or refuses it with file and line and
publishes nothing; a programme added so is used at once, by a running app too."""

import contextlib
import os
import re
import sqlite3
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from foundation.errors import StegvisError
from foundation.settings import setting, update_setting
from stegvis.accounts import create_user, get_user
from stegvis.cli import run
from stegvis.database import open_db
from stegvis.entrance import Entrance
from surveys.answers import SKIPPED
from surveys.definitions import SHIPPED_DIR, shipped_catalog
from surveys.publish import add_definition, definitions_dir
from surveys.store import publish_definitions

NEW = "forbundets_insats"


def shipped_programme():
    """A shipped programme whose surveys are answered on a scale (the copy's first occasion is asked)."""
    return shipped_catalog().programme("porten")


def copy_of_shipped(folder: Path, new_id: str = NEW, version: int | None = None, name: str = "copy.yaml",
                    change=lambda text: text) -> Path:
    """A shipped programme file with its id and name (and perhaps its version) changed, as a förbund makes one."""
    programme = shipped_programme()
    text = (SHIPPED_DIR / "programmes" / f"{programme.id}.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^id: .*$", f"id: {new_id}", text, count=1)
    text = re.sub(r"(?m)^name: .*$", "name: {sv: Förbundets insats, en: Our programme}", text, count=1)
    if version is not None:
        text = re.sub(r"(?m)^version: .*$", f"version: {version}", text, count=1)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(change(text), encoding="utf-8")
    return path


def rows(db) -> list[tuple]:
    return db.execute("SELECT kind, id, version, content FROM definitions ORDER BY rowid").fetchall()


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} \
        if folder.exists() else {}


# -- usable at once -----------------------------------------------------------------------------


def answer_everything(visit) -> None:
    while (part := visit.current()) is not None:
        for item in part.questions:
            if item.kind == "scale":
                visit.give(part, item.id, part.instrument.item_range(item.id)[0])
            else:
                visit.give(part, item.id, status=SKIPPED)
        visit.send_in(part)


def test_a_copy_of_a_shipped_programme_is_used_at_once_without_restarting(demo_path, tmp_path):
    """The app is running (an entrance open, its catalog read) when the förbund adds a programme:
    the next click registers a participant in it, their code opens a survey, and the board sees
    its figures."""
    running = Entrance(demo_path)  # as a browser session of the running app holds it
    db = open_db(demo_path)
    admin = get_user(db, "admin")
    assert NEW not in [p.id for p in running.access(admin).programmes()]

    added = add_definition(db, copy_of_shipped(tmp_path / "mine"))

    assert added.new and added.file == demo_path.parent / "definitions" / "programmes" / f"{NEW}.yaml"
    api = running.access(admin)
    assert NEW in [p.id for p in api.programmes()]
    outcomes = [o.id for o in api.catalog.programme(NEW).outcomes]
    people = [api.register_participant(f"FI-{n}", "kvinna" if n % 2 else "man", 1980 + n, NEW,
                                       f"2025-02-0{n + 1}", "v1", "enkäter") for n in range(6)]
    first = api.catalog.programme(NEW).occasions[0]
    _, code = api.open_visit(people[0], first.id)
    answer_everything(running.open_code(code, "192.0.2.7"))
    done = db.execute("SELECT count(*) FROM survey_sessions WHERE programme_id = ? AND status = 'completed'",
                      [NEW]).fetchone()[0]
    assert done == len(first.instruments)
    for n, pid in enumerate(people):
        api.record_exit(api.participant(pid)["enrolments"][0]["id"], f"2025-09-1{n}", outcomes[n % 2])

    report = running.access(get_user(db, "styrelse")).board_report(NEW, "2025")
    table = report.table(f"outcomes/{NEW}")
    assert table is not None and table.programme == NEW
    assert 6 in [v for row in table.values for v in row], "six exits in 2025, enough to be shown"
    assert {g.programme for g in report.goals} == {NEW}
    db.close()


def test_a_running_app_reads_the_definitions_once_until_one_is_published(db, tmp_path):
    first, second = Entrance(tmp_path / "stegvis.db"), Entrance(tmp_path / "stegvis.db")
    assert first.catalog is second.catalog, "browser sessions share one catalog (and so the board's cache)"
    assert first.catalog is first.catalog
    add_definition(db, copy_of_shipped(tmp_path / "mine"))
    assert first.catalog is second.catalog and NEW in {p.id for p in first.catalog.latest_programmes()}


# -- the command --------------------------------------------------------------------------------


def test_the_command_publishes_into_the_folder_beside_the_database(db, tmp_path, capsys):
    path = copy_of_shipped(tmp_path / "mine")
    assert run(["definitions", "add", str(path), "--db", str(tmp_path / "stegvis.db")]) == 0
    target = tmp_path / "definitions" / "programmes" / f"{NEW}.yaml"
    assert f"Published programme {NEW} version" in capsys.readouterr().out
    assert target.read_bytes() == path.read_bytes(), "the file as written, comments and all"
    assert run(["definitions", "add", str(path), "--db", str(tmp_path / "stegvis.db")]) == 0
    assert "published already; nothing changed" in capsys.readouterr().out
    assert run(["definitions", "list", "--db", str(tmp_path / "stegvis.db")]) == 0
    listed = capsys.readouterr().out
    assert re.search(rf"programme +{NEW} .* förbund {re.escape(str(target))}", listed)
    assert re.search(rf"programme +{shipped_programme().id} .* shipped", listed)


def test_a_new_version_replaces_the_folders_file_and_keeps_the_old_one_in_the_database(db, tmp_path):
    add_definition(db, copy_of_shipped(tmp_path / "mine", version=1))
    later = copy_of_shipped(tmp_path / "mine", version=2, name="later.yaml",
                            change=lambda text: text.replace("max_months: 12", "max_months: 18"))
    assert add_definition(db, later).new
    assert [r[2] for r in rows(db) if r[1] == NEW] == [1, 2]
    assert (tmp_path / "definitions" / "programmes" / f"{NEW}.yaml").read_bytes() == later.read_bytes()


def test_the_folder_can_be_chosen_and_a_relative_one_is_kept_absolute(db, tmp_path, monkeypatch):
    assert definitions_dir(db) == tmp_path / "definitions"
    monkeypatch.chdir(tmp_path)
    assert run(["config", "definitions_dir", "egna", "--db", str(tmp_path / "stegvis.db")]) == 0
    assert setting(db, "definitions_dir") == str(tmp_path / "egna")
    monkeypatch.chdir("/")
    assert add_definition(db, copy_of_shipped(tmp_path / "mine")).file == tmp_path / "egna" / "programmes" / f"{NEW}.yaml"
    with pytest.raises(StegvisError, match="definitions_dir"):
        update_setting(db, "definitions_dir", "a\nb")
    update_setting(db, "definitions_dir", "")
    assert definitions_dir(db) == tmp_path / "definitions"


# -- refused, and nothing published -------------------------------------------------------------


def refused(db, tmp_path, path, match, folder=None):
    """Adding `path` fails with `match` in the message, and neither a row nor a file appears."""
    folder = folder or tmp_path / "definitions"
    before_rows, before_files = rows(db), files_under(folder)
    with pytest.raises(StegvisError, match=match):
        add_definition(db, path)
    assert rows(db) == before_rows
    assert files_under(folder) == before_files
    assert not [p for p in folder.rglob("*.tmp")] if folder.exists() else True


def test_a_definition_with_an_error_is_refused_with_file_and_line(db, tmp_path, capsys):
    broken = copy_of_shipped(tmp_path, change=lambda text: text.replace("anchor: start", "anchor: sometime", 1))
    refused(db, tmp_path, broken, r"copy\.yaml:\d+: occasions\.0\.anchor")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("id: x\nversion: 1\nname: [unclosed\n", encoding="utf-8")
    refused(db, tmp_path, bad_yaml, r"bad\.yaml:\d+: not valid YAML")
    assert run(["definitions", "add", str(broken), "--db", str(tmp_path / "stegvis.db")]) == 1
    assert re.search(r"copy\.yaml:\d+: occasions\.0\.anchor", capsys.readouterr().err)


def test_a_programme_naming_an_unknown_instrument_is_refused_at_its_line(db, tmp_path):
    instrument = shipped_programme().occasions[0].instruments[0]
    path = copy_of_shipped(tmp_path, change=lambda text: text.replace(f"[{instrument}]", "[finns_inte]", 1))
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "finns_inte" in text)
    refused(db, tmp_path, path, rf"copy\.yaml:{line}: programme {NEW}, occasion \w+: unknown instrument finns_inte")


def test_an_instrument_the_folder_published_may_be_named(db, tmp_path):
    """Cross-references reach the förbund's own instruments, published earlier, as well as the shipped ones."""
    instrument = shipped_programme().occasions[0].instruments[0]
    own = tmp_path / "own_instrument.yaml"
    text = (SHIPPED_DIR / "instruments" / f"{instrument}.yaml").read_text(encoding="utf-8")
    own.write_text(re.sub(r"(?m)^id: .*$", "id: egen_enkat", text, count=1), encoding="utf-8")
    path = copy_of_shipped(tmp_path, change=lambda text: text.replace(f"[{instrument}]", "[egen_enkat]", 1))
    refused(db, tmp_path, path, "unknown instrument egen_enkat")
    assert add_definition(db, own).new
    assert add_definition(db, path).new


def test_a_changed_file_that_kept_its_version_is_refused(db, tmp_path):
    add_definition(db, copy_of_shipped(tmp_path / "mine", version=3))
    changed = copy_of_shipped(tmp_path, version=3, change=lambda text: text.replace("max_months: 12", "max_months: 13"))
    refused(db, tmp_path, changed, r"copy\.yaml:\d+: version: .* version 3 is published already .* raise `version` to 4")
    older = copy_of_shipped(tmp_path, version=2, name="older.yaml")
    refused(db, tmp_path, older, r"version 3 is published already; give this one version 4")


def test_a_shipped_id_changes_only_with_stegvis(db, tmp_path):
    shipped = shipped_programme()
    same_id = copy_of_shipped(tmp_path, new_id=shipped.id, version=shipped.version + 1)
    refused(db, tmp_path, same_id, rf"copy\.yaml:\d+: id: programme {shipped.id} ships with Stegvis")
    other_content = copy_of_shipped(tmp_path, new_id=shipped.id, name="same_version.yaml",
                                    change=lambda text: text.replace("max_months: 12", "max_months: 13"))
    refused(db, tmp_path, other_content, "ships with Stegvis")
    untouched = SHIPPED_DIR / "programmes" / f"{shipped.id}.yaml"
    assert not add_definition(db, untouched).new  # the shipped file itself: nothing to publish


@pytest.mark.parametrize("hostile_id", ["../../etc/passwd", "/tmp/x", "..", "pörten", "p\u043erten", "ab\u200bc",
                                        "x\\n", "UPPER", "a" * 65, "con.yaml", "a/b"])
def test_an_id_that_is_not_a_plain_name_is_refused(db, tmp_path, hostile_id):
    path = copy_of_shipped(tmp_path, change=lambda text: text.replace(f"id: {NEW}", f'id: "{hostile_id}"', 1))
    refused(db, tmp_path, path, r"copy\.yaml:\d+: id: String should")


def test_the_files_name_never_decides_where_the_copy_goes(db, tmp_path):
    """A name with `../`, a right-to-left override or decomposed letters is only read: the copy is
    named after the validated id, inside the folder."""
    (tmp_path / "a" / "b").mkdir(parents=True)
    weird = tmp_path / "a" / "b" / ".." / "..\u202elmay.po\u0308rten.yaml"
    copy_of_shipped(tmp_path, name="source.yaml").replace(weird)
    outside = {p for p in tmp_path.rglob("*") if "definitions" not in p.parts}
    added = add_definition(db, weird)
    assert added.file == tmp_path / "definitions" / "programmes" / f"{NEW}.yaml"
    assert {p for p in tmp_path.rglob("*") if "definitions" not in p.parts} == outside
    assert list(files_under(tmp_path / "definitions")) == [f"programmes/{NEW}.yaml"]


def test_a_symlink_in_the_folder_is_replaced_not_followed(db, tmp_path):
    victim = tmp_path / "elsewhere.txt"
    victim.write_text("not yours", encoding="utf-8")
    (tmp_path / "definitions" / "programmes").mkdir(parents=True)
    os.symlink(victim, tmp_path / "definitions" / "programmes" / f"{NEW}.yaml")
    add_definition(db, copy_of_shipped(tmp_path / "mine"))
    assert victim.read_text(encoding="utf-8") == "not yours"
    assert not (tmp_path / "definitions" / "programmes" / f"{NEW}.yaml").is_symlink()


def test_groups_forbund_and_text_packs_are_not_published_this_way(db, tmp_path, fixtures):
    for path in (SHIPPED_DIR / "groups.yaml", SHIPPED_DIR / "forbund.yaml",
                 fixtures / "definitions" / "tiny_textpack.yaml"):
        refused(db, tmp_path, path, "only instruments and programmes")


def test_a_folder_that_cannot_be_written_publishes_nothing(db, tmp_path):
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    update_setting(db, "definitions_dir", str(tmp_path / "a_file" / "definitions"))
    refused(db, tmp_path, copy_of_shipped(tmp_path / "mine"), "cannot write the definitions folder",
            folder=tmp_path / "a_file" / "definitions")


def test_a_failed_store_leaves_no_file(db, tmp_path, monkeypatch):
    import surveys.publish

    def broken(*args, **kwargs):
        raise StegvisError("the disk is full")

    monkeypatch.setattr(surveys.publish, "publish_definitions", broken)
    refused(db, tmp_path, copy_of_shipped(tmp_path / "mine"), "the disk is full")


def test_a_failure_after_the_file_is_in_place_puts_the_old_file_back(db, tmp_path, monkeypatch):
    """The row is stored in the same transaction as the file is renamed into place: if anything
    fails after the rename (the commit), the transaction is rolled back and the folder's file restored."""
    import surveys.publish

    add_definition(db, copy_of_shipped(tmp_path / "mine", version=1))
    before = files_under(tmp_path / "definitions")
    real_transaction = surveys.publish.transaction

    @contextlib.contextmanager
    def commit_fails(database):
        with real_transaction(database):
            yield database
            raise sqlite3.OperationalError("disk I/O error")  # rolled back, as a failed COMMIT is

    monkeypatch.setattr(surveys.publish, "transaction", commit_fails)
    with pytest.raises(sqlite3.OperationalError):
        add_definition(db, copy_of_shipped(tmp_path / "mine", version=2,
                                           change=lambda text: text.replace("max_months: 12", "max_months: 18")))
    monkeypatch.undo()
    assert files_under(tmp_path / "definitions") == before
    assert [r[2] for r in rows(db) if r[1] == NEW] == [1]


# -- the admin page -----------------------------------------------------------------------------


def admin_page():
    from dashboards.admin import page

    page()


def test_the_admin_page_lists_versions_and_where_they_come_from(db, tmp_path, monkeypatch):
    """The page is open when the definition is published: its next rerun lists it."""
    monkeypatch.setenv("STEGVIS_DB", str(tmp_path / "stegvis.db"))
    test = AppTest.from_function(admin_page, default_timeout=60)
    test.session_state["user"] = create_user(db, "admin", "ett långt lösenord", "admin")
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    assert not test.exception, test.exception
    add_definition(db, copy_of_shipped(tmp_path / "mine"))
    test.run()
    assert not test.exception, test.exception
    assert "Förbundets insats" in test.multiselect[0].options, "the programme can be given to a coach at once"
    frame = next(f.value for f in test.dataframe if "Kommer från" in f.value.columns)
    mine = frame[frame["Id"] == NEW].iloc[0]
    assert (mine["Slag"], mine["Kommer från"]) == ("Insats", "Förbundets mapp")
    assert mine["Fil"].endswith(f"programmes/{NEW}.yaml")
    shipped = frame[frame["Id"] == shipped_programme().id].iloc[0]
    assert (shipped["Kommer från"], shipped["Fil"]) == ("Levereras med Stegvis", "")
    assert len(frame) == len(rows(db))
