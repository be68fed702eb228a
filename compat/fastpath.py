"""Every answer of ``mmcompat resolve TARGET [--policy P]`` for one matrix, so the common call skips
parsing.

Python's start-up is most of a resolve; importing ``packaging`` and parsing TOML would multiply it.
The first full resolve stores every answer of the matrix in effect in the user cache under a key
made of the matrix file's exact bytes and mmcompat's code (:func:`compat.cache.digest`): an edited
matrix or an edited mmcompat can never be answered from it. This module imports only ``os`` and
``marshal`` (through :mod:`compat.cache`).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, Optional, Tuple

from . import cache

__all__ = ["INDEX", "index_key", "lookup", "store"]

INDEX = "resolve-index"


def index_key(matrix_digest: str) -> str:
    """The cache key of the answers derived from a matrix file whose bytes have this
    :func:`compat.cache.content_digest`."""
    return cache.digest(INDEX, matrix_digest)


def lookup(matrix_path: str, policy: str, target: str) -> Optional[str]:
    """The stdout of ``resolve TARGET --policy POLICY`` for the matrix at ``matrix_path`` as it is now,
    or None when it must be computed (no entry, caching off, an answer that is an error)."""
    if not cache.enabled():
        return None
    try:
        with open(matrix_path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    answers = cache.get(INDEX, index_key(cache.content_digest(raw)))
    if type(answers) is not dict:
        return None
    answer = answers.get((policy, target))
    return answer if type(answer) is str else None


def store(matrix_digest: str, answers: Dict[Tuple[str, str], str]) -> bool:
    """Remember every answer for the matrix whose bytes have this digest (``Matrix.content_digest``:
    the bytes that were parsed, not the file as it may be now); False when caching is off or it fails."""
    return cache.put(INDEX, index_key(matrix_digest), answers, limit=2)
