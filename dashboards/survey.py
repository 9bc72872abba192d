"""The participant's pages: the code page (the app's front page), one question per screen
through every part of the visit, one summary with one "Skicka in", and the thank-you page with
the participant's own progress. Calm, plain words (Swedish or English: foundation/locale), big
targets, no timers; every answer is saved the moment it is given, and a reload comes back to
the same question (a resume token in the address, never the code)."""

from __future__ import annotations

import html
import time

import pandas as pd
import streamlit as st

from dashboards.common import entrance, plain
from foundation import texts
from foundation.errors import StegvisError, StorageFault
from stegvis import charts
from stegvis.visits import CodePaused
from surveys.answers import DONT_KNOW, SKIPPED, AnswerRefused, is_skippable
from surveys.guessing import tab_wait
from surveys.sessions import InvalidCode

RESUME = "fortsatt"  # the query parameter holding the resume token (stegvis.visits.ResumeTokens)

# Big, calm, touch-first: ≥ 48 px targets, ≥ 18 px question text, whole labels (they wrap, never
# cut), focus shown to keyboards only and no hover look on touch screens (a tapped button must
# not look chosen on the next question), no sidebar, no Streamlit menu.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stToolbar"],
[data-testid="stMainMenu"], [data-testid="stDecoration"] {display: none !important;}
.block-container {max-width: 760px; padding-top: 1.5rem;}
.stApp p, .stApp li, .stApp label {font-size: 1.15rem;}
.stButton button, .stFormSubmitButton button {min-height: 3.25rem; min-width: 3rem; width: 100% !important;
    font-size: 1.2rem; border-radius: 0.75rem; border: 2px solid #1f5fa8; padding: 0.4rem 0.6rem;
    height: auto;}
.stButton button *, .stFormSubmitButton button * {white-space: normal !important; overflow: visible !important;
    text-overflow: clip !important; overflow-wrap: anywhere; font-size: inherit;}
