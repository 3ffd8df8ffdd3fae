"""Trial tests for legacy_app."""
