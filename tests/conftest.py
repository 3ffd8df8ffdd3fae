"""Test collection: fixture projects and golden cases are data, not test modules.

`tests/fixtures/shop/shop/tests/test_shop.py` is the fixture project's own trial suite; it
runs in a subprocess under each Twisted version (test_projects.py). Collected in-process it
would import Twisted's reactor machinery into the pytest process.
"""

collect_ignore = ["fixtures", "golden"]
