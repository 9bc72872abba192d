"""The independent auditor of the board's figures (issue 12, deliverable 4).

A hostile reader holds every report the board can produce, every programme and "all
programmes" x every period of the grid, as published JSON, knows the programme definitions and
the documented meaning of the tables, and does arithmetic. For every hidden count the auditor
(tests/audit.py) solves the smallest and largest value the published figures allow, with all
reports linked at once; a hidden count must stay compatible with at least
`protection.interval` whole numbers. The primary rule is checked on the JSON directly, and the
attacks of the issue are replayed one by one: each must find nothing.

Nothing here imports the disclosure engine (`indicators.disclosure`, `indicators.board`); the
true figures are read only to make a failure message useful.
"""

from __future__ import annotations

import itertools
import time
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit import (PUBLISHED_FOR, ADDITIVE_PREFIXES, ALL, PER_PROGRAMME_PREFIXES, SUMMED_PREFIXES, Published, build_identities,
                   NATIONAL_UNITS, describe, determined, kind_of, mean_sum_identities, mean_sums, publish_all, solve,
                   true_values)
from stegvis.access import GENDERS, Access
from stegvis.accounts import create_user, get_user
from stegvis.cli import run
from foundation.errors import StegvisError
from surveys.definitions import shipped_catalog
from stegvis.database import open_db
from surveys.store import publish_definitions

DEMO_TODAY = date(2026, 11, 23)
CATALOG = shipped_catalog()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_copy):
    # One copy for the module: the audit below takes seconds, is solved once and only read.
    path = demo_copy(tmp_path_factory.mktemp("audit") / "demo.db", today=DEMO_TODAY)
    db = open_db(path)
    board = Access(db, get_user(db, "styrelse"), CATALOG)
    started = time.perf_counter()
    pub = Published(publish_all(board, CATALOG))
    identities = build_identities(pub, CATALOG)
    audit = solve(pub, identities)
    seconds = time.perf_counter() - started
    return path, db, board, pub, identities, audit, seconds


@pytest.fixture(scope="module")
def truth(demo):
    """The unprotected figures of the demo data (see `audit.true_values`)."""
    return true_values(demo[1], CATALOG)


# -- the LP over every report at once ------------------------------------------------------------


def narrowed_message(db, pub, narrow) -> str:
    truth = true_values(db, CATALOG)
    lines = [describe(key, bounds, truth.get(key)) for key, bounds in sorted(narrow.items())]
    return (f"{len(narrow)} hidden counts can be narrowed to fewer than {pub.interval} whole numbers "
            "from the published figures:\n  " + "\n  ".join(lines[:200]))


def assert_audit_passes(db, pub, identities, audit):
    assert not audit.broken, "identities the shown figures contradict (the auditor's rule or the data is wrong):\n" + \
        "\n".join(f"  {i.why}: off by {rhs:g}" for i, rhs in audit.broken[:30])
    assert not audit.infeasible, f"{len(audit.infeasible)} components have no solution: an identity does not hold"
    narrow = audit.narrow(pub.interval)
    assert not narrow, narrowed_message(db, pub, narrow)


def test_the_auditor_knows_every_table(demo):
    """A table added later must be taught to the auditor before it can be published."""
    *_, pub, _, _, _ = demo
    unknown = {t["id"] for r in pub.reports.values() for t in r["tables"] if kind_of(t["id"]) == "unknown"}
    assert not unknown, f"tables the auditor has no identities for: {sorted(unknown)}"
    views = len({view for view, _ in pub.reports})  # every programme shipped, and "alla"
    assert views == len(shipped_catalog().latest_programmes()) + 1
    assert len(pub.reports) == views * len({pid for _, pid in pub.reports})


def test_no_hidden_count_can_be_narrowed_on_the_demo_data(demo, capsys):
    _, db, _, pub, identities, audit, seconds = demo
    hidden = pub.hidden()
    assert len(hidden) > 1000 and len(identities) > 5000, "the audit must have something to audit"
    assert set(audit.bounds) == set(hidden)
    with capsys.disabled():
        print(f"\naudit of the demo data: {len(pub.reports)} reports, {len(pub.values)} counts, {len(hidden)} hidden, "
              f"{len(identities)} identities, {audit.components} components, {audit.solves} LP solves, "
              f"{seconds:.1f} s")
    assert_audit_passes(db, pub, identities, audit)


