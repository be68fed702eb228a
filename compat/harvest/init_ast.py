"""The version checks an OpenMMLab package's ``__init__.py`` makes at import, read with :mod:`ast` only.

Nothing is imported or run: the file is parsed and its statements are read in order, as Python would run
them (into ``if``, ``else``, ``try`` and ``except`` blocks, not into functions), keeping what each name is
bound to at that point. Each ``assert`` that compares a module's running version (``mmcv.__version__``
through ``digit_version``, ``parse`` or ``Version``) with a bound becomes part of that module's
:class:`EnforcedCheck`: the operators as written (``min <= v < max``, ``v >= a and v <= b``), never as
the message words them; every module checked (mmcv, mmengine, mmdet, mmcls, ...).

The shapes read: bounds as literals, as constants in any case (``mmcv_minimum_version``, ``MMCV_MIN``),
as ``digit_version(CONSTANT)`` names; a missing maximum; two-part versions (``'1.8'``): with a
``digit_version`` that pads (mmcv's, mmengine's) ``'1.8'`` is ``1.8.0``; with a local one that returns the
parts as they are (a list or tuple without padding), ``[1, 8, 0] > [1, 8]``, so ``<= '1.8'`` admits no
1.8.x and is written ``<1.8``. An assert inside an ``if`` holds only when that condition does, and the
check says so (:attr:`EnforcedCheck.guarded`).

Refused, with the file and line (:class:`UnreadableCheck`), never guessed: a running version compared
with a bound that is no literal (an f-string, a call, a name bound to one, a name never bound), an ``or``
or ``not`` around version comparisons, ``==`` with a two-part bound that an unpadded comparison never
meets; and a file that does not parse.
"""

from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Mapping, NamedTuple, Optional, Tuple

from ..data.ranges import Range
from ..data.record import Record
from ..errors import BadInput

__all__ = ["EnforcedCheck", "UnreadableCheck", "parse_init", "project_name", "setup_name", "string_constants"]


_OPERATORS = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<", ast.Eq: "==", ast.NotEq: "!="}
_FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


class EnforcedCheck(Record):
    """The bounds one module's version is asserted against at import.

    ``module`` is the imported module (``mmcv``), ``spec`` the PEP 440 equivalent of the assertion,
    ``compare`` which ``digit_version`` it compares with, ``messages`` the assertion texts with
    ``{version}`` where the running version goes; ``guarded`` says when an assert holds only under a
    condition (``"inside the if at line 12"``), empty when it always runs.
    """

    module: str
    spec: str
    compare: str
    messages: Tuple[str, ...]
    guarded: str = ""


class UnreadableCheck(BadInput):
    """A version check in an upstream file that cannot be read exactly; ``origin`` and ``line`` say where."""

    def __init__(self, origin: str, line: int, problem: str) -> None:
        super().__init__(f"{origin}:{line}: {problem}; refusing to guess", value=f"{origin}:{line}")
        self.origin = origin
        self.line = line
        self.problem = problem


class _Value(NamedTuple):
    """What an expression stands for: ``kind`` is ``text`` (a version literal), ``running`` (a module's
    converted running version), ``raw`` (``mod.__version__`` as text) or ``unknown`` (``what`` says why)."""

    kind: str
    what: str


_UNKNOWN_NAME = _Value("unknown", "")


def _statements(body: List[ast.stmt], guard: str = "") -> Iterator[Tuple[ast.stmt, str]]:
    """Every statement in the order it runs, with the ``if`` it depends on; functions and classes are
    not entered (their bodies do not run at import)."""
    for node in body:
        yield node, guard
        if isinstance(node, ast.If):
            inner = guard or f"inside the if at line {node.lineno}"
            yield from _statements(node.body, inner)
            yield from _statements(node.orelse, inner)
        elif isinstance(node, ast.Try):
            yield from _statements(node.body, guard)
            for handler in node.handlers:
                yield from _statements(handler.body, guard)
            yield from _statements(node.orelse, guard)
            yield from _statements(node.finalbody, guard)
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            yield from _statements(node.body, guard)


def _pads(function: ast.FunctionDef) -> bool:
    """Whether a local ``digit_version`` pads its parts (mmcv's takes ``length`` and appends zeros)."""
    if any(arg.arg == "length" for arg in function.args.args):
        return True
    return any(isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) for node in ast.walk(function))


