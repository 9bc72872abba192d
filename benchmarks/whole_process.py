"""Timing a whole command as a user runs it: a fresh process, from start to exit, with its
own peak memory. Shared by the benchmarks that measure whole processes."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str


@dataclass
class Runs:
    name: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)

    def line(self) -> str:
        times = ", ".join(f"{r.seconds:.2f}" for r in self.runs)
        return (f"{self.name:<34} median {self.median:5.2f} s  (runs: {times})  "
                f"peak RSS {self.peak_mb:,.0f} MB")


def run(command: list[str], *, expect: int = 0, env: dict | None = None, cwd: Path | None = None) -> Run:
    """Run `command` to its end; wall time and the peak resident memory of that one process
    (os.wait4 gives each child its own rusage, unlike RUSAGE_CHILDREN's running maximum)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})}, cwd=cwd)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    text = stderr.decode("utf-8", "replace")
    if process.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}, expected {expect}:\n{text[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, process.returncode, text)
