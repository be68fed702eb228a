"""The version checks an OpenMMLab package's ``__init__.py`` makes at import, read with :mod:`ast` only.

Nothing is imported or run: the file is parsed, and each ``assert`` that compares
``digit_version(<module>.__version__)`` with a bound becomes an :class:`EnforcedCheck` (the comparison
operators as written, which ``digit_version`` it uses, and the assertion message).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

from ..data.ranges import Range
from ..errors import CompatError

__all__ = ["EnforcedCheck", "parse_init", "string_constants"]


_OPERATORS = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<"}
_FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}


@dataclass(frozen=True)
class EnforcedCheck:
    """The bounds one module's version is asserted against at import.

    ``module`` is the imported module (``mmcv``), ``spec`` the PEP 440 equivalent of the assertion,
    ``compare`` which ``digit_version`` it compares with, ``messages`` the assertion texts with
    ``{version}`` where the running version goes.
    """

    module: str
    spec: str
    compare: str
    messages: Tuple[str, ...]


def _digit_version_flavour(tree: ast.Module) -> str:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "digit_version":
            return "local"
        if isinstance(node, ast.ImportFrom) and any(a.name == "digit_version" for a in node.names):
            return f"{node.module}.digit_version"
    return ""


def _assignments(tree: ast.Module) -> Iterator[Tuple[str, ast.expr]]:
    """(name, value) of each module-level ``name = value`` with one plain name on the left."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            yield node.targets[0].id, node.value


def string_constants(tree: ast.Module) -> Dict[str, str]:
    """The module-level names bound to a string literal (``MMCV_MIN = '1.3.17'``), in order."""
    return {name: value.value for name, value in _assignments(tree)
            if isinstance(value, ast.Constant) and isinstance(value.value, str)}


def _version_attribute(node: ast.AST) -> str:
    """``mmcv.__version__`` -> ``mmcv``; anything else -> ``""``."""
    if isinstance(node, ast.Attribute) and node.attr == "__version__" and isinstance(node.value, ast.Name):
        return node.value.id
    return ""


def _running_version_names(tree: ast.Module) -> Dict[str, str]:
    """Names bound to ``digit_version(<module>.__version__)``, mapped to the module."""
    found = {}
    for name, call in _assignments(tree):
        if isinstance(call, ast.Call) and call.args:
            module = _version_attribute(call.args[0])
            if module:
                found[name] = module
    return found


def _bound_names(tree: ast.Module, constants: Mapping[str, str]) -> Dict[str, str]:
    """Names bound to ``digit_version(CONSTANT)`` (mmtrack's style), mapped to the version text."""
    found = {}
    for name, call in _assignments(tree):
        if isinstance(call, ast.Call) and len(call.args) == 1:
            arg = call.args[0]
            if isinstance(arg, ast.Name) and arg.id in constants:
                found[name] = constants[arg.id]
            elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found[name] = arg.value
    return found


def _operand(node: ast.AST, running: Mapping[str, str], constants: Mapping[str, str]) -> Tuple[str, str]:
    """Classify a comparison operand: ("running", module) or ("bound", version text) or ("", "")."""
    if isinstance(node, ast.Call) and len(node.args) == 1:
        node = node.args[0]
    if isinstance(node, ast.Name):
        if node.id in running:
            return "running", running[node.id]
        if node.id in constants:
            return "bound", constants[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "bound", node.value
    return "", ""


def _comparisons(test: ast.AST) -> List[ast.Compare]:
    return [node for node in ast.walk(test) if isinstance(node, ast.Compare)]


def _message(node: Optional[ast.AST], constants: Mapping[str, str]) -> str:
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _message(node.left, constants) + _message(node.right, constants)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                inner = value.value
                if _version_attribute(inner):
                    parts.append("{version}")
                elif isinstance(inner, ast.Name) and inner.id in constants:
                    parts.append(constants[inner.id])
                else:
                    parts.append("{?}")
        return "".join(parts)
    return ""


def parse_init(source: str, *, origin: str = "__init__.py") -> Tuple[EnforcedCheck, ...]:
    """The version checks a package's ``__init__.py`` makes at import, read with :mod:`ast` only.

    Each ``assert`` comparing ``digit_version(<module>.__version__)`` with a bound becomes part of that
    module's spec, with the operator as written: ``digit_version(max) > v`` is ``<max``, ``v <= max``
    is ``<=max``. Raises :class:`CompatError` when the file does not parse.
    """
    try:
        tree = ast.parse(source, filename=origin)
    except (SyntaxError, ValueError) as e:
        raise CompatError(f"cannot parse {origin}: {e}") from e
    constants = string_constants(tree)
    running = _running_version_names(tree)
    known = dict(constants)
    known.update(_bound_names(tree, constants))
    flavour = _digit_version_flavour(tree)
    specs: Dict[str, List[str]] = {}
    messages: Dict[str, List[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assert):
            continue
        modules_here = []
        for compare in _comparisons(node.test):
            operands = [compare.left, *list(compare.comparators)]
            for position, operator in enumerate(compare.ops):  # a <= v < b is two comparisons
                if type(operator) not in _OPERATORS:
                    continue
                op = _OPERATORS[type(operator)]
                left = _operand(operands[position], running, known)
                right = _operand(operands[position + 1], running, known)
                if left[0] == "running" and right[0] == "bound":
                    module, spec = left[1], op + right[1]
                elif left[0] == "bound" and right[0] == "running":
                    module, spec = right[1], _FLIPPED[op] + left[1]
                else:
                    continue
                specs.setdefault(module, []).append(spec)
                modules_here.append(module)
        text = _message(node.msg, known)
        for module in dict.fromkeys(modules_here):
            if text and text not in messages.setdefault(module, []):
                messages[module].append(text)
    return tuple(
        EnforcedCheck(
            module=module,
            spec=str(Range.parse(",".join(parts))),
            compare=flavour,
            messages=tuple(messages.get(module, ())),
        )
        for module, parts in specs.items()
    )