def _flavour(tree: ast.Module) -> Tuple[str, bool]:
    """(which ``digit_version`` the file uses, whether it pads two-part versions): the first one bound
    in running order (a ``try`` block's import before its ``except`` fallback)."""
    for node, _ in _statements(tree.body):
        if isinstance(node, ast.FunctionDef) and node.name == "digit_version":
            return "local", _pads(node)
        if isinstance(node, ast.ImportFrom) and any(a.name == "digit_version" for a in node.names):
            return f"{node.module}.digit_version", True
    return "", True


def _assigned(node: ast.stmt) -> Iterator[Tuple[str, Optional[ast.expr]]]:
    """(name, value) bound by an assignment; value None when a name is bound to a part of something."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, node.value
            elif isinstance(target, (ast.Tuple, ast.List)):
                for element in target.elts:
                    if isinstance(element, ast.Name):
                        yield element.id, None
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        yield node.target.id, node.value
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            yield (alias.asname or alias.name).split(".")[0], None


def string_constants(tree: ast.Module) -> Dict[str, str]:
    """The module-level names bound to a string literal (``MMCV_MIN = '1.3.17'``), the last binding each."""
    found: Dict[str, str] = {}
    for node in tree.body:
        for name, value in _assigned(node):
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found[name] = value.value
            else:
                found.pop(name, None)
    return found


def _version_attribute(node: ast.AST) -> str:
    """``mmcv.__version__`` -> ``mmcv``; anything else -> ``""``."""
    if isinstance(node, ast.Attribute) and node.attr == "__version__" and isinstance(node.value, ast.Name):
        return node.value.id
    return ""


#: The one-argument functions that turn a version text into something ordered, by the name they are
#: called by (``digit_version(x)``, ``parse(x)``, ``version.parse(x)``, ``Version(x)``).
_CONVERSIONS = frozenset({"digit_version", "parse", "parse_version", "Version", "LooseVersion"})


def _conversion(function: ast.AST) -> bool:
    if isinstance(function, ast.Name):
        return function.id in _CONVERSIONS
    return (isinstance(function, ast.Attribute) and function.attr in _CONVERSIONS
            and isinstance(function.value, ast.Name))


def _evaluate(node: ast.AST, names: Mapping[str, _Value]) -> _Value:
    """What ``node`` stands for, with the names bound so far."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return _Value("text", node.value)
        return _Value("unknown", f"the constant {node.value!r}")
    module = _version_attribute(node)
    if module:
        return _Value("raw", module)
    if isinstance(node, ast.Name):
        return names.get(node.id, _Value("unknown", f"the name {node.id!r}, never bound to a version here"))
    if isinstance(node, ast.JoinedStr):
        return _Value("unknown", "an f-string")
    if isinstance(node, ast.Call):
        if len(node.args) == 1 and not node.keywords and _conversion(node.func):
            inner = _evaluate(node.args[0], names)
            if inner.kind == "raw":
                return _Value("running", inner.what)
            if inner.kind in ("text", "running") or inner.what:
                return inner
        return _Value("unknown", "a call")
    return _Value("unknown", f"an expression ({type(node).__name__})")


def _message(node: Optional[ast.AST], names: Mapping[str, _Value]) -> str:
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _message(node.left, names) + _message(node.right, names)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                shown = _evaluate(value.value, names)
                if shown.kind in ("raw", "running") and _version_attribute(value.value):
                    parts.append("{version}")
                elif shown.kind == "text":
                    parts.append(shown.what)
                else:
                    parts.append("{?}")
        return "".join(parts)
    return ""


def _parts(text: str) -> int:
    return len(text.split("+")[0].split("."))


