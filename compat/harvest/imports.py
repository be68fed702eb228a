"""The OpenMMLab packages a release imports unconditionally on the way to its public API, read with
:mod:`ast` only.

``import <pkg>.apis`` and ``import <pkg>.models`` run every module-level statement of those packages'
``__init__.py``, of their parents', and of every module they import in turn. An ``import`` or ``from``
statement there that is not inside a ``try`` catching ImportError, an ``if`` or a function must succeed
for the API to load: a package it names is required, whatever the release's metadata calls optional.
:func:`required_imports` follows such statements within the package, at one ref of a repository (any
``read(path) -> text or None``), and reports the first statement naming each other OpenMMLab package,
with the file and line. Nothing is imported or run.
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

__all__ = ["API_MODULES", "OPENMMLAB_MODULES", "RequiredImport", "required_imports", "unconditional_imports"]

#: The modules whose import path is followed: the public API of a codebase.
API_MODULES = ("apis", "models")
#: The top-level modules of OpenMMLab packages (and their distributions' import names).
OPENMMLAB_MODULES = frozenset({
    "mmaction", "mmagic", "mmcls", "mmcv", "mmdeploy", "mmdet", "mmdet3d", "mmedit", "mmengine", "mmfewshot",
    "mmflow", "mmhuman3d", "mmocr", "mmpose", "mmpretrain", "mmrazor", "mmrotate", "mmseg", "mmselfsup",
    "mmtrack", "mmyolo",
})
#: Exceptions whose handler makes the imports of a ``try`` body optional.
_CATCHING = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

Reader = Callable[[str], Optional[str]]


class RequiredImport(NamedTuple):
    """One statement that imports another OpenMMLab package on the API's import path."""

    module: str  # the top-level module imported: ``mmdet``
    imported: str  # the module the statement names: ``mmdet.utils``
    path: str  # the file, relative to the repository: ``mmpose/models/heads/hybrid_heads/rtmo_head.py``
    line: int


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    caught = {n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else "" for n in names}
    return bool(caught & _CATCHING)


def _statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run whenever the module body runs: into ``with`` blocks and ``try`` bodies whose
    handlers do not catch ImportError; never into ``if``, loops, functions or classes."""
    for node in body:
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            handlers: List[ast.ExceptHandler] = getattr(node, "handlers", [])
            if not any(_catches_import_error(h) for h in handlers):
                yield from _statements(getattr(node, "body", []))
            yield from _statements(getattr(node, "finalbody", []))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _statements(node.body)
        else:
            yield node


def unconditional_imports(source: str, module: str, *, is_package: bool) -> List[Tuple[str, List[str], int]]:
    """``(module imported, names imported from it, line)`` of each unconditional import statement of
    ``source`` (the module ``module``), relative imports made absolute. A syntax error gives nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    package = module if is_package else module.rpartition(".")[0]
    found: List[Tuple[str, List[str], int]] = []
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    continue  # beyond the top-level package: not importable
                anchor = ".".join(parts[:len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            found.append((base, [a.name for a in node.names if a.name != "*"], node.lineno))
    return found


def _find(read: Reader, module: str) -> Optional[Tuple[str, str, bool]]:
    """(path, text, is a package) of ``module`` in the repository, or None."""
    base = module.replace(".", "/")
    for path, is_package in ((f"{base}/__init__.py", True), (f"{base}.py", False)):
        text = read(path)
        if text is not None:
            return path, text, is_package
    return None


def required_imports(read: Reader, package: str, api: Sequence[str] = API_MODULES) -> List[RequiredImport]:
    """The first unconditional import of each other OpenMMLab package on the import path of
    ``<package>.<api>`` (every parent package's ``__init__.py`` included), in the order the modules are
    reached; ``read`` gives a file of the repository at one ref, or None."""
    queue: List[str] = []
    for name in api:
        parts = f"{package}.{name}".split(".")
        queue.extend(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    seen: Dict[str, bool] = {}
    first: Dict[str, RequiredImport] = {}
    while queue:
        module = queue.pop(0)
        if module in seen:
            continue
        seen[module] = True
        found = _find(read, module)
        if found is None:
            continue
        path, text, is_package = found
        for imported, names, line in unconditional_imports(text, module, is_package=is_package):
            top = imported.split(".", 1)[0]
            if top == package:
                parts = imported.split(".")
                queue.extend(".".join(parts[:i]) for i in range(1, len(parts) + 1))
                queue.extend(f"{imported}.{n}" for n in names)  # ``from . import heads``: a submodule, if one
            elif top in OPENMMLAB_MODULES and top not in first:
                first[top] = RequiredImport(top, imported, path, line)
    return list(first.values())
