"""The part of `txasync probe` that runs inside the project's own Python processes.

`txasync probe` copies this file, as `_txasync_probe_runtime.py`, next to a `sitecustomize.py`
in a temporary directory that it puts first on PYTHONPATH, so it must import nothing but the
standard library: the child may be another venv (an older Twisted) without txasync.

Why it is built like this:

- Twisted checks `returnValue` misuse by counting traceback frames below `_inlineCallbacks`,
  and Failure tracebacks show every frame. A wrapper around the generator's `send` would add a
  frame there. Instead four functions are recompiled from Twisted's own source with a hook
  *call statement* inserted: `_inlineCallbacks` (at its start, and after each `result =
  ...send/throw...(gen)`), `Deferred.cancel` and `Deferred.__iter__` (at their start: a
  cancel, an `await`), and `Deferred._runCallbacks` (only in the branch where a callback
  returned a Deferred that already has a result). The hooks return before Twisted goes on,
  so every frame, result and exception is what it was; the code keeps Twisted's file name,
  line numbers and names, and is registered with `_extraneous` like the original.
- The Deferred an inlineCallbacks call of the project returns gets its callback list replaced
  by a `list` subclass whose `append` notes who added a callback (Deferred methods,
  DeferredList, gatherResults, a callback that returned it, a Twisted API). Nothing else about
  the Deferred changes (its `callbacks` list is of that subclass: the one visible difference).
- Patching happens right after `twisted.internet.defer` is imported (a meta-path hook), so a
  process that never imports Twisted pays nothing.
- Each process writes its own JSON fragment at exit; the parent merges them. A fork starts
  with empty counts, so nothing is counted twice.

Columns are 0-based character columns of the `yield` expression (from `co_positions`),
matching txasync's facts; paths are relative to the project root (TXASYNC_PROBE_ROOT), and
code outside it (site-packages, Twisted itself) is only recorded as a consumer location.
"""

from __future__ import annotations

import atexit
import os
import sys
import types

TYPE_CHECKING = False  # not `typing`'s: every Python process of the test run loads this file
if TYPE_CHECKING:  # the rest of the standard library is imported where it is used
    import ast
    from collections.abc import Callable
    from typing import Any

ENV_DIR = "TXASYNC_PROBE_DIR"
ENV_ROOT = "TXASYNC_PROBE_ROOT"
FRAGMENT_VERSION = 1
_MAX_ERRORS = 20
_WALK_LIMIT = 40
# defer.py functions whose callback additions or cancels are not a consumer's doing.
_NOT_CONSUMERS = frozenset({"_inlineCallbacks", "_handleCancelInlineCallbacks",
                            "handleCancel", "_cancellableInlineCallbacks"})

_state = None  # the _State of this process once install() ran
# The test running now, set by `txasync fix --verify`'s runtime (verify/_runtime.py): each
# function records which tests called it.
current_test: str | None = None


def source_sha256(text: str) -> str:
    """The hash evidence keeps per file: the decoded text, newlines normalised, as UTF-8.

    Decoded text (not bytes) so an editor buffer can be compared with the file the tests ran.
    """
    import hashlib
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: str) -> str | None:
    import io
    import tokenize
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return source_sha256(data.decode(encoding))
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


class _Site:
    __slots__ = ("line", "col", "types")

    def __init__(self, line: int, col: int) -> None:
        self.line = line
        self.col = col
        self.types: dict[type, int] = {}  # counted by type in the hot path, named at the end


class _Func:
    __slots__ = ("code", "file", "rel", "qualname", "firstlineno", "calls", "consumed",
                 "sites", "consumers", "tests")

    def __init__(self, code: types.CodeType, qualname: str, rel: str | None) -> None:
        self.code = code  # kept alive so that id(code) stays unique
        self.file = code.co_filename
        self.rel = rel
        self.qualname = qualname
        self.firstlineno = code.co_firstlineno
        self.calls = 0
        self.consumed = 0
        self.sites: dict[int, _Site] = {}
        self.consumers: dict[tuple[object, ...], int] = {}
        self.tests: set[str] = set()


