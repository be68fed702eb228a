"""Check a planned install before pip runs it: the plan laid over what the target already has.

Requirement files are read with pip-api's parser (``-r`` includes, option lines, hashes, markers,
continuation lines). pip-api does not know ``-c`` lines, so constraint files named there are found here
and read with the same parser. Planned versions replace installed ones; nothing is installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .diagnose import MMCV_DISTRIBUTIONS, Stack, check_stack, installed_stack, pip_command
from .errors import BadInput
from .models import Environment, Finding, Matrix
from .ranges import Range
from .resolver import DEFAULT_PACKAGE

__all__ = ["Plan", "read_plan", "guard"]


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


def _constraint_files(path: str) -> List[str]:
    """The files ``-c``/``--constraint`` lines of ``path`` (and of its ``-r`` includes) name."""
    found: List[str] = []
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return found
    base = os.path.dirname(os.path.abspath(path))
    for line in _logical_lines(text):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        option, value = words[0], words[1] if len(words) > 1 else ""
        for flag in ("-c", "--constraint", "-r", "--requirement"):
            if option.startswith(flag + "="):
                option, value = flag, option[len(flag) + 1:]
        if option in ("-c", "--constraint") and value:
            found.append(os.path.join(base, value))
        elif option in ("-r", "--requirement") and value:
            found.extend(_constraint_files(os.path.join(base, value)))
    return found


def _parse_file(path: str) -> Dict[str, Requirement]:
    import pip_api  # pip-api's import runs `pip --version`: only guard pays for it
    from pip_api.exceptions import PipError

    try:
        parsed = pip_api.parse_requirements(path)
    except FileNotFoundError as e:
        raise BadInput(f"requirement file not found: {e.filename or path}", value=path) from e
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read requirement file {path}: {e}", value=path) from e
    except PipError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BadInput(f"bad requirement file {path}: {first}", value=path) from e
    found: Dict[str, Requirement] = {}
    for name, item in parsed.items():
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
    for path in files:
        constraint_names = {os.path.abspath(p) for p in _constraint_files(path)}
        constraint_files.extend(constraint_names)
        for name, requirement in _parse_file(path).items():
            if any(os.path.basename(p) == requirement.name for p in constraint_names):
                continue  # pip-api reads "-c FILE" as a requirement named FILE
            planned[name] = planned.get(name, Range()).intersect(_range(requirement, path))
            sources[name] = path
    for path in constraint_files:
        for name, requirement in _parse_file(path).items():
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
    stack = Stack(ranges, describe)
    findings.extend(check_stack(matrix, release, stack, python, env))
    mmcv = next((d for d in release.required if d.name in MMCV_DISTRIBUTIONS), None)
    if mmcv is not None and mmcv.name == "mmcv-full":
        lite = [n for n in ("mmcv", "mmcv-lite") if n in ranges and describe.get(n) == "planned"]
        for name in lite:
            exact = stack.exact(name)
            if exact is None or exact.major < 2:
                findings.append(Finding(
                    "mmcv-without-ops", "error",
                    f"the plan installs {stack.label(name)}, the lite build without compiled ops; "
                    f"{release.package} {release.key} needs mmcv-full (No module named 'mmcv._ext')",
                    (name, release.package),
                ))
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: order[f.severity]))


def _planned_release(matrix: Matrix, ranges: Dict[str, Range], describe: Dict[str, str]):  # type: ignore[no-untyped-def]
    """The mmpose release the plan ends with: the pinned one, else the newest in the planned range
    (what pip picks), else the installed one."""
    table = matrix.package(DEFAULT_PACKAGE)
    wanted = ranges.get(DEFAULT_PACKAGE)
    if table is None or wanted is None:
        return None
    for release in table.releases:  # newest first
        if wanted.contains(release.version) and (not release.version.is_prerelease or wanted.extra or _pins(wanted, release.version)):
            return release
    return None


def _pins(version_range: Range, version: Version) -> bool:
    lower = version_range.lower
    return lower is not None and lower.version == version
