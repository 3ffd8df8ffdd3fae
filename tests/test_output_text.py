"""The text of what txasync decided reads as a careful engineer would write it: a refusal
says what to do next, an `await` carries brackets only where the grammar needs them, and
a keep-API helper's signature holds what its one caller needs."""

from __future__ import annotations

from pathlib import Path

from txasync.engine import fix_text

GOLDEN = Path(__file__).parent / "golden"


def test_a_read_return_value_warning_says_what_to_do() -> None:
    """The refusal, and TXA003's finding, name the way forward: by hand, once no test
    reads the DeprecationWarning."""
    source = (GOLDEN / "return_value_warning_read" / "before.py").read_text()
    _, analysis = fix_text(source)
    reasons = [r for d in analysis.decisions.values() for r in d.reasons
               if r.kind == "return-value-warning"]
    assert reasons
    assert all("convert it by hand once no test reads returnValue's DeprecationWarning" in r
               for r in reasons)
    read = [f for f in analysis.findings if f.code == "TXA003" and f.fix_safety == "none"]
    assert read and all("convert it by hand once no test does" in f.message for f in read)