class _ProbeList(list):  # type: ignore[type-arg]
    """The callback list of a Deferred returned by a project inlineCallbacks function."""

    __slots__ = ("rec", "seen")
    rec: _Func
    seen: bool

    def append(self, item):  # type: ignore[no-untyped-def]
        list.append(self, item)
        state = _state
        if state is not None:
            try:
                state.on_append(self)
            except Exception as exc:  # never disturb the program under test
                state.error("append", exc)


class _State:
    def __init__(self, root: str, out_dir: str) -> None:
        self.root = root
        self.out_dir = out_dir
        roots = {os.path.normcase(os.path.abspath(root))}
        roots.add(os.path.normcase(os.path.realpath(root)))
        self.roots = tuple(r.rstrip(os.sep) + os.sep for r in roots)
        self.funcs: dict[int, _Func] = {}  # id(code) of a project inlineCallbacks function
        self.external: dict[int, types.CodeType] = {}  # one outside (kept: ids stay unique)
        self.rels: dict[str, str | None] = {}
        self.hashes: dict[str, str | None] = {}
        self.positions: dict[tuple[int, int], tuple[int, int]] = {}
        self.errors: list[str] = []
        self.defer_file = ""
        self.deferred_type: type | None = None
        self.cb_attr = "_callbacks"
        self.instrumented: list[str] = []
        self.await_hooked = False
        self.twisted_version = ""
        self.written = False

    # -- paths ---------------------------------------------------------------------------
    def rel(self, filename: str) -> str | None:
        """Project-relative posix path of a code file, None outside the project."""
        try:
            return self.rels[filename]
        except KeyError:
            pass
        rel = None
        full = os.path.normcase(os.path.abspath(filename))
        for root in self.roots:
            if full.startswith(root):
                parts = full[len(root):].split(os.sep)
                if not any(p in ("site-packages", "dist-packages") for p in parts) and \
                        full.endswith(".py"):
                    rel = "/".join(os.path.abspath(filename)[len(root):].split(os.sep))
                break
        self.rels[filename] = rel
        if rel is not None and rel not in self.hashes:
            self.hashes[rel] = file_sha256(filename)
        return rel

    def error(self, where: str, exc: BaseException) -> None:
        if len(self.errors) < _MAX_ERRORS:
            self.errors.append(f"{where}: {type(exc).__name__}: {exc}")

    # -- value kinds ---------------------------------------------------------------------
    def kind_of_type(self, t: type) -> str:
        """"Deferred", "coroutine", "generator", "None", or the type's qualified name."""
        if self.deferred_type is not None and issubclass(t, self.deferred_type):
            return "Deferred"
        if t is types.CoroutineType:
            return "coroutine"
        if t is types.GeneratorType:
            return "generator"
        if t is type(None):
            return "None"
        module = getattr(t, "__module__", "?")
        name = getattr(t, "__qualname__", getattr(t, "__name__", "?"))
        return name if module == "builtins" else f"{module}.{name}"

    # -- hooks (called from the recompiled Twisted code) ---------------------------------
    def on_enter(self, gen: object, status: object) -> None:
        """A generator that has not started yet is about to run in `_inlineCallbacks`."""
        code = gen.gi_code  # type: ignore[attr-defined]
        key = id(code)
        rec = self.funcs.get(key)
        if rec is None:
            if key in self.external:
                return
            # First sight of this code: an inlineCallbacks call comes through
            # `unwindGenerator`; a generator yielded to inlineCallbacks (run by Twisted
            # 24.7+) comes from `_inlineCallbacks` itself and is not a call of ours.
            caller = sys._getframe(4)  # on_enter, _enter, _inlineCallbacks, _cancellable..
            if caller.f_code.co_name != "unwindGenerator" or \
                    caller.f_code.co_filename != self.defer_file:
                return
            rel = self.rel(code.co_filename)
            if rel is None:
                self.external[key] = code
                return
            rec = self.funcs[key] = _Func(code, getattr(gen, "__qualname__", code.co_name), rel)
        rec.calls += 1
        if current_test is not None:
            rec.tests.add(current_test)
        deferred = getattr(status, "deferred", None)
        if deferred is None:
            return
        callbacks = deferred.__dict__.get(self.cb_attr)
        if type(callbacks) is list:
            probe = _ProbeList(callbacks)
            probe.rec = rec
            probe.seen = False
            setattr(deferred, self.cb_attr, probe)

    def new_site(self, rec: _Func, frame: types.FrameType, lasti: int) -> _Site:
        line, col = self.position(frame.f_code, lasti, frame.f_lineno)
        site = rec.sites[lasti] = _Site(line, col)
        return site

    def yielded(self, gen: object, value: object) -> None:
        """A generator yielded a Deferred: an immediate wait (a consumer if it is ours)."""
        probe = value.__dict__.get(self.cb_attr)
        frame = gen.gi_frame  # type: ignore[attr-defined]
        if type(probe) is _ProbeList and frame is not None:
            self.consume(probe, "yield", self.where(frame))

    def awaited(self, coro: object, value: object) -> None:
        """A coroutine's await chain handed a Deferred to Twisted (no `__iter__` hook)."""
        probe = value.__dict__.get(self.cb_attr)
        if type(probe) is _ProbeList:
            frame = self.awaiting_frame(coro)
            if frame is not None:
                self.consume(probe, "await", self.where(frame))

    def on_await(self, deferred: object) -> None:
        """`await d` (or `yield from d`) starts; the frame that awaits is the consumer.

        Hooked in `Deferred.__iter__` because a Deferred that already fired never reaches
        `_inlineCallbacks`: the await takes its result directly.
        """
        probe = deferred.__dict__.get(self.cb_attr)
        if type(probe) is _ProbeList:
            frame: types.FrameType | None = sys._getframe(3)  # ..., Deferred.__iter__, awaiter
            while frame is not None and frame.f_code.co_filename == self.defer_file:
                frame = frame.f_back  # `__await__` calling `__iter__` (Twisted 22.x)
            if frame is not None:
                self.consume(probe, "await", self.where(frame))

    def on_cancel(self, deferred: object) -> None:
        probe = deferred.__dict__.get(self.cb_attr)
        if type(probe) is _ProbeList:
            what, where = self.consumer(sys._getframe(2), "Deferred.cancel")
            if what:  # not a cancellation Twisted passes on to the Deferred being waited on
                self.consume(probe, what, where)

    def on_append(self, probe: _ProbeList) -> None:
        frame = sys._getframe(2)  # on_append, _ProbeList.append, the code appending
        code = frame.f_code
        if code.co_filename != self.defer_file:
            self.consume(probe, "callbacks.append", self.where(frame))
            return
        if code.co_name == "_runCallbacks":
            # A callback returned this Deferred: Twisted chains it. The callback is the
            # consumer (after conversion it would return a coroutine, which is not chained).
            where = self.callable_where(frame.f_locals.get("callback"))
            if where is not None:
                self.consume(probe, "callback-result", where)
                return
        what, where = self.consumer(frame, "")
        if what:
            self.consume(probe, what, where)

    def on_chain(self, value: object, callback: object) -> None:
        """A callback returned a Deferred; Twisted chains it (or takes its result)."""
        probe = value.__dict__.get(self.cb_attr)
        if type(probe) is _ProbeList:
            where = self.callable_where(callback)
            if where is not None:
                self.consume(probe, "callback-result", where)

    # -- helpers -------------------------------------------------------------------------
    def consumer(self, frame, default: str):  # type: ignore[no-untyped-def]
        """(what, where) for a call that reached Twisted's defer module from user code.

        `what` is the outermost defer.py function of the call (`Deferred.addCallback`,
        `gatherResults`, `DeferredList.__init__`), or the Twisted API the project called
        (`twisted.trial._synctest._Assertions.assertFailure`); `where` the nearest project
        frame with only Twisted in between, else the first frame outside defer.py. An empty
        `what` means nothing to record here: `_inlineCallbacks` waiting on a yielded
        Deferred (the yield hook records that) or a cancellation Twisted propagates.
        """
        last = None
        while frame is not None and frame.f_code.co_filename == self.defer_file:
            if frame.f_code.co_name in _NOT_CONSUMERS:
                return "", None
            last = frame
            frame = frame.f_back
        what = getattr(last.f_code, "co_qualname", last.f_code.co_name) if last else default
        if frame is None:
            return what, (None, "?", 0)
        inner = frame
        steps = 0
        while frame is not None and steps < _WALK_LIMIT and \
                self.rel(frame.f_code.co_filename) is None and \
                str(frame.f_globals.get("__name__", "")).startswith("twisted."):
            frame = frame.f_back
            steps += 1
        if frame is not None and frame is not inner and \
                self.rel(frame.f_code.co_filename) is not None:
            api = getattr(inner.f_code, "co_qualname", inner.f_code.co_name)
            module = inner.f_globals.get("__name__", "?")
            return f"{module}.{api}", self.where(frame)
        return what, self.where(inner)

    def where(self, frame) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
        rel = self.rel(frame.f_code.co_filename)
        return (rel, None if rel else frame.f_globals.get("__name__", "?"), frame.f_lineno)

    def callable_where(self, callback: object) -> tuple[object, ...] | None:
        """Where a callback is defined (bound methods and partials unwrapped, nothing else
        touched: a Mock would grow the attributes asked for)."""
        import functools
        for _ in range(4):
            if isinstance(callback, types.MethodType):
                callback = callback.__func__
            elif isinstance(callback, functools.partial):
                callback = callback.func
            else:
                break
        if not isinstance(callback, types.FunctionType):
            return None
        code = callback.__code__
        rel = self.rel(code.co_filename)
        return (rel, None if rel else getattr(callback, "__module__", "?"), code.co_firstlineno)

    def awaiting_frame(self, coro: object):  # type: ignore[no-untyped-def]
        """The innermost coroutine frame of an await chain (the one awaiting the Deferred)."""
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        for _ in range(_WALK_LIMIT):
            nxt = getattr(coro, "cr_await", None)
            if nxt is None:
                nxt = getattr(coro, "gi_yieldfrom", None)
            nframe = getattr(nxt, "cr_frame", None) or getattr(nxt, "gi_frame", None)
            if nframe is None or nframe.f_code.co_filename == self.defer_file:
                break
            coro, frame = nxt, nframe
        return frame

    def consume(self, probe: _ProbeList, what: str, where: tuple[object, ...]) -> None:
        rec = probe.rec
        if not probe.seen:
            probe.seen = True
            rec.consumed += 1
        key = (*where, what)
        rec.consumers[key] = rec.consumers.get(key, 0) + 1

    def position(self, code: types.CodeType, lasti: int, lineno: int) -> tuple[int, int]:
        """(line, character column) of the yield a suspended frame stopped at."""
        import itertools
        import linecache
        import opcode
        key = (id(code), lasti)
        found = self.positions.get(key)
        if found is not None:
            return found
        result = (lineno, -1)
        positions = getattr(code, "co_positions", None)
        if positions is not None and lasti >= 0:
            index = lasti // 2
            raw = code.co_code
            yield_op = opcode.opmap.get("YIELD_VALUE", -1)
            for back in range(0, 8):
                i = index - back
                if i >= 0 and raw[2 * i] == yield_op:
                    index = i
                    break
            pos = next(itertools.islice(positions(), index, None), None)
            if pos is not None and pos[0] is not None and pos[2] is not None:
                line, col = pos[0], pos[2]
                text = linecache.getline(code.co_filename, line)
                if text and not text.isascii():
                    col = len(text.encode("utf-8")[:col].decode("utf-8", "replace"))
                result = (line, col)
        self.positions[key] = result
        return result

    # -- output --------------------------------------------------------------------------
    def fragment(self) -> dict[str, Any]:
        functions = []
        for rec in self.funcs.values():
            functions.append({
                "path": rec.rel,
                "qualname": rec.qualname,
                "firstlineno": rec.firstlineno,
                "calls": rec.calls,
                "consumed": rec.consumed,
                "yields": [self.site_json(s) for s in rec.sites.values()],
                "consumers": [{"path": k[0], "module": k[1], "line": k[2], "what": k[3],
                               "count": n} for k, n in rec.consumers.items()],
                "tests": sorted(rec.tests),
            })
        return {
            "fragment_version": FRAGMENT_VERSION,
            "pid": os.getpid(),
            "argv": list(getattr(sys, "argv", [])),
            "python": ".".join(map(str, sys.version_info[:3])),
            "twisted": self.twisted_version,
            "instrumented": self.instrumented,
            "errors": self.errors,
            "hashes": {k: v for k, v in self.hashes.items() if v is not None},
            "functions": functions,
        }

    def site_json(self, site: _Site) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for t, n in site.types.items():
            kind = self.kind_of_type(t)
            kinds[kind] = kinds.get(kind, 0) + n
        return {"line": site.line, "col": site.col, "count": sum(kinds.values()),
                "kinds": kinds}

    def write(self) -> None:
        import json
        if self.written:
            return
        self.written = True
        try:
            data = json.dumps(self.fragment())
            name = os.path.join(self.out_dir, f"fragment-{os.getpid()}-{id(self):x}.json")
            tmp = name + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(data)
            os.replace(tmp, name)
        except Exception:
            pass


