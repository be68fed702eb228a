"""Harvest facts about PyTorch releases: what the package registry says, and what PyTorch documents.

For every final torch release from ``minimum`` on:

- the registry's PEP 691 JSON index gives the CPython versions that have a wheel on Linux (manylinux
  x86_64), Windows (win_amd64) and macOS (x86_64, arm64 or universal2);
- the metadata of one Linux x86_64 wheel gives the CUDA of the registry's default build, from its
  ``nvidia-cuda-runtime-cuXY`` (or ``cuda-toolkit``) pin; wheels older than torch 1.13 pin nothing, and then
  ``torch/version.py`` in the same wheel says which CUDA it was built with (marked as inferred, with the
  evidence);
- torchvision's wheel metadata pins the torch release it was built for (``Requires-Dist: torch==X``), and
  where that torchvision has wheels for fewer CPython versions than torch, ``torchvision_python`` says
  which (a plan pins the pair, so only the CPythons both have count);
- which CUDA variants PyTorch's own index has comes from documents handed in as text: the previous-versions
  page (per release), RELEASE.md's "Release Compatibility Matrix" (per minor) and tables read by hand,
  each with its source. A statement about the exact release wins over one about its minor.

Metadata is read from ``URL.metadata`` when the index advertises it (PEP 658/714), with
:func:`compat.net.download`. When it does not, the wheel's METADATA is read with HTTP range requests (the
end of the zip, its central directory, one member), never the whole wheel. Every request follows
:mod:`compat.net`'s rules (https; plain http to loopback hosts only, for tests; redirects re-checked), has a
timeout and a size cap; failures raise :class:`~compat.errors.CompatError`. The parsers are pure
functions, apart from the I/O; :func:`harvest_torch` returns plain dicts and lists, ready for TOML.
"""

from __future__ import annotations

import email.parser
import hashlib
import io
import re
import zipfile
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple, Union

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from ..errors import CompatError

__all__ = [
    "INDEX_URL",
    "METADATA_CAP",
    "WHEEL_READ_CAP",
    "CudaTable",
    "cpython_by_platform",
    "harvest_torch",
    "parse_previous_versions",
    "parse_release_matrix",
    "registry_cuda",
    "torch_pin",
    "version_py_cuda",
]

#: PyTorch's own index, one per variant (``cu121``, ``cpu``, ...).
INDEX_URL = "https://download.pytorch.org/whl/{variant}"
#: The most a metadata file (``.metadata`` or the METADATA member of a wheel) may be.
METADATA_CAP = 2 * 1024 * 1024
#: The most that is read out of one wheel with range requests (a torch 2.x central directory is ~1.2 MiB).
WHEEL_READ_CAP = 16 * 1024 * 1024

_BLOCK = 256 * 1024  # one range request reads at least this much: zipfile reads in small pieces
_TAIL = 64 * 1024  # the end of the zip (end records, often the whole central directory) in one request
_MAX_REDIRECTS = 5
_PLATFORMS = ("linux", "windows", "macos")
_DOC_INDEX_URL = "--index-url https://download.pytorch.org/whl/cu"
# The environment a Linux x86_64 CPython install evaluates requirement markers in.
_LINUX_X86_64 = {
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
}


class CudaTable(NamedTuple):
    """CUDA variants read from one upstream document.

    ``variants`` maps a release (``"1.10.1"``) or a minor (``"2.1"``) to CUDA versions (``["11.8",
    "12.1"]``); ``source`` says where they were read (URL, at a commit for git); ``uncertain`` says why
    they could not be confirmed, when that is so.
    """

    variants: Mapping[str, Sequence[str]]
    source: str
    uncertain: str = ""


# ---------------------------------------------------------------------------------------------------
# Pure parsers


def _cuda_key(cuda: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in cuda.split("."))


def _sorted_cuda(found: Iterable[str]) -> List[str]:
    return sorted(set(found), key=_cuda_key)


