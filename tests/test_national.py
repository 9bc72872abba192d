"""National comparison: the NNS's published figures are imported all or nothing (every bad row
listed), a year imported again replaces that year, the board shows them beside its own
indicator results, and `stegvis export nns` hands on the förbund's own figures in the same
shape, protected like the board's."""

import csv
import json

import pandas as pd
import pytest

from foundation.errors import StegvisError
from indicators.board import NATIONAL_SHARE
from stegvis import exports
from stegvis.access import Access
from stegvis.accounts import User
from stegvis.cli import run
from stegvis.database import open_db
from stegvis.files import Upload
from stegvis.imports import import_national
from stegvis.reports import as_json, frame, notes
from surveys.store import publish_definitions

ROOT_DATA = __import__("pathlib").Path(__file__).parent.parent / "data"
HEADER = "year,indicator,group,share,mean,n\n"


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "n.db")
    publish_definitions(database)
    return database


def stored(db) -> list[tuple]:
    return db.execute("SELECT year, indicator, respondent_group, share, mean, n FROM national_figures "
                      "ORDER BY year, indicator, respondent_group").fetchall()


def board(db, catalog) -> Access:
    return Access(db, User(id=0, username="test", role="board"), catalog)


def test_the_sample_file_imports_every_row(db, catalog):
    result = import_national(db, catalog, ROOT_DATA / "sample_national.csv")
    sample = pd.read_csv(ROOT_DATA / "sample_national.csv")
    assert result.figures == len(sample) == len(stored(db)) and result.years == [2024, 2025]
    assert result.replaced == {}
    assert sample["note"].str.contains("EXEMPEL").all(), "the sample's figures say they are made up"


def test_shares_as_percent_decimal_comma_and_excel(db, catalog, tmp_path):
    rows = pd.DataFrame({"year": [2025, 2025, 2025], "indicator": ["nns_d_nytta", "nns_d_inflytande", "nns_s_struktur"],
                         "group": ["deltagare", "deltagare", "styrelse"], "share": ["72 %", "0,64", ""],
                         "mean": ["", "3,9", "4.1"], "n": ["1900", "1850", "0"]})
    rows.to_excel(tmp_path / "riket.xlsx", index=False)
    import_national(db, catalog, tmp_path / "riket.xlsx")
    assert stored(db) == [(2025, "nns_d_inflytande", "deltagare", 0.64, 3.9, 1850),
                          (2025, "nns_d_nytta", "deltagare", 0.72, None, 1900),
                          (2025, "nns_s_struktur", "styrelse", None, 4.1, 0)]


def test_every_bad_row_is_listed_and_nothing_is_written(db, catalog, tmp_path):
    import_national(db, catalog, ROOT_DATA / "sample_national.csv")
    before = stored(db)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER +
                   "2025,nns_d_nytta,deltagare,0.8,,1900\n"         # 2: good
                   "2025,nns_okand,deltagare,0.8,,1900\n"           # 3: unknown indicator
                   "2025,nns_d_nytta,chefer_x,0.8,,1900\n"          # 4: unknown group
                   "tjugo,nns_d_inflytande,deltagare,0.8,,1900\n"   # 5: not a year
                   "2025,nns_d_bemotande,deltagare,1.4,,1900\n"     # 6: share above 1
                   "2025,nns_d_samordning,deltagare,0.8,,-3\n"      # 7: n negative
                   "2025,nns_d_overlamning,deltagare,,,40\n"        # 8: neither share nor mean
                   "2025,nns_d_nytta,deltagare,0.7,,1800\n"         # 9: the key of row 2 again
                   "2025,nns_s_struktur,deltagare,0.5,,300\n",      # 10: not asked of that group
                   encoding="utf-8")
    with pytest.raises(StegvisError) as caught:
        import_national(db, catalog, Upload("bad.csv", bad.read_bytes()))
    message = str(caught.value)
    for expected in ("rad 3, kolumn indicator: 'nns_okand'", "rad 4, kolumn group: 'chefer_x'",
                     "rad 5, kolumn year: 'tjugo'", "rad 6, kolumn share: '1.4'", "skriv en procentsats med %",
                     "rad 7, kolumn n: '-3'", "rad 8: share och mean är båda tomma",
                     "rad 9: 2025, nns_d_nytta, deltagare finns redan på rad 2",
                     "rad 10, kolumn group: 'deltagare': nns_s_struktur ställs bara till styrelse",
                     "8 problem; inget importerades"):
        assert expected in message, (expected, message)
    assert "rad 2" not in message.replace("på rad 2", "")
    english = caught.value.say("en")
    for expected in ("row 5, column year: 'tjugo' is not a year (2000–",
                     "row 6, column share: '1.4' is not a share between 0 and 1 (or 0–100 %); "
                     "write a percentage with %, e.g. 72 %",
                     "row 7, column n: '-3' is not a whole number of answers, 0 or more",
                     "row 8: share and mean are both empty; give one of them (or both)",
                     "row 9: 2025, nns_d_nytta, deltagare already on row 2",
                     "row 10, column group: 'deltagare': nns_s_struktur is asked of styrelse only",
                     "bad.csv: 8 problem(s); nothing was imported:"):
        assert expected in english, (expected, english)
    assert stored(db) == before


