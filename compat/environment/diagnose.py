"""Judge an environment, or a planned install laid over one, against the matrix.

``diagnose(env, matrix)`` is what ``mmcompat doctor`` reports; ``check_stack`` is the part shared with
``mmcompat guard``: given the version (or, for a plan, the range) of each OpenMMLab distribution, it says
what ``import mmpose`` would do, quoting the exact AssertionError where the release asserts one.
Fixes are exact commands for the target interpreter (``PY -m pip ...``), shell-quoted for a person.
"""

from __future__ import annotations

import shlex
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from packaging.version import Version

from ..answers.resolver import DEFAULT_PACKAGE, requirements_for
from ..data.models import (
    MMCV_DISTRIBUTIONS,
    MMENGINE_DISTRIBUTIONS,
    Dependency,
    Environment,
    Finding,
    InstalledDistribution,
    Matrix,
    Release,
    SharedFiles,
    by_severity,
)
from ..data.ranges import Range
from ..install.buildrecord import record_findings

__all__ = ["MMCV_DISTRIBUTIONS", "Versions", "check_stack", "codebase_findings", "diagnose", "find_links_for",
           "one_module_findings", "pip_command"]

_EXAMPLES = 5


def pip_command(python: str, *args: str) -> str:
    """``PY -m pip ARGS`` quoted for a shell, as a person would paste it."""
    return shlex.join([python, "-m", "pip", *args])


def _version(text: Optional[str]) -> Optional[Version]:
    try:
        return Version(text) if text else None
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return None


def _listing(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:_EXAMPLES])
    return shown + (f" and {len(paths) - _EXAMPLES} more" if len(paths) > _EXAMPLES else "")


def find_links_for(matrix: Matrix, distribution: str, env: Optional[Environment]) -> Optional[str]:
    """OpenMMLab's wheel index for ``distribution`` and the environment's torch, when both are known."""
    rule = matrix.find_links.get(distribution)
    if rule is None or env is None or env.torch is None or not env.torch.version:
        return None
    return rule.format(env.torch.version, env.torch.cuda)


class Versions:
    """The versions a check judges: exact ones (installed, or pinned) and ranges (planned, unpinned).

    ``describe`` says where each came from (``installed``, ``planned``), for messages.
    """

    def __init__(self, ranges: Mapping[str, Range], describe: Mapping[str, str]) -> None:
        self.ranges = dict(ranges)
        self.describe = dict(describe)

    def exact(self, name: str) -> Optional[Version]:
        version_range = self.ranges.get(name)
        return None if version_range is None else version_range.pinned

    def label(self, name: str) -> str:
        exact = self.exact(name)
        shown = f"{name}=={exact}" if exact is not None else f"{name}{self.ranges[name]}"
        return f"{shown} ({self.describe.get(name, 'installed')})"


def _failed_message(fact_messages: Tuple[str, ...], rule: Range, version: Version) -> str:
    if not fact_messages:
        return ""
    index = 0
    if len(fact_messages) > 1 and rule.lower is not None and Range(lower=rule.lower).contains(version):
        index = len(fact_messages) - 1  # the lower bound holds: the upper-bound assertion fails
    return "AssertionError: " + fact_messages[index].replace("{version}", str(version))


