"""Language-server latency, measured against the real `txasync lsp` over stdio.

1. didChange -> publishDiagnostics for a 5,000-line module of inlineCallbacks code, next to
   `ast.parse` of the same text (the floor for anything that reads Python), as a ratio. The
   server debounces changes (150 ms) before analysing; the figure is given with and without
   that wait, since an editor sees the first and the engine costs the second.
2. Warm hover latency on a function with callers in several files of the installed Twisted
   source tree (the whole tree is the workspace), after indexing and the first analysis.
3. Big workspaces (`--big`): the tahoe-lafs 1.20.0 sdist (downloaded like realworld.py,
   into --cache-dir) and the installed Twisted tree, each served by txasync and, in the same
   run, by basedpyright (a dev dependency of this benchmark only: `pip install
   basedpyright`): cold start to the first diagnostics of an open file, the same after a
   restart on the unchanged tree (what each server kept on disk is there), isolated edit
   latency (a statement added inside an inlineCallbacks function; and a comment added after
   its def line, which leaves the file's facts as they were), paced typing at 100 ms
   (versions answered, and how long after the last key the final answer came), a paste of a
   30-line function, "Convert to async" codeAction + resolve (txasync only), and the
   server's peak RSS. Figures are printed side by side with their ratio.

Run: python benchmarks/lsp_bench.py [--repeat N] [--skip-twisted]
     python benchmarks/lsp_bench.py --big [--cache-dir D] [--before CHECKOUT] [--only NAME]
(`--before`: also serve from another checkout in the same run, for before/after ratios.)
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

DEBOUNCE = 0.15
SERVER = [sys.executable, "-m", "txasync", "lsp"]
PYRIGHT = [os.path.join(os.path.dirname(sys.executable), "basedpyright-langserver"), "--stdio"]


def module_text(lines: int) -> str:
    """Realistic code: classes of inlineCallbacks methods that call each other."""
    out = ["from twisted.internet import defer, task", "", ""]
    n = 0
    while len(out) < lines - 30:
        out += [f"class Service{n}:", "    def __init__(self, store, clock):",
                "        self.store = store", "        self.clock = clock", ""]
        for m in range(5):
            out += ["    @defer.inlineCallbacks", f"    def op{m}(self, key, amount=1):",
                    "        value = yield self.store.get(key)",
                    "        if value is None:",
                    f"            value = yield self.op{max(m - 1, 0)}(key)",
                    "        total = sum(x * amount for x in range(10))",
                    "        yield task.deferLater(self.clock, 0, lambda: None)",
                    "        defer.returnValue(value + total)", ""]
        out += ["    def describe(self, key):", "        d = self.op1(key)",
                "        d.addCallback(str)", "        return d", "", ""]
        n += 1
    out += [""] * (lines - len(out))
    return "\n".join(out[:lines]) + "\n"


class Client:
    """A pygls client that records diagnostics with the version they are for."""

    def __init__(self) -> None:
        self.lsp = LanguageClient("txasync-bench", "1")
        self.published: dict[str, tuple[int | None, float, int]] = {}
        self.history: list[tuple[str, int | None, float]] = []  # every publication
        self.events: asyncio.Queue[tuple[str, int | None]] = asyncio.Queue()
        self.progress_done = asyncio.Event()

        @self.lsp.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = (params.version, time.perf_counter(),
                                          len(params.diagnostics))
            self.history.append((params.uri, params.version, time.perf_counter()))
            self.events.put_nowait((params.uri, params.version))

        @self.lsp.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_create(params: Any) -> None:
            return None

        @self.lsp.feature(types.PROGRESS)
        def on_progress(params: Any) -> None:
            value = params.value if not isinstance(params.value, dict) else params.value
            kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", "")
            if str(params.token).startswith("txasync-index-") and kind == "end":
                self.progress_done.set()

        @self.lsp.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            pass

        @self.lsp.feature(types.WORKSPACE_CONFIGURATION)
        def on_configuration(params: types.ConfigurationParams) -> list[Any]:
            return [None for _ in params.items]

    async def start(self, root: Path, command: list[str] | None = None,
                    env: dict[str, str] | None = None) -> None:
        await self.lsp.start_io(*(command or SERVER), env=env)
        caps = types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            workspace=types.WorkspaceClientCapabilities(configuration=True),
            text_document=types.TextDocumentClientCapabilities(
                hover=types.HoverClientCapabilities(
                    content_format=[types.MarkupKind.Markdown])))
        await self.lsp.initialize_async(types.InitializeParams(
            capabilities=caps, root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
        self.lsp.initialized(types.InitializedParams())

    def open(self, path: Path) -> str:
        uri = path.as_uri()
        self.lsp.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                                 text=path.read_text())))
        return uri

    async def wait_version(self, uri: str, version: int, timeout: float = 600,
                           since: float | None = None) -> float:
        """When diagnostics for `version` arrived (a server that sends no version: the
        first publication after `since`)."""
        deadline = time.perf_counter() + timeout
        while True:
            seen = self.published.get(uri)
            if seen is not None and (seen[0] == version or (
                    seen[0] is None and since is not None and seen[1] >= since)):
                return seen[1]
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no diagnostics for version {version} of {uri}")
            try:
                await asyncio.wait_for(self.events.get(), remaining)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.lsp.shutdown_async(None), 30)
            self.lsp.exit(None)
        finally:
            await self.lsp.stop()


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def bench_did_change(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("[tool.txasync]\n")
        path = root / "services.py"
        text = module_text(5000)
        path.write_text(text)
        parse = []
        for _ in range(repeat):
            start = time.perf_counter()
            ast.parse(text)
            parse.append(time.perf_counter() - start)
        client = Client()
        await client.start(root)
        try:
            uri = client.open(path)
            await client.wait_version(uri, 1)
            latencies = []
            for version in range(2, repeat + 2):
                changed = text.replace("amount=1", f"amount={version}", 1)
                sent = time.perf_counter()
                client.lsp.text_document_did_change(types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri,
                                                                        version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(
                        text=changed)]))
                arrived = await client.wait_version(uri, version, since=sent)
                latencies.append(arrived - sent)
            findings = client.published[uri][2]
        finally:
            await client.stop()
    lsp_ms, parse_ms = median_ms(latencies), median_ms(parse)
    work_ms = max(lsp_ms - DEBOUNCE * 1000, 0.0)
    print(f"5,000-line module ({findings} diagnostics), median of {repeat} edits:")
    print(f"  didChange -> publishDiagnostics: {lsp_ms:8.1f} ms "
          f"(of which {DEBOUNCE * 1000:.0f} ms debounce; {work_ms:.1f} ms of work)")
    print(f"  ast.parse of the same text:      {parse_ms:8.1f} ms")
    print(f"  ratio: {lsp_ms / parse_ms:.1f}x with the debounce, "
          f"{work_ms / parse_ms:.1f}x without")


def twisted_root() -> Path | None:
    try:
        import twisted
    except ImportError:
        return None
    return Path(twisted.__file__).resolve().parent


TARGETS = [  # (file under twisted/, text of the def line, name): callers in several files
    ("trial/_dist/disttrial.py", "def runAsync(", "runAsync"),
    ("trial/_dist/disttrial.py", "def start(", "start"),
]


async def bench_hover(repeat: int) -> None:
    root = twisted_root()
    if root is None:
        print("hover: Twisted is not installed; skipped")
        return
    target = None
    for rel, needle, name in TARGETS:
        path = root / rel
        if path.exists() and needle in path.read_text():
            target = (path, needle, name)
            break
    if target is None:
        print("hover: no target function found in this Twisted; skipped")
        return
    path, needle, name = target
    files = sum(1 for _ in root.rglob("*.py"))
    client = Client()
    started = time.perf_counter()
    await client.start(root)
    try:
        uri = client.open(path)
        await client.wait_version(uri, 1)
        ready = time.perf_counter() - started
        lines = path.read_text().splitlines()
        line = next(i for i, x in enumerate(lines) if needle in x)
        col = lines[line].index(name)
        params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri),
                                   position=types.Position(line, col + 1))
        first = await client.lsp.text_document_hover_async(params)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            hover = await client.lsp.text_document_hover_async(params)
            times.append(time.perf_counter() - start)
    finally:
        await client.stop()
    body = hover.contents.value if hover is not None else ""
    summary = next((x for x in body.splitlines() if "caller" in x), "no hover")
    print(f"Twisted {root} ({files} files) as the workspace:")
    print(f"  index + first analysis + first diagnostics: {ready:6.1f} s")
    print(f"  warm hover on {name} ({path.relative_to(root)}), median of {repeat}: "
          f"{median_ms(times):.1f} ms  [{summary.strip()}]")
    if first is None:
        print("  (the first hover returned nothing)")


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process and its children (VmHWM), in MB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def ic_function_line(text: str) -> int:
    """A line inside the first inlineCallbacks function: where an edit lands."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "inlineCallbacks" in line and line.strip().startswith("@"):
            for j in range(i + 1, min(i + 6, len(lines))):
                if lines[j].lstrip().startswith("def ") and lines[j].rstrip().endswith(":"):
                    return j + 1
    raise ValueError("no inlineCallbacks function")