# -- recompiling Twisted's functions with hook calls -----------------------------------------
def _hook_call(name: str, args: list[str], like: ast.AST) -> ast.stmt:
    import ast
    call = ast.Expr(ast.Call(ast.Name(name, ast.Load()),
                             [ast.Name(a, ast.Load()) for a in args], []))
    ast.copy_location(call, like)
    ast.fix_missing_locations(call)
    for node in ast.walk(call):
        ast.copy_location(node, like)
    return call


def _insert_yield_hooks(body: list[ast.stmt]) -> int:
    """After `result = <call involving gen>` statements (the send/throw), call the hook."""
    import ast
    count = 0
    i = 0
    while i < len(body):
        stmt = body[i]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            i += 1
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                count += _insert_yield_hooks(inner)
        for handler in getattr(stmt, "handlers", []) or []:
            count += _insert_yield_hooks(handler.body)
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == "result"
                and isinstance(stmt.value, ast.Call)
                and any(isinstance(n, ast.Name) and n.id == "gen" for n in ast.walk(stmt.value))):
            body.insert(i + 1, _hook_call("_txasync_probe_yield", ["gen", "result"], stmt))
            count += 1
            i += 1
        i += 1
    return count


def _insert_start_hook(fdef: ast.FunctionDef, hook: str) -> bool:
    """Call `hook(self)` first thing in a method (after its docstring)."""
    import ast
    if not fdef.args.args or fdef.args.args[0].arg != "self" or not fdef.body:
        return False
    body = fdef.body
    first = 1 if (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                  and len(body) > 1) else 0
    body.insert(first, _hook_call(hook, ["self"], body[first]))
    return True


