"""The compiled form of a matrix file, beside it: the parsed TOML and every ``resolve TARGET [--policy P]``
answer, marshalled, with the digest of the TOML bytes and of the code that derived the answers.

Written by the wheel's build hook (``hatch_build.py``) beside the embedded TOML, and by ``mmcompat
update`` beside the matrix it installs. The parsed data is used only when its TOML digest equals that
of the file in hand; the answers only when, in addition, mmcompat's code is the code that computed
them (:func:`compat.cache.code_identity`). So it can never give what the current code and data would
not. Anything unreadable or of another format is ignored. Imports only ``os`` and ``marshal``.
"""

from __future__ import annotations

import marshal
import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Mapping, Optional, Tuple

__all__ = ["FORMAT", "answer", "compile_matrix", "compiled_path", "read"]

FORMAT = 2


def compiled_path(toml_path: str) -> str:
    """``.../compat_matrix.toml`` -> ``.../compat_matrix.marshal``."""
    stem, _ = os.path.splitext(toml_path)
    return stem + ".marshal"


def compile_matrix(raw: bytes, data: Mapping[str, Any], answers: Mapping[Tuple[str, str], str]) -> bytes:
    """The compiled file for a TOML file of bytes ``raw``, parsed to ``data``, answering ``answers``."""
    from .cache import code_identity, content_digest

    return marshal.dumps({"format": FORMAT, "digest": content_digest(raw), "code": code_identity(),
                          "data": dict(data), "answers": dict(answers)})


def _load(toml_path: str, digest: str) -> Optional[Dict[str, Any]]:
    try:
        with open(compiled_path(toml_path), "rb") as handle:
            compiled = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if type(compiled) is not dict or compiled.get("format") != FORMAT or compiled.get("digest") != digest:
        return None
    return compiled


def read(toml_path: str, digest: str) -> Optional[Dict[str, Any]]:
    """The parsed data compiled from a TOML file whose bytes have ``digest``, or None."""
    compiled = _load(toml_path, digest)
    data = compiled.get("data") if compiled is not None else None
    return data if type(data) is dict else None


def answer(toml_path: str, policy: str, target: str) -> Optional[str]:
    """The stdout of ``resolve TARGET --policy POLICY`` for the TOML file at ``toml_path`` as it is
    now, when this code compiled it; None when it must be computed."""
    from .cache import code_identity, content_digest

    try:
        with open(toml_path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    compiled = _load(toml_path, content_digest(raw))
    if compiled is None or compiled.get("code") != code_identity():
        return None
    answers = compiled.get("answers")
    found = answers.get((policy, target)) if type(answers) is dict else None
    return found if type(found) is str else None
