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
from dashboards.qr import qr_png, survey_url
from indicators.change import paired_change, summarise_change
from stegvis.reports import gender_label
from indicators.schedule import todos
from foundation.errors import StegvisError
from surveys.answers import Answer
from surveys.sessions import RepeatVisit
from surveys.survey_flow import answer_text

GENDER_CHOICES = {"kvinna": "Kvinna", "man": "Man", "annat": "Annat", "vill_inte_uppge": "Vill inte uppge"}
KIND_LABELS = {"overdue": "Försenad", "due": "Dags", "near_max": "Nära maxtid", "past_max": "Över maxtid",
               "code_expired": "Kod gick ut"}


def _programme_name(api, programme_id: str) -> str:
    return api.catalog.programme(programme_id).name.sv


def _todo_list(api, caseload: pd.DataFrame, today: date) -> list:
    sessions = api.caseload_sessions()
    found = []
    for row in caseload[caseload["exited_on"].isna()].to_dict("records"):
        mine = sessions[sessions["participant_id"] == row["participant_id"]]
        found += todos(api.catalog.programme(row["programme_id"]), row, mine, today)
    return found


def caseload_page() -> None:
    api = access()
    st.title("Mina deltagare")
    caseload = api.caseload()
    if caseload.empty:
        st.info("Du har inga deltagare ännu. Registrera en under ”Ny deltagare”.")
        return
    today = date.today()
    tasks = _todo_list(api, caseload, today)
    codes = dict(zip(caseload["participant_id"], caseload["code"]))
    st.subheader(f"Att göra ({len(tasks)})", anchor=False)
    if tasks:
        order = {"overdue": 0, "past_max": 1, "code_expired": 2, "due": 3, "near_max": 4}
        st.dataframe(pd.DataFrame([{"Deltagare": codes[t.participant_id], "Vad": KIND_LABELS[t.kind],
                                    "Detaljer": t.text, "Datum": t.on}
                                   for t in sorted(tasks, key=lambda t: (order[t.kind], t.on))]),
                     hide_index=True, width="stretch")
    else:
        st.success("Inget att göra just nu.")

    st.subheader("Deltagare", anchor=False)
    left, middle, right = st.columns([1.8, 1.6, 1.6], vertical_alignment="bottom")  # room for the toggle label
    programmes = sorted(caseload["programme_id"].unique())
    chosen = left.multiselect("Insats", programmes, default=programmes, format_func=lambda p: _programme_name(api, p))
    text = middle.text_input("Sök kod")
    show_exited = right.toggle("Visa avslutade", value=False)
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
            next_due[task.participant_id] = f"{task.on} ({KIND_LABELS[task.kind].lower()})"
    flags = _latest_flags(api)
    started = pd.to_datetime(view["started_on"])
    ended = pd.to_datetime(view["exited_on"]).fillna(pd.Timestamp(today))
    table = pd.DataFrame({
        "Kod": view["code"], "Insats": view["programme_id"].map(lambda p: _programme_name(api, p)),
        "Veckor": ((ended - started).dt.days // 7).astype(int), "Senaste enkät": view["participant_id"].map(last),
        "Nästa tillfälle": view["participant_id"].map(next_due), "Flaggor": view["participant_id"].map(flags),
        "Avslutad": view["exited_on"], "Avslutsorsak": view["outcome"],
    })
    st.dataframe(table.astype(object).where(table.notna(), ""), hide_index=True, width="stretch")
    st.caption(f"{len(table)} av {len(caseload)} inskrivningar. Klicka på en kolumnrubrik för att sortera.")


def _latest_flags(api) -> dict:
    """The flags of each participant's latest scored response, by flag label."""
    labels = {}
    result: dict[int, str] = {}
    for instrument in api.catalog.latest_instruments():
        if not any(s.flags for s in instrument.scales):
            continue
        for scale in instrument.scales:
            for flag in scale.flags:
                labels[flag.id] = flag.label.sv
        scores = api.caseload_scores(instrument.id)
        if scores.empty or "flags" not in scores:
            continue
        latest = scores.sort_values("completed_at").groupby("participant_id").last()
        for pid, fired in latest["flags"].astype(str).items():
            names = [labels.get(f, f) for f in fired.split(";") if f and f != "nan"]
            if names:
                result[pid] = "; ".join(names)
    return result


def _pick_participant(api) -> int | None:
    """The participant the coach chooses; nobody until they do, since opening a person's page
    is logged as a view. Current participants first, those who have left after them."""
    caseload = api.caseload()
    if caseload.empty:
        st.info("Du har inga deltagare ännu.")
        return None
    active = set(caseload.loc[caseload["exited_on"].isna(), "participant_id"])
    people = caseload.drop_duplicates("participant_id")
    people = people.assign(left=~people["participant_id"].isin(active)).sort_values(["left", "code"], kind="stable")
    codes = dict(zip(people["code"], people["participant_id"]))
    left = set(people.loc[people["left"], "code"])
    chosen = st.selectbox("Deltagare", list(codes), index=None, placeholder="Välj deltagare",
                          format_func=lambda c: f"{c} (avslutad)" if c in left else c, key="coach_participant")
    return None if chosen is None else int(codes[chosen])


def participant_page() -> None:
    api = access()
    st.title("Deltagare")
    participant_id = _pick_participant(api)
    _forget_other_codes(participant_id)
    if participant_id is None:
        return
    person = api.participant(participant_id)  # logged as viewed
    # the enrolment surveys are opened in: the current one, else the latest
    enrolment = sorted(person["enrolments"], key=lambda e: (e["exited_on"] is None, e["started_on"]))[-1]
    programme = api.catalog.programme(enrolment["programme_id"])
    # The code is data (imported, typed by anyone): shown as its characters, never as Markdown.
    st.markdown(f"**{plain(person['code'])}** · {GENDER_CHOICES.get(person['gender'], person['gender'])} · född "
                f"{person['birth_year'] or 'okänt'} · {plain(programme.name.sv)} sedan {enrolment['started_on']}"
                + (f" · avslutad {enrolment['exited_on']} ({plain(programme.outcome_label(enrolment['outcome']))})"
                   if enrolment["exited_on"] else ""))
    survey_tab, kasam_tab, state_tab, other_tab, exit_tab = st.tabs(
        ["Starta enkät", "KASAM", "Nuläge och önskat läge", "Övriga enkäter", "Avslut"])
    with survey_tab:
        _start_survey(api, person, enrolment, programme)
    answers = api.participant_answers(participant_id)
    with kasam_tab:
        _kasam(api, participant_id, person, programme)
    with state_tab:
        _current_desired(api, participant_id)
    with other_tab:
        _other_surveys(api, answers)
    with exit_tab:
        _record_exit(api, enrolment, programme)


def _forget_other_codes(participant_id: int | None) -> None:
    """A new code and a pending "start again" belong to the participant they were made for:
    choosing anyone else (or nobody) drops them, so a code is never handed to the wrong person."""
    for key in ("new_code", "repeat_pending"):
        if key in st.session_state and st.session_state[key]["participant_id"] != participant_id:
            del st.session_state[key]


def _start_survey(api, person: dict, enrolment: dict, programme) -> None:
    participant_id = person["id"]
    occasions = [o for o in programme.occasions if not enrolment["exited_on"] or o.anchor == "exit"]
    if enrolment["exited_on"]:
        st.caption(f"Avslutad {enrolment['exited_on']}: bara tillfällen efter avslut kan startas.")
    if not occasions:
        st.info("Insatsen har inga tillfällen efter avslut.")
        return
    occasion = st.selectbox("Tillfälle", [o.id for o in occasions],
                            format_func=lambda o: programme.occasion(o).label.sv, key="survey_occasion")
    options = programme.occasion(occasion).instruments
    chosen = st.multiselect("Enkäter (i den ordning de besvaras)", options, default=options,
                            format_func=lambda i: api.catalog.instrument(i).title.sv,
                            # per programme and occasion: a choice made for another occasion does not carry over
                            key=f"survey_instruments_{programme.id}_{occasion}")
    for instrument_id in chosen:
        problem = api.licence_problem(instrument_id)
        if problem:
            st.warning(problem)
    request = {"participant_id": participant_id, "occasion": occasion, "instruments": list(chosen)}
    again = False
    if st.button("Starta enkät", type="primary", disabled=not chosen, key="start_survey"):
        st.session_state.pop("repeat_pending", None)
    elif st.session_state.get("repeat_pending", {}).get("request") == request:
        st.warning(st.session_state["repeat_pending"]["message"])
        again = st.button("Ja, starta en enkät till", key="start_survey_again")
        if not again:
            request = None
    else:
        request = None
    if request is not None:
        try:
            visit, code = api.open_visit(participant_id, occasion, chosen, programme_id=programme.id, again=again)
        except RepeatVisit as exc:
            st.session_state["repeat_pending"] = {"participant_id": participant_id, "request": request,
                                                  "message": str(exc)}
            st.warning(str(exc))
            st.button("Ja, starta en enkät till", key="start_survey_again")
        except StegvisError as exc:
            st.error(plain(str(exc)))
        else:
            st.session_state.pop("repeat_pending", None)
            st.session_state["new_code"] = {"participant_id": participant_id, "owner": person["code"],
                                            "code": code, "expires": visit.expires_at[:10]}
    shown = st.session_state.get("new_code")
    if shown and shown["participant_id"] == participant_id:
        left, right = st.columns([2, 1])
        left.markdown(f"Koden till **{shown['owner']}**, ge den till deltagaren:\n\n# `{shown['code']}`\n\n"
                      f"Gäller till {shown['expires']} och tills enkäten är inskickad. Koden visas bara nu.")
        left.caption(survey_url(shown["code"]))
        right.image(qr_png(shown["code"]), caption=f"Öppna enkäten i mobilen ({shown['owner']})", width=200)


def _kasam(api, participant_id: int, person: dict, programme) -> None:
    instruments = [i for i in api.catalog.latest_instruments() if i.scales and i.participant_view == "coach_shares"]
    shown = False
    for instrument in instruments:
        responses = api.participant_responses(participant_id, instrument.id)
        if responses.empty:
            continue
        shown = True
        from indicators.scoring import missing_reasons, score

        scored = pd.concat([responses[["occasion", "completed_at"]], score(instrument, responses)], axis=1)
        names = {o.id: o.label.sv for o in programme.occasions}
        scored["Tillfälle"] = scored["occasion"].map(lambda o: names.get(o, o)) + " " + scored["completed_at"].str[:10]
        st.info(plain(instrument.notice.sv) if instrument.notice else "Stöd för samtalet, inte en diagnos.")
        st.plotly_chart(charts.scale_over_time(instrument, "total", scored), config={"displayModeBar": False})
        subscales = [s.id for s in instrument.scales if s.id != "total"]
        if subscales:
            st.plotly_chart(charts.lines_over_time(scored, {s: instrument.scale(s).label.sv for s in subscales},
                                                   title="Delskalor"), config={"displayModeBar": False})
        table = scored[["Tillfälle", *[s.id for s in instrument.scales]]].round(1)
        st.dataframe(table.rename(columns={s.id: s.label.sv for s in instrument.scales}), hide_index=True)
        reasons = missing_reasons(instrument, responses)
        for n, row in reasons.iterrows():
            for scale_id, why in row.items():
                if why:
                    st.caption(plain(f"{scored.loc[n, 'Tillfälle']}: {instrument.scale(scale_id).label.sv} saknas ({why})."))
        latest = scored.iloc[-1]
        flag_text = {f.id: (f.label.sv, f.text.sv) for s in instrument.scales for f in s.flags}
        for flag_id in [f for f in str(latest["flags"]).split(";") if f and f != "nan"]:
            label, text = flag_text[flag_id]
            st.warning(f"**{plain(label)}.** {plain(text)}")
    if not shown:
        st.write("Inga KASAM-svar ännu.")
        return
    shared = st.toggle("Visa KASAM för deltagaren på tack-sidan", value=bool(person["share_kasam"]),
                       key="share_kasam_toggle")
    if shared != bool(person["share_kasam"]):
        api.set_share_kasam(participant_id, shared)
        st.rerun()


def _current_desired(api, participant_id: int) -> None:
    shown = False
    for instrument in api.catalog.latest_instruments():
        if not instrument.current_desired:
            continue
        responses = api.participant_responses(participant_id, instrument.id)
        if responses.empty:
            continue
        shown = True
        latest = responses.iloc[-1].dropna().to_dict()
        previous = responses.iloc[-2].dropna().to_dict() if len(responses) > 1 else None
        first = responses.iloc[0].dropna().to_dict() if len(responses) > 1 else None
        st.plotly_chart(charts.radar(instrument, latest, previous,
                                     title=f"Senast {str(latest.get('completed_at', ''))[:10]}"),
                        config={"displayModeBar": False})
        st.dataframe(charts.gaps_table(instrument, latest, first), hide_index=True)
    if not shown:
        st.write("Inga svar om nuläge och önskat läge ännu.")


def _other_surveys(api, answers: pd.DataFrame) -> None:
    other = answers[~answers["instrument_id"].map(
        lambda i: bool(api.catalog.instrument(i).current_desired or api.catalog.instrument(i).scales))]
    if other.empty:
        st.write("Inga övriga svar ännu.")
        return
    for (session_id, instrument_id, version, at), rows in other.groupby(
            ["session_id", "instrument_id", "instrument_version", "at"], sort=False):
        instrument = api.catalog.instrument(instrument_id, int(version))
        wording = api.wording(instrument_id, int(version))
        with st.expander(plain(f"{wording.title()} · {rows['occasion'].iloc[0]} · {str(at)[:10]}")):
            lines = []
            for row in rows.to_dict("records"):
                item = instrument.item(row["item_id"])
                answer = Answer(row["item_id"], row["status"], row["value_num"], row["value_text"], row["other_text"],
                                row["value_type"])
                lines.append({"Fråga": wording.item(item).text, "Svar": answer_text(instrument, item, answer)})
            # st.dataframe shows text as text: a free-text answer with HTML or a formula stays inert
            st.dataframe(pd.DataFrame(lines), hide_index=True, width="stretch")


def _record_exit(api, enrolment: dict, programme) -> None:
    if enrolment["exited_on"]:
        st.write(f"Avslutad {enrolment['exited_on']}: {plain(programme.outcome_label(enrolment['outcome']))}.")
        return
    with st.form("exit_form"):
        exited_on = st.date_input("Avslutsdatum", value=date.today(), format="YYYY-MM-DD")
        outcome = st.selectbox("Avslutsorsak", [o.id for o in programme.outcomes],
                               format_func=programme.outcome_label)
        if st.form_submit_button("Registrera avslut", type="primary"):
            try:
                api.record_exit(enrolment["id"], exited_on.isoformat(), outcome)
                st.success("Avslutet är registrerat.")
            except StegvisError as exc:
                st.error(plain(str(exc)))


def register_page() -> None:
    api = access()
    st.title("Ny deltagare")
    programmes = api.programmes()
    if not programmes:
        st.warning("Du är inte coach i någon insats. Be en administratör lägga till dig.")
        return
    with st.form("register"):
        code = st.text_input("Kod (inte personnummer eller namn)", key="reg_code")
        gender = st.selectbox("Kön", list(GENDER_CHOICES), format_func=GENDER_CHOICES.get)
        birth_year = st.number_input("Födelseår", min_value=1920, max_value=date.today().year, value=1990, step=1)
        programme = st.selectbox("Insats", [p.id for p in programmes],
                                 format_func=lambda p: api.catalog.programme(p).name.sv)
        started = st.date_input("Startdatum", value=date.today(), format="YYYY-MM-DD")
        st.markdown("**Samtycke** (seed 004, bilaga 4 och 6)")
        consent_given = st.checkbox("Deltagaren har gett sitt samtycke", key="reg_consent")
        version = st.text_input("Version av samtyckestexten", value="samtycke-2024-1")
        scope = st.text_input("Samtycket omfattar", value="Behandling av svar och uppföljning inom insatsen")
        if st.form_submit_button("Registrera", type="primary"):
            if not consent_given:
                st.error("Samtycke krävs innan deltagaren kan registreras.")
                return
            try:
                api.register_participant(code, gender, int(birth_year), programme, started.isoformat(), version, scope)
                st.success(f"{plain(code.strip())} är registrerad.")
            except StegvisError as exc:
                st.error(plain(str(exc)))


def trends_page() -> None:
    api = access()
    st.title("Trender i min grupp")
    instruments = [i for i in api.catalog.latest_instruments()
                   if any(s.reliable_change for s in i.scales)]
    for instrument in instruments:
        scores = api.caseload_scores(instrument.id)
        if "total" not in scores or scores.empty:
            continue
        scale = instrument.scale("total") if any(s.id == "total" for s in instrument.scales) else instrument.scales[0]
        pairs = paired_change(scores, scale.id, reliable=scale.reliable_change)
        summary = summarise_change(pairs)
        st.subheader(f"{plain(instrument.title.sv)}: förändring från första till senaste tillfället", anchor=False)
        if summary.n == 0:
            st.write("Ingen har svarat mer än en gång ännu.")
            continue
        a, b, c = st.columns(3)
        a.metric("Deltagare med två mätningar", summary.n)
        b.metric("Andel förbättrade", f"{summary.share_improved * 100:.0f} %")
        c.metric("Andel tillförlitligt förbättrade", f"{(summary.share_reliably_improved or 0) * 100:.0f} %",
                 help="Jacobson–Truax: förändringen är större än mätfelet (RCI ≥ 1,96).")
        ordered = scores.dropna(subset=[scale.id]).sort_values("completed_at")
        first = ordered.groupby("participant_id").first().assign(När="Första")
        latest = ordered.groupby("participant_id").last().assign(När="Senaste")
        both = pd.concat([first, latest])
        both["Kön"] = both["gender"].map(gender_label)
        figure = px.box(both, x="Kön", y=scale.id, color="När", points="all",
                        color_discrete_sequence=[charts.GREY, charts.BLUE],
                        labels={scale.id: scale.label.sv})
        st.plotly_chart(charts.layout(figure, "Fördelning första och senaste gången, per kön"),
                        config={"displayModeBar": False})
        st.caption(plain(instrument.notice.sv) if instrument.notice else "")