def _insert_steal_hook(node: ast.AST) -> int:
    """In `_runCallbacks`, where a callback returned a Deferred that already has a result
    (Twisted takes the result; nothing is appended to the returned Deferred's callbacks),
    call the chain hook. Only that rare branch pays; unfired ones show up in `on_append`."""
    import ast
    import copy
    returned: ast.expr | None = None
    for n in ast.walk(node):
        if (isinstance(n, ast.Assign) and len(n.targets) == 1
                and isinstance(n.targets[0], ast.Name) and n.targets[0].id == "resultResult"
                and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Name)
                and n.value.func.id == "getattr" and n.value.args):
            returned = n.value.args[0]
    if returned is None:
        return 0
    count = 0
    for n in ast.walk(node):
        if isinstance(n, ast.If) and n.orelse and any(
                isinstance(x, ast.Name) and x.id == "resultResult" for x in ast.walk(n.test)):
            hook = _hook_call("_txasync_probe_chain", ["callback", "callback"], n.orelse[0])
            hook.value.args[0] = copy.deepcopy(returned)  # type: ignore[attr-defined]
            ast.fix_missing_locations(hook)
            for sub in ast.walk(hook):
                ast.copy_location(sub, n.orelse[0])
            n.orelse.insert(0, hook)
            count += 1
    return count


