"""The participant's pages: the code page (the app's front page), one question per screen,
the summary with "Skicka in", and the thank-you page with the participant's own progress.
Calm, plain words (Swedish or English: foundation/locale), big targets, no timers; every
answer is saved the moment it is given."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from stegvis import charts
from dashboards.common import entrance, plain
from foundation import texts
from foundation.errors import StegvisError, StorageFault
from stegvis.visits import CodePaused
from surveys.answers import DONT_KNOW, SKIPPED, AnswerRefused, is_skippable
from surveys.guessing import tab_wait
from surveys.sessions import InvalidCode

# Big, calm, keyboard-friendly: ≥ 48 px targets, ≥ 18 px question text, visible focus, no sidebar.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
.block-container {max-width: 760px; padding-top: 2rem;}
.stApp p, .stApp li, .stApp label {font-size: 1.15rem;}
.stButton button, .stFormSubmitButton button {min-height: 3.25rem; min-width: 3.25rem; width: 100% !important;
    font-size: 1.2rem; border-radius: 0.75rem; border: 2px solid #1f5fa8;}
.stButton > button:focus-visible, input:focus-visible, textarea:focus-visible {outline: 3px solid #E69F00;
    outline-offset: 2px;}
.stTextInput input {font-size: 1.6rem; min-height: 3.25rem; letter-spacing: 0.2em; text-transform: uppercase;}
[data-testid="stCheckbox"] label {min-height: 3rem; align-items: center;}
[data-testid="stCheckbox"] label span {transform: scale(1.4); margin-right: 0.6rem;}
.stProgress > div > div {height: 0.8rem;}
</style>
"""

def _address() -> str | None:
    """The browser's network address as the server sees it (behind a reverse proxy, the proxy's
    unless it passes the client's on; see docs/reliability.md)."""
    address = getattr(st.context, "ip_address", None)
    return address if isinstance(address, str) else None


def _tab_wait_left() -> float:
    """This tab's own wait after repeated wrong codes (kept in the session: other tablets on the
    same network or browser are not affected; a reload starts afresh, the address and server
    limits in surveys/guessing.py still hold)."""
    return max(0.0, st.session_state.get("code_wait_until", 0.0) - time.monotonic())


def _tab_missed() -> None:
    state = st.session_state
    state["code_misses"] = state.get("code_misses", 0) + 1
    state["code_wait_until"] = time.monotonic() + tab_wait(state["code_misses"])


def t(key: str, **values) -> str:
    """A text of the catalogue in the participant's language."""
    return texts.t(key, st.session_state.get("lang", "sv"), **values)


def shared_title(instrument, lang: str) -> str:
    """The instrument's own name, and whether the coach chose to share it (the definition says)."""
    name = instrument.title.get(lang)
    return t("survey.shared_title", name=name) if instrument.participant_view == "coach_shares" else name


def page() -> None:
    st.markdown(CSS, unsafe_allow_html=True)
    state = st.session_state
    state.setdefault("lang", "sv")
    if state.get("thanks_visit"):
        thanks(state["thanks_visit"])
        return
    if not state.get("visit"):
        start()
        return
    cur = _visit().current()
    if cur is None:
        state["thanks_visit"], state["visit"] = state["visit"], None
        st.rerun()
    key = ("pos", cur.part.session_id)
    if key not in state:
        state[key] = cur.first_unanswered()
    position = min(state[key], len(cur.questions))
    if position < len(cur.questions):
        question(cur, position, key)
    else:
        review(cur, key)


def start() -> None:
    state = st.session_state
    choice = st.segmented_control(t("survey.language"), ["Svenska", "English"],
                                  default="English" if state["lang"] == "en" else "Svenska", key="lang_choice")
    state["lang"] = "en" if choice == "English" else "sv"
    st.title(t("survey.welcome"))
    st.write(t("survey.intro"))
    prefilled = st.query_params.get("kod", "")
    with st.form("code_form", border=False):
        code = st.text_input(t("survey.code"), value=prefilled, max_chars=12, key="code_input")
        st.caption(t("survey.code_help"))
        go = st.form_submit_button(t("survey.start"), type="primary")
    if go:
        if _tab_wait_left() > 0:
            st.warning(t("survey.wait"))
        else:
            try:
                visit = entrance().open_code(code, _address())
            except CodePaused as paused:
                if paused.pause.scope == "server":
                    st.info(t("survey.paused"))
                else:
                    st.warning(t("survey.wait"))
            except InvalidCode as exc:
                _tab_missed()
                st.error(exc.say(state["lang"]))
            else:
                for name in ("code_misses", "code_wait_until"):
                    state.pop(name, None)
                state["visit"] = visit.visit_id
                st.query_params.clear()
                st.rerun()
    st.markdown("[" + t("survey.staff") + "](/login)")


