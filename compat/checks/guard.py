"""Check a planned install before pip runs it: the plan laid over what the target already has.

Requirement files are read with pip-api's parser (``-r`` includes, option lines, hashes, continuation
lines). Before it sees them, each file is copied here line by line: ``-c`` lines are taken out (pip-api
does not know them; the constraint files they name are read with the same parser), environment markers
are evaluated for the target interpreter (:func:`marker_environment`; pip-api would evaluate them for
this one) and direct references (``name @ URL``, ``-e ...``, archive URLs, local folders) are read by
:mod:`compat.checks.direct`, which pip-api cannot. Planned versions replace installed ones; nothing is
installed. An mmpose named by a direct reference is judged as the release or branch tip it names; when
that cannot be told, the nearest release is used only as a guess: what is found against it is at most
a warning and carries no fix, so nothing is ever uninstalled on the strength of a guess.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from ..answers.resolver import DEFAULT_PACKAGE
from ..data.models import Matrix, Release
from ..data.ranges import Range
from ..data.record import Record, field, replace
from ..data.tables import lean_release
from ..environment.records import Environment, Finding, by_severity
from ..errors import SHOWN, BadInput, shown
from .diagnose import MMCV_DISTRIBUTIONS, check_stack, installed_versions, matrix_facts, pip_command, typed_versions
from .direct import Reading, Reference, parse_reference, understand

__all__ = ["Plan", "guard", "marker_environment", "read_plan"]

#: Seconds the target interpreter may take to report its marker environment.
MARKER_TIMEOUT = 60.0
#: A marker environment: PEP 508 variable name to value.
MarkerEnvironment = Mapping[str, str]


class Plan(Record):
    """What is about to be installed: {distribution: range}, and constraints that narrow them.

    ``references``: the distributions named by a direct reference, and what each was understood as (its
    range in ``requirements`` is the version it installs when that is known, else any version);
    ``unnamed``: direct references whose distribution cannot be told (not checked).
    """

    requirements: Dict[str, Range]
    constraints: Dict[str, Range]
    sources: Dict[str, str]
    references: Dict[str, Reading] = field(default_factory=dict)
    unnamed: Tuple[Reading, ...] = ()

    def shown(self) -> Dict[str, str]:
        """{name: what the plan installs}: a range, or ``@ URL (release 0.28.0)`` for a direct reference."""
        entries = {name: str(version_range) for name, version_range in self.requirements.items()}
        for name, reading in self.references.items():
            entries[name] = f"{reading.reference.shown} ({reading.summary})"
        return entries


def _range(requirement: Requirement, where: str) -> Range:
    try:
        return Range.parse(str(requirement.specifier))
    except BadInput as e:
        raise BadInput(f"{where}: {e}", value=str(requirement)) from e


#: How deep ``-r`` includes may nest (pip has no limit, but its own reading recurses once per level).
MAX_INCLUDE_DEPTH = 100
#: The largest requirement or constraint file read (a hash-pinned lock of a large project is a few 100 KB).
REQUIREMENTS_LIMIT = 4 << 20


def read_requirement_file(path: str) -> str:
    """A requirement or constraint file's text, as pip reads it: UTF-8, a byte order mark accepted; a
    regular file of at most :data:`REQUIREMENTS_LIMIT` bytes, else :class:`BadInput` naming it."""
    from ..probe import read_regular

    try:
        raw = read_regular(path, limit=REQUIREMENTS_LIMIT)
    except FileNotFoundError as e:
        raise BadInput(f"requirement file not found: {path}", value=path) from e
    except OSError as e:
        raise BadInput(f"cannot read requirement file {path}: {e.strerror or e}", value=path) from e
    try:
        return raw.decode("utf-8-sig")  # pip strips a UTF-8 byte order mark too
    except UnicodeDecodeError as e:
        raise BadInput(f"cannot read requirement file {path}: not UTF-8 (byte {e.start})", value=path) from e


def _logical_lines(text: str) -> List[Tuple[int, str]]:
    """(number of the first physical line, line) with backslash continuations joined."""
    lines: List[Tuple[int, str]] = []
    current, first = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not current:
            first = number
        if raw.endswith("\\"):
            current += raw[:-1] + " "
            continue
        lines.append((first, current + raw))
        current = ""
    if current:
        lines.append((first, current))
    return lines


_COMMENT = re.compile(r"(^|\s)+#.*$")
_EDITABLE = ("-e", "--editable")
#: The numpy 1.x builds' range: a numpy range reaching past it lets pip pick a 2.x.
_BELOW_TWO = Range.parse("<2")


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


def _editable_target(words: Sequence[str]) -> Optional[str]:
    """What follows ``-e``/``--editable`` when ``words`` start with it (``-e .``, ``-e.``,
    ``--editable=.``), else None; empty when nothing follows."""
    first = words[0]
    if first in _EDITABLE:
        return words[1] if len(words) > 1 else ""
    if first.startswith("--editable="):
        return first[len("--editable="):]
    if first.startswith("-e") and not first.startswith("--"):
        return first[2:].lstrip("=")
    return None


def marker_environment(python: Optional[str] = None) -> Dict[str, str]:
    """The PEP 508 marker environment of the interpreter ``python`` (this one when None), read by a
    standard-library probe run in it that prints JSON (Python 2.7 syntax: it runs in any target).

    Raises :class:`compat.environment.installed.InspectFailed` when the interpreter cannot be run or answers badly.
    """
    from packaging.markers import default_environment

    if python is None:
        return {key: str(value) for key, value in default_environment().items()}
    import json

    from ..environment.installed import InspectFailed

    expected = set(default_environment())
    from ..probe import run_isolated

    try:  # in its own process group, killed whole at the deadline; a message never quotes the script
        stdout = run_isolated([python, "-c", _MARKER_PROBE], MARKER_TIMEOUT, "the marker probe")
    except RuntimeError as e:
        raise InspectFailed(python, f"cannot read its marker environment: {e}") from e
    try:
        data = json.loads(stdout.decode("utf-8"))
    except ValueError as e:
        raise InspectFailed(python, f"the marker probe printed no usable JSON ({e})") from e
    if not isinstance(data, dict) or not expected <= set(data) or not all(isinstance(v, str) for v in data.values()):
        raise InspectFailed(python, "the marker probe printed no usable JSON")
    return {str(key): value for key, value in data.items()}


# What packaging.markers.default_environment computes, in any Python from 2.7 on. The working directory
# leaves sys.path first, so that a platform.py or json.py there cannot answer instead.
_MARKER_PROBE = """\
import sys
sys.path[:] = [p for p in sys.path if p]
import json, os, platform
def full(info):
    text = '%d.%d.%d' % (info[0], info[1], info[2])
    if info[3] != 'final':
        text += info[3][0] + str(info[4])
    return text
