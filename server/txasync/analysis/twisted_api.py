"""What Twisted does with Deferreds and coroutines, per version (see docs/twisted-semantics.md).

Each table answers one question the rules ask. Versions are the first release where a
coroutine is handled; `None` means no release handles it (always wrap).
"""

from __future__ import annotations

import re

D = "twisted.internet.defer"

# Calls whose result is known to be a Deferred: `yield api(...)` becomes a plain `await`.
DEFERRED_RETURNING = frozenset(
    {
        f"{D}.succeed",
        f"{D}.fail",
        f"{D}.Deferred",
        f"{D}.maybeDeferred",
        f"{D}.gatherResults",
        f"{D}.DeferredList",
        f"{D}.ensureDeferred",
        f"{D}.execute",
        f"{D}.Deferred.fromCoroutine",
        f"{D}.Deferred.fromFuture",
        "twisted.internet.task.deferLater",
        "twisted.internet.threads.deferToThread",
        "twisted.internet.threads.deferToThreadPool",
        "twisted.internet.threads.blockingCallFromThread",
    }
)
# Methods that return the Deferred they are called on (or a new one), whatever the receiver.
DEFERRED_METHODS = frozenset(
    {"addCallback", "addErrback", "addBoth", "addCallbacks", "addTimeout", "chainDeferred",
     "assertFailure", "deferLater", "whenFired", "asFuture"}
)
# Attribute accesses and methods that only a Deferred has: a coroutine breaks on them.
DEFERRED_ONLY_ATTRIBUTES = frozenset(
    {"addCallback", "addErrback", "addBoth", "addCallbacks", "addTimeout", "cancel",
     "chainDeferred", "called", "result", "pause", "unpause", "callback", "errback"}
)

# Builtins that never return a Deferred (unless shadowed, which the resolver sees).
PLAIN_BUILTINS = frozenset(
    {"len", "str", "int", "float", "bool", "bytes", "dict", "list", "set", "tuple", "frozenset",
     "sorted", "reversed", "sum", "min", "max", "abs", "repr", "isinstance", "issubclass",
     "hasattr", "id", "hash", "range", "enumerate", "zip", "map", "filter", "any", "all",
     "round", "divmod", "ord", "chr", "hex", "format", "type", "print", "open", "iter"}
)

# APIs handed a callable that they call and whose result they drop or keep as a plain value
# when it is a coroutine. Value: first Twisted release that awaits it (None: never).
CALLBACK_APIS: dict[str, tuple[int, int] | None] = {
    "callLater": None,
    "callWhenRunning": None,
    "callFromThread": None,
    "callInThread": None,
    "addSystemEventTrigger": None,
    "deferLater": None,
    "deferToThread": None,
    "addCallback": None,
    "addErrback": None,
    "addBoth": None,
    "addCallbacks": None,
    "cooperate": None,
    "LoopingCall": (22, 8),
    "maybeDeferred": (22, 8),
    "addCleanup": (24, 7),
    "run": (22, 8),  # DeferredLock/Semaphore.run
}

# Passing a coroutine *object* to these breaks in every version: they need a Deferred.
# (Not `maybeDeferred`: `maybeDeferred(f, coro())` hands the coroutine to `f`, exactly as
# `f(coro())` did, so a wrap there would change what `f` receives.)
DEFERRED_ARGUMENT_APIS = frozenset(
    {"DeferredList", "gatherResults", "succeed", "assertFailure", "successResultOf",
     "failureResultOf", "assertNoResult", "chainDeferred", "timeoutDeferred"}
)
# Of those, the ones that fail on anything but a Deferred: a call there with an unknown
# receiver worked before only if it gave a Deferred, so `ensureDeferred` around it is safe.
# `succeed(x)` takes any value.
DEFERRED_ONLY_ARGUMENT_APIS = DEFERRED_ARGUMENT_APIS - {"succeed"}

# Methods Twisted calls synchronously or whose result must be a Deferred or plain value; an
# `async def` here never runs or breaks the caller (docs/twisted-semantics.md).
SYNC_REQUIRED_NAMES = frozenset(
    {"render", "connectionMade", "connectionLost", "dataReceived", "lineReceived",
     "rawDataReceived", "makeConnection", "buildProtocol", "startFactory", "stopFactory",
     "startedConnecting", "clientConnectionFailed", "clientConnectionLost",
     "startService", "privilegedStartService", "stopService", "requestAvatar",
     "startProducing", "stopProducing", "pauseProducing", "resumeProducing",
     "datagramReceived", "getChild", "getChildWithDefault", "logPrefix"}
)
SYNC_REQUIRED_PREFIXES = ("render_", "remote_", "perspective_", "view_")
# Twisted awaits these through maybeDeferred from this version on.
MAYBE_DEFERRED_PREFIXES: dict[str, tuple[int, int]] = {"xmlrpc_": (22, 8)}
COROUTINE_SINCE_NAMES: dict[str, tuple[int, int]] = {"requestAvatarId": (22, 8)}

