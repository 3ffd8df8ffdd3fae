"""What a project declares about itself, read statically: is it a distribution (a library
other code installs and calls), and which Twisted versions does it allow?

Sources, all read as text (a `setup.py` is parsed, never run): `pyproject.toml`
(`[project]` with its `dependencies`), `setup.cfg` (`[metadata] name`,
`[options] install_requires`), `setup.py` (a `setup(...)` call, direct or through a helper
of the project's own, its `name=` and `install_requires=` when they are literals or names
bound to literals), and
`requirements*.txt` at the project root. A conversion must be safe on the *oldest* Twisted
the project allows, so the version is the lower bound of its Twisted requirement
(`twisted>=22.8` -> 22.8; `~=22.4.0` -> 22.4; several requirements, e.g. per Python
version: the oldest of them). A requirement whose environment marker holds on no Python that
runs `async def` (`python_version < '3.0'`) says nothing about the converted code and is
skipped.
"""

from __future__ import annotations

import ast
import configparser
import glob
import os
import tomllib
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


@dataclass(frozen=True)
class Declared:
    """The project's own metadata, as far as it can be read."""

    distribution: str | None = None  # the distribution name, when the project declares one
    distribution_file: str | None = None  # where it is declared
    # (oldest allowed Twisted, "file: requirement") when a requirement has a lower bound
    twisted: tuple[tuple[int, int], str] | None = None


def lower_bound(requirement: Requirement) -> tuple[int, int] | None:
    """The oldest version a requirement allows (None: no lower bound)."""
    bounds = []
    for spec in requirement.specifier:
        if spec.operator in (">=", ">", "==", "~=", "==="):
            text = spec.version.rstrip(".*")
            try:
                release = Version(text).release
            except InvalidVersion:
                continue
            bounds.append((release[0], release[1] if len(release) > 1 else 0))
    return max(bounds) if bounds else None


# The environments a converted tree may run in: every Python with `async def` (3.5 on), on
# each common platform and implementation. Markers on other variables (`extra`) are kept.
_ASYNC_PYTHONS = tuple(f"3.{minor}" for minor in range(5, 16))
_PLATFORMS = (("linux", "Linux", "posix"), ("win32", "Windows", "nt"),
              ("darwin", "Darwin", "posix"))
_IMPLEMENTATIONS = (("cpython", "CPython"), ("pypy", "PyPy"))


def applies_to_async_pythons(marker: Marker | None) -> bool:
    """False only when the marker holds in none of those environments: a requirement for
    Python 2 (`python_version < '3.0'`) cannot bound the Twisted that converted code runs on.
    Anything txasync cannot evaluate counts as applying (the oldest bound stays the safe one)."""
    if marker is None or "extra" in str(marker):
        return True
    for python in _ASYNC_PYTHONS:
        for sys_platform, system, os_name in _PLATFORMS:
            for implementation, python_implementation in _IMPLEMENTATIONS:
                environment = {
                    "python_version": python, "python_full_version": f"{python}.0",
                    "sys_platform": sys_platform, "platform_system": system,
                    "os_name": os_name, "implementation_name": implementation,
                    "platform_python_implementation": python_implementation,
                }
                try:
                    if marker.evaluate(environment):
                        return True
                except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName,
                        ValueError):
                    return True
    return False


def _requirements_from_txt(path: str) -> list[str]:
    lines = []
    try:
        with open(path, encoding="utf-8") as handle:
            for raw in handle:
                line = raw.split(" #", 1)[0].strip()
                if not line or line.startswith(("#", "-")):
                    continue
                lines.append(line)
    except (OSError, UnicodeDecodeError):
        return []
    return lines


def _literal_strings(node: ast.AST | None, bindings: dict[str, ast.AST]) -> list[str] | None:
    if isinstance(node, ast.Name) and node.id in bindings:
        node = bindings[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                out.append(elt.value)
        return out
    return None


# Keywords of setup() that only a packaging script passes: a call with one of them in a
# setup.py is setup() reached through a helper.
_SETUP_KEYWORDS = frozenset({"name", "install_requires", "packages", "py_modules"})


def _read_setup_py(path: str) -> tuple[bool, str | None, list[str]]:
    """(is a packaging script, its name=, its install_requires=) read from the syntax tree.

    A setup.py is a packaging script when it calls `setup(...)`, itself or through a helper
    of its own (`setup_project(name=..., packages=...)` defined in another module): any
    call passing one of setup()'s keywords below counts. The project is a distribution
    either way, and missing that would convert its public API. The name and requirements
    come from the `setup(...)` call, else from the first such helper call."""
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), filename=path)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError):
        return False, None, []
    bindings: dict[str, ast.AST] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                stmt.targets[0], ast.Name):
            bindings[stmt.targets[0].id] = stmt.value
    setups: list[ast.Call] = []
    others: list[ast.Call] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else "")
        if called == "setup":
            setups.append(node)
        elif any(kw.arg in _SETUP_KEYWORDS for kw in node.keywords):
            others.append(node)
    calls = setups + others
    if not calls:
        return False, None, []
    name = None
    requires: list[str] = []
    for kw in calls[0].keywords:
        value = bindings.get(kw.value.id, kw.value) if isinstance(kw.value, ast.Name) \
            else kw.value
        if kw.arg == "name" and isinstance(value, ast.Constant) and isinstance(
                value.value, str):
            name = value.value
        elif kw.arg == "install_requires":
            requires = _literal_strings(kw.value, bindings) or []
    return True, name, requires


def read_declared(root: str) -> Declared:
    """The metadata of the project rooted at `root` (see the module docstring)."""
    distribution = distribution_file = None
    requirements: list[tuple[str, str]] = []  # (file, requirement text)
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject):
        try:
            with open(pyproject, "rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
        project = data.get("project")
        if isinstance(project, dict):
            if isinstance(project.get("name"), str):
                distribution, distribution_file = project["name"], "pyproject.toml"
            deps = project.get("dependencies", [])
            if isinstance(deps, list):
                requirements += [("pyproject.toml", str(d)) for d in deps]
    setup_cfg = os.path.join(root, "setup.cfg")
    if os.path.isfile(setup_cfg):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            parser = configparser.ConfigParser()
        name = parser.get("metadata", "name", fallback=None)
        if name and distribution is None:
            distribution, distribution_file = name.strip(), "setup.cfg"
        for line in parser.get("options", "install_requires", fallback="").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                requirements.append(("setup.cfg", line))
    setup_py = os.path.join(root, "setup.py")
    if os.path.isfile(setup_py):
        has_setup, name, requires = _read_setup_py(setup_py)
        if has_setup and distribution is None:
            distribution, distribution_file = name or os.path.basename(root), "setup.py"
        requirements += [("setup.py", r) for r in requires]
    for path in sorted(glob.glob(os.path.join(root, "requirements*.txt"))):
        requirements += [(os.path.basename(path), r) for r in _requirements_from_txt(path)]
    twisted: tuple[tuple[int, int], str] | None = None
    for where, text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != "twisted" or not applies_to_async_pythons(req.marker):
            continue
        bound = lower_bound(req)
        if bound is not None and (twisted is None or bound < twisted[0]):
            twisted = (bound, f"{where}: {text.strip()}")
    return Declared(distribution, distribution_file, twisted)


PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def find_project_root(start: str) -> str | None:
    """The nearest directory at or above `start` that declares a project."""
    directory = os.path.abspath(start)
    if os.path.isfile(directory):
        directory = os.path.dirname(directory)
    while True:
        if any(os.path.isfile(os.path.join(directory, f)) for f in PROJECT_FILES):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