.st-key-answers .stButton button {justify-content: flex-start; text-align: left;}
.st-key-answers .stButton button > div {justify-content: flex-start;}
.st-key-steps {flex-wrap: nowrap !important; gap: 0.4rem !important;}
.st-key-steps > div {flex: 1 1 0 !important; min-width: 0 !important;}
.st-key-steps .stButton button {padding: 0.4rem 0; min-width: 0;}
.stButton > button:focus:not(:focus-visible) {box-shadow: none; outline: none;}
.stButton > button[kind="secondary"]:focus:not(:focus-visible) {color: inherit; border-color: #1f5fa8;}
.stButton > button:focus-visible, input:focus-visible, textarea:focus-visible, a:focus-visible
    {outline: 3px solid #E69F00 !important; outline-offset: 2px;}
@media (hover: none) {
  .stButton > button[kind="secondary"]:hover, .stButton > button[kind="secondary"]:active
      {color: inherit; border-color: #1f5fa8; background-color: white;}
}
.stTextInput input {font-size: 1.6rem; min-height: 3.25rem; letter-spacing: 0.2em; text-transform: uppercase;}
[data-testid="stCheckbox"] label {min-height: 3rem; align-items: center;}
[data-testid="stCheckbox"] label span {transform: scale(1.4); margin-right: 0.6rem;}
[data-testid="stButtonGroup"] button {min-height: 3rem; min-width: 6rem; font-size: 1.1rem;}
/* The empty track must stand out from white (WCAG 1.4.11, 3:1): a dark outline around it. */
[class*="st-key-summary-"] [data-testid="stHorizontalBlock"] {border-bottom: 1px solid #d0d0d0;
    padding-bottom: 0.25rem;}
.stProgress [role="progressbar"] > div {height: 0.9rem; background-color: white;
    box-shadow: inset 0 0 0 2px #6b6b6b; border-radius: 0.45rem;}
.stProgress [role="progressbar"] > div > div {border-radius: 0.45rem;}
.staff-link a {display: inline-flex; align-items: center; min-height: 48px; padding: 0 0.25rem;}
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


# -- the visit this browser is in ------------------------------------------------------------

def _token() -> str | None:
    return st.session_state.get("resume") or st.query_params.get(RESUME)


def _clear() -> None:
    """The tablet is handed on: nothing of the visit stays in this browser session or address."""
    state = st.session_state
    entrance().forget_resume(state.get("resume"))
    for name in [k for k in state.keys() if isinstance(k, str) and k.startswith(("pos-", "part-seen-"))]:
        del state[name]
    for name in ("resume", "visit", "editing", "show_progress", "flash"):
        state.pop(name, None)
    st.query_params.clear()


@st.fragment(run_every=30)
def _idle_watch() -> None:
    """A tablet left alone goes back to the code page on its own (tablet_idle_minutes)."""
    if st.session_state.get("resume") and not entrance().resume_alive(st.session_state["resume"]):
        _clear()
        st.rerun(scope="app")


def page() -> None:
    st.html(CSS)  # style only, like every page's: it takes no room
    state = st.session_state
    state.setdefault("lang", "sv")
    token = _token()
    opened = entrance().resume(token) if token else None
    if opened is None:
        if token:
            _clear()
        start()
        return
    visit, remembered = opened
    state["resume"], state["visit"] = token, visit.visit_id
    if st.query_params.get(RESUME) != token:
        st.query_params.clear()
        st.query_params[RESUME] = token
    _idle_watch()
    parts = visit.parts()
    if not parts:
        thanks(visit)
        return
    steps = [(cur, n) for cur in parts for n in range(len(cur.questions))]
    key = f"pos-{visit.visit_id}"
    if key not in state:
        first = next((i for i, (cur, n) in enumerate(steps) if cur.questions[n].id not in cur.answers), len(steps))
        state[key] = min(remembered, first) if remembered is not None else first
    position = min(state[key], len(steps))
    if flash := state.pop("flash", None):
        st.error(flash)
    if position == len(steps):
        review(visit, parts, key)
        return
    cur, index = steps[position]
    if index == 0 and cur.number > 1 and not state.get(f"part-seen-{cur.part.session_id}"):
        part_start(cur)
        return
    question(visit, cur, index, position, len(steps), key)


def _go(key: str, position: int) -> None:
    """Move to another question (a callback: the next screen is drawn in the same run)."""
    st.session_state[key] = position
    entrance().resume(st.session_state.get("resume"), position)


def _choose_language() -> None:
    st.session_state["lang"] = "en" if st.session_state.get("lang_choice") == "English" else "sv"


def start() -> None:
    state = st.session_state
    st.segmented_control(t("survey.language"), ["Svenska", "English"], key="lang_choice",
                         default="English" if state["lang"] == "en" else "Svenska", on_change=_choose_language)
    st.title(t("survey.welcome"), anchor=False)
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
                state["resume"] = entrance().resume_token(visit)
                st.query_params.clear()  # the code never stays in the address (a QR code's ?kod=)
                st.query_params[RESUME] = state["resume"]
                st.rerun()
    st.markdown('<div class="staff-link"><a href="/login" target="_self">' + html.escape(t("survey.staff")) + "</a></div>",
                unsafe_allow_html=True)


def _save(action) -> bool:
    """Run a save; on a storage fault say so calmly and do not move on (nothing is confirmed)."""
    try:
        action()
        return True
    except StorageFault:
        st.session_state["flash"] = t("survey.save_failed")
        return False


def part_start(cur) -> None:
    """A short pause between two parts of the visit: which part, what it is called."""
    lang = st.session_state["lang"]
    wording = _wording(cur)
    st.progress(0.0 if cur.number == 1 else (cur.number - 1) / cur.of)
    st.title(t("survey.part_title", n=cur.number, m=cur.of, title=plain(wording.title())), anchor=False)
    st.write(t("survey.part_body", count=len(cur.questions)))
    if cur.instrument.intro:
        st.info(plain(cur.instrument.intro.get(lang)))
    st.button(t("survey.go_on"), type="primary", key=f"part-go-{cur.part.session_id}",
              on_click=st.session_state.__setitem__, args=(f"part-seen-{cur.part.session_id}", True))


def _wording(cur):
    return entrance().visit(cur.visit.visit).wording(cur.instrument, st.session_state["lang"])


def question(visit, cur, index: int, position: int, total: int, key: str) -> None:
    lang = st.session_state["lang"]
    item = cur.questions[index]
    wording = visit.wording(cur.instrument, lang)
    words = wording.item(item, visit.programme_name(lang))
    st.caption(t("survey.part", n=cur.number, m=cur.of) + f" · {plain(wording.title())}" if cur.of > 1
               else plain(wording.title()))
    st.progress(position / total, text=t("survey.question", n=position + 1, m=total))
    if index == 0 and cur.number == 1 and cur.instrument.intro:
        st.info(plain(cur.instrument.intro.get(lang)))
    st.subheader(plain(words.text), anchor=False)
    existing = cur.answers.get(item.id)
    current_value = existing.value if existing else None

    def answer(value=None, status="answered", other_key=None):
        other = st.session_state.get(other_key) if other_key else None
        if _save(lambda: visit.give(cur, item.id, value, status=status, other_text=other or None)):
            # A change made from the summary returns to the summary.
            _go(key, total if st.session_state.pop("editing", False) else position + 1)

    def kind(chosen: bool) -> str:
        return "primary" if chosen else "secondary"

    other_key = f"other-{item.id}"
    if item.kind == "scale":
        scale = cur.instrument.response_scale(item.scale)
        steps = list(range(scale.min, scale.max + 1))
        labels = {s.value: plain(s.label.get(lang)) for s in scale.steps}  # shown as labels: Markdown
        if len(labels) == len(steps):  # a worded scale: one full-width row per answer, words whole
            with st.container(key="answers"):
                for value in steps:
                    st.button(f"{value} · {labels[value]}", key=f"step-{item.id}-{value}", width="stretch",
                              type=kind(current_value == value), on_click=answer, args=(value,))
        else:  # a number scale: one row of numbers, the words for some of them below it
            with st.container(key="steps", horizontal=True, wrap=False):
                for value in steps:
                        st.button(str(value), key=f"step-{item.id}-{value}", type=kind(current_value == value),
                              width="stretch", on_click=answer, args=(value,))
        legend = ([(scale.min, plain(words.low))] if words.low else []) + \
            [(v, text) for v, text in labels.items() if len(labels) < len(steps)] + \
            ([(scale.max, plain(words.high))] if words.high else [])
        if legend:
            st.markdown("  \n".join(f"**{v}** = {text}" for v, text in sorted(legend, key=lambda p: p[0])))
        if scale.dont_know:
            with st.container(key="answers-dk"):
                st.button(plain(scale.dont_know.get(lang)), key=f"dk-{item.id}", width="stretch",
                          type=kind(bool(existing and existing.status == DONT_KNOW)),
                          on_click=answer, kwargs={"status": DONT_KNOW})
    elif item.kind in ("single_choice", "yes_no"):
        if any(c.other_text for c in item.options()):
            st.text_input(t("survey.other"), value=(existing.other_text or "") if existing else "", key=other_key)
        with st.container(key="answers"):
            for choice in item.options():
                st.button(plain(choice.label.get(lang)), key=f"choice-{item.id}-{choice.id}", width="stretch",
                          type=kind(current_value == choice.id), on_click=answer, args=(choice.id,),
                          kwargs={"other_key": other_key if choice.other_text else None})
    elif item.kind == "multiple_choice":
        st.caption(t("survey.choose_several"))
        chosen = [c.id for c in item.options()
                  if st.checkbox(plain(c.label.get(lang)), value=bool(current_value and c.id in current_value),
                                 key=f"multi-{item.id}-{c.id}")]
        needs_text = any(c.other_text and c.id in chosen for c in item.options())
        if needs_text:
            st.text_input(t("survey.other"), value=(existing.other_text or "") if existing else "", key=other_key)
        st.button(t("survey.next"), key=f"save-{item.id}", type="primary", disabled=not chosen,
                  on_click=answer, args=(chosen,), kwargs={"other_key": other_key if needs_text else None})
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
                answer(status=SKIPPED)
                st.rerun()
            elif value not in (None, ""):
                try:
                    answer(value)
                    st.rerun()
                except AnswerRefused as exc:
                    st.error(plain(exc.say(lang)))
                except StegvisError as exc:  # the refusals only the command line meets: shown without the item
                    st.error(plain(str(exc).split(": ", 1)[-1]))
    st.divider()
    back, skip, forward = st.columns(3)
    if position > 0:
        back.button(t("survey.back"), key=f"back-{item.id}", width="stretch", on_click=_go, args=(key, position - 1))
    if is_skippable(cur.instrument, item):
        skip.button(t("survey.skip"), key=f"skip-{item.id}", width="stretch", on_click=answer, kwargs={"status": SKIPPED})
    if existing and item.kind in ("scale", "single_choice", "yes_no"):
        forward.button(t("survey.next"), key=f"fwd-{item.id}", width="stretch", on_click=_go, args=(key, position + 1))


def _edit(key: str, position: int) -> None:
    st.session_state["editing"] = True
    _go(key, position)


def _send(visit, parts) -> None:
    _save(lambda: visit.send_in_all(parts))


def review(visit, parts, key: str) -> None:
    """One compact summary of the whole visit, an "Ändra" beside every answer, one "Skicka in"."""
    lang = st.session_state["lang"]
    st.progress(1.0, text=t("survey.summary"))
    st.subheader(t("survey.summary"), anchor=False)
    st.write(t("survey.summary_help"))
    position = 0
    for cur in parts:
        if len(parts) > 1:
            st.markdown(f"**{plain(visit.wording(cur.instrument, lang).title())}**")
        with st.container(key=f"summary-{cur.part.session_id}", gap="small"):
            for _, text, given in visit.summary(cur, lang):
                left, right = st.columns([5, 1.3], vertical_alignment="center")
                left.markdown(f"{position + 1}\\. {plain(text)} → **{plain(given)}**")  # the answer as typed
                right.button(t("survey.change"), key=f"change-{position}", width="stretch", on_click=_edit,
                             args=(key, position))
                position += 1
    st.button(t("survey.send"), type="primary", key="send", width="stretch", on_click=_send, args=(visit, parts))
    st.button(t("survey.back"), key="summary-back", width="stretch", on_click=_go, args=(key, position - 1))


def _done() -> None:
    _clear()


def thanks(visit) -> None:
    state = st.session_state
    st.title(t("survey.thanks"), anchor=False)
    st.write(t("survey.thanks_body"))
    if not state.get("show_progress"):
        st.button(t("survey.show_progress"), key="show_progress_btn",
                  on_click=state.__setitem__, args=("show_progress", True))
    else:
        own_progress(visit)
    st.button(t("survey.done"), type="primary", key="done", on_click=_done)


def own_progress(visit) -> None:
    """The participant's own results only, from the visit they just answered: per instrument in
    plain words, the way its definition says it is read (current and desired state, a scale's
    bands, or each rating first and latest)."""
    lang = st.session_state["lang"]
    st.header(t("survey.progress_title"), anchor=False)
    programme = visit.programme_name(lang)
    shown = False
    for result in visit.own_results():
        instrument, responses = result.instrument, result.responses
        st.subheader(plain(shared_title(instrument, lang)), anchor=False)
        if instrument.current_desired:
            _current_desired(instrument, responses, lang)
        elif instrument.headline_scale and instrument.headline_scale.bands:
            _bands(instrument, responses, lang)
        else:
            _ratings(visit, instrument, responses, lang, programme)
        if instrument.notice:
            st.caption(plain(instrument.notice.get(lang)))
        shown = True
    if not shown:
        st.write(t("survey.nothing_yet"))


def _when(responses: pd.DataFrame, row: int) -> str:
    return str(responses["completed_at"].iloc[row])[:10]


def _bar(share: float, text: str) -> None:
    st.progress(min(1.0, max(0.0, share)), text=text)


def _current_desired(instrument, responses, lang) -> None:
    latest = responses.iloc[-1].dropna().to_dict()
    previous = responses.iloc[-2].dropna().to_dict() if len(responses) > 1 else None
    st.plotly_chart(charts.radar(instrument, latest, previous, lang), config={"displayModeBar": False,
                                                                            "staticPlot": True})
    lines = []
    for area in instrument.current_desired:
        now, wish = latest.get(area.current), latest.get(area.desired)
        if now is None or wish is None:
            continue
        name = plain(area.label.get(lang))
        if wish > now:
            lines.append(t("survey.gap_more", area=name, now=int(now), wish=int(wish), steps=int(wish - now)))
        else:
            lines.append(t("survey.gap_none", area=name, now=int(now)))
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines))


def _bands(instrument, responses, lang) -> None:
    """Then and now as words (the band), with a simple bar each; no numbers."""
    from indicators.scoring import band, scored

    scale = instrument.headline_scale
    scores = scored(instrument, responses, ["completed_at"])[scale.id]
    low, high = instrument.item_range(scale.items[0])
    if scale.method == "sum":
        low, high = low * len(scale.items), high * len(scale.items)
    rows = [0, len(scores) - 1] if len(scores) > 1 else [0]
    for row in rows:
        value = scores.iloc[row]
        if pd.isna(value):
            continue
        word = band(pd.Series([value]).to_numpy(), scale.bands)[0]
        label = next((b.label.get(lang) for b in scale.bands if b.id == word), None)
        day = _when(responses, row)
        when = t("survey.first_time", day=day) if row == 0 and len(rows) > 1 else t("survey.latest", day=day)
        _bar((value - low) / (high - low), f"{when}: {plain(label)}" if label else when)


def _ratings(visit, instrument, responses, lang, programme) -> None:
    """Each rating the first time and the latest, as two bars and in words."""
    wording = visit.wording(instrument, lang)
    for item in instrument.items:
        if item.kind != "scale" or item.id not in responses or responses[item.id].dropna().empty:
            continue
        low, high = instrument.item_range(item.id)
        given = responses[item.id].dropna()
        st.markdown(plain(wording.item(item, programme).text))
        first, last = given.iloc[0], given.iloc[-1]
        if len(given) > 1:
            _bar((first - low) / (high - low), t("survey.rating_first", value=int(first), most=high))
        _bar((last - low) / (high - low), t("survey.rating_latest", value=int(last), most=high))