def _table_cells(line: str) -> List[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_release_matrix(markdown: str) -> Dict[str, List[str]]:
    """The CUDA versions of each minor in RELEASE.md's "Release Compatibility Matrix".

    Every ``CUDA X.Y`` in the columns whose heading names CUDA (stable and experimental) counts:
    ``{"2.1": ["11.8", "12.1"], ...}``. Raises :class:`CompatError` when there is no such table.
    """
    heading = re.search(r"^#+[ \t]*Release Compatibility Matrix[ \t]*$", markdown, re.MULTILINE)
    if heading is None:
        raise CompatError("no 'Release Compatibility Matrix' heading in the RELEASE.md text")
    rows: List[str] = []
    for line in markdown[heading.end():].splitlines():
        if line.strip().startswith("|"):
            rows.append(line)
        elif rows or line.startswith("#"):
            break  # the table ended, or the next section began without one
    if len(rows) < 3:
        raise CompatError("the 'Release Compatibility Matrix' section has no table")
    header = _table_cells(rows[0])
    cuda_columns = [i for i, name in enumerate(header) if "cuda" in name.lower()]
    if not cuda_columns:
        raise CompatError(f"the 'Release Compatibility Matrix' table has no CUDA column: {rows[0].strip()}")
    matrix: Dict[str, List[str]] = {}
    for row in rows[2:]:
        cells = _table_cells(row)
        if not re.fullmatch(r"\d+\.\d+", cells[0]):
            continue
        text = " ".join(cells[i] for i in cuda_columns if i < len(cells))
        matrix[cells[0]] = _sorted_cuda(re.findall(r"CUDA\s+(\d+\.\d+)", text))
    return matrix


def parse_previous_versions(markdown: str) -> Dict[str, List[str]]:
    """The CUDA variants of each release on PyTorch's previous-versions page (``_get_started/previous-versions.md``).

    Only the pip commands count: in each ``### vX.Y.Z`` section, the ``# CUDA X.Y`` comments of the first
    code block after ``##### Linux and Windows`` under ``#### Wheel`` (conda's cudatoolkit builds are another
    matter). ``{"1.12.1": ["10.2", "11.3", "11.6"], ...}``
    """
    found: Dict[str, List[str]] = {}
    sections = re.split(r"^###[ \t]+", markdown, flags=re.MULTILINE)[1:]
    for section in sections:
        title = re.match(r"v(\d+(?:\.\d+)+)\b", section)
        wheel = re.search(r"^####[ \t]+Wheel[ \t]*$", section, re.MULTILINE)
        if title is None or wheel is None:
            continue
        linux = re.search(r"^#####[ \t]+Linux and Windows[ \t]*$", section[wheel.end():], re.MULTILINE)
        if linux is None:
            continue
        block = re.search(r"```[^\n]*\n(.*?)```", section[wheel.end() + linux.end():], re.DOTALL)
        if block is None:
            continue
        variants = re.findall(r"^#[ \t]*CUDA[ \t]+(\d+\.\d+)\b", block.group(1), re.MULTILINE)
        found[title.group(1)] = _sorted_cuda(variants)
    return found


def _platform(tag: Tag) -> Optional[str]:
    platform = tag.platform
    if platform.startswith("manylinux") and platform.endswith("_x86_64"):
        return "linux"
    if platform == "win_amd64":
        return "windows"
    if platform.startswith("macosx_") and platform.endswith(("_x86_64", "_arm64", "_universal2")):
        return "macos"
    return None


def _cpython(tag: Tag) -> Optional[Tuple[int, int]]:
    """The CPython version a tag is for, or None (another interpreter, or a free-threaded build)."""
    interpreter = re.fullmatch(r"cp(\d)(\d+)", tag.interpreter)
    if interpreter is None:
        return None
    if re.fullmatch(r"cp\d+t", tag.abi):
        return None  # free-threaded (cp313t): not what ``python3.13`` is
    return int(interpreter.group(1)), int(interpreter.group(2))


def cpython_by_platform(filenames: Iterable[str]) -> Dict[str, Dict[str, List[str]]]:
    """Per release, the CPython versions that have a wheel on each platform: ``{"2.1.2": {"linux": ["3.8", ...],
    "windows": [...], "macos": [...]}}``.

    Platforms: ``linux`` is manylinux x86_64, ``windows`` win_amd64, ``macos`` macOS on x86_64, arm64 or
    universal2. Free-threaded builds (``cp313t``) and interpreters other than CPython do not count; an
    ``abi3`` wheel counts for its version and every later one up to the newest the release has a wheel for.
    Files that are not wheels, or whose name is not a valid wheel name, are left out.
    """
    exact: Dict[str, Dict[str, Set[Tuple[int, int]]]] = {}
    stable_abi: Dict[str, Dict[str, Set[Tuple[int, int]]]] = {}
    for filename in filenames:
        if not filename.endswith(".whl"):
            continue
        try:
            _, version, _, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            continue
        release = str(version)
        for tag in tags:
            platform = _platform(tag)
            python = _cpython(tag)
            if platform is None or python is None:
                continue
            into = stable_abi if tag.abi == "abi3" else exact
            into.setdefault(release, {}).setdefault(platform, set()).add(python)
    result: Dict[str, Dict[str, List[str]]] = {}
    for release in sorted(set(exact) | set(stable_abi), key=Version):
        versions = exact.get(release, {})
        newest = max((p for found in versions.values() for p in found), default=None)
        table: Dict[str, List[str]] = {}
        for platform in _PLATFORMS:
            pythons = set(versions.get(platform, set()))
            for floor in stable_abi.get(release, {}).get(platform, set()):
                top = newest if newest is not None and newest[0] == floor[0] and newest > floor else floor
                pythons.update((floor[0], minor) for minor in range(floor[1], top[1] + 1))
            table[platform] = [f"{major}.{minor}" for major, minor in sorted(pythons)]
        result[release] = table
    return result


def _requirements(metadata: str, python: str) -> List[Requirement]:
    """The ``Requires-Dist`` entries of ``metadata`` that apply on Linux x86_64 CPython ``python``."""
    environment = dict(_LINUX_X86_64, python_version=python, python_full_version=python + ".0", extra="")
    wanted: List[Requirement] = []
    for line in email.parser.HeaderParser().parsestr(metadata).get_all("Requires-Dist") or []:
        try:
            requirement = Requirement(str(line))
        except InvalidRequirement:
            continue
        if requirement.marker is not None:
            try:
                if not requirement.marker.evaluate(environment):
                    continue
            except (UndefinedComparison, UndefinedEnvironmentName):
                continue
        wanted.append(requirement)
    return wanted


def _exact_pin(requirement: Requirement) -> Optional[str]:
    specs = list(requirement.specifier)
    if len(specs) != 1 or specs[0].operator not in ("==", "==="):
        return None
    return specs[0].version


def torch_pin(metadata: str, python: str = "3.12") -> Optional[str]:
    """The torch version a wheel's METADATA pins exactly (``Requires-Dist: torch (==1.5.0)`` or
    ``torch==2.1.2``), local part included (``1.10.0+cu102``); None without an exact pin.

    ``python`` is the CPython version markers are evaluated for (on Linux x86_64).
    """
    for requirement in _requirements(metadata, python):
        if canonicalize_name(requirement.name) == "torch":
            pin = _exact_pin(requirement)
            if pin is not None:
                return pin
    return None


def registry_cuda(metadata: str, python: str = "3.12") -> Optional[str]:
    """The CUDA version torch's METADATA pins its runtime to on Linux x86_64, as ``"X.Y"``; None without a pin.

    ``nvidia-cuda-runtime-cu12==12.1.105`` gives ``"12.1"``, ``nvidia-cuda-runtime-cu11 (==11.7.99)``
    gives ``"11.7"``, and ``cuda-toolkit[cudart,...]==13.2.2`` (torch 2.15 on) gives ``"13.2"``.
    """
    for requirement in _requirements(metadata, python):
        name = canonicalize_name(requirement.name)
        runtime = re.fullmatch(r"nvidia-cuda-runtime(?:-cu(\d+))?", name)
        if runtime is None and name != "cuda-toolkit":
            continue
        pin = _exact_pin(requirement)
        version = re.match(r"(\d+)\.(\d+)", pin or "")
        if version is None:
            continue
        if runtime is not None and runtime.group(1) and runtime.group(1) != version.group(1):
            continue  # a cu12 package pinned to 11.x would be nonsense: not evidence of anything
        return f"{version.group(1)}.{version.group(2)}"
    return None


def version_py_cuda(text: str) -> Optional[str]:
    """The CUDA version ``torch/version.py`` records (``cuda = '10.2'``, ``cuda: Optional[str] = '10.2'``) as
    ``"X.Y"``; None for a CPU build (``cuda = None``) or when the file says nothing."""
    found = re.search(r"^cuda\s*(?::[^=\n]*)?=\s*['\"](\d+)\.(\d+)[^'\"]*['\"]", text, re.MULTILINE)
    return f"{found.group(1)}.{found.group(2)}" if found else None


# ---------------------------------------------------------------------------------------------------
# I/O: https with timeouts and caps; metadata from .metadata files or from inside the wheel


class _Http:
    """One session for the range requests of a harvest: :mod:`compat.net`'s URL rule (redirects re-checked),
    a timeout, a size cap. (:func:`compat.net.download` takes only complete 200 answers.)"""

    def __init__(self, timeout: float) -> None:
        import requests  # only harvesting talks to the network: `import compat` stays cheap

        self._requests = requests
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies or .netrc from the environment: loopback tests, pinned hosts
        self.timeout = timeout

    def close(self) -> None:
        self._session.close()

    def get(self, url: str, *, max_bytes: int, headers: Optional[Mapping[str, str]] = None,
            expect: int = 200) -> Tuple[Mapping[str, str], bytes]:
        """The headers and body of ``url``; :class:`CompatError` unless the status is ``expect`` and the
        body at most ``max_bytes``."""
        from urllib.parse import urljoin

        from ..net import check_url

        requests = self._requests
        current = check_url(url)
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                response = self._session.get(current, headers=dict(headers or {}), stream=True,
                                             timeout=(self.timeout, self.timeout), allow_redirects=False)
            except requests.RequestException as e:
                raise CompatError(f"cannot reach {current}: {type(e).__name__}") from e
            with response:
                if response.is_redirect:
                    target = urljoin(current, response.headers.get("location", ""))
                    try:
                        current = check_url(target)
                    except CompatError:
                        raise CompatError(f"{url} redirected to a URL that is not allowed: {target}") from None
                    continue
                if response.status_code != expect:
                    raise CompatError(f"cannot read {current}: HTTP {response.status_code} (expected {expect})")
                body = bytearray()
                try:
                    for chunk in response.iter_content(chunk_size=64 * 1024):
                        body.extend(chunk)
                        if len(body) > max_bytes:
                            raise CompatError(f"{current} sent more than {max_bytes} bytes")
                except requests.RequestException as e:
                    raise CompatError(f"cannot read {current}: {type(e).__name__}") from e
                return response.headers, bytes(body)
        raise CompatError(f"{url}: more than {_MAX_REDIRECTS} redirects")


class _RangeFile(io.RawIOBase):
    """A remote file read with HTTP range requests, for :mod:`zipfile`: a seekable file that fetches only
    the blocks that are read, and no more than ``cap`` bytes in all."""

    def __init__(self, http: _Http, url: str, size: Optional[int], cap: int) -> None:
        super().__init__()
        self._http = http
        self._url = url
        self._cap = cap
        self._position = 0
        self._block_start = 0
        self._block = b""
        self.fetched = 0
        if size is None:
            size = self._fetch_tail()
        self._size = size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        start = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if start + offset < 0:
            raise OSError(f"seek before the start of {self._url}")
        self._position = start + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._size - self._position)
        if wanted <= 0:
            return 0
        offset = self._position - self._block_start
        if offset < 0 or offset + wanted > len(self._block):
            self._fill(self._position, wanted)
            offset = self._position - self._block_start
        view[:wanted] = self._block[offset:offset + wanted]
        self._position += wanted
        return wanted

    def _request(self, byte_range: str, expected: int) -> Tuple[Mapping[str, str], bytes]:
        if self.fetched + expected > self._cap:
            raise CompatError(f"reading the metadata of {self._url} would take more than {self._cap} bytes")
        headers, body = self._http.get(self._url, headers={"Range": byte_range, "Accept-Encoding": "identity"},
                                       max_bytes=expected, expect=206)
        self.fetched += len(body)
        return headers, body

    def _fetch_tail(self) -> int:
        headers, body = self._request(f"bytes=-{_TAIL}", _TAIL)
        total = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", headers.get("content-range", "").strip())
        if total is None or int(total.group(2)) - int(total.group(1)) + 1 != len(body):
            raise CompatError(f"{self._url} answered a range request without a usable Content-Range")
        self._block_start, self._block = int(total.group(1)), body
        return int(total.group(3))

    def _fill(self, start: int, wanted: int) -> None:
        end = min(self._size, start + max(wanted, _BLOCK))
        if self._size - start <= _TAIL:
            start = max(0, self._size - _TAIL)  # the end records and usually the central directory at once
        headers, body = self._request(f"bytes={start}-{end - 1}", end - start)
        if len(body) != end - start or not headers.get("content-range", "").startswith(f"bytes {start}-{end - 1}/"):
            raise CompatError(f"{self._url} did not answer the range {start}-{end - 1} exactly")
        self._block_start, self._block = start, body


