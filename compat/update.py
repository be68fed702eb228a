"""Fetch a newer matrix and make it the one in effect, without ever leaving a user worse off.

The download is https only (plain http for loopback hosts alone, for tests), redirects must stay
allowed, every transfer has a timeout and a size cap, the bytes are parsed and validated against the
schema (and checked against ``--sha256`` when given) before anything is written, and the write is
atomic, under a lock, into the user cache. Any failure raises :class:`UpdateFailed` (exit 3) and leaves
the cache byte-identical.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Dict, Optional

from .errors import BadInput, BadMatrix, CompatError
from .locate import CACHED_MATRIX_NAME, cache_dir
from .matrix import from_dict, parse_toml
from .models import Matrix
from .net import check_url

__all__ = [
    "DEFAULT_URL",
    "ENV_URL",
    "MAX_BYTES",
    "UpdateFailed",
    "UpdateResult",
    "update",
]

#: Where the project publishes its matrix (the raw ``data/compat_matrix.toml`` of the main branch).
DEFAULT_URL = "https://raw.githubusercontent.com/mmcompat/mmcompat/main/data/compat_matrix.toml"
ENV_URL = "MMCOMPAT_UPDATE_URL"
MAX_BYTES = 4 * 1024 * 1024


class UpdateFailed(CompatError):
    """The update did not happen; the matrix in effect is unchanged (exit 3)."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"update from {url} failed: {problem}; the matrix in effect is unchanged")
        self.url = url
        self.problem = problem


@dataclass(frozen=True)
class UpdateResult:
    """What an update did: where the matrix came from and went, its size and digest."""

    url: str
    path: str
    size: int
    sha256: str
    changed: bool
    generated: str


def _download(url: str, timeout: float, max_bytes: int,
              progress: Optional[Callable[[int, Optional[int]], None]]) -> bytes:
    from .net import NetError, download

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
    """The compiled form beside the installed matrix (its parsed data and every resolve answer), so the
    cached matrix is answered as fast as the embedded one; a failure only costs speed."""
    from .cache import write_atomic
    from .matrix_compiled import compile_matrix, compiled_path
    from .resolver import answer_index

    try:
        answers = answer_index(matrix)
    except CompatError:
        answers = {}
    write_atomic(compiled_path(destination), compile_matrix(body, data, answers))


def update(
    url: Optional[str] = None,
    *,
    sha256: Optional[str] = None,
    timeout: float = 5.0,
    max_bytes: int = MAX_BYTES,
    progress: Optional[Callable[[int, Optional[int]], None]] = None,
) -> UpdateResult:
    """Download, verify and install a matrix into the user cache; return what was done."""
    target_url = check_url(url or os.environ.get(ENV_URL) or DEFAULT_URL)
    if sha256 is not None:
        sha256 = sha256.strip().lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise BadInput(f"not a sha256 hex digest: {sha256!r}", value=sha256)
    if not timeout > 0:
        raise BadInput(f"the timeout must be positive, got {timeout!r}", value=str(timeout))
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
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".compat_matrix.", suffix=".tmp")
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(body)
                        handle.flush()
                        os.fsync(handle.fileno())
                    os.replace(tmp, destination)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                    raise
            _compile_beside(destination, body, data, matrix)
    except OSError as e:
        raise UpdateFailed(target_url, f"cannot write {destination}: {e.strerror or e}") from e
    return UpdateResult(target_url, destination, len(body), digest, changed, matrix.generated)
