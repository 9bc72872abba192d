"""The board's meeting report in words: titles, row and column labels and notes put to the ids
and figures of `indicators.board` from the text catalogue (foundation/locale), as the page
shows them, as a PDF (reportlab, which draws the charts too) and as an Excel
workbook (one sheet per table, formula-safe). All are built from the same `BoardReport`, so
every figure and every suppression agrees."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pandas as pd

from foundation.errors import StegvisError
from foundation.texts import DEFAULT, N_, Message, t
from indicators.board import ALL, DETAILED, GOALS, NATIONAL_SHARE, BoardReport, Table
from indicators.goals import UNKNOWN
from indicators.periods import WHOLE, YEAR, Period

GENDER_LABELS = {"kvinna": N_("group.gender.kvinna"), "man": N_("group.gender.man"),
                 "annat": N_("group.gender.annat"), "vill_inte_uppge": N_("group.gender.vill_inte_uppge")}
STATUS_ROWS = {"uppnatt": N_("report.row.reached"), "ej_uppnatt": N_("report.row.not_reached"),
               ALL: N_("report.row.target_group")}
COLUMNS = {"n": N_("report.column.n"), "forbattrade": N_("report.column.forbattrade"),
           "ej_forbattrade": N_("report.column.ej_forbattrade"), "tillforlitligt": N_("report.column.tillforlitligt"),
           "ej_tillforlitligt": N_("report.column.ej_tillforlitligt"),
           "andel_forbattrade": N_("report.column.andel_forbattrade"),
           "andel_tillforlitligt": N_("report.column.andel_tillforlitligt"), "antal": N_("report.column.antal"),
           "nya": N_("report.column.nya"), "aktiva": N_("report.column.aktiva"),
           "avslutade": N_("report.column.avslutade"), "instammer": N_("report.column.instammer"),
           "ej_instammer": N_("report.column.ej_instammer"), "svarsfrekvens": N_("report.column.svarsfrekvens"),
           "tillfragade": N_("report.column.tillfragade"), "remitterade": N_("report.column.remitterade"),
           "inskrivna": N_("report.column.inskrivna"), "ej_inskrivna": N_("report.column.ej_inskrivna"),
           "vantar": N_("report.column.vantar"),
           "andel": N_("report.column.andel"), "medel": N_("report.column.medel"),
           "foregaende": N_("report.column.foregaende"), "forandring": N_("report.column.forandring"),
           "dagar": N_("report.column.dagar"), "manader": N_("report.column.manader"),
           "andel_svarande": N_("report.column.andel_svarande")}
AGE_TABLES = {"outcomes_by_age": N_("report.table.outcomes_by_age"),
              "durations_by_age": N_("report.table.durations_by_age"),
              "time_by_age": N_("report.table.time_by_age")}
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
NOT_PUBLISHED = "–"  # a national figure the NNS did not publish: missing, not hidden
PERIOD_KINDS = {"kvartal": N_("period.kind.kvartal"), "tertial": N_("period.kind.tertial"),
                "halvar": N_("period.kind.halvar"), "ar": N_("period.kind.ar"), "hela": N_("period.kind.hela")}
MONTHS = [N_("period.month.1"), N_("period.month.2"), N_("period.month.3"), N_("period.month.4"),
          N_("period.month.5"), N_("period.month.6"), N_("period.month.7"), N_("period.month.8"),
          N_("period.month.9"), N_("period.month.10"), N_("period.month.11"), N_("period.month.12")]


def kind_label(kind: str, lang: str = DEFAULT) -> str:
    """A kind of period in words: "Kvartal", "Halvår", "Hela tiden"."""
    return t(PERIOD_KINDS[kind], lang)


def period_label(period: Period, lang: str = DEFAULT) -> str:
    """A period of the grid in words: "2025", "Kvartal 2 2025 (apr–jun)", "Hela tiden (… – …)"."""
    if period.kind == YEAR:
        return period.id
    if period.kind == WHOLE:
        return t("period.whole", lang, start=period.start.isoformat(), end=period.end.isoformat())
    return t("period.part", lang, kind=kind_label(period.kind, lang), n=period.id[-1], year=period.start.year,
             first=t(MONTHS[period.start.month - 1], lang), last=t(MONTHS[period.end.month - 1], lang))


# -- figures in words ------------------------------------------------------------------------


def suppressed(lang: str = DEFAULT) -> str:
    """What a hidden figure reads as: "för få svar"."""
    return t("report.suppressed", lang)


def suppressed_why(k: int, lang: str = DEFAULT) -> str:
    return t("report.suppressed_why", lang, k=k)


def _hidden(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def display(value, lang: str = DEFAULT) -> str:
    """A count for screens and paper in the reader's locale ("1 234"): the suppression text when
    hidden."""
    return decimal(value, 0, lang=lang)


def decimal(value, decimals: int = 1, signed: bool = False, lang: str = DEFAULT) -> str:
    """A figure in the reader's locale: "4,1", "1 234,0", "+2,5", "−3,0" in Swedish; the
    suppression text when hidden."""
    if _hidden(value):
        return suppressed(lang)
    from babel.numbers import format_decimal, get_minus_sign_symbol

    text = format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else ""), locale=LOCALES[lang])
    text = text.replace("-", get_minus_sign_symbol(LOCALES[lang]))  # "−3,0": the locale's minus sign
    return f"+{text}" if signed and value > 0 else text


def percent(value, lang: str = DEFAULT, decimals: int = 0) -> str:
    """A share in the reader's locale: "72 %" (or "43,1 %") in Swedish, with a space that never
    breaks."""
    if _hidden(value):
        return suppressed(lang)
    from babel.numbers import format_percent

    from babel.numbers import get_minus_sign_symbol

    text = format_percent(value, "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%", locale=LOCALES[lang])
    return text.replace("-", get_minus_sign_symbol(LOCALES[lang]))


def _format(value, unit: str, lang: str = DEFAULT) -> str:
    if unit == NATIONAL_SHARE:  # None: not published nationally; nothing is hidden
        return NOT_PUBLISHED if _hidden(value) else percent(value, lang)
    if unit == "andel":
        return percent(value, lang)
    if unit == "procentenheter":
        return points(value, lang)
    if unit == "förändring":
        return decimal(value, signed=True, lang=lang)
    if unit in ("medel", "månader"):
        return decimal(value, lang=lang)
    return display(value, lang)


# -- names for the ids of the board's tables -------------------------------------------------


def group_label(programme, dimension: str, group: str, lang: str = DEFAULT) -> str:
    """A breakdown group in words: a gender from the catalogue, an age group or duration band
    as the programme declares it."""
    if group == UNKNOWN:
        return t("group.unknown", lang)
    if group == ALL:
        return t("report.all", lang)
    if dimension == "gender":
        return t(GENDER_LABELS[group], lang) if group in GENDER_LABELS else group
    pool = programme.age_groups if dimension == "age_group" else programme.duration_bands
    return next((g.label.get(lang) for g in pool if g.id == group), group)


def gender_label(gender: str, lang: str = DEFAULT) -> str:
    return group_label(None, "gender", gender, lang)


def report_title(report: BoardReport, lang: str = DEFAULT) -> str:
    names = ", ".join(p.name.get(lang) for p in report.programmes)
    return names if len(report.programmes) == 1 else t("report.title_all", lang, names=names)


def _programmes(report: BoardReport) -> dict:
    return {p.id: p for p in report.programmes}


def _instrument(report: BoardReport, table: Table):
    """The instrument a table is about: named last in its id (`change/<instrument>`,
    `occasions/<programme>/<instrument>`), or before the item (`choices/<programme>/<instrument>/<item>`)."""
    parts = table.id.split("/")
    return report.catalog.instrument(parts[2] if parts[0] == "choices" else parts[-1])


def _choice_item(report: BoardReport, table: Table):
    return _instrument(report, table).item(table.id.rsplit("/", 1)[1])


def goal_label(report: BoardReport, programme_id: str, goal_id: str, lang: str = DEFAULT) -> str:
    goals = {g.id: g for g in _programmes(report)[programme_id].goals}
    return goals[goal_id].label.get(lang)


def table_title(report: BoardReport, table: Table, lang: str = DEFAULT) -> str:
    kind = table.id.split("/", 1)[0]
    if kind == "goal":
        _, programme_id, goal_id = table.id.split("/")
        return t("report.table.goal", lang, programme=_programmes(report)[programme_id].name.get(lang),
                 goal=goal_label(report, programme_id, goal_id, lang))
    if kind == "outcomes":
        return t("report.table.outcomes", lang, programme=_programmes(report)[table.programme].name.get(lang))
    if kind == "referrals":
        key = N_("report.table.referrals_gender") if table.id.endswith("/kon") else N_("report.table.referrals")
        return t(key, lang, programme=_programmes(report)[table.programme].name.get(lang))
    if kind == "change":
        first, last = _change_span(report, table, lang)
        return t("report.table.change", lang, instrument=_instrument(report, table).title.get(lang),
                 first=first.lower(), last=last.lower())
    if kind == "indicators":
        return _instrument(report, table).title.get(lang)
    if kind in AGE_TABLES:
        return t(AGE_TABLES[kind], lang, programme=_programmes(report)[table.programme].name.get(lang))
    if kind == "choices":
        return t("report.table.choices", lang, programme=_programmes(report)[table.programme].name.get(lang),
                 question=_choice_item(report, table).text.get(lang))
    if kind == "occasions":
        return t("report.table.occasions", lang, programme=_programmes(report)[table.programme].name.get(lang),
                 instrument=_instrument(report, table).title.get(lang))
    if kind == "durations":
        members = _duration_programmes(report, table)
        if "/" not in table.id:
            return t("report.table.durations", lang)
        return t("report.table.durations_of", lang, programmes=", ".join(p.name.get(lang) for p in members))
    return t("report.table.flow", lang)


def table_titles(report: BoardReport, table: Table, lang: str = DEFAULT) -> list[str]:
    """The titles a table is shown under: its own, or for a table per occasion (KASAM) two, its
    means and its counts under the thresholds, so that each fits a page."""
    title = table_title(report, table, lang)
    return [t("report.table.part", lang, table=title, part=part) for part in table_parts(table, lang)] or [title]


def agree_note(report: BoardReport, table: Table, lang: str = DEFAULT) -> str:
    """What "instämmer" means in an indicator table: the cut on the answers' scale, in words
    ("medel 4 eller högre på skalan 1–5, där 5 är Stämmer helt")."""
    instrument = _instrument(report, table)
    cuts = sorted({d.cut for d in instrument.indicators if d.cut is not None})
    scales = {(r.min, r.max): r for r in instrument.response_scales}
    if not cuts or not scales:
        return ""
    (low, high), scale = next(iter(scales.items()))
    top = next((step.label.get(lang) for step in scale.steps if step.value == high), None)
    cut = " / ".join(decimal(c, 0 if float(c).is_integer() else 1, lang=lang) for c in cuts)
    return t("report.note.agree", lang, cut=cut, low=low, high=high) + \
        ("" if top is None else " " + t("report.note.agree_top", lang, high=high, top=top))


def table_parts(table: Table, lang: str = DEFAULT) -> list[str]:
    """The parts a table is shown in, by name ("Medelvärden", "Under gränsvärdena"); none when it
    is shown whole."""
    if table.id.startswith("occasions/"):
        return [t("report.table.occasions_means", lang), t("report.table.occasions_under", lang)]
    return []


def _change_span(report: BoardReport, table: Table, lang: str) -> tuple[str, str]:
    """The occasions a change table spans, when every programme in it names them alike."""
    programmes = {p.id: p for p in report.catalog.latest_programmes()}
    names = {(programmes[p].occasion(first).label.get(lang), programmes[p].occasion(last).label.get(lang))
             for p, first, last in table.spans}
    if len(names) == 1:
        return names.pop()
    return t("report.change.first_occasion", lang), t("report.change.last_occasion", lang)


def _duration_programmes(report: BoardReport, table: Table) -> list:
    """The programmes a durations table counts: named in its id, or all of the report's."""
    if "/" not in table.id:
        return report.programmes
    ids = table.id.split("/", 1)[1].split("+")
    return [p for p in report.programmes if p.id in ids]


