"""Read an environment's installed distributions as text: no import of anything installed.

Runs two ways: inside mmcompat (``scan()``), or as a script in another interpreter
(``PY -c <this file's source>``), where it prints the same data as JSON on stdout. It uses only the
standard library and keeps to Python 3.6 syntax, because it runs in whatever interpreter it is given
(old MMPose environments run 3.6 and 3.7): its types are PEP 484 type comments, not annotations.

What it reads, per ``*.dist-info`` / ``*.egg-info`` folder on ``sys.path``: the name and version from
``METADATA``/``PKG-INFO`` headers, the file list from ``RECORD``, and for the mmcv distributions every
RECORD hash checked against the file on disk. Plus torch's version and CUDA flavour from
``torch/version.py`` read with :mod:`ast`, and which distributions own the same file.
"""

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: start-up in every target counts
if TYPE_CHECKING:  # pragma: no cover - names for the type comments; mypy and pyright read this block
    # (used in type comments, which ruff does not read)
    from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple  # noqa: F401

    #: One distribution's reading, JSON-ready (see :func:`_distribution` for its keys).
    Dist = Dict[str, Any]
    #: (path, hash) pairs of a RECORD.
    Entries = List[Tuple[str, str]]
    #: (mtime_ns, size, inode) of a file; None when it cannot be stat'ed.
    Stat = Optional[Tuple[int, int, int]]
    FileStamps = Tuple[Tuple[str, Stat], ...]
    #: What the reading cache keeps per metadata folder: (stamp, distribution, owner keys, file stamps).
    CacheEntry = Tuple[Tuple[Stat, ...], Dist, List[str], Optional[FileStamps]]

_CACHE_FORMAT = 2  # bump when a reading gains fields: older caches are then ignored
#: Distributions whose files are checked against their RECORD hashes (they share the ``mmcv/`` folder).
VERIFIED = ("mmcv", "mmcv-full", "mmcv-lite", "onedl-mmcv")
_SHARED_EXAMPLES = 5
#: How many of the files two distributions share are hashed to tell whose they are now.
_OWNER_FILES = 20


def canonical(name):  # type: (str) -> str
    """PEP 503 normalized name: ``MMCV_Full`` -> ``mmcv-full``."""
    lowered = name.strip().lower()
    if "_" not in lowered and "." not in lowered and "--" not in lowered:  # nothing to join (most names)
        return lowered
    out = []
    previous_dash = False
    for char in lowered:
        if char in "-_.":
            if not previous_dash:
                out.append("-")
            previous_dash = True
        else:
            out.append(char)
            previous_dash = False
    return "".join(out)


# One RECORD line: path,hash,size (a quoted path takes the csv route).
# Patterns are compiled on first use (re keeps them): start-up counts where only a folder name is read.
_RECORD_LINE = r"^([^,\r\n\"]+),([^,\r\n]*),([^,\r\n]*)\r?$"
_HEADER_END = b"\n\n"


#: The most any file read here may hold (the largest RECORD of a real distribution is a few MB).
READ_LIMIT = 64 << 20


class NotRegularFile(OSError):
    """What :func:`read_regular` raises for a path that is not a regular file, or one past its limit."""