def _visit():
    """The visit this browser session opened with its code: all the page can reach."""
    return entrance().visit(st.session_state["visit"])


def _programme_name(cur) -> str:
    return _visit().programme_name(st.session_state["lang"])


def _save(action) -> bool:
    """Run a save; on a storage fault say so calmly and do not move on (nothing is confirmed)."""
    try:
        action()
        return True
    except StorageFault:
        st.error(t("survey.save_failed"))
        return False


def _go(key, position) -> None:
    st.session_state[key] = position
    st.rerun()


def question(cur, position: int, key) -> None:
    lang = st.session_state["lang"]
    items = cur.questions
    item = items[position]
    wording = _visit().wording(cur.instrument, lang)
    words = wording.item(item, _programme_name(cur))
    if cur.of > 1:
        st.caption(t("survey.part", n=cur.number, m=cur.of) + f" · {plain(wording.title())}")
    else:
        st.caption(plain(wording.title()))
    st.progress(position / len(items), text=t("survey.question", n=position + 1, m=len(items)))
    if position == 0 and cur.instrument.intro:
        st.info(plain(cur.instrument.intro.get(lang)))
    st.subheader(plain(words.text), anchor=False)
    existing = cur.answers.get(item.id)
    current_value = existing.value if existing else None

    def answer_and_next(value=None, status="answered", other=None):
        if _save(lambda: _visit().give(cur, item.id, value, status=status, other_text=other)):
            # A change made from the summary returns to the summary.
            editing = st.session_state.pop(("editing", cur.part.session_id), False)
            _go(key, len(cur.questions) if editing else position + 1)

    if item.kind == "scale":
        scale = cur.instrument.response_scale(item.scale)
        steps = list(range(scale.min, scale.max + 1))
        labels = {s.value: plain(s.label.get(lang)) for s in scale.steps}  # shown as labels: Markdown
        per_row = len(steps) if len(steps) <= 7 else (len(steps) + 1) // 2
        for row_start in range(0, len(steps), per_row):
            columns = st.columns(per_row)
            for column, value in zip(columns, steps[row_start:row_start + per_row]):
                text = f"{value}" + (f" · {labels[value]}" if value in labels and len(steps) > 7 else
                                     (f"\n{labels[value]}" if value in labels else ""))
                if column.button(text, key=f"step-{item.id}-{value}", help=labels.get(value),
                                 type="primary" if current_value == value else "secondary"):
                    answer_and_next(value)
        if words.low or words.high:
            left, right = st.columns(2)
            left.markdown(f"**{scale.min}** = {plain(words.low)}")
            right.markdown(f"**{scale.max}** = {plain(words.high)}")
        if scale.dont_know:
            if st.button(plain(scale.dont_know.get(lang)), key=f"dk-{item.id}",
                         type="primary" if existing and existing.status == DONT_KNOW else "secondary"):
                answer_and_next(status=DONT_KNOW)
    elif item.kind in ("single_choice", "yes_no"):
        other_choice = next((c for c in item.options() if c.other_text), None)
        other = st.text_input(t("survey.other"), value=(existing.other_text or "") if existing else "",
                              key=f"other-{item.id}") if other_choice else None
        for choice in item.options():
            if st.button(plain(choice.label.get(lang)), key=f"choice-{item.id}-{choice.id}",
                         type="primary" if current_value == choice.id else "secondary"):
                answer_and_next(choice.id, other=other if choice.other_text else None)
    elif item.kind == "multiple_choice":
        st.caption(t("survey.choose_several"))
        chosen = [c.id for c in item.options()
                  if st.checkbox(plain(c.label.get(lang)), value=bool(current_value and c.id in current_value),
                                 key=f"multi-{item.id}-{c.id}")]
        needs_text = any(c.other_text and c.id in chosen for c in item.options())
        other = st.text_input(t("survey.other"), value=(existing.other_text or "") if existing else "",
                              key=f"other-{item.id}") if needs_text else None
        if st.button(t("survey.next"), key=f"save-{item.id}", type="primary", disabled=not chosen):
            answer_and_next(chosen, other=other or None)
    else:
        if item.kind == "free_text":
            value = st.text_area(t("survey.your_answer"), value=current_value or "", key=f"text-{item.id}", height=150)
        elif item.kind == "number":
            value = st.number_input(t("survey.your_answer"), min_value=item.min, max_value=item.max,
                                    value=current_value, key=f"num-{item.id}")
        else:
            value = st.date_input(t("survey.your_answer"), value=pd.to_datetime(current_value).date() if current_value else None,
                                  key=f"date-{item.id}", format="YYYY-MM-DD")
            value = value.isoformat() if value else None
        if st.button(t("survey.next"), key=f"save-{item.id}", type="primary"):
            if value in (None, "") and is_skippable(cur.instrument, item):
                answer_and_next(status=SKIPPED)
            elif value not in (None, ""):
                try:
                    answer_and_next(value)
                except AnswerRefused as exc:
                    st.error(plain(exc.say(st.session_state["lang"])))
                except StegvisError as exc:  # the refusals only the command line meets: shown without the item
                    st.error(plain(str(exc).split(": ", 1)[-1]))
    st.divider()
    back, skip, forward = st.columns(3)
    if position > 0 and back.button(t("survey.back"), key=f"back-{item.id}"):
        _go(key, position - 1)
    if is_skippable(cur.instrument, item) and skip.button(t("survey.skip"), key=f"skip-{item.id}"):
        answer_and_next(status=SKIPPED)
    if existing and item.kind in ("scale", "single_choice", "yes_no") and forward.button(t("survey.next"), key=f"fwd-{item.id}"):
        _go(key, position + 1)