def table_heading(report: BoardReport, table: Table, lang: str = DEFAULT) -> str:
    """A table's name under a heading that already says what kind it is (the board page)."""
    kind = table.id.split("/", 1)[0]
    if kind == "outcomes":
        return _programmes(report)[table.programme].name.get(lang)
    if kind == "change":
        return _instrument(report, table).title.get(lang)
    return table_title(report, table, lang)


def row_label(report: BoardReport, table: Table, row: str, lang: str = DEFAULT) -> str:
    kind = table.id.split("/", 1)[0]
    if kind == "goal":
        return t(STATUS_ROWS[row], lang)
    if kind == "outcomes":
        programme = _programmes(report)[table.programme]
        return t("report.row.sum", lang) if row == ALL else programme.outcome_label(row, lang)
    if kind == "change":
        return gender_label(row, lang)
    if kind == "referrals":
        if row == ALL:
            return t("report.all", lang)
        dimension, value = row.split(":", 1)
        if dimension == "gender":
            return gender_label(value, lang)
        parties = {p.id: p for p in _programmes(report)[table.programme].referral_parties}
        return parties[value].label.get(lang) if value in parties else value
    if kind == "durations" or kind == "durations_by_age":
        if row == ALL:
            return t("report.all", lang)
        members = [_programmes(report)[table.programme]] if table.programme else _duration_programmes(report, table)
        bands = {b.id: b for p in members for b in p.duration_bands}
        return bands[row].label.get(lang) if row in bands else row
    if kind == "outcomes_by_age":
        programme = _programmes(report)[table.programme]
        return t("report.row.sum", lang) if row == ALL else programme.outcome_label(row, lang)
    if kind == "time_by_age":
        return t("report.all", lang) if row == ALL else \
            group_label(_programmes(report)[table.programme], "age_group", row, lang)
    if kind == "occasions":
        return _programmes(report)[table.programme].occasion(row).label.get(lang)
    if kind == "choices":
        if row == ALL:
            return t("report.row.answered", lang)
        return next(o.label.get(lang) for o in _choice_item(report, table).options() if o.id == row)
    if kind == "flow":
        return t("report.row.whole_period", lang) if row == report.period.id else period_label(report.grid.period(row), lang)
    indicator_id, group = row.split(":", 1)
    indicator = {i.id: i for i in _instrument(report, table).indicators}[indicator_id]
    respondents = report.catalog.group_label(group, lang).lower()  # the groups file names them
    return t("report.row.indicator", lang, indicator=indicator.label.get(lang), group=respondents)


