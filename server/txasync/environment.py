"""The target environment: the interpreter the project runs under, and what it can import.

txasync reads library classes (Twisted's, testtools', a framework's base classes) from their
source, never importing them. They must be read from the *project's* environment, not from
txasync's own (installed with pipx or in a venv of its own, txasync sees neither the
project's Twisted nor its frameworks). The interpreter is, in order: `--python` (or the
editor's `txasync.python`), `[tool.txasync] python`, `$VIRTUAL_ENV`, a virtual environment
(any directory holding `pyvenv.cfg`) at the project root, then txasync's own.

The interpreter is asked once for its import path and its installed Twisted version, in a
subprocess started with `-I -S` (no environment variables, no user site, no `site` module:
nothing of the project's or its libraries' code runs, not even `.pth` hooks). The
site-packages directories and the plain directory lines of their `.pth` files are added
from the interpreter's own `site.getsitepackages()`. The answer is cached per interpreter
under the user's cache directory and reused while the interpreter and every directory on
its path keep their modification times (installing a package changes site-packages').
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass

# Run by the target interpreter (any Python 3): print its import path and Twisted version.
# Only the standard library is imported; `.pth` files are read as text, never executed.
_QUERY = r"""
import json, os, site, sys
paths = [p for p in sys.path if p]
prefix = sys.prefix
# Before 3.11 `site` (not run here) is what moves sys.prefix into a virtual environment.
venv = os.path.dirname(os.path.dirname(os.path.abspath(sys.executable)))
if not os.path.isfile(os.path.join(prefix, "pyvenv.cfg")) and os.path.isfile(
        os.path.join(venv, "pyvenv.cfg")):
    prefix = venv
prefixes = [prefix]
cfg = os.path.join(prefix, "pyvenv.cfg")
if os.path.isfile(cfg):
    with open(cfg) as handle:
        for line in handle:
            key, _, value = line.partition("=")
            if key.strip() == "include-system-site-packages" and value.strip() == "true":
                prefixes.append(sys.base_prefix)
else:
    try:
        user = site.getusersitepackages()
    except Exception:
        user = None
    if user and os.path.isdir(user):
        paths.append(user)
try:
    sites = site.getsitepackages(prefixes)
except Exception:
    sites = []
if os.path.isfile(cfg):
    # Where a virtual environment keeps its packages: Debian's Python answers the above
    # with its own dist-packages layout, which no venv has.
    import sysconfig
    scheme = "venv" if "venv" in sysconfig.get_scheme_names() else "posix_prefix"
    for key in ("purelib", "platlib"):
        try:
            where = sysconfig.get_path(key, scheme, {"base": prefix, "platbase": prefix})
        except Exception:
            continue
        if where not in sites:
            sites.append(where)
for directory in sites:
    if not os.path.isdir(directory):
        continue
    paths.append(directory)
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".pth"):
            continue
        try:
            with open(os.path.join(directory, name)) as handle:
                lines = handle.read().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            line = line.strip()
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            full = os.path.normpath(os.path.join(directory, line))
            if os.path.isdir(full):
                paths.append(full)
twisted = None
for directory in paths:
    try:
        names = os.listdir(directory)
    except OSError:
        continue
    for name in names:
        lower = name.lower()
        if lower.startswith("twisted-") and lower.endswith((".dist-info", ".egg-info")):
            twisted = name[len("twisted-"):].rsplit(".", 1)[0].split("-")[0]
            break
    if twisted:
        break
seen = set()
unique = [p for p in paths if not (p in seen or seen.add(p))]
print(json.dumps({"path": unique, "twisted": twisted, "executable": sys.executable,
                  "version": "%d.%d" % sys.version_info[:2]}))
"""

CACHE_VERSION = 2  # 2: a venv's own site-packages on Debian's Python
QUERY_TIMEOUT = 60


class TargetError(Exception):
    """The target interpreter cannot be used; the message says which and why."""


@dataclass(frozen=True)
class TargetEnvironment:
    """The interpreter the project runs under and what it answered."""

    python: str  # the interpreter asked (as found; not resolved through symlinks)
    source: str  # why this one: "--python", "configuration", "$VIRTUAL_ENV", ...
    path: tuple[str, ...]  # its import path (site-packages included)
    twisted: str | None  # the Twisted version installed there, if any
    own: bool = False  # txasync's own interpreter (no subprocess was needed)

    def to_json(self) -> dict[str, object]:
        return {"python": self.python, "python_source": self.source,
                "installed_twisted": self.twisted}


def venv_python(directory: str) -> str | None:
    """The interpreter of a virtual environment directory, if it has one."""
    for candidate in (os.path.join(directory, "bin", "python"),
                      os.path.join(directory, "bin", "python3"),
                      os.path.join(directory, "Scripts", "python.exe")):
        if os.path.isfile(candidate):
            return candidate
    return None


def is_venv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


_PREFERRED_VENVS = (".venv", "venv", "env", ".env")


def project_venv(root: str) -> str | None:
    """A virtual environment directly under the project root (`.venv` first, any name)."""
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return None
    names.sort(key=lambda n: (_PREFERRED_VENVS.index(n) if n in _PREFERRED_VENVS
                              else len(_PREFERRED_VENVS), n))
    for name in names:
        directory = os.path.join(root, name)
        if os.path.isdir(directory) and is_venv(directory):
            python = venv_python(directory)
            if python is not None:
                return python
    return None


def _resolve_python(value: str, root: str) -> str:
    """A configured interpreter: a path (relative to `root`: the current directory for
    `--python`, as every path on a command line; the project root for configuration), a
    venv directory, or a command name on PATH."""
    import shutil

    expanded = os.path.expanduser(value)
    if os.sep in expanded or (os.altsep and os.altsep in expanded) or expanded.startswith("."):
        full = expanded if os.path.isabs(expanded) else os.path.join(root, expanded)
        if os.path.isdir(full):
            python = venv_python(full)
            if python is None:
                raise TargetError(f"python: {value}: {os.path.abspath(full)} is a directory "
                                  "without bin/python; give the interpreter or its venv")
            return python
        if not os.path.isfile(full):
            raise TargetError(f"python: {value}: no such interpreter "
                              f"(looked for {os.path.abspath(full)})")
        return os.path.abspath(full)
    found = shutil.which(expanded)
    if found is None:
        raise TargetError(f"python: {value}: not found on PATH")
    return found


def choose_interpreter(root: str, explicit: str | None = None,
                       configured: str | None = None,
                       explicit_source: str = "--python") -> tuple[str | None, str]:
    """(interpreter, why) in the documented order; None means txasync's own."""
    if explicit:
        base = os.getcwd() if explicit_source == "--python" else root
        return _resolve_python(explicit, base), explicit_source
    if configured:
        return _resolve_python(configured, root), "[tool.txasync] python"
    virtual_env = os.environ.get("VIRTUAL_ENV")
    if virtual_env and os.path.isdir(virtual_env):
        python = venv_python(virtual_env)
        if python is not None:
            return python, "$VIRTUAL_ENV"
    python = project_venv(root)
    if python is not None:
        name = os.path.basename(os.path.dirname(os.path.dirname(python)))
        return python, f"virtual environment {name}/ at the project root"
    return None, "txasync's own interpreter"


