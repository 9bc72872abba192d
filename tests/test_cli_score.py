"""`stegvis score`: CSV in, scores out; bad values name row and column and write nothing."""

import pandas as pd

from stegvis.cli import run


def write(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_scores_to_stdout_and_file(tmp_path, capsys):
    row = {"respondent_id": "r1", **{f"q{n}": 4 for n in range(1, 14)}}
    blank = {"respondent_id": "r2", **{f"q{n}": 4 for n in range(1, 14)}, "q2": None}
    source = write(tmp_path / "in.csv", [row, blank])
    assert run(["score", "kasam13", "--input", str(source)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "respondent_id,begriplighet,hanterbarhet,meningsfullhet,total,total_band,flags,n_missing"
    assert out[1] == "r1,20,16,16,52,low,,0"
    assert out[2] == "r2,,16,16,52,low,,1"
    target = tmp_path / "out.csv"
    assert run(["score", "kasam13", "--input", str(source), "--output", str(target)]) == 0
    assert target.read_text().splitlines()[1] == "r1,20,16,16,52,low,,0"


def test_bad_value_names_row_and_column_and_writes_nothing(tmp_path, capsys):
    rows = [{"respondent_id": "r1", "q1": 4, "q2": 9}, {"respondent_id": "r2", "q1": "fyra", "q2": 1}]
    source = write(tmp_path / "in.csv", rows)
    target = tmp_path / "out.csv"
    assert run(["score", "kasam13", "--input", str(source), "--output", str(target)]) == 1
    err = capsys.readouterr().err
    assert "row 1, column q2: '9'" in err and "row 2, column q1: 'fyra'" in err
    assert not target.exists() and list(tmp_path.iterdir()) == [source]


def test_unknown_column_and_missing_id(tmp_path, capsys):
    assert run(["score", "kasam13", "--input", str(write(tmp_path / "a.csv", [{"respondent_id": 1, "q99": 1}]))]) == 1
    assert "q99 are not items of kasam13" in capsys.readouterr().err
    assert run(["score", "kasam13", "--input", str(write(tmp_path / "b.csv", [{"q1": 1}]))]) == 1
    assert "missing column respondent_id" in capsys.readouterr().err
    empty = tmp_path / "c.csv"
    empty.write_text("")
    assert run(["score", "kasam13", "--input", str(empty)]) == 1
    assert "c.csv: filen är tom" in capsys.readouterr().err  # the file's own errors come from the catalogue
