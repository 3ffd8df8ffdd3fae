"""The pytest plugin of `txasync fix --verify` and `txasync probe`: the hooks are the runtime's.

Copied, as `_txasync_verify_pytest.py`, next to `_txasync_verify_runtime.py` and named in
PYTEST_PLUGINS. A module of its own because `sitecustomize` has imported the runtime before
pytest starts, and pytest warns about a plugin it finds already imported.
"""

from _txasync_verify_runtime import (  # noqa: F401
    pytest_collection_modifyitems,
    pytest_collectreport,
    pytest_configure,
    pytest_runtest_logfinish,
    pytest_runtest_logreport,
    pytest_runtest_logstart,
)


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    """Write this process's probe record now, not at exit.

    A pytest-xdist worker tells the controller it is done right after this hook; the
    controller then ends its workers and kills one still running after a few seconds,
    which on a loaded machine can be before the worker's exit handlers have written
    anything: that worker's evidence, and with it every test it ran, would be lost."""
    import sys

    state = getattr(sys.modules.get("_txasync_probe_runtime"), "_state", None)
    if state is not None:
        state.write()
