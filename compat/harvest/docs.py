"""Upstream text files read as data: FAQ compatibility tables (Markdown), ``requirements/mminstall.txt``
(what OpenMMLab's ``mim`` installs) or the installer extra that stands for it (``mim`` in OpenMMLab's wheel
metadata, ``mminstall`` in onedl's ``pyproject.toml``), and ``version.py``. Pure parsers: the caller reads
the text."""

from __future__ import annotations

import ast
import contextlib
import re
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..data.ranges import Range
from ..data.record import Record, field
from ..data.vocabulary import MMCV_DISTRIBUTIONS, MMCV_LINES, MMENGINE_DISTRIBUTIONS
from ..errors import BadInput, CompatError
from .init_ast import string_constants

__all__ = ["INSTALLER_EXTRAS", "DocTable", "installer_name", "parse_faq_table", "parse_installer_extra",
           "parse_mminstall", "parse_pyproject_installer", "parse_version_file"]

#: The extras that list what ``mim`` installs, where a release has no ``requirements/mminstall.txt``:
#: ``mim`` (OpenMMLab's wheel metadata), ``mminstall`` (onedl's forks, in ``pyproject.toml``).
INSTALLER_EXTRAS = ("mim", "mminstall")


class DocTable(Record):
    """A FAQ compatibility table: rows keyed as written (``0.28.0``, ``master``), where it came from, and
    the rows left out because a cell is not a requirement list (``{key: why, with the line}``)."""

    rows: Mapping[str, Mapping[str, str]]
    source: str
    refused: Mapping[str, str] = field(default_factory=dict)


def installer_name(name: str) -> str:
    """The matrix's name for a distribution an installer list names: onedl's mmcv and mmengine
    (``onedl-mmcv``, ``onedl-mmengine``) as the lines they install in place of (``mmcv``, ``mmengine``), whose
    ranges judge their versions (the matrix's ``[providers.onedl]``: ``replaces``, ``engine_replaces``)."""
    canonical = canonicalize_name(name)
    if canonical in MMENGINE_DISTRIBUTIONS:
        return "mmengine"
    if canonical in MMCV_DISTRIBUTIONS and canonical not in MMCV_LINES:
        return "mmcv"
    return canonical


def _installer_lines(lines: Iterable[str], what: str) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as e:
            raise CompatError(f"cannot parse {what} line {line!r}: {e}") from e
        found[installer_name(requirement.name)] = str(Range.parse(str(requirement.specifier)))
    return found


def parse_mminstall(text: str) -> Dict[str, str]:
    """``requirements/mminstall.txt`` as {distribution: spec}; a bare name gives an empty spec."""
    lines = [raw.split("#", 1)[0].strip() for raw in text.splitlines()]
    return _installer_lines([line for line in lines if line and not line.startswith("-")], "mminstall")


def parse_installer_extra(metadata: str) -> Tuple[str, Dict[str, str]]:
    """The installer extra (:data:`INSTALLER_EXTRAS`) of a wheel's METADATA or an sdist's PKG-INFO:
    (the extra's name, {distribution: spec}); ``("", {})`` when it has none."""
    from packaging.markers import Marker

    wanted: Dict[str, List[str]] = {}
    for line in metadata.splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        try:
            requirement = Requirement(line.split(":", 1)[1].strip())
        except InvalidRequirement:
            continue
        marker: Optional[Marker] = requirement.marker
        for extra in INSTALLER_EXTRAS:
            if marker is not None and marker.evaluate({"extra": extra}) and not marker.evaluate({"extra": ""}):
                requirement.marker = None
                wanted.setdefault(extra, []).append(str(requirement))
    extra = next((e for e in INSTALLER_EXTRAS if e in wanted), "")
    return extra, _installer_lines(wanted.get(extra, []), f"extra {extra!r}")


def parse_pyproject_installer(pyproject: str) -> Tuple[str, Dict[str, str]]:
    """The installer extra (:data:`INSTALLER_EXTRAS`) of a ``pyproject.toml``'s
    ``[project.optional-dependencies]``: (its name, {distribution: spec}); ``("", {})`` when it has none or
    the file is not TOML."""
    from ..data.matrix import parse_toml  # the one TOML reader (tomllib, or tomli before 3.11)
    from ..errors import BadMatrix

    try:
        project = parse_toml(pyproject, path="pyproject.toml").get("project")
    except BadMatrix:
        return "", {}
    extras = project.get("optional-dependencies") if isinstance(project, dict) else None
    if not isinstance(extras, dict):
        return "", {}
    for extra in INSTALLER_EXTRAS:
        listed = extras.get(extra)
        if isinstance(listed, list) and all(isinstance(item, str) for item in listed):
            return extra, _installer_lines(listed, f"pyproject.toml extra {extra!r}")
    return "", {}


#: ``1.3.8 <= mmcv < 1.8.0``: a distribution between two bounds (MMOCR's install page).
_BETWEEN = re.compile(r"^([0-9][0-9A-Za-z.]*)\s*(<=|<)\s*([A-Za-z][A-Za-z0-9._-]*)\s*(<=|<)\s*([0-9][0-9A-Za-z.]*)$")