def _judge(
    release: Release,
    dependency: Dependency,
    provider: str,
    stack: Versions,
    fix: Callable[[], Tuple[str, ...]],
    module: str = "",
) -> List[Finding]:
    """One dependency of ``release`` against the version or range ``stack`` has for ``provider``;
    ``module`` is what ``import`` names (``mmseg`` for mmsegmentation), the package by default. ``fix``
    gives a finding's commands, asked only when there is one (they read the release's requirements)."""
    label = f"{release.package} {release.key}"
    candidate = stack.ranges[provider]
    exact = stack.exact(provider)
    dists = (release.package, provider)
    code = dependency.name.replace("-full", "")
    enforced = dependency.enforced
    safe = dependency.range_for("safe")
    if exact is not None:
        if enforced is not None and not enforced.range.contains(exact):
            quoted = _failed_message(enforced.messages, enforced.range, exact)
            return [Finding(
                f"{code}-outside-enforced", "error",
                f"import {module or release.package} will fail: {stack.label(provider)} is outside {enforced.range}, "
                f"the range {label} asserts at import" + (f": {quoted}" if quoted else ""),
                dists, fix(),
            )]
        if safe is not None and not safe.is_empty and not safe.contains(exact):
            against = [s for s, f in dependency.facts().items() if not f.range.contains(exact)]
            return [Finding(
                f"{code}-outside-safe", "warning",
                f"{stack.label(provider)} passes {label}'s import check but is outside the safe range {safe} "
                f"({', '.join(against)} source{'s' if len(against) > 1 else ''} "
                f"exclude{'' if len(against) > 1 else 's'} it)",
                dists, fix(),
            )]
        return []
    rule = enforced.range if enforced is not None else safe
    if rule is None:
        return []
    if candidate.intersect(rule).is_empty:
        return [Finding(
            f"{code}-outside-enforced", "error",
            f"{stack.label(provider)} allows no version {label} accepts ({rule})", dists, fix(),
        )]
    # pip picks the newest version the range allows; without the list of published versions a range
    # that reaches past the bound is a risk, not a certainty: a warning.
    if _reaches_past(candidate, rule):
        return [Finding(
            f"{code}-unpinned", "warning",
            f"{stack.label(provider)} lets pip pick the newest {provider}, which may be newer than {label} "
            f"accepts ({rule}); pin it to the safe range {safe}",
            dists, fix(),
        )]
    if safe is not None and not safe.is_empty and _reaches_past(candidate, safe):
        return [Finding(
            f"{code}-outside-safe", "warning",
            f"{stack.label(provider)} passes {label}'s import check but reaches past the safe range {safe}; "
            f"pin it to the safe range",
            dists, fix(),
        )]
    return []


def _reaches_past(candidate: Range, rule: Range) -> bool:
    """True when ``candidate`` allows versions above ``rule``'s upper bound."""
    if rule.upper is None:
        return False
    if candidate.upper is None:
        return True
    if candidate.upper.version != rule.upper.version:
        return candidate.upper.version > rule.upper.version
    return candidate.upper.inclusive and not rule.upper.inclusive


def _mmcv_dependency(release: Release) -> Optional[Dependency]:
    for dependency in release.required:
        if dependency.name in MMCV_DISTRIBUTIONS:
            return dependency
    return None


def _install_fix(matrix: Matrix, release: Release, python: str, env: Optional[Environment],
                 only: Optional[str] = None, extra: Sequence[str] = ()) -> Tuple[str, ...]:
    """``pip install`` of the release's safe requirements (those of ``only``), never one that lets pip
    compile mmcv: with the environment's torch known, the prebuilt wheels' find-links page and
    ``--only-binary``; without torch, mmcompat's own plan, which installs torch first."""
    try:
        lines = requirements_for(release, "safe", matrix)
    except Exception:
        return ()
    if only is not None:
        lines = tuple(line for line in lines if line.startswith(only) and line[len(only):len(only) + 1] in "<>=!~")
    mmcv = _mmcv_dependency(release)
    needs_mmcv = mmcv is not None and any(line.startswith(mmcv.name) for line in lines)
    if not needs_mmcv:
        return (pip_command(python, "install", *extra, *lines),)
    assert mmcv is not None
    links = find_links_for(matrix, mmcv.name, env)
    if links is None:
        return (shlex.join(["mmcompat", "install", f"{release.package}=={release.key}", "--python", python]),)
    return (pip_command(python, "install", *extra, *lines, "-f", links, "--only-binary", mmcv.name),)