def column_label(report: BoardReport, table: Table, column: str, lang: str = DEFAULT) -> str:
    kind = table.id.split("/", 1)[0]
    if kind == "goal":
        if column == ALL:
            return t("report.all", lang)
        dimension, group = column.split(":", 1)
        return group_label(_programmes(report)[table.programme], dimension, group, lang)
    if kind == "outcomes":
        return gender_label(column, lang)
    if kind in ("outcomes_by_age", "durations_by_age"):
        return t("report.all", lang) if column == ALL else \
            group_label(_programmes(report)[table.programme], "age_group", column, lang)
    if kind == "occasions" and column != "n":
        what, ident = column.split(":", 1)
        instrument = _instrument(report, table)
        if what == "medel":
            return t("report.column.mean_of", lang, scale=instrument.scale(ident).label.get(lang))
        scale_id, flag_id = ident.split(":")
        flag = next(f for f in instrument.scale(scale_id).flags if f.id == flag_id)
        key = N_("report.column.under") if what == "under" else N_("report.column.share_under")
        return t(key, lang, scale=instrument.scale(scale_id).label.get(lang), below=decimal(flag.below, 0, lang=lang))
    if column == NATIONAL_SHARE:
        return national_label(report, table, lang)
    if column.startswith("medel:"):
        scale = _instrument(report, table).scale(column.split(":", 1)[1])
        return t("report.column.mean_change", lang, scale=scale.label.get(lang))
    return t(COLUMNS[column], lang)


def national_label(report: BoardReport, table: Table, lang: str = DEFAULT) -> str:
    """"Riket 2025, andel": the national figures' year; for the whole time, that it is the latest."""
    if report.period.kind == WHOLE:
        return t("report.column.riket_andel_latest", lang, year=table.national_year)
    return t("report.column.riket_andel", lang, year=table.national_year)


def shown_for(kind: str, lang: str = DEFAULT) -> str:
    """What a period of this kind shows, in words, for the page and the PDF."""
    if kind in DETAILED:
        return ""
    return t("report.shown_for.goals", lang) if kind in GOALS else t("report.shown_for.flow", lang)


def notes(report: BoardReport, lang: str = DEFAULT) -> list[str]:
    """How the figures are counted, for the page, the PDF, the workbook and the JSON."""
    protection = report.protection
    shown = shown_for(report.period.kind, lang)
    return [t("report.note.hidden", lang, k=protection.k, interval=protection.interval),
            t("report.note.periods", lang), t("report.note.shares", lang, k=protection.k),
            t("report.note.kasam", lang), t("report.note.indicators", lang)] + _national_note(report, lang) \
        + ([shown] if shown else [])


def _national_note(report: BoardReport, lang: str) -> list[str]:
    years = sorted({table.national_year for table in report.tables if table.national_year is not None})
    if not years:
        return []
    return [t("report.note.national", lang, year=", ".join(str(y) for y in years))]


# -- the tables as shown ---------------------------------------------------------------------


def assessment(goal, lang: str = DEFAULT) -> str:
    if goal.met is None:
        # nobody the goal counts (a programme without participants in the period) is not a
        # hidden figure: saying "för få svar" would suggest there were some
        return t("report.goal.nobody", lang) if goal.denominator == 0 else suppressed(lang)
    return t("report.goal.met", lang) if goal.met else t("report.goal.not_met", lang)


def _months(value, lang: str) -> str:
    return decimal(value, 0 if float(value).is_integer() else 1, lang=lang)


def goal_figures(report: BoardReport, goal, lang: str = DEFAULT) -> tuple[str, str, str, str]:
    """A goal's target, numerator, denominator and outcome in words, for its measure: a share of
    people ("72 %" of a target share), a count ("52 började" against "minst 45") or a mean
    ("8,3 mån" against "6–12 mån")."""
    if goal.measure == "count":
        counts = {g.id: g for g in _programmes(report)[goal.programme].goals}[goal.id].numerator.counts
        shown = suppressed(lang) if _hidden(goal.value) else \
            t("report.goal.count.enrolled", lang, n=goal.value) if counts == "enrolled" else \
            t("report.goal.count.exited", lang, n=goal.value)
        return t("report.goal.at_least", lang, n=goal.target), display(goal.value, lang=lang), "–", shown
    if goal.measure == "mean":
        span = t("report.goal.months_range", lang, low=_months(goal.target, lang), high=_months(goal.target_max, lang))
        shown = "–" if goal.denominator == 0 else suppressed(lang) if _hidden(goal.value) \
            else t("board.months", lang, months=decimal(goal.value, lang=lang))
        return span, "–", display(goal.denominator, lang=lang), shown
    return (percent(goal.target, lang), display(goal.numerator, lang=lang), display(goal.denominator, lang=lang),
            "–" if goal.denominator == 0 else percent(goal.share, lang))


SUMMARY_STATUS = {True: N_("report.summary.met"), False: N_("report.summary.not_met"),
                  None: N_("report.summary.not_measurable")}


def points(value, lang: str = DEFAULT) -> str:
    """A change of a share in percentage points, signed, in the reader's locale: "+5", "−3"."""
    return suppressed(lang) if _hidden(value) else t("report.points", lang, value=decimal(value * 100, 0, True, lang))


