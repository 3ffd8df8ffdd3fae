"""py-ipv8 1.9.0 needs only the names Python 3.9-3.11 removed (py311.py)."""

import py311  # noqa: F401