def read_regular(path, limit=READ_LIMIT, head=False):  # type: (str, int, bool) -> bytes
    """The bytes of the regular file at ``path`` (a symlink to one is followed), the one way every input
    file is read: a FIFO, a device or a folder is :class:`NotRegularFile` ("not a regular file"), so is a
    file of more than ``limit`` bytes. Opened without blocking, so a FIFO with no writer never hangs it.

    ``head``: only the header block of a metadata file (up to the first blank line).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if (info.st_mode & 0o170000) != 0o100000:  # stat.S_ISREG, without importing stat
            raise NotRegularFile(0, "not a regular file", path)
        if head:
            raw = _read_fd(fd, 16384)
            end = raw.find(_HEADER_END)
            if end >= 0:
                return raw[:end + 1]
            if len(raw) < 16384:
                return raw
            raw += _read_fd(fd, limit + 1 - len(raw))
        else:
            # as much as the file's size says (a read of limit + 1 makes a buffer of the whole limit first),
            # then the rest of a file that grew or whose size is not stated (/proc): at most limit + 1 in all
            size = min(info.st_size, limit)
            raw = _read_fd(fd, size + 1)
            if len(raw) > size:
                raw += _read_fd(fd, limit + 1 - len(raw))
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise NotRegularFile(0, f"larger than {limit} bytes", path)
    return raw


def _read_fd(fd, count):  # type: (int, int) -> bytes
    """``count`` bytes of the file open at ``fd``, or what is left of it when that is less (no file object:
    the probe reads some two hundred small files)."""
    raw = os.read(fd, count)
    while 0 < len(raw) < count:  # a short read before the end (a network file system)
        more = os.read(fd, count - len(raw))
        if not more:
            break
        raw += more
    return raw


def _read(path, head=False):  # type: (str, bool) -> Tuple[str, str]
    """(text, problem): the file decoded as UTF-8, or with replacement characters and a problem.

    ``head``: only the header block of a metadata file (up to the first blank line).
    """
    return _decoded(read_regular(path, head=head))


def _headers(text):  # type: (str) -> Dict[str, str]
    """The first ``Name`` and ``Version`` of a metadata file's header block (up to its first blank line).

    They lead nearly every file, and some header blocks run to 80 KB of classifiers and license text: the
    whole lines of the first KB are read first, and all of them only when those do not settle it."""
    if len(text) > 1024:
        found = {}  # type: Dict[str, str]
        if _header_lines(text[:1024].splitlines()[:-1], found):  # the last line may go on past the cut
            return found
    found = {}
    _header_lines(text.splitlines(), found)
    return found


def _header_lines(lines, found):  # type: (Iterable[str], Dict[str, str]) -> bool
    """Read ``Name`` and ``Version`` from header ``lines`` into ``found`` (the first of each); True once that
    is settled: both found, or the blank line that ends the headers."""
    for line in lines:
        if not line.strip():
            return True
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version") and key not in found:
            found[key] = value.strip()
            if len(found) == 2:  # the first of each is taken: the rest (classifiers, ...) cannot change them
                return True
    return False


def _record_entries(text):  # type: (str) -> Tuple[Entries, int]
    """[(path, hash)] of a RECORD and how many non-blank lines are not path,hash,size."""
    import re  # here, not at the top: compat reads its input files with this module on every start

    entries = [(m[0], m[1]) for m in re.findall(_RECORD_LINE, text, re.M)]
    lines = text.split("\n")  # lines as the pattern reads them: up to a newline, a carriage return before it
    nonblank = len(lines) - lines.count("") - lines.count("\r")
    bad = nonblank - len(entries)
    if bad and '"' in text:
        import csv  # quoted paths (commas in file names): rare, so only then

        entries, bad = [], 0
        for line in lines:
            line = line[:-1] if line.endswith("\r") else line
            if not line:
                continue
            try:
                row = next(csv.reader([line]), [])
            except csv.Error:  # a carriage return inside the line
                row = []
            if len(row) == 3 and row[0]:
                entries.append((row[0], row[1]))
            else:
                bad += 1
    if "\0" in text:  # a NUL byte names no file (the OS refuses it): the line is damaged
        kept = [entry for entry in entries if "\0" not in entry[0]]
        entries, bad = kept, bad + len(entries) - len(kept)
    return entries, bad


def _hasher(algorithm):  # type: (str) -> Any
    """A new hash object for ``algorithm``. sha256 (what pip and every other installer write) is taken from
    the builtin module that hashlib itself falls back to: importing hashlib loads OpenSSL first, which costs
    more than the hashing (and doctor checks the mmcv files on every run). Any other algorithm, or an
    interpreter built without that module, asks hashlib."""
    if algorithm == "sha256":
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]  # Python >= 3.12
        except ImportError:
            try:
                from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]  # Python < 3.12
            except ImportError:  # pragma: no cover - an interpreter built without its own hashes
                sha256 = None
        if sha256 is not None:
            return sha256()
    import hashlib

    return hashlib.new(algorithm)


def _file_hash(path, algorithm):  # type: (str, str) -> str
    """The RECORD form of a file's hash: urlsafe base64 without padding (PEP 376/427)."""
    import base64

    digest = _hasher(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def _verify(location, entries):  # type: (str, Entries) -> Tuple[List[str], List[str]]
    missing, changed = [], []  # type: List[str], List[str]
    for path, hash_value in entries:
        full = os.path.join(location, path)
        if not os.path.isfile(full):
            if not path.endswith(".pyc"):
                missing.append(path)
            continue
        if "=" in hash_value:
            algorithm, _, expected = hash_value.partition("=")
            try:
                if _file_hash(full, algorithm) != expected:
                    changed.append(path)
            except (ValueError, OSError):
                changed.append(path)
    return missing, changed


#: What a RECORD's separators must be, line after line, for the fast reading: two commas, then the end
#: of the line as pip (csv's \r\n) or another installer (\n) writes it.
_SEPARATORS = bytes(range(256)).translate(None, b",\r\n")


def _decoded(raw):  # type: (bytes) -> Tuple[str, str]
    """(text, problem) of a file's bytes: UTF-8, or with replacement characters and a problem."""
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as e:
        return raw.decode("utf-8", "replace"), f"not UTF-8 at byte {e.start}"


def _ascii(raw):  # type: (bytes) -> bool
    try:
        return raw.isascii()
    except AttributeError:  # Python < 3.7
        try:
            raw.decode("ascii")
        except UnicodeDecodeError:
            return False
        return True


def _first_segments(raw, count):  # type: (bytes, int) -> Optional[Set[bytes]]
    """The first path segment (up to the first ``/`` or ``,``) of every line of a RECORD of ``count`` lines,
    each ``path,hash,size``, when the lines that start alike stand together (pip writes its RECORDs sorted);
    None when they do not.

    A block at a time, with C byte methods: a line whose next line starts otherwise is a block of its own;
    else the block runs to the last line that starts as it does, and every line in it must start so too
    (counted: a count short of ``count`` means a block held other lines). Many blocks before a large one
    would have that search read the large one again and again: past four readings of the whole, it stops
    (None), and the caller reads line by line."""
    found = set()
    at = counted = searched = 0  # where a line starts; the lines of the blocks so far; the bytes searched
    while at < len(raw):
        comma = raw.index(b",", at)
        slash = raw.find(b"/", at, comma)
        start = raw[at:(comma if slash == -1 else slash) + 1]  # the segment and the separator after it
        found.add(start[:-1])
        end = raw.index(b"\n", comma)
        if not raw.startswith(start, end + 1):  # a block of one line (six.py, a script in ../../bin)
            counted += 1
            at = end + 1
            continue
        marked = b"\n" + start
        before = at - 1 if at else 0  # the newline before the line (the first line has none)
        last = raw.rfind(marked, before)
        searched += len(raw) - max(last, before)
        if searched > 4 * len(raw):
            return None
        end = raw.index(b"\n", at if last == -1 else last + 1)
        counted += raw.count(marked, before, end) + (0 if at else 1)
        at = end + 1
    return found if counted == count else None


def _record(location, raw, entries_wanted):
    # type: (str, bytes, bool) -> Tuple[Optional[Entries], int, int, List[str], bool, str]
    """(entries or None, files, bad lines, owner keys, lists a compiled module, problem) of a RECORD's
    bytes; problem: "" or why the bytes are not UTF-8.

    Every line ``path,hash,size`` of ASCII with no quote or NUL, ending in a newline (nearly every RECORD):
    checked, counted and keyed with a few passes of C byte methods (its separators, only commas and line
    ends, are exactly two commas and a line end per line), without building the entries unless
    ``entries_wanted``; anything else parsed line by line (:func:`_record_entries`)."""
    if not entries_wanted and raw.endswith(b"\n") and b'"' not in raw and b"\0" not in raw and _ascii(raw):
        unit = b",,\r\n" if b"\r" in raw else b",,\n"
        separators = raw.translate(None, _SEPARATORS)
        count = len(separators) // len(unit)
        if separators == unit * count:  # count lines, each path,hash,size
            names = _first_segments(raw, count)
            if names is None:  # not in blocks: line by line
                lines = raw.split(b"\n")
                lines.pop()  # after the last newline
                names = {top.partition(b",")[0] for top in {line.partition(b"/")[0] for line in lines}}
            if b"" not in names:  # a line with no path: the exact reading counts it
                keys = {location + os.sep + name.decode("ascii") for name in names
                        if name != b".." and name != b"__pycache__"}
                if b".." in names:  # files outside the folder (../../bin/x): by their full path
                    ends = [-1] if raw.startswith(b"../") else []  # the newline before each such line
                    at = raw.find(b"\n../")
                    while at != -1:
                        ends.append(at)
                        at = raw.find(b"\n../", at + 1)
                    for at in ends:
                        path = raw[at + 1:raw.index(b",", at + 1)].decode("ascii")
                        keys.add(os.path.normpath(os.path.join(location, path)))
                binary = b".so," in raw or b".pyd," in raw
                return None, count, 0, sorted(keys), binary, ""
    text, problem = _decoded(raw)
    entries, bad = _record_entries(text)
    binary = any(p.endswith((".so", ".pyd")) for p, _ in entries)
    return entries, len(entries), bad, _owner_keys(location, entries), binary, problem


def _distribution(location, entry, entries_wanted=True):
    # type: (str, str, bool) -> Tuple[Dist, Optional[Entries], List[str], bool]
    """(reading, RECORD entries, owner keys, lists a compiled module) of one metadata folder; the entries
    are None when not ``entries_wanted`` and not needed to read the RECORD."""
    folder = os.path.join(location, entry)
    stem = entry.rsplit(".", 1)[0]
    guessed_name, _, guessed_version = stem.partition("-")
    egg = entry.endswith(".egg-info")
    dist = {
        "name": canonical(guessed_name),
        "version": guessed_version.split("-")[0],
        "location": location,
        "metadata_dir": folder,
        "problems": [],
        "has_ext": False,
        "missing": [],
        "changed": [],
        "editable": False,
        "files": 0,
    }  # type: Dist
    problems = dist["problems"]  # type: List[str]
    if not os.path.isdir(folder):  # a PKG-INFO-style egg-info file
        return dist, [], [], False
    # each file opened by its name (no listing of the folder unless one is missing: start-up counts)
    metadata = "PKG-INFO" if egg else "METADATA"
    try:
        text, problem = _read(os.path.join(folder, metadata), head=True)  # type: Tuple[Optional[str], str]
    except FileNotFoundError:
        text, problem = None, ""
    except OSError as e:
        text, problem = "", f"unreadable: {e.strerror}"
    if text is None:
        try:
            names = os.listdir(folder)
        except OSError as e:
            problems.append(f"cannot list {entry}: {e.strerror}")
            return dist, [], [], False
        if not names:
            problems.append(f"{entry} is empty")
            return dist, [], [], False
        problems.append(f"{entry} has no {metadata}")
    else:
        if problem:
            problems.append(f"{entry}/{metadata} is {problem}")
        headers = _headers(text)
        if not headers.get("Name") or not headers.get("Version"):
            problems.append(f"{entry}/{metadata} has no Name or Version header")
        else:
            dist["name"] = canonical(headers["Name"])
            dist["version"] = headers["Version"]
    try:
        raw = read_regular(os.path.join(folder, "direct_url.json"))  # type: Optional[bytes]
    except FileNotFoundError:
        raw = None
    except OSError:
        raw = b""
    if raw is not None:
        try:
            import json

            direct = json.loads(raw.decode("utf-8"))
            dist["editable"] = bool(direct.get("dir_info", {}).get("editable"))
            url = direct.get("url", "")
            if dist["editable"] and isinstance(url, str) and url.startswith("file://"):
                from urllib.parse import unquote, urlsplit

                dist["editable_path"] = os.path.normpath(unquote(urlsplit(url).path))
        except (ValueError, AttributeError, RecursionError):  # RecursionError: nested past json's depth
            problems.append(f"{entry}/direct_url.json is not valid JSON")
    if egg:
        return dist, [], [], False
    try:
        raw = read_regular(os.path.join(folder, "RECORD"))
    except FileNotFoundError:
        problems.append(f"{entry} has no RECORD")
        return dist, [], [], False
    except OSError as e:
        problems.append(f"{entry}/RECORD is unreadable: {e.strerror}")
        return dist, [], [], False
    entries, files, bad, keys, binary, problem = _record(location, raw, entries_wanted)
    if problem:
        problems.append(f"{entry}/RECORD is {problem}")
    if bad:
        problems.append(f"{entry}/RECORD has {bad} line(s) that are not path,hash,size")
    if not files:
        problems.append(f"{entry}/RECORD lists no files")
    dist["files"] = files
    return dist, entries, keys, binary


def _is_ext(path):  # type: (str) -> bool
    base = path.replace("\\", "/")
    return base.startswith("mmcv/_ext") and (base.endswith(".so") or base.endswith(".pyd"))


def _torch(location):  # type: (str) -> Dict[str, Optional[str]]
    import ast

    path = os.path.join(location, "torch", "version.py")
    try:
        text, _ = _read(path)
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return {"version_file": None, "version": None, "cuda": None}
    values = {}  # type: Dict[str, Optional[str]]
    for node in tree.body:
        target, value = None, None  # type: Optional[str], Optional[ast.expr]
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        constant = _constant(value)
        if target and (constant is None or isinstance(constant, str)) and value is not None and _is_constant(value):
            values[target] = constant
    return {"version_file": path, "version": values.get("__version__"), "cuda": values.get("cuda")}


_SIMPLE_VERSION = r"""^__version__\s*=\s*['"]([^'"\\]+)['"]\s*(?:#.*)?$"""


def _module_version(location, package):  # type: (str, str) -> Optional[str]
    """``__version__`` of ``package/version.py`` under ``location`` as text, or None."""
    try:
        text, _ = _read(os.path.join(location, package, "version.py"))
    except OSError:
        return None
    import re

    found = re.findall(_SIMPLE_VERSION, text, re.M)  # type: List[str]
    if len(found) == 1:  # the plain one-line assignment: no need for ast
        return found[0]
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        names = [t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign) else []
        if "__version__" in names and isinstance(node, ast.Assign):
            constant = _constant(node.value)
            if isinstance(constant, str):
                return constant
    return None


def _is_constant(node):  # type: (Any) -> bool
    # Python 3.8+ parses every literal as ast.Constant; 3.6 and 3.7 as ast.Str / ast.NameConstant.
    return type(node).__name__ in ("Constant", "Str", "NameConstant")


def _constant(node):  # type: (Any) -> Any
    """The value of a literal node (``None`` for anything else), on every Python the probe runs in."""
    if not _is_constant(node):
        return None
    return node.s if type(node).__name__ == "Str" else node.value


def _path_entries(path):  # type: (Iterable[str]) -> List[str]
    seen = []
    for entry in path:
        folder = os.path.abspath(entry or os.curdir)
        if folder not in seen and os.path.isdir(folder):
            seen.append(folder)
    return seen


def _wheel_tags(folder):  # type: (str) -> List[str]
    """The ``Tag:`` lines of a dist-info's WHEEL file: ``cp311-cp311-manylinux_2_17_x86_64`` for a
    registry binary, ``cp311-cp311-linux_x86_64`` for a local build."""
    try:
        text, _ = _read(os.path.join(folder, "WHEEL"))
    except OSError:
        return []
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]


