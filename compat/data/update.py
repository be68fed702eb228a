"""Fetch a newer matrix and make it the one in effect, without ever leaving a user worse off; remove it
again; tell whether it is older than the embedded one.

There is no default URL: the project publishes no matrix yet, so the caller names one (``url``, else
``MMCOMPAT_UPDATE_URL``). The download is https only (plain http for loopback hosts alone, for tests),
redirects must stay allowed, every transfer has a timeout and a size cap, the bytes are parsed and
validated against the schema (and checked against ``--sha256`` when given) before anything is written,
and the write is atomic, under a lock, into the user cache. Any failure raises :class:`UpdateFailed`
(exit 3) and leaves the cache byte-identical. :func:`reset` removes the cached matrix, so the embedded
one is in effect again; :func:`cache_age` compares the cached matrix with the embedded one by their
files' times.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from typing import Any, BinaryIO, Callable, Dict, List, Optional

from ..cache import cache_dir, replace_file
from ..errors import BadInput, BadMatrix, CompatError
from ..net import check_timeout, check_url
from .locate import CACHED_MATRIX_NAME, embedded_path
from .matrix import from_dict, parse_toml
from .models import Matrix
from .record import Record

__all__ = [
    "ENV_URL",
    "MAX_BYTES",
    "CacheAge",
    "UpdateFailed",
    "UpdateResult",
    "cache_age",
    "describe_time",
    "reset",
    "update",
]

ENV_URL = "MMCOMPAT_UPDATE_URL"
MAX_BYTES = 4 * 1024 * 1024


class UpdateFailed(CompatError):
    """The update did not happen; the matrix in effect is unchanged (exit 3)."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"update from {url} failed: {problem}; the matrix in effect is unchanged")
        self.url = url
        self.problem = problem


class UpdateResult(Record):
    """What an update did: where the matrix came from and went, its size and digest."""

    url: str
    path: str
    size: int
    sha256: str
    changed: bool
    generated: str


def _download(url: str, timeout: float, max_bytes: int,
              progress: Optional[Callable[[int, Optional[int]], None]]) -> bytes:
    from ..net import NetError, download

    try:
        return download(url, timeout=timeout, max_bytes=max_bytes, what="the matrix", progress=progress)
    except NetError as e:
        raise UpdateFailed(url, e.problem) from None