class _Reader:
    """One file's checks, read statement by statement."""

    def __init__(self, tree: ast.Module, origin: str) -> None:
        self.tree = tree
        self.origin = origin
        self.flavour, self.pads = _flavour(tree)
        self.specs: Dict[str, List[str]] = {}
        self.messages: Dict[str, List[str]] = {}
        self.guards: Dict[str, str] = {}

    def refuse(self, node: ast.AST, problem: str) -> UnreadableCheck:
        return UnreadableCheck(self.origin, getattr(node, "lineno", 0), problem)

    def read(self) -> Tuple[EnforcedCheck, ...]:
        names: Dict[str, _Value] = {}
        for node, guard in _statements(self.tree.body):
            if isinstance(node, ast.Assert):
                self.assertion(node, names, guard)
            for name, value in _assigned(node):
                names[name] = _evaluate(value, names) if value is not None else _Value("unknown", "")
            if isinstance(node, ast.FunctionDef):
                names[node.name] = _UNKNOWN_NAME
        return tuple(
            EnforcedCheck(
                module=module,
                spec=str(Range.parse(",".join(parts))),
                compare=self.flavour,
                messages=tuple(self.messages.get(module, ())),
                guarded=self.guards.get(module, ""),
            )
            for module, parts in self.specs.items()
        )

    def assertion(self, node: ast.Assert, names: Mapping[str, _Value], guard: str) -> None:
        modules_here: List[str] = []
        for compare in (n for n in ast.walk(node.test) if isinstance(n, ast.Compare)):
            operands = [compare.left, *compare.comparators]
            for position, operator in enumerate(compare.ops):  # a <= v < b is two comparisons
                left = _evaluate(operands[position], names)
                right = _evaluate(operands[position + 1], names)
                kinds = {left.kind, right.kind}
                if not kinds & {"running", "raw"}:
                    continue
                if "raw" in kinds:
                    raise self.refuse(compare, "a version compared as text (no digit_version around "
                                      f"{(left if left.kind == 'raw' else right).what}.__version__)")
                if type(operator) not in _OPERATORS:
                    raise self.refuse(compare, f"a running version compared with {type(operator).__name__}")
                op = _OPERATORS[type(operator)]
                if left.kind == "running" and right.kind == "text":
                    module, op, bound = left.what, op, right.what
                elif left.kind == "text" and right.kind == "running":
                    module, op, bound = right.what, _FLIPPED[op], left.what
                else:
                    other = right if left.kind == "running" else left
                    module = left.what if left.kind == "running" else right.what
                    raise self.refuse(compare, f"the bound {module} is compared with is "
                                      f"{other.what or 'not a version literal'}")
                self.specs.setdefault(module, []).append(self.exact(compare, op, bound))
                modules_here.append(module)
        if not modules_here:
            return
        for enclosing in ast.walk(node.test):
            if (isinstance(enclosing, ast.BoolOp) and isinstance(enclosing.op, ast.Or)) or (
                    isinstance(enclosing, ast.UnaryOp) and isinstance(enclosing.op, ast.Not)):
                raise self.refuse(enclosing, "an 'or' or 'not' around version comparisons is no single range")
        text = _message(node.msg, names)
        for module in dict.fromkeys(modules_here):
            if text and text not in self.messages.setdefault(module, []):
                self.messages[module].append(text)
            if guard and module not in self.guards:
                self.guards[module] = guard

    def exact(self, node: ast.AST, op: str, bound: str) -> str:
        """The PEP 440 form of ``op bound`` as this file's ``digit_version`` compares it."""
        try:
            Range.parse(op + bound)
        except BadInput:
            raise self.refuse(node, f"the bound {bound!r} is not a version") from None
        if self.pads or _parts(bound) >= 3:
            return op + bound
        # unpadded parts: [1, 8, 0] > [1, 8], so no x.y.z equals or lies below a two-part 'x.y'
        if op in ("==", "!="):
            raise self.refuse(node, f"{op}{bound!r} through an unpadded digit_version never holds as written")
        return {"<=": "<", ">": ">="}.get(op, op) + bound


def parse_init(source: str, *, origin: str = "__init__.py") -> Tuple[EnforcedCheck, ...]:
    """The version checks a package's ``__init__.py`` makes at import, read with :mod:`ast` only.

    Each ``assert`` comparing a module's running version with a bound becomes part of that module's spec,
    with the operator as written: ``digit_version(max) > v`` is ``<max``, ``v <= max`` is ``<=max``.
    Raises :class:`UnreadableCheck` (a :class:`~compat.errors.BadInput`) naming ``origin`` and the line,
    when the file does not parse or a check cannot be read exactly.
    """
    try:
        tree = ast.parse(source, filename=origin)
    except (SyntaxError, ValueError) as e:
        raise UnreadableCheck(origin, getattr(e, "lineno", None) or 0, f"cannot parse: {e}") from e
    return _Reader(tree, origin).read()


def project_name(pyproject: str) -> str:
    """The ``[project] name`` of a ``pyproject.toml`` (onedl's forks name themselves there); ``""`` when
    it gives none or is not TOML."""
    from ..data.matrix import parse_toml  # the one TOML reader (tomllib, or tomli before 3.11)
    from ..errors import BadMatrix

    try:
        project = parse_toml(pyproject, path="pyproject.toml").get("project")
    except BadMatrix:
        return ""
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) else ""


def setup_name(source: str) -> str:
    """The distribution name a ``setup.py`` gives as a literal (``setup(name='mmsegmentation')``), read
    with :mod:`ast`; ``""`` when it gives none or does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setup":
            for keyword in node.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, str):
                    return keyword.value.value
    return ""