class _Wheel:
    """One wheel of the registry, its metadata read as cheaply as the index allows."""

    def __init__(self, http: _Http, entry: Mapping[str, Any]) -> None:
        self._http = http
        self.filename = str(entry["filename"])
        self.url = str(entry["url"])
        size = entry.get("size")
        self._size = size if isinstance(size, int) else None
        advertised = entry.get("core-metadata") or entry.get("data-dist-info-metadata")
        self._advertised = advertised if advertised else None
        self._zip: Optional[zipfile.ZipFile] = None
        tags = parse_wheel_filename(self.filename)[3]
        pythons = sorted(p for p in (_cpython(t) for t in tags) if p is not None)
        self.python = f"{pythons[0][0]}.{pythons[0][1]}" if pythons else "3.12"

    def metadata(self) -> str:
        """The METADATA text: ``URL.metadata`` when advertised (hash checked when given), else from the zip."""
        if self._advertised is None:
            return self.member(lambda name: name.count("/") == 1 and name.endswith(".dist-info/METADATA"))
        from ..net import download

        body = download(self.url + ".metadata", timeout=self._http.timeout, max_bytes=METADATA_CAP,
                        what="the metadata file")
        expected = self._advertised.get("sha256") if isinstance(self._advertised, Mapping) else None
        if expected and hashlib.sha256(body).hexdigest() != str(expected).lower():
            raise CompatError(f"{self.url}.metadata does not match the sha256 the index gives")
        return body.decode("utf-8", errors="replace")

    def member(self, wanted: Union[str, Callable[[str], bool]]) -> str:
        """The text of the first member named ``wanted``, or whose name ``wanted(name)`` accepts."""
        archive = self._archive()
        names = [info for info in archive.infolist()
                 if (info.filename == wanted if isinstance(wanted, str) else wanted(info.filename))]
        if not names:
            raise CompatError(f"{self.filename} has no such member")
        if names[0].file_size > METADATA_CAP:
            raise CompatError(f"{names[0].filename} in {self.filename} is larger than {METADATA_CAP} bytes")
        try:
            return archive.read(names[0]).decode("utf-8", errors="replace")
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise CompatError(f"cannot read {names[0].filename} in {self.filename}: {e}") from e

    def _archive(self) -> zipfile.ZipFile:
        if self._zip is None:
            remote = _RangeFile(self._http, self.url, self._size, WHEEL_READ_CAP)
            try:
                self._zip = zipfile.ZipFile(remote)
            except (zipfile.BadZipFile, OSError, ValueError) as e:
                raise CompatError(f"cannot read {self.filename} as a zip: {e}") from e
        return self._zip