def _faq_cell(cell: str) -> Dict[str, str]:
    """``mmcv-full>=1.3.8, \\<1.7.0``, ``mmcv>=2.0.1, mmengine>=0.9.0``, ``MMEngine >= 0.7.1`` or
    ``1.3.8 \\<= mmcv \\< 1.8.0`` -> {distribution: spec}."""
    found: Dict[str, List[str]] = {}
    current = ""
    for part in cell.replace("\\<", "<").replace("\\>", ">").split(","):
        part = part.strip()
        if not part:
            continue
        between = _BETWEEN.match(part)
        if between:
            low, low_op, name, high_op, high = between.groups()
            current = canonicalize_name(name)
            found.setdefault(current, []).extend([(">=" if low_op == "<=" else ">") + low, high_op + high])
            continue
        if part[0] in "<>=!~":
            if not current:
                raise BadInput(f"FAQ cell starts with a bare specifier: {cell!r}", value=cell)
            found[current].append(part)
            continue
        try:
            requirement = Requirement(part)
        except InvalidRequirement as e:
            raise BadInput(f"FAQ cell is not a requirement list: {cell!r}", value=cell) from e
        if not requirement.name[0].isalpha():  # a bare version ('2.3.0') is a valid name to PEP 508
            raise BadInput(f"FAQ cell is not a requirement list: {cell!r}", value=cell)
        current = canonicalize_name(requirement.name)
        found.setdefault(current, []).append(str(requirement.specifier))
    return {name: str(Range.parse(",".join(p for p in parts if p))) for name, parts in found.items()}


#: Cells that say a column's distribution is not needed by that release.
_NOT_NEEDED = ("", "-", "not required", "none", "n/a", "/")
#: A header cell with one of these marks an optional column (MMSegmentation's "MMDetection (optional)").
_OPTIONAL = ("optional", "可选")


def _cells(line: str) -> List[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _is_rule(cells: Sequence[str]) -> bool:
    return all(c and set(c) <= set(":- ") for c in cells)


def _row_keys(cell: str) -> List[str]:
    """A table's first cell as release keys: ``1.0.0rc1`` normalized, ``main branch`` -> ``main``, other
    branch names (``master``, ``0.x``, ``dev-1.x``) kept as written, ``0.6.1, 0.6.2`` two keys, and
    ``0.25.0 (master)`` the release."""
    keys = []
    for written in cell.split(","):
        key = written.split("(", 1)[0].strip("`* ")
        if key.lower().endswith(" branch"):
            key = key[: -len(" branch")].strip()
        with contextlib.suppress(InvalidVersion):
            key = str(Version(key))
        if key:
            keys.append(key)
    return keys


def _names_mmcv(cell: str) -> bool:
    """Whether a cell is an mmcv requirement as rows write it (``mmcv-full>=1.3.8``, ``1.3.8 <= mmcv``), not a
    header (``MMCV version``)."""
    return "mmcv" in cell and any(c in cell for c in "<>=~")


def parse_faq_table(markdown: str, source: str = "") -> DocTable:
    """Every compatibility row of a FAQ page, as a :class:`DocTable` with ``source`` as its provenance.

    A row is a Markdown table line with a cell that requires an mmcv distribution; its first cell is the
    release (normalized, ``1.0.0rc1``), several (``0.6.1, 0.6.2``) or a branch (``master``, ``0.x``;
    ``main branch`` -> ``main``), and every further cell not in a column the header marks optional
    (MMSegmentation's "MMDetection (optional) version") and not saying "Not required" is a requirement
    list (``mmcv>=2.0.0rc4, \\<2.2.0``, ``MMEngine >= 0.7.1``, ``1.3.8 \\<= mmcv \\< 1.8.0``).
    A row with a cell that is no requirement list is left out, never guessed:
    ``refused`` says which, with its line. The first row of a release wins.
    """
    rows: Dict[str, Dict[str, str]] = {}
    refused: Dict[str, str] = {}
    lines = markdown.splitlines()
    optional: Tuple[int, ...] = ()
    for number, line in enumerate(lines, 1):
        if not line.lstrip().startswith("|"):
            optional = ()
            continue
        cells = _cells(line)
        if number < len(lines) and _is_rule(_cells(lines[number])) and not _is_rule(cells):  # a header
            optional = tuple(i for i, c in enumerate(cells) if any(m in c.lower() for m in _OPTIONAL))
        if not any(_names_mmcv(cell) for cell in cells[1:]):
            continue
        keys = [key for key in _row_keys(cells[0]) if key not in rows and key not in refused]
        row: Dict[str, str] = {}
        try:
            for index, cell in enumerate(cells[1:], 1):
                if index not in optional and cell.lower() not in _NOT_NEEDED:
                    row.update(_faq_cell(cell))
        except CompatError as e:
            refused.update((key, f"line {number}: {e}") for key in keys)
            continue
        rows.update((key, row) for key in keys)
    return DocTable(rows, source, refused)


def parse_version_file(source: str) -> str:
    """``__version__`` from a ``version.py``, read with :mod:`ast`; ``""`` when absent."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    return string_constants(tree).get("__version__", "")