def _is_own(python: str) -> bool:
    """The interpreter running txasync: the same virtual environment, or the same
    interpreter outside any (a venv's bin/python is a symlink to its base interpreter, so
    comparing executables alone would take every venv for txasync's own)."""
    venv = os.path.dirname(os.path.dirname(os.path.abspath(python)))
    if is_venv(venv):
        return os.path.realpath(venv) == os.path.realpath(sys.prefix)
    if sys.prefix != sys.base_prefix:
        return False
    try:
        return os.path.samefile(python, sys.executable)
    except OSError:
        return False


def own_environment(source: str = "txasync's own interpreter") -> TargetEnvironment:
    from importlib import metadata

    try:
        twisted: str | None = metadata.version("twisted")
    except metadata.PackageNotFoundError:
        twisted = None
    return TargetEnvironment(sys.executable, source, tuple(p for p in sys.path if p), twisted,
                             own=True)


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "txasync", "interpreters")


def _stamp(path: str) -> list[float]:
    try:
        st = os.stat(path)
        lst = os.lstat(path)
    except OSError:
        return [-1.0, -1.0]
    return [st.st_mtime, lst.st_mtime]


def _dir_stamps(paths: list[str]) -> dict[str, float]:
    stamps = {}
    for p in paths:
        try:
            stamps[p] = os.stat(p).st_mtime
        except OSError:
            stamps[p] = -1.0
    return stamps


def query_interpreter(python: str, cache: str | None = None) -> tuple[list[str], str | None]:
    """The interpreter's import path and installed Twisted version (cached, see above)."""
    cache = cache if cache is not None else cache_dir()
    key = hashlib.sha256(os.path.abspath(python).encode()).hexdigest()[:24]
    entry_path = os.path.join(cache, key + ".json")
    stamp = _stamp(python)
    try:
        with open(entry_path, encoding="utf-8") as handle:
            entry = json.load(handle)
        if (entry.get("v") == CACHE_VERSION and entry.get("python") == os.path.abspath(python)
                and entry.get("stamp") == stamp
                and _dir_stamps(entry["path"]) == entry.get("dirs")):
            return list(entry["path"]), entry.get("twisted")
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        proc = subprocess.run([python, "-I", "-S", "-c", _QUERY], capture_output=True,
                              text=True, timeout=QUERY_TIMEOUT, cwd=os.path.dirname(
                                  os.path.abspath(python)) or None,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TargetError(f"python: {python}: cannot run it: {exc}") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise TargetError(f"python: {python}: asking it for its import path failed: "
                                f"{last}")
    try:
        answer = json.loads(proc.stdout.strip().splitlines()[-1])
        paths = [str(p) for p in answer["path"]]
        twisted = answer.get("twisted")
    except (ValueError, KeyError, IndexError, TypeError):
        raise TargetError(f"python: {python}: unexpected answer to the import-path "
                                "query") from None
    entry = {"v": CACHE_VERSION, "python": os.path.abspath(python), "stamp": stamp,
             "path": paths, "dirs": _dir_stamps(paths), "twisted": twisted}
    try:
        os.makedirs(cache, exist_ok=True)
        tmp = f"{entry_path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(entry, handle)
        os.replace(tmp, entry_path)
    except OSError:
        pass  # a read-only home only costs the next run a subprocess
    return paths, twisted


def target_environment(root: str, explicit: str | None = None,
                       configured: str | None = None,
                       explicit_source: str = "--python") -> TargetEnvironment:
    """Find and ask the project's interpreter (see the module docstring)."""
    python, source = choose_interpreter(root, explicit, configured, explicit_source)
    if python is None or _is_own(python):
        return own_environment(source)
    paths, twisted = query_interpreter(python)
    return TargetEnvironment(python, source, tuple(paths), twisted)