def _owner_keys(location, entries):  # type: (str, Entries) -> List[str]
    """Where a distribution's files could clash with another's: its top-level names under ``location``
    (not ``__pycache__``), and every file that lies outside it (``../../bin/x``) by its full path."""
    keys = set()
    for path, _ in entries:
        if path.startswith("../"):
            keys.add(os.path.normpath(os.path.join(location, path)))
            continue
        top = path.split("/", 1)[0]
        if top != "__pycache__":
            keys.add(location + os.sep + top)
    return sorted(keys)


def _stamp(folder):  # type: (str) -> Tuple[Stat, ...]
    """What must not change for a cached reading of a metadata folder to stand (like a .pyc stamp)."""
    found = []  # type: List[Stat]
    # Adding or removing a file changes the folder's mtime; METADATA and RECORD are the files read.
    for name in ("", "PKG-INFO" if folder.endswith(".egg-info") else "METADATA", "RECORD"):
        try:
            info = os.stat(os.path.join(folder, name) if name else folder)
            found.append((info.st_mtime_ns, info.st_size, info.st_ino))
        except OSError:
            found.append(None)
    return tuple(found)


def _file_stamps(location, paths):  # type: (str, Iterable[str]) -> FileStamps
    """((path, (mtime_ns, size, inode) or None), ...) of files under ``location``."""
    found = []  # type: List[Tuple[str, Stat]]
    for path in paths:
        try:
            info = os.stat(os.path.join(location, path))
            found.append((path, (info.st_mtime_ns, info.st_size, info.st_ino)))
        except (OSError, ValueError):  # ValueError: a damaged path (a NUL byte)
            found.append((path, None))
    return tuple(found)


