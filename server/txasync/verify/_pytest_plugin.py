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
