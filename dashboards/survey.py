"""The participant's pages: the code page (the app's front page), one question per screen,
the summary with "Skicka in", and the thank-you page with the participant's own progress.
Calm, plain Swedish, big targets, no timers; every answer is saved the moment it is given."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from stegvis import charts
from dashboards.common import entrance, plain
from foundation.errors import StegvisError, StorageFault
from stegvis.visits import CodePaused
from surveys.answers import DONT_KNOW, SKIPPED, is_skippable
from surveys.guessing import tab_wait
from surveys.sessions import InvalidCode

TEXT = {
    "sv": {
        "welcome": "Välkommen", "intro": "Skriv koden du har fått av din coach. Det finns ingen tidsgräns, "
        "och du kan ta paus när du vill. Dina svar sparas direkt.", "code": "Kod", "start": "Starta",
        "staff": "Personal: logga in", "question": "Fråga {n} av {m}", "back": "Tillbaka", "next": "Nästa",
        "skip": "Hoppa över", "dont_know": "Vet ej", "your_answer": "Ditt svar",
        "summary": "Titta igenom dina svar", "summary_help": "Du kan ändra ett svar innan du skickar in.",
        "change": "Ändra", "send": "Skicka in", "part": "Del {n} av {m}",
        "thanks": "Tack för dina svar!", "thanks_body": "Dina svar är skickade och sparade. Din coach kan se "
        "dem, och ni kan prata om dem nästa gång ni ses. Du behöver inte göra något mer. Du kan stänga sidan nu.",
        "show_progress": "Visa hur det har gått för mig", "done": "Klar", "wait": "Vänta en liten stund och "
        "försök sedan igen. Fråga gärna din coach om du inte får koden att fungera.",
        "save_failed": "Svaret kunde inte sparas just nu. Försök igen om en liten stund. Det du redan har "
        "svarat finns kvar.", "other": "Annat, nämligen", "choose_several": "Du kan välja flera.",
        "progress_title": "Så har det gått för dig", "now_title": "Nuläge och önskat läge",
        "ratings_title": "Dina skattningar över tid", "shared_title": "{name}, som din coach har delat med dig",
        "nothing_yet": "Här finns inget att visa ännu.", "language": "Språk",
        "low_high": "{low} … {high}", "code_help": "Sex tecken, till exempel KASAM2. Stora eller små bokstäver går bra.",
        "paused": "Just nu tar vi en kort paus med att pröva koder, eftersom många felaktiga koder har "
        "skrivits in. Vänta någon minut och försök sedan igen. Fråga gärna din coach om det inte fungerar.",
    },
    "en": {
        "welcome": "Welcome", "intro": "Type the code you got from your coach. There is no time limit, and you "
        "can pause whenever you like. Your answers are saved at once.", "code": "Kod", "start": "Starta",
        "staff": "Staff: log in", "question": "Question {n} of {m}", "back": "Back", "next": "Next",
        "skip": "Skip", "dont_know": "Don't know", "your_answer": "Your answer",
        "summary": "Look through your answers", "summary_help": "You can change an answer before you send it.",
        "change": "Change", "send": "Send", "part": "Part {n} of {m}",
        "thanks": "Thank you for your answers!", "thanks_body": "Your answers are sent and saved. Your coach "
        "can see them, and you can talk about them next time you meet. There is nothing more to do. You can "
        "close the page now.", "show_progress": "Show how things have gone for me", "done": "Done",
        "wait": "Please wait a little while and try again. Ask your coach if the code does not work.",
        "save_failed": "The answer could not be saved just now. Please try again in a moment. What you "
        "already answered is kept.", "other": "Other, namely", "choose_several": "You can choose several.",
        "progress_title": "How things have gone for you", "now_title": "Current and desired state",
        "ratings_title": "Your ratings over time", "shared_title": "{name}, shared with you by your coach",
        "nothing_yet": "Nothing to show yet.", "language": "Language",
        "low_high": "{low} … {high}", "code_help": "Six characters, for example KASAM2. Upper or lower case is fine.",
        "paused": "We are taking a short break from checking codes, because many wrong codes have been typed. "
        "Please wait a minute or two and try again. Ask your coach if it does not work.",
    },
}

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
    return TEXT[st.session_state.get("lang", "sv")][key].format(**values)


def shared_title(instrument, lang: str) -> str:
    """The instrument's own name, and whether the coach chose to share it (the definition says)."""
    name = instrument.title.get(lang)
    return t("shared_title", name=name) if instrument.participant_view == "coach_shares" else name


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
    choice = st.segmented_control(t("language"), ["Svenska", "English"],
                                  default="English" if state["lang"] == "en" else "Svenska", key="lang_choice")
    state["lang"] = "en" if choice == "English" else "sv"
    st.title(t("welcome"))
    st.write(t("intro"))
    prefilled = st.query_params.get("kod", "")
    with st.form("code_form", border=False):
        code = st.text_input(t("code"), value=prefilled, max_chars=12, key="code_input")
        st.caption(t("code_help"))
        go = st.form_submit_button(t("start"), type="primary")
    if go:
        if _tab_wait_left() > 0:
            st.warning(t("wait"))
        else:
            try:
                visit = entrance().open_code(code, _address())
            except CodePaused as paused:
                if paused.pause.scope == "server":
                    st.info(t("paused"))
                else:
                    st.warning(t("wait"))
            except InvalidCode as exc:
                _tab_missed()
                st.error(str(exc) if state["lang"] == "sv" else
                         "The code does not work. Check that it is typed correctly, or ask your coach for a new code.")
            else:
                for name in ("code_misses", "code_wait_until"):
                    state.pop(name, None)
                state["visit"] = visit.visit_id
                st.query_params.clear()
                st.rerun()
    st.markdown(f"[{t('staff')}](/login)")


