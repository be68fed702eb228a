"""Which binaries exist, read from the compiled tables: torch releases per (platform, CPython, CUDA
variant), the CUDA variants an NVIDIA driver runs, the (torch, CUDA) pairs a machine can have, and the
prebuilt mmcv wheels per (platform, CUDA, torch, CPython), asked of the rows of the wheel table
(:mod:`compat.data.wheel_table`, which derives them when the tables are compiled).
"""

from __future__ import annotations

from ..data.ranks import newest_first, python_key, rank, release_key, simple_release
from ..data.wheel_table import all_wheel_rows, rule_pythons

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, List, Optional, Sequence, Tuple

    from ..data.shapes import Choice, Machine, Tables

__all__ = [
    "all_wheel_versions",
    "driver_minimum",
    "driver_variants",
    "has_wheel",
    "mmcv_wheel_pythons",
    "mmcv_wheel_versions",
    "torch_choices",
    "torch_for",
    "torch_release",
    "torch_releases",
    "versions_for",
    "wheel_question",
    "wheel_rows",
    "wheel_spelling",
]

def torch_releases(tables: Tables) -> Tuple[Any, ...]:
    torch = tables["torch"]
    return () if torch is None else tuple(torch[1])


def _of_minor(tables: Tables, minor: str) -> List[Any]:
    return [r for r in torch_releases(tables) if r[1] == minor]


def _minors(tables: Tables) -> List[str]:
    seen: List[str] = []
    for release in torch_releases(tables):
        if release[1] not in seen:
            seen.append(release[1])
    return seen


def has_wheel(release: Any, platform: str, python: str) -> bool:
    return python in release[2].get(platform, ())


def torch_release(tables: Tables, version: str) -> Optional[Any]:
    """The torch release with exactly this (public, numeric) version, or None."""
    wanted = simple_release(version)
    if wanted is None:
        return None
    for release in torch_releases(tables):
        found = simple_release(release[0])
        if found is not None and release_key(found) == release_key(wanted):
            return release
    return None


def driver_minimum(tables: Tables, cuda: str, platform: str) -> Optional[str]:
    """The oldest driver for ``cuda`` on ``platform``: minor-version compatibility first, then the toolkit's."""
    nvidia = tables["nvidia"]
    for table in nvidia or ():
        found = table.get(cuda, {}).get(platform)
        if found:
            return str(found)
    return None


def driver_variants(tables: Tables, variants: Sequence[str], platform: str, driver: Optional[Tuple[str, str]]
                    ) -> Tuple[str, ...]:
    """The CUDA variants (newest first, ``cpu`` last) a machine with ``driver`` runs: those whose oldest
    driver (minor-version compatibility, else the toolkit's) the driver meets; none without a driver.
    Unknown minimum: not counted."""
    runnable: List[str] = []
    if driver is not None and platform != "macos" and tables["nvidia"] is not None:
        from ..environment.driver import Driver, supports  # only with a driver, which was read by that module

        have = Driver(*driver)
        for cuda in sorted(variants, key=python_key, reverse=True):
            minimum = driver_minimum(tables, cuda, platform)
            if minimum is not None and supports(have, minimum):
                runnable.append(cuda)
    return (*runnable, "cpu")


def torch_for(tables: Tables, minor: str, cuda: str, platform: str, python: str) -> Optional[Any]:
    """The newest torch release of ``minor`` with a wheel for ``platform`` and CPython ``python`` that the
    PyTorch index carries for ``cuda`` (``cpu``: every release)."""
    for release in _of_minor(tables, minor):
        if not has_wheel(release, platform, python):
            continue
        if cuda not in ("cpu", "mps") and cuda not in release[3]:
            continue
        return release
    return None


def _variants(tables: Tables, machine: Machine, minor: str) -> Tuple[str, ...]:
    if machine["cuda"]:
        return (machine["cuda"],)
    if machine["platform"] == "macos":
        return ("cpu",)
    known = {c for r in _of_minor(tables, minor) for c in r[3]}
    return driver_variants(tables, tuple(known), machine["platform"], machine["driver"])


def torch_choices(tables: Tables, machine: Machine) -> List[Choice]:
    """The (torch, CUDA) pairs to try, most wanted first: the newest torch minor, then the newest CUDA
    variant the machine runs; only releases with a wheel for the platform and CPython (an installed
    torch is taken as it is), and only CUDA variants the machine's GPU (``gpu``) runs."""
    minors = [machine["torch_minor"]] if machine["torch"] else _minors(tables)
    choices: List[Choice] = []
    for minor in minors:
        for cuda in _variants(tables, machine, minor):
            if machine["torch_exact"]:
                release = torch_release(tables, machine["torch"])
                if not machine["torch_installed"] and release is not None and (
                        not has_wheel(release, machine["platform"], machine["python"])
                        or (cuda not in ("cpu", "mps") and cuda not in release[3])):
                    continue
                torchvision = machine["torchvision"] or (release[4] if release is not None else "")
                choices.append((minor, cuda, machine["torch"], torchvision))
                continue
            found = torch_for(tables, minor, cuda, machine["platform"], machine["python"])
            if found is not None:
                choices.append((minor, cuda, found[0], found[4]))
    gpu = machine.get("gpu")
    if gpu:  # never a CUDA the GPU cannot run (the tables' gpus: NVIDIA's minimum CUDA per capability)
        from ..environment.gpu import runs

        choices = [c for c in choices if runs(tables, c[1], gpu[0])]
    return choices


# ---- prebuilt mmcv wheels -------------------------------------------------------------------------

def _builds_for(index: Any, platform: str, cuda: str, torch: str) -> List[Any]:
    return [b for b in index[1] if (b[0], b[1], b[2]) == (platform, cuda, torch)]


