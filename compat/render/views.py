"""Turn answers into text, JSON-ready dicts, or rich tables. Nothing here decides anything."""

from __future__ import annotations

from ..data.vocabulary import POLICIES
from .text import WHEEL_COLUMNS, findings_summary, wheel_cells

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (doctor's start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import IO, Any, Dict, List, Optional, Sequence, Tuple

    from ..answers.accepts import Acceptance
    from ..answers.stack import Stack, StackTarget
    from ..data.models import Dependency, Matrix, Release, Resolution
    from ..data.ranges import Range
    from ..environment.records import Environment, Finding
    from ..install.plan import InstallPlan

__all__ = [
    "MATRIX_COLUMNS",
    "compatible_dict",
    "compatible_text",
    "findings_dict",
    "findings_rich",
    "matrix_dict",
    "matrix_rich",
    "matrix_rows",
    "matrix_text",
    "plan_dict",
    "resolution_dict",
    "stack_dict",
    "stack_text",
    "wheels_rich",
]

MATRIX_COLUMNS = ("package", "release", "distribution", *POLICIES)


def resolution_dict(resolution: Resolution, tables: Dict[str, Any]) -> Dict[str, Any]:
    """The ``resolve --json`` object of a typed resolution, over the tables of its matrix
    (:func:`compat.render.release.resolution_json`, which the short path renders with too)."""
    from ..data.tables import lean_release
    from .release import resolution_json

    return resolution_json(tables, lean_release(resolution.release), resolution.policy, resolution.requirements,
                           resolution.notes, resolution.matrix_path, resolution.matrix_origin)


def compatible_dict(acceptance: "Acceptance", matrix: Matrix) -> Dict[str, Any]:
    """The ``compatible --json`` object."""
    return {
        "requirement": acceptance.requirement,
        "policy": acceptance.policy,
        "package": acceptance.package,
        "releases": [r.key for r in acceptance.releases],
        "branches": [r.key for r in acceptance.branches],
        "matrix": matrix.path,
        "matrix_origin": matrix.origin,
    }


def compatible_grouped_dict(found: Sequence["Acceptance"], matrix: Matrix) -> Dict[str, Any]:
    """The ``compatible --json`` object without ``--package``: each codebase's answer."""
    first = found[0]
    return {
        "requirement": first.requirement,
        "policy": first.policy,
        "codebases": [{"package": a.package, "releases": [r.key for r in a.releases],
                       "branches": [r.key for r in a.branches]} for a in found],
        "matrix": matrix.path,
        "matrix_origin": matrix.origin,
    }


def compatible_grouped_text(found: Sequence["Acceptance"]) -> str:
    """``PACKAGE VERSION`` a line, codebase by codebase, newest first within each."""
    return "".join(f"{a.package} {r.key}\n" for a in found for r in a.releases)


def describe_grouped(found: Sequence["Acceptance"]) -> str:
    """One line for a person: how many releases of each codebase accept, and which branch tips."""
    first = found[0]
    parts = []
    for a in found:
        if not a.releases and not a.branches:
            continue
        tips = " and ".join(r.key for r in a.branches)
        counted = f"{a.package} {len(a.releases)}" + (f" (and the {tips} tip{'s' if len(a.branches) > 1 else ''})"
                                                      if tips else "")
        parts.append(counted)
    none = len(found) - len(parts)
    if not parts:
        return f"no release of the {len(found)} codebases that record it accepts {first.requirement} under the " \
               f"{first.policy} policy"
    return (f"releases that accept {first.requirement} under the {first.policy} policy, by codebase: "
            + ", ".join(parts) + (f"; none of {none} other codebase{'s' if none > 1 else ''}" if none else ""))


def compatible_text(releases: Sequence[Release]) -> str:
    """One release version per line, newest first."""
    return "".join(r.key + "\n" for r in releases)


def _cell(version_range: Optional[Range]) -> str:
    if version_range is None:
        return "-"
    if version_range.is_empty:
        return "none (sources conflict)"
    return str(version_range) or "any"


def _dependency_row(release: Release, dependency: Dependency) -> List[str]:
    name = dependency.name + (" (optional)" if dependency.optional else "")
    key = release.key + (f" ({release.version})" if release.is_branch else "")
    return [release.package, key, name] + [_cell(dependency.range_for(p)) for p in POLICIES]


def _selected(matrix: Matrix, package: Optional[str], release: Optional[str]) -> List[Release]:
    chosen: List[Release] = []
    for table in matrix.packages.values():
        if package is not None and table.name != package:
            continue
        for item in list(table.branches.values()) + list(table.releases):
            if release is None or item.key == release:
                chosen.append(item)
    return chosen


def matrix_rows(matrix: Matrix, package: Optional[str] = None, release: Optional[str] = None,
                dist: Optional[str] = None) -> List[List[str]]:
    """The table ``mmcompat matrix`` shows: a row per release and dependency, branches first; only
    ``package``, its ``release`` and the ``dist`` rows when given."""
    rows: List[List[str]] = []
    for item in _selected(matrix, package, release):
        if not item.dependencies and dist is None:
            rows.append([item.package, item.key, "-"] + ["-"] * len(POLICIES))
        for dependency in item.dependencies:
            if dist is None or dependency.name == dist:
                rows.append(_dependency_row(item, dependency))
    return rows


def matrix_dict(matrix: Matrix, tables: Dict[str, Any], package: Optional[str] = None, release: Optional[str] = None,
                dist: Optional[str] = None) -> Dict[str, Any]:
    """The ``matrix --json`` object: every release (of the selection) with its constraints and sources
    (:func:`compat.render.release.release_dicts`, over the matrix's ``tables``)."""
    from ..data.tables import lean_release
    from .release import release_dicts

    packages: Dict[str, Any] = {}
    chosen = _selected(matrix, package, release)
    for name, table in matrix.packages.items():
        entry: Dict[str, Any] = {"repository": table.repository, "releases": {}, "branches": {}}
        for group, releases in (("branches", list(table.branches.values())), ("releases", list(table.releases))):
            for item in releases:
                if item not in chosen:
                    continue
                entry_item, constraints, sources = release_dicts(tables, lean_release(item))
                if dist is not None:
                    constraints = {k: v for k, v in constraints.items() if k == dist}
                    sources = {k: v for k, v in sources.items() if k == dist}
                entry_item.update(constraints=constraints, sources=sources)
                if item.note:
                    entry_item["note"] = item.note
                entry[group][item.key] = entry_item
        if entry["releases"] or entry["branches"]:
            packages[name] = entry
    return {
        "matrix": matrix.path,
        "matrix_origin": matrix.origin,
        "schema": matrix.schema,
        "generated": matrix.generated,
        "sources": dict(matrix.sources),
        "packages": packages,
    }


def matrix_text(rows: Sequence[Sequence[str]]) -> str:
    """Stable plain text: a header line and aligned columns (for pipes, files and diffs)."""
    table = [[c.upper() for c in MATRIX_COLUMNS], *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(MATRIX_COLUMNS))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + "\n" for row in table)


