"""When a diagnostics pass starts: at once after a quiet spell, debounced within a burst.

An isolated edit has no burst to absorb, so its pass must not wait out the debounce; keys
typed close together, or while a pass is running, still wait (the running pass gives up for
the newest text on its own). These drive the publisher directly: which wait it chooses is
the behaviour, and nothing here measures time.
"""

from __future__ import annotations

import asyncio
from typing import Any

from txasync.lsp.diagnostics import DEBOUNCE_SECONDS, Publisher
from txasync.lsp.settings import Settings
from txasync.lsp.state import Folder


class _Recorder:
    """Stands in for the session: the publisher's passes are recorded, not run."""

    def __init__(self) -> None:
        self.passes: list[str | None] = []


def _publisher() -> tuple[Publisher, _Recorder]:
    recorder = _Recorder()
    publisher = Publisher(recorder)  # type: ignore[arg-type]

    async def update(folder: Folder, first: str | None = None) -> None:
        recorder.passes.append(first)

    publisher.update = update  # type: ignore[method-assign]
    return publisher, recorder


def _folder() -> Folder:
    return Folder(uri="file:///w", root="/w", settings=Settings())


async def _drain(publisher: Publisher) -> None:
    tasks: list[Any] = list(publisher.pending.values())
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_the_first_change_after_a_quiet_spell_starts_its_pass_at_once():
    publisher, recorder = _publisher()
    folder = _folder()
    assert publisher.schedule("file:///w/a.py", folder) == 0
    # The next key, before that pass has even started: a burst, debounced.
    assert publisher.schedule("file:///w/a.py", folder) == DEBOUNCE_SECONDS
    await _drain(publisher)
    assert recorder.passes == ["file:///w/a.py"]  # the first pass gave way to the second


async def test_a_change_while_a_pass_runs_waits_out_the_debounce():
    publisher, recorder = _publisher()
    folder = _folder()
    loop = asyncio.get_running_loop()
    async with folder.analysis_lock:
        # Quiet for long enough, but a pass holds the folder: the change is part of a burst
        # that pass will pick up (it starts again from the newest text).
        publisher.last_change[folder.uri] = loop.time() - 10 * DEBOUNCE_SECONDS
        assert publisher.schedule("file:///w/a.py", folder) == DEBOUNCE_SECONDS
    await _drain(publisher)
    assert recorder.passes == ["file:///w/a.py"]


async def test_an_explicit_wait_is_kept_and_quiet_is_per_folder():
    publisher, _ = _publisher()
    one, other = _folder(), Folder(uri="file:///v", root="/v", settings=Settings())
    assert publisher.schedule("file:///w/a.py", one, delay=0) == 0
    await _drain(publisher)
    # `one` changed just now; `other` has been quiet: its first change is not debounced.
    assert publisher.schedule("file:///w/a.py", one) == DEBOUNCE_SECONDS
    await _drain(publisher)
    assert publisher.schedule("file:///v/b.py", other) == 0
    await _drain(publisher)
