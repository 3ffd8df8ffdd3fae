"""Language-server latency, measured against the real `txasync lsp` over stdio.

1. didChange -> publishDiagnostics for a 5,000-line module of inlineCallbacks code, next to
   `ast.parse` of the same text (the floor for anything that reads Python), as a ratio. The
   server debounces changes (150 ms) before analysing; the figure is given with and without
   that wait, since an editor sees the first and the engine costs the second.
2. Warm hover latency on a function with callers in several files of the installed Twisted
   source tree (the whole tree is the workspace), after indexing and the first analysis.

Run: python benchmarks/lsp_bench.py [--repeat N] [--skip-twisted]
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
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

DEBOUNCE = 0.15
SERVER = [sys.executable, "-m", "txasync", "lsp"]


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
        self.events: asyncio.Queue[tuple[str, int | None]] = asyncio.Queue()
        self.progress_done = asyncio.Event()

        @self.lsp.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = (params.version, time.perf_counter(),
                                          len(params.diagnostics))
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

    async def start(self, root: Path) -> None:
        await self.lsp.start_io(*SERVER)
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

    async def wait_version(self, uri: str, version: int, timeout: float = 600) -> float:
        deadline = time.perf_counter() + timeout
        while True:
            seen = self.published.get(uri)
            if seen is not None and seen[0] == version:
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
                arrived = await client.wait_version(uri, version)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--skip-twisted", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "0")
    asyncio.run(bench_did_change(args.repeat))
    if not args.skip_twisted:
        asyncio.run(bench_hover(args.repeat))


if __name__ == "__main__":
    main()
