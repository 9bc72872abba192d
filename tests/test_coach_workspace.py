"""The coach's workspace through Streamlit's AppTest on demo data: only the coach's own
participants, the to-do list, registering, exits, and outcomes the programme does not have."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.common import plain
from stegvis.accounts import get_user


@pytest.fixture
def demo(demo_path, demo_db):
    return demo_path, demo_db


def caseload_page():
    from dashboards.coach import caseload_page

    caseload_page()


def participant_page():
    from dashboards.coach import participant_page

    participant_page()


def register_page():
    from dashboards.coach import register_page

    register_page()


def trends_page():
    from dashboards.coach import trends_page

    trends_page()


PAGES = {f.__name__: f for f in (caseload_page, participant_page, register_page, trends_page)}


def as_user(demo, monkeypatch, name, username="anna"):
    path, db = demo
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(PAGES[name], default_timeout=60)
    test.session_state["user"] = get_user(db, username)
    test.session_state["last_seen"] = time.monotonic()
    return test


def all_text(test) -> str:
    parts = [str(e.value) for kind in ("markdown", "title", "header", "subheader", "caption", "info", "warning", "error",
                                       "success") for e in getattr(test, kind)]
    parts += [frame.value.to_csv() for frame in test.dataframe]
    return "\n".join(parts)


def test_caseload_shows_only_the_coachs_own_participants(demo, monkeypatch):
    _, db = demo
    test = as_user(demo, monkeypatch, "caseload_page").run()
    assert not test.exception
    text = all_text(test)
    anna, cecilia = get_user(db, "anna"), get_user(db, "cecilia")
    own = {r[0] for r in db.execute("SELECT code FROM participants WHERE coach_id = ?", [anna.id])}
    others = {r[0] for r in db.execute("SELECT code FROM participants WHERE coach_id = ?", [cecilia.id])}
    assert any(code in text for code in own)
    assert not any(code in text for code in others)
    assert "Att göra" in text


def test_participant_page_renders_every_tab_and_logs_the_view(demo, monkeypatch):
    _, db = demo
    test = as_user(demo, monkeypatch, "participant_page", "cecilia").run()
    assert not test.exception, test.exception
    code = test.selectbox(key="coach_participant").options[0]
    test.selectbox(key="coach_participant").select(code).run()
    assert code.startswith("PO-")
    pid = db.execute("SELECT id FROM participants WHERE code = ?", [code]).fetchone()[0]
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'view_participant' AND participant_id = ?",
                      [pid]).fetchone()[0] >= 1
    for other in test.selectbox(key="coach_participant").options[:6]:
        test.selectbox(key="coach_participant").select(other).run()
        assert not test.exception, (other, test.exception)


def test_register_and_exit_with_an_outcome(demo, monkeypatch):
    _, db = demo
    test = as_user(demo, monkeypatch, "register_page").run()
    test.text_input(key="reg_code").input("JV-NY-1")
    test.checkbox(key="reg_consent").check()
    # nothing unchosen becomes data: gender and year of birth start empty, a register needs a gender
    assert test.selectbox(key="reg_gender").value is None and test.number_input(key="reg_birth_year").value is None
    assert test.selectbox(key="reg_consent_version").options == ["samtycke-2024-1"]  # from configuration
    test.button[0].click().run()
    assert "Välj kön" in all_text(test)
    test.selectbox(key="reg_gender").select("kvinna")
    start_fields = [s for s in test.selectbox if s.key and s.key.startswith("registry_start_")]
    assert start_fields and all(s.value is None for s in start_fields), "the programme's start fields start empty"
    test.button[0].click().run()
    assert "välj ett svar" in all_text(test)  # a required field left empty: nothing registered
    assert db.execute("SELECT count(*) FROM participants WHERE code = 'JV-NY-1'").fetchone()[0] == 0
    for field in start_fields:
        test.selectbox(key=field.key).select_index(len(field.options) - 1)  # "Okänd": an explicit choice
    test.button[0].click().run()
    assert plain("JV-NY-1") + " är registrerad." in all_text(test)  # the code as text, not Markdown
    pid, coach = db.execute("SELECT id, coach_id FROM participants WHERE code = 'JV-NY-1'").fetchone()
    assert coach == get_user(db, "anna").id
    assert db.execute("SELECT count(*) FROM consents WHERE participant_id = ?", [pid]).fetchone()[0] == 1

    test = as_user(demo, monkeypatch, "participant_page").run()
    test.selectbox(key="coach_participant").select("JV-NY-1").run()
    exit_form = [s for s in test.selectbox if s.label == "Avslutsorsak"][0]
    assert set(exit_form.options) == {o.label.sv for o in __import__("surveys.definitions", fromlist=["x"])
                                      .shipped_catalog().programme("jobbvagen_ar").outcomes}
    exit_form.select("studier_csn")
    for field in [s for s in test.selectbox if s.key and s.key.startswith("registry_exit_")]:
        assert field.value is None
        field.select("studiemedel")
    [b for b in test.button if b.label == "Registrera avslut"][0].click().run()
    # asked first: nothing is recorded until the coach confirms
    assert db.execute("SELECT exited_on FROM enrolments WHERE participant_id = ?", [pid]).fetchone()[0] is None
    assert "Registrera avslut för JV\\-NY\\-1" in all_text(test)
    [b for b in test.button if b.label == "Ja, registrera avslutet"][0].click().run()
    assert db.execute("SELECT value_text FROM registry_values WHERE participant_id = ? AND field = "
                      "'forsorjning_avslut'", [pid]).fetchone() == ("studiemedel",)
    assert db.execute("SELECT outcome FROM enrolments WHERE participant_id = ?", [pid]).fetchone()[0] == "studier_csn"
    [b for b in test.button if b.label == "Ångra avslut"][0].click().run()  # a mistake: undone, logged
    assert db.execute("SELECT exited_on, outcome FROM enrolments WHERE participant_id = ?", [pid]).fetchone() == \
        (None, None)
    assert db.execute("SELECT count(*) FROM registry_values WHERE participant_id = ? AND field = "
                      "'forsorjning_avslut'", [pid]).fetchone()[0] == 0
    assert [s for s in test.selectbox if s.label == "Avslutsorsak"][0].value is None, "no outcome chosen in advance"


def test_outcome_not_in_the_programme_is_refused(demo):
    from stegvis.access import Access
    from foundation.errors import StegvisError
    from surveys.definitions import shipped_catalog

    _, db = demo
    anna = Access(db, get_user(db, "anna"), shipped_catalog())
    enrolment = anna.caseload().query("exited_on.isna()").iloc[0]["enrolment_id"]
    with pytest.raises(StegvisError, match="avslutsorsaken 'studier' finns inte i Jobbvägen AR"):
        anna.record_exit(int(enrolment), "2026-11-20", "studier")  # a Porten outcome


def test_registering_without_consent_is_refused(demo, monkeypatch):
    _, db = demo
    test = as_user(demo, monkeypatch, "register_page").run()
    test.text_input(key="reg_code").input("JV-NY-2")
    test.button[0].click().run()
    assert "Samtycke krävs" in all_text(test)
    assert db.execute("SELECT count(*) FROM participants WHERE code = 'JV-NY-2'").fetchone()[0] == 0


def test_trends_page(demo, monkeypatch):
    test = as_user(demo, monkeypatch, "trends_page", "cecilia").run()
    assert not test.exception
    assert "Andel förbättrade" in [m.label for m in test.metric]


def _anna_people(db, exited: bool) -> list[str]:
    anna = get_user(db, "anna")
    return [r[0] for r in db.execute(
        f"""SELECT p.code FROM participants p JOIN enrolments e ON e.participant_id = p.id
            WHERE p.coach_id = ? AND e.programme_id = 'jobbvagen_ar'
            AND e.exited_on IS {'NOT' if exited else ''} NULL
            AND p.id NOT IN (SELECT participant_id FROM survey_sessions  -- e.g. the demo codes, opened today
                             WHERE participant_id IS NOT NULL AND date(created_at) >= date('now', '-1 day'))
            ORDER BY p.code""", [anna.id])]


def _views(db) -> int:
    return db.execute("SELECT count(*) FROM audit_log WHERE action IN ('view_participant', 'view_answers')"
                      ).fetchone()[0]


def _widget(test, kind: str, prefix: str):
    """The survey tab's widget whose key starts so (keys are per participant and programme)."""
    found = [w for w in getattr(test, kind) if w.key and w.key.startswith(prefix)]
    assert len(found) == 1, [w.key for w in getattr(test, kind)]
    return found[0]


