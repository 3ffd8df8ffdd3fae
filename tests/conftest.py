"""Test collection: fixture projects and golden cases are data, not test modules.

`tests/fixtures/shop/shop/tests/test_shop.py` is the fixture project's own trial suite; it
runs in a subprocess under each Twisted version (test_projects.py). Collected in-process it
would import Twisted's reactor machinery into the pytest process.

The hypothesis profiles are registered here, before hypothesis reads
`--hypothesis-profile` (long: `pytest tests/test_properties.py --hypothesis-profile=long`).
"""

from strategies import register_profiles

register_profiles()

collect_ignore = ["fixtures", "golden"]
