"""Fetch a newer matrix and make it the one in effect, without ever leaving a user worse off.

The download is https only (plain http for loopback hosts alone, for tests), redirects must stay
allowed, every transfer has a timeout and a size cap, the bytes are parsed and validated against the
schema (and checked against ``--sha256`` when given) before anything is written, and the write is
atomic, under a lock, into the user cache. Any failure raises :class:`UpdateFailed` (exit 3) and leaves
the cache byte-identical.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from typing import Callable, Optional
from urllib.parse import urljoin, urlsplit

from .errors import BadInput, BadMatrix, CompatError
from .locate import CACHED_MATRIX_NAME, cache_dir
from .matrix import from_dict, parse_toml

__all__ = [
    "DEFAULT_URL",
    "ENV_URL",
    "MAX_BYTES",
    "UpdateFailed",
    "UpdateResult",
    "check_url",
    "update",
]

#: Where the project publishes its matrix (the raw ``data/compat_matrix.toml`` of the main branch).
DEFAULT_URL = "https://raw.githubusercontent.com/mmcompat/mmcompat/main/data/compat_matrix.toml"
ENV_URL = "MMCOMPAT_UPDATE_URL"
MAX_BYTES = 4 * 1024 * 1024
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Return ``url`` when its scheme is allowed: https anywhere, http to a loopback host only.

    Raises :class:`BadInput` (exit 2) naming the URL otherwise.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host and _is_loopback(host):
        return url
    if parts.scheme == "http" and host:
        raise BadInput(f"refusing plain http to {host!r}: use https (http is allowed for loopback hosts only)", value=url)
    raise BadInput(f"not an https URL: {url!r}", value=url)


def _download(url: str, timeout: float, max_bytes: int, progress: Optional[Callable[[int, Optional[int]], None]]) -> bytes:
    import requests  # only update talks to the network: its import cost stays out of every other command

    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment for a loopback test or a pinned URL
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            response = session.get(current, timeout=(timeout, timeout), stream=True, allow_redirects=False)
            if response.is_redirect:
                target = urljoin(current, response.headers.get("location", ""))
                response.close()
                try:
                    check_url(target)
                except BadInput:
                    raise UpdateFailed(url, f"redirected to a URL that is not allowed: {target}") from None
                current = target
                continue
            if response.status_code != 200:
                response.close()
                raise UpdateFailed(url, f"HTTP {response.status_code} {response.reason or ''}".rstrip())
            declared = response.headers.get("content-length")
            expected = int(declared) if declared and declared.isdigit() else None
            if expected is not None and expected > max_bytes:
                response.close()
                raise UpdateFailed(url, f"the matrix is {expected} bytes, over the {max_bytes}-byte cap")
            body = bytearray()
            for chunk in response.iter_content(_CHUNK):
                body.extend(chunk)
                if len(body) > max_bytes:
                    response.close()
                    raise UpdateFailed(url, f"the download passed the {max_bytes}-byte cap")
                if progress is not None:
                    progress(len(body), expected)
            if expected is not None and len(body) != expected:
                raise UpdateFailed(url, f"truncated: got {len(body)} of {expected} bytes")
            return bytes(body)
        raise UpdateFailed(url, f"more than {MAX_REDIRECTS} redirects")
    except requests.exceptions.Timeout:
        raise UpdateFailed(url, f"timed out after {timeout:g} s") from None
    except requests.exceptions.ConnectionError as e:
        raise UpdateFailed(url, f"cannot connect ({_reason(e)})") from None
    except requests.exceptions.RequestException as e:
        raise UpdateFailed(url, f"{type(e).__name__}: {_reason(e)}") from None
    finally:
        session.close()


def _reason(error: Exception) -> str:
    text = str(error)
    for marker in ("Name or service not known", "Temporary failure in name resolution", "Connection refused",
                   "nodename nor servname", "Read timed out", "IncompleteRead", "Connection reset",
                   "Connection aborted"):
        if marker in text:
            return marker
    return text.splitlines()[0][:200] if text else type(error).__name__


class _Lock:
    """An exclusive lock on a file beside the cache, so parallel updates take turns."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.handle = None

    def __enter__(self) -> "_Lock":
        self.handle = open(self.path, "a+b")
        try:
            import fcntl

            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows
            import msvcrt

            self.handle.seek(0)
            msvcrt.locking(self.handle.fileno(), msvcrt.LK_LOCK, 1)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.handle is not None
        self.handle.close()  # closing releases the lock


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
        matrix = from_dict(parse_toml(text, path=target_url), path=target_url, origin="update")
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
                    try:
                        os.unlink(tmp)
                    except OSError:
                        pass
                    raise
    except OSError as e:
        raise UpdateFailed(target_url, f"cannot write {destination}: {e.strerror or e}") from e
    return UpdateResult(target_url, destination, len(body), digest, changed, matrix.generated)