# ---------------------------------------------------------------------------------------------------
# Assembly


def _final_releases(entries: Iterable[Mapping[str, Any]], floor: Version) -> Dict[Version, List[Mapping[str, Any]]]:
    """The non-yanked wheels of each final release from ``floor`` on."""
    releases: Dict[Version, List[Mapping[str, Any]]] = {}
    for entry in entries:
        filename = str(entry.get("filename", ""))
        if not filename.endswith(".whl") or entry.get("yanked") or not entry.get("url"):
            continue
        try:
            version = parse_wheel_filename(filename)[1]
        except InvalidWheelFilename:
            continue
        if version.is_prerelease or version.is_devrelease or version < floor:
            continue
        releases.setdefault(version, []).append(entry)
    return releases


def _linux_wheel(http: _Http, entries: Sequence[Mapping[str, Any]]) -> Optional[_Wheel]:
    """One Linux x86_64 wheel to read metadata from: one whose metadata the index serves, else the smallest
    (a standard build before a free-threaded one)."""
    def rank(entry: Mapping[str, Any]) -> Tuple[int, int, int, str]:
        tags = parse_wheel_filename(str(entry["filename"]))[3]
        advertised = 0 if entry.get("core-metadata") or entry.get("data-dist-info-metadata") else 1
        free_threaded = 0 if any(_cpython(t) for t in tags) else 1
        size = entry.get("size")
        return advertised, free_threaded, size if isinstance(size, int) else 1 << 62, str(entry["filename"])

    linux = [e for e in entries if any(_platform(t) == "linux" for t in parse_wheel_filename(str(e["filename"]))[3])]
    return _Wheel(http, min(linux, key=rank)) if linux else None


