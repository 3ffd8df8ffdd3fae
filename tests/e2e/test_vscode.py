"""The VS Code extension (vscode-client/) in real VS Code: runs vscode-client/test/run-e2e.sh.

That script needs the Debian packages libkrb5-dev, pkg-config and chromium (`.ci/run` installs
them; the tests never install system packages), fetches Node 24, code-server and
playwright-core from npm into ~/.cache/txasync-vscode, builds and packages the extension from
its lockfile, runs the extension-host tests in code-server and one UI smoke run in headless
Chromium (screenshots in vscode-client/test-results/), and ends with "N passed, M failed". The
server it starts is this interpreter's txasync.

Skipped, with the reason, when `node` or `npm` is missing or the script reports missing
system packages (exit 77, "SKIP: ...").
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "vscode-client" / "test" / "run-e2e.sh"
SKIPPED = 77  # run-e2e.sh: a system package it needs is missing
TIMEOUT = 25 * 60  # a cold cache builds code-server's native modules (about 6 minutes)


def _missing_tools() -> list[str]:
    return [tool for tool in ("node", "npm") if shutil.which(tool) is None]


@pytest.mark.skipif(
    bool(_missing_tools()),
    reason=f"{' and '.join(_missing_tools())} not on PATH: the VS Code e2e run needs Node.js and "
    "npm to fetch Node 24 and code-server (Debian: apt-get install nodejs npm)",
)
def test_vscode_extension_in_code_server() -> None:
    env = {**os.environ, "TXASYNC_PYTHON": sys.executable, "CI": os.environ.get("CI", "true")}
    try:
        proc = subprocess.run(["bash", str(SCRIPT)], cwd=REPO / "vscode-client", env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(f"run-e2e.sh did not finish in {TIMEOUT}s:\n{out[-8000:]}")
    out = proc.stdout
    if proc.returncode == SKIPPED:
        pytest.skip(next((line[len("SKIP: "):] for line in out.splitlines()
                          if line.startswith("SKIP: ")), "run-e2e.sh skipped"))
    closing = re.findall(r"^(\d+) passed, (\d+) failed$", out, re.M)
    assert closing, f"run-e2e.sh printed no 'N passed, M failed' line:\n{out[-8000:]}"
    passed, failed = map(int, closing[-1])
    failures = "\n".join(line for line in out.splitlines() if line.startswith("FAIL"))
    assert proc.returncode == 0 and failed == 0 and passed > 0, (
        f"run-e2e.sh exit {proc.returncode}: {passed} passed, {failed} failed\n{failures}\n\n"
        f"--- output (tail) ---\n{out[-8000:]}")
