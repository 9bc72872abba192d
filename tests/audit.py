"""An auditor of the board's published figures that is independent of the disclosure engine.

It knows only what any reader of the board papers knows: the reports as published
(`stegvis.reports.as_json`), the public programme definitions (outcomes, goals and their
outcome lists) and the documented meaning of the tables (docs/exports.md, "The board report as
JSON"). From these it writes down every linear identity that ties the published counts
together, within a table, between the tables of one report, between nested and adjacent
periods of the grid and between one programme and "all programmes", and then, for each hidden
count, solves the smallest and the largest value it can take (linear programming with HiGHS,
the check that tools like tau-ARGUS make; Hundepool et al., *Statistical Disclosure Control*,
2012, on tabular data). Nothing here imports `indicators.disclosure` or `indicators.board`.

The bounds are those of the linear relaxation, as is usual: a reader who insists on whole
numbers can in principle narrow a little further. On the demo data the narrowest LP ranges
(4-6 whole numbers) were re-solved as integer programmes and did not narrow.

A cell is keyed by (view, period id, table id, row id, column id); view is the programme id or
"alla" for the all-programmes report. Only columns with unit "antal" are counts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

ALL = "alla"
LEAF_KINDS = ("kvartal", "tertial")
AGE_PREFIXES = ("outcomes_by_age/", "durations_by_age/", "time_by_age/")  # those who left, by age group
ADDITIVE_PREFIXES = ("outcomes/", "goal/", "change/", "durations", "indicators/", "referrals/", "occasions/",
                     "choices/", *AGE_PREFIXES)  # not flow
PER_PROGRAMME_PREFIXES = ("outcomes/", "goal/", "referrals/", "occasions/", "choices/", *AGE_PREFIXES)  # the same figures
# in a programme's view and "alla"
SUMMED_PREFIXES = ("change/", "durations", "flow", "indicators/")  # "alla" = the sum of the programmes
KNOWN_PREFIXES = (*AGE_PREFIXES, "outcomes/", "goal/", "change/", "durations", "flow", "indicators/", "referrals/",
                  "occasions/", "choices/")  # the longer names first: "durations_by_age/" is not "durations"
GOAL_DIMENSIONS = ("gender:", "age_group:", "time_in_programme:")
FLOW_ADDITIVE = ("nya", "avslutade")
# The NNS's published national share beside the indicator results (docs/exports.md): other
# förbund's aggregates, not a count or share of this förbund's respondents, so it enters no
# identity (only "antal" columns are counts).
NATIONAL_UNITS = ("riket_andel",)
EPS = 1e-6


# Which kinds of period publish which tables (docs/exports.md); elsewhere a table that is absent
# had nobody in it, and its cells are 0.
ALL_KINDS = ("kvartal", "tertial", "halvar", "ar", "hela")
PUBLISHED_FOR = {"goal": ("tertial", "halvar", "ar", "hela"), "outcomes": ("ar", "hela"),
                 "change": ("ar", "hela"), "durations": ("ar", "hela"), "mean_months": ("ar", "hela"),
                 "referrals": ("ar", "hela"), "occasions": ("ar", "hela"), "outcomes_by_age": ("ar", "hela"),
                 "durations_by_age": ("ar", "hela"), "time_by_age": ("ar", "hela"), "choices": ("ar", "hela")}


def kind_of(table_id: str) -> str:
    return next((p.rstrip("/") for p in KNOWN_PREFIXES if table_id == p.rstrip("/") or table_id.startswith(p)),
                "unknown")


@dataclass
class Published:
    """Every figure of a set of published reports, indexed by cell."""

    reports: dict[tuple[str, str], dict]  # (view, period id) -> the JSON
    values: dict[tuple, float | None] = field(default_factory=dict)  # count cells only
    periods: dict[str, dict] = field(default_factory=dict)  # id -> the JSON's period
    views: list[str] = field(default_factory=list)
    interval: int = 3
    k: int = 5
    unpublished: set = field(default_factory=set)  # cells of tables a period's kind does not publish

    def __post_init__(self):
        for (view, pid), report in self.reports.items():
            self.periods[pid] = report["period"]
            if view not in self.views:
                self.views.append(view)
            self.interval, self.k = report["protection"]["interval"], report["protection"]["k"]
            for table in report["tables"]:
                for row, values in zip(table["rows"], table["values"]):
                    for column, value in zip(table["columns"], values):
                        if column["unit"] == "antal":
                            self.values[(view, pid, table["id"], row["id"], column["id"])] = value

    # -- periods -------------------------------------------------------------------------------

    def _dates(self, pid: str) -> tuple[date, date]:
        p = self.periods[pid]
        return date.fromisoformat(p["start"]), date.fromisoformat(p["end"])

    def leaves(self) -> list[str]:
        """Quarters or tertials (reports whose period kind is kvartal or tertial), oldest first."""
        return sorted((pid for pid, p in self.periods.items() if p["kind"] in LEAF_KINDS), key=self._dates)

    def is_leaf(self, pid: str) -> bool:
        return self.periods[pid]["kind"] in LEAF_KINDS

    def leaves_in(self, pid: str) -> list[str]:
        start, end = self._dates(pid)
        return [leaf for leaf in self.leaves() if start <= self._dates(leaf)[0] and self._dates(leaf)[1] <= end]

    # -- tables --------------------------------------------------------------------------------

    def table(self, view: str, pid: str, table_id: str) -> dict | None:
        report = self.reports.get((view, pid))
        return next((t for t in report["tables"] if t["id"] == table_id), None) if report else None

    def table_ids(self, view: str, pid: str) -> list[str]:
        report = self.reports.get((view, pid))
        return [t["id"] for t in report["tables"]] if report else []

    def count_cells(self, view: str, pid: str, table_id: str) -> set[tuple[str, str]]:
        table = self.table(view, pid, table_id)
        if table is None:
            return set()
        return {(r["id"], c["id"]) for r in table["rows"] for c in table["columns"] if c["unit"] == "antal"}

    def programmes_of(self, view: str) -> list[str]:
        for (v, _), report in self.reports.items():
            if v == view:
                return list(report["programmes"])
        return []

    def hidden(self) -> list[tuple]:
        return [key for key, value in self.values.items() if value is None and key not in self.unpublished]

    def unknown_if_unpublished(self, key: tuple) -> bool:
        """A cell of a table its report does not publish (a quarter has no outcome table) is an
        unknown, not a 0: identities keep it as a free variable. True if it is one."""
        if key in self.unpublished:
            return True
        view, pid, tid = key[:3]
        kind = self.periods[pid]["kind"] if pid in self.periods else None
        table_kinds = PUBLISHED_FOR.get(tid.split("/")[0], ALL_KINDS)
        if tid.startswith("goal/") and ":" in str(key[-1]):
            table_kinds = PUBLISHED_FOR["outcomes"]  # a goal's breakdowns: years and the whole time
        if (view, pid) in self.reports and key not in self.values and kind not in table_kinds:
            self.values[key] = None
            self.unpublished.add(key)
            return True
        return False


@dataclass
class Identity:
    """sum(coef * cell) (= or <=) rhs; `why` says which documented rule it comes from."""

    why: str
    terms: dict[tuple, float]
    rhs: float = 0.0
    sense: str = "="  # "=" or "<="


class Identities:
    """Collects identities; a term naming a cell that was not published (a row or column absent,
    e.g. a gender nobody in the period has) counts as 0."""

    def __init__(self, published: Published):
        self.pub = published
        self.items: list[Identity] = []

    def add(self, why: str, left: list[tuple], right: list[tuple], sense: str = "=") -> None:
        """sum(left) (= or <=) sum(right), each a list of cell keys."""
        terms: dict[tuple, float] = defaultdict(float)
        for key in left:
            if key in self.pub.values or self.pub.unknown_if_unpublished(key):
                terms[key] += 1.0
        for key in right:
            if key in self.pub.values or self.pub.unknown_if_unpublished(key):
                terms[key] -= 1.0
        terms = {k: c for k, c in terms.items() if c != 0}
        if terms:
            self.items.append(Identity(why, terms, 0.0, sense))


def build_identities(pub: Published, catalog) -> list[Identity]:
    """Every linear identity a reader can write down from the documentation and the catalog.

    Within a table:
      * a total row is the sum of the non-total rows, per count column (for `flow`, only `nya`
        and `avslutade`: `aktiva` does not add up over time, see below);
      * a total column is the sum of the other count columns (outcome tables: the genders add
        up to `alla`); goal tables: for each dimension `gender:`, `age_group:`,
        `time_in_programme:`, its groups add up to `alla`; goal rows `uppnatt` + `ej_uppnatt`
        = `alla` (the total row);
      * change: `n` = `forbattrade` + `ej_forbattrade` = `tillforlitligt` + `ej_tillforlitligt`,
        and `tillforlitligt` <= `forbattrade` (a reliable improvement is an improvement);
      * indicators: `n` = `instammer` + `ej_instammer`;
      * flow: the period row's `nya` and `avslutade` are the sums of its quarter/tertial rows;
        `nya` <= `aktiva` and `avslutade` <= `aktiva` on every row.
    Across periods of one view:
      * outcomes, goal, kasam, durations and indicators: a period's cell is the sum of the same
        cell in the leaf reports (quarters or tertials) inside it (containment by dates);
      * flow: a quarter/tertial row of a longer period's flow table is the same figure as that
        quarter's/tertial's own report; the leaves' `nya`/`avslutade` add up (as above);
        aktiva(next leaf) = aktiva(leaf) - avslutade(leaf) + nya(next leaf) for consecutive
        leaves, and aktiva(period) = aktiva(its first leaf) + the sum of `nya` of its other leaves;
        aktiva = nya in the grid's first leaf (the grid starts with the quarter or tertial of the
        first start, `stegvis report periods`: nobody was enrolled before it).
    Across programmes (same period):
      * in the "alla" view, kasam, durations, flow and indicators cells are the sums of the
        programmes' same cells; outcome and goal tables are the same figures in both views.
    Across the tables of one report:
      * for a goal whose numerator is `outcome_in` with population `exited`: goal
        `uppnatt`[alla] = the sum of its outcome rows in `outcomes/<programme>` column `alla`,
        and per `gender:<g>` with gender column g (when the goal has a gender breakdown); goal
        `alla`[alla] (and `alla`[gender:g]) = the outcome table's total row (every exit has an
        outcome: `record_exit` and the import both require one);
      * `durations` `alla` = `flow` `avslutade` of the period = the sum of the programmes'
        outcome totals (all three count everyone who left in the period);
      * in a programme's own view, the goal's `alla`[time_in_programme:<band>] is the durations
        row of that band (the programme's duration bands in order, the same labels);
      * for a goal whose numerator is a `scale_change` of an instrument's total from intake to
        exit (population `exited`): the goal's `alla` is that programme's kasam table `n` and
        `uppnatt` its `forbattrade` (`tillforlitligt` when the goal counts reliable change
        only), in total and per gender (not in the documentation, but what the goal means; it
        holds on every true figure of the demo data);
      * kasam `n` of a gender (or `alla`) <= the outcome totals of that gender over the view's
        programmes (only those who left have a paired exit score).
    """
    ids = Identities(pub)
    goals = {(p.id, g.id): g for p in catalog.latest_programmes() for g in p.goals}

    def counts_the_active(tid: str, goals) -> bool:
        """A goal counting everyone enrolled at some time in the period (or active at its end)
        counts a person in every period they are in: a year is not the sum of its quarters."""
        if not tid.startswith("goal/"):
            return False
        _, programme_id, goal_id = tid.split("/")
        goal = goals.get((programme_id, goal_id))
        return goal is not None and goal.population != "exited" and not goal.over_answers

    for (view, pid), report in pub.reports.items():
        for table in report["tables"]:
            tid, kind = table["id"], kind_of(table["id"])
            counts = [c for c in table["columns"] if c["unit"] == "antal"]
            total_rows = [r["id"] for r in table["rows"] if r["total"]]
            parts = [r["id"] for r in table["rows"] if not r["total"]]
            key = lambda r, c: (view, pid, tid, r, c)  # noqa: E731
            # total row = sum of the other rows
            if parts:
                for column in counts:
                    if kind == "flow" and column["id"] not in FLOW_ADDITIVE:
                        continue
                    for total in total_rows:
                        ids.add(f"{tid}: row {total} = sum of rows, column {column['id']}",
                                [key(total, column["id"])], [key(r, column["id"]) for r in parts])
            rows = [r["id"] for r in table["rows"]]
            if kind == "outcomes":
                totals = [c["id"] for c in counts if c["total"]]
                others = [c["id"] for c in counts if not c["total"]]
                for r in rows:
                    for total in totals:
                        ids.add(f"{tid}: genders add up to {total}, row {r}",
                                [key(r, total)], [key(r, c) for c in others])
            elif kind == "goal":
                for dim in GOAL_DIMENSIONS:
                    groups = [c["id"] for c in counts if c["id"].startswith(dim)]
                    if groups:
                        for r in rows:
                            ids.add(f"{tid}: {dim} groups add up to alla, row {r}",
                                    [key(r, ALL)], [key(r, c) for c in groups])
            elif kind == "change":
                for r in rows:
                    for pair in (("forbattrade", "ej_forbattrade"), ("tillforlitligt", "ej_tillforlitligt")):
                        ids.add(f"{tid}: n = {' + '.join(pair)}, row {r}",
                                [key(r, "n")], [key(r, c) for c in pair])
                    ids.add(f"{tid}: tillforlitligt <= forbattrade, row {r}",
                            [key(r, "tillforlitligt")], [key(r, "forbattrade")], sense="<=")
            elif kind == "flow":
                for r in rows:
                    for column in FLOW_ADDITIVE:
                        ids.add(f"flow: {column} <= aktiva, row {r}", [key(r, column)], [key(r, "aktiva")], sense="<=")
            elif kind == "indicators":
                for r in rows:
                    ids.add(f"{tid}: n = instammer + ej_instammer, row {r}",
                            [key(r, "n")], [key(r, "instammer"), key(r, "ej_instammer")])
            elif kind in ("outcomes_by_age", "durations_by_age"):
                totals = [c["id"] for c in counts if c["total"]]
                others = [c["id"] for c in counts if not c["total"]]
                for r in rows:
                    for total in totals:
                        ids.add(f"{tid}: age groups add up to {total}, row {r}",
                                [key(r, total)], [key(r, c) for c in others])
            elif kind == "choices" and not total_rows:  # a multiple choice: each option at most those who answered
                for r in rows:
                    if r != ALL:
                        ids.add(f"{tid}: {r} <= alla", [key(r, "antal")], [key(ALL, "antal")], sense="<=")
            elif kind == "occasions":
                for r in rows:
                    for column in counts:
                        if column["id"].startswith("under:"):
                            ids.add(f"{tid}: {column['id']} <= n, row {r}", [key(r, column["id"])], [key(r, "n")],
                                    sense="<=")

    # -- across periods ----------------------------------------------------------------------
    leaves = pub.leaves()
    for view in pub.views:
        for pid in pub.periods:
            if pub.is_leaf(pid) or (view, pid) not in pub.reports:
                continue
            inside = [leaf for leaf in pub.leaves_in(pid) if (view, leaf) in pub.reports]
            tables = {t for src in [pid, *inside] for t in pub.table_ids(view, src)
                      if t.startswith(ADDITIVE_PREFIXES) and not counts_the_active(t, goals)}
            for tid in sorted(tables):
                cells = set().union(*(pub.count_cells(view, src, tid) for src in [pid, *inside]))
                for r, c in sorted(cells):
                    ids.add(f"{tid} [{r}, {c}]: {pid} = sum of its leaves",
                            [(view, pid, tid, r, c)], [(view, leaf, tid, r, c) for leaf in inside])
        # flow: one canonical figure per leaf, its own report's row
        for pid in pub.periods:
            table = pub.table(view, pid, "flow")
            if table is None:
                continue
            for row in table["rows"]:
                if row["id"] != pid and (view, row["id"]) in pub.reports:
                    for column in ("nya", "aktiva", "avslutade"):
                        ids.add(f"flow [{row['id']}, {column}] in {pid} = {row['id']}'s own report",
                                [(view, pid, "flow", row["id"], column)],
                                [(view, row["id"], "flow", row["id"], column)])
        flow = lambda leaf, c: (view, leaf, "flow", leaf, c)  # noqa: E731
        present = [leaf for leaf in leaves if (view, leaf) in pub.reports]
        for before, after in zip(present, present[1:]):
            if pub._dates(after)[0] != date.fromordinal(pub._dates(before)[1].toordinal() + 1):
                continue  # not adjacent
            ids.add(f"flow: aktiva({after}) = aktiva({before}) - avslutade({before}) + nya({after})",
                    [flow(after, "aktiva"), flow(before, "avslutade")],
                    [flow(before, "aktiva"), flow(after, "nya")])
        if present and present[0] == leaves[0]:
            ids.add(f"flow: aktiva({leaves[0]}) = nya({leaves[0]}): the grid starts with the first start",
                    [flow(leaves[0], "aktiva")], [flow(leaves[0], "nya")])
        for pid in pub.periods:
            if pub.is_leaf(pid) or (view, pid) not in pub.reports:
                continue
            inside = [leaf for leaf in pub.leaves_in(pid) if (view, leaf) in pub.reports]
            if inside and len(inside) == len(pub.leaves_in(pid)):
                ids.add(f"flow: aktiva({pid}) = aktiva({inside[0]}) + nya of its other leaves",
                        [(view, pid, "flow", pid, "aktiva")],
                        [flow(inside[0], "aktiva")] + [flow(leaf, "nya") for leaf in inside[1:]])

    # -- across programmes ---------------------------------------------------------------------
    if ALL in pub.views:
        programmes = [p for p in pub.programmes_of(ALL) if p in pub.views]
        complete = len(programmes) == len(pub.programmes_of(ALL))
        for pid in pub.periods:
            if (ALL, pid) not in pub.reports:
                continue
            for tid in pub.table_ids(ALL, pid):
                if tid.startswith(PER_PROGRAMME_PREFIXES):
                    owner = pub.table(ALL, pid, tid)["programme"]
                    if (owner, pid) in pub.reports:
                        for r, c in sorted(pub.count_cells(ALL, pid, tid)):
                            ids.add(f"{tid} [{r}, {c}] {pid}: the same in 'alla' and in {owner}",
                                    [(ALL, pid, tid, r, c)], [(owner, pid, tid, r, c)])
            if not complete:
                continue
            tables = {t for v in [ALL, *programmes] for t in pub.table_ids(v, pid) if t.startswith(SUMMED_PREFIXES)}
            split = {t for t in pub.table_ids(ALL, pid) if t.startswith("durations/")}
            for tid in sorted(tables):
                if tid.startswith("durations/"):
                    # programmes with bands of their own: the group's table in "alla" sums the
                    # durations table of each programme named in its id
                    members = [p for p in tid.split("/", 1)[1].split("+") if p in programmes]
                    cells = set(pub.count_cells(ALL, pid, tid)).union(
                        *(pub.count_cells(p, pid, "durations") for p in members))
                    for r, c in sorted(cells):
                        ids.add(f"{tid} [{r}, {c}] {pid}: 'alla' = sum of its programmes",
                                [(ALL, pid, tid, r, c)], [(p, pid, "durations", r, c) for p in members])
                    continue
                if tid == "durations" and split:
                    continue  # in "alla" the programmes' durations are split by their bands
                cells = set().union(*(pub.count_cells(v, pid, tid) for v in [ALL, *programmes]))
                for r, c in sorted(cells):
                    ids.add(f"{tid} [{r}, {c}] {pid}: 'alla' = sum of the programmes",
                            [(ALL, pid, tid, r, c)], [(p, pid, tid, r, c) for p in programmes])

    # -- across the tables of one report -----------------------------------------------------
    for (view, pid), report in pub.reports.items():
        tids = {t["id"] for t in report["tables"]}
        outcome_tables = [t for t in report["tables"] if t["id"].startswith("outcomes/")]
        for tid in tids:
            if not tid.startswith("goal/"):
                continue
            _, programme, goal_id = tid.split("/", 2)
            goal = goals.get((programme, goal_id))
            if goal is None or goal.numerator.kind != "outcome_in" or goal.population != "exited":
                continue
            out = f"outcomes/{programme}"
            if out not in tids:
                continue
            g = lambda r, c: (view, pid, tid, r, c)  # noqa: E731
            o = lambda r, c: (view, pid, out, r, c)  # noqa: E731
            listed = list(goal.numerator.outcomes)
            ids.add(f"{tid}: uppnatt[alla] = outcome rows {listed}, column alla", [g("uppnatt", ALL)],
                    [o(r, ALL) for r in listed])
            ids.add(f"{tid}: alla[alla] = outcomes alla/alla", [g(ALL, ALL)], [o(ALL, ALL)])
            if "gender" in goal.breakdowns:
                genders = ({c for (r, c) in pub.count_cells(view, pid, out) if c != ALL}
                           | {c.split(":", 1)[1] for (r, c) in pub.count_cells(view, pid, tid)
                              if c.startswith("gender:")})
                for gender in sorted(genders):
                    ids.add(f"{tid}: uppnatt[gender:{gender}] = outcome rows, column {gender}",
                            [g("uppnatt", f"gender:{gender}")], [o(r, gender) for r in listed])
                    ids.add(f"{tid}: alla[gender:{gender}] = outcomes alla/{gender}",
                            [g(ALL, f"gender:{gender}")], [o(ALL, gender)])
            if "time_in_programme" in goal.breakdowns and view == programme and "durations" in tids:
                bands = [b.id for b in catalog.programme(programme).duration_bands]
                rows = [r["id"] for r in pub.table(view, pid, "durations")["rows"] if not r["total"]]
                if len(bands) == len(rows):
                    for band, row in zip(bands, rows):
                        ids.add(f"{tid}: alla[time_in_programme:{band}] = durations [{row}] ({pid})",
                                [g(ALL, f"time_in_programme:{band}")], [(view, pid, "durations", row, "antal")])
            # (the goal table of a scale_change goal is linked to the kasam table below)
        for tid in tids:
            if not tid.startswith("goal/"):
                continue
            _, programme, goal_id = tid.split("/", 2)
            goal = goals.get((programme, goal_id))
            num = getattr(goal, "numerator", None)
            if (num is None or num.kind != "scale_change" or goal.population != "exited" or num.scale != "total"
                    or (num.from_occasion, num.to_occasion) != ("intake", "exit")):
                continue
            kasam = (programme, pid, f"change/{num.instrument}")
            if (programme, pid) not in pub.reports:
                continue
            improved = "tillforlitligt" if num.reliable else "forbattrade"
            columns = {ALL: ALL} | ({f"gender:{r}": r for r, _ in pub.count_cells(*kasam) if r != ALL}
                                    if "gender" in goal.breakdowns else {})
            for column, row in columns.items():
                ids.add(f"{tid}: alla[{column}] = {kasam[2]} n[{row}] of {programme}",
                        [(view, pid, tid, ALL, column)], [(*kasam, row, "n")])
                ids.add(f"{tid}: uppnatt[{column}] = {kasam[2]} {improved}[{row}] of {programme}",
                        [(view, pid, tid, "uppnatt", column)], [(*kasam, row, improved)])
        exits = [(view, pid, t["id"], ALL, ALL) for t in outcome_tables]
        complete = sorted(t["programme"] for t in outcome_tables) == sorted(report["programmes"])
        if "durations" in tids and "flow" in tids:
            ids.add(f"durations alla = flow avslutade ({pid})", [(view, pid, "durations", ALL, "antal")],
                    [(view, pid, "flow", pid, "avslutade")])
        if "flow" in tids and complete:
            ids.add(f"flow avslutade = the outcome tables' totals ({pid})",
                    [(view, pid, "flow", pid, "avslutade")], exits)
        if complete:
            for tid in tids:
                if not tid.startswith("change/"):
                    continue
                for r, c in pub.count_cells(view, pid, tid):
                    if c == "n":
                        ids.add(f"{tid}: n[{r}] <= those who left, gender {r}", [(view, pid, tid, r, "n")],
                                [(view, pid, t["id"], ALL, r) for t in outcome_tables], sense="<=")
        # those who left, by age group: the same people as the outcome table, the durations and
        # the mean times
        for table in outcome_tables:
            programme = table["programme"]
            by_age, bands, times = (f"{p}{programme}" for p in AGE_PREFIXES)
            if by_age not in tids:
                continue
            out = table["id"]
            for r in [row["id"] for row in table["rows"]]:
                ids.add(f"{by_age} [{r}, alla] = {out} [{r}, alla] ({pid})", [(view, pid, by_age, r, ALL)],
                        [(view, pid, out, r, ALL)])
            for c, _ in [(c, None) for r, c in pub.count_cells(view, pid, by_age) if r == ALL]:
                ids.add(f"{bands} [alla, {c}] = {by_age} [alla, {c}] ({pid})", [(view, pid, bands, ALL, c)],
                        [(view, pid, by_age, ALL, c)])
                ids.add(f"{times} [{c}, n] = {by_age} [alla, {c}] ({pid})", [(view, pid, times, c, "n")],
                        [(view, pid, by_age, ALL, c)])
            if view == programme and "durations" in tids:
                for r, c in pub.count_cells(view, pid, bands):
                    if c == ALL and r != ALL:
                        ids.add(f"{bands} [{r}, alla] = durations [{r}] ({pid})", [(view, pid, bands, r, ALL)],
                                [(view, pid, "durations", r, "antal")])
    return ids.items


# -- solving ---------------------------------------------------------------------------------------


@dataclass
class Bounds:
    lo: float
    hi: float  # math.inf: unbounded
    solved: bool  # False: proved wide enough by feasible points already found

    def whole_numbers(self) -> float:
        if math.isinf(self.hi):
            return math.inf
        return math.floor(self.hi + EPS) - math.ceil(self.lo - EPS) + 1


@dataclass
class Audit:
    bounds: dict[tuple, Bounds]
    broken: list[tuple[Identity, float]]  # identities that the shown figures alone contradict
    infeasible: list[list[tuple]]  # components whose identities have no solution
    solves: int = 0
    components: int = 0

    def narrow(self, interval: int) -> dict[tuple, Bounds]:
        return {k: b for k, b in self.bounds.items() if b.whole_numbers() < interval}


def solve(pub: Published, identities: list[Identity], interval: int | None = None) -> Audit:
    """Bounds of every hidden count: min and max of each over {x >= 0 : identities hold}.

    Shown counts are substituted first; the hidden counts then fall into connected components
    (two counts are linked when an identity names both), each solved as its own LP. Per
    component the model is built once and only the objective changes between solves (HiGHS
    starts from the previous basis). A count whose values in the feasible points already found
    span `interval` whole numbers needs no solve of its own: its true range holds them all.
    """
    import highspy

    interval = pub.interval if interval is None else interval
    values = pub.values
    rows: list[tuple[dict[tuple, float], float, str, Identity]] = []
    broken = []
    for identity in identities:
        rhs, terms = identity.rhs, {}
        for key, coef in identity.terms.items():
            if values[key] is None:
                terms[key] = coef
            else:
                rhs -= coef * values[key]
        if not terms:
            if (identity.sense == "=" and abs(rhs) > EPS) or (identity.sense == "<=" and rhs < -EPS):
                broken.append((identity, rhs))
            continue
        rows.append((terms, rhs, identity.sense, identity))

    hidden = [key for key, value in values.items() if value is None]  # the unpublished too, unaudited
    parent = {key: key for key in hidden}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for terms, *_ in rows:
        first, *rest = terms
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[a] = b
    members = defaultdict(list)
    for key in hidden:
        members[find(key)].append(key)
    by_component = defaultdict(list)
    for row in rows:
        by_component[find(next(iter(row[0])))].append(row)

    bounds: dict[tuple, Bounds] = {}
    infeasible = []
    solves = 0
    inf = highspy.kHighsInf
    for root, keys in members.items():
        constraints = by_component.get(root, [])
        if not constraints:
            for key in keys:
                bounds[key] = Bounds(0.0, math.inf, False)
            continue
        index = {key: i for i, key in enumerate(keys)}
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        n = len(keys)
        h.addVars(n, np.zeros(n), np.full(n, inf))
        for terms, rhs, sense, _ in constraints:
            idx = np.array([index[k] for k in terms], dtype=np.int32)
            val = np.array(list(terms.values()), dtype=np.float64)
            h.addRow(rhs if sense == "=" else -inf, rhs, len(idx), idx, val)
        seen_lo = np.full(n, math.inf)
        seen_hi = np.full(n, -math.inf)
        unbounded = np.zeros(n, dtype=bool)

        def note(solution):
            nonlocal seen_lo, seen_hi
            x = np.asarray(solution.col_value)
            seen_lo = np.minimum(seen_lo, x)
            seen_hi = np.maximum(seen_hi, x)

        def wide(i):
            return unbounded[i] or math.floor(seen_hi[i] + EPS) - math.ceil(seen_lo[i] - EPS) + 1 >= interval

        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            infeasible.append(keys)
            continue
        note(h.getSolution())
        exact: dict[int, list[float]] = {}
        for i in range(n):
            if wide(i) or keys[i] in pub.unpublished:
                continue
            found = []
            for cost in (1.0, -1.0):
                h.changeColCost(i, cost)
                h.run()
                solves += 1
                status = h.getModelStatus()
                if status == highspy.HighsModelStatus.kOptimal:
                    note(h.getSolution())
                    found.append(cost * h.getInfo().objective_function_value)
                elif status in (highspy.HighsModelStatus.kUnbounded,
                                highspy.HighsModelStatus.kUnboundedOrInfeasible) and cost < 0:
                    unbounded[i] = True
                    found.append(math.inf)
                else:
                    raise AssertionError(f"HiGHS: {h.modelStatusToString(status)} for {keys[i]}")
            h.changeColCost(i, 0.0)
            exact[i] = found
        for i, key in enumerate(keys):
            if key in pub.unpublished:
                continue
            if i in exact:
                bounds[key] = Bounds(exact[i][0], exact[i][1], True)
            else:
                bounds[key] = Bounds(float(seen_lo[i]), math.inf if unbounded[i] else float(seen_hi[i]), False)
    return Audit(bounds, broken, infeasible, solves, len(members))


# -- what a failure says -------------------------------------------------------------------------


def describe(key: tuple, bounds: Bounds, truth=None) -> str:
    view, pid, tid, row, column = key
    hi = "inf" if math.isinf(bounds.hi) else f"{bounds.hi:g}"
    true = "?" if truth is None else truth
    return f"{view} {pid} {tid} [{row}, {column}]: bounds [{bounds.lo:g}, {hi}], true value {true}"


# -- collecting the reports and the true values ---------------------------------------------------


def publish_all(board, catalog) -> dict[tuple[str, str], dict]:
    """Every report the board can reach: each programme and "all programmes" x each period of
    the grid, as published JSON."""
    from stegvis import reports

    grid = board.board_periods()
    views = [p.id for p in catalog.latest_programmes()] + [None]
    return {(view or ALL, p.id): reports.as_json(board.board_report(view, p.id))
            for view in views for p in grid.periods}


def true_values(db, catalog) -> dict[tuple, float]:
    """The unprotected figures, for failure messages only (they never decide a test): a copy of
    the database with k = 1 and no protection interval, reported through the same public calls."""
    import tempfile
    from pathlib import Path

    from stegvis.access import Access
    from stegvis.accounts import create_user, get_user
    from foundation.settings import set_setting
    from stegvis.database import open_db

    try:
        target = Path(tempfile.mkdtemp(prefix="audit-truth-")) / "truth.db"
        copy = open_db(target)
        db.conn.backup(copy.conn)
        set_setting(copy, "min_cell", "1")  # below the settable minimum on purpose: nothing hidden
        set_setting(copy, "protection_interval", "1")
        user = get_user(copy, "audit-truth") or create_user(copy, "audit-truth", "audit-truth-only", "board")
        return Published(publish_all(Access(copy, user, catalog), catalog)).values
    except Exception:  # the message then says "?"
        return {}


# -- sums behind means: n x mean ------------------------------------------------------------------

MEAN_UNITS = ("förändring", "medel")


def mean_sums(pub: Published) -> dict[tuple, float | None]:
    """n x mean for every mean a report has a place for: kasam changes per scale, indicator
    means, and `mean_months` (n: those who left, the durations total). Known when n is shown
    and either n = 0 or the mean is shown; None otherwise."""
    sums: dict[tuple, float | None] = {}
    for (view, pid), report in pub.reports.items():
        for table in report["tables"]:
            columns = [c["id"] for c in table["columns"]]
            if "n" not in columns:
                continue
            for row, values in zip(table["rows"], table["values"]):
                cells = dict(zip(columns, values))
                n = cells["n"]
                for column in table["columns"]:
                    if column["unit"] in MEAN_UNITS:
                        mean = cells[column["id"]]
                        known = n is not None and (n == 0 or mean is not None)
                        sums[(view, pid, table["id"], row["id"], column["id"])] = (
                            (0.0 if n == 0 else n * mean) if known else None)
        # n: those who left, the durations total (or the sum of the tables it is split into when
        # programmes have bands of their own)
        totals = [t["values"][[r["id"] for r in t["rows"]].index(ALL)][0] for t in report["tables"]
                  if t["id"] == "durations" or t["id"].startswith("durations/")]
        if totals:
            n = None if None in totals else sum(totals)
            mean = report["mean_months"]
            known = n is not None and (n == 0 or mean is not None)
            sums[(view, pid, "mean_months", ALL, "mean_months")] = (0.0 if n == 0 else n * mean) if known else None
    return sums


def mean_sum_identities(pub: Published, sums: dict) -> list[Identity]:
    """Sums of changes (or answers, or months) add up like the counts they rest on: a kasam
    table's `alla` row is the sum of its gender rows; a period's sum is the sum of its leaves';
    "alla"'s is the sum of the programmes'."""
    items = []

    def known(key):
        if key not in sums and pub.unknown_if_unpublished(key):
            sums[key] = None  # a sum of a table the period does not publish is unknown, not 0
        return key in sums

    def add(why, left, right):
        terms = defaultdict(float)
        for key in left:
            if known(key):
                terms[key] += 1
        for key in right:
            if known(key):
                terms[key] -= 1
        terms = {k: c for k, c in terms.items() if c}
        if terms:
            items.append(Identity(why, terms))

    by_report = defaultdict(set)
    for view, pid, tid, row, column in sums:
        by_report[(view, pid)].add((tid, row, column))
    for (view, pid), cells in by_report.items():
        for tid, row, column in cells:
            if tid.startswith(("change/", "time_by_age/")) and row == ALL:
                parts = [(view, pid, tid, r, c) for t, r, c in cells if t == tid and c == column and r != ALL]
                add(f"{tid} {column}: alla = sum of the genders ({view} {pid})", [(view, pid, tid, ALL, column)], parts)
    for view in pub.views:
        for pid in pub.periods:
            if pub.is_leaf(pid) or (view, pid) not in pub.reports:
                continue
            inside = [leaf for leaf in pub.leaves_in(pid) if (view, leaf) in pub.reports]
            cells = set().union(by_report[(view, pid)], *(by_report[(view, leaf)] for leaf in inside))
            for tid, row, column in cells:
                add(f"{tid} [{row}, {column}] n x mean: {pid} = sum of its leaves ({view})",
                    [(view, pid, tid, row, column)], [(view, leaf, tid, row, column) for leaf in inside])
    if ALL in pub.views:
        programmes = [p for p in pub.programmes_of(ALL) if p in pub.views]
        if len(programmes) == len(pub.programmes_of(ALL)):
            for pid in pub.periods:
                cells = set().union(*(by_report[(v, pid)] for v in [ALL, *programmes]))
                for tid, row, column in cells:
                    add(f"{tid} [{row}, {column}] n x mean {pid}: 'alla' = sum of the programmes",
                        [(ALL, pid, tid, row, column)], [(p, pid, tid, row, column) for p in programmes])
    return items


def determined(values: dict[tuple, float | None], identities: list[Identity]) -> tuple[list, list]:
    """Unknowns (None) that the identities fix to one value whatever the others are, and the
    identities that the known values alone contradict. Real-valued: a change may be negative."""
    unknown = [key for key, v in values.items() if v is None]
    index = {key: i for i, key in enumerate(unknown)}
    rows, broken = [], []
    for identity in identities:
        row = {index[k]: c for k, c in identity.terms.items() if values[k] is None}
        if not row:
            rest = sum(c * values[k] for k, c in identity.terms.items())
            if abs(rest) > 1e-6 * max(1.0, sum(abs(values[k]) for k in identity.terms)):
                broken.append((identity, rest))
            continue
        rows.append(row)
    parent = list(range(len(unknown)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in rows:
        first, *rest = row
        for other in rest:
            parent[find(first)] = find(other)
    groups = defaultdict(list)
    for i in range(len(unknown)):
        groups[find(i)].append(i)
    by_group = defaultdict(list)
    for row in rows:
        by_group[find(next(iter(row)))].append(row)
    fixed = []
    for root, members in groups.items():
        equations = by_group.get(root)
        if not equations:
            continue
        local = {i: j for j, i in enumerate(members)}
        matrix = np.zeros((len(equations), len(members)))
        for r, row in enumerate(equations):
            for i, c in row.items():
                matrix[r, local[i]] = c
        # x_j is fixed iff the unit vector e_j lies in the row space: its null-space component is 0
        _, s, vt = np.linalg.svd(matrix)
        rank = int((s > 1e-9 * max(1.0, s[0] if len(s) else 1.0)).sum())
        null = vt[rank:]
        for i in members:
            if null.shape[0] == 0 or np.linalg.norm(null[:, local[i]]) < 1e-9:
                fixed.append(unknown[i])
    return fixed, broken