impl = getattr(sys, 'implementation', None)
sys.stdout.write(json.dumps({
    'implementation_name': impl.name if impl else 'cpython',
    'implementation_version': full(impl.version) if impl else '0',
    'os_name': os.name,
    'platform_machine': platform.machine(),
    'platform_release': platform.release(),
    'platform_system': platform.system(),
    'platform_version': platform.version(),
    'python_full_version': platform.python_version(),
    'platform_python_implementation': platform.python_implementation(),
    'python_version': '.'.join(platform.python_version_tuple()[:2]),
    'sys_platform': sys.platform,
}))
"""


class _Markers:
    """Evaluates markers against the target's environment, read on first need and only once."""

    def __init__(self, read: Callable[[], MarkerEnvironment]) -> None:
        self._read = read
        self._environment: Optional[Dict[str, str]] = None

    def holds(self, marker: Marker, where: str) -> bool:
        if self._environment is None:
            self._environment = dict(self._read())
        try:
            return marker.evaluate(self._environment)
        except ValueError as e:  # packaging's UndefinedComparison, UndefinedEnvironmentName
            raise BadInput(f"{where}: cannot evaluate the marker {shown(str(marker))}: {e}", value=str(marker)) from e


class _Files:
    """Copies of requirement files for pip-api: without ``-c`` lines (their files are collected), with
    ``-r`` includes pointing at their own copies, markers decided for the target (a false one drops its
    line, a true one is taken off), and direct references taken out (collected per file)."""

    def __init__(self, work: str, markers: _Markers, cwd: str) -> None:
        self.work = work
        self.markers = markers
        self.cwd = cwd
        self.copies: Dict[str, str] = {}
        self.constraint_files: List[str] = []
        self.includes: Dict[str, List[str]] = {}
        self.references: Dict[str, List[Tuple[Reference, str]]] = {}

    def copy(self, path: str, depth: int = 0) -> str:
        source = os.path.abspath(path)
        if source in self.copies:
            return self.copies[source]
        copy = os.path.join(self.work, f"{len(self.copies)}-{os.path.basename(source)}")
        self.copies[source] = copy
        self.includes[source] = []
        self.references[source] = []
        text = read_requirement_file(path)
        base = os.path.dirname(source)
        kept = []
        for number, line in _logical_lines(text):
            option, value = _include(line)
            if option == "-c":
                self.constraint_files.append(os.path.join(base, value))
            elif option == "-r":
                if depth >= MAX_INCLUDE_DEPTH:
                    raise BadInput(f"{path}:{number}: -r includes nested more than {MAX_INCLUDE_DEPTH} deep; "
                                   "a plan is not that deep (is there a loop of generated files?)", value=path)
                included = os.path.join(base, value)
                self.includes[source].append(os.path.abspath(included))
                kept.append("-r " + self.copy(included, depth + 1))
            else:
                line_kept = self._line(line, f"{path}:{number}", source)
                if line_kept is not None:
                    kept.append(line_kept)
        with open(copy, "w", encoding="utf-8") as handle:
            handle.write("\n".join(kept) + "\n")
        return copy

    def _line(self, line: str, where: str, source: str) -> Optional[str]:
        """The line to hand pip-api (rewritten without a marker that holds), or None to leave it out."""
        words = _COMMENT.sub("", line).split()
        if not words:
            return line
        target = _editable_target(words)
        try:
            if target is not None:
                reference = parse_reference(target, editable=True, cwd=self.cwd)
                if reference is not None:
                    self.references[source].append((reference, where))
                return None
            if words[0].startswith("-"):
                return line  # an option line
            # pip's own split: the requirement runs up to the first word that starts with '-' (--hash=...)
            arguments = []
            for word in words:
                if word.startswith("-"):
                    break
                arguments.append(word)
            text = " ".join(arguments)
            reference = parse_reference(text, cwd=self.cwd)
        except BadInput as e:
            raise BadInput(f"{where}: {e}", value=e.value) from e
        if reference is not None:
            if reference.marker is None or self.markers.holds(reference.marker, where):
                self.references[source].append((reference, where))
            return None
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            return line  # pip-api says what is wrong with it
        _range(requirement, where)  # a range that cannot be read is named by its file and line here
        if requirement.marker is None:
            return line
        if not self.markers.holds(requirement.marker, where):
            return None
        requirement.marker = None
        return " ".join([str(requirement), *words[len(arguments):]])

    def references_under(self, path: str) -> List[Tuple[Reference, str]]:
        """The direct references of ``path`` and of the files it includes with ``-r``."""
        found: List[Tuple[Reference, str]] = []
        seen = set()
        pending = [os.path.abspath(path)]
        while pending:
            source = pending.pop(0)
            if source in seen:
                continue
            seen.add(source)
            found.extend(self.references.get(source, ()))
            pending.extend(self.includes.get(source, ()))
        return found