def _torchvision_pairs(http: _Http, entries: Iterable[Mapping[str, Any]], floor: Version) -> Dict[str, str]:
    """torch release -> the newest torchvision whose METADATA pins exactly that release.

    torchvision releases are read newest first, until one pins a torch older than ``floor``. A pin with a
    local part (torchvision 0.11.0 and 0.15.0 pinned a ``+cu`` build the registry does not have) names no
    registry release, so it pairs with none.
    """
    pairs: Dict[str, str] = {}
    releases = _final_releases(entries, Version("0"))
    for version in sorted(releases, reverse=True):
        wheel = _linux_wheel(http, releases[version])
        if wheel is None:
            continue
        pin = torch_pin(wheel.metadata(), wheel.python)
        if pin is None:
            continue
        try:
            pinned = Version(pin)
        except ValueError:  # InvalidVersion, or a number past int()'s digit limit
            continue
        if pinned < floor:
            break
        pairs.setdefault(str(pinned), str(version))
    return pairs


def _registry_cuda_facts(http: _Http, entries: Sequence[Mapping[str, Any]]) -> Dict[str, object]:
    wheel = _linux_wheel(http, entries)
    if wheel is None:
        return {}
    pinned = registry_cuda(wheel.metadata(), wheel.python)
    if pinned is not None:
        return {"registry_cuda": pinned}
    built = version_py_cuda(wheel.member("torch/version.py"))
    if built is None:
        return {}
    return {
        "registry_cuda": built,
        "registry_cuda_inferred": True,
        "registry_cuda_evidence": (f"the METADATA of {wheel.filename} pins no CUDA runtime; "
                                   f"torch/version.py in that wheel records cuda = '{built}'"),
    }


