"""Test settings: hypothesis profiles (HYPOTHESIS_PROFILE=ci, set by .ci/run, makes every run draw the same
examples), and fixtures shared by several test files."""
from __future__ import annotations

import os

import pytest
from hypothesis import settings

from optimizer.solvers import highs as highs_backend

settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def stop_at_first_plan(monkeypatch):
    """HiGHS stops at its first plan, as it does at a time limit with a plan found (deterministic, unlike a clock)."""
    init = highs_backend.HighsRun.__init__

    def first_plan_only(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.highs.setOptionValue("mip_max_improving_sols", 1)

    monkeypatch.setattr(highs_backend.HighsRun, "__init__", first_plan_only)