def _start(test, occasion="followup"):
    _widget(test, "selectbox", "survey_occasion_survey_").select(occasion).run()
    test.button(key="start_survey_survey").click().run()
    return test


def test_switching_to_another_programmes_participant_keeps_its_instruments_chosen(demo, monkeypatch):
    """bengt works in Jobbvägen AR and Porten: after a Jobbvägen participant, a Porten one gets
    the Porten occasion's instruments preselected and Starta enabled (the list was emptied)."""
    _, db = demo
    bengt = get_user(db, "bengt")
    people = dict(db.execute("SELECT e.programme_id, p.code FROM participants p JOIN enrolments e "
                             "ON e.participant_id = p.id WHERE p.coach_id = ? AND e.exited_on IS NULL",
                             [bengt.id]).fetchall())
    test = as_user(demo, monkeypatch, "participant_page", "bengt").run()
    for programme in ("jobbvagen_ar", "porten"):
        test.selectbox(key="coach_participant").select(people[programme]).run()
        assert not test.exception, test.exception
        chosen = _widget(test, "multiselect", "survey_instruments_survey_")
        assert chosen.value and chosen.value == chosen.options or len(chosen.value) == len(chosen.options), programme
        assert not test.button(key="start_survey_survey").disabled


def test_opening_the_page_picks_and_logs_nobody(demo, monkeypatch):
    _, db = demo
    before = _views(db)
    test = as_user(demo, monkeypatch, "participant_page").run()
    assert not test.exception
    assert test.selectbox(key="coach_participant").value is None
    assert not test.tabs, "nothing about anyone until the coach chooses"
    assert _views(db) == before