def _visit():
    """The visit this browser session opened with its code: all the page can reach."""
    return entrance().visit(st.session_state["visit"])


def _programme_name(cur) -> str:
    return entrance().catalog.programme(cur.visit.programme_id).name.get(st.session_state["lang"])


def _save(action) -> bool:
    """Run a save; on a storage fault say so calmly and do not move on (nothing is confirmed)."""
    try:
        action()
        return True
    except StorageFault:
        st.error(t("save_failed"))
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
        st.caption(t("part", n=cur.number, m=cur.of) + f" · {plain(wording.title())}")
    else:
        st.caption(plain(wording.title()))
    st.progress(position / len(items), text=t("question", n=position + 1, m=len(items)))
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
        other = st.text_input(t("other"), value=(existing.other_text or "") if existing else "",
                              key=f"other-{item.id}") if other_choice else None
        for choice in item.options():
            if st.button(plain(choice.label.get(lang)), key=f"choice-{item.id}-{choice.id}",
                         type="primary" if current_value == choice.id else "secondary"):
                answer_and_next(choice.id, other=other if choice.other_text else None)
    elif item.kind == "multiple_choice":
        st.caption(t("choose_several"))
        chosen = [c.id for c in item.options()
                  if st.checkbox(plain(c.label.get(lang)), value=bool(current_value and c.id in current_value),
                                 key=f"multi-{item.id}-{c.id}")]
        needs_text = any(c.other_text and c.id in chosen for c in item.options())
        other = st.text_input(t("other"), value=(existing.other_text or "") if existing else "",
                              key=f"other-{item.id}") if needs_text else None
        if st.button(t("next"), key=f"save-{item.id}", type="primary", disabled=not chosen):
            answer_and_next(chosen, other=other or None)
    else:
        if item.kind == "free_text":
            value = st.text_area(t("your_answer"), value=current_value or "", key=f"text-{item.id}", height=150)
        elif item.kind == "number":
            value = st.number_input(t("your_answer"), min_value=item.min, max_value=item.max,
                                    value=current_value, key=f"num-{item.id}")
        else:
            value = st.date_input(t("your_answer"), value=pd.to_datetime(current_value).date() if current_value else None,
                                  key=f"date-{item.id}", format="YYYY-MM-DD")
            value = value.isoformat() if value else None
        if st.button(t("next"), key=f"save-{item.id}", type="primary"):
            if value in (None, "") and is_skippable(cur.instrument, item):
                answer_and_next(status=SKIPPED)
            elif value not in (None, ""):
                try:
                    answer_and_next(value)
                except StegvisError as exc:
                    st.error(plain(str(exc).split(": ", 1)[-1]))
    st.divider()
    back, skip, forward = st.columns(3)
    if position > 0 and back.button(t("back"), key=f"back-{item.id}"):
        _go(key, position - 1)
    if is_skippable(cur.instrument, item) and skip.button(t("skip"), key=f"skip-{item.id}"):
        answer_and_next(status=SKIPPED)
    if existing and item.kind in ("scale", "single_choice", "yes_no") and forward.button(t("next"), key=f"fwd-{item.id}"):
        _go(key, position + 1)


