"""Hostile definition files: YAML aliases (billion laughs) are refused at once, with their line."""

import subprocess
import sys
import threading
import time

import pytest

from foundation.errors import StegvisError
from surveys.definitions import parse_text

# Nine levels of ten aliases each: a billion strings if anything follows the aliases.
LAUGHS = "id: bomb\nversion: 1\nlol0: &l0 [\"lol\"]\n" + "".join(
    f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 10)) + "title: *l9\n"


def _parse_with_deadline(text: str, seconds: float):
    """parse_text's outcome, or 'hung' if it has not finished in time (a daemon thread is left)."""
    outcome = {}

    def work():
        try:
            outcome["result"] = parse_text(text, "bomb.yaml")
        except Exception as exc:  # noqa: BLE001 - the test inspects what came out
            outcome["result"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(seconds)
    return outcome.get("result", "hung")


def test_billion_laughs_is_refused_in_under_a_second():
    started = time.perf_counter()
    result = _parse_with_deadline(LAUGHS, 5)
    assert time.perf_counter() - started < 1.0, "parse_text followed the aliases"
    assert isinstance(result, StegvisError), result
    assert str(result).startswith("bomb.yaml:4: ") and "alias" in str(result)


@pytest.mark.parametrize("text", [
    "id: x\nversion: 1\nbase: &b {a: 1}\nitems:\n  - <<: *b\n",  # a merge key is an alias too
    "id: x\nversion: 1\na: &a x\nb: *a\n",
])
def test_any_alias_is_refused_with_its_line(text):
    with pytest.raises(StegvisError, match=r"bomb\.yaml:\d+: .*alias"):
        parse_text(text, "bomb.yaml")


def test_validate_command_answers_a_bomb_quickly(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(LAUGHS)
    done = subprocess.run([sys.executable, "-m", "stegvis.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and "alias" in done.stderr and "Traceback" not in done.stderr
