"""The board's dashboard: goals against targets, the outcome table, indicators, KASAM change
and the flow of participants, per programme or all together, for a completed period of the
grid. Protected figures only; hidden ones read "för få svar" and say why. Words from the
catalogue (foundation/locale), in Swedish."""

from __future__ import annotations

import streamlit as st

from dashboards.auth import access
from dashboards.common import plain
from foundation.texts import t
from indicators.board import DETAILED
from stegvis import reports

def pick_period(grid, where) -> object | None:
    """The board chooses among completed periods of the grid, never free dates."""
    from indicators.periods import WHOLE, YEAR

    kinds = [kind for kind in (YEAR, "halvar", grid.leaf_kind, WHOLE) if grid.of_kind(kind)]
    if not kinds:
        return None
    left, right = where.columns([1.4, 2])
    kind = left.radio(t("board.period"), kinds, format_func=reports.kind_label, horizontal=True,
                      index=kinds.index(YEAR) if YEAR in kinds else 0)
    choices = list(reversed(grid.of_kind(kind)))  # the latest first
    if kind == WHOLE:
        right.write(reports.period_label(choices[0]))
        return choices[0]
    return right.selectbox(t("board.which"), choices, format_func=reports.period_label)


def _table(frame, where=st) -> None:
    """A table the board reads, not explores: static HTML, which wraps its text to the page (the
    interactive grid scrolled sideways at 1366 and was the slowest thing on the page to draw)."""
    where.html(reports.table_html(frame))


def _show(report, tables, table) -> None:
    parts = reports.table_parts(table) or [None]  # under the table's heading, a part needs only its name
    for title, part in zip(reports.table_titles(report, table), parts):
        if part:
            st.caption(part)
        _table(tables[title])


def page() -> None:
    api = access()
    st.html(reports.TABLE_CSS + reports.GOAL_BARS_CSS)
    st.title(t("board.title"))
    programmes = api.catalog.latest_programmes()
    top = st.container()
    left, right = top.columns([1, 2.2])
    choice = left.selectbox(t("board.programme"), ["alla"] + [p.id for p in programmes],
                            format_func=lambda p: t("board.all_programmes") if p == "alla"
                            else api.catalog.programme(p).name.sv)
    period = pick_period(api.board_periods(), right)
    if period is None:
        st.info(t("board.no_period"))
        return
    report = api.board_report(None if choice == "alla" else choice, period.id)
    st.caption(t("board.caption", title=reports.report_title(report), period=reports.period_label(period),
                 hidden=reports.suppressed(), why=reports.suppressed_why(report.k)))

    tables = reports.tables(report)
    shows = reports.shown_for(period.kind)
    if shows:
        st.info(shows)
    if report.goals:  # first: each goal met, not met or not measurable, in words
        st.header(t("report.summary.heading"), anchor=False)
        icons = {True: ":material/check_circle:", False: ":material/cancel:", None: ":material/remove:"}
        lines = reports.summary(report)
        assessed = [f"- {icons[met]} {plain(line)}" for met, line in lines if met is not None]
        if assessed:
            st.markdown("\n".join(assessed))
        unassessed = [f"- {icons[met]} {plain(line)}" for met, line in lines if met is None]
        if unassessed:  # the goals a period's few people cannot show: one line until opened
            with st.expander(t("board.summary.unassessed", n=len(unassessed)), expanded=not assessed):
                st.markdown("\n".join(unassessed))
        st.header(t("board.heading.goals"), anchor=False)
        if reports.chart_goals(report):
            st.html(reports.goal_bars_html(reports.goal_bars_input(report)))
        _table(tables[t("report.sheet.goals")])

    if period.kind in DETAILED:
        st.header(t("board.heading.outcomes"), anchor=False)
        outcome_tables = [table for table in report.tables if table.id.startswith("outcomes/")]
        if not outcome_tables:
            st.write(t("board.no_exits"))
        for table in outcome_tables:
            st.subheader(reports.table_heading(report, table), anchor=False)
            _show(report, tables, table)
        for table in _starting(report, "outcomes_by_age/"):
            st.subheader(reports.table_heading(report, table), anchor=False)
            _show(report, tables, table)
        referral_tables = [table for table in report.tables if table.id.startswith("referrals/")]
        if referral_tables:
            st.header(t("board.heading.referrals"), anchor=False)
        for table in referral_tables:
            st.subheader(reports.table_heading(report, table), anchor=False)
            _show(report, tables, table)

    st.header(t("board.heading.indicators"), anchor=False)
    indicator_tables = [table for table in report.tables if table.id.startswith("indicators/")]
    if not indicator_tables:
        st.write(t("board.no_answers"))
    for table in indicator_tables:
        st.subheader(reports.table_heading(report, table), anchor=False)
        _show(report, tables, table)
        st.caption(reports.agree_note(report, table))

    choice_tables = _starting(report, "choices/")
    if choice_tables:
        st.header(t("board.heading.choices"), anchor=False)
    for table in choice_tables:
        st.subheader(plain(reports.table_heading(report, table)), anchor=False)
        _show(report, tables, table)

    change_tables = _starting(report, "change/")
    occasion_tables = _starting(report, "occasions/")
    if change_tables or occasion_tables:
        st.header(t("board.heading.kasam"), anchor=False)
    for table in change_tables + occasion_tables:
        st.subheader(reports.table_heading(report, table), anchor=False)
        _show(report, tables, table)
    if change_tables or occasion_tables:
        st.caption(t("board.kasam_not_diagnosis"))

    st.header(t("board.heading.flow"), anchor=False)
    _show(report, tables, report.table("flow"))
    # one table, or one per group of programmes with bands of their own ("durations/porten")
    durations = [table for table in report.tables if table.id == "durations" or table.id.startswith("durations/")]
    if durations:
        a, b = st.columns([1, 2])
        a.metric(t("board.mean_time"), reports.suppressed() if report.mean_months is None
                 else t("board.months", months=reports.decimal(report.mean_months)))
        for table in durations:
            if len(durations) > 1:
                b.caption(reports.table_title(report, table))
            _table(tables[reports.table_title(report, table)], b)
    for table in _starting(report, "durations_by_age/") + _starting(report, "time_by_age/"):
        st.subheader(reports.table_heading(report, table), anchor=False)
        _show(report, tables, table)

    with st.expander(t("report.method")):
        for note in reports.notes(report):
            st.markdown(f"- {note}")

    st.header(t("board.heading.report"), anchor=False)
    name = f"styrelserapport-{choice}-{period.id}"
    one, two, three = st.columns(3)
    one.download_button(t("board.download_excel"), lambda: reports.xlsx(report), file_name=f"{name}.xlsx",  # on click
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    three.download_button(t("board.download_json"), lambda: reports.json_bytes(report), file_name=f"{name}.json",
                          mime="application/json")
    if two.button(t("board.make_pdf")):
        bar = st.progress(0.0, text=t("board.making_pdf"))
        data = reports.pdf(report, lambda fraction, text: bar.progress(fraction, text=text))
        two.download_button(t("board.download_pdf"), data, file_name=f"{name}.pdf", mime="application/pdf")


def _starting(report, prefix: str) -> list:
    return [table for table in report.tables if table.id.startswith(prefix)]