def _ops_fix(matrix: Matrix, release: Optional[Release], python: str, env: Environment, installed: str
             ) -> Tuple[str, ...]:
    """Commands that really give mmcv its compiled ops for this environment: the prebuilt wheel for the
    installed torch (never a pip command that could compile it again without torch, and never pip's
    cached copy of the broken build), else mmcompat's own plan (torch first, or a real source build)."""
    from ..answers.stack import parse_targets, resolve_stack
    from ..errors import CompatError
    from ..install.plan import machine_for

    if release is None or release.is_branch:
        return ()
    target = f"{release.package}=={release.key}"
    uninstall = pip_command(python, "uninstall", "-y", installed)
    if env.torch is None:
        return (uninstall, shlex.join(["mmcompat", "install", target, "--python", python]))
    try:
        targets = parse_targets([target], matrix)
        machine = machine_for(env)
    except CompatError:  # the installed torch's version cannot be read ('abc'): mmcompat's own plan says more
        return (shlex.join(["mmcompat", "install", target, "--python", python, "--dry-run"]),)
    try:
        stack = resolve_stack(targets, matrix, machine)
    except CompatError:
        try:  # no wheel for this torch: a real source build, if one fits this torch
            resolve_stack(targets, matrix, machine, allow_build=True)
        except CompatError:  # not even that: the explanation names the torch to switch to
            return (shlex.join(["mmcompat", "install", target, "--python", python, "--dry-run"]),)
        return (uninstall, shlex.join(["mmcompat", "install", target, "--python", python, "--allow-build"]))
    line = stack.mmcv
    if not line or not stack.find_links:
        return ()
    first = (uninstall,) if installed != line else ()
    pinned_torch = stack.torch.requirements if stack.torch else ()
    return (*first, pip_command(python, "install", "--force-reinstall", "--no-deps", "--no-cache-dir", "--only-binary",
                                line, f"{line}=={stack.pins[line]}", *pinned_torch, "-f", stack.find_links[0]))


def check_stack(matrix: Matrix, release: Release, stack: Versions, python: str,
                env: Optional[Environment] = None) -> List[Finding]:
    """Judge every dependency of ``release`` (mmcv line, mmengine, mmdet) against ``stack``."""
    findings: List[Finding] = []
    label = f"{release.package} {release.key}"
    mmcv = _mmcv_dependency(release)
    for dependency in release.required:
        provider = dependency.name
        if dependency is mmcv:
            present = [name for name in MMCV_DISTRIBUTIONS if name in stack.ranges]
            if not present:
                findings.append(Finding(
                    "mmcv-missing", "error",
                    f"{label} needs {dependency.name} and no mmcv distribution is "
                    f"{'installed or planned' if 'planned' in stack.describe.values() else 'installed'}: "
                    "import mmpose fails with No module named 'mmcv'",
                    (release.package,), _install_fix(matrix, release, python, env, only=dependency.name),
                ))
                continue
            provider = dependency.name if dependency.name in present else present[0]
        elif provider == "mmengine" and provider not in stack.ranges and any(
                n in stack.ranges for n in MMENGINE_DISTRIBUTIONS):
            provider = next(n for n in MMENGINE_DISTRIBUTIONS if n in stack.ranges)  # onedl-mmengine is mmengine
        elif provider not in stack.ranges:
            findings.append(Finding(
                f"{provider}-missing", "error",
                f"{label} needs {provider} and it is "
                f"{'neither installed nor planned' if 'planned' in stack.describe.values() else 'not installed'}",
                (release.package, provider), _install_fix(matrix, release, python, env, only=provider),
            ))
            continue
        def fix(dependency: Dependency = dependency, provider: str = provider) -> Tuple[str, ...]:
            commands = _install_fix(matrix, release, python, env, only=dependency.name)
            if provider != dependency.name and commands:
                # another mmcv distribution provides the module: installing beside it would clobber
                commands = (pip_command(python, "uninstall", "-y", provider), *commands)
            return commands

        module = matrix.module_of(release.package) if release.package in matrix.packages else ""
        findings.extend(_judge(release, dependency, provider, stack, fix, module))
    findings.extend(_check_mmdet(matrix, release, stack, python, env))
    return findings