def summary(report: BoardReport, lang: str = DEFAULT) -> list[tuple[bool | None, str]]:
    """One line per goal, first on the page and in the PDF: met, not met or not measurable, in
    plain Swedish, with the one number behind it and the change since the previous period."""
    lines = []
    names = {p.id: p.name.get(lang) for p in report.programmes}
    before = report.previous_period
    for goal in report.goals:
        target, _, _, shown = goal_figures(report, goal, lang)
        if goal.measure == "share" and goal.figure is not None:
            shown = t("report.goal.counts_share", lang, share=percent(goal.share, lang), numerator=goal.numerator,
                      denominator=goal.denominator)
        change = "" if goal.change is None or before is None else t(
            "report.summary.change", lang, period=period_label(before, lang),
            change=points(goal.change, lang) if goal.measure == "share"
            else decimal(goal.change, 0, True, lang) if goal.measure == "count"
            else t("board.months", lang, months=decimal(goal.change, 1, True, lang)))
        words = shown if goal.met is not None else assessment(goal, lang)
        lines.append((goal.met, t("report.summary.line", lang, status=t(SUMMARY_STATUS[goal.met], lang),
                                  programme=names[goal.programme],
                                  goal=goal_label(report, goal.programme, goal.id, lang), figure=words,
                                  target=target) + change))
    # what can be assessed first, in the goals' order; those that cannot, after them
    return sorted(lines, key=lambda line: line[0] is None)


def goal_table(report: BoardReport, lang: str = DEFAULT) -> pd.DataFrame:
    programmes = _programmes(report)
    rows = []
    outcome = t("report.goal.outcome", lang)
    for goal in report.goals:
        programme = programmes[goal.programme]
        target, numerator, denominator, shown = goal_figures(report, goal, lang)
        row = {t("report.goal.programme", lang): programme.name.get(lang),
               t("report.goal.goal", lang): goal_label(report, goal.programme, goal.id, lang),
               t("report.goal.target", lang): target, t("report.goal.numerator", lang): numerator,
               t("report.goal.denominator", lang): denominator, outcome: shown,
               t("report.goal.assessment", lang): assessment(goal, lang)}
        for dimension, cells in goal.breakdowns.items():
            for group, share in cells.items():
                row[t("report.goal.outcome_for", lang, group=group_label(programme, dimension, group, lang).lower())] \
                    = percent(share, lang)
        rows.append(row)
    frame = pd.DataFrame(rows).fillna("–")  # a group with no one in it for this goal
    # a breakdown column with nothing shown in it says nothing; the JSON keeps every count
    empty = [c for c in frame.columns[7:] if frame[c].isin([suppressed(lang), "–"]).all()]
    return frame.drop(columns=empty)


def frame(report: BoardReport, table: Table, shares: list[list] | None = None, lang: str = DEFAULT) -> pd.DataFrame:
    """A table as shown: labels in the first column, hidden figures as the suppression text."""
    rows = []
    ids = [c.id for c in table.columns]
    beside = _beside(table)
    if shares is None and beside:  # "9 (39 %)": the share beside its count, its rest left to the reader
        shares = [[values[ids.index(beside[c.id][0])] if c.id in beside else None for c in table.columns]
                  for values in table.values]
    hidden = {column for share, rest in beside.values() for column in (share, rest) if column}
    for r, (row_id, values) in enumerate(zip(table.rows, table.values)):
        row = {"": row_label(report, table, row_id, lang)}
        for c, (column, value) in enumerate(zip(table.columns, values)):
            if column.id in hidden:
                continue  # shown beside its count, or n minus it
            text = _format(value, column.unit, lang) if not (column.id == "andel_svarande" and row_id == ALL) else ""
            if shares is not None and value is not None and shares[r][c] is not None:
                text = f"{text} ({percent(shares[r][c], lang)})"
            row[column_label(report, table, column.id, lang)] = text
        rows.append(row)
    return pd.DataFrame(rows)


def _beside(table: Table) -> dict[str, tuple[str, str | None]]:
    """Count column -> (its share's column, its rest's column) for the tables the page and the
    PDF show compactly ("12 (40 %)"; the rest is n minus it): half the columns, so they fit a
    tablet held upright. The JSON and the workbook keep every column."""
    ids = {c.id for c in table.columns}
    pairs = {"change": {"forbattrade": ("andel_forbattrade", "ej_forbattrade"),
                        "tillforlitligt": ("andel_tillforlitligt", "ej_tillforlitligt")},
             "indicators": {"instammer": ("andel", "ej_instammer")},
             "occasions": {c: ("andel_" + c, None) for c in ids if c.startswith("under:")}}
    kind = table.id.split("/", 1)[0]
    return {count: (share, rest) for count, (share, rest) in pairs.get(kind, {}).items()
            if count in ids and share in ids}


def tables(report: BoardReport, lang: str = DEFAULT) -> dict[str, pd.DataFrame]:
    """Every table of the report as shown, by title (`table_title`; the goals and the method
    under the sheet names of the catalogue): hidden figures read 'för få svar'."""
    from indicators.board import outcome_shares

    result = {t("report.sheet.goals", lang): goal_table(report, lang)} if report.goals else {}
    for table in report.tables:
        if table.id.startswith("goal/"):
            continue  # summarised in the goals sheet; the counts by group are in the JSON
        shares = outcome_shares(table, report.views[table.programme], report.period) \
            if table.id.startswith("outcomes/") else None
        shown = frame(report, table, shares, lang)
        titles = table_titles(report, table, lang)
        if len(titles) == 1:
            result[titles[0]] = shown
        else:  # the means, and the shares under the thresholds: each fits a page's width
            means = [column_label(report, table, c.id, lang) for c in table.columns if c.unit == "medel"]
            result[titles[0]] = shown[[shown.columns[0], shown.columns[1], *means]]  # the label, n, the means
            result[titles[1]] = shown[[c for c in shown.columns if c not in means]]
    result[t("report.sheet.method", lang)] = pd.DataFrame({t("report.method", lang): notes(report, lang)})
    return result


def json_bytes(report: BoardReport) -> bytes:
    import json

    return json.dumps(as_json(report), ensure_ascii=False, indent=2).encode()


def _number(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value) if isinstance(value, (int, np.integer)) else float(value)