def test_the_auditors_identities_hold_on_the_true_figures(demo, truth):
    """The auditor's own rules, checked: on the unprotected figures of the same data every
    identity holds, and so does every n x mean sum. (The verdict on the published figures never
    uses true values; this only keeps the auditor from reasoning with a false identity.)"""
    *_, pub, identities, _, _ = demo
    assert truth and all(v is not None for v in truth.values()), "the true figures could not be read"
    assert set(pub.values) - pub.unpublished <= set(truth)
    wrong = []
    for identity in identities:
        if any(k in pub.unpublished for k in identity.terms):
            continue  # a table that period does not publish: no true figure to check against
        total = sum(c * truth[k] for k, c in identity.terms.items())
        if (identity.sense == "=" and abs(total) > 1e-9) or (identity.sense == "<=" and total > 1e-9):
            wrong.append(f"{identity.why}: off by {total:g}")
    assert not wrong, "\n".join(wrong[:40])


def test_the_auditor_finds_a_planted_leak(demo, truth):
    """The auditor is not blind: take an identity with exactly two hidden counts in it, publish
    the true value of one, and the other is found narrowed to a single value."""
    *_, pub, identities, _, _ = demo
    assert truth, "the true figures could not be read"
    for identity in identities:
        terms = list(identity.terms)
        hidden = [k for k in terms if pub.values[k] is None and k not in pub.unpublished]
        if identity.sense != "=" or len(hidden) != 2 or any(k in pub.unpublished for k in terms):
            continue
        reveal, other = hidden
        planted = Published(dict(pub.reports))
        planted.values.update({k: None for k in pub.unpublished})
        planted.unpublished = set(pub.unpublished)
        planted.values[reveal] = truth[reveal]
        audit = solve(planted, identities)
        assert not audit.broken and not audit.infeasible
        assert other in audit.narrow(pub.interval), describe(other, audit.bounds[other], truth[other])
        return
    raise AssertionError("no identity with exactly two hidden counts: nothing to plant a leak in")


# -- the primary rule on the JSON ------------------------------------------------------------------

SHARES = {  # share column -> (numerator, rest, denominator) in the same row; None: not published
    ("change", "andel_forbattrade"): ("forbattrade", "ej_forbattrade", "n"),
    ("change", "andel_tillforlitligt"): ("tillforlitligt", "ej_tillforlitligt", "n"),
    ("indicators", "andel"): ("instammer", "ej_instammer", "n"),
}
RESPONSE_RATE = "svarsfrekvens"  # completed (`n`) of the surveys opened, which are not published


def small(value, k) -> bool:
    return value is not None and 1 <= value <= k - 1


def row_dict(table, values):
    return {c["id"]: v for c, v in zip(table["columns"], values)}


def test_no_shown_count_rests_on_fewer_than_k(demo):
    *_, pub, _, _, _ = demo
    bad = [(key, v) for key, v in pub.values.items() if v is not None and (small(v, pub.k) or v != int(v))]
    assert not bad, f"shown counts between 1 and {pub.k - 1} (or not whole): {bad[:30]}"


