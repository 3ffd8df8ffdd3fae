"""Test collection: fixture projects and golden cases are data, not test modules.

`tests/fixtures/shop/shop/tests/test_shop.py` is the fixture project's own trial suite; it
runs in a subprocess under each Twisted version (test_projects.py). Collected in-process it
would import Twisted's reactor machinery into the pytest process.

The hypothesis profiles are registered here, before hypothesis reads
`--hypothesis-profile` (long: `pytest tests/test_properties.py --hypothesis-profile=long`).
"""

from hypothesis import HealthCheck, settings

# `long`: 10,000 generated modules per property test (tests/test_properties.py), no deadline.
settings.register_profile(
    "long", max_examples=10_000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large])

collect_ignore = ["fixtures", "golden"]