def _parse_file(path: str, shown: str = "") -> Dict[NormalizedName, Requirement]:
    import pip_api  # pip-api's import runs `pip --version`: only guard pays for it
    from pip_api.exceptions import PipError

    shown = shown or path
    complaints = io.StringIO()
    try:
        # pip-api re-exports parse_requirements without __all__ (attr-defined under --strict) and annotates
        # its filename as os.PathLike although it reads str paths (its own -r includes are str): a Path
        # would change the names in its messages and in its set of files already read.
        with contextlib.redirect_stderr(complaints):  # its argparse prints usage before it exits
            parsed = pip_api.parse_requirements(path)  # type: ignore[attr-defined,arg-type]
    except SystemExit:  # pip-api's argparse exits on an option without its value (a bare -r or --hash)
        said = (complaints.getvalue().strip().splitlines() or ["an option lacks its value"])[-1]
        said = said.split(": error: ", 1)[-1]
        raise BadInput(f"bad requirement file {shown}: {said[:300]}", value=shown) from None
    except FileNotFoundError as e:
        raise BadInput(f"requirement file not found: {e.filename or shown}", value=shown) from e
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read requirement file {shown}: {e}", value=shown) from e
    except (PipError, ValueError, IndexError, KeyError) as e:  # pip-api's parser errors on odd lines
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BadInput(f"bad requirement file {shown}: {first[:300]}", value=shown) from e
    found: Dict[NormalizedName, Requirement] = {}
    for item in parsed.values():
        text = str(item)
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue  # nothing pip-api could parse into a name and a version: no range
        if requirement.url:
            continue  # direct references were taken out of the copy: never here
        found[canonicalize_name(requirement.name)] = requirement
    return found