TRIAL_TESTCASE = "twisted.trial.unittest.TestCase"
TRIAL_SYNC_TESTCASE = "twisted.trial.unittest.SynchronousTestCase"
STDLIB_TESTCASES = frozenset({"unittest.TestCase", "unittest.case.TestCase"})
TRIAL_ALIASES = {
    "twisted.trial.unittest.TestCase": TRIAL_TESTCASE,
    "twisted.trial._asynctest.TestCase": TRIAL_TESTCASE,
    "twisted.trial.unittest.SynchronousTestCase": TRIAL_SYNC_TESTCASE,
    "twisted.trial._synctest.SynchronousTestCase": TRIAL_SYNC_TESTCASE,
}
TEST_METHOD = re.compile(r"^(test.*|setUp|tearDown)$")

# Decorators that leave a coroutine function working as before.
COROUTINE_AWARE_DECORATORS = frozenset(
    {"staticmethod", "classmethod", "builtins.staticmethod", "builtins.classmethod",
     "abc.abstractmethod", "typing.override", "typing_extensions.override",
     "unittest.skip", "unittest.skipIf", "unittest.skipUnless", "unittest.expectedFailure",
     "twisted.trial.unittest.skip", "twisted.trial.unittest.skipIf",
     # parameterized (0.9+) checks iscoroutinefunction and awaits
     "parameterized.parameterized.expand", "parameterized.expand"}
)
COROUTINE_AWARE_PREFIXES = ("pytest.mark.", "unittest.skip")
# Decorators that hand back what the decorated function returns (they return the function
# itself, or attach metadata): a call of the decorated function returns what its body does.
# Anything else (a cache answering a hit with the plain value, a retry, a wrapper that
# swallows errors) makes what a call returns unknown unless its source shows otherwise.
RESULT_TRANSPARENT_DECORATORS = COROUTINE_AWARE_DECORATORS | frozenset(
    {"typing.final", "typing_extensions.final", "functools.wraps", "deprecated",
     "twisted.python.deprecate.deprecated", "zope.interface.implementer",
     "typing.no_type_check"}
)
RESULT_TRANSPARENT_PREFIXES = COROUTINE_AWARE_PREFIXES
# `mock.patch` and friends: on a plain function the patch lasts while the call runs, which
# for an inlineCallbacks function is only up to its first wait (below the decorator: only
# while the generator is created, so the body runs unpatched); on an `async def` it lasts
# until the coroutine finishes. Measured on Python 3.11 and Twisted 26.10.
MOCK_PATCH = ("unittest.mock.patch", "mock.patch")


def is_mock_patch(decorator: str) -> bool:
    base = decorator.split("(", 1)[0]
    return any(base == name or base.startswith(name + ".") for name in MOCK_PATCH)


# Decorators that turn a method into an attribute: callers are not calls any more.
PROPERTY_DECORATORS = frozenset(
    {"property", "builtins.property", "functools.cached_property", "cached_property"}
)

SAFE_BASES = frozenset({"object", "builtins.object", "typing.Generic", "abc.ABC",
                        "zope.interface.Interface", "typing.Protocol"})


def sync_required(name: str, version: tuple[int, int]) -> str | None:
    """Why Twisted cannot use an `async def` method of this name (None: it can)."""
    if name in SYNC_REQUIRED_NAMES:
        return f"Twisted calls `{name}` and needs a Deferred or a plain value from it"
    for prefix in SYNC_REQUIRED_PREFIXES:
        if name.startswith(prefix):
            return f"Twisted calls `{prefix}*` methods and needs a Deferred or bytes from them"
    for prefix, since in MAYBE_DEFERRED_PREFIXES.items():
        if name.startswith(prefix) and version < since:
            return (f"Twisted before {since[0]}.{since[1]} does not await coroutines "
                    f"returned by `{prefix}*` methods")
    first = COROUTINE_SINCE_NAMES.get(name)
    if first is not None and version < first:
        return (f"Twisted before {first[0]}.{first[1]} does not await a coroutine from "
                f"`{name}` (a login would succeed without the check)")
    return None


# Which arguments of a callback API are the callable it calls: every other argument is handed
# on *to that callable* (`maybeDeferred(f, g)` calls f(g)), so a function passed there is a
# value f receives, not a callback the API awaits. Keywords name the callable only where listed.
CALLBACK_SLOTS: dict[str, tuple[tuple[int, ...], frozenset[str]]] = {
    "callLater": ((1,), frozenset()),
    "addSystemEventTrigger": ((2,), frozenset()),
    "deferLater": ((2,), frozenset({"callable"})),
    "addCallbacks": ((0, 1), frozenset({"callback", "errback"})),
}
_FIRST_SLOT: tuple[tuple[int, ...], frozenset[str]] = ((0,), frozenset())


def callback_slot(api_name: str) -> tuple[tuple[int, ...], frozenset[str]]:
    """(positions, keywords) of the callable a callback API calls; the rest of its
    arguments go to that callable."""
    return CALLBACK_SLOTS.get(api_name, _FIRST_SLOT)


def callback_api(callee_text: str) -> str | None:
    """The callback-taking API a call expression names (`reactor.callLater` -> callLater)."""
    last = callee_text.rsplit(".", 1)[-1]
    return last if last in CALLBACK_APIS else None


def callback_needs_wrap(api: str, version: tuple[int, int]) -> bool:
    since = CALLBACK_APIS.get(api, None)
    return since is None or version < since
