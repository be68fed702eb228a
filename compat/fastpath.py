"""A precomputed answer index for ``mmcompat resolve TARGET``, so the common call skips parsing.

Python's start-up is most of a resolve; importing ``packaging`` and parsing TOML would double it. The
first full resolve writes every answer of the matrix in effect into a small :mod:`marshal` file in the
user cache, stamped with the matrix file's path, size, mtime and ctime and with mmcompat's version
(as a ``.pyc`` is stamped with its source). Later calls whose stamp matches print the stored answer;
anything else (a stale or damaged index, an answer that is an error, any option beyond ``--policy``)
takes the full path. This module imports only ``os`` and ``marshal``.
"""

from __future__ import annotations

import marshal
import os
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, Optional, Tuple

from . import __version__
from .locate import cache_dir

__all__ = ["INDEX_NAME", "is_current", "lookup", "store", "memo_key", "memo_get", "memo_put", "data_get", "data_put", "write_atomic"]

INDEX_NAME = "resolve-index.marshal"
_FORMAT = 1


def _stamp(matrix_path: str) -> Tuple[object, ...]:
    info = os.stat(matrix_path)
    return (_FORMAT, __version__, os.path.abspath(matrix_path), info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _index_path() -> str:
    return os.path.join(cache_dir(), INDEX_NAME)


def lookup(matrix_path: str, policy: str, target: str) -> Optional[str]:
    """The stored stdout of ``resolve TARGET --policy POLICY``, or None when it must be computed."""
    try:
        with open(_index_path(), "rb") as handle:
            data = marshal.loads(handle.read())
        if type(data) is not dict or data.get("stamp") != _stamp(matrix_path):
            return None
        answer = data["answers"].get((policy, target))
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
        return None
    return answer if type(answer) is str else None


def write_atomic(path: str, payload: bytes) -> bool:
    """Write ``payload`` to ``path`` through a temporary file in the same folder and a rename, so a
    reader sees the old file or the new one; False (and nothing left behind) when it cannot."""
    import tempfile  # only writers pay for it

    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True


def store(matrix_path: str, answers: Dict[Tuple[str, str], str]) -> bool:
    """Write the index for ``matrix_path`` atomically; False (and nothing left behind) when it cannot."""
    try:
        payload = marshal.dumps({"stamp": _stamp(matrix_path), "answers": answers})
    except (OSError, ValueError):
        return False
    return write_atomic(_index_path(), payload)


def is_current(matrix_path: str) -> bool:
    """True when the index on disk was written for ``matrix_path`` as it is now."""
    try:
        with open(_index_path(), "rb") as handle:
            data = marshal.loads(handle.read())
        return type(data) is dict and data.get("stamp") == _stamp(matrix_path)
    except (OSError, ValueError, EOFError, TypeError):
        return False


def memo_key(matrix_path: str, *parts: object) -> str:
    """A digest of everything an answer depends on: the matrix file's stamp, mmcompat's version, and
    ``parts`` (plain data, e.g. an environment reading)."""
    import zlib  # two checksums and the length: hashlib would load OpenSSL on every start

    payload = marshal.dumps((_stamp(matrix_path),) + tuple(parts))
    return "%08x%08x%x" % (zlib.crc32(payload), zlib.adler32(payload), len(payload))


def _memo_path(name: str) -> str:
    return os.path.join(cache_dir(), f"{name}-memo.marshal")


def _memo_load(name: str) -> dict:
    try:
        with open(_memo_path(name), "rb") as handle:
            data = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return data if type(data) is dict else {}


def _memo_store(name: str, key: str, value: object, limit: int) -> bool:
    data = _memo_load(name)
    data.pop(key, None)
    data[key] = value
    while len(data) > limit:
        data.pop(next(iter(data)))
    try:
        payload = marshal.dumps(data)
    except ValueError:
        return False
    return write_atomic(_memo_path(name), payload)


def memo_get(name: str, key: str) -> "Optional[Tuple[str, int]]":
    """The stored (stdout, exit code) of a pure computation, or None."""
    answer = _memo_load(name).get(key)
    if type(answer) is tuple and len(answer) == 2 and type(answer[0]) is str and type(answer[1]) is int:
        return answer
    return None


def memo_put(name: str, key: str, stdout: str, code: int, limit: int = 32) -> bool:
    """Remember (stdout, exit code) under ``key``, keeping the newest ``limit`` entries; atomic."""
    return _memo_store(name, key, (stdout, code), limit)


def data_get(name: str, key: str) -> "Optional[dict]":
    """Plain data (a dict) stored under ``key``, or None."""
    value = _memo_load(name).get(key)
    return value if type(value) is dict else None


def data_put(name: str, key: str, value: dict, limit: int = 4) -> bool:
    """Store plain data (marshal-able: str, int, bool, list, dict) under ``key``; atomic."""
    return _memo_store(name, key, value, limit)