def share_problems(pub) -> list[str]:
    """A shown share stands on shown counts: its numerator, its rest and its denominator, none of
    them between 1 and k-1. A shown mean has its n shown and at least k. A change stands on two
    shown shares."""
    k, problems = pub.k, []
    for (view, pid), report in pub.reports.items():
        where = f"{view} {pid}"
        for table in report["tables"]:
            kind = kind_of(table["id"])
            rows = [r["id"] for r in table["rows"]]
            for row, values in zip(rows, table["values"]):
                cells = row_dict(table, values)
                for column in table["columns"]:
                    value, cid, unit = cells[column["id"]], column["id"], column["unit"]
                    if value is None or unit == "antal":
                        continue
                    at = f"{where} {table['id']} [{row}, {cid}] = {value:g}"
                    if unit in NATIONAL_UNITS:
                        continue  # the NNS's figures of other förbund: nothing about these respondents
                    if unit == "andel" and cid in ("foregaende", RESPONSE_RATE):
                        continue  # checked apart, below
                    if unit == "andel" and kind == "choices":  # of those who answered: the alla row
                        count, n = cells.get("antal"), row_dict(table, table["values"][rows.index(ALL)])["antal"]
                        if count is None or n is None or small(count, k) or small(n - count, k) or small(n, k):
                            problems.append(f"{at}: shown while antal = {count}, answered = {n}")
                        continue
                    if unit == "andel" and kind == "occasions" and cid.startswith("andel_under:"):
                        # under a threshold, of those scored at the occasion: the rest is n - under
                        under, n = cells.get(cid[len("andel_"):]), cells.get("n")
                        if under is None or n is None or small(under, k) or small(n - under, k) or small(n, k):
                            problems.append(f"{at}: shown while under = {under}, n = {n}")
                        continue
                    if unit == "andel":
                        spec = SHARES.get((kind, cid))
                        if spec is None:
                            problems.append(f"{at}: a share the auditor does not know the counts of")
                            continue
                        for count in spec:
                            if count is not None and (cells.get(count) is None or small(cells[count], k)):
                                problems.append(f"{at}: shown while {count} = {cells.get(count)}")
                    elif unit in ("medel", "förändring", "månader"):
                        n = cells.get("n")
                        if n is None or n < k:
                            problems.append(f"{at}: a mean shown while n = {n}")
                    elif unit == "procentenheter":
                        if cells.get("andel") is None or cells.get("foregaende") is None:
                            problems.append(f"{at}: a change shown without both shares")
                    else:
                        problems.append(f"{at}: unit {unit!r} unknown to the auditor")
            if kind == "outcomes":
                total_row = rows.index(ALL)
                for i, (shares, counts) in enumerate(zip(table["shares"], table["values"])):
                    for j, share in enumerate(shares):
                        if share is None:
                            continue
                        count, total = counts[j], table["values"][total_row][j]
                        at = f"{where} {table['id']} share [{rows[i]}, {table['columns'][j]['id']}] = {share:g}"
                        if count is None or total is None or small(count, k) or small(total - count, k) \
                                or small(total, k):
                            problems.append(f"{at}: shown while count {count}, total {total}")
                        elif total and abs(share - count / total) > 1e-9:
                            problems.append(f"{at}: is not {count}/{total}")
        # those who left: the durations table's total, or the totals of the tables it is split into
        # when programmes have bands of their own
        totals = [t["values"][[r["id"] for r in t["rows"]].index(ALL)][0] for t in report["tables"]
                  if t["id"] == "durations" or t["id"].startswith("durations/")]
        if report["mean_months"] is not None:
            n = None if not totals or None in totals else sum(totals)
            if n is None or n < k:
                problems.append(f"{where} mean_months shown while those who left = {n}")
    return problems


def test_shown_shares_and_means_rest_on_shown_counts_of_at_least_k(demo):
    *_, pub, _, _, _ = demo
    problems = share_problems(pub)
    assert not problems, f"{len(problems)} figures break the primary rule:\n  " + "\n  ".join(problems[:60])


def test_a_response_rate_is_shown_only_beside_its_count(demo, truth):
    """The response rate's numerator is the row's `n` (its denominator, the surveys opened, is
    not published): a rate shown while `n` is hidden is a figure of a group the table hides,
    and when `n` is below k one computed from fewer than k people."""
    *_, pub, _, _, _ = demo
    found = []
    for (view, pid), report in pub.reports.items():
        for table in report["tables"]:
            for row, values in zip(table["rows"], table["values"]):
                cells = row_dict(table, values)
                if cells.get(RESPONSE_RATE) is not None and (cells.get("n") is None or small(cells["n"], pub.k)):
                    found.append((view, pid, table["id"], row["id"], "n"))
    if found:
        below = sum(1 for key in found if small(truth.get(key), pub.k))
        lines = [f"{v} {p} {t} [{r}]: {RESPONSE_RATE} shown, n hidden (true n {truth.get((v, p, t, r, c), '?')})"
                 for v, p, t, r, c in found]
        pytest.fail(f"{len(found)} response rates stand beside a hidden n, {below} of them over fewer than "
                    f"{pub.k} surveys:\n  " + "\n  ".join(lines))


def previous_period(pub, pid):
    """The period of the same kind just before (what `foregaende` compares with)."""
    kind = pub.periods[pid]["kind"]
    same = sorted((p for p, info in pub.periods.items() if info["kind"] == kind),
                  key=lambda p: pub.periods[p]["start"])
    index = same.index(pid)
    return same[index - 1] if index > 0 else None