def as_json(report: BoardReport, lang: str = DEFAULT) -> dict:
    """Every figure of the report for other tools and for auditing what was published: hidden
    figures are null; each table names its rows and columns and which of them are totals."""
    from indicators.board import outcome_shares

    tables = []
    for table in report.tables:
        entry = {
            "id": table.id, "title": table_title(report, table, lang), "programme": table.programme,
            "rows": [{"id": r, "label": row_label(report, table, r, lang), "total": r == table.total_row}
                     for r in table.rows],
            "columns": [{"id": c.id, "label": column_label(report, table, c.id, lang), "unit": c.unit,
                         "total": c.total} for c in table.columns],
            "values": [[_number(v) for v in row] for row in table.values],
        }
        if table.id.startswith("indicators/"):
            entry["national_year"] = table.national_year
        if table.id.startswith("outcomes/"):
            entry["shares"] = [[_number(v) for v in row]
                               for row in outcome_shares(table, report.views[table.programme], report.period)]
        tables.append(entry)
    return {
        "report": "styrelserapport",
        "title": report_title(report, lang),
        "programme": report.programme_id,
        "programmes": [p.id for p in report.programmes],
        "period": {"id": report.period.id, "kind": report.period.kind, "label": period_label(report.period, lang),
                   "start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "protection": {"k": report.protection.k, "interval": report.protection.interval,
                       "hidden_means": suppressed_why(report.protection.k, lang)},
        "generated": date.today().isoformat(),
        "goals": [{"programme": g.programme, "id": g.id, "label": goal_label(report, g.programme, g.id, lang),
                   "target": g.target, "numerator": g.numerator, "denominator": g.denominator, "share": g.share,
                   "met": g.met, "breakdowns": g.breakdowns, "measure": g.measure, "value": g.value,
                   "target_max": g.target_max} for g in report.goals],
        "mean_months": report.mean_months,
        "tables": tables,
        "notes": notes(report, lang),
    }


def xlsx(report: BoardReport, lang: str = DEFAULT) -> bytes:
    """The workbook: the tables of `tables` under the same titles, with figures as numbers."""
    from stegvis.safe_export import workbook_bytes

    return workbook_bytes(workbook(report, lang))


# -- the workbook: figures as numbers, built from the tables and not from their display ------

# Excel number formats by a column's unit; Excel shows them with the reader's decimal comma.
COUNT_FORMAT, MEAN_FORMAT, CHANGE_FORMAT, POINTS_FORMAT = "#,##0", "#,##0.0", "+0.0;-0.0;0.0", "+0;-0;0"
PERCENT_FORMATS = {"sv": "0 %", "en": "0%"}


def _cell(value, unit: str, lang: str):
    """A figure as a workbook cell: a number with its format, or the text a hidden (or, for a
    national share, unpublished) figure reads as."""
    from stegvis.safe_export import Number

    if _hidden(value):
        return NOT_PUBLISHED if unit == NATIONAL_SHARE else suppressed(lang)
    if unit in ("andel", NATIONAL_SHARE):
        return Number(float(value), PERCENT_FORMATS[lang])
    if unit == "procentenheter":
        return Number(round(float(value) * 100, 6), POINTS_FORMAT)
    if unit == "förändring":
        return Number(float(value), CHANGE_FORMAT)
    if unit in ("medel", "månader"):
        return Number(float(value), MEAN_FORMAT)
    return Number(int(value), COUNT_FORMAT)


def _around(key: str, lang: str, code: str, **values) -> str:
    """A number format that puts the catalogue's words around the number ("minst 45", "8,3 mån"):
    the text of `key` with the placeholder named by `values` (given as None) as the format `code`."""
    name = next(n for n, v in values.items() if v is None)
    before, _, after = t(key, lang, **{**values, name: "\0"}).partition("\0")
    quoted = lambda text: f'"{text}"' if text else ""  # noqa: E731
    return quoted(before) + code + quoted(after)


def _workbook_header(report: BoardReport, table: Table, column, lang: str) -> str:
    label = column_label(report, table, column.id, lang)
    return t("report.workbook.points", lang, column=label) if column.unit == "procentenheter" else label


def table_sheet(report: BoardReport, table: Table, columns: list[str] | None = None, lang: str = DEFAULT):
    """One table as a sheet: the label column, then each column's figures as numbers (those named,
    by id, or all); an outcome table has each column's shares beside its counts."""
    from indicators.board import outcome_shares
    from stegvis.safe_export import Number, Sheet

    picked = [c for c in table.columns if columns is None or c.id in columns]
    shares = outcome_shares(table, report.views[table.programme], report.period) \
        if table.id.startswith("outcomes/") else None
    header = [""]
    for column in picked:
        header.append(_workbook_header(report, table, column, lang))
        if shares is not None:
            header.append(t("report.workbook.share_of", lang, column=column_label(report, table, column.id, lang)))
    rows = []
    for r, (row_id, values) in enumerate(zip(table.rows, table.values)):
        line = [row_label(report, table, row_id, lang)]
        for column in picked:
            c = table.columns.index(column)
            value = values[c]
            # the response rate of everyone together is not a figure (the groups' invitations differ)
            line.append(None if column.id == "andel_svarande" and row_id == ALL else _cell(value, column.unit, lang))
            if shares is not None:
                share = shares[r][c]
                line.append(None if row_id == ALL or _hidden(value)
                            else suppressed(lang) if share is None else Number(float(share), PERCENT_FORMATS[lang]))
        rows.append(line)
    return Sheet(header, rows, frozen="B2")


def goal_sheet(report: BoardReport, lang: str = DEFAULT):
    """The goals as `goal_table` shows them, with the figures as numbers: a share goal's target
    and outcome as percentages, a count goal's count, a mean goal's months."""
    from stegvis.safe_export import Number, Sheet

    programmes = _programmes(report)
    percent_format, hidden = PERCENT_FORMATS[lang], suppressed(lang)
    header = [t("report.goal.programme", lang), t("report.goal.goal", lang), t("report.goal.target", lang),
              t("report.goal.numerator", lang), t("report.goal.denominator", lang), t("report.goal.outcome", lang),
              t("report.goal.assessment", lang)]
    count = lambda value: hidden if _hidden(value) else Number(int(value), COUNT_FORMAT)  # noqa: E731
    rows, breakdowns = [], {}
    for goal in report.goals:
        programme = programmes[goal.programme]
        if goal.measure == "count":
            counts = {g.id: g for g in programme.goals}[goal.id].numerator.counts
            key = N_("report.goal.count.enrolled") if counts == "enrolled" else N_("report.goal.count.exited")
            figures = [Number(goal.target, _around("report.goal.at_least", lang, "0", n=None)), count(goal.value),
                       "–", hidden if _hidden(goal.value) else Number(int(goal.value), _around(key, lang, "0", n=None))]
        elif goal.measure == "mean":
            target = goal_figures(report, goal, lang)[0]
            outcome = "–" if goal.denominator == 0 else hidden if _hidden(goal.value) else \
                Number(float(goal.value), _around("board.months", lang, "0.0", months=None))
            figures = [target, "–", count(goal.denominator), outcome]
        else:
            outcome = "–" if goal.denominator == 0 else hidden if _hidden(goal.share) else \
                Number(float(goal.share), percent_format)
            figures = [Number(goal.target, percent_format), count(goal.numerator), count(goal.denominator), outcome]
        line = {"programme": programme.name.get(lang), "goal": goal_label(report, goal.programme, goal.id, lang)}
        for dimension, cells in goal.breakdowns.items():
            for group, share in cells.items():
                name = t("report.goal.outcome_for", lang, group=group_label(programme, dimension, group, lang).lower())
                breakdowns.setdefault(name, None)
                line[name] = hidden if _hidden(share) else Number(float(share), percent_format)
        rows.append((line, figures, assessment(goal, lang)))
    # as on the page: a breakdown column with nothing shown in it says nothing
    shown = [name for name in breakdowns if any(isinstance(line.get(name), Number) for line, _, _ in rows)]
    return Sheet(header + shown, [[line["programme"], line["goal"], *figures, said, *(line.get(n, "–") for n in shown)]
                                  for line, figures, said in rows], frozen="C2")


