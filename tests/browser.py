"""Helpers for browser tests: a real `stegvis serve` process and Debian's chromium
driven by Playwright. Tests using them skip with a reason when chromium is missing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).parent.parent

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="Debian's chromium is not installed (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`stegvis serve` on a free port, restartable, killed at the end."""

    def __init__(self, db_path: Path, *args: str, env: dict | None = None):
        self.db_path = db_path
        self.args, self.env = list(args), dict(env or {})
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        env = dict(os.environ, STEGVIS_DB=str(self.db_path), **self.env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stegvis.cli", "serve", "--db", str(self.db_path), "--port", str(self.port),
             "--address", "127.0.0.1", *self.args],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)  # polling for start-up, not timing a behaviour
        raise RuntimeError("stegvis serve did not come up within 60 s")

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(10)
            # The Streamlit child is in the same group; wait until it is gone too, since it holds
            # the database and its lock file until it exits.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.process.pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)  # polling for an exit, not timing a behaviour

    def restart(self) -> None:
        self.kill()
        self.start()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def enter_code(page, url: str, code: str) -> None:
    page.goto(url)
    page.get_by_label("Kod").fill(code)
    page.get_by_role("button", name="Starta").click()


def fill_login(page, url: str, username: str, password: str) -> None:
    """Open the staff login page and fill it in; the caller clicks "Logga in"."""
    page.goto(f"{url}/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)


def settle(page) -> None:
    """Wait until Streamlit has finished its rerun and drawn every element: elements of the
    previous run are faded while it runs (judging contrast then measures the fade, not the
    page), and tables and some widgets show grey placeholders until their code has loaded."""
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]') && "
        "!document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=20_000)


def axe_problems(page, every_impact: bool = False) -> list[str]:
    """Serious and critical axe-core violations on the page, once it has settled (with
    `every_impact`, moderate and minor ones too). axe-core comes bundled with the
    axe-playwright-python package: nothing is fetched from the network."""
    from axe_playwright_python.sync_playwright import Axe

    settle(page)
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}: "
            f"{v['nodes'][0].get('failureSummary', '')[:240]} / {v['nodes'][0].get('html', '')[:200]}"
            for v in results.response["violations"] if every_impact or v.get("impact") in ("serious", "critical")]
