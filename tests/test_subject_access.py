"""Subject access: everything stored about one person, readable, with question texts."""

import json

from stegvis.cli import run
from stegvis.database import open_db


def test_export_has_everything_about_the_person_only(tmp_path, demo_copy):
    path = demo_copy(tmp_path / "d.db")
    db = open_db(path)
    code = db.execute("SELECT p.code FROM participants p JOIN survey_sessions s ON s.participant_id = p.id "
                      "WHERE s.instrument_id = 'nulage_onskat' LIMIT 1").fetchone()[0]
    out = tmp_path / "utdrag.json"
    assert run(["participant", "export", code, "--output", str(out), "--db", str(path)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["code"] == code and data["enrolments"] and data["consents"]
    survey = next(s for s in data["surveys"] if s["instrument_id"] == "nulage_onskat")
    assert survey["answers"][0]["question"].startswith("Hälsa")
    other_codes = {r[0] for r in db.execute("SELECT code FROM participants WHERE code != ?", [code])}
    assert not any(c in out.read_text(encoding="utf-8") for c in other_codes)
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'export_participant'").fetchone()[0] == 1


def test_export_includes_the_scores_computed_from_the_answers(demo_db, catalog):
    from indicators.scoring import score
    from stegvis.privacy import subject_access
    from surveys.answers import responses_frame

    db = demo_db
    pid, session = db.execute("SELECT participant_id, id FROM survey_sessions WHERE instrument_id = 'kasam29' "
                              "AND status = 'completed' LIMIT 1").fetchone()
    kasam = catalog.instrument("kasam29")
    expected = score(kasam, responses_frame(db, "kasam29", sessions=[session])).iloc[0]
    data = subject_access(db, catalog, pid)
    survey = next(s for s in data["surveys"] if s["instrument_id"] == "kasam29")
    total = next(s for s in survey["scores"] if s["scale"] == kasam.scale("total").label.sv)
    assert total["score"] == round(float(expected["total"]), 1)
    assert total["band"] == next(b.label.sv for b in kasam.scale("total").bands if b.id == expected["total_band"])
    assert all(s["scores"] == [] for s in data["surveys"] if not catalog.instrument(s["instrument_id"]).scales)
