"""Timing a whole command as a user runs it: a fresh process, from start to exit, with its
own peak memory. Shared by the benchmarks that measure whole processes."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
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


# Runs the command from a small process of its own: Linux counts the memory of the process that
# forks into a child's peak (ru_maxrss survives exec), and the benchmark itself holds the data.
LAUNCHER = """
import os, resource, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status = os.waitpid(pid, 0)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as out:
    out.write(f"{seconds} {peak} {os.waitstatus_to_exitcode(status)}")
"""


def run(command: list[str], *, expect: int = 0, env: dict | None = None, cwd: Path | None = None) -> Run:
    """Run `command` to its end: its wall time and the peak resident memory of that one process."""
    import shutil
    import tempfile

    executable = command[0] if os.path.isabs(command[0]) else shutil.which(command[0])
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as figures:
        done = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, figures.name, executable, *command[1:]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})},
                              cwd=cwd)
        seconds, peak_kb, returncode = figures.read().split()
    text = done.stderr.decode("utf-8", "replace")
    if int(returncode) != expect:
        raise SystemExit(f"{' '.join(command)} exited {returncode}, expected {expect}:\n{text[-2000:]}")
    return Run(float(seconds), int(peak_kb) / 1024, int(returncode), text)