def method_sheet(report: BoardReport, lang: str = DEFAULT):
    """How the figures are counted and protected, for the reader of the workbook."""
    from stegvis.safe_export import Sheet

    lines = [t("report.workbook.about", lang, title=report_title(report, lang),
               period=period_label(report.period, lang), day=date.today().isoformat()),
             t("report.workbook.hidden", lang, hidden=suppressed(lang), why=suppressed_why(report.protection.k, lang)),
             *notes(report, lang), t("report.workbook.numbers", lang)]
    return Sheet([t("report.method", lang)], [[line] for line in lines], wrap=(0,))


def workbook(report: BoardReport, lang: str = DEFAULT) -> dict:
    """The workbook's sheets by title, the titles and their order those of `tables`: the goals, a
    sheet per table (a table per occasion as two, its means and its counts under the
    thresholds), and the method."""
    sheets = {t("report.sheet.goals", lang): goal_sheet(report, lang)} if report.goals else {}
    for table in report.tables:
        if table.id.startswith("goal/"):
            continue  # summarised in the goals sheet; the counts by group are in the JSON
        titles = table_titles(report, table, lang)
        if len(titles) == 1:
            sheets[titles[0]] = table_sheet(report, table, lang=lang)
        else:  # the means, and the counts and shares under the thresholds
            means = [c.id for c in table.columns if c.unit == "medel"]
            sheets[titles[0]] = table_sheet(report, table, ["n", *means], lang=lang)
            sheets[titles[1]] = table_sheet(report, table, [c.id for c in table.columns if c.id not in means],
                                            lang=lang)
    sheets[t("report.sheet.method", lang)] = method_sheet(report, lang)
    return sheets


def goal_bars_input(report: BoardReport, lang: str = DEFAULT, goals=None) -> list[dict]:
    """What the goal chart shows: a hidden share never stands beside its own counts."""
    names = {p.id: p.name.get(lang) for p in report.programmes}
    return [{"label": f"{names[g.programme]}: {goal_label(report, g.programme, g.id, lang)}", "share": g.share,
             "target": g.target, "target_words": t("chart.goal.target_at", lang, target=percent(g.target, lang)),
             "figure": t("report.goal.counts_share", lang, share=percent(g.share, lang), numerator=g.numerator,
                         denominator=g.denominator)
             if g.share is not None else t("report.goal.nobody", lang) if g.denominator == 0 else suppressed(lang)}
            for g in (chart_goals(report) if goals is None else goals)]


def chart_goals(report: BoardReport) -> list:
    """The goals the bar chart draws: shares against a target share. A count or a mean goal is
    in the goal table, in words."""
    return [g for g in report.goals if g.measure == "share"]


GOALS_PER_CHART = 7  # a chart of seven goals fits a page of the PDF with its heading


def goal_groups(report: BoardReport) -> list[list]:
    """The goals in charts that fit a page: per programme, at most GOALS_PER_CHART each."""
    groups = []
    for programme in report.programmes:
        mine = [g for g in chart_goals(report) if g.programme == programme.id]
        groups += [mine[i:i + GOALS_PER_CHART] for i in range(0, len(mine), GOALS_PER_CHART)]
    return groups


def goal_chart(goals: list[dict], width: float, lang: str = DEFAULT):
    """The goal bars for paper, drawn by reportlab itself: each goal's share as a bar coloured by
    whether it reached its target, the target as a vermilion mark, and the figures in words to
    the right, where no bar or mark covers them (goal_bars_html is the page's; rendering a plotly
    chart through kaleido took 3 of the PDF's 4.6 s). `goals`: `goal_bars_input`."""
    import textwrap

    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    from stegvis.palette import GREEN, ORANGE, VERMILION

    label_w, text_w, row_h, top = width * 0.34, width * 0.22, 44.0, 30.0
    bar_x, bar_w = label_w + 6, width - label_w - text_w - 18
    height = top + row_h * len(goals) + 22
    drawing = Drawing(width, height)
    ink, faint = colors.HexColor("#333333"), colors.HexColor("#dddddd")
    # the legend: what each colour means
    x = bar_x
    drawn = {None if g["share"] is None else g["share"] >= g["target"] for g in goals}
    for colour, words in ((GREEN, t("chart.goal.met", lang)) if True in drawn else (None, None),
                          (ORANGE, t("chart.goal.not_met", lang)) if False in drawn else (None, None)):
        if colour is None:
            continue  # a colour no bar has (a hidden figure has no bar: its words say why)
        drawing.add(Rect(x, height - 14, 9, 9, fillColor=colors.HexColor(colour), strokeColor=None))
        drawing.add(String(x + 12, height - 13, words, fontName="Helvetica", fontSize=8, fillColor=ink))
        x += 20 + 4.4 * len(words)
    drawing.add(Line(x, height - 15, x, height - 4, strokeColor=colors.HexColor(VERMILION), strokeWidth=2.5))
    drawing.add(String(x + 5, height - 13, t("chart.goal.target", lang), fontName="Helvetica", fontSize=8,
                       fillColor=ink))
    bottom = 22
    for tick in (0, 25, 50, 75, 100):  # the scale, with a faint line at each quarter
        at = bar_x + bar_w * tick / 100
        drawing.add(Line(at, bottom, at, height - top + 6, strokeColor=faint, strokeWidth=0.5))
        drawing.add(String(at, bottom - 12, percent(tick / 100, lang), fontName="Helvetica", fontSize=7.5,
                           fillColor=ink, textAnchor="middle"))
    for n, goal in enumerate(goals):
        y = height - top - row_h * (n + 1)
        lines = textwrap.wrap(goal["label"], 42)[:3]
        for m, line in enumerate(lines):
            drawing.add(String(label_w, y + row_h / 2 + 4 * (len(lines) - 1) - 9 * m, line, fontName="Helvetica",
                               fontSize=8, fillColor=ink, textAnchor="end"))
        share = goal["share"]
        if share is not None:
            colour = GREEN if share >= goal["target"] else ORANGE
            drawing.add(Rect(bar_x, y + 8, bar_w * min(share, 1.0), row_h - 16, fillColor=colors.HexColor(colour),
                             strokeColor=None))
        mark = bar_x + bar_w * min(goal["target"], 1.0)
        drawing.add(Line(mark, y + 4, mark, y + row_h - 4, strokeColor=colors.HexColor(VERMILION), strokeWidth=2.5))
        for m, words in enumerate((goal["figure"], goal["target_words"])):
            drawing.add(String(bar_x + bar_w + 10, y + row_h / 2 + 2 - 11 * m, words, fontName="Helvetica",
                               fontSize=8, fillColor=ink))
    return drawing


