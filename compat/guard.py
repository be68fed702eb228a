"""Check a planned install before pip runs it: the plan laid over what the target already has.

Requirement files are read with pip-api's parser (``-r`` includes, option lines, hashes, markers,
continuation lines). pip-api does not know ``-c`` lines, so constraint files named there are found here
and read with the same parser. Planned versions replace installed ones; nothing is installed.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .diagnose import MMCV_DISTRIBUTIONS, Versions, check_stack, installed_stack, pip_command
from .errors import BadInput
from .models import Environment, Finding, Matrix
from .ranges import Range
from .resolver import DEFAULT_PACKAGE

__all__ = ["Plan", "guard", "read_plan"]


@dataclass(frozen=True)
class Plan:
    """What is about to be installed: {distribution: range}, and constraints that narrow them."""

    requirements: Dict[str, Range]
    constraints: Dict[str, Range]
    sources: Dict[str, str]


def _range(requirement: Requirement, where: str) -> Range:
    try:
        return Range.parse(str(requirement.specifier))
    except BadInput as e:
        raise BadInput(f"{where}: {e}", value=str(requirement)) from e


def _logical_lines(text: str) -> List[str]:
    lines, current = [], ""
    for raw in text.splitlines():
        if raw.endswith("\\"):
            current += raw[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    if current:
        lines.append(current)
    return lines


_COMMENT = re.compile(r"(^|\s)+#.*$")


def _include(line: str) -> Tuple[str, str]:
    """("-c" or "-r", path) for a constraint or requirement include line, else ("", "")."""
    words = _COMMENT.sub("", line).split()
    if not words:
        return "", ""
    first = words[0]
    for long, short in (("--constraint", "-c"), ("--requirement", "-r")):
        if first in (long, short):
            return (short, words[1]) if len(words) > 1 else ("", "")
        if first.startswith(long + "="):
            return short, first[len(long) + 1:]
        if first.startswith(short) and len(first) > 2 and not first.startswith("--"):
            return short, first[2:].lstrip("=")
    return "", ""


def _split_constraints(path: str, work: str, done: Dict[str, str], constraints: List[str]) -> str:
    """A copy of ``path`` in ``work`` without ``-c`` lines (pip-api reads them as requirements), with
    ``-r`` includes pointing at their own copies; the constraint files found go to ``constraints``."""
    source = os.path.abspath(path)
    if source in done:
        return done[source]
    copy = os.path.join(work, f"{len(done)}-{os.path.basename(source)}")
    done[source] = copy
    try:
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError as e:
        raise BadInput(f"requirement file not found: {path}", value=path) from e
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read requirement file {path}: {e}", value=path) from e
    base = os.path.dirname(source)
    kept = []
    for line in _logical_lines(text):
        option, value = _include(line)
        if option == "-c":
            constraints.append(os.path.join(base, value))
        elif option == "-r":
            kept.append("-r " + _split_constraints(os.path.join(base, value), work, done, constraints))
        else:
            kept.append(line)
    with open(copy, "w", encoding="utf-8") as handle:
        handle.write("\n".join(kept) + "\n")
    return copy


def _parse_file(path: str, shown: str = "") -> Dict[NormalizedName, Requirement]:
    import pip_api  # pip-api's import runs `pip --version`: only guard pays for it
    from pip_api.exceptions import PipError

    shown = shown or path
    try:
        # pip-api re-exports parse_requirements without __all__ (attr-defined under --strict) and annotates
        # its filename as os.PathLike although it reads str paths (its own -r includes are str): a Path
        # would change the names in its messages and in its set of files already read.
        parsed = pip_api.parse_requirements(path)  # type: ignore[attr-defined,arg-type]
    except FileNotFoundError as e:
        raise BadInput(f"requirement file not found: {e.filename or shown}", value=shown) from e
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read requirement file {shown}: {e}", value=shown) from e
    except (PipError, ValueError, IndexError, KeyError) as e:  # pip-api's parser errors on odd lines
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BadInput(f"bad requirement file {shown}: {first}", value=shown) from e
    found: Dict[NormalizedName, Requirement] = {}
    for item in parsed.values():
        text = str(item)
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue  # an URL or editable pip-api could not parse into a name and a version: no range
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        found[canonicalize_name(requirement.name)] = requirement
    return found


def read_plan(requirements: Sequence[str] = (), files: Sequence[str] = (), constraints: Sequence[str] = ()) -> Plan:
    """The plan from command-line requirements and requirement files; raise :class:`BadInput` on bad ones."""
    planned: Dict[str, Range] = {}
    narrowed: Dict[str, Range] = {}
    sources: Dict[str, str] = {}
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else "unparseable"
            raise BadInput(f"not a requirement: {text!r} ({reason})", value=text) from None
        name = canonicalize_name(requirement.name)
        planned[name] = planned.get(name, Range()).intersect(_range(requirement, text))
        sources[name] = "argument"
    constraint_files = list(constraints)
    with tempfile.TemporaryDirectory(prefix="mmcompat-guard-") as work:
        done: Dict[str, str] = {}
        for path in files:
            copy = _split_constraints(path, work, done, constraint_files)
            for name, requirement in _parse_file(copy, shown=path).items():
                planned[name] = planned.get(name, Range()).intersect(_range(requirement, path))
                sources[name] = path
        for path in constraint_files:
            copy = _split_constraints(path, work, done, constraint_files)
            for name, requirement in _parse_file(copy, shown=path).items():
                narrowed[name] = narrowed.get(name, Range()).intersect(_range(requirement, path))
    return Plan(planned, narrowed, sources)


def guard(plan: Plan, env: Environment, matrix: Matrix) -> Tuple[Finding, ...]:
    """What would be wrong after installing ``plan`` into ``env``."""
    python = env.python or "python"
    installed = installed_stack(env)
    ranges = dict(installed.ranges)
    describe = {name: "installed" for name in ranges}
    for name, version_range in plan.requirements.items():
        if name in plan.constraints:
            version_range = version_range.intersect(plan.constraints[name])
        ranges[name] = version_range
        describe[name] = "planned"
    findings: List[Finding] = []
    planned_mmcv = [n for n in MMCV_DISTRIBUTIONS if n in plan.requirements]
    installed_mmcv = [n for n in MMCV_DISTRIBUTIONS if n in installed.ranges and n not in plan.requirements]
    if len(planned_mmcv) > 1 or (planned_mmcv and installed_mmcv):
        others = [n for n in installed_mmcv]
        findings.append(Finding(
            "multiple-mmcv", "error",
            f"the plan installs {' and '.join(planned_mmcv)}"
            + (f" where {', '.join(others)} is installed" if others else "")
            + ": they all install the mmcv/ package and overwrite each other's files",
            tuple(planned_mmcv + others),
            (pip_command(python, "uninstall", "-y", *others),) if others else (),
        ))
        for name in others:  # pip will not remove it: judge what the plan adds
            ranges.pop(name, None)
    findings.extend(_numpy_abi(plan, env, matrix, ranges))
    release = _planned_release(matrix, ranges, describe)
    if release is None:
        if DEFAULT_PACKAGE in ranges:
            findings.append(Finding(
                "unknown-release", "warning",
                f"no known {DEFAULT_PACKAGE} release matches {DEFAULT_PACKAGE}{ranges[DEFAULT_PACKAGE]} "
                f"({describe.get(DEFAULT_PACKAGE, 'installed')}); its mmcv range cannot be checked",
                (DEFAULT_PACKAGE,),
            ))
        return tuple(findings)
    stack = Versions(ranges, describe)
    findings.extend(check_stack(matrix, release, stack, python, env))
    mmcv = next((d for d in release.required if d.name in MMCV_DISTRIBUTIONS), None)
    if mmcv is not None and mmcv.name == "mmcv-full":
        lite = [n for n in ("mmcv", "mmcv-lite") if n in ranges]
        for name in lite:
            exact = stack.exact(name)
            if exact is None or exact.major < 2 or name == "mmcv-lite":
                findings.append(Finding(
                    "mmcv-without-ops", "error",
                    f"{stack.label(name)} is the lite build without compiled ops; "
                    f"{release.package} {release.key} needs mmcv-full (No module named 'mmcv._ext')",
                    (name, release.package),
                    (pip_command(python, "uninstall", "-y", name),) if describe.get(name) == "installed" else (),
                ))
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: order[f.severity]))


def _numpy_abi(plan: Plan, env: Environment, matrix: Matrix, ranges: Dict[str, Range]) -> List[Finding]:
    """numpy 2 after the plan next to a registry binary built for numpy 1 (planned or installed)."""
    from .diagnose import numpy_abi_findings

    abi = matrix.numpy_abi
    if abi is None:
        return []
    planned_binaries: Dict[str, Optional[Version]] = {}
    for name in abi.numpy1_only:
        if name in plan.requirements:
            planned_binaries[name] = ranges[name].pinned
    if DEFAULT_PACKAGE in plan.requirements and "xtcocotools" in abi.numpy1_only and env.get("xtcocotools") is None:
        planned_binaries.setdefault("xtcocotools", None)  # mmpose requires xtcocotools: pip brings the newest
    numpy_range = ranges.get("numpy")
    numpy: Optional[Version]
    if "numpy" in plan.requirements and numpy_range is not None:
        exact = numpy_range.pinned
        if exact is not None:
            numpy = exact
        elif numpy_range.upper is not None and numpy_range.upper.version <= Version("2"):
            below_two = numpy_range.upper.version < Version("2") or not numpy_range.upper.inclusive
            numpy = None if below_two else Version("2")
        else:
            numpy = Version("2")  # pip picks the newest numpy: a 2.x
    elif env.get("numpy") is not None:
        numpy = None  # the installed numpy stays: numpy_abi_findings reads it
    elif planned_binaries:
        numpy = Version("2")  # pulled in as a dependency: the newest, a 2.x
    else:
        return []
    if numpy is None and "numpy" in plan.requirements:
        return []
    return numpy_abi_findings(env, matrix, numpy, planned_binaries)


def _planned_release(matrix: Matrix, ranges: Dict[str, Range], describe: Dict[str, str]):  # type: ignore[no-untyped-def]
    """The mmpose release the plan ends with: the pinned one, else the newest in the planned range
    (what pip picks), else the installed one."""
    table = matrix.package(DEFAULT_PACKAGE)
    wanted = ranges.get(DEFAULT_PACKAGE)
    if table is None or wanted is None:
        return None
    for release in table.releases:  # newest first
        allowed = not release.version.is_prerelease or wanted.extra or _pins(wanted, release.version)
        if wanted.contains(release.version) and allowed:
            return release
    return None


def _pins(version_range: Range, version: Version) -> bool:
    lower = version_range.lower
    return lower is not None and lower.version == version
