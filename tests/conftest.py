"""Test settings: hypothesis profiles (HYPOTHESIS_PROFILE=ci, set by .ci/run, makes every run draw the same
examples)."""
from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