def matrix_narrow(rows: Sequence[Sequence[str]], width: int) -> str:
    """The rows for a terminal too narrow for the table: one block per release and distribution, every
    source on its own line, never a range split inside a version."""
    import textwrap

    out: List[str] = []
    for row in rows:
        out.append(f"{row[0]} {row[1]}: {row[2]}\n")
        for policy, cell in zip(POLICIES, row[3:]):
            text = f"{policy}: {cell.replace(',', ', ')}"
            out.extend(line + "\n" for line in textwrap.wrap(text, width=max(width - 4, 20), initial_indent="    ",
                                                              subsequent_indent="      ", break_long_words=False,
                                                              break_on_hyphens=False))
    return "".join(out)


def matrix_rich(matrix: Matrix, rows: Sequence[Sequence[str]], file: IO[str]) -> None:
    """The rows as a rich table on a terminal wide enough for it, else :func:`matrix_narrow` (a range
    is never folded inside a version)."""
    from rich.console import Console  # rich costs start-up time: only the terminal view loads it
    from rich.table import Table

    console = Console(file=file)
    widths = [max(len(row[i]) for row in [list(MATRIX_COLUMNS), *rows]) for i in range(len(MATRIX_COLUMNS))]
    if sum(widths) + 3 * len(widths) + 1 > console.width:
        console.print(matrix_narrow(rows, console.width), end="", highlight=False, markup=False)
        return
    table = Table(title=f"compatibility matrix ({matrix.origin}: {matrix.path})", show_lines=False)
    for column in MATRIX_COLUMNS:
        table.add_column(column, style="bold green" if column == "safe" else None, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def findings_dict(findings: Sequence[Finding], env: Environment, extra: Optional[Dict[str, Any]] = None
                  ) -> Dict[str, Any]:
    """The ``doctor --json`` / ``guard --json`` object."""
    data: Dict[str, Any] = {
        "findings": [
            {"code": f.code, "severity": f.severity, "message": f.message, "dists": list(f.dists), "fix": list(f.fix)}
            for f in findings
        ],
        "environment": {
            "python": env.python,
            "python_version": env.python_version,
            "platform": env.platform,
            "torch": None if env.torch is None else {
                "version": env.torch.version, "cuda": env.torch.cuda, "source": env.torch.source},
            "distributions": {d.name: d.version for d in env.distributions},
        },
    }
    data.update(extra or {})
    return data


def _summary(findings: Sequence[Finding]) -> str:
    return findings_summary([f.severity for f in findings])


def findings_rich(findings: Sequence[Finding], subject: str, file: IO[str]) -> None:
    """Findings on a terminal, severity in colour (rich honours NO_COLOR itself)."""
    from rich.console import Console  # terminal view only
    from rich.markup import escape

    colours = {"error": "bold red", "warning": "yellow", "info": "cyan"}
    console = Console(file=file)
    for finding in findings:  # worded as the plain text and the docs word it: severity[code]: message
        colour = colours[finding.severity]
        console.print(f"[{colour}]{finding.severity}[/]" + escape(f"[{finding.code}]: {finding.message}"))
        for command in finding.fix:
            console.print(f"    [green]fix:[/] {escape(command)}", soft_wrap=True)
    console.print(f"[bold]{subject}:[/] {_summary(findings)}")


def stack_text(stack: "Stack") -> str:
    """``resolve`` of a stack: pip-ready requirement lines, with comment lines naming where torch and the
    prebuilt mmcv come from (``pip install -r`` reads them as comments)."""
    from .text import stack_text as text

    torch = stack.torch
    return text(None if torch is None else (torch.version, torch.index_url, torch.installed), stack.requirements,
                stack.find_links, stack.mmcv)


def stack_dict(targets: Sequence["StackTarget"], stack: "Stack", matrix: Matrix) -> Dict[str, Any]:
    """``resolve --json`` of a stack (:func:`compat.render.text.stack_json` of the stack's values)."""
    from .text import stack_json

    platform, torch, driver = stack.platform, stack.torch, stack.driver
    answer = {"policy": stack.policy, "platform": (platform.platform, platform.cuda, platform.torch, platform.python),
              "torch": None if torch is None else {"version": torch.version, "torchvision": torch.torchvision,
                                                   "cuda": torch.cuda, "index_url": torch.index_url,
                                                   "installed": torch.installed},
              "pins": {name: str(version) for name, version in stack.pins.items()},
              "find_links": stack.find_links, "source_build": stack.source_build, "explanation": stack.explanation}
    return stack_json([t.text for t in targets], answer, stack.requirements,
                      None if driver is None else (driver.version, driver.where), matrix.path, matrix.origin)


def plan_dict(plan: "InstallPlan", matrix: Matrix) -> Dict[str, Any]:
    """``install --dry-run --json``: the stack and every step with its arguments, environment and reason."""
    return {
        "python": plan.python,
        "installer": plan.installer,
        "stack": stack_dict(plan.targets, plan.stack, matrix),
        "steps": [{"kind": s.kind, "argv": list(s.argv), "env": dict(s.env), "reason": s.reason} for s in plan.steps],
        "warnings": list(plan.warnings),
        "notes": list(plan.notes),
    }




def wheels_rich(rows: Sequence["Tuple[Any, ...]"], file: IO[str]) -> None:
    """``mmcompat wheels`` on a terminal: the rows of :func:`compat.answers.availability.wheel_rows`."""
    from rich.console import Console  # only a terminal pays for rich
    from rich.table import Table

    table = Table(*WHEEL_COLUMNS)
    for row in rows:
        table.add_row(*wheel_cells(row))
    Console(file=file).print(table)