def _command_line(requirements: Sequence[str]) -> List[Tuple[str, Optional[str]]]:
    """(text, editable target or None) per requirement: ``-e .`` as one argument, or ``-e`` followed by
    its target in the next one (as after ``--``), is one editable requirement."""
    items: List[Tuple[str, Optional[str]]] = []
    index = 0
    while index < len(requirements):
        text = requirements[index]
        index += 1
        stripped = text.strip()
        words = stripped.split()
        target: Optional[str] = None
        if words and words[0] in _EDITABLE:
            target = stripped[len(words[0]):].strip()
            if not target and index < len(requirements):
                target = requirements[index].strip()
                text = f"{stripped} {target}"
                index += 1
        elif words:
            target = _editable_target(words)
        if target == "":
            raise BadInput(f"not a requirement: {shown(text)} (-e needs a local folder or a VCS URL after it)",
                           value=text)
        items.append((text, target))
    return items


class _Planned:
    """The plan as it is read: ranges by name in the order given, and what direct references install."""

    def __init__(self, matrix: Optional[Matrix]) -> None:
        self.matrix = matrix
        self.ranges: Dict[str, Range] = {}
        self.sources: Dict[str, str] = {}
        self.references: Dict[str, Reading] = {}
        self.unnamed: List[Reading] = []

    def add(self, name: str, version_range: Range, source: str) -> None:
        self.ranges[name] = self.ranges.get(name, Range()).intersect(version_range)
        self.sources[name] = source

    def add_reference(self, reference: Reference, where: str, source: str) -> None:
        """Identify ``reference`` and plan what it installs; two different references for one
        distribution are refused, as pip refuses them."""
        if self.matrix is None:
            from ..data.matrix import load

            self.matrix = load()
        reading = understand(self.matrix, reference)
        if not reading.name:
            self.unnamed.append(reading)
            return
        earlier = self.references.get(reading.name)
        if earlier is not None:
            if earlier.reference.shown == reference.shown:
                return
            raise BadInput(f"{where}: two direct references for {reading.name}: "
                           f"{shown(earlier.reference.text)} and {shown(reference.text)}", value=reference.text)
        self.references[reading.name] = reading
        self.add(reading.name, Range() if reading.version is None else Range.parse(f"=={reading.version}"), source)


def read_plan(requirements: Sequence[str] = (), files: Sequence[str] = (), constraints: Sequence[str] = (), *,
              matrix: Optional[Matrix] = None, markers: Optional[Callable[[], MarkerEnvironment]] = None,
              cwd: Optional[str] = None) -> Plan:
    """The plan from command-line requirements and requirement files; raise :class:`BadInput` on bad ones.

    ``markers``: returns the target interpreter's marker environment (:func:`marker_environment`); it is
    called once, and only when a marker needs deciding. Default: this interpreter's. ``matrix``: what
    direct references are identified against (default: the one in effect, loaded only when one is
    planned). ``cwd``: what relative paths in requirements are relative to, as for pip (default: the
    working directory, also for paths inside requirement files).
    """
    decide = _Markers(markers or marker_environment)
    base = cwd or os.getcwd()
    plan = _Planned(matrix)
    narrowed: Dict[str, Range] = {}
    for text, target in _command_line(requirements):
        where = "argument " + shown(text)
        if target is not None:
            reference = parse_reference(target, editable=True, cwd=base)
        else:
            reference = parse_reference(text, cwd=base)
        if reference is not None:
            if reference.marker is None or decide.holds(reference.marker, where):
                plan.add_reference(reference, where, "argument")
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else "unparseable"
            raise BadInput(f"not a requirement: {shown(text)} ({reason[:200]})", value=text) from None
        if requirement.marker is None or decide.holds(requirement.marker, where):
            plan.add(canonicalize_name(requirement.name), _range(requirement, where), "argument")
    with tempfile.TemporaryDirectory(prefix="mmcompat-guard-") as work:
        reader = _Files(work, decide, base)
        reader.constraint_files.extend(constraints)
        for path in files:
            copy = reader.copy(path)
            for name, requirement in _parse_file(copy, shown=path).items():
                plan.add(name, _range(requirement, path), path)
            for reference, where in reader.references_under(path):
                plan.add_reference(reference, where, path)
        read = set()
        for path in reader.constraint_files:  # grows while constraint files name more with -c
            if os.path.abspath(path) in read:
                continue
            read.add(os.path.abspath(path))
            copy = reader.copy(path)
            links = reader.references_under(path)
            if links:
                reference, where = links[0]
                raise BadInput(f"{where}: pip does not accept a direct reference as a constraint: "
                               f"{shown(reference.text)}; name a version there (mmpose==0.28.0)",
                               value=reference.text)
            for name, requirement in _parse_file(copy, shown=path).items():
                narrowed[name] = narrowed.get(name, Range()).intersect(_range(requirement, path))
    return Plan(plan.ranges, narrowed, plan.sources, plan.references, tuple(plan.unnamed))


