"""The real-world driver's own safety: two runs of one project in one cache directory must
not measure over each other's tree (the second stops with a setup error naming the fix)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

DRIVER = Path(__file__).resolve().parents[1] / "benchmarks" / "realworld.py"


def _driver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("txasync_realworld_driver", DRIVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_second_run_of_the_same_project_stops(tmp_path: Path) -> None:
    realworld = _driver()
    with realworld.project_lock(tmp_path, "treq-24.9.1"):
        with pytest.raises(realworld.SetupError, match="--cache-dir"):
            with realworld.project_lock(tmp_path, "treq-24.9.1"):
                pass
        with realworld.project_lock(tmp_path, "klein-24.8.0"):
            pass  # another project in the same cache is fine
    with realworld.project_lock(tmp_path, "treq-24.9.1"):
        pass  # released when the first run ends