def test_the_previous_periods_share_is_the_one_published_then(demo):
    """`foregaende` is shown only when that period's own report showed the same share."""
    *_, pub, _, _, _ = demo
    problems = []
    for (view, pid), report in pub.reports.items():
        for table in report["tables"]:
            if not table["id"].startswith("indicators/"):
                continue
            for row, values in zip(table["rows"], table["values"]):
                shown = row_dict(table, values).get("foregaende")
                if shown is None:
                    continue
                before = previous_period(pub, pid)
                earlier = pub.table(view, before, table["id"]) if before else None
                then = None
                if earlier is not None:
                    then = next((row_dict(earlier, v).get("andel") for r, v in zip(earlier["rows"], earlier["values"])
                                 if r["id"] == row["id"]), None)
                if then is None or abs(then - shown) > 1e-9:
                    problems.append(f"{view} {pid} {table['id']} [{row['id']}]: foregaende {shown} but {before} "
                                    f"published {then}")
    assert not problems, "\n".join(problems[:40])


def test_goal_figures_are_those_of_the_goal_table_and_a_hidden_share_hides_its_counts(demo):
    *_, pub, _, _, _ = demo
    k, problems = pub.k, []
    for (view, pid), report in pub.reports.items():
        for goal in report["goals"]:
            tid = f"goal/{goal['programme']}/{goal['id']}"
            at = f"{view} {pid} {tid}"
            cell = lambda r, c: pub.values.get((view, pid, tid, r, c), "absent")  # noqa: E731
            if goal["measure"] != "share":  # one figure of the period: the flow table's, or resting on it
                problems += _period_goal_problems(pub, view, pid, report, goal, at)
                continue
            if goal["numerator"] is not None and goal["numerator"] != cell("uppnatt", ALL):
                problems.append(f"{at}: numerator {goal['numerator']} but the table shows {cell('uppnatt', ALL)}")
            if goal["denominator"] is not None and goal["denominator"] != cell(ALL, ALL):
                problems.append(f"{at}: denominator {goal['denominator']} but the table shows {cell(ALL, ALL)}")
            if goal["met"] is not None and goal["share"] is None:
                problems.append(f"{at}: met/not met shown while the share is hidden")
            if goal["share"] is None and goal["numerator"] is not None and goal["denominator"] != 0:  # 0 of 0: no share
                problems.append(f"{at}: a hidden share beside its shown numerator {goal['numerator']}")
            if goal["share"] is not None:
                counts = [goal["numerator"], cell("ej_uppnatt", ALL), goal["denominator"]]
                if any(c in (None, "absent") or small(c, k) for c in counts):
                    problems.append(f"{at}: share {goal['share']:g} shown beside counts {counts}")
            for dimension, groups in (goal["breakdowns"] or {}).items():
                for group, share in groups.items():
                    if share is None:
                        continue
                    column = f"{dimension}:{group}"
                    counts = [cell("uppnatt", column), cell("ej_uppnatt", column), cell(ALL, column)]
                    if any(c in (None, "absent") or small(c, k) for c in counts):
                        problems.append(f"{at}: breakdown {column} share {share:g} shown beside counts {counts}")
    assert not problems, f"{len(problems)} goal figures:\n  " + "\n  ".join(problems[:60])


def _period_goal_problems(pub, view, pid, report, goal, at) -> list[str]:
    """A count goal's count is the flow table's `nya` (or `avslutade`) of the period, hidden
    where that is; a mean goal's n is the flow's `avslutade`, and its mean is shown only beside
    a shown n of at least k, and equals the report's mean time where the report has one."""
    definition = next(g for g in CATALOG.programme(goal["programme"]).goals if g.id == goal["id"])
    # in "alla" each programme's goals are its own figures: those of the programme's own view
    flow = lambda c: pub.values.get((goal["programme"], pid, "flow", pid, c), "absent")  # noqa: E731
    problems = []
    if goal["measure"] == "count":
        column = "nya" if definition.numerator.counts == "enrolled" else "avslutade"
        if goal["value"] != flow(column):
            problems.append(f"{at}: count {goal['value']} but the flow table shows {flow(column)}")
        if (goal["met"] is None) != (goal["value"] is None):
            problems.append(f"{at}: met {goal['met']} beside count {goal['value']}")
        return problems
    if goal["denominator"] != flow("avslutade"):
        problems.append(f"{at}: n {goal['denominator']} but the flow table shows {flow('avslutade')}")
    if goal["value"] is not None:
        if goal["denominator"] is None or small(goal["denominator"], pub.k):
            problems.append(f"{at}: mean {goal['value']:g} beside n {goal['denominator']}")
        if report["mean_months"] is not None and view != ALL and abs(report["mean_months"] - goal["value"]) > 1e-9:
            problems.append(f"{at}: mean {goal['value']:g} but the report's mean time is {report['mean_months']:g}")
    if (goal["met"] is None) != (goal["value"] is None):
        problems.append(f"{at}: met {goal['met']} beside mean {goal['value']}")
    return problems