PASTE = "".join(f"    x{i} = helper_{i}(a, b)\n" if i else "def pasted(a, b):\n"
                for i in range(29)) + "    return x1\n"


class Session:
    """One server on one workspace, with the open document and its version."""

    def __init__(self, client: Client, uri: str, text: str) -> None:
        self.client, self.uri, self.text, self.version = client, uri, text, 1

    def change(self, text: str) -> tuple[int, float]:
        self.version += 1
        self.text = text
        sent = time.perf_counter()
        self.client.lsp.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=self.uri,
                                                                version=self.version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.version, sent


async def measure_server(name: str, command: list[str], root: Path, target: Path,
                         repeat: int, txasync: bool, env: dict[str, str] | None = None
                         ) -> dict[str, Any]:
    client = Client()
    out: dict[str, Any] = {}
    started = time.perf_counter()
    await client.start(root, command, env)
    try:
        base = target.read_text()
        uri = client.open(target)
        await client.wait_version(uri, 1, timeout=900, since=started)
        out["cold"] = time.perf_counter() - started
        session = Session(client, uri, base)
        inside = ic_function_line(base)
        lines = base.splitlines(keepends=True)
        indent = " " * (len(lines[inside]) - len(lines[inside].lstrip()))
        async def isolated(edit: Callable[[int], str], name: str) -> None:
            """Each edit made, then taken out again: the latency of every answer."""
            latencies = []
            for n in range(repeat):
                for text in (edit(n), base):
                    version, sent = session.change(text)
                    arrived = await client.wait_version(uri, version, since=sent)
                    latencies.append(arrived - sent)
                    await asyncio.sleep(0.3)
            out[f"{name}_p50"] = statistics.median(latencies)
            out[f"{name}_p90"] = sorted(latencies)[int(len(latencies) * 0.9) - 1]

        # One statement added inside the function.
        await isolated(lambda n: "".join(
            lines[:inside] + [f"{indent}_bench = {n}\n"] + lines[inside:]), "edit")
        # A comment typed after the def line: an edit that leaves the file's facts as they were.
        header = lines[inside - 1].rstrip("\r\n")
        await isolated(lambda n: "".join(
            lines[:inside - 1] + [f"{header}  # note {n}\n"] + lines[inside:]), "comment")
        # Paced typing: one character every 100 ms into a new statement.
        word = "value_total_sum_x"
        answered: set[int] = set()
        versions = []
        sent_at: dict[int, float] = {}
        prefix = "".join(lines[:inside]) + indent + "_typed = "
        suffix = "\n" + "".join(lines[inside:])
        for i in range(len(word)):
            version, sent = session.change(prefix + word[:i + 1] + suffix)
            versions.append(version)
            sent_at[version] = sent
            await asyncio.sleep(0.1)
            seen = client.published.get(uri)
            if seen is not None and seen[0] is not None:
                answered.add(seen[0])
        last_key = sent
        arrived = await client.wait_version(uri, versions[-1], since=last_key)
        out["paced_answered"] = (len([v for v in versions if v in answered]), len(versions))
        out["paced_settle"] = arrived - last_key
        # The goal: every version answered, or superseded by an answer for a later one,
        # within 200 ms of the last key (a server that sends no version: by time alone).
        answers = [(v, t) for u, v, t in client.history if u == uri]
        covered = 0
        for v in versions:
            if any(t <= last_key + 0.2 and (a >= v if a is not None else t > sent_at[v])
                   for a, t in answers):
                covered += 1
        out["paced_within_200"] = (covered, len(versions))
        version, sent = session.change(base)
        await client.wait_version(uri, version, since=sent)
        await asyncio.sleep(0.3)
        # A paste of a 30-line function at the end of the module.
        version, sent = session.change(base + "\n\n" + PASTE)
        out["paste"] = await client.wait_version(uri, version, since=sent) - sent
        version, sent = session.change(base)
        await client.wait_version(uri, version, since=sent)
        if txasync:
            out["resolve"] = await code_action_resolve(client, uri, base)
        out["rss_mb"] = peak_rss_mb(client.lsp._server.pid)  # type: ignore[union-attr]
    finally:
        await client.stop()
    # The editor restarted on the same tree: whatever the server kept on disk (txasync: the
    # facts and the stored analysis) is there; nothing changed since.
    client = Client()
    started = time.perf_counter()
    await client.start(root, command, env)
    try:
        uri = client.open(target)
        await client.wait_version(uri, 1, timeout=900, since=started)
        out["restart"] = time.perf_counter() - started
    finally:
        await client.stop()
    return out


