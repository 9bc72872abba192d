"""Everything the board sees, computed once from aggregate inputs and suppressed once, so the
dashboard, the PDF and the workbook show the same figures: goals, outcome tables, indicators,
KASAM change, and the flow of participants. No row in here describes one person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from indicators.change import paired_change
from indicators.goals import GENDER_LABELS, GENDER_ORDER, GoalResult, evaluate_goals, months_between
from indicators.nns import indicator_results
from indicators.outcomes import OutcomeTable, outcome_table
from indicators.suppression import hidden_count, primary, share as safe_share, suppress
from surveys.definitions import Catalog

DURATION_BANDS = [("0–6 mån", 0, 6), ("7–12 mån", 7, 12), ("13–24 mån", 13, 24), ("över 24 mån", 25, None)]


@dataclass
class BoardReport:
    programmes: list  # Programme definitions covered
    start: date
    end: date
    k: int
    goals: dict[str, list[GoalResult]] = field(default_factory=dict)  # programme id -> goals
    outcomes: dict[str, OutcomeTable] = field(default_factory=dict)
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    kasam: pd.DataFrame = field(default_factory=pd.DataFrame)
    flow: pd.DataFrame = field(default_factory=pd.DataFrame)
    durations: pd.DataFrame = field(default_factory=pd.DataFrame)
    mean_months: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        names = ", ".join(p.name.sv for p in self.programmes)
        return names if len(self.programmes) == 1 else f"Alla insatser ({names})"


def instruments_used(catalog: Catalog) -> set[str]:
    """The instruments the board's figures come from, as declared: those with indicators,
    with a reliable-change scale (KASAM change), and those a goal names."""
    used = {i.id for i in catalog.latest_instruments()
            if i.indicators or any(s.reliable_change for s in i.scales)}
    for programme in catalog.latest_programmes():
        used |= {g.numerator.instrument for g in programme.goals if hasattr(g.numerator, "instrument")}
    return used


def board_report(catalog: Catalog, inputs: dict, programme_id: str | None, start: date, end: date, k: int) -> BoardReport:
    programmes = [catalog.programme(programme_id)] if programme_id else catalog.latest_programmes()
    report = BoardReport(programmes, start, end, k)
    enrolments = inputs["enrolments"]
    scores = inputs["scores"]
    instruments = {i.id: i for i in catalog.latest_instruments()}
    period = (start.isoformat(), end.isoformat())
    for programme in programmes:
        mine = enrolments[enrolments["programme_id"] == programme.id]
        programme_scores = {i: f[f["programme_id"] == programme.id] for i, f in scores.items()}
        report.goals[programme.id] = evaluate_goals(programme, mine, period=period, scores=programme_scores,
                                                    instruments=instruments, min_cell=k)
        exits = mine[mine["exited_on"].between(*period) & mine["outcome"].notna()]
        if len(exits):
            report.outcomes[programme.id] = outcome_table(programme, exits, k)
    ids = [p.id for p in programmes]
    report.indicators = _indicators(catalog, inputs, ids, start, end, k)
    report.kasam = _kasam(catalog, enrolments[enrolments["programme_id"].isin(ids)], scores, ids, period, k)
    report.flow, report.durations, report.mean_months = _flow(enrolments[enrolments["programme_id"].isin(ids)],
                                                              start, end, k)
    report.notes = _notes(report)
    return report


def _previous(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before."""
    return start - (end - start) - timedelta(days=1), start - timedelta(days=1)


def _indicators(catalog, inputs, ids, start, end, k) -> pd.DataFrame:
    rows = []
    current = (start.isoformat(), end.isoformat())
    previous = tuple(d.isoformat() for d in _previous(start, end))
    invited = inputs["invited"]
    invited = invited[invited["programme_id"].isin(ids) & invited["created_on"].between(*current)]
    asked = invited.groupby(["instrument_id", "respondent_group"])[["invited", "completed"]].sum()
    for instrument in catalog.latest_instruments():
        frame = inputs["scores"].get(instrument.id)
        if not instrument.indicators or frame is None:
            continue
        frame = frame[frame["programme_id"].isin(ids)]
        day = frame["completed_at"].str[:10]
        period = pd.Series(np.select([day.between(*current), day.between(*previous)], ["current", "previous"], ""),
                           index=frame.index)
        results = indicator_results(instrument, frame[period != ""].assign(period=period), period_column="period")
        before = {(r["indicator"], r["respondent_group"]): r for r in results[results["period"] == "previous"]
                  .to_dict("records")}
        for row in results[results["period"] == "current"].to_dict("records"):
            group = row["respondent_group"]
            group_invited, answered = (asked.loc[(instrument.id, group)].tolist()
                                       if (instrument.id, group) in asked.index else (0, 0))
            earlier = before.get((row["indicator"], group))
            hide = hidden_count(row["n"], k) or row["n"] == 0
            prior = None if earlier is None or hidden_count(earlier["n"], k) else earlier["share"]
            rows.append({
                "Enkät": instrument.title.sv, "Indikator": row["label"], "Grupp": group,
                "n": None if hide else row["n"],
                "Svarsfrekvens": None if hide or group_invited == 0 else answered / group_invited,
                "Andel instämmer": None if hide else row["share"], "Medel": None if hide else row["mean"],
                "Föregående period": prior,
                "Förändring": None if hide or prior is None or row["share"] is None else row["share"] - prior,
            })
    return pd.DataFrame(rows)


