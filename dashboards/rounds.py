"""The administrator's survey rounds (Enkätomgångar): a to-do of the rounds the programmes and
the förbund declare (due ones made with one click) and of those running; make a round for staff,
the board or another group, hand its codes out on slips or mail them, follow answered ÷ invited, remind,
close. Codes and answers are never linked: the page shows counts, and free text only in
alphabetical order."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboards.auth import access
from dashboards.common import plain
from foundation.errors import StegvisError
from foundation.texts import N_, t
from stegvis.reports import percent
from stegvis.rounds import declared_title, month_name, round_title
from stegvis.safe_export import csv_text

WHOLE = ""  # the programme choice that means the whole förbund


def page() -> None:
    api = access()
    st.title(t("rounds.title"))
    st.caption(t("rounds.intro"))
    _todo(api)
    rounds = api.rounds()
    _overview(api, rounds)
    _new_round(api)
    if rounds:
        _one_round(api, rounds)


def _todo(api) -> None:
    """Rounds due this year, each with what the declaration fills in and a button that makes it;
    then the rounds running, answered ÷ invited and days left."""
    todo = api.rounds_todo()
    st.subheader(t("rounds.todo.heading"), anchor=False)
    if not todo.due and not todo.running:
        st.caption(t("rounds.todo.nothing"))
    for due in todo.due:
        declared = due.declared
        key = f"todo_{due.programme_id or WHOLE}_{declared.id}"
        with st.form(key, border=True):
            st.markdown(t("rounds.todo.due", what=plain(declared_title(api.catalog, due.programme_id,
                                                                         declared.instruments)),
                          group=plain(api.catalog.group_label(declared.group).lower()),
                          month=month_name(declared.month)))
            left, right = st.columns(2)
            invited = left.number_input(t("rounds.invited"), min_value=1, max_value=2000,
                                        value=declared.invited or 10, step=1, key=f"{key}_invited")
            closes = right.date_input(t("rounds.closes"), value=due.closes_on, min_value=date.today(),
                                      format="YYYY-MM-DD", key=f"{key}_closes")
            if st.form_submit_button(t("rounds.create"), type="primary"):
                try:
                    made = api.create_round(declared.group, list(declared.instruments), int(invited),
                                            closes.isoformat(), due.programme_id, declared=declared.id)
                except StegvisError as exc:
                    st.error(plain(exc.say()))
                else:
                    st.session_state["round_chosen"] = made.id
                    st.session_state["round_made"] = (made.id, made.invited)
                    st.rerun()
    if made := st.session_state.pop("round_made", None):
        st.success(t("rounds.created", number=made[0], invited=made[1]))
    for running in todo.running:
        r = running.round
        st.markdown("- " + t("rounds.todo.running", what=plain(round_title(api.catalog, r)), answered=r.answered,
                             invited=r.invited, left=running.days_left))


def _overview(api, rounds) -> None:
    if not rounds:
        st.info(t("rounds.none"))
        return
    today = date.today()
    table = pd.DataFrame([{
        t("rounds.column.number"): r.id,
        t("rounds.column.what"): round_title(api.catalog, r),
        t("rounds.column.answered"): t("rounds.answered_rate", answered=r.answered, invited=r.invited,
                                       rate=percent(r.response_rate)),
        t("rounds.column.closes"): r.closes_on,
        t("rounds.column.state"): (t("rounds.state.closed") if r.closed_at else
                                   t("rounds.state.open", left=(date.fromisoformat(r.closes_on) - today).days)),
    } for r in rounds])
    # a plain table wraps long titles and fits the page at tablet widths; a grid would scroll sideways
    st.table(table.set_index(t("rounds.column.number")).map(plain))


def _new_round(api) -> None:
    groups = [g.id for g in api.catalog.round_groups()]
    with st.expander(t("rounds.new"), expanded=False):
        group = st.selectbox(t("rounds.group"), groups, format_func=api.catalog.group_label, key="round_group")
        offered = [i.id for i in api.catalog.latest_instruments() if i.respondent_group == group]
        with st.form("new_round"):
            instruments = st.multiselect(t("rounds.instruments"), offered, default=offered[:1],
                                         placeholder=t("common.choose_several"),
                                         format_func=lambda i: api.catalog.instrument(i).title.sv)
            programme = st.selectbox(t("rounds.programme"), [WHOLE] + [p.id for p in api.catalog.latest_programmes()],
                                     format_func=lambda p: api.catalog.programme(p).name.sv if p else t("rounds.whole"))
            invited = st.number_input(t("rounds.invited"), min_value=1, max_value=2000, value=10, step=1)
            closes = st.date_input(t("rounds.closes"), value=date.today() + timedelta(days=21),
                                   min_value=date.today(), format="YYYY-MM-DD")
            if st.form_submit_button(t("rounds.create"), type="primary"):
                try:
                    made = api.create_round(group, instruments, int(invited), closes.isoformat(), programme or None)
                except StegvisError as exc:
                    st.error(plain(exc.say()))
                else:
                    st.session_state["round_chosen"] = made.id
                    st.success(t("rounds.created", number=made.id, invited=made.invited))


def _one_round(api, rounds) -> None:
    by_id = {r.id: r for r in rounds}
    chosen = st.session_state.get("round_chosen")
    ids = list(by_id)
    st.subheader(t("rounds.one"), anchor=False)
    picked = st.selectbox(t("rounds.pick"), ids, index=ids.index(chosen) if chosen in by_id else 0,
                          format_func=lambda i: f"{i}: {round_title(api.catalog, by_id[i])}", key="round_pick")
    round_ = by_id[picked]
    first, second = st.columns(2)
    first.metric(t("rounds.column.answered"), t("rounds.answered_of", answered=round_.answered, invited=round_.invited))
    second.metric(t("rounds.codes_left"), round_.invited - round_.codes_used)
    if round_.is_open(date.today()):
        left, right = st.columns(2)
        # built, and logged as handed out, only when downloaded
        left.download_button(t("rounds.slips"), lambda: api.round_slips(round_.id), file_name=f"svarskoder-{round_.id}.pdf",
                             mime="application/pdf", key=f"slips_{round_.id}")
        right.download_button(t("rounds.codes"), lambda: csv_text(api.round_codes(round_.id)),
                              file_name=f"svarskoder-{round_.id}.csv", mime="text/csv", key=f"codes_{round_.id}")
        with st.form(f"invite_{round_.id}"):
            addresses = st.text_area(t("rounds.addresses"), help=t("rounds.addresses_help"))
            if st.form_submit_button(t("rounds.invite")):
                _mail(lambda: api.invite_round(round_.id, addresses), N_("rounds.invited_sent"))
        if st.button(t("rounds.remind"), key=f"remind_{round_.id}"):
            _mail(lambda: api.remind_round(round_.id), N_("rounds.reminded"))
        if st.button(t("rounds.close"), key=f"close_{round_.id}"):
            api.close_round(round_.id)
            st.rerun()
    texts = api.round_free_texts(round_.id) if round_.answered else []
    if texts:
        with st.expander(t("rounds.free_text", n=len(texts))):
            st.caption(t("rounds.free_text_help"))
            for text in texts:
                st.markdown(f"- {plain(text)}")


def _mail(send, done_key: str) -> None:
    try:
        sent = send()
    except StegvisError as exc:
        st.error(plain(exc.say()))
    else:
        st.success(t(done_key, n=sent))
