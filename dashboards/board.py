"""The board's dashboard: goals against targets, the outcome table, indicators, KASAM change
and the flow of participants, per programme or all together, for a completed period of the
grid. Protected figures only; hidden ones read "för få svar" and say why."""

from __future__ import annotations

import streamlit as st

from stegvis import charts
from dashboards.auth import access
from indicators.board import DETAILED, shown_for
from indicators.disclosure import SUPPRESSED_TEXT, SUPPRESSED_WHY, decimal
from stegvis import reports


def pick_period(grid, where) -> object | None:
    """The board chooses among completed periods of the grid, never free dates."""
    from indicators.periods import KIND_LABELS, WHOLE, YEAR

    kinds = [kind for kind in (YEAR, "halvar", grid.leaf_kind, WHOLE) if grid.of_kind(kind)]
    if not kinds:
        return None
    left, right = where.columns([1.4, 2])
    kind = left.radio("Period", kinds, format_func=KIND_LABELS.get, horizontal=True,
                      index=kinds.index(YEAR) if YEAR in kinds else 0)
    choices = list(reversed(grid.of_kind(kind)))  # the latest first
    if kind == WHOLE:
        right.write(choices[0].label)
        return choices[0]
    return right.selectbox("Vilken", choices, format_func=lambda p: p.label)


def page() -> None:
    api = access()
    st.title("Styrelsens översikt")
    programmes = api.catalog.latest_programmes()
    top = st.container()
    left, right = top.columns([1, 2.2])
    choice = left.selectbox("Insats", ["alla"] + [p.id for p in programmes],
                            format_func=lambda p: "Alla insatser" if p == "alla" else api.catalog.programme(p).name.sv)
    period = pick_period(api.board_periods(), right)
    if period is None:
        st.info("Det finns ännu ingen avslutad period att visa.")
        return
    report = api.board_report(None if choice == "alla" else choice, period.id)
    k = report.k
    st.caption(f"{report.title} · {period.label} · {SUPPRESSED_TEXT}: {SUPPRESSED_WHY.format(k=k)}. "
               "Styrelsen ser bara avslutade perioder.")

    tables = reports.tables(report)
    shows = shown_for(period.kind)
    if shows:
        st.info(shows)
    if report.goals:
        st.header("Mål", anchor=False)
        st.plotly_chart(charts.goal_bars(reports.goal_bars_input(report)), config={"displayModeBar": False})
        st.dataframe(tables["Mål"], hide_index=True, width="stretch")

    if period.kind in DETAILED:
        st.header("Avslutsorsaker", anchor=False)
        outcome_tables = [t for t in report.tables if t.id.startswith("outcomes/")]
        if not outcome_tables:
            st.write("Inga avslut under perioden.")
        for table in outcome_tables:
            st.subheader(table.title.removeprefix("Avslutsorsaker "), anchor=False)
            st.dataframe(tables[table.title], hide_index=True, width="stretch")

    st.header("Kvalitativa mål: indikatorer", anchor=False)
    indicator_tables = [t for t in report.tables if t.id.startswith("indicators/")]
    if not indicator_tables:
        st.write("Inga enkätsvar under perioden.")
    for table in indicator_tables:
        st.subheader(table.title, anchor=False)
        st.dataframe(tables[table.title], hide_index=True, width="stretch")

    change_tables = [t for t in report.tables if t.id.startswith("change/")]
    if change_tables:
        st.header("KASAM: förändring från inskrivning till avslut", anchor=False)
    for table in change_tables:
        st.subheader(table.title.split(":")[0], anchor=False)
        st.dataframe(tables[table.title], hide_index=True, width="stretch")
        st.caption("KASAM är ett stöd för samtalet mellan coach och deltagare, inte en diagnos.")

    st.header("Deltagare över tid", anchor=False)
    flow = report.table("flow")
    st.dataframe(tables[flow.title], hide_index=True, width="stretch")
    durations = report.table("durations")
    if durations is not None:
        a, b = st.columns([1, 2])
        a.metric("Medeltid i insatsen (avslutade)",
                 SUPPRESSED_TEXT if report.mean_months is None else f"{decimal(report.mean_months)} mån")
        b.dataframe(tables[durations.title], hide_index=True)

    with st.expander("Så räknas siffrorna"):
        for note in report.notes:
            st.markdown(f"- {note}")

    st.header("Rapport till mötet", anchor=False)
    name = f"styrelserapport-{choice}-{period.id}"
    one, two, three = st.columns(3)
    one.download_button("Ladda ner Excel", lambda: reports.xlsx(report), file_name=f"{name}.xlsx",  # on click
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    three.download_button("Ladda ner JSON", lambda: reports.json_bytes(report), file_name=f"{name}.json",
                          mime="application/json")
    if two.button("Skapa PDF"):
        bar = st.progress(0.0, text="Skapar PDF …")
        data = reports.pdf(report, lambda fraction, text: bar.progress(fraction, text=text))
        two.download_button("Ladda ner PDF", data, file_name=f"{name}.pdf", mime="application/pdf")
