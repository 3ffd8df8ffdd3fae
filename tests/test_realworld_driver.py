"""The real-world driver's own safety: two runs of one project in one cache directory must
not measure over each other's tree (the second stops with a setup error naming the fix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import load_realworld_driver


def test_a_second_run_of_the_same_project_stops(tmp_path: Path) -> None:
    realworld = load_realworld_driver()
    with realworld.project_lock(tmp_path, "treq-24.9.1"):
        with pytest.raises(realworld.SetupError, match="--cache-dir"):
            with realworld.project_lock(tmp_path, "treq-24.9.1"):
                pass
        with realworld.project_lock(tmp_path, "klein-24.8.0"):
            pass  # another project in the same cache is fine
    with realworld.project_lock(tmp_path, "treq-24.9.1"):
        pass  # released when the first run ends
