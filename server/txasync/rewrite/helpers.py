"""Names for the `async def` helpers of functions that keep their Deferred API.

A function that keeps its API becomes `def name(...)` returning
`ensureDeferred(self.__name(...))`, its body moved to the helper. A helper name that is
already bound would silently replace that binding (or be replaced by it): `maybe_start` and
`_maybe_start` of one class both wanting `__maybe_start` lose one body, and a subclass
helper with the same mangled name overrides its base's, so the base's wrapper runs the
subclass's body. So a name is only used after checking it against every identifier of the
files involved (a superset of every name bound in them: methods, class attributes,
assignments to `self.x`), the method names of the class's whole workspace hierarchy and of
its library bases, and every helper already chosen in this run.

Names are chosen in a fixed order (file, then qualified name) from the text and the facts
alone, so the same input always gives the same names. No libcst here: the engine calls this
while planning, before any rewrite.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Container, Iterable
from functools import lru_cache

from ..analysis.model import FunctionFact

_WORD = re.compile(r"[^\W\d]\w*")


@lru_cache(maxsize=256)
def identifiers(text: str) -> frozenset[str]:
    """Every identifier written in `text` (names, attributes, keywords of calls, ...).

    Tokenizing gives exactly the NAME tokens; a text that does not tokenize falls back to
    every word, which only ever holds more names (a helper name is then merely longer)."""
    try:
        return frozenset(tok.string for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                         if tok.type == tokenize.NAME)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return frozenset(_WORD.findall(text))


class TextNames(Container[str]):
    """The identifiers of some texts, plus some names, asked about one name at a time.

    A name is an identifier of a text only if the text contains it, and a helper name is
    rarely written anywhere: most texts are never tokenized. (A class with hundreds of
    subclasses, a test case base, otherwise tokenizes every file of the hierarchy.)"""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}  # path -> text
        self.names: set[str] = set()

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name in self.names or any(name in text and name in identifiers(text)
                                         for text in self.texts.values())


def mangled(name: str, class_qualname: str) -> str:
    """The attribute `name`, written in the body of class `class_qualname`, really sets."""
    owner = class_qualname.rsplit(".", 1)[-1].lstrip("_")
    if not owner or not name.startswith("__") or name.endswith("__"):
        return name
    return f"_{owner}{name}"


def base_name(fn: FunctionFact) -> str:
    """The preferred helper name: class-private `__name` for methods (mangled per class, so a
    subclass converted the same way cannot override it and recurse through `super()`),
    `_name` elsewhere."""
    return f"__{fn.name.lstrip('_')}" if fn.class_qualname else f"_{fn.name}"


def choose(base: str, class_qualname: str, names: Iterable[str] | Container[str],
           chosen: Iterable[tuple[str, str]] = ()) -> str:
    """`base`, or the first of `base_async`, `base_async2`, ... that clashes with nothing
    (see `is_taken`)."""
    names = names if isinstance(names, Container) else frozenset(names)
    chosen = list(chosen)
    candidate = base
    n = 1
    while is_taken(candidate, class_qualname, names, chosen):
        candidate = f"{base}_async" + (str(n) if n > 1 else "")
        n += 1
    return candidate


def is_taken(candidate: str, class_qualname: str, names: Iterable[str] | Container[str],
             chosen: Iterable[tuple[str, str]] = ()) -> bool:
    """Whether `candidate` (as written in `class_qualname`, "" outside classes) clashes with
    `names` or with helpers already `chosen` as (class qualname, helper) pairs.

    Both spellings count: the name as written and the attribute it becomes after private
    name mangling, against names as written in any of the files and against the mangled
    attributes of the chosen helpers."""
    names = names if isinstance(names, Container) else set(names)
    real = mangled(candidate, class_qualname) if class_qualname else candidate
    if candidate in names or real in names:
        return True
    for owner, helper in chosen:
        if helper == candidate or (owner and mangled(helper, owner) == real):
            return True
    return False