def _load_cache(cache_file):  # type: (Optional[str]) -> Dict[str, Any]
    if not cache_file:
        return {}
    import marshal

    try:
        with open(cache_file, "rb") as handle:
            data = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return data if type(data) is dict else {}


def _store_cache(cache_file, data):  # type: (str, Dict[str, CacheEntry]) -> None
    import marshal

    folder = os.path.dirname(cache_file)
    try:
        os.makedirs(folder, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(suffix=".tmp", prefix=".probe.", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(marshal.dumps(data))
        os.replace(tmp, cache_file)
    except (OSError, ValueError):
        try:  # noqa: SIM105 - contextlib would be one more import on every start
            os.unlink(tmp)
        except OSError:
            pass


def _shared_files(dists, keys, entries_of, owner_of):
    # type: (List[Dist], List[List[str]], Callable[[int], Entries], Dict[Tuple[str, ...], str]) -> Dict[Tuple[str, ...], Set[str]]
    """Pairs of distributions that own the same files: first by owner keys (cheap), then, for the
    few that share a key, by their full RECORD paths; ``owner_of`` gets, for each pair, the one whose
    files are there now (:func:`_owner`)."""
    by_key = {}  # type: Dict[str, List[int]]
    for index, dist_keys in enumerate(keys):
        for key in dist_keys:
            by_key.setdefault(key, []).append(index)
    pairs = set()
    for owners in by_key.values():
        if len(owners) > 1:
            for a in owners:
                for b in owners:
                    if a < b and dists[a]["name"] != dists[b]["name"]:
                        pairs.add((a, b))
    shared = {}  # type: Dict[Tuple[str, ...], Set[str]]
    for a, b in sorted(pairs):
        if dists[a]["location"] != dists[b]["location"]:
            continue
        common = set(p for p, _ in entries_of(a)) & set(p for p, _ in entries_of(b))
        paths = sorted(p for p in common if not p.endswith(".pyc"))
        if paths:
            pair = tuple(sorted((dists[a]["name"], dists[b]["name"])))
            shared.setdefault(pair, set()).update(paths)
            owner = _owner(dists[a]["location"], [(dists[a]["name"], entries_of(a)), (dists[b]["name"], entries_of(b))],
                           paths)
            owner_of[pair] = owner if owner_of.get(pair, owner) == owner else ""
    return shared


def _owner(location, records, paths):  # type: (str, List[Tuple[str, Entries]], List[str]) -> str
    """Which of the distributions whose RECORDs list ``paths`` wrote the files there now: the one
    whose recorded hashes all of those files still match (at most :data:`_OWNER_FILES` of them are
    hashed), else ``""`` (neither, or both: files of the same content)."""
    checked = sorted(paths)[:_OWNER_FILES]
    matching = []
    for name, entries in records:
        hashes = dict(entries)
        ok = True
        for path in checked:
            algorithm, _, expected = hashes.get(path, "").partition("=")
            try:
                ok = bool(expected) and _file_hash(os.path.join(location, path), algorithm) == expected
            except (ValueError, OSError):
                ok = False
            if not ok:
                break
        if ok:
            matching.append(name)
    return matching[0] if len(matching) == 1 else ""


def cache_file_for(cache_dir, folders):  # type: (str, Iterable[str]) -> str
    """The probe cache of one environment: named by the Python version and the folders scanned."""
    import zlib

    tag = zlib.crc32("\0".join(folders).encode("utf-8", "surrogateescape"))
    name = f"probe{_CACHE_FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}-{tag:08x}.marshal"
    return os.path.join(cache_dir, name)


#: The packages whose imported copy is located: where ``import NAME`` would load them from.
LOCATED = ("mmpose", "mmcv", "mmdet", "mmengine")
_MAPPING = r"^MAPPING\s*(?::[^=]*)?=\s*(\{.*?\})\s*$"


def _listings(folders):  # type: (Iterable[str]) -> List[Tuple[str, List[str]]]
    """[(folder, its names, sorted)] of the folders that can be listed: listed once for every reading."""
    found = []
    for location in folders:
        try:
            found.append((location, sorted(os.listdir(location))))
        except OSError:
            continue
    return found


def _editable_finders(listings):  # type: (Iterable[Tuple[str, List[str]]]) -> Dict[str, Tuple[str, str]]
    """{package: folder} from setuptools' ``__editable___*_finder.py`` files in the folders listed (their
    MAPPING, read as text with ast), and the finder files they came from."""
    found = {}  # type: Dict[str, Tuple[str, str]]
    for location, names in listings:
        for name in names:
            if name.startswith("__editable__") and name.endswith("_finder.py"):
                import ast  # only here: start-up counts where no editable install is
                import re

                try:
                    text, _ = _read(os.path.join(location, name))
                    match = re.search(_MAPPING, text, re.M | re.S)
                    mapping = ast.literal_eval(match.group(1)) if match else {}
                except (OSError, ValueError, SyntaxError):
                    continue
                if isinstance(mapping, dict):
                    for package, target in mapping.items():
                        if isinstance(package, str) and isinstance(target, str):
                            found.setdefault(package, (target, os.path.join(location, name)))
    return found


def _pth_paths(listings):  # type: (Iterable[Tuple[str, List[str]]]) -> List[Tuple[str, str, bool]]
    """Every path line of the ``.pth`` files in the folders listed: [(pth file, path, exists)]."""
    found = []
    for location, names in listings:
        for name in names:
            if not name.endswith(".pth"):
                continue
            try:
                text, _ = _read(os.path.join(location, name))
            except OSError:
                continue
            for line in text.splitlines():
                line = line.strip()
                if not line or line.startswith(("#", "import ", "import\t")):
                    continue
                target = os.path.normpath(os.path.join(location, line))
                found.append((os.path.join(location, name), target, os.path.isdir(target)))
    return found


def locate_imports(path, folders, names=LOCATED, finders=None):
    # type: (Sequence[str], Iterable[str], Iterable[str], Optional[Dict[str, Tuple[str, str]]]) -> Dict[str, List[Dict[str, Any]]]
    """Where ``import NAME`` would load each of ``names`` from, in ``path`` order (then editable
    finders, which setuptools appends after the path finder), with each copy's version read as text.
    Every copy found is listed; the first is the one imported."""
    if finders is None:
        finders = _editable_finders(_listings(folders))
    located = {}  # type: Dict[str, List[Dict[str, Any]]]
    for name in names:
        copies = []  # type: List[Dict[str, Any]]
        for index, entry in enumerate(path):
            folder = os.path.abspath(entry or os.curdir)
            package = os.path.join(folder, name)
            if os.path.isfile(os.path.join(package, "__init__.py")):
                copies.append({"path": package, "version": _module_version(folder, name),
                               "via": "sys.path[{}] {}".format(index, entry or "'' (the working directory)")})
        if name in finders:
            target, finder = finders[name]
            copies.append({"path": target, "version": _module_version(os.path.dirname(target), name)
                           if os.path.isdir(target) else None,
                           "via": "editable finder " + os.path.basename(finder), "exists": os.path.isdir(target)})
        located[name] = copies
    return located


def _missing_editables(distributions, listings, finders):
    # type: (Iterable[Dist], Iterable[Tuple[str, List[str]]], Dict[str, Tuple[str, str]]) -> List[Dict[str, str]]
    """Editable installs whose source folder is gone: from direct_url.json, .pth lines, and finders."""
    missing = []
    for dist in distributions:
        target = dist.get("editable_path")
        if dist.get("editable") and target and not os.path.isdir(target):
            missing.append({"dist": dist["name"], "path": target, "via": "direct_url.json"})
    known = [m["path"] for m in missing]

    def covered(target):  # type: (str) -> bool
        return any(target == k or target.startswith(k.rstrip(os.sep) + os.sep) for k in known)

    for pth, target, exists in _pth_paths(listings):
        if not exists and not covered(target):
            missing.append({"dist": "", "path": target, "via": os.path.basename(pth)})
            known.append(target)
    for target, finder in finders.values():
        if not os.path.isdir(target) and not covered(target):
            missing.append({"dist": "", "path": target, "via": os.path.basename(finder)})
            known.append(target)
    return missing


def has_distribution(name, path=None):  # type: (str, Optional[Sequence[str]]) -> bool
    """Whether a metadata folder named for distribution ``name`` (canonical) is on ``path`` (default:
    what :func:`scan` searches). Reads folder names only; :func:`scan` reads each folder's own ``Name``."""
    if path is None:
        path = ["", *sys.path[1:]]
    for location in _path_entries(path):
        try:
            listing = os.listdir(location)
        except OSError:
            continue
        for entry in listing:
            if not entry.endswith((".dist-info", ".egg-info")):
                continue
            if canonical(entry.rsplit(".", 1)[0].partition("-")[0]) == name:
                return True
    return False


def scan(path=None, cache_dir=None):  # type: (Optional[Sequence[str]], Optional[str]) -> Dict[str, Any]
    """Every distribution on ``path`` (default ``sys.path``), first-found first, plus torch and shared
    files, as plain JSON-ready data.

    ``cache_dir``: where a marshal file of earlier readings lives, reused for a metadata folder whose stamp
    (mtime, size, inode of the folder and its files) is unchanged, and rewritten when anything changed.
    The mmcv distributions' files are hash-checked again whenever any of their stats changed.
    """
    if path is None:
        # What `python -c ...` or a REPL started here would search: the working directory first.
        path = ["", *sys.path[1:]]
    folders = _path_entries(path)
    cache_file = cache_file_for(cache_dir, folders) if cache_dir else None
    cache = _load_cache(cache_file)
    fresh = {}  # type: Dict[str, CacheEntry]
    distributions = []  # type: List[Dist]
    keys = []  # type: List[List[str]]
    fresh_entries = {}  # type: Dict[int, Entries]
    folders_of = []  # type: List[Tuple[str, str]]
    reread = False
    listings = _listings(folders)
    for location, listing in listings:
        for entry in listing:
            if not (entry.endswith(".dist-info") or entry.endswith(".egg-info")):
                continue
            folder = os.path.join(location, entry)
            stamp = _stamp(folder) if cache_file else ()
            hit = cache.get(folder)
            if (hit and len(hit) == 4 and hit[0] == stamp
                    and (hit[3] is None or hit[3] == _file_stamps(location, [p for p, _ in hit[3]]))):
                dist, dist_keys, file_stamps = dict(hit[1]), hit[2], hit[3]
                dist["problems"] = list(dist["problems"])
            else:
                # the mmcv distributions' entries are read (hash-checked); the others' only when needed
                guessed = canonical(entry.rsplit(".", 1)[0].partition("-")[0])
                dist, entries, dist_keys, binary = _distribution(location, entry, guessed in VERIFIED)
                file_stamps = None
                if dist["name"] in VERIFIED:
                    if entries is None:  # its folder is named for another distribution
                        entries = _distribution(location, entry)[1] or []
                    # Hashes are checked again whenever any file's stat changed (pip writes new files,
                    # so a clobbering install always changes inode or mtime).
                    dist["has_ext"] = any(_is_ext(p) for p, _ in entries)
                    dist["missing"], dist["changed"] = _verify(location, entries)
                    dist["module_version"] = _module_version(location, "mmcv")
                    file_stamps = _file_stamps(location, sorted(set(p for p, _ in entries) | {"mmcv/version.py"}))
                if binary:
                    dist["wheel_tags"] = _wheel_tags(folder)
                if entries is not None:
                    fresh_entries[len(distributions)] = entries
                reread = True
            fresh[folder] = (stamp, dist, dist_keys, file_stamps)
            distributions.append(dist)
            keys.append(dist_keys)
            folders_of.append((location, entry))

    def entries_of(index):  # type: (int) -> Entries
        if index not in fresh_entries:
            fresh_entries[index] = _distribution(*folders_of[index])[1] or []
        return fresh_entries[index]

    owners = {}  # type: Dict[Tuple[str, ...], str]
    shared = _shared_files(distributions, keys, entries_of, owners)
    if cache_file and (reread or set(cache) != set(fresh)):
        _store_cache(cache_file, fresh)
    torch_info = None
    for dist in distributions:
        if dist["name"] == "torch":
            torch_info = _torch(dist["location"])
            torch_info["distribution_version"] = dist["version"]
            break
    search = list(path)
    finders = _editable_finders(listings)  # setuptools' editable finders: read once for both uses
    return {
        "imports": locate_imports(search, folders, finders=finders),
        "missing_editables": _missing_editables(distributions, listings, finders),
        "python": {
            "executable": sys.executable,
            "version": "{}.{}.{}".format(*sys.version_info[:3]),
            "prefix": sys.prefix,
            "platform": sys.platform,
            "path": search,
            "externally_managed": _externally_managed(),
        },
        "distributions": distributions,
        "shared_files": [
            {"dists": list(pair), "count": len(paths), "examples": sorted(paths)[:_SHARED_EXAMPLES],
             "owner": owners.get(pair, "")}
            for pair, paths in sorted(shared.items())
        ],
        "torch": torch_info,
    }


def _externally_managed():  # type: () -> bool
    """PEP 668: the interpreter's stdlib folder has EXTERNALLY-MANAGED, and this is not a venv."""
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    return not in_venv and os.path.isfile(os.path.join(os.path.dirname(os.__file__), "EXTERNALLY-MANAGED"))


#: What a reading holds, and of what type (:func:`scan`): anything else printed is not a reading.
_READING = (("imports", dict), ("missing_editables", list), ("python", dict), ("distributions", list),
            ("shared_files", list))


def _kill_group(process):  # type: (Any) -> None
    """Kill ``process`` and everything it started (its own process group, see :func:`run`)."""
    import signal

    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows: no process groups to kill
            process.kill()
    except OSError:  # gone already
        pass


def run_isolated(argv, timeout, what):  # type: (List[str], float, str) -> bytes
    """The stdout of ``argv`` (an interpreter running a script of mmcompat's), run with no stdin in a process
    group of its own, killed whole at ``timeout`` (a hung site hook and anything it started go too).
    RuntimeError with one line naming ``what`` (never the script, which is in ``argv``) when it cannot be
    run, does not end in time or exits non-zero."""
    import subprocess

    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=hasattr(os, "killpg"))
    except OSError as e:
        raise RuntimeError(f"cannot run it: {e.strerror or e}") from e
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise RuntimeError(f"{what} did not answer within {timeout:g} s; it and what it started were killed") \
            from None
    except BaseException:  # KeyboardInterrupt: leave nothing running
        _kill_group(process)
        process.wait()
        raise
    finally:
        _kill_group(process)  # whatever it left running in its group
    if process.returncode != 0:
        last = (stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{what} exited with {process.returncode}: {last[:300]}")
    return stdout


def run(python, cache_dir=None, timeout=120):  # type: (str, Optional[str], float) -> Dict[str, Any]
    """Run this probe in another interpreter (an argument list, no shell) and return its reading.

    The interpreter runs in a process group of its own, killed whole at ``timeout`` (a hung site hook or
    anything it started goes too). Raises RuntimeError with a one-line reason (never the probe's source)
    when the interpreter cannot be run, does not answer in time, or prints what is not a reading.
    """
    import json

    if not os.path.exists(python):
        raise RuntimeError("no such file")
    with open(os.path.abspath(__file__.replace(".pyc", ".py")), encoding="utf-8") as handle:
        source = handle.read()
    stdout = run_isolated([python, "-c", source] + ([cache_dir] if cache_dir else []), timeout, "the probe")
    try:
        data = json.loads(stdout.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise RuntimeError(f"the probe printed no usable JSON ({str(e)[:200]})") from e
    if not isinstance(data, dict) or any(not isinstance(data.get(key), kind) for key, kind in _READING) \
            or not isinstance(data.get("torch"), (dict, type(None))):
        raise RuntimeError("the probe's output is not a reading (an interpreter that runs something else "
                           "for -c?)")
    return data


if __name__ == "__main__":
    import json

    sys.stdout.write(json.dumps(scan(cache_dir=sys.argv[1] if len(sys.argv) > 1 else None)))