def mmcv_wheel_pythons(tables: Tables, line: str, version: str, platform: str, cuda: str, torch: str
                       ) -> Optional[Tuple[str, ...]]:
    """The CPython versions a prebuilt ``line`` wheel of ``version`` exists for on this platform, CUDA
    (``11.3``/``cpu``) and torch minor: observed files, plus what the line's rule gives where the version
    picker lists it. ``()``: no wheel at all; None: a wheel exists but for which CPython is unknown."""
    index = tables["wheels"].get(line)
    if index is None:
        return ()
    found: List[str] = []
    unknown = False
    for build in _builds_for(index, platform, cuda, torch):
        if version not in build[3]:
            continue
        if build[4]:
            found.extend(p for p in build[4] if p not in found)
            continue
        ruled = rule_pythons(tables, index, build, version)
        if ruled is None:
            unknown = True
        else:
            found.extend(p for p in ruled if p not in found)
    if unknown and not found:
        return None
    return tuple(sorted(found, key=python_key))


def versions_for(tables: Tables, line: str, platform: str, cuda: str, torch: str) -> List[str]:
    """Versions of ``line`` with a wheel for exactly this platform, CUDA and torch minor, newest first."""
    index = tables["wheels"].get(line)
    found: List[str] = []
    for build in _builds_for(index, platform, cuda, torch) if index is not None else ():
        found.extend(v for v in build[3] if v not in found)
    return newest_first(tables, found)


def mmcv_wheel_versions(tables: Tables, line: str, platform: str, cuda: str, torch: str, python: str) -> List[str]:
    """Every version of ``line`` with a wheel for this combination (CPython unknown in the data: it
    counts), newest first."""
    found = []
    for version in versions_for(tables, line, platform, cuda, torch):
        pythons = mmcv_wheel_pythons(tables, line, version, platform, cuda, torch)
        if pythons is None or python in pythons:
            found.append(version)
    return found


def wheel_rows(tables: Tables, distribution: Optional[str] = None, version: Optional[str] = None, *,
               platform: Optional[str] = None, cuda: Optional[str] = None, torch: Optional[str] = None,
               python: Optional[str] = None, rows: Optional[Sequence[Tuple[Any, ...]]] = None
               ) -> List[Tuple[Any, ...]]:
    """:func:`all_wheel_rows` (``rows``, when compiled already) filtered by whatever is given (``version``:
    a version text the tables know; ``python``: rows whose CPython versions are unknown stay)."""
    wanted = rank(tables, version) if version is not None else None
    if rows is None:
        rows = all_wheel_rows(tables)
    if distribution is None and wanted is None and not (platform or cuda or torch) and python is None:
        return list(rows)
    return [r for r in rows
            if (distribution is None or r[0] == distribution) and (not platform or r[2] == platform)
            and (not cuda or r[3] == cuda) and (not torch or r[4] == torch)
            and (wanted is None or rank(tables, r[1]) == wanted)
            and (python is None or not r[5] or python in r[5])]


def all_wheel_versions(tables: Tables, line: str) -> List[str]:
    index = tables["wheels"].get(line)
    found = {v for b in (index[1] if index is not None else ()) for v in b[3]}
    return newest_first(tables, list(found))


def wheel_question(tables: Tables, dist: Optional[str], *, platform: Optional[str], cuda: Optional[str],
                   torch: Optional[str], python_version: Optional[str],
                   rows: Optional[Sequence[Tuple[Any, ...]]] = None) -> List[Tuple[Any, ...]]:
    """``mmcompat wheels [DIST[==V]] [--platform P] [--cuda C] [--torch T] [--python-version X.Y]``: the
    rows of :func:`wheel_rows` that answer it (``rows``: :func:`all_wheel_rows`, when compiled already).
    BadInput for a distribution without a wheel table or a value that is not what its option takes; a
    version no wheel table lists has no rows."""
    from ..errors import BadInput, shown
    from .question import machine, parse_python_version, torch_text

    name, _, pinned = (dist or "").partition("==")
    name = name.strip().lower()
    if name and name not in tables["wheels"]:
        raise BadInput(f"no wheel table for {shown(name)}; known: {', '.join(sorted(tables['wheels']))}", value=name)
    version = None
    if pinned:
        version = wheel_spelling(tables, name, pinned)
        if version is None:
            return []
    asked = machine(platform or "linux", cuda, *torch_text(torch or ""), None)
    return wheel_rows(tables, name or None, version, platform=platform, cuda=asked["cuda"] or None,
                      torch=asked["torch_minor"] or None,
                      python=parse_python_version(python_version) if python_version else None, rows=rows)


def wheel_spelling(tables: Tables, line: str, text: str) -> Optional[str]:
    """How the wheel tables (of ``line``, else of every line) spell the version ``text`` (``1.7`` may be
    listed as ``1.7.0``); None: none lists it; BadInput: ``text`` is not a version. Plain digits and
    dots are compared by their release numbers (only such a text can equal them); any other PEP 440
    spelling by packaging."""
    texts: List[str] = [v for name, index in tables["wheels"].items() if not line or name == line
                        for b in index[1] for v in b[3]]
    found = simple_release(text.strip())
    if found is not None:
        key = release_key(found)
        for listed in texts:
            release = simple_release(listed)
            if release is not None and release_key(release) == key:
                return listed
        return None
    from packaging.version import Version

    from ..errors import BadInput, shown

    try:
        wanted = Version(text)
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        raise BadInput(f"not a version: {shown(text)}", value=text) from None
    return next((listed for listed in texts if Version(listed) == wanted), None)