def one_attribute_groups(pub) -> list[str]:
    """Group (attribute) disclosure through shown zeros: when the size of a group is hidden (it
    may be 1) and every category but one is published as 0, everyone in the group, however
    many, is in that one category. A reader who knows one member (a woman who left Porten that
    quarter) learns her outcome, whether she met the goal, whether her KASAM improved. Groups
    are the columns of outcome and goal tables and the rows of kasam and indicator tables."""
    found = []

    def check(group, categories):
        """group: the key of the group's size; categories: {name: shown value or None}."""
        if pub.values.get(group, 0) is not None or not categories:
            return
        open_ = [name for name, value in categories.items() if value != 0]
        if len(open_) == 1:
            found.append((group, open_[0]))

    for (view, pid), report in pub.reports.items():
        for table in report["tables"]:
            kind, tid = kind_of(table["id"]), table["id"]
            rows = [r["id"] for r in table["rows"]]
            cells = {r: row_dict(table, v) for r, v in zip(rows, table["values"])}
            if kind in ("outcomes", "goal"):
                parts = [r["id"] for r in table["rows"] if not r["total"]]
                for column in (c["id"] for c in table["columns"] if c["unit"] == "antal"):
                    check((view, pid, tid, ALL, column), {r: cells[r][column] for r in parts})
            elif kind == "change":
                for r in rows:
                    for pair in (("forbattrade", "ej_forbattrade"), ("tillforlitligt", "ej_tillforlitligt")):
                        check((view, pid, tid, r, "n"), {c: cells[r][c] for c in pair})
            elif kind == "indicators":
                for r in rows:
                    check((view, pid, tid, r, "n"), {c: cells[r][c] for c in ("instammer", "ej_instammer")})
    return found


def test_no_group_of_hidden_size_is_seen_to_share_one_outcome(demo, truth):
    *_, pub, _, _, _ = demo
    # a group nobody is in tells nothing about anyone: only groups with someone in them count
    # (the one place a true figure decides, since the disclosure is about people who exist)
    found = [(g, c) for g, c in one_attribute_groups(pub) if truth.get(g) != 0]
    if found:
        small_groups = [(g, c) for g, c in found if small(truth.get(g), pub.k)]
        by_kind = {}
        for (view, pid, tid, r, column), _ in small_groups:
            by_kind[kind_of(tid)] = by_kind.get(kind_of(tid), 0) + 1
        lines = [f"{' '.join(g)} (true size {truth.get(g, '?')}): everyone is {c}" for g, c in found]
        pytest.fail(f"{len(found)} groups of hidden size whose every member's category can be read off "
                    f"(shown zeros in the other categories); {len(small_groups)} of them truly of 1 to "
                    f"{pub.k - 1} people, by table: {by_kind}\n  " + "\n  ".join(lines[:80]))


# -- the attacks of the issue, replayed -----------------------------------------------------------


def test_replay_two_reports_a_day_apart_are_refused(demo, tmp_path, capsys):
    """(a) `--to 2026-11-13` and `--to 2026-11-14`: a day's difference is one person. Neither day
    is a period of the grid, on the page or on the command line."""
    path, _, board, pub, *_ = demo
    for day in ("2026-11-13", "2026-11-14"):
        with pytest.raises(StegvisError):
            board.board_report("porten", day)
        out = tmp_path / f"{day}.json"
        assert run(["report", "board", "-p", "porten", "--period", day, "--output", str(out), "--db", str(path)]) == 1
        assert not out.exists()
    assert "styrelsens perioder" in capsys.readouterr().err
    assert all(p["kind"] in ("kvartal", "tertial", "halvar", "ar", "hela") for p in pub.periods.values())
    starts_ends = [(p["start"], p["end"]) for p in pub.periods.values()]
    assert len(starts_ends) == len(set(starts_ends)), "two grid periods with the same days"