async def code_action_resolve(client: Client, uri: str, text: str) -> float | None:
    """Time of codeAction then codeAction/resolve of "Convert to async" on the first
    convertible function of the open document."""
    inside = ic_function_line(text) - 1  # the def line (0-based)
    line = text.splitlines()[inside]
    col = line.index("def ") + 4
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(inside, col), types.Position(inside, col + 1)),
        context=types.CodeActionContext(diagnostics=[]))
    start = time.perf_counter()
    actions = await client.lsp.text_document_code_action_async(params)
    convert = [a for a in actions or [] if isinstance(a, types.CodeAction)
               and a.title.startswith("Convert")]
    if not convert:
        return None
    await client.lsp.code_action_resolve_async(convert[0])
    return time.perf_counter() - start


def tahoe_tree(cache: Path) -> Path | None:
    """The tahoe-lafs 1.20.0 sdist's `src`, unpacked into a scratch directory."""
    import tarfile

    sdist = cache / "sdists" / "tahoe_lafs-1.20.0.tar.gz"
    if not sdist.exists():
        sdists = cache / "sdists"
        sdists.mkdir(parents=True, exist_ok=True)
        import subprocess

        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                        ":all:", "-d", str(sdists), "tahoe-lafs==1.20.0"], check=False)
    if not sdist.exists():
        return None
    dest = Path(tempfile.mkdtemp(prefix="txasync-bench-"))
    with tarfile.open(sdist) as archive:
        archive.extractall(dest, filter="data")
    return dest / "tahoe_lafs-1.20.0"


