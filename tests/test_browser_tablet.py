"""The participant's tablet in Debian's chromium, at 810 × 1080 (upright) and 1024 × 768: every
answer button of every shipped instrument shows its whole label; the Streamlit menu and
English leftovers are gone; every target is at least 48 px; a reload comes back to the same
question without the code, another browser cannot, and "Klar" ends it; the progress track
stands out; a tapped button does not look chosen on the next screen; axe-core finds nothing
on the participant's pages; and their Swedish reads easily (LIX ≤ 30)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from browser import Server, axe_problems, enter_code, needs_chromium, settle
from stegvis.database import open_db
from surveys.definitions import shipped_catalog
from surveys.rounds import create_round
from surveys.sessions import open_visit
from surveys.store import publish_definitions, record_consent
from surveys.textpacks import WordingSource, demo_textpack, install_textpack, record_permission

pytestmark = [pytest.mark.browser, needs_chromium]
SIZES = [(810, 1080), (1024, 768)]
CATALOG = shipped_catalog()


def where_asked(instrument_id: str):
    """A programme and occasion that give the instrument (None for a group asked in rounds)."""
    for programme in CATALOG.latest_programmes():
        for occasion in programme.occasions:
            if instrument_id in occasion.instruments:
                return programme.id, occasion.id
    return None


def open_code(db, instrument, participants: dict) -> str:
    """A code that opens a visit of this one instrument, as its respondents get one."""
    group = CATALOG.group(instrument.respondent_group) if instrument.respondent_group in CATALOG.groups else None
    if group is not None and group.answers == "round":
        closes = (date.today() + timedelta(days=30)).isoformat()
        return create_round(db, CATALOG, group=group.id, instruments=[instrument.id], invited=1, closes_on=closes)[1][0]
    programme_id, occasion = where_asked(instrument.id) or ("porten", "exit")
    if programme_id not in participants:
        n = len(participants) + 1
        db["participants"].insert({"id": n, "code": f"T-{n}", "gender": "kvinna", "created_at": "2026-01-01"})
        db["enrolments"].insert({"participant_id": n, "programme_id": programme_id, "started_on": "2026-01-01"})
        record_consent(db, n, programme_id, "2026-01-01", "t1", "enkäter")
        participants[programme_id] = n
    return open_visit(db, AskingAll(CATALOG), programme_id=programme_id, occasion=occasion, instruments=[instrument.id],
                      participant_id=participants[programme_id], again=True)[1]


class AskingAll:
    """The shipped catalog, but each programme's occasions give every instrument, so that an
    instrument no shipped programme uses yet (KASAM-13) can be opened too."""

    def __init__(self, catalog):
        self._catalog = catalog

    def __getattr__(self, name):
        return getattr(self._catalog, name)

    def programme(self, programme_id, version=None):
        programme = self._catalog.programme(programme_id)
        rounds = {g.id for g in self._catalog.round_groups()}
        every = [i.id for i in self._catalog.latest_instruments() if i.respondent_group not in rounds]
        return programme.model_copy(update={"occasions": [o.model_copy(update={"instruments": every})
                                                          for o in programme.occasions]})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("tablet") / "stegvis.db"
    db = open_db(path)
    publish_definitions(db)
    for instrument in CATALOG.latest_instruments():
        if instrument.license and instrument.license.requires_permission:
            record_permission(db, instrument, "TEST")
            install_textpack(db, demo_textpack(instrument, "sv"), instrument)
    participants: dict = {}
    codes = {i.id: open_code(db, i, participants) for i in CATALOG.latest_instruments()}
    codes["porten"] = participants["porten"]
    db.conn.commit()
    server = Server(path).start()
    yield server, db, codes
    server.kill()
    db.close()



def answer_labels(instrument, item, lang: str = "sv") -> list[str]:
    """The answer buttons an item must show, each with its whole label."""
    if item.kind == "scale":
        scale = instrument.response_scale(item.scale)
        steps = range(scale.min, scale.max + 1)
        words = {s.value: s.label.get(lang) for s in scale.steps}
        labels = [f"{v} · {words[v]}" for v in steps] if len(words) == len(steps) else [str(v) for v in steps]
        return labels + ([scale.dont_know.get(lang)] if scale.dont_know else [])
    if item.kind in ("single_choice", "yes_no"):
        return [c.label.get(lang) for c in item.options()]
    return ["Nästa"]


MEASURE = """() => [...document.querySelectorAll('button')].filter(b => b.offsetParent !== null).map(b => {
    const cut = [b, ...b.querySelectorAll('*')].filter(e =>
        e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1);
    const box = b.getBoundingClientRect();
    return {text: b.innerText.replace(/\\s+/g, ' ').trim(), cut: cut.map(e => e.tagName + ' ' + e.scrollWidth + '>'
            + e.clientWidth), height: box.height, width: box.width, right: box.right,
            viewport: document.documentElement.clientWidth};
})"""


def measure(page) -> list[dict]:
    settle(page)
    return page.evaluate(MEASURE)


def whole_labels(page, expected: list[str], where: str) -> list[str]:
    """Problems with the buttons on screen at every size: cut off, off the screen, too small, or
    not showing the label they should."""
    problems = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        buttons = measure(page)
        texts = [b["text"] for b in buttons]
        for label in expected:
            if label not in texts:
                problems.append(f"{where} at {width}: no button reads {label!r} (buttons: {texts})")
        for button in buttons:
            if button["cut"] or button["right"] > button["viewport"] + 0.5:
                problems.append(f"{where} at {width}: {button['text']!r} is cut off ({button['cut']})")
            if button["height"] < 48 or button["width"] < 44:
                problems.append(f"{where} at {width}: {button['text']!r} is {button['width']:.0f} × "
                                f"{button['height']:.0f} px")
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
    return problems


def revealing_value(instrument, item):
    """An answer to this item that shows the later items depending on it (else the first)."""
    dependants = [i for i in instrument.items if i.show_if and i.show_if.item == item.id]
    if item.kind == "scale":
        scale = instrument.response_scale(item.scale)
        candidates = list(range(scale.min, scale.max + 1))
    elif item.kind in ("single_choice", "yes_no", "multiple_choice"):
        candidates = [c.id for c in item.options()]
    else:
        return None
    for value in candidates:
        if all(d.show_if.holds(value) for d in dependants):
            return value
    return candidates[0]


def answer(page, instrument, item, value, lang: str = "sv") -> None:
    if item.kind == "scale":
        labels = answer_labels(instrument, item, lang)
        page.get_by_role("button", name=next(label for label in labels if label.split(" · ")[0] == str(value)),
                         exact=True).click()
    elif item.kind in ("single_choice", "yes_no"):
        page.get_by_role("button", name=next(c.label.get(lang) for c in item.options() if c.id == value),
                         exact=True).click()
    elif item.kind == "multiple_choice":
        page.get_by_text(next(c.label.get(lang) for c in item.options() if c.id == value), exact=True).click()
        settle(page)
        other = page.get_by_label("Annat, nämligen")
        if other.count():
            other.fill("något")
        page.get_by_role("button", name="Nästa", exact=True).click()
    else:
        field = page.get_by_label("Ditt svar")
        field.fill({"free_text": "ett svar", "number": "3", "date": "2026-01-15"}.get(item.kind, "1"))
        field.press("Tab")
        page.get_by_role("button", name="Nästa", exact=True).click()


def wait_for(page, text: str) -> None:
    page.get_by_text(text, exact=True).first.wait_for(timeout=20_000)
    settle(page)


@pytest.mark.parametrize("instrument_id", [i.id for i in CATALOG.latest_instruments()])
def test_every_answer_button_shows_its_whole_label(world, browser, instrument_id):
    server, db, codes = world
    instrument = CATALOG.instrument(instrument_id)
    page = browser.new_page(viewport={"width": 810, "height": 1080})
    enter_code(page, server.url, codes[instrument_id])
    wording = WordingSource(db, instrument, "sv")
    problems, seen, answers = [], [], {}
    from surveys.sessions import visible_items

    while True:
        shown = visible_items(instrument, answers)
        n = len(seen)
        if n == len(shown):
            break
        item = shown[n]
        wait_for(page, f"Fråga {n + 1} av {len(shown)}")
        text = wording.item(item, "").text
        start = " ".join(text.split()[:3])  # the programme's name may come later
        assert page.get_by_role("heading", name=re.compile("^" + re.escape(start))).count() >= 1, text
        problems += whole_labels(page, answer_labels(instrument, item), f"{instrument_id}/{item.id}")
        value = revealing_value(instrument, item)
        answer(page, instrument, item, value)
        answers[item.id] = type("A", (), {"value": value, "status": "answered"})()
        seen.append(item.id)
    wait_for(page, "Skicka in")
    problems += whole_labels(page, ["Skicka in", "Tillbaka"], f"{instrument_id}/summary")
    assert not problems, "\n".join(problems)
    every = {i.id for i in instrument.items}
    assert set(seen) == every, f"items never shown: {every - set(seen)}"


# -- coming back, and handing the tablet on --------------------------------------------------

def porten_code(db, participant_id: int, instruments: list[str] | None = None) -> str:
    code = open_visit(db, CATALOG, programme_id="porten", occasion="exit", participant_id=participant_id,
                      instruments=instruments, again=True)[1]
    db.conn.commit()
    return code


def test_a_reload_comes_back_to_the_question_without_the_code_and_nowhere_else(world, browser):
    server, db, codes = world
    code = porten_code(db, codes["porten"])
    page = browser.new_page(viewport={"width": 810, "height": 1080})
    page.goto(f"{server.url}/?kod={code}")  # as the coach's QR code opens it
    page.get_by_role("button", name="Starta").click()
    wait_for(page, "Fråga 1 av 35")
    for n in (1, 2, 3):
        page.get_by_role("button", name="5", exact=True).click()
        wait_for(page, f"Fråga {n + 1} av 35")
    page.get_by_role("button", name="Tillbaka").click()  # looking at an earlier answer again
    wait_for(page, "Fråga 3 av 35")
    assert code not in page.url and code.lower() not in page.url, "the code never stays in the address"

    page.reload()  # or the tablet wakes up: the same question, without the code
    wait_for(page, "Fråga 3 av 35")
    page.go_back()  # nor in the history behind it
    assert code not in page.url

    stranger = browser.new_context().new_page()  # another browser: the code page, nothing of the visit
    stranger.goto(server.url)
    stranger.get_by_label("Kod").wait_for(timeout=20_000)
    stranger.goto(f"{server.url}/?fortsatt=gissat-{code}")
    stranger.get_by_label("Kod").wait_for(timeout=20_000)
    settle(stranger)
    assert stranger.get_by_text("Fråga", exact=False).count() == 0


def test_klar_hands_the_tablet_on(world, browser):
    server, db, codes = world
    code = porten_code(db, codes["porten"], ["sjalvskattning"])
    page = browser.new_page(viewport={"width": 810, "height": 1080})
    enter_code(page, server.url, code)
    for n in range(1, 7):
        wait_for(page, f"Fråga {n} av 6")
        page.get_by_role("button", name="6", exact=True).click()
    wait_for(page, "Skicka in")
    page.get_by_role("button", name="Skicka in").click()
    wait_for(page, "Tack för dina svar!")
    page.reload()  # still the thank-you page: the person has not left yet
    wait_for(page, "Tack för dina svar!")
    address = page.url
    page.get_by_role("button", name="Klar").click()
    page.get_by_label("Kod").wait_for(timeout=20_000)
    assert "fortsatt" not in page.url
    page.goto(address)  # the address from before "Klar" (the history) opens nothing
    page.get_by_label("Kod").wait_for(timeout=20_000)
    settle(page)
    assert page.get_by_text("Tack för dina svar!").count() == 0


# -- what surrounds the questions -----------------------------------------------------------

def test_no_streamlit_menu_no_english_leftovers_and_big_targets(world, browser):
    server, _, _ = world
    page = browser.new_page(viewport={"width": 810, "height": 1080})
    page.goto(server.url)
    page.get_by_label("Kod").wait_for(timeout=20_000)
    settle(page)
    assert page.locator('[data-testid="stMainMenu"], [data-testid="stMainMenuButton"]').count() == 0
    assert "Made with Streamlit" not in page.content()
    targets = page.evaluate("""() => [...document.querySelectorAll('button, a, input')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height > 1)  // not the skip link
        .map(e => [e.innerText || e.getAttribute('aria-label') || e.tagName, e.getBoundingClientRect().height])""")
    assert targets and all(height >= 48 for _, height in targets), targets
    page.get_by_label("Kod").press_sequentially("abc")  # Streamlit's own hint, in English, shows as one types
    page.wait_for_timeout(300)
    assert "Press" not in page.inner_text("body") and "Enter" not in page.inner_text("body")
    assert page.get_by_text("3/12", exact=True).is_visible()
    page.get_by_label("Kod").fill("")
    # the page says it is Swedish (Streamlit's says English), so a screen reader reads it as Swedish
    language = "() => [document.documentElement.lang, document.querySelector('[data-testid=stSkipToContent]').textContent]"
    assert page.evaluate(language) == ["sv", "Hoppa till innehållet"]
    page.get_by_text("English", exact=True).click()
    page.get_by_label("Code").wait_for(timeout=20_000)
    settle(page)
    assert page.evaluate(language) == ["en", "Skip to the content"]
    shown = page.inner_text("body")
    for swedish in ("Språk", "Kod", "Starta", "Välkommen", "Personal"):
        assert swedish not in shown, swedish


def test_the_empty_progress_track_stands_out_from_white(world, browser):
    server, db, codes = world
    page = browser.new_page(viewport={"width": 810, "height": 1080})
    enter_code(page, server.url, porten_code(db, codes["porten"], ["sjalvskattning"]))
    wait_for(page, "Fråga 1 av 6")
    track = page.evaluate("""() => { const t = document.querySelector('.stProgress [role="progressbar"] > div');
        const s = getComputedStyle(t); return [s.backgroundColor, s.boxShadow, s.borderColor, s.borderWidth]; }""")
    colours = re.findall(r"rgba?\(([^)]*)\)", " ".join(track))
    assert max(contrast_with_white(c) for c in colours) >= 3, track


def contrast_with_white(rgb: str) -> float:
    parts = [float(x) for x in rgb.split(",")]
    if len(parts) == 4 and parts[3] == 0:
        return 1.0

    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(parts[0]) + 0.7152 * channel(parts[1]) + 0.0722 * channel(parts[2])
    return 1.05 / (lum + 0.05)


def test_a_tapped_button_does_not_look_chosen_on_the_next_question(world, browser):
    server, db, codes = world
    context = browser.new_context(viewport={"width": 810, "height": 1080}, has_touch=True, is_mobile=True)
    page = context.new_page()
    enter_code(page, server.url, porten_code(db, codes["porten"], ["sjalvskattning"]))
    wait_for(page, "Fråga 1 av 6")
    page.get_by_role("button", name="4", exact=True).tap()
    wait_for(page, "Fråga 2 av 6")
    page.wait_for_timeout(300)  # let any carried-over hover or focus style show
    look = """name => { const b = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === name);
        const s = getComputedStyle(b); return [s.backgroundColor, s.color, s.borderColor, s.outlineStyle, s.boxShadow,
        b === document.activeElement]; }"""
    assert page.evaluate(look, "4") == page.evaluate(look, "3")


def test_the_participants_pages_have_no_axe_violations(world, browser):
    server, db, codes = world
    page = browser.new_page(viewport={"width": 810, "height": 1080})
    page.goto(server.url)
    page.get_by_label("Kod").wait_for(timeout=20_000)
    found = {"start": axe_problems(page, every_impact=True)}
    enter_code(page, server.url, porten_code(db, codes["porten"]))
    wait_for(page, "Fråga 1 av 35")
    found["question"] = axe_problems(page, every_impact=True)
    for n in range(1, 30):
        page.get_by_role("button", name=str(1 + n % 7), exact=True).click()
        wait_for(page, "Fortsätt" if n == 29 else f"Fråga {n + 1} av 35")
    found["part"] = axe_problems(page, every_impact=True)
    page.get_by_role("button", name="Fortsätt").click()
    for n in range(30, 36):
        wait_for(page, f"Fråga {n} av 35")
        page.get_by_role("button", name="7", exact=True).click()
    wait_for(page, "Skicka in")
    found["summary"] = axe_problems(page, every_impact=True)
    page.get_by_role("button", name="Skicka in").click()
    page.get_by_role("button", name="Visa hur det har gått för mig").click()
    wait_for(page, "Så har det gått för dig")
    found["progress"] = axe_problems(page, every_impact=True)
    assert not any(found.values()), found


# -- plain Swedish ---------------------------------------------------------------------------

def lix(text: str) -> float:
    """LIX (Björnsson): words per sentence + the percentage of long words (more than six
    letters). A line on screen (a heading, a button, a label) ends a sentence too."""
    sentences = [s for s in re.split(r"[.!?:]+\s|[.!?:]+$|\n+", text) if re.search(r"\w", s)]
    words = re.findall(r"[^\W\d_]+", text)
    return len(words) / max(1, len(sentences)) + 100 * sum(len(w) > 6 for w in words) / max(1, len(words))


def test_lix_counts_as_published():
    assert lix("Jag promenerar hem. Det regnar.") == pytest.approx(5 / 2 + 100 * 1 / 5)


def test_the_participants_texts_read_easily():
    from foundation.texts import catalogue

    said = [text for key, text in catalogue("sv").items()
            if key.startswith(("survey.", "answer.")) or key in ("error.code_invalid",)]
    assert lix("\n".join(said)) <= 30


def test_the_participants_pages_read_easily(world, browser):
    server, db, codes = world
    page = browser.new_page(viewport={"width": 810, "height": 1080})
    page.goto(server.url)
    page.get_by_label("Kod").wait_for(timeout=20_000)
    settle(page)
    scores = {"start": lix(page.inner_text("main"))}
    enter_code(page, server.url, porten_code(db, codes["porten"], ["sjalvskattning"]))
    for n in range(1, 7):
        wait_for(page, f"Fråga {n} av 6")
        page.get_by_role("button", name="8", exact=True).click()
    wait_for(page, "Skicka in")
    page.get_by_role("button", name="Skicka in").click()
    page.get_by_role("button", name="Visa hur det har gått för mig").click()
    wait_for(page, "Så har det gått för dig")
    scores["thanks"] = lix(page.inner_text("main"))
    assert all(score <= 30 for score in scores.values()), scores
