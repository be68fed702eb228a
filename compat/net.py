"""The network rules of mmcompat, in one place: which URLs may be fetched and how.

https only, anywhere; plain http to a loopback host alone (for tests). Every download has a timeout,
a size cap, redirects checked against the same rule, and no proxies or ``.netrc`` taken from the
environment. ``requests`` is imported only inside :func:`download`.
"""

from __future__ import annotations

import ipaddress
from typing import Callable, Dict, Optional
from urllib.parse import urljoin, urlsplit

from .errors import BadInput, CompatError

__all__ = ["DEADLINE_FACTOR", "MAX_REDIRECTS", "NetError", "check_timeout", "check_url", "download", "is_loopback"]

MAX_REDIRECTS = 5
#: A whole download may take this many times the per-read timeout (a server sending a byte every few
#: seconds never trips a per-read timeout).
DEADLINE_FACTOR = 12
_CHUNK = 64 * 1024


class NetError(CompatError):
    """A download failed (exit 3); ``url`` and ``problem`` say which and why."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"cannot fetch {url}: {problem}")
        self.url = url
        self.problem = problem


def is_loopback(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` or ``::1``."""
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
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
        host = parts.hostname or ""
    except ValueError as e:
        raise BadInput(f"not a usable URL: {url[:200]!r} ({e})", value=url) from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host and is_loopback(host):
        return url
    if parts.scheme == "http" and host:
        raise BadInput(f"refusing plain http to {host!r}: use https (http is allowed for loopback hosts only)",
                       value=url)
    raise BadInput(f"not an https URL: {url[:200]!r}", value=url)


def check_timeout(timeout: float, option: str = "--timeout") -> float:
    """``timeout`` when it is a positive, finite number of seconds; :class:`BadInput` naming it otherwise
    (``inf`` and ``nan`` parse as floats)."""
    import math

    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise BadInput(f"{option} must be a positive, finite number of seconds, got {timeout!r}", value=str(timeout))
    return float(timeout)


def _reason(error: Exception) -> str:
    text = str(error)
    for marker in ("Name or service not known", "Temporary failure in name resolution", "Connection refused",
                   "nodename nor servname", "Read timed out", "IncompleteRead", "Connection reset",
                   "Connection aborted"):
        if marker in text:
            return marker
    return text.splitlines()[0][:200] if text else type(error).__name__


def download(url: str, *, timeout: float, max_bytes: int, what: str = "the file",
             progress: Optional[Callable[[int, Optional[int]], None]] = None,
             headers: Optional[Dict[str, str]] = None) -> bytes:
    """The body of ``url`` (checked by :func:`check_url`, as is every redirect), decoded as requests
    decodes it (gzip, deflate); :class:`NetError` when it cannot be had whole within ``timeout`` (per
    connect and read), :data:`DEADLINE_FACTOR` times that in all, and ``max_bytes`` (of what was decoded).

    The whole exchange, status line and headers included (which a server can drip a byte at a time
    as well as a body), runs in a worker thread that the caller waits for until the deadline: past it
    the download is abandoned (the thread is a daemon, and stops at its next read's timeout)."""
    import threading

    check_url(url)
    check_timeout(timeout)
    total = timeout * DEADLINE_FACTOR
    outcome: Dict[str, object] = {}

    def fetch() -> None:
        try:
            outcome["body"] = _download(url, timeout=timeout, max_bytes=max_bytes, what=what, progress=progress,
                                        headers=headers, total=total)
        except BaseException as e:  # handed to the caller's thread
            outcome["error"] = e

    worker = threading.Thread(target=fetch, name="mmcompat-download", daemon=True)
    worker.start()
    # the body loop stops itself at the deadline and says how far it got; this bounds what precedes the
    # body (the status line and headers), with room for the loop's last read
    worker.join(total + 2 * timeout + 1)
    if worker.is_alive():
        raise NetError(url, f"not done within {total:g} s ({DEADLINE_FACTOR} times --timeout): the server "
                            "did not finish its answer's status line and headers")
    error = outcome.get("error")
    if error is not None:
        raise error  # type: ignore[misc]
    body = outcome["body"]
    assert isinstance(body, bytes)
    return body


def _download(url: str, *, timeout: float, max_bytes: int, what: str,
              progress: Optional[Callable[[int, Optional[int]], None]], headers: Optional[Dict[str, str]],
              total: float) -> bytes:
    """:func:`download`'s exchange, run in its worker thread."""
    import functools
    import time

    import requests  # only commands that talk to the network pay for it
    import urllib3.exceptions  # what read1 raises (requests' iter_content would wrap them)

    deadline = time.monotonic() + total
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment for a loopback test or a pinned URL
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            response = session.get(current, timeout=(timeout, timeout), stream=True, allow_redirects=False,
                                   headers=headers or {})
            if response.is_redirect:
                target = urljoin(current, response.headers.get("location", ""))
                response.close()
                try:
                    check_url(target)
                except BadInput:
                    raise NetError(url, f"redirected to a URL that is not allowed: {target}") from None
                current = target
                continue
            if response.status_code != 200:
                response.close()
                raise NetError(url, f"HTTP {response.status_code} {response.reason or ''}".rstrip())
            declared = response.headers.get("content-length")
            expected = int(declared) if declared and declared.isascii() and declared.isdigit() else None
            if expected is not None and expected > max_bytes:
                response.close()
                raise NetError(url, f"{what} is {expected} bytes, over the {max_bytes}-byte cap")
            body = bytearray()
            raw = response.raw
            # read1: what has arrived, decoded; iter_content would wait for whole chunks, past the deadline
            chunks = iter(functools.partial(raw.read1, _CHUNK, decode_content=True), b"") \
                if hasattr(raw, "read1") else response.iter_content(_CHUNK)
            for chunk in chunks:
                body.extend(chunk)
                if len(body) > max_bytes:
                    response.close()
                    raise NetError(url, f"the download passed the {max_bytes}-byte cap")
                if time.monotonic() > deadline:
                    response.close()
                    raise NetError(url, f"not done within {total:g} s ({DEADLINE_FACTOR} times --timeout), "
                                        f"{len(body)} bytes in")
                if progress is not None:
                    progress(len(body), expected)
            # Content-Length counts the bytes sent, encoded (gzip): compare with those, not the decoded ones
            encoded = response.headers.get("content-encoding", "identity").strip().lower() not in ("", "identity")
            received = raw.tell() if encoded and hasattr(raw, "tell") else len(body)
            if expected is not None and received != expected:
                raise NetError(url, f"truncated: got {received} of {expected} bytes")
            return bytes(body)
        raise NetError(url, f"more than {MAX_REDIRECTS} redirects")
    except (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError):
        raise NetError(url, f"timed out after {timeout:g} s") from None
    except urllib3.exceptions.HTTPError as e:  # the connection broke mid-body (IncompleteRead), a bad gzip
        raise NetError(url, f"the download broke off ({_reason(e)})") from None
    except requests.exceptions.ConnectionError as e:
        raise NetError(url, f"cannot connect ({_reason(e)})") from None
    except requests.exceptions.RequestException as e:
        raise NetError(url, f"{type(e).__name__}: {_reason(e)}") from None
    except ValueError as e:  # urllib3 on a URL or header it cannot parse (a redirect's Location)
        raise NetError(url, f"{type(e).__name__}: {_reason(e)}") from None
    finally:
        session.close()
