"""docs/seeds.md, row by row: each seed's headline figures rebuilt from a fixture of people made
through the same functions a coach's clicks call (registering, recording events, follow-ups and
referrals), then evaluated by the shipped programme's own goals and the board's report."""

import pytest

from indicators.goals import evaluate_goal
from stegvis.access import Access
from stegvis.accounts import create_user, get_user
from stegvis.aggregates import read_inputs
from stegvis.database import open_db
from surveys.definitions import shipped_catalog
from surveys.path import record_event, record_followup, record_referral
from surveys.store import publish_definitions

CATALOG = shipped_catalog()


@pytest.fixture
def world(tmp_path):
    db = open_db(tmp_path / "seeds.db")
    publish_definitions(db)
    create_user(db, "coach", "ett långt lösenord", "coach", coach_of=[p.id for p in CATALOG.latest_programmes()])
    create_user(db, "styrelse", "ett långt lösenord", "board")
    return db, Access(db, get_user(db, "coach"), CATALOG)


def enrol(api, programme_id, code, gender, started, exited=None, outcome=None) -> int:
    pid = api.register_participant(code, gender, 1985, programme_id, started, "seed", "seed")
    if exited:
        enrolment = api.participant(pid)["enrolments"][0]["id"]
        api.record_exit(enrolment, exited, outcome)
    return pid


def goal_result(db, programme_id, goal_id, period=("2016-01-01", "2018-12-31")):
    programme = CATALOG.programme(programme_id)
    inputs = read_inputs(db, CATALOG, programme_id, None)
    goal = next(g for g in programme.goals if g.id == goal_id)
    frame = inputs["enrolments"].assign(started_on=lambda f: f["started_on"].dt.date.astype(str),
                                        exited_on=lambda f: f["exited_on"].dt.date.astype(str).where(f["exited_on"].notna()))
    return evaluate_goal(programme, goal, frame, period=period, scores=inputs["scores"],
                         instruments={i.id: i for i in CATALOG.latest_instruments()}, path=inputs["path"])


def test_seed_002_porten_97_of_123_worked_or_studied_during_the_programme(world):
    """Seed 002: 123 participants (49 women, 74 men); 97 (38 + 59) worked or studied within the
    project, 79 %; 65 (23 + 42) left to work or studies, 53 %. The goal (70 %) counts the 97."""
    db, api = world
    porten = CATALOG.programme("porten")
    # who had work or studies during the programme, and the exit outcome: seed 002's groups
    groups = ([("kvinna", "arbete", "arbete_subvention")] * 21 + [("man", "arbete", "arbete_subvention")] * 37 +
              [("kvinna", "studier", "studier")] * 2 + [("man", "studier", "studier")] * 5 +
              [("kvinna", "arbete", "aktivt_arbetssokande")] * 15 + [("man", "arbete", "aktivt_arbetssokande")] * 17 +
              [("kvinna", None, "avbrutit")] * 11 + [("man", None, "avbrutit")] * 15)
    assert len(groups) == 123 and sum(g == "kvinna" for g, *_ in groups) == 49
    for n, (gender, event, outcome) in enumerate(groups):
        pid = enrol(api, "porten", f"S2-{n:03d}", gender, "2016-02-01", "2017-10-01", outcome)
        if event:
            record_event(db, porten, pid, event, "2017-03-01")
    result = goal_result(db, "porten", "arbete_studier")
    assert (result.numerator, result.denominator) == (97, 123)
    assert round(result.share * 100) == 79 and result.met
    assert (result.breakdowns["gender"]["kvinna"].numerator, result.breakdowns["gender"]["man"].numerator) == (38, 59)


