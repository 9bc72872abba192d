"""The outcome table at exit (seed 000's shape): outcome categories by gender, counts and
shares computed from counts, and the goals that follow from outcomes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.disclosure import Family, Protected, Protection
from indicators.goals import GENDER_ORDER
from foundation.errors import StegvisError
from surveys.models import GENDERS, OutcomeIn, Programme

ALL = "alla"


@dataclass
class OutcomeTable:
    programme: Programme
    genders: list[str]
    counts: pd.DataFrame  # rows: outcome ids + ALL; columns: genders + ALL; NaN where hidden
    share_table: pd.DataFrame  # each count over its column's total; NaN where hidden
    figures: Protected | None = None  # every protected figure, the goals' too

    @property
    def n(self) -> int | None:
        value = self.counts.loc[ALL, ALL]
        return None if pd.isna(value) else int(value)

    def shares(self) -> pd.DataFrame:
        return self.share_table


def check_exits(programme: Programme, exits: pd.DataFrame, source: str = "input") -> pd.DataFrame:
    """Validate an exits table; StegvisError listing every bad row (1-based data rows)."""
    missing = [c for c in ("participant_id", "gender", "outcome") if c not in exits.columns]
    if missing:
        raise StegvisError(f"{source}: missing column(s) {', '.join(missing)} "
                           f"(needed: participant_id, gender, outcome; optional: birth_year, enrolled_on, exited_on)")
    known = {o.id for o in programme.outcomes}
    problems = []
    ids = exits["participant_id"].astype(str).str.strip()
    duplicated = ids.duplicated(keep="first")
    for position, row in enumerate(exits.itertuples(index=False), start=1):
        record = row._asdict()
        gender = str(record["gender"] if pd.notna(record["gender"]) else "").strip()
        outcome = str(record["outcome"] if pd.notna(record["outcome"]) else "").strip()
        pid = ids.iloc[position - 1]
        if not pid or pid == "nan":
            problems.append(f"row {position}, column participant_id: blank")
        if not gender:
            problems.append(f"row {position}, column gender: blank (use {', '.join(GENDERS)})")
        elif gender not in GENDER_ORDER:
            problems.append(f"row {position}, column gender: {gender!r} is not one of {', '.join(GENDERS)}")
        if outcome not in known:
            problems.append(f"row {position}, column outcome: {outcome!r} is not an outcome of {programme.id} "
                            f"({', '.join(sorted(known))})")
        if duplicated.iloc[position - 1]:
            first = int((ids == pid).to_numpy().argmax()) + 1
            problems.append(f"row {position}, column participant_id: {pid!r} already on row {first}")
    if problems:
        raise StegvisError(f"{source}: {len(problems)} problem(s), nothing was computed:\n" + "\n".join(problems))
    clean = exits.copy()
    clean["gender"] = clean["gender"].astype(str).str.strip()
    clean["outcome"] = clean["outcome"].astype(str).str.strip()
    return clean


def _protected(programme: Programme, exits: pd.DataFrame, genders: list[str], k: int, interval: int):
    """One table's figures through the board's disclosure control: outcomes by gender with their
    totals and rests, and the outcome goals by gender."""
    gender = exits["gender"].to_numpy(dtype=object)
    outcome = exits["outcome"].to_numpy(dtype=object)
    family = Family(len(exits))
    for g in genders + [ALL]:
        column = gender == g if g != ALL else np.ones(len(exits), dtype=bool)
        family.add(("outcome", ALL, g), column)
        for o in programme.outcomes:
            family.add(("outcome", o.id, g), column & (outcome == o.id))
            family.add(("rest", o.id, g), column & (outcome != o.id), 0.3)
        for goal in programme.goals:
            if isinstance(goal.numerator, OutcomeIn):
                hit = np.isin(outcome, goal.numerator.outcomes)
                family.add(("goal", goal.id, "uppnatt", g), column & hit)
                family.add(("goal", goal.id, "ej_uppnatt", g), column & ~hit, 0.3)
    return family.protect(Protection(k, interval))


def outcome_table(programme: Programme, exits: pd.DataFrame, min_cell: int = 1,
                  interval: int = 3) -> OutcomeTable:
    """Counts per outcome × gender with totals, protected for k = `min_cell` (1 shows all)."""
    present = set(exits["gender"])
    genders = [g for g in GENDER_ORDER if g in present]
    figures = _protected(programme, exits, genders, min_cell, interval)
    rows, columns = [o.id for o in programme.outcomes] + [ALL], genders + [ALL]
    counts = pd.DataFrame([[figures.count(("outcome", r, c)) for c in columns] for r in rows],
                          index=rows, columns=columns, dtype=float)
    shares = pd.DataFrame([[figures.share(("outcome", r, c), ("rest", r, c), ("outcome", ALL, c)) if r != ALL
                            else figures.share(("outcome", ALL, c), ("outcome", ALL, c), ("outcome", ALL, c))
                            for c in columns] for r in rows], index=rows, columns=columns, dtype=float)
    return OutcomeTable(programme, genders, counts, shares, figures)


def outcomes_report(programme: Programme, exits: pd.DataFrame, min_cell: int = 1, interval: int = 3) -> dict:
    """The JSON shape of `stegvis report outcomes`: hidden cells are null. Only goals that can
    be computed from exit outcomes are included."""
    table = outcome_table(programme, exits, min_cell, interval)
    figures = table.figures
    shares = table.shares()
    columns = table.genders + [ALL]
    rows = [{
        "outcome": outcome.id,
        "label": outcome.label.sv,
        "counts": {g: _number(table.counts.loc[outcome.id, g]) for g in columns},
        "shares": {g: _number(shares.loc[outcome.id, g]) for g in columns},
    } for outcome in programme.outcomes]
    goals = []
    for goal in programme.goals:
        if not isinstance(goal.numerator, OutcomeIn):
            continue

        def cell(g, goal=goal):
            key = ("goal", goal.id)
            return {"numerator": figures.count((*key, "uppnatt", g)), "denominator": figures.count(("outcome", ALL, g)),
                    "share": figures.share((*key, "uppnatt", g), (*key, "ej_uppnatt", g), ("outcome", ALL, g))}

        total = cell(ALL)
        goals.append({
            "id": goal.id, "label": goal.label.sv, "target": goal.target, **total,
            "met": None if total["share"] is None else total["share"] >= goal.target,
            "by_gender": {g: cell(g) for g in table.genders},
        })
    return {"programme": programme.id, "n": table.n, "rows": rows, "goals": goals}


def _number(value):
    return None if pd.isna(value) else (int(value) if float(value).is_integer() else float(value))


def report_csv(report: dict) -> str:
    """One row per outcome: counts then shares per gender column (blank where hidden)."""
    columns = list(report["rows"][0]["counts"]) if report["rows"] else [ALL]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["outcome", "label", *(f"n_{g}" for g in columns), *(f"share_{g}" for g in columns)])
    for row in report["rows"]:
        writer.writerow([row["outcome"], row["label"], *("" if row["counts"][g] is None else row["counts"][g]
                                                         for g in columns),
                         *("" if row["shares"][g] is None else row["shares"][g] for g in columns)])
    return buffer.getvalue()
