"""`stegvis report outcomes`: JSON, CSV and Markdown; bad rows listed, exit 1."""

import json

from stegvis.cli import run


def test_json_report_for_seed000(fixtures, capsys):
    source = fixtures / "engine" / "seed000_exits.csv"
    assert run(["report", "outcomes", "--programme", "jobbvagen_ar", "--input", str(source)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"programme", "n", "rows", "goals"}
    assert report["goals"][0]["numerator"] == 28 and report["goals"][0]["denominator"] == 65
    assert set(report["rows"][0]) == {"outcome", "label", "counts", "shares"}


def test_min_cell_and_other_formats(fixtures, capsys):
    source = str(fixtures / "engine" / "seed000_exits.csv")
    assert run(["report", "outcomes", "-p", "jobbvagen_ar", "-i", source, "--min-cell", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert any(v is None for row in report["rows"] for v in row["counts"].values())
    assert run(["report", "outcomes", "-p", "jobbvagen_ar", "-i", source, "-f", "csv"]) == 0
    assert capsys.readouterr().out.startswith("outcome,label,n_kvinna,n_man,n_alla,share_kvinna")
    assert run(["report", "outcomes", "-p", "jobbvagen_ar", "-i", source, "-f", "md"]) == 0
    assert "28 av 65 = 43,1\u00a0%" in capsys.readouterr().out


def test_bad_rows_exit_1_listing_each(tmp_path, capsys):
    source = tmp_path / "exits.csv"
    source.write_text("participant_id,gender,outcome\na,kvinna,af_insats\nb,,af_insats\na,man,okand\n")
    assert run(["report", "outcomes", "-p", "jobbvagen_ar", "-i", str(source)]) == 1
    err = capsys.readouterr().err
    assert "row 2, column gender" in err and "row 3, column participant_id" in err and "row 3, column outcome" in err
    assert "Traceback" not in err
