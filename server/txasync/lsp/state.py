"""Workspace folders, their engine projects, and consistent snapshots for the features.

One engine `Project` per workspace folder (multi-root editors get one each). Editor events
only *mark* files dirty; a feature that answers a request first brings the folder up to date
(`current`), so it always answers for the document version the client has now. Whole-workspace
analysis runs in a worker thread on a snapshot of the project, one at a time per folder, and
is cached per generation: hover, code lens and code actions after a diagnostics pass cost
nothing extra.
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import engine
from ..analysis.findings import Finding
from ..check_cache import CheckResult
from ..config import Config
from ..engine import Analysis, Project, SourceError
from ..errors import Superseded
from . import adapter
from .settings import Settings, effective_config

# Files larger than this are still analysed, but the initial scan skips nothing for size;
# the engine itself refuses files over its own limit.
MAX_IMPLICIT_FILES = 2000


@dataclass
class Snapshot:
    """A project as of one generation, the analysis of it, and the texts it was made from."""

    folder: Folder
    generation: int
    project: Project
    analysis: Analysis
    versions: dict[str, int | None]  # open documents: the version their text had
    good_text: dict[str, str]  # open documents: the text their (possibly stale) facts match
    # What converting some functions does, computed once per snapshot: hover, code lens and
    # the "Convert to async" edit read the same object, so they cannot disagree.
    conversions: dict[frozenset[str], engine.ConversionPlan] = field(default_factory=dict)

    def conversion(self, keys: Iterable[str]) -> engine.ConversionPlan:
        """The engine's plan for converting exactly `keys` on this snapshot (cached)."""
        wanted = frozenset(keys)
        plan = self.conversions.get(wanted)
        if plan is None:
            plan = self.conversions[wanted] = engine.conversion_plan(self.project, set(wanted))
        return plan

    def text(self, path: str) -> str | None:
        """The text the facts of `path` were computed from (the last good one if stale)."""
        if path in self.project.stale and path in self.good_text:
            return self.good_text[path]
        source = self.project.sources.get(path)
        return source.text if source is not None else None

    def findings(self, path: str) -> list[Finding]:
        return [f for f in self.analysis.findings if f.path == path]