def guard(plan: Plan, env: Environment, matrix: Matrix) -> Tuple[Finding, ...]:
    """What would be wrong after installing ``plan`` into ``env``."""
    python = env.python or "python"
    installed = {name: Range.parse(f"=={Version(text)}") for name, text in installed_versions(env).items()}
    ranges = dict(installed)
    describe = {name: "installed" for name in ranges}
    for name, version_range in plan.requirements.items():
        if name in plan.constraints:
            version_range = version_range.intersect(plan.constraints[name])
        ranges[name] = version_range
        describe[name] = "planned"
    findings: List[Finding] = _reference_findings(plan)
    planned_mmcv = [n for n in MMCV_DISTRIBUTIONS if n in plan.requirements]
    installed_mmcv = [n for n in MMCV_DISTRIBUTIONS if n in installed and n not in plan.requirements]
    if len(planned_mmcv) > 1 or (planned_mmcv and installed_mmcv):
        others = list(installed_mmcv)
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
    findings.extend(_codebase_findings(matrix, ranges, describe, python, env))
    reading = plan.references.get(DEFAULT_PACKAGE)
    if reading is not None:
        release = reading.release or reading.guess
        if release is None:  # unknown-direct-reference says its mmcv range is not checked
            return by_severity(findings)
    else:
        release = _planned_release(matrix, ranges, describe)
    if release is None:
        if DEFAULT_PACKAGE in ranges:
            findings.append(Finding(
                "unknown-release", "warning",
                f"no known {DEFAULT_PACKAGE} release matches {DEFAULT_PACKAGE}{ranges[DEFAULT_PACKAGE]} "
                f"({describe.get(DEFAULT_PACKAGE, 'installed')}); its mmcv range cannot be checked",
                (DEFAULT_PACKAGE,),
            ))
        return by_severity(findings)
    facts = matrix_facts(matrix)
    stack = typed_versions(facts.tables, ranges, describe)
    judged = check_stack(facts, lean_release(release), stack, python, env)
    mmcv = next((d for d in release.required if d.name in MMCV_DISTRIBUTIONS), None)
    if mmcv is not None and mmcv.name == "mmcv-full":
        lite = [n for n in ("mmcv", "mmcv-lite") if n in ranges]
        for name in lite:
            exact = stack.exact(name)
            if exact is None or Version(exact).major < 2 or name == "mmcv-lite":
                judged.append(Finding(
                    "mmcv-without-ops", "error",
                    f"{stack.label(name)} is the lite build without compiled ops; "
                    f"{release.package} {release.key} needs mmcv-full (No module named 'mmcv._ext')",
                    (name, release.package),
                    (pip_command(python, "uninstall", "-y", name),) if describe.get(name) == "installed" else (),
                ))
    if reading is not None and reading.release is None:
        judged = [_as_guess(finding, release) for finding in judged]
    elif release.is_branch:
        judged = [_without_branch_install(finding, release) for finding in judged]
    return by_severity(findings + judged)


def _as_guess(finding: Finding, guess: Release) -> Finding:
    """A finding judged against a guessed release: at most a warning, said to rest on a guess, no fix
    (a fix would uninstall or replace things on the strength of a guess)."""
    what = f"the {guess.key} branch tip" if guess.is_branch else guess.key
    return replace(finding, severity="warning" if finding.severity == "error" else finding.severity,
                   message=f"if the planned {guess.package} is {what} (only a guess): {finding.message}", fix=())