# The board's tables on the page (table_html): Streamlit's static table's look, whole text
# wrapped to the page. The widest (indicator results: nine figures a row) fit a tablet's width
# with a smaller type and tighter cells below 1100 px; a table wider than the page would be a
# scrolling region a keyboard cannot reach (axe-core: scrollable-region-focusable).
TABLE_CSS = """<style>
.board-table {border: 1px solid rgba(47, 45, 43, 0.12); border-radius: 0.5rem; overflow-x: auto; margin-bottom: 0.5rem;}
.board-table table {width: 100%; border-collapse: collapse; font-size: 0.875rem; line-height: 1.5; color: rgb(47, 45, 43);}
.board-table th, .board-table td {padding: 0.25rem 0.375rem; text-align: left; vertical-align: top;
    border-bottom: 1px solid rgba(47, 45, 43, 0.12); border-right: 1px solid rgba(47, 45, 43, 0.12);}
.board-table th {font-weight: 400; color: #5c5b59;}
.board-table tr:last-child td {border-bottom: none;}
.board-table th:last-child, .board-table td:last-child {border-right: none;}
@media (max-width: 1100px) {.board-table table {font-size: 0.8rem;}
    .board-table th, .board-table td {padding: 0.25rem 0.35rem;}}
@media (max-width: 900px) {.board-table table {font-size: 0.7rem;}
    .board-table th, .board-table td {padding: 0.2rem 0.15rem;}}
</style>"""


def table_html(frame: pd.DataFrame) -> str:
    """A board table for the page as one static HTML table (TABLE_CSS styles it): the
    page's tables are read, not explored, and Streamlit's own static table parsed every cell as
    Markdown, half a second of the board page's drawing at 10,000 participants. Every heading
    and cell is escaped: labels come from definitions."""
    from html import escape

    head = "".join(f'<th scope="col">{escape(str(column))}</th>' for column in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{escape('' if value is None else str(value))}</td>" for value in row) + "</tr>"
                   for row in frame.itertuples(index=False, name=None))
    return f'<div class="board-table"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


# The goal bars on the page, as plain HTML and CSS: the same picture as goal_chart, drawn by the
# browser with no chart code to load (plotly's took about 0.8 s of the board page's first view)
# and its words as text, whole at any width. Laid out as a grid: label | bar | figures.
GOAL_BARS_CSS = """<style>
.goal-bars {margin: 0.25rem 0 1rem; font-size: 0.95rem; color: #333;}
.goal-bars .legend {display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; justify-content: flex-end; margin-bottom: 0.4rem;}
.goal-bars .key {display: inline-block; width: 0.85rem; height: 0.85rem; margin-right: 0.35rem; vertical-align: -0.1rem;}
.goal-bars .key.target {width: 3px; height: 1.1rem; vertical-align: -0.25rem;}
.goal-bars .row {display: grid; grid-template-columns: 34% 1fr 24%; gap: 0.8rem; align-items: center;
    padding: 0.3rem 0;}
.goal-bars .label {text-align: right; line-height: 1.25;}
.goal-bars .track {position: relative; height: 2rem; border-right: 1px solid #ddd;
    background-image: linear-gradient(to right, #ddd 1px, transparent 1px); background-size: 25% 100%;}
.goal-bars .bar {position: absolute; left: 0; top: 0.3rem; bottom: 0.3rem;}
.goal-bars .mark {position: absolute; top: 0; bottom: 0; width: 3px; margin-left: -1.5px;}
.goal-bars .words {line-height: 1.25;}
.goal-bars .ticks {position: relative; height: 1.2rem; font-size: 0.8rem;}
.goal-bars .ticks span {position: absolute; transform: translateX(-50%); white-space: nowrap;}
</style>"""


def goal_bars_html(goals: list[dict], lang: str = DEFAULT) -> str:
    """The goal bars for the page (GOAL_BARS_CSS styles them): each goal's share as a bar coloured
    by whether it reached its target, the target as a vermilion mark, the figures in words to the
    right, and a legend of the colours drawn. Every text is escaped: labels come from
    definitions. `goals`: `goal_bars_input`."""
    from html import escape

    from stegvis.palette import GREEN, ORANGE, VERMILION

    drawn = {None if g["share"] is None else g["share"] >= g["target"] for g in goals}
    keys = ([(GREEN, t("chart.goal.met", lang), "")] if True in drawn else []) + \
        ([(ORANGE, t("chart.goal.not_met", lang), "")] if False in drawn else []) + \
        [(VERMILION, t("chart.goal.target", lang), " target")]
    legend = "".join(f'<span><span class="key{extra}" style="background:{colour}"></span>{escape(words)}</span>'
                     for colour, words, extra in keys)
    rows = []
    for goal in goals:
        share = goal["share"]
        bar = "" if share is None else (
            f'<div class="bar" style="width:{min(share, 1.0) * 100:.2f}%;'
            f'background:{GREEN if share >= goal["target"] else ORANGE}"></div>')
        rows.append(f'<div class="row"><div class="label">{escape(goal["label"])}</div>'
                    f'<div class="track" aria-hidden="true">{bar}<div class="mark" style="left:'
                    f'{min(goal["target"], 1.0) * 100:.2f}%;background:{VERMILION}"></div></div>'
                    f'<div class="words">{escape(goal["figure"])}<br>{escape(goal["target_words"])}</div></div>')
    ticks = "".join(f'<span style="left:{tick}%">{escape(percent(tick / 100, lang))}</span>' for tick in (0, 25, 50, 75, 100))
    rows.append(f'<div class="row" aria-hidden="true"><div></div><div class="ticks">{ticks}</div><div></div></div>')
    return f'<div class="goal-bars"><div class="legend">{legend}</div>{"".join(rows)}</div>'