class _Lock:
    """An exclusive lock on a file beside the cache, so parallel updates take turns."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.handle: Optional[BinaryIO] = None

    def __enter__(self) -> "_Lock":
        self.handle = open(self.path, "a+b")
        # A platform check rather than try/except ImportError, so type checkers see which module is there.
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt

            self.handle.seek(0)
            msvcrt.locking(self.handle.fileno(), msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.handle is not None
        self.handle.close()  # closing releases the lock


def _compile_beside(destination: str, body: bytes, data: Dict[str, Any], matrix: Matrix) -> None:
    """The compiled form beside the installed matrix (its parsed data and tables), so the cached matrix
    is answered as fast as the embedded one; a failure only costs speed."""
    from ..cache import write_atomic
    from .compiled import compile_matrix, compiled_path
    from .tables import compile_tables

    write_atomic(compiled_path(destination), compile_matrix(body, data, compile_tables(matrix)))


def update(
    url: Optional[str] = None,
    *,
    sha256: Optional[str] = None,
    timeout: float = 5.0,
    max_bytes: int = MAX_BYTES,
    progress: Optional[Callable[[int, Optional[int]], None]] = None,
) -> UpdateResult:
    """Download, verify and install a matrix into the user cache; return what was done.

    ``url``: where to fetch it; default ``MMCOMPAT_UPDATE_URL``, and :class:`BadInput` when neither is
    given (there is no published matrix to default to).
    """
    chosen = url or os.environ.get(ENV_URL, "")
    if not chosen:
        raise BadInput(f"no URL to update from: give --url URL or set {ENV_URL} "
                       "(mmcompat has no published matrix to default to)")
    target_url = check_url(chosen)
    if sha256 is not None:
        sha256 = sha256.strip().lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise BadInput(f"not a sha256 hex digest: {sha256!r}", value=sha256)
    check_timeout(timeout)
    body = _download(target_url, timeout, max_bytes, progress)
    digest = hashlib.sha256(body).hexdigest()
    if sha256 is not None and digest != sha256:
        raise UpdateFailed(target_url, f"sha256 mismatch: expected {sha256}, got {digest}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise UpdateFailed(target_url, "the download is not UTF-8 text") from None
    try:
        data = parse_toml(text, path=target_url)
        matrix = from_dict(data, path=target_url, origin="update")
    except BadMatrix as e:
        raise UpdateFailed(target_url, f"not a valid matrix ({e.problem}{' at ' + e.key if e.key else ''})") from None
    folder = cache_dir()
    destination = os.path.join(folder, CACHED_MATRIX_NAME)
    try:
        os.makedirs(folder, exist_ok=True)
        with _Lock(destination + ".lock"):
            try:
                with open(destination, "rb") as handle:
                    changed = handle.read() != body
            except OSError:
                changed = True
            if changed:
                replace_file(destination, body, fsync=True)
            else:  # confirmed current now: its time says so (see cache_age)
                os.utime(destination)
            _compile_beside(destination, body, data, matrix)
    except OSError as e:
        raise UpdateFailed(target_url, f"cannot write {destination}: {e.strerror or e}") from e
    return UpdateResult(target_url, destination, len(body), digest, changed, matrix.generated)


def _unlink(*paths: str) -> List[str]:
    """Remove each path; return those that were there (another reset may have removed one first)."""
    removed = []
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def reset() -> List[str]:
    """Remove the matrix :func:`update` installed (its TOML, its compiled form and its lock file) from the
    user cache, so the embedded matrix is in effect again; return the paths removed (none: nothing was
    there). Raises :class:`CompatError` (exit 3) when one cannot be removed."""
    from .compiled import compiled_path

    folder = cache_dir()
    matrix_path = os.path.join(folder, CACHED_MATRIX_NAME)
    compiled, lock = compiled_path(matrix_path), matrix_path + ".lock"
    present = [path for path in (matrix_path, compiled, lock) if os.path.lexists(path)]
    if not present:
        return []
    removed: List[str] = []
    try:
        with _Lock(lock):  # not while an update is writing
            removed += _unlink(matrix_path, compiled)
        # after the lock is released (Windows cannot remove an open file); an update waiting for it
        # then holds a lock on the removed file, and still writes atomically
        removed += _unlink(lock) if lock in present else []
    except OSError as e:
        raise CompatError(f"cannot remove {e.filename or folder}: {e.strerror or e}") from e
    return removed


class CacheAge(Record):
    """The cached matrix against the embedded one: their ``generated`` strings and file times.

    ``older``: the cached file's time (when :func:`update` installed or last confirmed it) is before
    the embedded file's (when this mmcompat was installed, or the checkout's file was changed), so the
    cache may hide newer facts; ``mmcompat update --reset`` goes back to the embedded matrix.
    """

    cached_path: str
    cached_generated: str
    cached_modified: float
    embedded_path: str
    embedded_generated: str
    embedded_modified: float

    @property
    def older(self) -> bool:
        return self.cached_modified < self.embedded_modified


def cache_age() -> Optional[CacheAge]:
    """How the matrix in the user cache compares with the embedded one; None when the cache holds no
    matrix, or one that does not load (:func:`compat.data.matrix.load` then ignores it with a note)."""
    from .matrix import load

    cached = os.path.join(cache_dir(), CACHED_MATRIX_NAME)
    embedded = embedded_path()
    try:
        cached_modified = os.stat(cached).st_mtime
        embedded_modified = os.stat(embedded).st_mtime
        cached_generated = load(cached).generated
        embedded_generated = load(embedded).generated
    except (OSError, BadMatrix):
        return None
    return CacheAge(cached, cached_generated, cached_modified, embedded, embedded_generated, embedded_modified)


def describe_time(seconds: float) -> str:
    """A file time as people and JSON read it: ``2026-11-05T09:12:03Z`` (UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