def test_replay_n_times_mean_on_every_kasam_table(demo):
    """(b) A row's sum of changes is n x mean. If every row but one shows its n and mean (or n = 0)
    and so does `alla`, the remaining row's sum, and with its n its mean, follows."""
    *_, pub, _, _, _ = demo
    found = []
    for (view, pid), report in pub.reports.items():
        for table in report["tables"]:
            if not table["id"].startswith("change/"):
                continue
            rows = [r["id"] for r in table["rows"]]
            cells = {r: row_dict(table, v) for r, v in zip(rows, table["values"])}
            for column in (c["id"] for c in table["columns"] if c["unit"] in ("förändring", "medel")):
                def known(r):
                    n = cells[r].get("n")
                    return n is not None and (n == 0 or cells[r][column] is not None)
                unknown = [r for r in rows if r != ALL and not known(r)]
                if ALL in cells and known(ALL) and len(unknown) == 1:
                    found.append(f"{view} {pid} {table['id']} {column}: the sum of {unknown[0]} follows")
    assert not found, "\n".join(found)


def sums_recovered(pub) -> list[str]:
    sums = mean_sums(pub)
    fixed, broken = determined(sums, mean_sum_identities(pub, sums))
    # a quarter never publishes its mean time (docs/exports.md): a sum that only follows for a
    # figure no report shows says nothing a reader could see
    fixed = [key for key in fixed if not (key[2] == "mean_months"
                                          and pub.periods[key[1]]["kind"] not in PUBLISHED_FOR["mean_months"])]
    return ([f"n x mean does not add up (the auditor's rule is wrong): {i.why}, off by {rest:g}" for i, rest in broken]
            + [f"{' '.join(key)}: its sum n x mean follows from the linked reports" for key in fixed])


def test_replay_n_times_mean_across_linked_reports(demo):
    """(b, further) Sums n x mean add up over a table's genders, over the leaves of a period and
    over the programmes: a hidden kasam change, indicator mean or mean time in the programme
    must not be the one unknown of such a system (solved exactly, real-valued)."""
    *_, pub, _, _, _ = demo
    sums = mean_sums(pub)
    assert sum(v is None for v in sums.values()) > 100
    found = sums_recovered(pub)
    assert not found, f"{len(found)}:\n" + "\n".join(found[:40])


def leaf_flow(pub, view):
    """Each leaf's nya/aktiva/avslutade as shown anywhere (its own report or a longer period's)."""
    shown = {}
    for (v, pid), report in pub.reports.items():
        if v != view:
            continue
        table = pub.table(v, pid, "flow")
        if table is None:
            continue
        for row, values in zip(table["rows"], table["values"]):
            for column, value in row_dict(table, values).items():
                if value is not None:
                    shown[(row["id"], column)] = value
    return shown


def test_replay_the_flow_identity_over_consecutive_leaves(demo):
    """(c) active(m+1) = active(m) - exited(m) + new(m+1), and a period's active = its first
    leaf's active + the later leaves' new: no hidden figure follows from either alone."""
    *_, pub, _, _, _ = demo
    found = []
    leaves = pub.leaves()
    for view in pub.views:
        shown = leaf_flow(pub, view)
        for before, after in zip(leaves, leaves[1:]):
            terms = [(after, "aktiva"), (before, "aktiva"), (before, "avslutade"), (after, "nya")]
            missing = [t for t in terms if t not in shown]
            if len(missing) == 1:
                found.append(f"{view}: {missing[0]} follows from {before} -> {after}")
        for pid in pub.periods:
            inside = pub.leaves_in(pid)
            if pub.is_leaf(pid) or not inside:
                continue
            terms = [(pid, "aktiva"), (inside[0], "aktiva")] + [(leaf, "nya") for leaf in inside[1:]]
            missing = [t for t in terms if t not in shown]
            if len(missing) == 1:
                found.append(f"{view}: {missing[0]} follows from aktiva({pid})")
    assert not found, "\n".join(found)