def review(cur, key) -> None:
    lang = st.session_state["lang"]
    st.progress(1.0, text=t("survey.summary"))
    st.subheader(t("survey.summary"), anchor=False)
    st.write(t("survey.summary_help"))
    for index, text, answer in _visit().summary(cur, lang):
        with st.container(border=True):
            left, right = st.columns([5, 1.4])
            left.markdown(f"**{index + 1}.** {plain(text)}")
            left.markdown(f"→ {plain(answer)}")  # the participant's own text: shown as typed
            if right.button(t("survey.change"), key=f"change-{index}"):
                st.session_state[("editing", cur.part.session_id)] = True
                _go(key, index)
    if st.button(t("survey.send"), type="primary", key="send"):
        if _save(lambda: _visit().send_in(cur)):
            st.rerun()
    if st.button(t("survey.back"), key="summary-back"):
        _go(key, len(cur.questions) - 1)


def thanks(visit_id: str) -> None:
    state = st.session_state
    st.title(t("survey.thanks"))
    st.write(t("survey.thanks_body"))
    if not state.get("show_progress"):
        if st.button(t("survey.show_progress"), key="show_progress_btn"):
            state["show_progress"] = True
            st.rerun()
    else:
        own_progress(visit_id)
    if st.button(t("survey.done"), type="primary", key="done"):
        for name in ("thanks_visit", "show_progress", "visit"):
            state.pop(name, None)
        st.rerun()


def own_progress(visit_id: str) -> None:
    """The participant's own results only: from the visit they just answered."""
    lang = st.session_state["lang"]
    visit = entrance().visit(visit_id)
    st.subheader(t("survey.progress_title"), anchor=False)
    shown = False
    for result in visit.own_results():
        instrument, responses = result.instrument, result.responses
        if instrument.current_desired:
            latest = responses.iloc[-1].dropna().to_dict()
            previous = responses.iloc[-2].dropna().to_dict() if len(responses) > 1 else None
            st.plotly_chart(charts.radar(instrument, latest, previous, lang, t("survey.now_title")),
                            config={"displayModeBar": False})
            shown = True
        elif instrument.scales:
            from indicators.scoring import scored as scores_of

            scored = scores_of(instrument, responses, ["completed_at"])
            scored[charts.OCCASION] = scored["completed_at"].str[:10]
            st.caption(plain(instrument.notice.get(lang)) if instrument.notice else "")
            st.plotly_chart(charts.lines_over_time(scored, {s.id: s.label.get(lang) for s in instrument.scales},
                                                   title=shared_title(instrument, lang)), config={"displayModeBar": False})
            shown = True
        else:
            wording = visit.wording(instrument, lang)
            numeric = [i for i in instrument.items if i.kind == "scale" and i.id in responses]
            if not numeric:
                continue
            frame = responses.assign(**{charts.OCCASION: responses["completed_at"].str[:10]})
            labels = {i.id: _short(wording.item(i, "").text) for i in numeric}
            st.plotly_chart(charts.lines_over_time(frame, labels, title=t("survey.ratings_title")),
                            config={"displayModeBar": False})
            shown = True
    if not shown:
        st.write(t("survey.nothing_yet"))


def _short(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"