def _recompile(func: types.FunctionType, transform: Callable[[Any], object],
               namespace: dict[str, Any]) -> types.FunctionType:
    """`func` compiled again from its source after `transform(FunctionDef) -> hooks added`.

    Lines and columns stay those of the original file, so tracebacks read the same.
    """
    import ast
    lines, first = _getsourcelines(func)
    indented = lines[0][:1] in (" ", "\t")
    # A method keeps its indentation (and so its columns) inside an `if 1:` block.
    tree = ast.parse(("if 1:\n" if indented else "") + "".join(lines))
    ast.increment_lineno(tree, first - (2 if indented else 1))
    fdef = tree.body[0].body[0] if indented else tree.body[0]  # type: ignore[attr-defined]
    if not isinstance(fdef, ast.FunctionDef) or fdef.name != func.__name__:
        raise RuntimeError(f"unexpected source for {func.__qualname__}")
    if not transform(fdef):
        raise RuntimeError(f"no hook point found in {func.__qualname__}")
    code = compile(tree, func.__code__.co_filename, "exec")
    local: dict[str, Any] = {}
    exec(code, namespace, local)
    new = local[fdef.name]
    if new.__code__.co_freevars:
        raise RuntimeError(f"{func.__qualname__} uses closures")
    new.__qualname__ = func.__qualname__
    new.__module__ = func.__module__
    new.__doc__ = func.__doc__
    qualname = getattr(func.__code__, "co_qualname", None)
    if qualname and qualname != new.__code__.co_qualname and not fdef.decorator_list:
        # Only without decorators: `_extraneous` registered the code object it was given.
        new.__code__ = new.__code__.replace(co_qualname=qualname)
    new.__dict__.update({k: v for k, v in func.__dict__.items() if k not in new.__dict__})
    new.__txasync_original__ = func
    assert isinstance(new, types.FunctionType)
    return new