def partitions(pub, pid):
    """Ways to cut a period into smaller periods of the grid (a year into halves, or a half and
    two quarters, ...), each a list of period ids."""
    inside = pub.leaves_in(pid)
    blocks = [q for q in pub.periods if q != pid and pub.leaves_in(q)
              and set(pub.leaves_in(q)) <= set(inside)]
    by_first = {}
    for q in blocks:
        by_first.setdefault(pub.leaves_in(q)[0], []).append(q)

    def cut(i):
        if i == len(inside):
            yield []
            return
        for q in by_first.get(inside[i], []):
            for rest in cut(i + len(pub.leaves_in(q))):
                yield [q, *rest]
    return list(itertools.islice(cut(0), 500))


def counts_the_active(tid: str) -> bool:
    """A goal over everyone enrolled at some time in the period counts a person in each period
    they are in: a year is not the sum of its halves, so subtracting them recovers nothing."""
    if not tid.startswith("goal/"):
        return False
    _, programme_id, goal_id = tid.split("/")
    goal = next((g for g in shipped_catalog().programme(programme_id).goals if g.id == goal_id), None)
    return goal is not None and goal.population != "exited" and not goal.over_answers


def single_unknowns(pub, whole, parts, prefixes, flow_columns=("nya", "avslutade"), flow_by_period=True):
    """whole = sum(parts) for every count of the tables named by `prefixes`: the cells that are
    the only hidden one of their identity (which subtraction would reveal). With
    `flow_by_period`, the flow identity is between each period's own row (a year's new = its
    parts' new); otherwise row by row (all programmes = the sum of the programmes)."""
    found = []
    tables = {t for key in [whole, *parts] for t in pub.table_ids(*key) if t.startswith(prefixes)
              and not (flow_by_period and counts_the_active(t))}
    for tid in sorted(tables):
        cells = set().union(*(pub.count_cells(*key, tid) for key in [whole, *parts]))
        if tid == "flow":
            cells = {(r, c) for r, c in cells if c in flow_columns}
            if flow_by_period:
                cells = {(None, c) for _, c in cells}
        for row, column in sorted(cells, key=str):
            keys = [(*key, tid, key[1] if row is None else row, column) for key in [whole, *parts]]
            unpublished = [k for k in keys if pub.unknown_if_unpublished(k)]
            missing = [k for k in keys if k in pub.values and pub.values[k] is None and k not in pub.unpublished]
            if len(missing) == 1 and not unpublished:
                found.append(missing[0])
    return found


def test_replay_subtracting_nested_periods(demo):
    """(d) A year minus its quarters (or halves, or a half and two quarters), a half minus its
    quarters, the whole time minus its years: no hidden count is the only unknown."""
    *_, pub, _, _, _ = demo
    found = []
    for view in pub.views:
        for pid in pub.periods:
            if pub.is_leaf(pid):
                continue
            for parts in partitions(pub, pid):
                if len(parts) < 2:
                    continue
                for key in single_unknowns(pub, (view, pid), [(view, q) for q in parts],
                                           ADDITIVE_PREFIXES + ("flow",)):
                    found.append(f"{key} from {pid} = {' + '.join(parts)}")
    assert not found, f"{len(found)} recovered:\n" + "\n".join(found[:40])


def test_replay_one_programme_against_all_programmes(demo):
    """(d) "all programmes" minus the other programmes leaves one programme's figure: none is
    the only unknown."""
    *_, pub, _, _, _ = demo
    programmes = pub.programmes_of(ALL)
    found = []
    for pid in pub.periods:
        split = [t for t in pub.table_ids(ALL, pid) if t.startswith("durations/")] if (ALL, pid) in pub.reports else []
        prefixes = tuple(p for p in SUMMED_PREFIXES if not (split and p == "durations"))
        for key in single_unknowns(pub, (ALL, pid), [(p, pid) for p in programmes], prefixes,
                                   flow_columns=("nya", "aktiva", "avslutade"), flow_by_period=False):
            found.append(f"{key} from alla - the other programmes, {pid}")
        for tid in split:  # programmes with bands of their own: each group's table is its members' sum
            members = [p for p in tid.split("/", 1)[1].split("+") if p in programmes]
            for r, c in pub.count_cells(ALL, pid, tid):
                keys = [(ALL, pid, tid, r, c)] + [(p, pid, "durations", r, c) for p in members]
                missing = [k for k in keys if k in pub.values and pub.values[k] is None and k not in pub.unpublished]
                if len(missing) == 1:
                    found.append(f"{missing[0]} from alla - the other programmes of its group, {pid}")
    for (view, pid), report in pub.reports.items():  # outcome and goal tables are the same figures
        if view != ALL:
            continue
        for table in report["tables"]:
            if table["id"].startswith(PER_PROGRAMME_PREFIXES):
                for (r, c) in pub.count_cells(ALL, pid, table["id"]):
                    mine = pub.values.get((table["programme"], pid, table["id"], r, c), "absent")
                    if mine != pub.values[(ALL, pid, table["id"], r, c)]:
                        found.append(f"{pid} {table['id']} [{r}, {c}]: {mine} in {table['programme']}, "
                                     f"{pub.values[(ALL, pid, table['id'], r, c)]} in alla")
    assert not found, "\n".join(found[:40])


