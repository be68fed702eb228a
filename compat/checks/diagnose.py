"""Judge an environment, or a planned install laid over one, against the matrix: the one judgement of
``mmcompat doctor`` (and of the environment ``guard`` and ``install`` leave).

``diagnose(env, matrix)`` is what ``mmcompat doctor`` reports; ``check_stack`` is the part shared with
``mmcompat guard``: given the version (or, for a plan, the range) of each OpenMMLab distribution, it says
what ``import mmpose`` would do, quoting the exact AssertionError where the release asserts one.
Fixes are exact commands for the target interpreter (``PY -m pip ...``), shell-quoted for a person.

It judges on the matrix's compiled tables (:mod:`compat.data.tables`), whose ranks settle every
comparison as ``packaging`` did when they were compiled: an installed simple release the tables do not
know is ranked among theirs (:func:`compat.data.ranks.placed`), and ``packaging`` is imported only for a
version text the ranks cannot place (``2.0.0rc9``, not in the matrix), and the typed matrix is loaded
only for the two findings whose details are its own (the stack search behind the fix of an mmcv without
its ops; the releases and sources of a numpy-1.x binary beside numpy 2). So a healthy environment, and
most with something to report, are judged without ``packaging`` or the typed matrix: no second path.
"""

from __future__ import annotations

from ..answers.release import dependency_of, release_label
from ..data import ranks
from ..data.links import compiled_rule_url, torch_major_minor
from ..data.vocabulary import DEFAULT_PACKAGE, MMCV_DISTRIBUTIONS, MMENGINE_DISTRIBUTIONS, SOURCES
from ..environment.records import Environment, Finding, InstalledDistribution, SharedFiles, by_severity
from ..install.buildrecord import record_findings

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (doctor's start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

    from packaging.version import Version

    from ..data.models import Matrix
    from ..data.ranges import Range
    from ..data.shapes import DependencyData, RangeData, ReleaseData, Tables

    _Texts = Mapping[str, str]
    _Ranges = Mapping[str, RangeData]
else:
    import collections.abc

    _Texts = _Ranges = collections.abc.Mapping  # subscripted only for the type checker (Python 3.8 cannot)

__all__ = ["MMCV_DISTRIBUTIONS", "TABLES", "MatrixFacts", "Versions", "check_stack", "codebase_findings",
           "diagnose", "find_links_for", "imported_version", "installed_stack", "installed_versions",
           "matrix_facts", "numpy_abi_findings", "one_module_findings", "pip_command", "typed_versions"]

#: The parts of the compiled tables the judgement reads.
TABLES = ("versions", "extras", "packages", "modules", "find_links", "wheels", "numpy1_newest", "assertions")

_EXAMPLES = 5


class MatrixFacts:
    """The matrix as the judgement reads it: its compiled ``tables``, the file's ``path``, and the typed
    :class:`~compat.data.models.Matrix` (given, or loaded by ``load`` when a rare finding asks for it)."""

    __slots__ = ("_load", "_matrix", "path", "tables")

    def __init__(self, tables: Tables, path: str, matrix: Optional[Matrix] = None,
                 load: Optional[Callable[[], Matrix]] = None) -> None:
        self.tables = tables
        self.path = path
        self._matrix = matrix
        self._load = load

    def typed(self) -> Matrix:
        """The typed matrix (loaded once)."""
        if self._matrix is None:
            if self._load is None:
                from ..data.matrix import load

                self._matrix = load(self.path)
            else:
                self._matrix = self._load()
        return self._matrix


def matrix_facts(matrix: Union[Matrix, MatrixFacts]) -> MatrixFacts:
    """``matrix`` as :class:`MatrixFacts` (a typed matrix with the tables compiled with it, or for it)."""
    if isinstance(matrix, MatrixFacts):
        return matrix
    from ..data.tables import tables_for

    return MatrixFacts(tables_for(matrix), matrix.path, matrix)


def pip_command(python: str, *args: str) -> str:
    """``PY -m pip ARGS`` quoted for a shell, as a person would paste it."""
    return _shell_line(python, "-m", "pip", *args)


def _shell_line(*args: str) -> str:
    """A command quoted for a shell (shlex imported only for a finding with a fix)."""
    import shlex

    return shlex.join(args)


def _version(text: Optional[str]) -> Optional[Version]:
    from packaging.version import Version

    try:
        return Version(text) if text else None
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return None


def _valid(text: Optional[str]) -> bool:
    """A version packaging reads (a simple release is one without asking it)."""
    if not text:
        return False
    return ranks.simple_release(text) is not None or _version(text) is not None


def _shown(text: str) -> str:
    """The version as packaging writes it (``1.05`` -> ``1.5``), asking packaging only for one that is not
    a simple release."""
    release = ranks.simple_release(text)
    if release is not None:
        return ".".join(str(part) for part in release)
    return str(_version(text))


def _listing(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:_EXAMPLES])
    return shown + (f" and {len(paths) - _EXAMPLES} more" if len(paths) > _EXAMPLES else "")


