"""Lockout under concurrency: 50 login attempts sent at once, from threads and from processes,
check at most `lockout_attempts` passwords before the account locks."""

import multiprocessing
import threading

import pytest

from stegvis.accounts import authenticate, create_user
from foundation.errors import StegvisError
from stegvis.database import open_db

RIGHT = "ett långt lösenord"
ATTEMPTS = 50


def _attempt(path, password, barrier, results):
    database = open_db(path, migrate=False)
    barrier.wait()
    try:
        authenticate(database, "anna", password)
        results.append("login")
    except StegvisError as exc:
        results.append(str(exc))
    finally:
        database.close()


def _in_process(path, password, barrier, queue):
    results = []
    _attempt(path, password, barrier, results)
    queue.put(results[0])


def _checked(db) -> dict:
    """How the attempts ended, from the audit log: each password check leaves one entry."""
    return dict(db.execute("SELECT action, count(*) FROM audit_log WHERE action LIKE 'login%' "
                           "OR action = 'account_locked' GROUP BY action").fetchall())


@pytest.fixture
def account(db, tmp_path):
    create_user(db, "anna", RIGHT, "coach")
    return tmp_path / "stegvis.db"


def _passwords(with_right: bool) -> list[str]:
    wrong = [f"fel lösenord {n}" for n in range(ATTEMPTS)]
    return wrong[:-1] + [RIGHT] if with_right else wrong


@pytest.mark.parametrize("with_right", [False, True], ids=["all-wrong", "right-among-wrong"])
def test_fifty_threads_at_once_check_at_most_five_passwords(db, account, with_right):
    barrier, results = threading.Barrier(ATTEMPTS), []
    threads = [threading.Thread(target=_attempt, args=(account, p, barrier, results)) for p in _passwords(with_right)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _assert_bounded(db, results, with_right)


@pytest.mark.parametrize("with_right", [False, True], ids=["all-wrong", "right-among-wrong"])
def test_fifty_processes_at_once_check_at_most_five_passwords(db, account, with_right):
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(ATTEMPTS), context.Queue()
    processes = [context.Process(target=_in_process, args=(account, p, barrier, queue))
                 for p in _passwords(with_right)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join()
    _assert_bounded(db, results, with_right)


def _assert_bounded(db, results, with_right):
    assert len(results) == ATTEMPTS
    seen = _checked(db)
    checked = seen.get("login_failed", 0) + seen.get("login", 0)
    # the promise: at most 5 passwords tried per lock period. The right password clears the count,
    # as a login should, so attempts that happen to be checked after it start a new count of 5.
    assert checked <= (10 if seen.get("login") else 5), seen
    if seen.get("login"):
        assert with_right and results.count("login") == 1
    else:
        # every password was wrong, or the right one came after the lock: the account is locked
        assert seen.get("account_locked") == 1, seen
        assert results.count("login") == 0
        assert seen.get("login_refused_locked", 0) == ATTEMPTS - checked, seen
        with pytest.raises(StegvisError, match="tillfälligt låst"):
            authenticate(db, "anna", RIGHT)


def test_the_fifth_try_right_still_logs_in_and_clears_the_count(db, account):
    for n in range(4):
        with pytest.raises(StegvisError):
            authenticate(db, "anna", f"fel {n}")
    assert authenticate(db, "anna", RIGHT).username == "anna"
    assert db.execute("SELECT failed_logins, locked_until FROM users WHERE username = 'anna'").fetchone() == (0, None)
    for n in range(4):  # a fresh count: four more mistakes do not lock
        with pytest.raises(StegvisError, match="Fel användarnamn"):
            authenticate(db, "anna", f"fel {n}")
    assert authenticate(db, "anna", RIGHT).username == "anna"
