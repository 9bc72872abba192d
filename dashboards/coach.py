"""The coach's workspace: the caseload with its to-do list, one participant (KASAM over
time, current and desired state, other surveys), registering, surveys, exits, and trends.
Data comes only through the data-access layer, which limits it to the coach's caseload."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.express as px
import streamlit as st

from stegvis import charts
from dashboards.auth import access
from dashboards.common import plain
from stegvis.access import exit_undoable
from stegvis.qr import qr_png, survey_url
from indicators.change import paired_change, summarise_change
from stegvis.reports import decimal, gender_label
from indicators.schedule import followup_dates, max_date, todos
from indicators.scoring import flag_lists
from foundation.errors import StegvisError
from foundation.texts import N_, t
from surveys.answers import Answer
from surveys.sessions import RepeatVisit
from surveys.survey_flow import answer_text

GENDER_CHOICES = {"kvinna": N_("coach.gender.kvinna"), "man": N_("coach.gender.man"),
                  "annat": N_("coach.gender.annat"), "vill_inte_uppge": N_("coach.gender.vill_inte_uppge")}
DECISIONS = {"ej_inskriven": N_("coach.referral.not_enrolled"), "vantar": N_("coach.referral.waiting")}
STATUSES = {"arbete": N_("coach.path.status.arbete"), "studier": N_("coach.path.status.studier"),
            "varken": N_("coach.path.status.varken")}
KIND_LABELS = {"overdue": N_("coach.todo.overdue"), "due": N_("coach.todo.due"), "near_max": N_("coach.todo.near_max"),
               "past_max": N_("coach.todo.past_max"), "code_expired": N_("coach.todo.code_expired"),
               "exit_unrecorded": N_("coach.todo.exit_unrecorded")}
TODO_DETAILS = {"overdue": N_("coach.todo.overdue_detail"), "due": N_("coach.todo.due_detail"),
                "near_max": N_("coach.todo.near_max_detail"), "past_max": N_("coach.todo.past_max_detail"),
                "code_expired": N_("coach.todo.code_expired_detail"),
                "exit_unrecorded": N_("coach.todo.exit_unrecorded_detail")}
OCCASION = charts.OCCASION
PARTICIPANT_PATH = "deltagare"  # /deltagare?kod=PO-24002: one participant's own address


def participant_address_page():
    """The participant page as st.navigation knows it (streamlit_app.py), to switch to."""
    return st.Page(participant_page, title=t("app.participant"), url_path=PARTICIPANT_PATH)


def open_participant(code: str) -> None:
    st.switch_page(participant_address_page(), query_params={"kod": code})


def _gender(gender) -> str:
    return t(GENDER_CHOICES[gender]) if gender in GENDER_CHOICES else str(gender)


def _todo_detail(task, programme) -> str:
    """A to-do in words: the occasion and its date, the programme's longest time, or the code."""
    occasion = programme.occasion(task.occasion).label.sv if task.occasion else ""
    return t(TODO_DETAILS[task.kind], occasion=occasion, on=task.on.isoformat(),
             months=programme.max_duration_months or "")


def _programme_name(api, programme_id: str) -> str:
    return api.catalog.programme(programme_id).name.sv


def _todo_list(api, caseload: pd.DataFrame, today: date) -> list:
    """Each to-do of the current enrolments, with its detail in words."""
    sessions = api.caseload_sessions()
    recorded = api.caseload_followups()
    found = []
    # after exit a person stays on the list until the programme's follow-ups are done
    follows_up = {p.id for p in api.catalog.latest_programmes() if any(o.records_status for o in p.occasions)}
    current = caseload["exited_on"].isna() | caseload["programme_id"].isin(follows_up)
    for row in caseload[current].to_dict("records"):
        mine = sessions[sessions["participant_id"] == row["participant_id"]]
        programme = api.catalog.programme(row["programme_id"])
        done = recorded.loc[(recorded["participant_id"] == row["participant_id"])
                            & (recorded["programme_id"] == programme.id), "occasion"].value_counts().to_dict()
        found += [(task, _todo_detail(task, programme)) for task in todos(programme, row, mine, today, done)]
    return found


