"""jedi as a second opinion on receivers the static resolver cannot type.

Static resolution handles imports, `self`, attributes typed in `__init__` and simple locals.
jedi follows more (tuple unpacking, containers, `with` targets, library return types) but is
slower by orders of magnitude and sometimes confidently wrong (it types
`successResultOf(d)` from its annotation, whatever `d` is). So it is opt-in
(`[tool.txasync] jedi = true` or `--jedi`), and its answer is used only as positive
evidence: a receiver jedi types as one workspace class makes the call a definite caller. A
receiver jedi cannot type, or types outside the workspace, stays a *possible* caller: jedi
never removes a caller. One `jedi.Project` per root; project code is parsed, never run.
"""

from __future__ import annotations

import hashlib

from .model import CallSite


class JediOracle:
    def __init__(self, root: str, sources: dict[str, str]) -> None:
        import jedi

        self._jedi = jedi
        self.project = jedi.Project(root, load_unsafe_extensions=False)
        self.sources = sources
        self.cache: dict[tuple[str, str, int, int], str | None] = {}
        self.queries = 0

    def receiver_type(self, path: str, site: CallSite) -> str | None:
        """Qualified name of the receiver's class in `receiver.method(...)`, if jedi knows one."""
        text = self.sources.get(path)
        owner = site.callee.text.rpartition(".")[0]
        if text is None or not owner or site.span.line != site.span.end_line:
            return None
        line, col = site.span.line, site.span.col + len(owner) - 1
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        key = (path, digest, line, col)
        if key in self.cache:
            return self.cache[key]
        self.queries += 1
        try:
            script = self._jedi.Script(code=text, path=path, project=self.project)
            names = script.infer(line, col)
        except Exception:  # jedi has internal errors on odd code; no answer is fine
            names = []
        kinds = {n.full_name for n in names if n.type == "instance" and n.full_name}
        answer = kinds.pop() if len(kinds) == 1 else None
        self.cache[key] = answer
        return answer