def _getsourcelines(func: types.FunctionType) -> tuple[list[str], int]:
    import inspect

    return inspect.getsourcelines(func)


def _patch_defer(module: types.ModuleType) -> None:
    import ast
    state = _state
    if state is None or getattr(module, "_txasync_probe_patched", False):
        return
    module._txasync_probe_patched = True  # type: ignore[attr-defined]
    state.defer_file = module.__file__ or ""
    state.deferred_type = module.Deferred
    try:
        probe = module.Deferred()
        state.cb_attr = "_callbacks" if "_callbacks" in probe.__dict__ else "callbacks"
    except Exception as exc:
        state.error("deferred", exc)
    try:
        from importlib import metadata

        state.twisted_version = metadata.version("twisted")
    except Exception:
        state.twisted_version = ""
    ns = module.__dict__
    ns["_txasync_probe_enter"] = _enter
    ns["_txasync_probe_yield"] = _yield
    ns["_txasync_probe_cancel"] = _cancel
    ns["_txasync_probe_chain"] = _chain
    ns["_txasync_probe_await"] = _await

    def add_ic_hooks(fdef: ast.FunctionDef) -> bool:
        names = [a.arg for a in fdef.args.args]
        if "gen" not in names or "status" not in names:
            return False
        if not _insert_yield_hooks(fdef.body):
            return False
        first = 1 if (fdef.body and isinstance(fdef.body[0], ast.Expr)
                      and isinstance(fdef.body[0].value, ast.Constant)) else 0
        fdef.body.insert(first, _hook_call("_txasync_probe_enter", ["gen", "status"],
                                           fdef.body[first]))
        return True

    try:
        new = _recompile(getattr(module, "_inlineCallbacks"), add_ic_hooks, ns)  # noqa: B009
        setattr(module, "_inlineCallbacks", new)  # noqa: B010
        state.instrumented.append("_inlineCallbacks")
    except Exception as exc:
        state.error("instrument _inlineCallbacks", exc)
        return
    try:
        cancel = module.Deferred.__dict__["cancel"]
        module.Deferred.cancel = _recompile(
            cancel, lambda fdef: _insert_start_hook(fdef, "_txasync_probe_cancel"), ns)
        state.instrumented.append("Deferred.cancel")
    except Exception as exc:
        state.error("instrument Deferred.cancel", exc)
    try:
        cls = module.Deferred
        iterate = cls.__dict__["__iter__"]
        wait = cls.__dict__.get("__await__")
        # Newer Twisted: `__await__ = __iter__`; 22.x: `__await__` returns `self.__iter__()`.
        same = wait is iterate
        if not same and "__iter__" not in getattr(getattr(wait, "__code__", None),
                                                  "co_names", ()):
            raise RuntimeError("Deferred.__await__ does not go through Deferred.__iter__")
        new_iter = _recompile(
            iterate, lambda fdef: _insert_start_hook(fdef, "_txasync_probe_await"), ns)
        cls.__iter__ = new_iter
        if same:
            cls.__await__ = new_iter
        state.instrumented.append("Deferred.__iter__")
        state.await_hooked = True
    except Exception as exc:
        state.error("instrument Deferred.__iter__", exc)
    try:
        run_callbacks = module.Deferred.__dict__["_runCallbacks"]
        module.Deferred._runCallbacks = _recompile(run_callbacks, _insert_steal_hook, ns)
        state.instrumented.append("Deferred._runCallbacks")
    except Exception as exc:
        state.error("instrument Deferred._runCallbacks", exc)


