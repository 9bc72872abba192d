"""The board's dashboard: goals against targets, the outcome table, indicators, KASAM change
and the flow of participants, per programme or all together, for a year or any period.
Aggregates only; figures behind fewer than k people read "för få svar" and say why."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboards import charts
from dashboards.auth import access
from indicators.suppression import SUPPRESSED_TEXT, SUPPRESSED_WHY
from stegvis import reports


def page() -> None:
    api = access()
    st.title("Styrelsens översikt")
    programmes = api.catalog.latest_programmes()
    left, middle, right = st.columns([2, 1.2, 2])
    choice = left.selectbox("Insats", ["alla"] + [p.id for p in programmes],
                            format_func=lambda p: "Alla insatser" if p == "alla" else api.catalog.programme(p).name.sv)
    kind = middle.radio("Period", ["År", "Valfri"], horizontal=True)
    today = date.today()
    if kind == "År":
        year = right.selectbox("År", list(range(today.year, 2019, -1)), index=0)
        start, end = date(year, 1, 1), min(date(year, 12, 31), today)
    else:
        picked = right.date_input("Från – till", value=(date(today.year - 2, 1, 1), today), format="YYYY-MM-DD")
        if len(picked) != 2:
            st.info("Välj både start- och slutdatum.")
            return
        start, end = picked
    report = api.board_report(None if choice == "alla" else choice, start, end)
    k = report.k
    st.caption(f"{report.title} · {start} – {end} · {SUPPRESSED_TEXT} = {SUPPRESSED_WHY.format(k=k)}.")

    tables = reports.tables(report)
    st.header("Mål", anchor=False)
    goals = [{"label": f"{p.name.sv}: {g.label}", "share": g.share, "target": g.target,
              "note": f"{g.numerator} av {g.denominator}" if g.share is not None else SUPPRESSED_TEXT}
             for p in report.programmes for g in report.goals.get(p.id, [])]
    if goals:
        st.plotly_chart(charts.goal_bars(goals), config={"displayModeBar": False})
    st.dataframe(tables["Mål"], hide_index=True, width="stretch")

    st.header("Avslutsorsaker", anchor=False)
    outcome_tables = {name: frame for name, frame in tables.items() if name.startswith("Avslut ")}
    if not outcome_tables:
        st.write("Inga avslut under perioden.")
    for name, frame in outcome_tables.items():
        st.subheader(name.removeprefix("Avslut "), anchor=False)
        st.dataframe(frame, hide_index=True, width="stretch")

    st.header("Kvalitativa mål: indikatorer", anchor=False)
    if "Indikatorer" in tables:
        st.dataframe(tables["Indikatorer"], hide_index=True, width="stretch")
    else:
        st.write("Inga enkätsvar under perioden.")

    st.header("KASAM: förändring från inskrivning till avslut", anchor=False)
    if "KASAM" in tables:
        st.dataframe(tables["KASAM"], hide_index=True, width="stretch")
        st.caption("KASAM är ett stöd för samtalet mellan coach och deltagare, inte en diagnos.")
    else:
        st.write("Inga parade KASAM-mätningar för avslutade under perioden.")

    st.header("Deltagare över tid", anchor=False)
    flow = report.flow
    if len(flow):
        st.plotly_chart(charts.lines_over_time(flow.rename(columns={"Månad": "Tillfälle"}),
                                               {"Nya": "Nya", "Aktiva": "Aktiva", "Avslutade": "Avslutade"}),
                        config={"displayModeBar": False})
    a, b = st.columns([1, 2])
    a.metric("Medeltid i insatsen (avslutade)",
             SUPPRESSED_TEXT if report.mean_months is None else f"{report.mean_months:.1f} mån")
    b.dataframe(tables["Tid i insatsen"], hide_index=True)

    with st.expander("Så räknas siffrorna"):
        for note in report.notes:
            st.markdown(f"- {note}")

    st.header("Rapport till mötet", anchor=False)
    name = f"styrelserapport-{choice}-{start}-{end}"
    one, two = st.columns(2)
    one.download_button("Ladda ner Excel", lambda: reports.xlsx(report), file_name=f"{name}.xlsx",  # on click
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if two.button("Skapa PDF"):
        bar = st.progress(0.0, text="Skapar PDF …")
        data = reports.pdf(report, lambda fraction, text: bar.progress(fraction, text=text))
        two.download_button("Ladda ner PDF", data, file_name=f"{name}.pdf", mime="application/pdf")
