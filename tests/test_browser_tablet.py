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

from browser import Server, axe_problems, enter_code, launch, needs_chromium, settle
from stegvis.database import open_db
from surveys.definitions import shipped_catalog
from surveys.rounds import create_round
from surveys.sessions import open_visit
from surveys.store import publish_definitions
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
        db["consents"].insert({"participant_id": n, "programme_id": programme_id, "given_on": "2026-01-01",
                               "text_version": "t1", "scope": "enkäter"})
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


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


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