async def bench_big(repeat: int, cache: Path, before: Path | None = None,
                    only: str = "") -> None:
    import shutil

    workspaces = []
    tahoe = tahoe_tree(cache)
    if tahoe is not None:
        workspaces.append(("tahoe-lafs 1.20.0", tahoe, tahoe / "src/allmydata/storage_client.py"))
    else:
        print("tahoe-lafs: sdist not available; skipped")
    root = twisted_root()
    if root is not None:
        copy = Path(tempfile.mkdtemp(prefix="txasync-bench-")) / "twisted"
        shutil.copytree(root, copy)  # the benchmark edits a file: never the installed one
        target = next((p for p in sorted(copy.rglob("*.py")) if "/test/" not in str(p)
                       and "@defer.inlineCallbacks" in p.read_text(errors="replace")), None)
        if target is not None:
            workspaces.append((f"Twisted ({copy})", copy, target))
    have_pyright = os.path.exists(PYRIGHT[0])
    before_env = None
    if before is not None:
        before_env = dict(os.environ, PYTHONPATH=str(before / "server"))

    if not have_pyright:
        print("basedpyright is not installed (pip install basedpyright): no ratios")
    for label, root_dir, target in workspaces:
        if only and only.lower() not in label.lower():
            continue
        files = sum(1 for _ in root_dir.rglob("*.py"))
        mine = await measure_server("txasync", SERVER, root_dir, target, repeat, True)
        earlier = (await measure_server("txasync (before)", SERVER, root_dir, target, repeat,
                                        True, before_env) if before_env is not None else {})
        theirs = (await measure_server("basedpyright", PYRIGHT, root_dir, target, repeat, False)
                  if have_pyright else {})
        print(f"{label}: {files} files, editing {target.relative_to(root_dir)}")
        if earlier:
            print(f"  before = txasync from {before}, in the same run")
            print(f"  {'':28s} {'before':>10s} {'txasync':>10s} {'basedpyright':>13s} "
                  f"{'before/bp':>9s} {'ratio':>7s}")
        else:
            print(f"  {'':28s} {'txasync':>10s} {'basedpyright':>13s} {'ratio':>7s}")
        for key, title, unit in (("cold", "cold start", "s"),
                                 ("restart", "restart, tree unchanged", "s"),
                                 ("edit_p50", "edit latency p50", "ms"),
                                 ("edit_p90", "edit latency p90", "ms"),
                                 ("comment_p50", "comment edit p50", "ms"),
                                 ("comment_p90", "comment edit p90", "ms"),
                                 ("paced_settle", "paced: last key -> answer", "ms"),
                                 ("paste", "paste 30-line function", "ms"),
                                 ("rss_mb", "peak RSS", "MB")):
            a, b = mine.get(key), theirs.get(key)
            scale = 1000 if unit == "ms" else 1
            shown_a = f"{a * scale:10.1f}" if a is not None else f"{'-':>10s}"
            shown_b = f"{b * scale:13.1f}" if b is not None else f"{'-':>13s}"
            ratio = f"{a / b:6.2f}x" if a is not None and b else "      -"
            if earlier:
                e = earlier.get(key)
                shown_e = f"{e * scale:10.1f}" if e is not None else f"{'-':>10s}"
                was = f"{e / b:8.2f}x" if e is not None and b else "        -"
                print(f"  {title + ' (' + unit + ')':28s} {shown_e} {shown_a} {shown_b} {was} "
                      f"{ratio}")
            else:
                print(f"  {title + ' (' + unit + ')':28s} {shown_a} {shown_b} {ratio}")
        for who, got in (("txasync (before)", earlier), ("txasync", mine),
                         ("basedpyright", theirs)):
            if "paced_answered" in got:
                done, total = got["paced_answered"]
                within, _ = got["paced_within_200"]
                print(f"  paced typing at 100 ms, {who}: {done} of {total} versions answered "
                      f"while typing; {within} of {total} answered or superseded within "
                      "200 ms of the last key")
        for who, got in (("txasync (before)", earlier), ("txasync", mine)):
            resolve = got.get("resolve")
            if got:
                print(f"  codeAction + resolve (Convert to async), {who}: "
                      + (f"{resolve * 1000:.1f} ms" if resolve is not None else
                         "no convertible function offered"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--skip-twisted", action="store_true")
    parser.add_argument("--big", action="store_true",
                        help="only the big-workspace scenario, against basedpyright")
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(os.environ.get("TXASYNC_REALWORLD_CACHE")
                                     or Path.home() / ".cache" / "txasync-realworld"))
    parser.add_argument("--before", type=Path, default=None,
                        help="with --big: also run txasync from this checkout (its server/ "
                        "directory first on PYTHONPATH), for before/after figures in one run")
    parser.add_argument("--only", default="",
                        help="with --big: only the workspace whose label has this text")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "0")
    if args.big:
        asyncio.run(bench_big(args.repeat, args.cache_dir, args.before, args.only))
        return
    asyncio.run(bench_did_change(args.repeat))
    if not args.skip_twisted:
        asyncio.run(bench_hover(args.repeat))


if __name__ == "__main__":
    main()
