"""
legacy_app: a small layered Twisted application written in the classic
C{@defer.inlineCallbacks} / C{defer.returnValue} style.

Layers, bottom to top: L{storage} -> L{handlers} -> L{web} / L{service}.
"""