def _kasam(catalog, enrolments, scores, ids, period, k) -> pd.DataFrame:
    """Paired intake → exit change for participants who exited in the period, by gender."""
    rows = []
    exited = enrolments[enrolments["exited_on"].between(*period)]
    for instrument in catalog.latest_instruments():
        frame = scores.get(instrument.id)
        total = next((s for s in instrument.scales if s.reliable_change), None)
        if frame is None or total is None:
            continue
        frame = frame[frame["programme_id"].isin(ids) & frame["participant_id"].isin(exited["participant_id"])]
        pairs = paired_change(frame, total.id, from_occasion="intake", to_occasion="exit",
                              reliable=total.reliable_change)
        if pairs.empty:
            continue
        subscales = {s.id: paired_change(frame, s.id, from_occasion="intake", to_occasion="exit")
                     .set_index("participant_id")["change"] for s in instrument.scales if s.id != total.id}
        genders = exited.drop_duplicates("participant_id").set_index("participant_id")["gender"]
        pairs["gender"] = pairs["participant_id"].map(genders)
        groups = [g for g in GENDER_ORDER if g in set(pairs["gender"])] + ["alla"]
        for group in groups:
            part = pairs if group == "alla" else pairs[pairs["gender"] == group]
            n, better, reliably = len(part), int(part["improved"].sum()), int(part["reliably_improved"].sum())
            row = {"Instrument": instrument.title.sv, "Kön": GENDER_LABELS.get(group, group),
                   "n": None if hidden_count(n, k) else n,
                   "Andel förbättrade": safe_share(better, n, k),
                   "Andel tillförlitligt förbättrade": safe_share(reliably, n, k),
                   f"Medelförändring {total.label.sv}": None if hidden_count(n, k) else float(part["change"].mean())}
            for scale_id, changes in subscales.items():
                values = changes.reindex(part["participant_id"]).dropna()
                label = instrument.scale(scale_id).label.sv
                row[f"Medelförändring {label}"] = None if hidden_count(len(values), k) or values.empty \
                    else float(values.mean())
            rows.append(row)
    return pd.DataFrame(rows)


def _flow(enrolments, start, end, k):
    started = pd.to_datetime(enrolments["started_on"]).to_numpy(dtype="datetime64[ns]")
    exited = pd.to_datetime(enrolments["exited_on"]).to_numpy(dtype="datetime64[ns]")
    still_in = np.isnat(exited)
    months = pd.period_range(start, end, freq="M")
    table = []
    with np.errstate(invalid="ignore"):  # NaT compares false
        for month in months:
            first, last = np.datetime64(month.start_time, "ns"), np.datetime64(month.end_time.normalize(), "ns")
            table.append({"Månad": str(month), "Nya": int(((started >= first) & (started <= last)).sum()),
                          "Aktiva": int(((started <= last) & (still_in | (exited >= first))).sum()),
                          "Avslutade": int(((exited >= first) & (exited <= last)).sum())})
    flow = pd.DataFrame(table)
    if len(flow):
        counts = flow[["Nya", "Aktiva", "Avslutade"]]
        flow[["Nya", "Aktiva", "Avslutade"]] = counts.astype(float).mask(primary(counts.to_numpy(), k))
    done = enrolments[(exited >= np.datetime64(start, "ns")) & (exited <= np.datetime64(end, "ns"))]
    began, left = pd.to_datetime(done["started_on"]), pd.to_datetime(done["exited_on"])
    months_in = months_between(began, left)
    counts = pd.DataFrame({"Tid i insatsen": [b[0] for b in DURATION_BANDS] + ["Alla"],
                           "Antal": [int(((months_in >= lo) & (True if hi is None else months_in <= hi)).sum())
                                     for _, lo, hi in DURATION_BANDS] + [len(months_in)]})
    hidden = suppress(counts[["Antal"]].T, k).T
    counts["Antal"] = hidden["Antal"].to_numpy()
    mean = None if hidden_count(len(months_in), k) or len(months_in) == 0 else float(
        (left - began).dt.days.mean() / 30.44)
    return flow, counts, mean


def _notes(report: BoardReport) -> list[str]:
    notes = [
        f"Siffror som bygger på färre än {report.k} personer visas inte (”för få svar”); där en dold siffra "
        "skulle kunna räknas fram ur en summa döljs även nästa minsta siffra i samma rad eller kolumn.",
        "Andelar räknas från antal och avrundas bara när de visas.",
        "KASAM-förändring är parad: varje deltagares utskrivningsvärde minus hens eget inskrivningsvärde. "
        "Tillförlitlig förbättring enligt Jacobson–Truax (RCI ≥ 1,96) med reliabilitet och spridning ur "
        "instrumentets definition. KASAM är ett stöd för samtalet, inte en diagnos.",
        "Indikatorer: varje svarande räknas en gång per indikator (medel av hens besvarade frågor); ”vet ej” "
        "räknas inte. Andel instämmer = andel svarande med medel vid eller över gränsen.",
    ]
    hidden = sum(int(t.counts.isna().to_numpy().sum()) for t in report.outcomes.values())
    if hidden:
        notes.append(f"I avslutstabellerna är {hidden} celler dolda.")
    return notes


def percent(value) -> str:
    from indicators.suppression import SUPPRESSED_TEXT

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return SUPPRESSED_TEXT
    return f"{value * 100:.0f} %"