def _check_mmdet(matrix: Matrix, release: Release, stack: Versions, python: str,
                 env: Optional[Environment]) -> List[Finding]:
    dependency = release.dependency("mmdet")
    if dependency is None or "mmdet" not in stack.ranges:
        return []
    rule = dependency.range_for("safe")
    if rule is None:
        return []
    exact = stack.exact("mmdet")
    candidate = stack.ranges["mmdet"]
    fits = rule.contains(exact) if exact is not None else not candidate.intersect(rule).is_empty
    if fits:
        return []
    label = f"{release.package} {release.key}"
    ways = [f"keep {label} and install mmdet{rule}"]
    fix = [pip_command(python, "install", f"mmdet{rule}")]
    table = matrix.package(release.package)
    if table is not None and exact is not None:
        for other in table.releases:
            other_rule = other.dependency("mmdet")
            other_range = other_rule.range_for("safe") if other_rule else None
            if other_range is not None and other_range.contains(exact) and other.key != release.key:
                ways.append(f"keep mmdet {exact} and move to {other.package} {other.key}, the newest release "
                            "whose installer accepts it")
                fix.extend(_install_fix(matrix, other, python, env, extra=[f"{other.package}=={other.key}"]))
                break
    return [Finding(
        "mmdet-mismatch", "error",
        f"{stack.label('mmdet')} does not fit {label}, whose installer asks mmdet{rule}; ways out: "
        + "; or ".join(ways),
        (release.package, "mmdet"), tuple(fix),
    )]


def _release_for(matrix: Matrix, version: Optional[Version]) -> Optional[Release]:
    return None if version is None else matrix.release(DEFAULT_PACKAGE, version)