def _text(tables: Tables, r: Optional[RangeData]) -> str:
    """A range as upstream writes it (``None`` for none, as a message has always said it)."""
    return "None" if r is None else ranks.range_text(tables, r)


def find_links_for(tables: Tables, distribution: str, env: Optional[Environment]) -> Optional[str]:
    """OpenMMLab's wheel index for ``distribution`` and the environment's torch, when both are known and
    the wheel table lists builds for that torch and CUDA (OpenMMLab's pages stop at torch 2.4: there is none
    for a newer torch to point at)."""
    rule = tables["find_links"].get(distribution)
    if rule is None or env is None or env.torch is None or not env.torch.version:
        return None
    index = tables["wheels"].get(distribution)
    minor, cuda = ".".join(torch_major_minor(env.torch.version)), env.torch.cuda or "cpu"
    if index is not None and not any(build[1] == cuda and build[2] == minor for build in index[1]):
        return None
    return compiled_rule_url(rule, env.torch.version, env.torch.cuda)


class Versions:
    """The versions a check judges: exact ones (installed, or pinned: ``exact``, by name, as written) and
    ranges (planned, unpinned: ``ranges``), over ``tables``, whose ranks order every bound of the ranges.

    ``describe`` says where each came from (``installed``, ``planned``), for messages.
    """

    def __init__(self, tables: Tables, exact: Mapping[str, str], ranges: Mapping[str, RangeData],
                 describe: Mapping[str, str]) -> None:
        self.tables = tables
        self.exacts = exact
        self.ranges = ranges
        self.describe = dict(describe)
        self._placed: Dict[str, Optional[Tuple[Tables, str]]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self.exacts or name in self.ranges

    def exact(self, name: str) -> Optional[str]:
        """The one version of ``name`` as written, or None for a range (or none)."""
        return self.exacts.get(name)

    def shown(self, name: str) -> str:
        """The exact version of ``name`` as packaging writes it."""
        return _shown(self.exacts[name])

    def label(self, name: str) -> str:
        exact = self.exact(name)
        shown = f"{name}=={_shown(exact)}" if exact is not None else f"{name}{_text(self.tables, self.ranges[name])}"
        return f"{shown} ({self.describe.get(name, 'installed')})"

    def admits(self, rule: RangeData, name: str) -> bool:
        """PEP 440 membership of the exact version of ``name`` in ``rule``, pre-releases included: by the
        ranks for a version they know or can place (:func:`ranks.placed`), else by packaging."""
        text = self.exacts[name]
        if text in self.tables["versions"]:
            return ranks.range_contains(self.tables, rule, text)
        if name not in self._placed:
            self._placed[name] = ranks.placed(self.tables, text)
        found = self._placed[name]
        if found is not None and not (rule[2] and found[0] is not self.tables):
            return ranks.range_contains(found[0], rule, found[1])
        # a version the ranks cannot place, or a new one under verbatim specifiers (which list only the
        # versions the matrix knows)
        from packaging.specifiers import SpecifierSet
        from packaging.version import Version

        return SpecifierSet(ranks.range_text(self.tables, rule)).contains(Version(text), prereleases=True)

    def intersect(self, name: str, rule: RangeData) -> RangeData:
        return ranks.range_intersect(self.tables, self.ranges[name], rule)

    def empty(self, r: RangeData) -> bool:
        return ranks.range_is_empty(self.tables, r)

    def reaches_past(self, name: str, rule: RangeData) -> bool:
        """True when the range of ``name`` allows versions above ``rule``'s upper bound."""
        return ranks.range_reaches_past(self.tables, self.ranges[name], rule)


class _Installed(_Texts):
    """The installed version of each distribution, as written, each read when asked (a version that is
    not a simple release asks packaging whether it is one: only for the names a check judges)."""

    def __init__(self, env: Environment, local: Optional[bool] = None) -> None:
        self._env, self._local = env, local
        self._found: Dict[str, Optional[str]] = {}

    def _installed(self, name: str) -> Optional[str]:
        """The first distribution of ``name`` with a version (an mmcv distribution's from its version file)."""
        for dist in self._env.distributions:
            if dist.name == name:
                text = dist.module_version if name in MMCV_DISTRIBUTIONS and dist.module_version else dist.version
                if _valid(text):
                    return text
        return None

    def _read(self, name: str) -> Optional[str]:
        if name not in self._found:
            text = _imported_text(self._env, name) if name != "mmcv" else None
            if text is None and name in MMCV_DISTRIBUTIONS:
                imported = _imported_text(self._env, "mmcv")  # the mmcv copy is its provider's version
                provider = next((n for n in MMCV_DISTRIBUTIONS if self._installed(n) is not None), "mmcv")
                text = imported if imported is not None and provider == name else None
            self._found[name] = text if text is not None else self._installed(name)
        return self._found[name]

    def __getitem__(self, name: str) -> str:
        text = self._read(name)
        if text is None or (self._local is not None and ("+" in text) != self._local):
            raise KeyError(name)
        return text

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def names(self) -> List[str]:
        found = {d.name: None for d in self._env.distributions}
        found.update({n: None for n in self._env.imports if n != "mmcv"})
        if "mmcv" in self._env.imports:
            found.update({n: None for n in MMCV_DISTRIBUTIONS})
        return list(found)

    def __iter__(self) -> Iterator[str]:
        return iter([name for name in self.names() if name in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def installed_versions(env: Environment) -> Mapping[str, str]:
    """The version of every distribution, as written (packaging reads it): for mmpose, mmcv, mmdet and
    mmengine that of the copy ``import`` loads (a checkout on the path wins over the installed one); for an
    mmcv distribution what its version file says. Each is read when asked."""
    return _Installed(env)


class _Local(_Ranges):
    """Installed versions with a local part (``1.5.0+cu113``) as the ranges ``==1.5.0+cu113``."""

    def __init__(self, env: Environment) -> None:
        self._texts = _Installed(env, local=True)

    def __getitem__(self, name: str) -> RangeData:
        return (None, None, ("==" + _shown(self._texts[name]),))

    def __contains__(self, name: object) -> bool:
        return name in self._texts

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def installed_stack(env: Environment, tables: Tables) -> Versions:
    """:func:`installed_versions` as :class:`Versions` over ``tables``. A version with a local part
    (``1.5.0+cu113``) is judged as the range ``==1.5.0+cu113`` (a verbatim specifier), as it always was."""
    return Versions(tables, _Installed(env, local=False), _Local(env), {})


def typed_versions(tables: Tables, ranges: Mapping[str, Range], describe: Mapping[str, str]) -> Versions:
    """Typed ranges (:class:`~compat.data.ranges.Range`, as guard reads a plan) as :class:`Versions`: a
    pinned one is exact; the tables are ranked again with packaging when the ranges name versions or
    verbatim specifiers they do not know."""
    from ..data.tables import admitted, lean_range, ranked  # typed ranges: packaging is loaded already

    exact: Dict[str, str] = {}
    lean: Dict[str, RangeData] = {}
    texts: Set[str] = set()
    extras: Set[str] = set()
    for name, r in ranges.items():
        pinned = r.pinned
        if pinned is not None and r.lower is not None:
            exact[name] = r.lower.text
            texts.add(r.lower.text)
            continue
        lean[name] = found = lean_range(r)
        texts.update(b[0] for b in found[:2] if b is not None)
        extras.update(r.extra)
    if not texts <= tables["versions"].keys() or not extras <= tables["extras"].keys():
        versions = ranked(set(tables["versions"]) | texts)
        tables = {**tables, "versions": versions, "extras": admitted(versions, set(tables["extras"]) | extras)}
    return Versions(tables, exact, lean, describe)


def _required(release: ReleaseData) -> Tuple[DependencyData, ...]:
    """The dependencies a plain install needs (mmcv, mmengine), not the optional ones."""
    return tuple(d for d in release[4] if not d[1])


def _mmcv_dependency(release: ReleaseData) -> Optional[DependencyData]:
    return next((d for d in _required(release) if d[0] in MMCV_DISTRIBUTIONS), None)


def _failed_message(facts: MatrixFacts, release: ReleaseData, dependency: DependencyData, rule: RangeData,
                    stack: Versions, provider: str) -> str:
    messages = facts.tables["assertions"].get((release[0], release[1], dependency[0]), ())
    if not messages:
        return ""
    index = 0
    if len(messages) > 1 and rule[0] is not None and stack.admits((rule[0], None, ()), provider):
        index = len(messages) - 1  # the lower bound holds: the upper-bound assertion fails
    return "AssertionError: " + str(messages[index]).replace("{version}", stack.shown(provider))


def _judge(
    facts: MatrixFacts,
    release: ReleaseData,
    dependency: DependencyData,
    provider: str,
    stack: Versions,
    fix: Callable[[], Tuple[str, ...]],
    module: str = "",
) -> List[Finding]:
    """One dependency of ``release`` against the version or range ``stack`` has for ``provider``;
    ``module`` is what ``import`` names (``mmseg`` for mmsegmentation), the package by default. ``fix``
    gives a finding's commands, asked only when there is one (they read the release's requirements)."""
    tables = stack.tables
    label = release_label(release)
    dists = (release[0], provider)
    code = dependency[0].replace("-full", "")
    enforced = dependency[3]
    safe = ranks.range_for(tables, dependency, "safe")
    if stack.exact(provider) is not None:
        if enforced is not None and not stack.admits(enforced, provider):
            quoted = _failed_message(facts, release, dependency, enforced, stack, provider)
            return [Finding(
                f"{code}-outside-enforced", "error",
                f"import {module or release[0]} will fail: {stack.label(provider)} is outside "
                f"{_text(tables, enforced)}, the range {label} asserts at import" + (f": {quoted}" if quoted else ""),
                dists, fix(),
            )]
        if safe is not None and not stack.empty(safe) and not stack.admits(safe, provider):
            against = [source for source, r in zip(SOURCES, dependency[2:5])
                       if r is not None and not stack.admits(r, provider)]
            return [Finding(
                f"{code}-outside-safe", "warning",
                f"{stack.label(provider)} passes {label}'s import check but is outside the safe range "
                f"{_text(tables, safe)} ({', '.join(against)} source{'s' if len(against) > 1 else ''} "
                f"exclude{'' if len(against) > 1 else 's'} it)",
                dists, fix(),
            )]
        return []
    rule = enforced if enforced is not None else safe
    if rule is None:
        return []
    if stack.empty(stack.intersect(provider, rule)):
        return [Finding(
            f"{code}-outside-enforced", "error",
            f"{stack.label(provider)} allows no version {label} accepts ({_text(tables, rule)})", dists, fix(),
        )]
    # pip picks the newest version the range allows; without the list of published versions a range
    # that reaches past the bound is a risk, not a certainty: a warning.
    if stack.reaches_past(provider, rule):
        return [Finding(
            f"{code}-unpinned", "warning",
            f"{stack.label(provider)} lets pip pick the newest {provider}, which may be newer than {label} "
            f"accepts ({_text(tables, rule)}); pin it to the safe range {_text(tables, safe)}",
            dists, fix(),
        )]
    if safe is not None and not stack.empty(safe) and stack.reaches_past(provider, safe):
        return [Finding(
            f"{code}-outside-safe", "warning",
            f"{stack.label(provider)} passes {label}'s import check but reaches past the safe range "
            f"{_text(tables, safe)}; pin it to the safe range",
            dists, fix(),
        )]
    return []


def _install_fix(facts: MatrixFacts, release: ReleaseData, python: str, env: Optional[Environment],
                 only: Optional[str] = None, extra: Sequence[str] = ()) -> Tuple[str, ...]:
    """``pip install`` of the release's safe requirements (those of ``only``), never one that lets pip
    compile mmcv: with the environment's torch known, the prebuilt wheels' find-links page and
    ``--only-binary``; without torch, mmcompat's own plan, which installs torch first."""
    from ..answers.release import requirements

    try:
        found = requirements(facts.tables, release, "safe")
    except Exception:
        return ()
    if found is None:
        return ()
    lines = found
    if only is not None:
        lines = tuple(line for line in lines if line.startswith(only) and line[len(only):len(only) + 1] in "<>=!~")
    mmcv = _mmcv_dependency(release)
    if mmcv is None or not any(line.startswith(mmcv[0]) for line in lines):
        return (pip_command(python, "install", *extra, *lines),)
    links = find_links_for(facts.tables, mmcv[0], env)
    if links is None:
        return (_shell_line("mmcompat", "install", f"{release[0]}=={release[1]}", "--python", python),)
    return (pip_command(python, "install", *extra, *lines, "-f", links, "--only-binary", mmcv[0]),)


def _ops_fix(facts: MatrixFacts, release: Optional[ReleaseData], python: str, env: Environment, installed: str
             ) -> Tuple[str, ...]:
    """Commands that really give mmcv its compiled ops for this environment: the prebuilt wheel for the
    installed torch (never a pip command that could compile it again without torch, and never pip's
    cached copy of the broken build), else mmcompat's own plan (torch first, or a real source build).
    The stack search needs the typed matrix: loaded here, for this finding only."""
    from ..answers.stack import parse_targets, resolve_stack
    from ..errors import CompatError
    from ..install.plan import machine_for

    if release is None or release[5]:
        return ()
    target = f"{release[0]}=={release[1]}"
    uninstall = pip_command(python, "uninstall", "-y", installed)
    if env.torch is None:
        return (uninstall, _shell_line("mmcompat", "install", target, "--python", python))
    matrix = facts.typed()
    try:
        targets = parse_targets([target], matrix)
        machine = machine_for(env)
    except CompatError:  # the installed torch's version cannot be read ('abc'): mmcompat's own plan says more
        return (_shell_line("mmcompat", "install", target, "--python", python, "--dry-run"),)
    try:
        stack = resolve_stack(targets, matrix, machine)
    except CompatError:
        try:  # no wheel for this torch: a real source build, if one fits this torch
            resolve_stack(targets, matrix, machine, allow_build=True)
        except CompatError:  # not even that: the explanation names the torch to switch to
            return (_shell_line("mmcompat", "install", target, "--python", python, "--dry-run"),)
        return (uninstall, _shell_line("mmcompat", "install", target, "--python", python, "--allow-build"))
    line = stack.mmcv
    if not line or not stack.find_links:
        return ()
    first = (uninstall,) if installed != line else ()
    pinned_torch = stack.torch.requirements if stack.torch else ()
    return (*first, pip_command(python, "install", "--force-reinstall", "--no-deps", "--no-cache-dir", "--only-binary",
                                line, f"{line}=={stack.pins[line]}", *pinned_torch, "-f", stack.find_links[0]))


def check_stack(matrix: Union[Matrix, MatrixFacts], release: ReleaseData, stack: Versions, python: str,
                env: Optional[Environment] = None) -> List[Finding]:
    """Judge every dependency of ``release`` (mmcv line, mmengine, mmdet; compiled:
    :func:`compat.data.tables.lean_release`) against ``stack``."""
    facts = matrix_facts(matrix)
    findings: List[Finding] = []
    label = release_label(release)
    mmcv = _mmcv_dependency(release)
    planned = "planned" in stack.describe.values()
    module = facts.tables["modules"].get(release[0], "")
    for dependency in _required(release):
        provider = dependency[0]
        if dependency is mmcv:
            present = [name for name in MMCV_DISTRIBUTIONS if name in stack]
            if not present:
                findings.append(Finding(
                    "mmcv-missing", "error",
                    f"{label} needs {dependency[0]} and no mmcv distribution is "
                    f"{'installed or planned' if planned else 'installed'}: "
                    "import mmpose fails with No module named 'mmcv'",
                    (release[0],), _install_fix(facts, release, python, env, only=dependency[0]),
                ))
                continue
            provider = dependency[0] if dependency[0] in present else present[0]
        elif provider == "mmengine" and provider not in stack and any(n in stack for n in MMENGINE_DISTRIBUTIONS):
            provider = next(n for n in MMENGINE_DISTRIBUTIONS if n in stack)  # onedl-mmengine is mmengine
        elif provider not in stack:
            findings.append(Finding(
                f"{provider}-missing", "error",
                f"{label} needs {provider} and it is "
                f"{'neither installed nor planned' if planned else 'not installed'}",
                (release[0], provider), _install_fix(facts, release, python, env, only=provider),
            ))
            continue

        def fix(dependency: DependencyData = dependency, provider: str = provider) -> Tuple[str, ...]:
            commands = _install_fix(facts, release, python, env, only=dependency[0])
            if provider != dependency[0] and commands:
                # another mmcv distribution provides the module: installing beside it would clobber
                commands = (pip_command(python, "uninstall", "-y", provider), *commands)
            return commands

        findings.extend(_judge(facts, release, dependency, provider, stack, fix, module))
    findings.extend(_check_mmdet(facts, release, stack, python, env))
    return findings


def _check_mmdet(facts: MatrixFacts, release: ReleaseData, stack: Versions, python: str,
                 env: Optional[Environment]) -> List[Finding]:
    dependency = dependency_of(release, "mmdet")
    if dependency is None or "mmdet" not in stack:
        return []
    tables = stack.tables
    rule = ranks.range_for(tables, dependency, "safe")
    if rule is None:
        return []
    exact = stack.exact("mmdet")
    fits = stack.admits(rule, "mmdet") if exact is not None else not stack.empty(stack.intersect("mmdet", rule))
    if fits:
        return []
    label = release_label(release)
    wanted = _text(tables, rule)
    ways = [f"keep {label} and install mmdet{wanted}"]
    fix = [pip_command(python, "install", f"mmdet{wanted}")]
    table = facts.tables["packages"].get(release[0])
    if table is not None and exact is not None:
        for other in table[0]:  # newest first
            other_rule = dependency_of(other, "mmdet")
            other_range = ranks.range_for(tables, other_rule, "safe") if other_rule else None
            if other_range is not None and stack.admits(other_range, "mmdet") and other[1] != release[1]:
                ways.append(f"keep mmdet {stack.shown('mmdet')} and move to {release_label(other)}, the newest "
                            "release whose installer accepts it")
                fix.extend(_install_fix(facts, other, python, env, extra=[f"{other[0]}=={other[1]}"]))
                break
    return [Finding(
        "mmdet-mismatch", "error",
        f"{stack.label('mmdet')} does not fit {label}, whose installer asks mmdet{wanted}; ways out: "
        + "; or ".join(ways),
        (release[0], "mmdet"), tuple(fix),
    )]


def _release_of(tables: Tables, package: str, text: Optional[str]) -> Optional[ReleaseData]:
    """The release of ``package`` whose version is ``text``'s (``0.28`` is ``0.28.0``), or None."""
    table = tables["packages"].get(package)
    if table is None or not text:
        return None
    found = ranks.placed(tables, text) if text not in tables["versions"] else (tables, text)
    if found is not None:
        if found[0] is not tables:
            return None  # a simple release the matrix does not know
        rank = ranks.rank(tables, found[1])
        releases: Sequence[ReleaseData] = table[0]
        return next((r for r in releases if ranks.rank(tables, r[2]) == rank), None)
    version = _version(text)  # not a simple release and not one of the matrix's texts: packaging compares
    return next((r for r in table[0] if _version(r[2]) == version), None)


def _imported_text(env: Environment, name: str) -> Optional[str]:
    """The version, as written, of the copy ``import name`` really loads; None if unknown or unreadable."""
    copies = env.imports.get(name, ())
    text = copies[0].version if copies else None
    return text if text and _valid(text) else None


def imported_version(env: Environment, name: str) -> Optional[Version]:
    """The version of the copy ``import name`` really loads, read from its files; None if unknown."""
    return _version(_imported_text(env, name))


NUMPY2_ERROR = ("ValueError: numpy.dtype size changed, may indicate binary incompatibility. "
                "Expected 96 from C header, got 88 from PyObject")


def _numpy1_binary_possible(env: Environment, tables: Tables) -> bool:
    """Whether :func:`numpy_abi_findings` of the installed environment can find anything: numpy 2 (or a
    version only packaging reads) beside a registry binary of a package some of whose releases predate
    numpy 2, at a version not newer than the newest of those (the tables say which, without the list)."""
    newest = tables["numpy1_newest"]
    numpy = env.get("numpy")
    if not newest or numpy is None or not numpy.version:
        return False
    release = ranks.simple_release(numpy.version)
    if release is not None and release[0] < 2:
        return False
    for dist in env.distributions:
        if dist.name not in newest or not dist.registry_binary:
            continue
        mine, top = ranks.simple_release(dist.version), ranks.simple_release(newest[dist.name])
        if mine is None or top is None or ranks.release_key(mine) <= ranks.release_key(top):
            return True
    return False


def numpy_abi_findings(env: Environment, matrix: Union[Matrix, MatrixFacts], numpy: Optional[Version] = None,
                       planned: Mapping[str, Optional[Version]] = {}) -> List[Finding]:
    """Registry binaries built against numpy 1.x next to numpy 2 (``numpy`` overrides the installed
    version; ``planned`` adds packages about to be installed from the registry). The releases and
    sources are the typed matrix's: read only when the tables cannot rule a finding out."""
    facts = matrix_facts(matrix)
    if numpy is None and not planned and not _numpy1_binary_possible(env, facts.tables):
        return []
    abi = facts.typed().numpy_abi
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


def _owners(name: str, modules: Mapping[str, str]) -> List[str]:
    """The distributions that install the import package ``name``: mmcv's and mmengine's several, a codebase
    and its forks (``mmdet``: mmdet, onedl-mmdetection; ``modules``: the matrix's distribution -> module)."""
    if name == "mmcv":
        return list(MMCV_DISTRIBUTIONS)
    if name == "mmengine":
        return list(MMENGINE_DISTRIBUTIONS)
    return [name, *(d for d, module in modules.items() if module == name and d != name)]


def _import_findings(env: Environment, modules: Mapping[str, str]) -> List[Finding]:
    """Which copy ``import`` really loads, against what is installed; editable installs gone missing."""
    import os

    findings: List[Finding] = []
    python = env.python or "python"
    for name, copies in env.imports.items():
        if not copies:
            continue
        first = copies[0]
        dist = next((d for d in (env.get(n) for n in _owners(name, modules)) if d is not None), None)
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
                     + pip_command(python, "install", "-e", os.path.dirname(first.path)),),
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


def _environment_findings(env: Environment, facts: MatrixFacts, release: Optional[ReleaseData]) -> List[Finding]:
    tables = facts.tables
    findings: List[Finding] = []
    python = env.python or "python"
    mmcv_installed = [d for d in (env.get(n) for n in MMCV_DISTRIBUTIONS) if d is not None]
    mmcv = _mmcv_dependency(release) if release is not None else None

    def reinstall() -> Tuple[str, ...]:  # asked only for a finding: it reads the release's requirements
        return _install_fix(facts, release, python, env, only=mmcv[0]) if release and mmcv else ()

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
            links = find_links_for(tables, dist.name, env)
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
        if release is not None and ranks.major(tables, release[2]) == 0:
            needs.append(release_label(release))
            needing.append(release[0])
        if env.get("mmdet") is not None:
            needs.append("mmdet")
            needing.append("mmdet")
        lite = f"{provider.name} {provider.version}"
        if needs or release is not None:
            again = reinstall()
            fixes = _ops_fix(facts, release, python, env, provider.name) or (
                ((pip_command(python, "uninstall", "-y", provider.name), *again)) if again else ())
            message = (f"{lite} has no compiled ops (mmcv/_ext): importing mmcv.ops fails with "
                       f"No module named 'mmcv._ext'")
            findings.append(Finding(
                "mmcv-without-ops", "error" if needs else "warning",
                message + (f"; {' and '.join(needs)} need{'s' if len(needs) == 1 else ''} them" if needs
                           else f"; some {release[0] if release else 'mmpose'} models need them"),
                (provider.name, *tuple(needing)),
                fixes,
            ))
    one_module = {d.name for dists in _sharing(env, tables).values() for d in dists}
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
        links = find_links_for(tables, mmcv[0], env) if mmcv is not None else None
        findings.append(Finding(
            "torch", "info",
            f"torch {env.torch.version} ({flavour}), read from {env.torch.source}"
            + (f"; prebuilt {mmcv[0]} wheels for it: {links}" if links and mmcv else ""),
            ("torch",),
        ))
    return findings


def _sharing(env: Environment, tables: Tables) -> Dict[str, List[InstalledDistribution]]:
    """The package folders two or more installed codebases install (mmdet: mmdet and onedl-mmdetection)."""
    by_module: Dict[str, List[InstalledDistribution]] = {}
    for name, module in tables["modules"].items():
        dist = env.get(name)
        if dist is not None:
            by_module.setdefault(module, []).append(dist)
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


def one_module_findings(env: Environment, matrix: Union[Matrix, MatrixFacts]) -> List[Finding]:
    """Two distributions of one package folder installed (mmdet and onedl-mmdetection): the later
    overwrote the earlier's files. Which one's files are there now, read from the folder's version file,
    and the repair: uninstall the other (its files go, the owner's with them) and reinstall the owner."""
    findings: List[Finding] = []
    python = env.python or "python"
    for module, dists in _sharing(env, matrix_facts(matrix).tables).items():
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


def codebase_findings(env: Environment, matrix: Union[Matrix, MatrixFacts], stack: Optional[Versions] = None
                      ) -> List[Finding]:
    """Every other codebase installed (mmdet, mmsegmentation, ...) judged by the bounds of its own release,
    as mmpose's: the finding names the codebase whose bound the installed mmcv or mmengine breaks.
    ``stack``: :func:`installed_stack` of ``env``, when the caller has it."""
    facts = matrix_facts(matrix)
    tables = facts.tables
    findings: List[Finding] = []
    for name, module in tables["modules"].items():
        dist = env.get(name)
        if name == DEFAULT_PACKAGE or dist is None:
            continue
        text = _imported_text(env, module) or (dist.version if _valid(dist.version) else None)
        if text is None:
            continue  # no version to judge (damaged metadata is reported as such)
        release = _release_of(tables, name, text)
        if release is None:
            findings.append(Finding(
                "unknown-release", "warning",
                f"{name} {_shown(text)} is not in the matrix ({facts.path}); its mmcv range cannot be checked",
                (name,),
            ))
            continue
        stack = stack or installed_stack(env, tables)
        findings.extend(f for f in check_stack(facts, release, stack, env.python or "python", env)
                        if not f.code.endswith("-missing"))  # what a codebase needs beside mmcv: pip's to say
    return findings


def diagnose(env: Environment, matrix: Union[Matrix, MatrixFacts]) -> Tuple[Finding, ...]:
    """Every finding for ``env``: errors first, then warnings, then information."""
    facts = matrix_facts(matrix)
    tables = facts.tables
    python = env.python or "python"
    mmpose = env.get(DEFAULT_PACKAGE)
    text = _imported_text(env, DEFAULT_PACKAGE) or (mmpose.version if mmpose and _valid(mmpose.version) else None)
    release = _release_of(tables, DEFAULT_PACKAGE, text)
    findings = (_environment_findings(env, facts, release) + _import_findings(env, facts.tables.get("modules") or {})
                + numpy_abi_findings(env, facts))
    if text is not None and release is None:
        findings.append(Finding(
            "unknown-release", "warning",
            f"mmpose {_shown(text)} is not in the matrix ({facts.path}); its mmcv range cannot be checked",
            ("mmpose",),
        ))
    stack = installed_stack(env, tables)
    if release is not None:
        findings.extend(check_stack(facts, release, stack, python, env))
    findings.extend(codebase_findings(env, facts, stack))
    findings.extend(one_module_findings(env, facts))
    findings.extend(record_findings(env, tables["modules"]))  # an mmcv mmcompat built against another torch
    return by_severity(findings)