@dataclass
class Folder:
    """A workspace folder (or, for loose files, the directory of the nearest pyproject)."""

    uri: str
    root: str
    settings: Settings
    implicit: bool = False
    # Why this is the root: the client's workspace folder, or what find_root found.
    root_reason: str = "workspace folder"
    # find_root found no project around the file: only open files are analysed.
    loose: bool = False
    config: Config = field(default_factory=Config)
    project: Project | None = None
    generation: int = 0
    versions: dict[str, int | None] = field(default_factory=dict)
    good_text: dict[str, str] = field(default_factory=dict)
    dirty: dict[str, str] = field(default_factory=dict)  # path -> "open" | "disk"
    problems: list[str] = field(default_factory=list)
    load_task: asyncio.Task[None] | None = None
    analysis_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Held by whoever changes `project` (a pass's worker thread, a command on the loop).
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _snapshot: Snapshot | None = None
    _pending: asyncio.Future[Snapshot] | None = None
    _pending_generation: int = -1
    # A result stored for exactly the folder's files as they were on disk at indexing
    # (`engine.stored_check`), with those files: shown for open documents with the disk's
    # text until the first pass is out (`Publisher.preview`).
    stored: tuple[CheckResult, frozenset[str]] | None = None
    # When none was stored: the key of the files on disk, the files (in the key's order)
    # and the sources read from them, until a pass of exactly those texts stores its
    # analysis for the next start (`State._remember`).
    to_store: tuple[str, list[str], dict[str, engine.Source]] | None = None
    # Passes that kept the previous analysis (edits that left every file's facts as they
    # were: see `State._pass`); counted so tests can see the path was taken.
    reused: int = 0

    def contains(self, path: str) -> bool:
        return path == self.root or path.startswith(self.root.rstrip(os.sep) + os.sep)

    def configure(self, settings: Settings) -> bool:
        """Apply new settings; True when the engine's view changed (re-analysis needed)."""
        problems: list[str] = []
        config = effective_config(self.root, settings, problems)
        self.settings = settings
        self.problems = problems
        if config == self.config:
            return False
        self.config = config
        if self.project is not None:
            self.project.config = config
            self.generation += 1
        return True


def settle_heap() -> None:
    """Move what indexing and the first analysis built (facts, the call-site index, the
    lookups they memoise: long-lived) out of the cyclic collector's reach. Otherwise a full
    collection, due every so many keystrokes, walks all of it: 0.5 s on a 350-file project,
    landing on whichever edit triggers it. Reference counting still frees what edits drop."""
    gc.collect()
    gc.freeze()


_warming: list[asyncio.Future[None]] = []


def warm_rewrite() -> None:
    """Import the rewrite (LibCST: a second of imports) once the first analysis is out, in
    the background, so the first "Convert to async" does not pay for it. Its modules then
    join the frozen heap (see `settle_heap`)."""
    if _warming:
        return

    def load() -> None:
        try:
            from ..rewrite import convert  # noqa: F401
        except Exception:  # told when an edit needs it, not here
            return
        gc.freeze()

    _warming.append(asyncio.ensure_future(asyncio.to_thread(load)))


_storing: set[asyncio.Future[None]] = set()  # kept until done (the loop holds weakly)


def _read_disk(paths: list[str]) -> dict[str, engine.Source]:
    read = {}
    for path in paths:
        try:
            read[path] = engine.read_source(path)
        except SourceError:
            continue
    return read


def same_as_disk(opened: dict[str, tuple[str, int | None]]
                 ) -> dict[str, tuple[str, int | None]]:
    """Those of the `opened` documents (path -> text and version) whose text is the one on
    disk (read in a worker thread)."""
    read = _read_disk(list(opened))
    return {path: (text, version) for path, (text, version) in opened.items()
            if path in read and read[path].text == text}


TextSource = Callable[[str], tuple[str, int | None] | None]
# A dirty file as taken on the event loop: its path, and its open text and version (None:
# read it from the disk, or drop it).
Taken = tuple[str, tuple[str, int | None] | None]
# What a pass's worker hands back: the generation analysed, the project copy, its analysis,
# and the open documents' versions and last good texts as of that generation.
Pass = tuple[int, Project, Analysis, dict[str, int | None], dict[str, str]]


class State:
    """Every folder of the session, and the rules for bringing one up to date."""

    def __init__(self, open_text: TextSource, log: Callable[[str], None]) -> None:
        self.folders: dict[str, Folder] = {}
        self.base_settings = Settings()
        self.open_text = open_text  # path -> (text, version) for documents open in the editor
        self.log = log
        self.loading_jobs = max(1, min(4, os.cpu_count() or 1))
        self.parallel_loads = 0  # folders loading with worker processes now
        # Set once the client's settings are in: indexing with the wrong config is wasted.
        self.settings_ready = asyncio.Event()
        # Told, on the event loop, that a folder being indexed has a stored result
        # (`Folder.stored`): the publisher shows it meanwhile.
        self.on_stored: Callable[[Folder], None] | None = None

    # -- folders -------------------------------------------------------------------------
    def add_folder(self, uri: str, root: str, implicit: bool = False) -> Folder:
        root = os.path.abspath(root)
        folder = self.folders.get(uri)
        if folder is None:
            folder = Folder(uri, root, self.base_settings, implicit=implicit)
            folder.configure(self.base_settings)
            self.folders[uri] = folder
        return folder

    def remove_folder(self, uri: str) -> Folder | None:
        folder = self.folders.pop(uri, None)
        if folder is not None and folder.load_task is not None:
            folder.load_task.cancel()
        return folder

    def folder_for(self, path: str) -> Folder:
        """The folder owning `path`: the deepest workspace folder, else an implicit one."""
        path = os.path.abspath(path)
        owners = [f for f in self.folders.values() if f.contains(path)]
        real = [f for f in owners if not f.implicit]  # a workspace folder beats a guess
        if real or owners:
            return max(real or owners, key=lambda f: len(f.root))
        from ..config import find_root
        from .uris import from_path

        found = find_root(path)
        folder = self.add_folder(from_path(found.path), found.path, implicit=True)
        folder.root_reason = found.why
        folder.loose = found.loose
        self.log(f"txasync: {path} is in no workspace folder the client sent; using "
                 f"{found.path} as its project root ({found.why})")
        return folder

    # -- loading -------------------------------------------------------------------------
    def start_loading(self, folder: Folder, progress: Any = None) -> asyncio.Task[None]:
        if folder.load_task is None:
            folder.load_task = asyncio.ensure_future(self._load(folder, progress))
        return folder.load_task

    async def _load(self, folder: Folder, progress: Any) -> None:
        try:
            await self._load_files(folder, progress)
        except Exception as exc:  # an unreadable tree must not leave the folder unusable
            self.log(f"txasync: indexing {folder.root} failed: {type(exc).__name__}: {exc}")
            folder.project = engine.load_project([], folder.config)
            folder.generation += 1

    async def _load_files(self, folder: Folder, progress: Any) -> None:
        try:
            await asyncio.wait_for(self.settings_ready.wait(), timeout=10)
        except TimeoutError:
            self.log("txasync: no settings from the client after 10 s; using pyproject.toml")
        config = folder.config
        self.log(f"txasync: {folder.root}: {config.version_line()}")
        notice = config.version_notice()
        if notice is not None:
            self.log(f"txasync: {folder.root}: {notice}")
        overlays = {}
        for path in list(folder.dirty):
            opened = self.open_text(path)
            if opened is not None:
                overlays[path] = opened[0]
        if folder.loose:
            files: list[str] = []  # a loose file: only what is open, never a whole home dir
        else:
            files, _ = await asyncio.to_thread(engine.discover, [folder.root], config)
            if folder.implicit and len(files) > MAX_IMPLICIT_FILES:
                files = []
        # The key of the files as they are on disk, and the result stored for them if any
        # (no key: none can be stored for this configuration).
        key: str | None = None
        stored: CheckResult | None = None
        if files:
            found = await asyncio.to_thread(engine.stored_check, files, config)
            if found is not None:
                key, stored = found
            if stored is not None:
                folder.stored = (stored, frozenset(files))
                if self.on_stored is not None:
                    self.on_stored(folder)
        if progress is not None:
            progress(f"indexing {len(files)} files in {os.path.basename(folder.root) or '/'}")
        jobs = self.loading_jobs if len(files) >= 64 else 1
        # The facts cache (shared with `txasync check`) spares a restart the parse of every
        # file that has not changed since; a loose file's folder gets no cache written into it.
        self.parallel_loads += jobs > 1
        try:
            project = await asyncio.to_thread(engine.load_project, files, config, jobs,
                                              overlays, not folder.loose)
        finally:
            self.parallel_loads -= jobs > 1
        if jobs > 1 and not self.parallel_loads:  # no other folder's load needs them
            await asyncio.to_thread(engine.release_workers)
        project.config = folder.config  # settings may have changed while files were read
        folder.project = project
        # Out of the collector's reach at once, without a collection first (0.4 s on the
        # event loop on Twisted's tree, before the first answer): the facts were built with
        # the collector paused and hold no cycles. The first analysis settles the heap.
        gc.freeze()
        for path in overlays:
            if path not in project.stale:
                folder.good_text[path] = overlays[path]
        for path in overlays:
            folder.versions[path] = (self.open_text(path) or ("", None))[1]
        folder.generation += 1
        if key is not None and stored is None and overlays.keys() <= set(files):
            # What a stored analysis must have been made from: the disk's text of every file
            # (`_remember` compares), open ones included.
            read = {path: source for path, source in project.sources.items()
                    if path not in overlays}
            read.update(await asyncio.to_thread(_read_disk, list(overlays)))
            folder.to_store = (key, files, read)
        for message in project.errors.values():
            self.log(message)

    async def loaded(self, folder: Folder) -> Project:
        task = self.start_loading(folder)
        await asyncio.shield(task)
        assert folder.project is not None
        return folder.project

    # -- editor events -------------------------------------------------------------------
    def mark(self, path: str, how: str = "open") -> Folder:
        folder = self.folder_for(path)
        folder.dirty[os.path.abspath(path)] = how
        return folder

    async def current(self, folder: Folder) -> Project:
        """The folder's project with every dirty file applied (after any pass in progress,
        and off the event loop: see `_analyse`)."""
        project = await self.loaded(folder)
        # Always behind the lock, even with nothing dirty: a pass in progress may have taken
        # the edits (the dirty set is empty) without having applied them yet.
        async with folder.analysis_lock:
            taken = self._take_dirty(folder)
            if taken:
                messages: list[str] = []

                def apply() -> None:
                    with folder.write_lock:
                        self._apply_taken(folder, project, taken, messages.append)

                await asyncio.to_thread(apply)
                for message in messages:
                    self.log(message)
        return project

    def _take_dirty(self, folder: Folder) -> list[Taken]:
        """The dirty files with the text and version each open one has now, read together on
        the event loop (which is where the client's edits land), for a worker thread to
        apply: the thread never reads a document the loop may be changing."""
        dirty, folder.dirty = folder.dirty, {}
        taken: list[Taken] = []
        for path, how in dirty.items():
            if not path.endswith(".py") or folder.config.is_excluded(path):
                continue
            # A document closed since it was marked falls back to the file on disk.
            taken.append((path, self.open_text(path) if how == "open" else None))
        return taken

    def _apply_taken(self, folder: Folder, project: Project, taken: list[Taken],
                     log: Callable[[str], None]) -> None:
        """Bring `project` up to date with what `_take_dirty` took (the folder's write lock
        held: one writer at a time)."""
        for path, opened in taken:
            if opened is not None:
                text, version = opened
                current = project.sources.get(path)
                if (current is not None and current.text == text and path not in project.stale
                        and folder.versions.get(path) == version):
                    continue
                engine.update_file(project, path, text)
                folder.versions[path] = version
            else:
                folder.versions.pop(path, None)
                folder.good_text.pop(path, None)
                if self._indexable(folder, path):
                    self._apply_disk(project, path, log)
                else:  # opened from a virtualenv, build dir, ...: gone with its buffer
                    engine.update_file(project, path, None)
                folder.generation += 1
                continue
            if path not in project.stale:
                folder.good_text[path] = text
            folder.generation += 1

    def _indexable(self, folder: Folder, path: str) -> bool:
        """Would indexing the folder have read this file (the engine's own skip rules)?"""
        if not folder.contains(path) or folder.loose:
            return False
        parts = os.path.relpath(path, folder.root).split(os.sep)[:-1]
        if any(engine.skipped_directory(p) for p in parts):
            return False
        return not folder.config.is_excluded(path)

    def _apply_disk(self, project: Project, path: str,
                    log: Callable[[str], None] | None = None) -> None:
        if not os.path.exists(path):
            engine.update_file(project, path, None)
            return
        try:
            source = engine.read_source(path)
        except SourceError as exc:
            engine.update_file(project, path, None)
            project.errors[path] = str(exc)
            (log or self.log)(str(exc))
            return
        current = project.sources.get(path)
        if current is not None and current.text == source.text and path not in project.stale:
            return
        engine.update_file(project, path, source.text)
        if path in project.sources:
            project.sources[path].encoding = source.encoding

    async def refresh_from_disk(self, folder: Folder, paths: Iterable[str]) -> bool:
        """Re-read files that are not open (an edit for them is computed from the disk).

        In a worker thread: the folder's write lock waits for a running pass, and reading
        and indexing files is work the event loop must not do (it keeps reading the
        client's messages meanwhile)."""
        project = folder.project
        if project is None:
            return False
        closed = [path for path in paths if self.open_text(path) is None]

        def refresh() -> bool:
            changed = False
            with folder.write_lock:
                for path in closed:
                    before = project.sources.get(path)
                    self._apply_disk(project, path)
                    if project.sources.get(path) is not before:
                        changed = True
                if changed:  # under the lock: a pass taking it next sees a new generation
                    folder.generation += 1
            return changed

        return await asyncio.to_thread(refresh)

    async def set_text(self, folder: Folder, path: str, text: str) -> None:
        """Record text the server itself wrote (an applied edit to a file that is not open),
        in a worker thread for the same reason as `refresh_from_disk`."""
        project = folder.project
        if project is None:
            return

        def record() -> None:
            with folder.write_lock:
                engine.update_file(project, path, text)
                folder.generation += 1

        await asyncio.to_thread(record)

    # -- analysis ------------------------------------------------------------------------
    async def snapshot(self, folder: Folder) -> Snapshot:
        """The analysis of the folder as it is now (cached per generation, one at a time)."""
        project = await self.loaded(folder)
        cached = folder._snapshot
        pending = folder._pending
        # A pass in progress may have taken the newest edits (nothing is dirty) without having
        # applied them yet (the generation has not moved): the cached analysis is then of an
        # older text, and the answer is that pass's.
        running = pending is not None and not pending.done()
        if (not folder.dirty and not running and cached is not None
                and cached.generation == folder.generation):
            return cached
        if folder.dirty or pending is None or folder._pending_generation != folder.generation or (
                pending.done() and (pending.cancelled() or pending.exception() is not None)):
            # Edits since the last pass: a new one, which queues behind any in progress and
            # then takes every edit made until it starts (so queued passes coalesce: the
            # ones after it find nothing left to do and return its result).
            folder._pending_generation = folder.generation
            pending = folder._pending = asyncio.ensure_future(self._analyse(folder, project))
        return await asyncio.shield(pending)

    async def _analyse(self, folder: Folder, project: Project) -> Snapshot:
        # One pass at a time per folder: two threads on the same GIL only slow both.
        # Whoever waited gets the state as it is once the previous pass is done.
        #
        # A pass is one job in a worker thread: apply the edits (new facts, the index
        # updated), copy the project, analyse the copy. The event loop only takes the dirty
        # texts (`_take_dirty`) and publishes, so it keeps reading the client's messages
        # while a pass runs; an edit arriving then makes the pass give up (`superseded`)
        # and the next round starts from the newest text. The folder's write lock makes
        # the worker the only writer of the project while it runs.
        async with folder.analysis_lock:
            while True:
                taken = self._take_dirty(folder)
                cached = folder._snapshot
                messages: list[str] = []
                try:
                    done = await asyncio.to_thread(self._pass, folder, project, taken, cached,
                                                  messages.append)
                except Superseded:
                    continue
                finally:
                    for message in messages:
                        self.log(message)
                if done is None:
                    assert cached is not None
                    return cached
                break
            generation, snap, analysis, versions, good = done
            result = Snapshot(folder, generation, snap, analysis, versions, good)
            if folder._snapshot is None:
                # After the first answer is out (the caller publishes it before this task
                # yields): a collection is a pause nobody needs to wait for.
                asyncio.get_running_loop().call_soon(settle_heap)
                warm_rewrite()
            if folder._snapshot is None or folder._snapshot.generation <= generation:
                folder._snapshot = result
            folder.stored = None  # the real answer is out
            self._remember(folder, result)
            return result

    def _remember(self, folder: Folder, snap: Snapshot) -> None:
        """Store, in the background, the analysis of the folder's files as they were on disk
        at indexing, for the next start (`Folder.to_store`): from the first pass whose
        texts are exactly those (an open document with unsaved edits defers it)."""
        pending = folder.to_store
        if pending is None or snap.project.stale:
            return
        key, files, read = pending
        sources = snap.project.sources
        if sources.keys() != read.keys() or any(
                sources[path] is not source and sources[path].text != source.text
                for path, source in read.items()):
            return
        folder.to_store = None

        async def store() -> None:
            try:
                await asyncio.to_thread(engine.store_check, snap.project, snap.analysis, key,
                                        files)
            except Exception as exc:  # a cache is best effort
                self.log(f"txasync: could not store the analysis: {type(exc).__name__}: {exc}")

        task = asyncio.ensure_future(store())
        _storing.add(task)
        task.add_done_callback(_storing.discard)

    def _pass(self, folder: Folder, project: Project, taken: list[Taken],
              cached: Snapshot | None, log: Callable[[str], None]) -> Pass | None:
        """One pass, in a worker thread: apply `taken`, copy the project, analyse the copy
        (None: the edits changed nothing, `cached` still holds)."""
        with folder.write_lock:
            if taken:
                self._apply_taken(folder, project, taken, log)
            if cached is not None and cached.generation == folder.generation:
                return None
            generation = folder.generation

            def superseded() -> bool:
                return bool(folder.dirty) or folder.generation != generation

            snap = adapter.snapshot(project)
            versions = dict(folder.versions)
            good = dict(folder.good_text)
            if cached is not None:
                # Edits that left every file's facts (and so the index) as they were: the
                # previous analysis is this text's too, positions and messages included.
                # Only the snapshot is new (its texts feed the edits and the versions).
                kept = engine.reusable_analysis(cached.project, cached.analysis, snap)
                if kept is not None:
                    folder.reused += 1
                    return generation, snap, kept, versions, good
            # A pass the next edit makes stale is given up, and the newest text analysed at
            # once, rather than answering for a text nobody has. Not the first one: it
            # builds the call-site index every later pass shares.
            if snap.workspace.indexed:
                analysis = engine.analyse(snap, None, None, superseded)
            else:
                # The first pass builds the call-site index: a few million long-lived
                # objects, each full collection meanwhile walking them all again (Twisted's
                # tree: 4.6 -> 3.9 s). They are frozen once it is out (`settle_heap`).
                with engine.gc_paused():
                    analysis = engine.analyse(snap)
            return generation, snap, analysis, versions, good

    def last_snapshot(self, folder: Folder) -> Snapshot | None:
        return folder._snapshot