def _environment_findings(env: Environment, matrix: Matrix, release: Optional[Release]) -> List[Finding]:
    findings: List[Finding] = []
    python = env.python or "python"
    mmcv_installed = [d for d in (env.get(n) for n in MMCV_DISTRIBUTIONS) if d is not None]
    mmcv = _mmcv_dependency(release) if release is not None else None

    def reinstall() -> Tuple[str, ...]:  # asked only for a finding: it reads the release's requirements
        return _install_fix(matrix, release, python, env, only=mmcv.name) if release and mmcv else ()
    if len(mmcv_installed) > 1:
        names = [d.name for d in mmcv_installed]
        findings.append(Finding(
            "multiple-mmcv", "error",
            "more than one mmcv distribution is installed: "
            + ", ".join(f"{d.name} {d.version}" for d in mmcv_installed)
            + "; they all install the mmcv/ package and overwrite each other's files" + _owner_said(env, names, "mmcv"),
            tuple(names),
            (pip_command(python, "uninstall", "-y", *names), *reinstall()),
        ))
    engines = [d for d in (env.get(n) for n in MMENGINE_DISTRIBUTIONS) if d is not None]
    if len(engines) > 1:
        findings.append(Finding(
            "multiple-mmengine", "error",
            "more than one mmengine distribution is installed: " + ", ".join(f"{d.name} {d.version}" for d in engines)
            + "; they both install the mmengine/ package and overwrite each other's files"
            + _owner_said(env, [d.name for d in engines], "mmengine"),
            tuple(d.name for d in engines),
            (pip_command(python, "uninstall", "-y", *(d.name for d in engines)),),
        ))
    for dist in mmcv_installed:
        if dist.missing or dist.changed:
            parts = []
            if dist.missing:
                parts.append(f"{len(dist.missing)} missing ({_listing(dist.missing)})")
            if dist.changed:
                parts.append(f"{len(dist.changed)} changed ({_listing(dist.changed)})")
            links = find_links_for(matrix, dist.name, env)
            findings.append(Finding(
                "mmcv-files-damaged", "error",
                f"{dist.name} {dist.version} does not match its RECORD: " + "; ".join(parts)
                + " (another mmcv distribution was installed over it or uninstalled from under it)",
                (dist.name,),
                (pip_command(python, "install", "--force-reinstall", "--no-deps", "--only-binary", dist.name,
                             f"{dist.name}=={dist.version}", *(["-f", links] if links else [])),),
            ))
    provider = mmcv_installed[0] if mmcv_installed else None
    if provider is not None and not provider.has_ext:
        needs, needing = [], []
        if release is not None and release.version.major == 0:
            needs.append(f"{release.package} {release.key}")
            needing.append(release.package)
        if env.get("mmdet") is not None:
            needs.append("mmdet")
            needing.append("mmdet")
        lite = f"{provider.name} {provider.version}"
        if needs or release is not None:
            again = reinstall()
            fixes = _ops_fix(matrix, release, python, env, provider.name) or (
                ((pip_command(python, "uninstall", "-y", provider.name), *again)) if again else ())
            message = (f"{lite} has no compiled ops (mmcv/_ext): importing mmcv.ops fails with "
                       f"No module named 'mmcv._ext'")
            findings.append(Finding(
                "mmcv-without-ops", "error" if needs else "warning",
                message + (f"; {' and '.join(needs)} need{'s' if len(needs) == 1 else ''} them" if needs
                           else f"; some {release.package if release else 'mmpose'} models need them"),
                (provider.name, *tuple(needing)),
                fixes,
            ))
    one_module = {d.name for dists in _sharing(env, matrix).values() for d in dists}
    for shared in env.shared_files:
        if (all(name in MMCV_DISTRIBUTIONS for name in shared.dists) or set(shared.dists) <= one_module
                or all(name in MMENGINE_DISTRIBUTIONS for name in shared.dists)):
            continue  # reported as multiple-mmcv, two-distributions-one-module or multiple-mmengine
        findings.append(_shared_finding(env, shared, python))
    for dist in env.distributions:
        if dist.problems:
            findings.append(Finding(
                "damaged-metadata", "warning",
                f"{dist.name} {dist.version or '?'} at {dist.metadata_dir}: " + "; ".join(dist.problems),
                (dist.name,),
                (pip_command(python, "install", "--force-reinstall", "--no-deps", dist.name),) if dist.name else (),
            ))
    if env.torch is not None:
        flavour = f"CUDA {env.torch.cuda}" if env.torch.cuda else "CPU"
        links = find_links_for(matrix, mmcv.name, env) if mmcv is not None else None
        findings.append(Finding(
            "torch", "info",
            f"torch {env.torch.version} ({flavour}), read from {env.torch.source}"
            + (f"; prebuilt {mmcv.name} wheels for it: {links}" if links and mmcv else ""),
            ("torch",),
        ))
    return findings


def imported_version(env: Environment, name: str) -> Optional[Version]:
    """The version of the copy ``import name`` really loads, read from its files; None if unknown."""
    copies = env.imports.get(name, ())
    return _version(copies[0].version) if copies else None


NUMPY2_ERROR = ("ValueError: numpy.dtype size changed, may indicate binary incompatibility. "
                "Expected 96 from C header, got 88 from PyObject")