def test_seed_004_efterstod_everyone_in_work_or_studies_at_the_follow_up(world):
    """Seed 004: 11 enrolled (4 women, 7 men); 3 left early, not meeting the criteria; at the
    year-end check all 8 remaining were in work or studies: 8 of 8, the goal (75 %) met."""
    db, api = world
    efterstod = CATALOG.programme("efterstod")
    for n, gender in enumerate(["kvinna"] * 3 + ["man"] * 5):
        pid = enrol(api, "efterstod", f"S4-{n}", gender, "2018-09-01", "2019-06-30", "behallit_arbete")
        record_followup(db, efterstod, pid, "uppfoljning_6m", "arbete" if n % 3 else "studier", "2019-12-31")
    for n, gender in enumerate(["kvinna", "man", "man"]):
        enrol(api, "efterstod", f"S4-x{n}", gender, "2018-09-01", "2018-12-01", "annat")  # no follow-up
    result = goal_result(db, "efterstod", "kvar_efter_sex_manader", ("2018-01-01", "2019-12-31"))
    assert (result.numerator, result.denominator) == (8, 8) and result.met


def test_seed_001_jobbsam_156_referred_109_enrolled(world):
    """Seed 001: from 1 January 2014 to 9 June 2016, 156 people were referred to JobbSam by the
    four parties, and 109 enrolled."""
    db, api = world
    jobbsam = CATALOG.programme("jobbsam")
    parties = ["arbetsformedlingen", "forsakringskassan", "kommun", "region"]
    for n in range(156):
        enrolled = n < 109
        pid = enrol(api, "jobbsam", f"S1-{n:03d}", "kvinna" if n % 2 else "man", "2015-03-01") if enrolled else None
        record_referral(db, jobbsam, referred_on="2015-02-01", party=parties[n % 4], gender="kvinna" if n % 2 else "man",
                        birth_year=1980, decision="inskriven" if enrolled else "ej_inskriven",
                        reason=None if enrolled else "Tackade nej", participant_id=pid)
    report = Access(db, get_user(db, "styrelse"), CATALOG).board_report("jobbsam", "hela")
    funnel = next(t for t in report.tables if t.id == "referrals/jobbsam")
    total = dict(zip([c.id for c in funnel.columns], funnel.values[funnel.rows.index("alla")]))
    assert (total["remitterade"], total["inskrivna"], total["ej_inskrivna"]) == (156, 109, 47)


def test_seed_003_aktsam_met_whatever_the_overlap():
    """Seed 003: 43 participants; 7 got jobs and 17 began studies (praktik, jobs and studies
    overlap for one person). Even if every job-holder also studied, 17 of 43 (40 %) is over the
    goal of 30 %; the seed's 24 women + 15 men is 39, not 43 (four without a recorded gender)."""
    goal = next(g for g in CATALOG.programme("aktsam").goals if g.id == "arbete_studier")
    assert 17 / 43 >= goal.target and 24 + 15 != 43


def test_the_seeds_own_arithmetic():
    """Where docs/seeds.md says a seed's figure is off, the arithmetic it shows."""
    assert round(28 / 65 * 100, 1) == 43.1  # seed 000 reports 44 %
    assert 36 + 41 + 31 == 108  # seed 002's KASAM midpoint total reads 109


def test_every_seed_programme_validates():
    assert {p.id for p in CATALOG.latest_programmes()} >= {"jobbvagen_ar", "jobbsam", "porten", "aktsam", "efterstod"}


def test_seed_000_two_parties_around_each_person(world):
    """Seed 000: at least two parties are active around each participant (Jobbvägen AR's goal)."""
    from surveys.path import set_parties

    db, api = world
    programme = CATALOG.programme("jobbvagen_ar")
    for n in range(10):
        pid = enrol(api, "jobbvagen_ar", f"S0-{n}", "man", "2016-03-01")
        set_parties(db, programme, pid, ["arbetsformedlingen", "kommun"] if n < 8 else ["region"])
    result = goal_result(db, "jobbvagen_ar", "tva_parter")
    assert (result.numerator, result.denominator) == (8, 10) and not result.met