# The hooks below run inside Twisted's hottest code: the common cases are inlined here, and
# nothing may escape (an exception would become the program's errback).
def _enter(gen: object, status: object) -> None:
    state = _state
    if state is None:
        return
    try:
        try:
            if gen.gi_suspended or gen.gi_running:  # type: ignore[attr-defined]
                return  # resumed after a Deferred fired
        except AttributeError:  # a coroutine, or Python < 3.11 (no gi_suspended)
            frame = getattr(gen, "gi_frame", None)
            if frame is None or frame.f_lasti >= 0 or gen.gi_running:  # type: ignore[attr-defined]
                return
        state.on_enter(gen, status)
    except Exception as exc:
        state.error("enter", exc)


def _yield(gen: object, value: object) -> None:
    state = _state
    if state is None:
        return
    try:
        t = type(value)
        code = getattr(gen, "gi_code", None)
        if code is not None:
            rec = state.funcs.get(id(code))
            if rec:
                frame = gen.gi_frame  # type: ignore[attr-defined]
                lasti = frame.f_lasti
                site = rec.sites.get(lasti)
                if site is None:
                    site = state.new_site(rec, frame, lasti)
                types = site.types
                types[t] = types.get(t, 0) + 1
        if t is state.deferred_type or isinstance(value, state.deferred_type):  # type: ignore[arg-type]
            if type(value.__dict__.get(state.cb_attr)) is _ProbeList:
                if code is not None:
                    state.yielded(gen, value)
                elif not state.await_hooked:
                    state.awaited(gen, value)
    except Exception as exc:
        state.error("yield", exc)


def _chain(value: object, callback: object) -> None:
    state = _state
    if state is None or state.deferred_type is None or \
            not isinstance(value, state.deferred_type):
        return
    try:
        state.on_chain(value, callback)
    except Exception as exc:
        state.error("chain", exc)


def _await(deferred: object) -> None:
    state = _state
    if state is not None:
        try:
            state.on_await(deferred)
        except Exception as exc:
            state.error("await", exc)


def _cancel(deferred: object) -> None:
    state = _state
    if state is not None:
        try:
            state.on_cancel(deferred)
        except Exception as exc:
            state.error("cancel", exc)


class _DeferFinder:
    """Patches `twisted.internet.defer` the moment its module body has run."""

    name = "twisted.internet.defer"

    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname != self.name:
            return None  # (no import above this line: it would come back here, forever)
        import importlib.util

        try:
            sys.meta_path.remove(self)
        except ValueError:
            return None
        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module):  # type: ignore[no-untyped-def]
            try:
                original(module)
            finally:
                try:
                    del loader.exec_module
                except AttributeError:
                    pass
            try:
                _patch_defer(module)
            except Exception as exc:
                if _state is not None:
                    _state.error("patch", exc)

        try:
            loader.exec_module = exec_module
        except Exception:
            return spec
        return spec


def _after_fork() -> None:
    global _state
    if _state is not None:
        old = _state
        _state = _State(old.root, old.out_dir)
        _state.defer_file = old.defer_file
        _state.deferred_type = old.deferred_type
        _state.cb_attr = old.cb_attr
        _state.instrumented = list(old.instrumented)
        _state.twisted_version = old.twisted_version
        _state.await_hooked = old.await_hooked


def _at_exit() -> None:
    if _state is not None:
        _state.write()


def install() -> bool:
    """Start recording in this process (idempotent); False when the environment is not set."""
    global _state
    if _state is not None:
        return True
    out_dir = os.environ.get(ENV_DIR)
    root = os.environ.get(ENV_ROOT)
    if not out_dir or not root or not os.path.isdir(out_dir):
        return False
    _state = _State(root, out_dir)
    atexit.register(_at_exit)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork)
    module = sys.modules.get(_DeferFinder.name)
    if module is not None:
        _patch_defer(module)
    else:
        sys.meta_path.insert(0, _DeferFinder())
    return True