def numpy_abi_findings(env: Environment, matrix: Matrix, numpy: Optional[Version] = None,
                       planned: Mapping[str, Optional[Version]] = {}) -> List[Finding]:
    """Registry binaries built against numpy 1.x next to numpy 2 (``numpy`` overrides the installed
    version; ``planned`` adds packages about to be installed from the registry)."""
    abi = matrix.numpy_abi
    if abi is None:
        return []
    if numpy is None:
        installed = env.get("numpy")
        numpy = _version(installed.version) if installed else None
    if numpy is None or numpy.major < 2:
        return []
    python = env.python or "python"
    installed_numpy = env.get("numpy")
    findings = []
    candidates = [(d.name, _version(d.version), d.registry_binary) for d in env.distributions
                  if d.name in abi.numpy1_only]
    candidates += [(name, version, True) for name, version in planned.items()]
    seen = set()
    for name, version, binary in candidates:
        if name in seen or not binary:
            continue  # a local build was compiled against whatever numpy it found: not judged here
        seen.add(name)
        newest = max(abi.numpy1_only[name]) if abi.numpy1_only.get(name) else None
        judged = version if version is not None else newest
        if judged is None or judged not in abi.numpy1_only[name]:
            continue
        findings.append(Finding(
            "numpy-abi", "error",
            f"{name} {judged} is a registry binary built against numpy 1.x (all its wheels predate numpy 2.0.0, "
            f"first uploaded {abi.numpy2_first_upload[:10]}; {abi.sources[name]}); with numpy {numpy} importing it "
            f"fails: {NUMPY2_ERROR}",
            (name, "numpy"),
            (pip_command(python, "install", "numpy<2"),
             pip_command(python, "install", "cython", "setuptools", "wheel",
                         f"numpy=={numpy}" if installed_numpy is not None and _version(installed_numpy.version) == numpy
                         else "numpy>=2"),
             pip_command(python, "install", "--force-reinstall", "--no-deps", "--no-build-isolation",
                         "--no-binary", name, f"{name}=={judged}")),
        ))
    return findings


def _import_findings(env: Environment) -> List[Finding]:
    """Which copy ``import`` really loads, against what is installed; editable installs gone missing."""
    import os

    findings: List[Finding] = []
    python = env.python or "python"
    for name, copies in env.imports.items():
        if not copies:
            continue
        first = copies[0]
        dists = [env.get(name)] if name != "mmcv" else [env.get(n) for n in MMCV_DISTRIBUTIONS]
        dist = next((d for d in dists if d is not None), None)
        shown = f"{first.path} ({first.version or 'version unknown'}, {first.via})"
        if dist is None:
            findings.append(Finding(
                "import-not-installed", "info",
                f"import {name} loads {shown}, which no installed distribution owns", (name,),
            ))
        else:
            installed_at = os.path.join(dist.location, name)
            loaded = os.path.realpath(first.path)
            same = loaded == os.path.realpath(installed_at)
            if dist.editable and dist.editable_path:  # an editable install loads from its source folder
                source = os.path.realpath(dist.editable_path)
                same = same or loaded == source or loaded.startswith(source.rstrip(os.sep) + os.sep)
            if not same:
                differs = ((first.version or "") != dist.version and dist.name != "mmcv-full") or (
                    dist.name == "mmcv-full" and (first.version or "") != (dist.module_version or dist.version))
                where = first.via.split(" ", 1)[1] if first.via.startswith("sys.path") else first.via
                findings.append(Finding(
                    "import-shadowed", "error" if differs else "warning",
                    f"import {name} loads {shown}, not the installed {dist.name} {dist.version} at {installed_at}"
                    + ("; the checks here judge the version that is imported" if differs else ""),
                    (dist.name,),
                    (f"run from another folder, or remove {where} from PYTHONPATH; or install that copy: "
                     + shlex.join([python, "-m", "pip", "install", "-e", os.path.dirname(first.path)]),),
                ))
        if len(copies) > 1:
            others = "; ".join(f"{c.path} ({c.version or '?'}, {c.via})" for c in copies[1:])
            findings.append(Finding(
                "import-duplicates", "warning",
                f"{len(copies)} copies of {name} are on the path; only the first ({first.path}) is imported; "
                f"also: {others}",
                (name,),
            ))
    for dist_name, path, via in env.missing_editables:
        label = f"editable install of {dist_name}" if dist_name else "a path entry"
        findings.append(Finding(
            "editable-missing", "error",
            f"{label} points at {path}, which no longer exists (from {via})",
            (dist_name,) if dist_name else (),
            (pip_command(python, "uninstall", "-y", dist_name),) if dist_name else (),
        ))
    return findings


