"""txasync: move Twisted code from @inlineCallbacks to async/await, one function at a time."""

__version__ = "0.1.0"