def _without_branch_install(finding: Finding, branch: Release) -> Finding:
    """Fixes of a branch tip's findings without ``mmcompat install mmpose==BRANCH``: not a release."""
    unusable = f"{branch.package}=={branch.key}"
    return replace(finding, fix=tuple(command for command in finding.fix if unusable not in command.split()))


def _shown(reading: Reading) -> str:
    """The reference as written (cut to about 200 characters), with the folder it means when local."""
    reference = reading.reference
    text = reference.text.strip()
    text = text if len(text) <= SHOWN else text[:SHOWN - 3] + "..."
    if reference.path and text != reference.path:
        text += f" ({reference.path})"
    return ("-e " if reference.editable else "") + text


def _reference_findings(plan: Plan) -> List[Finding]:
    """One finding per direct reference: what it was understood as (info), or that it cannot be told."""
    findings: List[Finding] = []
    for name, reading in plan.references.items():
        written = _shown(reading)
        release = reading.release
        if release is not None:
            what = (f"the {release.key} branch tip of {name} ({release.version})" if release.is_branch
                    else f"{name} {release.key}")
            findings.append(Finding("direct-reference", "info", f"{written} is {what}: {reading.how}", (name,)))
        elif reading.why:
            guess = reading.guess
            if name != DEFAULT_PACKAGE:
                outcome = f"it counts as {name} at an unknown version" + (
                    f" (nearest known release: {guess.key})" if guess is not None and not guess.is_branch else "")
            elif guess is not None:
                what = (f"the {guess.key} branch tip of {name}, {guess.version}" if guess.is_branch
                        else f"{name} {guess.key}")
                outcome = (f"guessing {what} ({reading.guess_reason}), only a guess: what is judged "
                           "against it is at most a warning, without fixes")
            else:
                outcome = "its mmcv range is not checked"
            findings.append(Finding("unknown-direct-reference", "warning",
                                    f"cannot tell which {name} this is: {written} {reading.why}; {outcome}", (name,)))
        elif reading.version is not None:
            findings.append(Finding("direct-reference", "info",
                                    f"{written} is {name} {reading.version}: {reading.how}", (name,)))
        else:
            findings.append(Finding("direct-reference", "info",
                                    f"{written} is {name} at a version guard cannot tell; it counts as any version",
                                    (name,)))
    for reading in plan.unnamed:
        findings.append(Finding(
            "unnamed-direct-reference", "info",
            f"cannot tell which distribution {_shown(reading)} installs (give it as NAME @ URL, add #egg=NAME, "
            "or give the project a static name); guard does not check it",
        ))
    return findings


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
        exact = numpy_range.pinned  # else pip picks the newest numpy the range allows: a 2.x unless it stops below 2
        numpy = exact if exact is not None else Version("2") if numpy_range.reaches_past(_BELOW_TWO) else None
    elif env.get("numpy") is not None:
        numpy = None  # the installed numpy stays: numpy_abi_findings reads it
    elif planned_binaries:
        numpy = Version("2")  # pulled in as a dependency: the newest, a 2.x
    else:
        return []
    if numpy is None and "numpy" in plan.requirements:
        return []
    return numpy_abi_findings(env, matrix, numpy, planned_binaries)


def _codebase_findings(matrix: Matrix, ranges: Dict[str, Range], describe: Dict[str, str], python: str,
                       env: Environment) -> List[Finding]:
    """Every other codebase the plan ends with at one version (mmdet==3.2.0, mmsegmentation installed),
    judged by the bounds of that release, as mmpose's: the finding names the codebase a planned mmcv breaks."""
    findings: List[Finding] = []
    facts = matrix_facts(matrix)
    stack = typed_versions(facts.tables, ranges, describe)
    for name in matrix.packages:
        exact = stack.exact(name) if name != DEFAULT_PACKAGE and name in ranges else None
        release = matrix.release(name, Version(exact)) if exact is not None else None
        if release is not None:
            findings.extend(f for f in check_stack(facts, lean_release(release), stack, python, env)
                            if not f.code.endswith("-missing"))  # what a codebase needs beside mmcv: pip's to say
    return findings


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
