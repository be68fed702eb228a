"""The compiled form of a matrix file: its parsed TOML, marshalled, with the digest of the TOML bytes.

Written by the wheel's build hook (``hatch_build.py``) beside the embedded TOML. Read only when its
digest equals that of the TOML file in hand, so it can never give data the TOML would not; anything
unreadable, of another format or of another digest is ignored (the TOML is parsed instead). Imports
only ``os`` and ``marshal``.
"""

from __future__ import annotations

import marshal
import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Optional

__all__ = ["FORMAT", "compiled_path", "read"]

FORMAT = 1


def compiled_path(toml_path: str) -> str:
    """``.../compat_matrix.toml`` -> ``.../compat_matrix.marshal``."""
    stem, _ = os.path.splitext(toml_path)
    return stem + ".marshal"


def read(toml_path: str, digest: str) -> Optional[Dict[str, Any]]:
    """The parsed data compiled from a TOML file whose bytes have ``digest``, or None."""
    try:
        with open(compiled_path(toml_path), "rb") as handle:
            compiled = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if type(compiled) is not dict or compiled.get("format") != FORMAT or compiled.get("digest") != digest:
        return None
    data = compiled.get("data")
    return data if type(data) is dict else None
