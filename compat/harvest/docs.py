"""Upstream text files read as data: FAQ compatibility tables (Markdown), ``requirements/mminstall.txt``
(what OpenMMLab's ``mim`` installs) and ``version.py``. Pure parsers: the caller reads the text."""

from __future__ import annotations

import ast
import contextlib
from typing import Dict, List, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..data.ranges import Range
from ..data.record import Record
from ..errors import BadInput, CompatError
from .init_ast import string_constants

__all__ = ["DocTable", "parse_faq_table", "parse_mminstall", "parse_version_file"]


class DocTable(Record):
    """A FAQ compatibility table: rows keyed as written (``0.28.0``, ``master``) and where it came from."""

    rows: Mapping[str, Mapping[str, str]]
    source: str


def parse_mminstall(text: str) -> Dict[str, str]:
    """``requirements/mminstall.txt`` as {distribution: spec}; a bare name gives an empty spec."""
    found: Dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as e:
            raise CompatError(f"cannot parse mminstall line {line!r}: {e}") from e
        found[canonicalize_name(requirement.name)] = str(Range.parse(str(requirement.specifier)))
    return found


def _faq_cell(cell: str) -> Dict[str, str]:
    """``mmcv-full>=1.3.8, \\<1.7.0`` or ``mmcv>=2.0.1, mmengine>=0.9.0`` -> {distribution: spec}."""
    found: Dict[str, List[str]] = {}
    current = ""
    for part in cell.replace("\\<", "<").replace("\\>", ">").split(","):
        part = part.strip()
        if not part:
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
        current = canonicalize_name(requirement.name)
        found.setdefault(current, []).append(str(requirement.specifier))
    return {name: str(Range.parse(",".join(p for p in parts if p))) for name, parts in found.items()}


def parse_faq_table(markdown: str) -> Dict[str, Dict[str, str]]:
    """Every compatibility row of a FAQ page: {release or branch: {distribution: spec}}.

    Rows are Markdown table lines whose second cell names an mmcv distribution; release keys are
    normalized (``1.0.0rc1``), branch names (``master``, ``0.x``) kept as written.
    """
    rows: Dict[str, Dict[str, str]] = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[1].startswith("mmcv"):
            continue
        key = cells[0]
        with contextlib.suppress(InvalidVersion):
            key = str(Version(key))
        rows.setdefault(key, _faq_cell(cells[1]))
    return rows


def parse_version_file(source: str) -> str:
    """``__version__`` from a ``version.py``, read with :mod:`ast`; ``""`` when absent."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    return string_constants(tree).get("__version__", "")