def test_a_missing_column_is_named(db, catalog, tmp_path):
    (tmp_path / "x.csv").write_text("year,indicator,share,n\n2025,nns_d_nytta,0.8,10\n", encoding="utf-8")
    with pytest.raises(StegvisError, match="saknar kolumn.*group"):
        import_national(db, catalog, tmp_path / "x.csv")
    (tmp_path / "y.csv").write_text("year,indicator,group,n\n2025,nns_d_nytta,deltagare,10\n", encoding="utf-8")
    with pytest.raises(StegvisError, match="share eller mean") as caught:
        import_national(db, catalog, tmp_path / "y.csv")
    assert caught.value.say("en").endswith(": missing column share or mean; the file needs year, indicator, group, "
                                           "share and/or mean, n")


def test_importing_a_year_again_replaces_it_and_says_so(tmp_path, capsys):
    path = tmp_path / "n.db"
    assert run(["import", "national", str(ROOT_DATA / "sample_national.csv"), "--db", str(path)]) == 0
    revised = tmp_path / "revised.csv"
    revised.write_text(HEADER + "2025,nns_d_nytta,deltagare,0.5,,2000\n", encoding="utf-8")
    capsys.readouterr()
    assert run(["import", "national", str(revised), "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 national figures for 2025" in out and "Replaced the 11 national figures stored for 2025" in out
    db = open_db(path)
    assert [r for r in stored(db) if r[0] == 2025] == [(2025, "nns_d_nytta", "deltagare", 0.5, None, 2000)]
    assert len([r for r in stored(db) if r[0] == 2024]) == 11, "another year is left as it was"


def test_a_bad_file_exits_1_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2025,nns_d_nytta,deltagare,0.8,,många\n", encoding="utf-8")
    assert run(["import", "national", str(bad), "--db", str(tmp_path / "n.db")]) == 1
    err = capsys.readouterr().err
    assert "rad 2, kolumn n: 'många' är inget helt antal svar" in err and "Traceback" not in err


# -- the board ---------------------------------------------------------------------------------


def national_of(db, year) -> dict:
    return {(i, g): s for y, i, g, s, _, _ in stored(db) if y == year}


def test_the_board_shows_the_national_share_beside_its_own(demo_db, catalog):
    access = board(demo_db, catalog)
    import_national(demo_db, catalog, ROOT_DATA / "sample_national.csv")
    national = national_of(demo_db, 2025)
    for period_id, programme in (("2025", None), ("2025-H1", "jobbvagen_ar"), ("2025-K3", None)):
        report = access.board_report(programme, period_id)
        tables = [t for t in report.tables if t.id.startswith("indicators/") and t.national_year]
        assert tables, period_id
        for table in tables:
            assert table.national_year == 2025
            column = [c.id for c in table.columns].index(NATIONAL_SHARE)
            assert table.columns[column].unit == NATIONAL_SHARE
            for row, values in zip(table.rows, table.values):
                assert values[column] == national.get(tuple(row.split(":", 1))), (period_id, table.id, row)
    page = frame(report, tables[0])
    assert "Riket 2025, andel" in page.columns
    published = as_json(report)
    entry = next(t for t in published["tables"] if t["id"] == tables[0].id)
    assert entry["national_year"] == 2025 and entry["columns"][-1]["unit"] == NATIONAL_SHARE
    assert any("Riket (2025)" in note for note in notes(report))


def test_a_revised_year_reaches_the_board_at_once(demo_db, catalog, tmp_path):
    """The board's reports are cached until the data change; new national figures are a change."""
    access = board(demo_db, catalog)
    import_national(demo_db, catalog, ROOT_DATA / "sample_national.csv")
    before = access.board_report(None, "2025")
    revised = tmp_path / "revised.csv"
    revised.write_text(HEADER + "2025,nns_d_nytta,deltagare,0.33,,2000\n", encoding="utf-8")
    import_national(demo_db, catalog, revised)
    after = access.board_report(None, "2025")
    assert after is not before
    for table in after.tables:
        if table.national_year:
            column = [c.id for c in table.columns].index(NATIONAL_SHARE)
            shares = {row: values[column] for row, values in zip(table.rows, table.values)}
            assert shares.get("nns_d_nytta:deltagare", 0.33) == 0.33
            assert set(shares.values()) <= {0.33, None}


def test_the_whole_time_shows_the_latest_year_and_says_so(demo_db, catalog):
    import_national(demo_db, catalog, ROOT_DATA / "sample_national.csv")
    report = board(demo_db, catalog).board_report(None, "hela")
    table = next(t for t in report.tables if t.id.startswith("indicators/") and t.national_year)
    assert table.national_year == 2025
    assert "Riket 2025 (senaste), andel" in frame(report, table).columns


def test_no_national_figures_for_the_year_no_column(demo_db, catalog):
    demo_db.execute("DELETE FROM national_figures")
    demo_db.conn.commit()
    report = board(demo_db, catalog).board_report(None, "2025")
    for table in report.tables:
        assert NATIONAL_SHARE not in [c.id for c in table.columns] and table.national_year is None
    assert not any("Riket" in note for note in notes(report))


def test_a_missing_national_figure_reads_as_a_dash_not_as_hidden(demo_db, catalog, tmp_path):
    partial = tmp_path / "partial.csv"
    partial.write_text(HEADER + "2025,nns_d_nytta,deltagare,0.77,,1900\n", encoding="utf-8")
    import_national(demo_db, catalog, partial)
    report = board(demo_db, catalog).board_report(None, "2025")
    table = next(t for t in report.tables if t.national_year)
    shown = frame(report, table)["Riket 2025, andel"].tolist()
    assert "77 %" in [s.replace("\u00a0", " ") for s in shown] and "–" in shown
    assert "för få svar" not in shown


# -- the export for the national compilation ---------------------------------------------------


def test_export_nns_is_the_boards_protected_year(demo_db, demo_path, catalog, tmp_path):
    access = board(demo_db, catalog)
    k = 5
    output = tmp_path / "nns-2025.csv"
    assert run(["export", "nns", "--year", "2025", "--output", str(output), "--db", str(demo_path)]) == 0
    with output.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == ["year", "indicator", "group", "share", "mean", "n"]
    assert all(r["year"] == "2025" for r in rows)
    small = [r for r in rows if r["n"] and 1 <= int(r["n"]) <= k - 1]
    assert not small, f"an n between 1 and {k - 1}: {small}"
    assert any(r["n"] == "" for r in rows), "the demo's year has hidden figures; they stay empty"
    # each row is the sum of the board's own rows for that indicator and group
    report = access.board_report(None, "2025")
    board_rows: dict[tuple, list] = {}
    for table in report.tables:
        if table.id.startswith("indicators/"):
            ids = [c.id for c in table.columns]
            for row, values in zip(table.rows, table.values):
                board_rows.setdefault(tuple(row.split(":", 1)), []).append(dict(zip(ids, values)))
    assert {(r["indicator"], r["group"]) for r in rows} == set(board_rows)
    for r in rows:
        parts = board_rows[(r["indicator"], r["group"])]
        counts = [p["n"] for p in parts]
        assert r["n"] == ("" if None in counts else str(sum(counts)))
        if len(parts) == 1:
            share = parts[0]["andel"]
            assert (r["share"] == "") if share is None else float(r["share"]) == pytest.approx(share)
        if r["share"]:
            assert all(p["andel"] is not None or p["n"] == 0 for p in parts)


def test_export_nns_refuses_a_year_that_is_not_completed(demo_db, catalog):
    with pytest.raises(StegvisError, match="not a completed year"):
        exports.nns(board(demo_db, catalog), 2031)


def test_the_export_can_be_read_back_as_national_figures(demo_path, catalog, tmp_path):
    """The same shape both ways: the rows with a figure import into another Stegvis."""
    output = tmp_path / "nns.csv"
    assert run(["export", "nns", "--year", "2025", "--output", str(output), "--db", str(demo_path)]) == 0
    shown = pd.read_csv(output, dtype=str, keep_default_na=False)
    shown = shown[(shown["share"] != "") | (shown["mean"] != "")]
    shown.to_csv(tmp_path / "back.csv", index=False)
    other = open_db(tmp_path / "other.db")
    publish_definitions(other)
    assert import_national(other, catalog, tmp_path / "back.csv").figures == len(shown) > 0
    assert json.dumps(stored(other))  # plain numbers