def installed_stack(env: Environment) -> Versions:
    """The version of every distribution as a :class:`Versions`: for mmpose, mmcv, mmdet and mmengine the
    version of the copy ``import`` loads (a checkout on the path wins over the installed one)."""
    ranges: Dict[str, Range] = {}
    for dist in env.distributions:
        if dist.name in ranges:
            continue
        text = dist.module_version if dist.name in MMCV_DISTRIBUTIONS and dist.module_version else dist.version
        version = _version(text)
        if version is not None:
            ranges[dist.name] = Range.parse(f"=={version}")
    for name in env.imports:
        version = imported_version(env, name)
        if version is None:
            continue
        if name == "mmcv":
            providers = [n for n in MMCV_DISTRIBUTIONS if n in ranges] or ["mmcv"]
            ranges[providers[0]] = Range.parse(f"=={version}")
        else:
            ranges[name] = Range.parse(f"=={version}")
    return Versions(ranges, {})


def diagnose(env: Environment, matrix: Matrix) -> Tuple[Finding, ...]:
    """Every finding for ``env``: errors first, then warnings, then information."""
    python = env.python or "python"
    mmpose = env.get(DEFAULT_PACKAGE)
    mmpose_version = imported_version(env, DEFAULT_PACKAGE) or (_version(mmpose.version) if mmpose else None)
    release = _release_for(matrix, mmpose_version)
    findings = _environment_findings(env, matrix, release) + _import_findings(env) + numpy_abi_findings(env, matrix)
    if mmpose_version is not None and release is None:
        findings.append(Finding(
            "unknown-release", "warning",
            f"mmpose {mmpose_version} is not in the matrix ({matrix.path}); its mmcv range cannot be checked",
            ("mmpose",),
        ))
    stack = installed_stack(env)
    if release is not None:
        findings.extend(check_stack(matrix, release, stack, python, env))
    findings.extend(codebase_findings(env, matrix, stack))
    findings.extend(one_module_findings(env, matrix))
    findings.extend(record_findings(env, matrix))  # an mmcv mmcompat built against another torch
    return by_severity(findings)


def _sharing(env: Environment, matrix: Matrix) -> Dict[str, List[InstalledDistribution]]:
    """The package folders two or more installed codebases install (mmdet: mmdet and onedl-mmdetection)."""
    by_module: Dict[str, List[InstalledDistribution]] = {}
    for name in matrix.packages:
        dist = env.get(name)
        if dist is not None:
            by_module.setdefault(matrix.module_of(name), []).append(dist)
    return {module: dists for module, dists in by_module.items() if len(dists) > 1}


_BY_HASHES = "the files on disk match its RECORD's hashes"


def _files_owner(env: Environment, names: Sequence[str]) -> Optional[str]:
    """Which of ``names`` wrote the files they share, as the probe told it from the RECORD hashes the
    files on disk match (:attr:`SharedFiles.owner`); None when it could not tell or the pairs disagree."""
    told = {f.owner for f in env.shared_files if f.owner and set(f.dists) <= set(names)}
    return told.pop() if len(told) == 1 else None


def _owner_said(env: Environment, names: Sequence[str], module: str) -> str:
    owner = _files_owner(env, names)
    return f"; {module}/ holds {owner}'s files now ({_BY_HASHES})" if owner else ""


