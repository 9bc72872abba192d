"""Tidy exports: pseudonymised by default, documented columns, formula-safe."""

import pandas as pd

from stegvis.cli import run
from stegvis.database import open_db


def test_exports_are_pseudonymised_tidy_and_safe(tmp_path, demo_copy):
    path = demo_copy(tmp_path / "x.db")
    db = open_db(path)
    session = db.execute("SELECT id FROM survey_sessions WHERE instrument_id = 'deltagare_avslut' LIMIT 1").fetchone()[0]
    db.execute("INSERT OR REPLACE INTO answers (session_id, instrument_id, instrument_version, item_id, status, "
               "value_text, value_type, answered_at) VALUES (?, 'deltagare_avslut', 1, 'kommentar', 'answered', "
               "'=HYPERLINK(\"http://evil\")', 'text', '2026-01-01')", [session])
    db.conn.commit()
    for kind in ("answers", "scores", "indicators"):
        assert run(["export", kind, "--output", str(tmp_path / f"{kind}.csv"), "--db", str(path)]) == 0
    answers = pd.read_csv(tmp_path / "answers.csv")
    codes = {r[0] for r in db.execute("SELECT code FROM participants")}
    assert not set(answers["respondent"].dropna()) & codes
    assert answers["respondent"].dropna().str.match(r"^R-[0-9a-f]{12}$").all()
    assert list(answers.columns) == ["respondent", "programme_id", "occasion", "respondent_group", "instrument_id",
                                     "instrument_version", "item_id", "status", "value_num", "value_text",
                                     "value_type", "other_text", "answered_at"]
    assert "'=HYPERLINK" in (tmp_path / "answers.csv").read_text()
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert {"scale", "score", "band"} <= set(scores.columns) and set(scores["scale"]) >= {"total", "nulage"}
    indicators = pd.read_csv(tmp_path / "indicators.csv")
    assert (indicators["n"].dropna() >= 5).all()
    assert run(["export", "answers", "--with-codes", "--output", str(tmp_path / "c.csv"), "--db", str(path)]) == 0
    assert set(pd.read_csv(tmp_path / "c.csv")["respondent"].dropna()) <= codes