def pdf(report: BoardReport, progress=None, lang: str = DEFAULT) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    step = progress or (lambda fraction, text: None)
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    title = report_title(report, lang)
    story = [Paragraph(escape(t("report.pdf.title", lang)), styles["Title"]),
             Paragraph(escape(title), styles["Heading2"]),
             Paragraph(f"{escape(period_label(report.period, lang))}: {report.start.isoformat()} – {report.end.isoformat()}",
                       styles["Heading3"]),
             Paragraph(escape(t("report.pdf.made", lang, date=date.today().isoformat(), hidden=suppressed(lang),
                                why=suppressed_why(report.k, lang))), body)]
    if report.goals:  # the first page: each goal in words, before any table
        story.append(Paragraph(escape(t("report.summary.heading", lang)), styles["Heading1"]))
        story += [Paragraph(f"• {escape(line)}", body) for _, line in summary(report, lang)]
    story.append(PageBreak())
    step(0.2, t("report.pdf.step_charts", lang))
    if report.goals:
        story.append(Paragraph(escape(t("report.sheet.goals", lang)), styles["Heading1"]))
        for goals in goal_groups(report):
            story.append(goal_chart(goal_bars_input(report, lang, goals), A4[0] - 3.6 * cm, lang))
    step(0.6, t("report.pdf.step_tables", lang))

    def table(frame: pd.DataFrame, title: str):
        if frame.empty:
            return [Paragraph(escape(title), styles["Heading2"]), Paragraph(escape(t("report.pdf.empty", lang)), body)]
        # a figure stays on one line with its words ("för få svar", "58 började", "minst 45")
        frame = frame.copy()
        for i in range(1, len(frame.columns)):
            frame.iloc[:, i] = [v.replace(" ", "\u00a0") if isinstance(v, str) and len(v) <= 20 else v
                                for v in frame.iloc[:, i]]
        size, widths = _column_widths(frame, A4[0] - 3.6 * cm)
        cell = styles["BodyText"].clone("cell", fontSize=size, leading=size + 1.5, splitLongWords=0)
        data = [[Paragraph(f"<b>{escape(str(c))}</b>", cell) for c in frame.columns]]
        data += [[Paragraph(escape(str(v)), cell) for v in row] for row in frame.itertuples(index=False)]
        grid = Table(data, repeatRows=1, hAlign="LEFT", colWidths=widths)
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [Paragraph(escape(title), styles["Heading2"]), grid, Spacer(1, 0.5 * cm)]

    method = t("report.sheet.method", lang)
    beneath = {table_title(report, t_, lang): agree_note(report, t_, lang) for t_ in report.tables
               if t_.id.startswith("indicators/")}  # what "instämmer" means, under each indicator table
    for name, frame in tables(report, lang).items():
        if name == method:
            story += [PageBreak(), Paragraph(escape(t("report.method", lang)), styles["Heading1"])]
            story += [Paragraph("• " + escape(note), body) for note in notes(report, lang)]
        else:
            story += table(frame, name)
            if beneath.get(name):
                story.insert(-1, Paragraph(escape(beneath[name]), body))
    buffer = io.BytesIO()
    footer = t("report.pdf.footer", lang, title=title, period=period_label(report.period, lang))

    def page_footer(canvas, doc):  # the period and the page number on every page
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(1.8 * cm, 1.0 * cm, footer)
        canvas.drawRightString(A4[0] - 1.8 * cm, 1.0 * cm, t("report.pdf.page", lang, n=doc.page))
        canvas.restoreState()

    SimpleDocTemplate(buffer, pagesize=A4, title=t("report.pdf.document", lang, title=title), author="Stegvis",
                      leftMargin=1.8 * cm, rightMargin=1.8 * cm).build(story, onFirstPage=page_footer,
                                                                        onLaterPages=page_footer)
    step(1.0, t("report.pdf.step_done", lang))
    return buffer.getvalue()


def _column_widths(frame: pd.DataFrame, available: float) -> tuple[float, list[float]]:
    """A font size and column widths in which no word or number has to break: every column is
    at least as wide as its longest word (bold in the header), the rest of the page goes to the
    columns whose text is longer than that, and the font shrinks when even the words do not fit."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pad = 12.5  # the cell's padding: 6 points left and right
    columns = [[str(c)] + [str(v) for v in frame.iloc[:, i]] for i, c in enumerate(frame.columns)]
    for size in (7.5, 7.0, 6.5, 6.0, 5.5):
        def width(text, bold):
            return stringWidth(text, "Helvetica-Bold" if bold else "Helvetica", size)

        least = [max(max(width(w, n == 0) for w in text.split(" ")) for n, text in enumerate(texts)) + pad
                 for texts in columns]
        whole = [max(width(text, n == 0) for n, text in enumerate(texts)) + pad for texts in columns]
        if sum(least) <= available or size == 5.5:
            break
    if sum(whole) <= available:
        return size, whole
    extra, wants = available - sum(least), [w - m for w, m in zip(whole, least)]
    return size, [m + max(extra, 0) * want / sum(wants) for m, want in zip(least, wants)]


def outcomes_markdown(report: dict, programme, lang: str = DEFAULT) -> str:
    """`stegvis report outcomes --format markdown`: the outcome table of
    `indicators.outcomes.outcomes_report`, counts with shares rounded for display only."""
    hidden = suppressed(lang)

    def shown(value):
        return hidden if value is None else value

    columns = list(report["rows"][0]["counts"]) if report["rows"] else [ALL]
    head = "| " + " | ".join([t("report.outcomes.reason", lang)] + [gender_label(g, lang) for g in columns]) + " |"
    title = t("report.outcomes.heading", lang, programme=programme.name.get(lang), n=shown(report["n"]))
    lines = ["## " + title, "", head, "|---|" + "---:|" * len(columns)]
    for row in report["rows"]:
        cells = []
        for g in columns:
            count, share = row["counts"][g], row["shares"][g]
            cells.append(hidden if count is None else f"{count} ({percent(share, lang)})" if share is not None
                         else f"{count}")
        lines.append(f"| {row['label']} | " + " | ".join(cells) + " |")
    for goal in report["goals"]:
        share = hidden if goal["share"] is None else percent(goal["share"], lang, decimals=1)
        verdict = "" if goal["met"] is None else " – " + (t("report.goal.met", lang) if goal["met"]
                                                          else t("report.goal.not_met", lang))
        figures = t("report.outcomes.goal", lang, numerator=shown(goal["numerator"]),
                    denominator=shown(goal["denominator"]), share=share, target=percent(goal["target"], lang))
        lines += ["", f"**{goal['label']}**: {figures}{verdict}"]
    return "\n".join(lines) + "\n"
