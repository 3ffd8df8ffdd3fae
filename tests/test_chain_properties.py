"""Property: random straight-line callback chains behave the same after the TXA006 rewrite.

Each generated module builds one chain over plain and failing callbacks and errbacks that
recover, re-raise or trap; before and after conversion it is run under real Twisted in a
child process (the pytest process never imports Twisted's reactor machinery: see
tests/test_behaviour.py), comparing the result, the failure type and the order of the
side effects.
"""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from txasync.config import Config
from txasync.engine import fix_text

HEADER = '''from twisted.internet import defer


class Boom(Exception):
    pass


class Other(Exception):
    pass


LOG = []


@defer.inlineCallbacks
def source(fail):
    yield defer.succeed(None)
    LOG.append("source")
    if fail:
        raise Boom("source")
    return 1


def inc(v):
    LOG.append(("inc", v))
    return v + 1


def explode(v):
    LOG.append(("explode", v))
    raise Other(v)


def recover(f):
    LOG.append(("recover", f.type.__name__))
    return 100


def reraise(f):
    LOG.append(("reraise", f.type.__name__))
    return f


def only_boom(f):
    f.trap(Boom)
    LOG.append("trapped")
    return 7


def seen(r):
    LOG.append(("both", type(r).__name__))
    return r


def nested(v):
    LOG.append(("nested", v))
    return defer.succeed(v * 2)
'''

CALLBACKS = ["inc", "explode", "nested", "lambda v: v * 3"]
ERRBACKS = ["recover", "reraise", "only_boom", "lambda f: f.trap(Other)"]
STEP = st.one_of(
    st.sampled_from(CALLBACKS).map(lambda c: f"addCallback({c})"),
    st.sampled_from(ERRBACKS).map(lambda e: f"addErrback({e})"),
    st.tuples(st.sampled_from(CALLBACKS[:3]), st.sampled_from(ERRBACKS[:3])).map(
        lambda p: f"addCallbacks({p[0]}, {p[1]})"),
    st.just("addBoth(seen)"),
)

RUNNER = r'''
import importlib.util, json, sys
from twisted.internet import defer
out = []
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("m", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    box = []
    for fail in (False, True):
        r = m.chain(fail)
        d = r if isinstance(r, defer.Deferred) else defer.ensureDeferred(r)
        d.addCallbacks(lambda v: box.append(["ok", repr(v)]),
                       lambda f: box.append(["err", f.type.__name__]))
    out.append([box, [repr(x) for x in m.LOG]])
print(json.dumps(out))
'''


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(STEP, min_size=1, max_size=5), st.booleans())
def test_random_chains_keep_behaviour(tmp_path_factory, steps: list[str],  # type: ignore[no-untyped-def]
                                      chained: bool) -> None:
    if chained:
        body = "    return source(fail)." + ".".join(steps) + "\n"
    else:
        body = "    d = source(fail)\n" + "".join(f"    d.{s}\n" for s in steps) + "    return d\n"
    before = HEADER + "\n\ndef chain(fail):\n" + body
    config = Config(select=frozenset({"TXA", "TXA006"}))
    after, analysis = fix_text(before, path="chain_module.py", config=config)
    assert "async def chain" in after, [f.message for f in analysis.findings]
    tmp = tmp_path_factory.mktemp("chain")
    (tmp / "before.py").write_text(before)
    (tmp / "after.py").write_text(after)
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(tmp / "before.py"),
                           str(tmp / "after.py")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_before, run_after = json.loads(proc.stdout)
    assert run_after == run_before, after