def test_a_code_stays_with_its_participant(demo, monkeypatch):
    _, db = demo
    first, second = _anna_people(db, exited=False)[:2]
    test = as_user(demo, monkeypatch, "participant_page").run()
    test.selectbox(key="coach_participant").select(first).run()
    _start(test)
    assert not test.exception, test.exception
    shown = [m.value for m in test.markdown if "Koden till" in m.value]
    assert len(shown) == 1 and plain(first) in shown[0], "the page names whose code it is (as text)"
    code = shown[0].split("`")[1]
    assert len(code) == 6
    test.selectbox(key="coach_participant").select(second).run()
    assert code not in all_text(test) and not any("Koden till" in m.value for m in test.markdown)
    test.selectbox(key="coach_participant").select(first).run()
    assert code not in all_text(test), "shown once, for its own participant only"


def test_exited_participants_get_only_occasions_after_exit(demo, monkeypatch):
    from stegvis.access import Access
    from foundation.errors import StegvisError
    from surveys.definitions import shipped_catalog

    _, db = demo
    exited = _anna_people(db, exited=True)[0]
    test = as_user(demo, monkeypatch, "participant_page").run()
    test.selectbox(key="coach_participant").select(exited).run()
    assert not test.exception
    assert _widget(test, "selectbox", "survey_occasion_survey_").options == ["Avslut"]
    pid = db.execute("SELECT id FROM participants WHERE code = ?", [exited]).fetchone()[0]
    anna = Access(db, get_user(db, "anna"), shipped_catalog())
    with pytest.raises(StegvisError, match="avslutades"):
        anna.open_visit(pid, "intake")


def test_a_second_survey_the_same_day_asks_first(demo, monkeypatch):
    _, db = demo
    person = _anna_people(db, exited=False)[2]
    pid = db.execute("SELECT id FROM participants WHERE code = ?", [person]).fetchone()[0]
    def count():
        return db.execute("SELECT count(DISTINCT visit) FROM survey_sessions WHERE participant_id = ? "
                          "AND occasion = 'followup'", [pid]).fetchone()[0]

    before = count()
    test = as_user(demo, monkeypatch, "participant_page").run()
    test.selectbox(key="coach_participant").select(person).run()
    _start(test)
    assert count() == before + 1
    _start(test)
    assert count() == before + 1, "not a second one without asking"
    assert any("redan" in w.value for w in test.warning)
    test.button(key="start_survey_again_survey").click().run()
    assert not test.exception, test.exception
    assert count() == before + 2
    assert any("Koden till" in m.value and plain(person) in m.value for m in test.markdown)


def test_kasam_bands_are_named_beside_the_chart_where_no_point_can_sit():
    """A score at the top of the low band sat under the word "Låg" when the bands were named
    inside the plot; in the margin, each name is level with the middle of its band."""
    import pandas as pd

    from stegvis import charts
    from surveys.definitions import shipped_catalog

    kasam = shipped_catalog().instrument("kasam29")
    scale = kasam.headline_scale
    figure = charts.scale_over_time(kasam, scale.id, pd.DataFrame({"occasion_label": ["a", "b"], scale.id: [138.0, 150.0]}))
    names = {a.text: a for a in figure.layout.annotations}
    assert set(names) == {band.label.sv for band in scale.bands}
    assert all(a.xref == "paper" and a.x > 1 and a.xanchor == "left" for a in names.values())
    for band in scale.bands:
        low = band.min if band.min is not None else 29
        high = band.max if band.max is not None else 203
        assert names[band.label.sv].y == (low + high) / 2


def test_the_caseload_names_each_flagged_scale_in_a_word(demo, monkeypatch):
    """The flags column fits a tablet: the scales whose flags fired on the latest response,
    not their long labels (those, with their thresholds and meaning, are on the participant's
    page)."""
    from indicators.scoring import flag_lists
    from stegvis.access import Access
    from surveys.store import load_catalog

    _, db = demo
    test = as_user(demo, monkeypatch, "caseload_page", "cecilia").run()  # Porten gives KASAM
    table = next(frame.value for frame in test.dataframe if "Flaggor" in frame.value.columns)
    shown = dict(zip(table["Kod"], table["Flaggor"]))
    catalog = load_catalog(db)
    kasam = catalog.instrument("kasam29")
    scale_of = {flag.id: scale.label.sv for scale in kasam.scales for flag in scale.flags}
    scores = Access(db, get_user(db, "cecilia"), catalog).caseload_scores("kasam29")
    latest = scores.sort_values("completed_at").groupby("participant_id").last()
    codes = dict(db.execute("SELECT id, code FROM participants").fetchall())
    expected = {codes[pid]: ", ".join(dict.fromkeys(scale_of[f] for f in fired))
                for pid, fired in flag_lists(latest["flags"]).items()}
    flagged = {code: words for code, words in expected.items() if words and code in shown}
    assert len(flagged) >= 2 and any(", " in words for words in flagged.values())
    assert {code: shown[code] for code in flagged} == flagged
    assert not any("under" in cell for cell in shown.values())