# -- hypothesis: small random förbund -------------------------------------------------------------

FIRST, LAST = date(2024, 1, 1), date(2026, 6, 30)
PROGRAMMES = [p.id for p in CATALOG.latest_programmes()]
OUTCOMES = {p.id: [o.id for o in p.outcomes] for p in CATALOG.latest_programmes()}

person = st.tuples(
    st.integers(0, 1),  # which of the chosen programmes
    st.sampled_from(GENDERS),
    st.integers(0, (LAST - FIRST).days),  # start
    st.one_of(st.none(), st.tuples(st.integers(0, 800), st.integers(0, 20))),  # exit: days after, outcome
    st.one_of(st.none(), st.integers(1960, 2006)),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(chosen=st.lists(st.sampled_from(PROGRAMMES), min_size=1, max_size=2, unique=True),
       people=st.integers(5, 40).flatmap(lambda n: st.lists(person, min_size=n, max_size=n)))
# Found by hypothesis: nobody has left, and the first year has one quarter (a mean no report
# shows); and a start moved before the grid's first period, which no real data can have.
@example(chosen=["efterstod"], people=[(0, "kvinna", day, None, None) for day in (280, 477, 487, 775, 275)])
@example(chosen=["porten"], people=[(0, "kvinna", 394, None, None), *[(0, "kvinna", 0, None, None)] * 6,
                                    (0, "kvinna", 489, (82, 9), None), (0, "vill_inte_uppge", 814, (442, 13), None),
                                    (1, "kvinna", 5, None, None), (0, "kvinna", 0, (342, 11), 1970),
                                    (1, "vill_inte_uppge", 140, None, None), (0, "man", 100, None, None),
                                    (0, "kvinna", 140, (464, 8), 1986), (0, "annat", 45, (236, 19), 1975),
                                    (0, "annat", 176, (558, 7), 1967), (0, "kvinna", 89, None, None),
                                    (0, "kvinna", 157, (316, 2), 1970), (0, "annat", 408, None, None)])
def test_no_hidden_count_can_be_narrowed_on_random_data(tmp_path_factory, chosen, people):
    db = open_db(tmp_path_factory.mktemp("random") / "forbund.db")
    publish_definitions(db)
    admin = Access(db, create_user(db, "admin", "audit-admin-pw", "admin"), CATALOG)
    last_day = date.today() - timedelta(days=1)
    for n, (which, gender, start, exit_, born) in enumerate(people):
        programme = chosen[which % len(chosen)]
        started = FIRST + timedelta(days=start)
        participant = admin.register_participant(f"p{n:03d}", gender, born, programme, started.isoformat(),
                                                 "v1", "uppföljning")
        if exit_ is not None:
            days, outcome = exit_
            exited = min(started + timedelta(days=days), last_day)
            enrolment = db.execute("SELECT id FROM enrolments WHERE participant_id = ?", [participant]).fetchone()[0]
            admin.record_exit(enrolment, exited.isoformat(), OUTCOMES[programme][outcome % len(OUTCOMES[programme])])
    board = Access(db, create_user(db, "styrelse", "audit-board-pw", "board"), CATALOG)
    pub = Published(publish_all(board, CATALOG))
    identities = build_identities(pub, CATALOG)
    audit = solve(pub, identities)
    assert_audit_passes(db, pub, identities, audit)
    problems = share_problems(pub) + sums_recovered(pub)
    assert not problems, "\n".join(problems[:40])
    bad = [(key, v) for key, v in pub.values.items() if small(v, pub.k)]
    assert not bad, f"shown counts between 1 and {pub.k - 1}: {bad[:20]}"