def review(cur, key) -> None:
    lang = st.session_state["lang"]
    st.progress(1.0, text=t("summary"))
    st.subheader(t("summary"), anchor=False)
    st.write(t("summary_help"))
    for index, text, answer in _visit().summary(cur, lang):
        with st.container(border=True):
            left, right = st.columns([5, 1.4])
            left.markdown(f"**{index + 1}.** {plain(text)}")
            left.markdown(f"→ {plain(answer)}")  # the participant's own text: shown as typed
            if right.button(t("change"), key=f"change-{index}"):
                st.session_state[("editing", cur.part.session_id)] = True
                _go(key, index)
    if st.button(t("send"), type="primary", key="send"):
        if _save(lambda: _visit().send_in(cur)):
            st.rerun()
    if st.button(t("back"), key="summary-back"):
        _go(key, len(cur.questions) - 1)


def thanks(visit_id: str) -> None:
    state = st.session_state
    st.title(t("thanks"))
    st.write(t("thanks_body"))
    if not state.get("show_progress"):
        if st.button(t("show_progress"), key="show_progress_btn"):
            state["show_progress"] = True
            st.rerun()
    else:
        own_progress(visit_id)
    if st.button(t("done"), type="primary", key="done"):
        for name in ("thanks_visit", "show_progress", "visit"):
            state.pop(name, None)
        st.rerun()


def own_progress(visit_id: str) -> None:
    """The participant's own results only: from the visit they just answered."""
    lang = st.session_state["lang"]
    visit = entrance().visit(visit_id)
    st.subheader(t("progress_title"), anchor=False)
    shown = False
    for result in visit.own_results():
        instrument, responses = result.instrument, result.responses
        if instrument.current_desired:
            latest = responses.iloc[-1].dropna().to_dict()
            previous = responses.iloc[-2].dropna().to_dict() if len(responses) > 1 else None
            st.plotly_chart(charts.radar(instrument, latest, previous, lang, t("now_title")),
                            config={"displayModeBar": False})
            shown = True
        elif instrument.scales:
            from indicators.scoring import scored as scores_of

            scored = scores_of(instrument, responses, ["completed_at"])
            scored["Tillfälle"] = scored["completed_at"].str[:10]
            st.caption(plain(instrument.notice.get(lang)) if instrument.notice else "")
            st.plotly_chart(charts.lines_over_time(scored, {s.id: s.label.get(lang) for s in instrument.scales},
                                                   title=shared_title(instrument, lang)), config={"displayModeBar": False})
            shown = True
        else:
            wording = visit.wording(instrument, lang)
            numeric = [i for i in instrument.items if i.kind == "scale" and i.id in responses]
            if not numeric:
                continue
            frame = responses.assign(Tillfälle=responses["completed_at"].str[:10])
            labels = {i.id: _short(wording.item(i, "").text) for i in numeric}
            st.plotly_chart(charts.lines_over_time(frame, labels, title=t("ratings_title")),
                            config={"displayModeBar": False})
            shown = True
    if not shown:
        st.write(t("nothing_yet"))


def _short(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"