def _shared_finding(env: Environment, shared: SharedFiles, python: str) -> Finding:
    """Two distributions whose RECORDs list the same files (openmim and onedl-mim: mim/): whose files are
    there now, told by the RECORD hashes the files on disk match, and the repair that keeps that one."""
    owner = env.get(shared.owner) if shared.owner else None
    keep, other = (shared.dists[0], shared.dists[1]) if owner is None or owner.name == shared.dists[0] else \
        (shared.dists[1], shared.dists[0])
    now = (f"; they hold {owner.name}'s files now ({_BY_HASHES}), and uninstalling {other} removes them too"
           if owner is not None else "; uninstalling one breaks the other")
    return Finding(
        "shared-files", "warning",
        f"{shared.dists[0]} and {shared.dists[1]} own the same {shared.count} installed file(s) "
        f"({_listing(list(shared.examples))})" + now,
        tuple(shared.dists),
        (pip_command(python, "uninstall", "-y", other),
         pip_command(python, "install", "--force-reinstall", "--no-deps",
                     f"{owner.name}=={owner.version}" if owner is not None and owner.version else keep)),
    )


def one_module_findings(env: Environment, matrix: Matrix) -> List[Finding]:
    """Two distributions of one package folder installed (mmdet and onedl-mmdetection): the later
    overwrote the earlier's files. Which one's files are there now, read from the folder's version file,
    and the repair: uninstall the other (its files go, the owner's with them) and reinstall the owner."""
    findings: List[Finding] = []
    python = env.python or "python"
    for module, dists in _sharing(env, matrix).items():
        names = [d.name for d in dists]
        on_disk = imported_version(env, module)
        owners = [d for d in dists if on_disk is not None and _version(d.version) == on_disk]
        how = f"{module}/version.py says {on_disk}"
        if len(owners) != 1:  # the version file cannot tell: the RECORD hashes the files on disk match can
            told = _files_owner(env, names)
            owners, how = [d for d in dists if d.name == told] if told else owners, _BY_HASHES
        both = " and ".join(f"{d.name} {d.version}" for d in dists)
        if len(owners) == 1:
            owner = owners[0]
            others = [n for n in names if n != owner.name]
            findings.append(Finding(
                "two-distributions-one-module", "error",
                f"{both} both install the {module}/ package: {module}/ holds {owner.name}'s files now "
                f"({how}); uninstalling {' or '.join(others)} removes them too",
                tuple(names),
                (pip_command(python, "uninstall", "-y", *others),
                 pip_command(python, "install", "--force-reinstall", "--no-deps", f"{owner.name}=={owner.version}")),
            ))
        else:
            findings.append(Finding(
                "two-distributions-one-module", "error",
                f"{both} both install the {module}/ package, each over the other's files; which one's are there "
                f"now cannot be read ({module}/version.py states "
                + (f"{on_disk}, the version of both)" if on_disk is not None else "no version)")
                + "; uninstall both, then install the one you keep",
                tuple(names),
                (pip_command(python, "uninstall", "-y", *names),),
            ))
    return findings


def codebase_findings(env: Environment, matrix: Matrix, stack: Optional[Versions] = None) -> List[Finding]:
    """Every other codebase installed (mmdet, mmsegmentation, ...) judged by the bounds of its own release,
    as mmpose's: the finding names the codebase whose bound the installed mmcv or mmengine breaks.
    ``stack``: :func:`installed_stack` of ``env``, when the caller has it."""
    findings: List[Finding] = []
    for name in matrix.packages:
        dist = env.get(name)
        if name == DEFAULT_PACKAGE or dist is None:
            continue
        version = imported_version(env, matrix.module_of(name)) or _version(dist.version)
        if version is None:
            continue  # no version to judge (damaged metadata is reported as such)
        release = matrix.release(name, version)
        if release is None:
            findings.append(Finding(
                "unknown-release", "warning",
                f"{name} {version} is not in the matrix ({matrix.path}); its mmcv range cannot be checked",
                (name,),
            ))
            continue
        stack = stack or installed_stack(env)
        findings.extend(f for f in check_stack(matrix, release, stack, env.python or "python", env)
                        if not f.code.endswith("-missing"))  # what a codebase needs beside mmcv: pip's to say
    return findings
