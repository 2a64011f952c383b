"""Run the command line in a child process whose memory is capped, for the tests of size limits.

A run that tries to allocate gigabytes then fails at once with MemoryError (a traceback and exit 1) instead of
slowly succeeding or swapping, so the tests assert on what the command says, not on how long it took.
"""
from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

MEMORY_CAP_BYTES = 1_500_000_000  # address space: Python with numpy, pandas and HiGHS needs well under 1 GB


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))


def run_capped(*args: str | Path, cwd: Path, timeout_s: float = 300) -> subprocess.CompletedProcess:
    """`capopt ARGS` in `cwd` with at most MEMORY_CAP_BYTES of memory (the timeout only guards the test run)."""
    return subprocess.run([sys.executable, "-m", "optimizer.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout_s, preexec_fn=_cap_memory)
