"""Guessing participant codes: each tab, each address and the whole server have their own limit
on wrong codes; other people's mistakes never hold up a right code; the address map is bounded;
a server-wide pause is explained calmly and logged once."""

import pytest
from streamlit.testing.v1 import AppTest

import dashboards.survey
import stegvis.visits
from foundation.settings import update_setting
from foundation.texts import t
from surveys.definitions import shipped_catalog
from surveys.guessing import ADDRESS_MISSES, CodeGuard, address_key
from surveys.sessions import open_visit
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent


def survey_page():
    from dashboards.survey import page

    page()


class Network:
    """Where the next browser tab connects from (the page asks dashboards.survey._address)."""

    address = "198.51.100.7"


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setattr(stegvis.visits, "GUARD", CodeGuard())
    monkeypatch.setattr(dashboards.survey, "_address", lambda: Network.address, raising=False)
    Network.address = "198.51.100.7"
    path = tmp_path / "g.db"
    db = open_db(path)
    publish_definitions(db)
    db["participants"].insert({"id": 1, "code": "G-1", "gender": "man", "created_at": "x"})
    record_consent(db, 1, "porten", "2026-01-01", "1", "s")
    monkeypatch.setenv("STEGVIS_DB", str(path))
    code = open_visit(db, shipped_catalog(), programme_id="porten", occasion="exit",
                      instruments=["sjalvskattning"], participant_id=1)[1]
    return db, code


def new_tab():
    return AppTest.from_function(survey_page, default_timeout=60).run()


def attempt(test, typed):
    test.text_input(key="code_input").input(typed)
    test.button[0].click().run()
    return test


def opened(test) -> bool:
    return bool(test.session_state["visit"]) if "visit" in test.session_state else False


def test_wrong_codes_on_another_tablet_never_hold_up_a_right_code(setup):
    _, code = setup
    other = new_tab()  # same address and browser make: the tablet next to it
    for _ in range(3):
        attempt(other, "ZZZZZ2")
    assert "Vänta en liten stund" in attempt(other, "ZZZZZ2").warning[0].value  # that tab waits
    assert opened(attempt(new_tab(), code))


def test_one_address_is_limited_however_often_it_starts_afresh(setup):
    _, code = setup
    for n in range(ADDRESS_MISSES):  # a new tab (reload, new User-Agent) for every guess
        assert "Koden fungerar inte" in attempt(new_tab(), f"ZZZZZ{2 + n % 7}").error[0].value
    held = attempt(new_tab(), code)
    assert not opened(held) and "Vänta en liten stund" in held.warning[0].value
    Network.address = "203.0.113.9"  # the clinic across town is not affected
    assert opened(attempt(new_tab(), code))


def test_the_whole_server_pauses_calmly_and_logs_it_once(setup):
    db, code = setup
    update_setting(db, "code_guesses_per_minute", "5")
    for n in range(5):  # five addresses, one guess each: a spread-out attack
        Network.address = f"192.0.2.{n + 1}"
        attempt(new_tab(), "ZZZZZ2")
    Network.address = "192.0.2.200"
    for _ in range(3):
        paused = attempt(new_tab(), "YYYYY3")
        assert [i.value for i in paused.info] == [t("survey.paused", "sv")]
        assert not paused.error and not paused.warning
    entries = db.execute("SELECT user_id, detail FROM audit_log WHERE action = 'code_guessing_paused'").fetchall()
    assert len(entries) == 1 and entries[0][0] is None and "5 wrong participant codes" in entries[0][1]


def test_right_codes_are_never_counted(setup):
    _, code = setup
    for _ in range(3 * ADDRESS_MISSES):
        test = attempt(new_tab(), code)
        assert opened(test) and not test.warning


def test_the_address_map_is_bounded():
    clock = [0.0]
    guard = CodeGuard(max_addresses=100, clock=lambda: clock[0])
    for n in range(5000):
        guard.missed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", per_minute=10**6)
        clock[0] += 0.001
    assert guard.addresses() == 100


def test_limits_lift_when_their_window_has_passed():
    clock = [0.0]
    guard = CodeGuard(clock=lambda: clock[0])
    for _ in range(ADDRESS_MISSES):
        guard.missed("198.51.100.7", per_minute=1000)
    pause = guard.pause("198.51.100.7", per_minute=1000)
    assert pause.scope == "address" and pause.seconds == pytest.approx(600)
    clock[0] = 601
    assert guard.pause("198.51.100.7", per_minute=1000) is None
    for _ in range(20):
        guard.missed(f"192.0.2.{_}", per_minute=20)
    assert guard.pause("203.0.113.1", per_minute=20).scope == "server"
    clock[0] += 61
    assert guard.pause("203.0.113.1", per_minute=20) is None


def test_an_ipv6_host_is_limited_by_its_slash_64():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert address_key(None) == "unknown"
