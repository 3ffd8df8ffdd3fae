"""Checks on Python source shared by the golden and property tests: what runs in a
function's own frame, and what still looks like inlineCallbacks machinery."""

from __future__ import annotations

import ast
from collections.abc import Iterator


def own_frame(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Nodes evaluated in a function's own frame, as Python scopes them: not the bodies of
    nested defs, lambdas, classes and comprehensions, but their decorators and default
    values, a class's bases and keywords, and a comprehension's first iterable."""
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        children: list[ast.AST]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            children = [*node.decorator_list, *node.args.defaults,
                        *(d for d in node.args.kw_defaults if d is not None)]
        elif isinstance(node, ast.Lambda):
            children = [*node.args.defaults,
                        *(d for d in node.args.kw_defaults if d is not None)]
        elif isinstance(node, ast.ClassDef):
            children = [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
        elif isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            children = [node.generators[0].iter]
        else:
            children = list(ast.iter_child_nodes(node))
        stack.extend(children)


def is_return_value(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "returnValue") or (
        isinstance(func, ast.Attribute) and func.attr == "returnValue")


def is_ic_decorator(decorator: ast.expr) -> bool:
    text = ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator)
    return text.endswith("inlineCallbacks") or text == "ic"