def caseload_page() -> None:
    api = access()
    st.title(t("coach.caseload.title"))
    caseload = api.caseload()
    if caseload.empty:
        st.info(t("coach.caseload.empty"))
        return
    today = date.today()
    found = _todo_list(api, caseload, today)
    tasks = [task for task, _ in found]
    codes = dict(zip(caseload["participant_id"], caseload["code"]))
    st.header(t("coach.todo.title", n=len(tasks)), anchor=False)
    if tasks:
        order = {"overdue": 0, "exit_unrecorded": 1, "past_max": 2, "code_expired": 3, "due": 4, "near_max": 5}
        # the date is in the detail's words; a column of its own pushed the table past a tablet's width
        st.dataframe(pd.DataFrame([{t("coach.todo.who"): codes[task.participant_id], t("coach.todo.what"): t(KIND_LABELS[task.kind]),
                                    t("coach.todo.detail"): detail}
                                   for task, detail in sorted(found, key=lambda f: (order[f[0].kind], f[0].on))]),
                     hide_index=True, width="stretch")
    else:
        st.success(t("coach.todo.none"))

    st.header(t("coach.caseload.participants"), anchor=False)
    left, middle, right = st.columns([1.8, 1.6, 1.6], vertical_alignment="bottom")  # room for the toggle label
    programmes = sorted(caseload["programme_id"].unique())
    chosen = left.multiselect(t("coach.programme"), programmes, default=programmes, placeholder=t("common.choose_several"),
                              format_func=lambda p: _programme_name(api, p))
    text = middle.text_input(t("coach.caseload.search"))
    show_exited = right.toggle(t("coach.caseload.show_exited"), value=False)
    view = caseload[caseload["programme_id"].isin(chosen)]
    if text:
        view = view[view["code"].str.contains(text.strip(), case=False, regex=False)]
    if not show_exited:
        view = view[view["exited_on"].isna()]
    sessions = api.caseload_sessions()
    last = sessions[sessions["status"] == "completed"].groupby("participant_id")["completed_at"].max().str[:10]
    next_due = {}
    for task in tasks:
        if task.kind in ("due", "overdue") and task.participant_id not in next_due:
            next_due[task.participant_id] = t("coach.column.next_value", on=task.on.isoformat(),
                                              what=t(KIND_LABELS[task.kind]).lower())
    flags = _latest_flags(api)
    started = pd.to_datetime(view["started_on"])
    ended = pd.to_datetime(view["exited_on"]).fillna(pd.Timestamp(today))
    table = pd.DataFrame({
        t("coach.column.code"): view["code"],
        t("coach.column.programme"): view["programme_id"].map(lambda p: _programme_name(api, p)),
        t("coach.column.weeks"): ((ended - started).dt.days // 7).astype(int),
        t("coach.column.last_survey"): view["participant_id"].map(last),
        t("coach.column.next"): view["participant_id"].map(next_due),
        t("coach.column.flags"): view["participant_id"].map(flags),
    })
    if show_exited:  # only then: two columns fewer keep the table within a tablet's width
        table[t("coach.column.exited")] = view["exited_on"]
        table[t("coach.column.outcome")] = [_outcome_label(api, p, o) for p, o in zip(view["programme_id"], view["outcome"])]
    st.caption(t("coach.caseload.click"))
    picked = st.dataframe(table.astype(object).where(table.notna(), ""), hide_index=True, width="stretch",
                          on_select="rerun", selection_mode="single-row", key="caseload_table",
                          column_config={t("coach.column.code"): st.column_config.TextColumn(width=80),
                                         t("coach.column.programme"): st.column_config.TextColumn(width=110),
                                         t("coach.column.weeks"): st.column_config.NumberColumn(width=60),
                                         t("coach.column.last_survey"): st.column_config.TextColumn(width=105),
                                         t("coach.column.next"): st.column_config.TextColumn(width=165)})
    st.caption(t("coach.caseload.count", shown=len(table), total=len(caseload)))
    rows = picked.selection.rows if picked is not None else []
    if rows:
        open_participant(str(table.iloc[rows[0]][t("coach.column.code")]))


def _outcome_label(api, programme_id: str, outcome) -> str:
    if outcome is None or pd.isna(outcome):
        return ""
    return api.catalog.programme(programme_id).outcome_label(outcome)


def _latest_flags(api) -> dict:
    """Where each participant's latest scored response to an instrument raised a flag: the
    names of the scales flagged, once each, in the instrument's order. A list of thirty people
    has room for a word per flag ("Begriplighet, Hanterbarhet"), not for four labels with their
    thresholds; those, with what they mean, are on the participant's page."""
    result: dict[int, list[str]] = {}
    for instrument in api.catalog.latest_instruments():
        scale_of = {flag.id: scale.label.sv for scale in instrument.scales for flag in scale.flags}
        if not scale_of:
            continue
        scores = api.caseload_scores(instrument.id)
        if scores.empty or "flags" not in scores:
            continue
        latest = scores.sort_values("completed_at").groupby("participant_id").last()
        for pid, fired in flag_lists(latest["flags"]).items():
            result.setdefault(pid, []).extend(dict.fromkeys(scale_of[f] for f in fired if f in scale_of))
    return {pid: ", ".join(named) for pid, named in result.items() if named}


def _pick_participant(api) -> int | None:
    """The participant the coach chooses; nobody until they do, since opening a person's page
    is logged as a view. Current participants first, those who have left after them."""
    caseload = api.caseload()
    if caseload.empty:
        st.info(t("coach.pick.empty"))
        return None
    active = set(caseload.loc[caseload["exited_on"].isna(), "participant_id"])
    people = caseload.drop_duplicates("participant_id")
    people = people.assign(left=~people["participant_id"].isin(active)).sort_values(["left", "code"], kind="stable")
    codes = dict(zip(people["code"], people["participant_id"]))
    left = set(people.loc[people["left"], "code"])
    # the address names the person (a bookmark, a reload, a click in the caseload); the box follows it
    asked = st.query_params.get("kod")
    if asked != st.session_state.get("_coach_kod_seen"):  # a new address, not the box's own echo
        st.session_state["_coach_kod_seen"] = asked
        if asked and asked not in codes:
            try:
                api.participant_by_code(asked)  # refused and logged: not in this coach's caseload
            except StegvisError:
                st.session_state["_coach_refused"] = True
                st.session_state.pop("coach_participant", None)
        elif asked:
            st.session_state.pop("_coach_refused", None)
            st.session_state["coach_participant"] = asked
    if st.session_state.get("_coach_refused"):
        st.info(t("coach.pick.not_yours"))
    chosen = st.selectbox(t("coach.pick.label"), list(codes), index=None, placeholder=t("coach.pick.placeholder"),
                          format_func=lambda c: t("coach.pick.exited", code=c) if c in left else c,
                          key="coach_participant")
    if chosen is None:
        if not st.session_state.get("_coach_refused"):
            st.query_params.pop("kod", None)
            st.session_state["_coach_kod_seen"] = None
        return None
    st.session_state.pop("_coach_refused", None)
    st.query_params["kod"] = st.session_state["_coach_kod_seen"] = chosen
    return int(codes[chosen])


def participant_page() -> None:
    api = access()
    st.title(t("coach.participant.title"))
    participant_id = _pick_participant(api)
    _forget_other_codes(participant_id)
    if participant_id is None:
        return
    person = api.participant(participant_id)  # logged as viewed
    # the enrolment surveys are opened in: the current one, else the latest
    enrolment = sorted(person["enrolments"], key=lambda e: (e["exited_on"] is None, e["started_on"]))[-1]
    programme = api.catalog.programme(enrolment["programme_id"])
    # The code is data (imported, typed by anyone): shown as its characters, never as Markdown.
    about = t("coach.participant.about", code="**" + plain(person["code"]) + "**", gender=_gender(person["gender"]),
              born=person["birth_year"] or t("coach.participant.born_unknown"), programme=plain(programme.name.sv),
              started=enrolment["started_on"])
    if enrolment["exited_on"]:
        about += t("coach.participant.exited", on=enrolment["exited_on"],
                   outcome=plain(programme.outcome_label(enrolment["outcome"])))
    st.markdown(about)
    # A tab per instrument with scales the programme gives, and one for life areas if it gives
    # such an instrument: a programme that never uses KASAM shows no KASAM tab.
    given = [api.catalog.instrument(i) for i in dict.fromkeys(i for o in programme.occasions for i in o.instruments)]
    scaled = [i for i in given if i.scales and not i.current_desired]  # life areas have a tab of their own
    areas = [i for i in given if i.current_desired]
    tabs = st.tabs([t("coach.tab.survey"), *[i.title.sv for i in scaled], *([t("coach.tab.state")] if areas else []),
                    t("coach.tab.other"), t("coach.tab.path"), t("coach.tab.exit")])
    with tabs[0]:
        _start_survey(api, person, enrolment, programme)
        _history(api, participant_id, programme)
    answers = api.participant_answers(participant_id)
    for tab, instrument in zip(tabs[1:], scaled):
        with tab:
            _scales(api, participant_id, person, programme, instrument)
    if areas:
        with tabs[1 + len(scaled)]:
            _current_desired(api, participant_id, areas)
    with tabs[-3]:
        _other_surveys(api, answers, {i.id for i in scaled + areas}, programme)
    with tabs[-2]:
        _path(api, participant_id, person, enrolment, programme)
    with tabs[-1]:
        _record_exit(api, person, enrolment, programme)


def _forget_other_codes(participant_id: int | None) -> None:
    """A new code and a pending "start again" belong to the participant they were made for:
    choosing anyone else (or nobody) drops them, so a code is never handed to the wrong person."""
    for key in ("new_code", "repeat_pending"):
        if key in st.session_state and st.session_state[key]["participant_id"] != participant_id:
            del st.session_state[key]


def _start_survey(api, person: dict, enrolment: dict, programme, only=None, where: str = "survey") -> None:
    """Choose an occasion and its instruments (preselected as the programme gives them) and open a
    visit: its code and QR code. `only`: that occasion alone (the exit tab offers the exit survey)."""
    participant_id = person["id"]
    # surveys only: a follow-up whose status the coach records has its own place (the path tab)
    occasions = [o for o in programme.occasions if o.instruments and (not enrolment["exited_on"] or o.anchor == "exit")
                 and (only is None or o.id == only)]
    if enrolment["exited_on"] and only is None:
        st.caption(t("coach.survey.exited", on=enrolment["exited_on"]))
    if not occasions:
        st.info(t("coach.survey.no_occasions"))
        return
    # keys per participant and programme: what was chosen for someone in another programme never
    # carries over (it emptied the list and disabled Starta)
    key = f"{where}_{participant_id}_{programme.id}"
    occasion = st.selectbox(t("coach.survey.occasion"), [o.id for o in occasions], disabled=only is not None,
                            format_func=lambda o: programme.occasion(o).label.sv, key=f"survey_occasion_{key}")
    options = programme.occasion(occasion).instruments
    chosen = st.multiselect(t("coach.survey.instruments"), options, default=options,
                            placeholder=t("common.choose_several"),
                            format_func=lambda i: api.catalog.instrument(i).title.sv,
                            key=f"survey_instruments_{key}_{occasion}")
    for instrument_id in chosen:
        problem = api.licence_problem(instrument_id)
        if problem:
            st.warning(problem.say())
    request = {"participant_id": participant_id, "occasion": occasion, "instruments": list(chosen)}
    again = False
    if st.button(t("coach.survey.start"), type="primary", disabled=not chosen, key=f"start_survey_{where}"):
        st.session_state.pop("repeat_pending", None)
    elif st.session_state.get("repeat_pending", {}).get("request") == request:
        st.warning(st.session_state["repeat_pending"]["message"])
        again = st.button(t("coach.survey.again"), key=f"start_survey_again_{where}")
        if not again:
            request = None
    else:
        request = None
    if request is not None:
        try:
            visit, code = api.open_visit(participant_id, occasion, chosen, programme_id=programme.id, again=again)
        except RepeatVisit as exc:
            st.session_state["repeat_pending"] = {"participant_id": participant_id, "request": request,
                                                  "message": exc.say()}
            st.warning(exc.say())
            st.button(t("coach.survey.again"), key=f"start_survey_again_{where}")
        except StegvisError as exc:
            st.error(plain(exc.say()))
        else:
            st.session_state.pop("repeat_pending", None)
            st.session_state["new_code"] = {"participant_id": participant_id, "owner": person["code"],
                                            "code": code, "expires": visit.expires_at[:10], "where": where}
    shown = st.session_state.get("new_code")
    if shown and shown["participant_id"] == participant_id and shown.get("where", where) == where:
        base = _address()
        left, right = st.columns([2, 1])
        left.markdown(t("coach.survey.code", owner=plain(shown["owner"]), code=shown["code"], expires=shown["expires"]))
        left.caption(plain(survey_url(shown["code"], base)))
        right.image(qr_png(shown["code"], base), caption=t("coach.survey.qr", owner=shown["owner"]), width=200)


def _address() -> str | None:
    """The address this browser reached Stegvis at (scheme, host and port): the QR code and link
    use it unless a public address is configured (STEGVIS_PUBLIC_URL, `stegvis serve --public-url`)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # no browser behind this run
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


SESSION_STATES = {"completed": N_("coach.history.sent"), "open": N_("coach.history.unused"),
                  "cancelled": N_("coach.history.cancelled"), "expired": N_("coach.history.expired")}


def _history(api, participant_id: int, programme) -> None:
    """Every visit opened for the person: when, which occasion and instruments in words, and
    whether it was sent in; a visit begun but not sent in says so, with how far it got."""
    sessions = api.caseload_sessions()
    mine = sessions[sessions["participant_id"] == participant_id].sort_values("created_at", ascending=False)
    st.header(t("coach.history.title"), anchor=False)
    if mine.empty:
        st.write(t("coach.history.none"))
        return
    answers = api.participant_answers(participant_id)
    given = answers[answers["status"] == "answered"].groupby("session_id").size().to_dict() if len(answers) else {}
    rows = []
    for row in mine.to_dict("records"):
        instrument = api.catalog.instrument(row["instrument_id"])
        occasion = {o.id: o.label.sv for o in api.catalog.programme(row["programme_id"]).occasions}.get(
            row["occasion"], row["occasion"])
        status = row["status"]
        if status == "open" and not row["started"] and str(row["expires_at"] or "9999") < str(date.today()):
            status = "expired"
        if status == "open" and row["started"]:
            state = t("coach.history.begun", n=given.get(row["session_id"], 0), m=len(instrument.items))
        else:
            state = t(SESSION_STATES[status])
        rows.append({t("coach.history.when"): str(row["completed_at"] or row["created_at"])[:10],
                     t("coach.history.occasion"): occasion, t("coach.history.instrument"): instrument.title.sv,
                     t("coach.history.state"): state})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _path(api, participant_id: int, person: dict, enrolment: dict, programme) -> None:
    """What happened during the programme and after: events (two taps: which, then save; the day
    is today unless changed), the parties around the person, follow-up status after exit, and
    extensions past the maximum time."""
    mine = [e for e in person["events"] if e["programme_id"] == programme.id]
    if programme.events:
        st.header(t("coach.path.events"), anchor=False)
        if mine:
            st.table(pd.DataFrame([{t("coach.path.when"): e["happened_on"],
                                    t("coach.path.what"): programme.event(e["event"]).label.sv,
                                    t("coach.path.value"): "" if e["value"] is None else decimal(e["value"], 0)}
                                   for e in mine]).set_index(t("coach.path.when")))
        with st.form(f"event_{participant_id}", border=True):
            event = st.selectbox(t("coach.path.what"), [e.id for e in programme.events],
                                 format_func=lambda e: programme.event(e).label.sv, key="path_event")
            left, right = st.columns(2)
            day = left.date_input(t("coach.path.when"), value=date.today(), format="YYYY-MM-DD", key="path_event_day")
            value = right.number_input(t("coach.path.value_optional"), value=None, key="path_event_value")
            if st.form_submit_button(t("coach.path.save_event"), type="primary"):
                _saved(lambda: api.record_event(participant_id, programme.id, event, day.isoformat(),
                                                value if programme.event(event).value_label else None))
    st.header(t("coach.path.parties"), anchor=False)
    current = [p["party"] for p in person["parties"] if p["programme_id"] == programme.id]
    chosen = st.multiselect(t("coach.path.parties_help"), [p.id for p in programme.parties], default=current,
                            placeholder=t("common.choose_several"),
                            format_func=lambda p: next(x.label.sv for x in programme.parties if x.id == p),
                            key=f"parties_{participant_id}")
    if sorted(chosen) != sorted(current) and st.button(t("coach.path.save_parties"), key="save_parties"):
        _saved(lambda: api.set_parties(participant_id, programme.id, chosen))
    # after exit, its follow-ups; while in (and after), each turn of the year they were in at
    # after exit, its follow-ups; while in (and after), each turn of the year they were in at
    started = date.fromisoformat(enrolment["started_on"][:10])
    exited = date.fromisoformat(enrolment["exited_on"][:10]) if enrolment["exited_on"] else None
    followups = followup_dates(programme, started, exited, date.today())
    if followups:
        st.header(t("coach.path.followups"), anchor=False)
        recorded = {(f["occasion"], f["year"]): f for f in person["followups"] if f["programme_id"] == programme.id}
        for occasion, year, due in followups:
            done = recorded.get((occasion.id, year))
            with st.form(f"followup_{occasion.id}_{year}", border=True):
                label = f"{occasion.label.sv} {year}" if year else \
                    t("coach.path.followup_due", occasion=occasion.label.sv, on=due.isoformat())
                status = st.radio(label, list(STATUSES), horizontal=True,
                                  index=list(STATUSES).index(done["status"]) if done else None,
                                  format_func=lambda s: t(STATUSES[s]), key=f"followup_{occasion.id}_{year}_status")
                if done:  # how it came: the person's own answer, or the coach's
                    st.caption(t("coach.path.followup_by_survey", on=done["recorded_on"]) if done["source"] == "survey"
                               else t("coach.path.followup_by_coach", on=done["recorded_on"]))
                if st.form_submit_button(t("coach.path.save_followup")) and status:
                    _saved(lambda: api.record_followup(participant_id, programme.id, occasion.id, status,
                                                       year=year or None))
    if programme.max_duration_months and not enrolment["exited_on"]:
        st.header(t("coach.path.extension"), anchor=False)
        extended = sum(x["months"] for x in person["extensions"])
        limit = max_date(programme, date.fromisoformat(enrolment["started_on"]), extended)
        st.caption(t("coach.path.limit", day=limit.isoformat(), extended=extended))
        with st.form(f"extension_{participant_id}", border=True):
            months = st.number_input(t("coach.path.extension_months"), min_value=1, max_value=36, value=3, step=1)
            reason = st.text_input(t("coach.path.extension_reason"))
            if st.form_submit_button(t("coach.path.save_extension")):
                _saved(lambda: api.record_extension(participant_id, programme.id, int(months), reason))


def _saved(action) -> None:
    try:
        action()
    except StegvisError as exc:
        st.error(plain(exc.say()))
    else:
        st.rerun()


def _scales(api, participant_id: int, person: dict, programme, instrument) -> None:
    """One instrument's scale scores over the participant's occasions: its headline scale with
    bands and flag thresholds, the other scales beside it, and the sharing switch when the
    definition leaves sharing to the coach."""
    from indicators.scoring import missing_reasons, scored

    responses = api.participant_responses(participant_id, instrument.id)
    if responses.empty:
        st.write(t("coach.scales.none", instrument=plain(instrument.title.sv)))
        return
    scores = scored(instrument, responses, ["occasion", "completed_at"])
    names = {o.id: o.label.sv for o in programme.occasions}
    scores[OCCASION] = scores["occasion"].map(lambda o: names.get(o, o)) + " " + scores["completed_at"].str[:10]
    if instrument.notice:
        st.info(plain(instrument.notice.sv))
    headline = instrument.headline_scale
    st.plotly_chart(charts.scale_over_time(instrument, headline.id, scores, x=OCCASION), config={"displayModeBar": False})
    others = [s for s in instrument.scales if s.id != headline.id]
    if others:
        st.plotly_chart(charts.lines_over_time(scores, {s.id: s.label.sv for s in others}, title=t("coach.scales.others"),
                                               x=OCCASION),
                        config={"displayModeBar": False})
    table = scores[[OCCASION, *[s.id for s in instrument.scales]]].round(1)
    st.dataframe(table.rename(columns={OCCASION: t("coach.scales.occasion")} | {s.id: s.label.sv for s in instrument.scales}),
                 hide_index=True)
    reasons = missing_reasons(instrument, responses)
    for n, row in reasons.iterrows():
        for scale_id, why in row.items():
            if why:
                st.caption(plain(t("coach.scales.missing", occasion=scores.loc[n, OCCASION],
                                   scale=instrument.scale(scale_id).label.sv, why=why)))
    flag_text = {f.id: (f.label.sv, f.text.sv) for s in instrument.scales for f in s.flags}
    for flag_id in flag_lists(scores["flags"]).iloc[-1]:
        label, text = flag_text[flag_id]
        st.warning(f"**{plain(label)}.** {plain(text)}")
    if instrument.participant_view == "coach_shares":
        was = instrument.id in person["shared_results"]
        shared = st.toggle(t("coach.scales.share", instrument=plain(instrument.title.sv)), value=was,
                           key=f"share_results_{instrument.id}")
        if shared != was:
            api.share_results(participant_id, instrument.id, shared)
            st.rerun()


def _current_desired(api, participant_id: int, instruments) -> None:
    shown = False
    for instrument in instruments:
        responses = api.participant_responses(participant_id, instrument.id)
        if responses.empty:
            continue
        shown = True
        latest = responses.iloc[-1].dropna().to_dict()
        previous = responses.iloc[-2].dropna().to_dict() if len(responses) > 1 else None
        first = responses.iloc[0].dropna().to_dict() if len(responses) > 1 else None
        st.plotly_chart(charts.radar(instrument, latest, previous,
                                     title=t("coach.state.latest", on=str(latest.get("completed_at", ""))[:10])),
                        config={"displayModeBar": False})
        st.dataframe(charts.gaps_table(instrument, latest, first), hide_index=True)
    if not shown:
        st.write(t("coach.state.none"))


def _other_surveys(api, answers: pd.DataFrame, in_tabs: set[str], programme) -> None:
    """Answers to every instrument that has no tab of its own, question by question; the
    occasion by its label, and a survey not sent in says so."""
    other = answers[~answers["instrument_id"].isin(in_tabs)]
    if other.empty:
        st.write(t("coach.other.none"))
        return
    occasions = {o.id: o.label.sv for o in programme.occasions}
    for (session_id, instrument_id, version, at), rows in other.groupby(
            ["session_id", "instrument_id", "instrument_version", "at"], sort=False):
        instrument = api.catalog.instrument(instrument_id, int(version))
        wording = api.wording(instrument_id, int(version))
        occasion = occasions.get(rows["occasion"].iloc[0], rows["occasion"].iloc[0])
        title = f"{wording.title()} · {occasion} · {str(at)[:10]}"
        if rows["session_status"].iloc[0] != "completed":
            title += " · " + t("coach.history.begun", n=int((rows["status"] == "answered").sum()),
                               m=len(instrument.items))
        with st.expander(plain(title)):
            lines = []
            for row in rows.to_dict("records"):
                item = instrument.item(row["item_id"])
                answer = Answer(row["item_id"], row["status"], row["value_num"], row["value_text"], row["other_text"],
                                row["value_type"])
                lines.append({t("coach.other.question"): wording.item(item).text,
                              t("coach.other.answer"): answer_text(instrument, item, answer)})
            # st.dataframe shows text as text: a free-text answer with HTML or a formula stays inert
            st.dataframe(pd.DataFrame(lines), hide_index=True, width="stretch")


def _record_exit(api, person: dict, enrolment: dict, programme) -> None:
    """The exit: the exit survey offered first, then the outcome (no category chosen until the
    coach chooses one), a confirmation before it is recorded, and "Ångra avslut" for a while after."""
    exit_survey = next((o for o in programme.occasions if o.anchor == "exit" and o.offset_months == 0
                        and o.instruments), None)
    if exit_survey is not None:
        st.header(t("coach.exit.survey_heading"), anchor=False)
        _start_survey(api, person, enrolment, programme, only=exit_survey.id, where="exit")
    st.header(t("coach.exit.heading"), anchor=False)
    pending_key = f"exit_pending_{enrolment['id']}"
    if enrolment["exited_on"]:
        st.write(t("coach.exit.done", on=enrolment["exited_on"],
                   outcome=plain(programme.outcome_label(enrolment["outcome"]))))
        if exit_undoable(enrolment.get("exit_recorded_at")):
            st.success(t("coach.exit.recorded"))
            st.caption(t("coach.exit.undo_help"))
            if st.button(t("coach.exit.undo"), key=f"undo_exit_{enrolment['id']}"):
                _saved(lambda: api.undo_exit(enrolment["id"]))
    elif st.session_state.get(pending_key):
        pending = st.session_state[pending_key]
        st.warning(t("coach.exit.confirm", code=plain(person["code"]), on=pending["on"],
                     outcome=plain(programme.outcome_label(pending["outcome"]))))
        yes, no = st.columns(2)
        if yes.button(t("coach.exit.confirm_yes"), type="primary", key=f"exit_yes_{enrolment['id']}"):
            del st.session_state[pending_key]
            _saved(lambda: api.record_exit(enrolment["id"], pending["on"], pending["outcome"],
                                           background=pending["background"]))
        if no.button(t("coach.exit.confirm_no"), key=f"exit_no_{enrolment['id']}"):
            del st.session_state[pending_key]
            st.rerun()
    else:
        with st.form("exit_form"):
            exited_on = st.date_input(t("coach.exit.date"), value=date.today(), format="YYYY-MM-DD")
            outcome = st.selectbox(t("coach.exit.outcome"), [o.id for o in programme.outcomes], index=None,
                                   placeholder=t("coach.registry.choose"), format_func=programme.outcome_label,
                                   key=f"exit_outcome_{enrolment['id']}")
            background = _registry_inputs(programme.registry_fields_at("exit"), f"exit_{person['id']}",
                                          t("coach.registry.exit_heading"))
            if st.form_submit_button(t("coach.exit.submit"), type="primary"):
                if outcome is None:
                    st.error(t("coach.exit.outcome_required"))
                else:
                    st.session_state[pending_key] = {"on": exited_on.isoformat(), "outcome": outcome,
                                                     "background": background}
                    st.rerun()
    _correct_registry(api, person, enrolment, programme)


def _registry_inputs(fields, key: str, heading: str, recorded: dict | None = None) -> dict:
    """Inputs for fields the programme reports nationally, one under another (the benefits'
    names are long: half a row cut them off). Each starts empty (or at what is recorded): a
    choice the coach did not make is never stored as if they had, and "Okänd" is a choice of
    its own. Returns {field id: value or None}."""
    if not fields:
        return {}
    recorded = recorded or {}
    st.markdown(f"**{heading}**")
    values = {}
    for field in fields:
        label = field.label.sv if field.required else t("coach.registry.optional", label=field.label.sv)
        known = recorded.get(field.id)
        if field.kind == "choice":
            options = [c.id for c in field.choices]
            values[field.id] = st.selectbox(label, options, index=options.index(known) if known in options else None,
                                            format_func=field.choice_label, placeholder=t("coach.registry.choose"),
                                            key=f"registry_{key}_{field.id}")
        else:
            number = st.number_input(label, min_value=field.min, max_value=field.max, step=1,
                                     value=int(known) if known is not None else None,
                                     placeholder=t("coach.registry.number", min=field.min, max=field.max),
                                     key=f"registry_{key}_{field.id}")
            values[field.id] = None if number is None else int(number)
    return values


def _correct_registry(api, person: dict, enrolment: dict, programme) -> None:
    """The fields already recorded, to add what is missing (people registered before the
    programme declared them) or correct a mistake; exit fields once the person has left."""
    fields = programme.registry_fields_at("start") + (programme.registry_fields_at("exit") if enrolment["exited_on"]
                                                      else [])
    if not fields:
        return
    recorded = {v["field"]: v["value"] for v in person["registry_fields"] if v["programme_id"] == programme.id}
    with st.expander(t("coach.registry.edit_heading"), expanded=any(f.id not in recorded for f in fields)):
        with st.form(f"registry_{person['id']}"):
            values = _registry_inputs(fields, f"edit_{person['id']}", t("coach.registry.edit_caption"), recorded)
            if st.form_submit_button(t("coach.registry.save")):
                _saved(lambda: api.record_background(person["id"], programme.id,
                                                     {k: v for k, v in values.items() if v is not None}))


def register_page() -> None:
    api = access()
    st.title(t("coach.register.title"))
    programmes = api.programmes()
    if not programmes:
        st.warning(t("coach.register.no_programme"))
        return
    # outside the form: the fields below are the chosen programme's
    programme = st.selectbox(t("coach.programme"), [p.id for p in programmes],
                             format_func=lambda p: api.catalog.programme(p).name.sv, key="reg_programme")
    chosen = api.catalog.programme(programme)
    with st.form("register"):
        code = st.text_input(t("coach.register.code"), key="reg_code")
        # both start empty: an untouched field must never become data
        gender = st.selectbox(t("coach.register.gender"), list(GENDER_CHOICES), format_func=_gender, index=None,
                              placeholder=t("coach.registry.choose"), key="reg_gender")
        birth_year = st.number_input(t("coach.register.birth_year"), min_value=1920, max_value=date.today().year,
                                     value=None, step=1, placeholder=t("coach.register.birth_year_placeholder"),
                                     key="reg_birth_year")
        started = st.date_input(t("coach.register.started"), value=date.today(), format="YYYY-MM-DD")
        parties = chosen.referral_parties
        referred_by = st.selectbox(t("coach.register.referred_by"), [None] + [p.id for p in parties],
                                   format_func=lambda p: t("coach.register.no_referral") if p is None else
                                   next(x.label.sv for x in parties if x.id == p))
        referred_on = st.date_input(t("coach.register.referred_on"), value=date.today(), format="YYYY-MM-DD")
        background = _registry_inputs(chosen.registry_fields_at("start"), f"start_{chosen.id}",
                                      t("coach.registry.start_heading"))
        st.markdown(t("coach.register.consent_heading"))
        consent_given = st.checkbox(t("coach.register.consent_given"), key="reg_consent")
        versions = api.consent_versions()  # from configuration (`stegvis config consent_versions`)
        version = st.selectbox(t("coach.register.consent_version"), versions, index=0 if len(versions) == 1 else None,
                               placeholder=t("coach.registry.choose"), key="reg_consent_version")
        scope = st.text_input(t("coach.register.consent_scope"), value=t("coach.register.consent_scope_default"))
        if st.form_submit_button(t("coach.register.submit"), type="primary"):
            if not consent_given or not version:
                st.error(t("coach.register.consent_required"))
                return
            if gender is None:
                st.error(t("coach.register.gender_required"))
                return
            try:
                api.register_participant(code, gender, None if birth_year is None else int(birth_year), programme,
                                         started.isoformat(), version, scope,
                                         referred_by=referred_by,
                                         referred_on=referred_on.isoformat() if referred_on else None,
                                         background=background)
            except StegvisError as exc:
                st.error(plain(exc.say()))
            else:
                st.session_state["registered"] = code.strip()
    registered = st.session_state.get("registered")
    if registered:  # registration ends by offering the intake survey, on the person's own page
        st.success(t("coach.register.done", code=plain(registered)))
        if st.button(t("coach.register.to_intake"), type="primary", key="reg_to_intake"):
            del st.session_state["registered"]
            open_participant(registered)
    _referral_not_enrolled(api, programmes)


def _referral_not_enrolled(api, programmes) -> None:
    """A referral that did not lead to enrolment (or waits for a decision): no code, no name."""
    with st.expander(t("coach.referral.title")):
        with st.form("referral"):
            programme = st.selectbox(t("coach.programme"), [p.id for p in programmes],
                                     format_func=lambda p: api.catalog.programme(p).name.sv, key="ref_programme")
            parties = programmes[0].referral_parties
            party = st.selectbox(t("coach.register.referred_by"), [p.id for p in parties],
                                 format_func=lambda p: next(x.label.sv for x in parties if x.id == p), key="ref_party")
            referred_on = st.date_input(t("coach.register.referred_on"), value=date.today(), format="YYYY-MM-DD",
                                        key="ref_on")
            gender = st.selectbox(t("coach.register.gender"), list(GENDER_CHOICES), format_func=_gender, key="ref_gender")
            birth_year = st.number_input(t("coach.register.birth_year"), min_value=1920, max_value=date.today().year,
                                         value=None, step=1, key="ref_birth_year")
            decision = st.radio(t("coach.referral.decision"), ["ej_inskriven", "vantar"], horizontal=True,
                                format_func=lambda d: t(DECISIONS[d]), key="ref_decision")
            reason = st.text_input(t("coach.referral.reason"), key="ref_reason")
            if st.form_submit_button(t("coach.referral.save")):
                try:
                    api.record_referral(programme, referred_on.isoformat(), party, gender,
                                        int(birth_year) if birth_year else None, decision, reason or None)
                    st.success(t("coach.referral.saved"))
                except StegvisError as exc:
                    st.error(plain(exc.say()))


def trends_page() -> None:
    api = access()
    st.title(t("coach.trends.title"))
    instruments = [i for i in api.catalog.latest_instruments()
                   if any(s.reliable_change for s in i.scales)]
    drawn = False
    for instrument in instruments:
        scale = instrument.headline_scale
        scores = api.caseload_scores(instrument.id)
        if scores.empty or scale.id not in scores:
            continue
        drawn = True
        pairs = paired_change(scores, scale.id, reliable=scale.reliable_change)
        summary = summarise_change(pairs)
        st.header(t("coach.trends.heading", instrument=plain(instrument.title.sv)), anchor=False)
        if summary.n == 0:
            st.write(t("coach.trends.none"))
            continue
        a, b, c = st.columns(3)
        a.metric(t("coach.trends.pairs"), summary.n)
        b.metric(t("report.column.andel_forbattrade"), f"{summary.share_improved * 100:.0f} %")
        c.metric(t("report.column.andel_tillforlitligt"), f"{(summary.share_reliably_improved or 0) * 100:.0f} %",
                 help=t("coach.trends.rci"))
        ordered = scores.dropna(subset=[scale.id]).sort_values("completed_at")
        when, gender = t("coach.trends.when"), t("coach.trends.gender")
        first = ordered.groupby("participant_id").first().assign(**{when: t("coach.trends.first")})
        latest = ordered.groupby("participant_id").last().assign(**{when: t("coach.trends.latest")})
        both = pd.concat([first, latest])
        both[gender] = both["gender"].map(gender_label)
        figure = px.box(both, x=gender, y=scale.id, color=when, points="all",
                        color_discrete_sequence=[charts.GREY, charts.BLUE],
                        labels={scale.id: scale.label.sv})
        st.plotly_chart(charts.layout(figure, t("coach.trends.chart")),
                        config={"displayModeBar": False})
        st.caption(plain(instrument.notice.sv) if instrument.notice else "")
    if not drawn:  # a coach whose people answer no instrument with a measured change
        st.info(t("coach.trends.nothing"))