def _cuda_facts(release: Version, tables: Sequence[CudaTable]) -> Dict[str, object]:
    """``cuda`` and ``cuda_source`` from the first table that names the release, else the first that names
    its minor; ``uncertain`` when the table is not confirmed or no table has it."""
    minor = f"{release.major}.{release.minor}"
    for key in (str(release), minor):
        for table in tables:
            if key in table.variants:
                facts: Dict[str, object] = {"cuda": _sorted_cuda(table.variants[key]), "cuda_source": table.source}
                if table.uncertain:
                    facts["uncertain"] = f"cuda: {table.uncertain}"
                return facts
    return {"uncertain": f"cuda: none of the documents read lists the CUDA variants of torch {minor}"}


def harvest_torch(*, base: Optional[str] = None, timeout: float = 60.0, release_md: Optional[str] = None,
                  release_md_source: str = "", previous_versions: Optional[str] = None,
                  previous_versions_source: str = "", cuda_tables: Sequence[CudaTable] = (),
                  minimum: str = "1.5.0") -> Dict[str, object]:
    """The ``[torch]`` table: registry facts about every final torch release from ``minimum`` on, with the
    CUDA variants PyTorch's documents give, each with its source.

    ``base`` is the registry's simple index (default: ``MMCOMPAT_SIMPLE_URL``, else PyPI). ``release_md`` is
    the text of pytorch/pytorch's RELEASE.md and ``previous_versions`` that of pytorch.github.io's
    ``_get_started/previous-versions.md``, each with the URL it was read from; ``cuda_tables`` are further
    tables, consulted after those two. Raises :class:`CompatError` when the registry cannot be read.
    """
    from ..install.registry import index_url, simple_files

    tables: List[CudaTable] = []
    if previous_versions is not None:
        tables.append(CudaTable(parse_previous_versions(previous_versions), previous_versions_source))
    if release_md is not None:
        tables.append(CudaTable(parse_release_matrix(release_md), release_md_source))
    tables.extend(cuda_tables)
    documents = [(previous_versions, previous_versions_source), (release_md, release_md_source)]
    index_source = next((source for text, source in documents if text and _DOC_INDEX_URL in text), "")

    floor = Version(minimum)
    torch_releases = _final_releases(simple_files("torch", base, timeout), floor)
    if not torch_releases:
        raise CompatError(f"the registry lists no final torch release from {minimum} on")
    pythons = cpython_by_platform(str(e["filename"]) for wheels in torch_releases.values() for e in wheels)
    http = _Http(timeout)
    try:
        vision_files = simple_files("torchvision", base, timeout)
        torchvision = _torchvision_pairs(http, vision_files, floor)
        vision_pythons = cpython_by_platform(str(e["filename"]) for e in vision_files)
        releases: Dict[str, object] = {}
        for version in sorted(torch_releases):
            key = str(version)
            row: Dict[str, object] = {}
            if key in torchvision:
                row["torchvision"] = torchvision[key]
            for platform in _PLATFORMS:
                row[platform] = pythons.get(key, {}).get(platform, [])
            if key in torchvision:  # a plan pins the pair: where torchvision has fewer CPythons, say which
                has = vision_pythons.get(torchvision[key], {})
                own = pythons.get(key, {})
                narrower = {p: has.get(p, []) for p in _PLATFORMS if set(own.get(p, [])) - set(has.get(p, []))}
                if narrower:
                    row["torchvision_python"] = narrower
                    row["torchvision_python_source"] = (f"{index_url('torchvision', base)} (PEP 691 JSON): the cpXY "
                                                        f"tags of torchvision-{torchvision[key]}'s wheels")
            cuda = _cuda_facts(version, tables)
            uncertain = cuda.pop("uncertain", None)
            row.update(cuda)
            row.update(_registry_cuda_facts(http, torch_releases[version]))
            if uncertain is not None:
                row["uncertain"] = uncertain
            releases[key] = row
    finally:
        http.close()
    torch_index = index_url("torch", base)
    return {
        "index_url": INDEX_URL,
        "index_source": index_source,
        "python_source": f"{torch_index} (PEP 691 JSON): the cpXY tags of each release's wheels",
        "torchvision_source": f"{index_url('torchvision', base)}: each wheel's Requires-Dist torch==",
        "registry_cuda_source": (f"{torch_index}: the METADATA of one manylinux x86_64 wheel per release "
                                 "(its nvidia-cuda-runtime-cuXY or cuda-toolkit pin); before torch 1.13, "
                                 "which pins none, torch/version.py in that wheel"),
        "releases": releases,
    }
