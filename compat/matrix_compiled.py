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
    from typing import Any, Dict, List, Mapping, Optional, Tuple

__all__ = ["FORMAT", "answer", "compile_matrix", "compiled_path", "read", "tables", "wheel_rows"]

FORMAT = 3


def compiled_path(toml_path: str) -> str:
    """``.../compat_matrix.toml`` -> ``.../compat_matrix.marshal``."""
    stem, _ = os.path.splitext(toml_path)
    return stem + ".marshal"


def compile_matrix(raw: bytes, data: Mapping[str, Any], answers: Mapping[Tuple[str, str], str],
                   tables: Optional[Mapping[str, Any]] = None) -> bytes:
    """The compiled file for a TOML file of bytes ``raw``, parsed to ``data``, answering ``answers``, with
    the stack search's tables (:func:`compat.tables.compile_tables`) and the wheel table's rows
    (:func:`compat.availability.all_wheel_rows`) when tables are given."""
    from .cache import code_identity, content_digest

    # each part marshalled on its own: a reader unmarshals only the part it uses
    return marshal.dumps({"format": FORMAT, "digest": content_digest(raw), "code": code_identity(),
                          "data": marshal.dumps(dict(data)), "answers": marshal.dumps(dict(answers)),
                          "tables": marshal.dumps(dict(tables) if tables is not None else None),
                          "wheel_rows": marshal.dumps(_rows(tables))})


def _rows(tables: Optional[Mapping[str, Any]]) -> Optional[List[Tuple[Any, ...]]]:
    if tables is None:
        return None
    from .availability import all_wheel_rows

    return all_wheel_rows(dict(tables))


def _load(toml_path: str, digest: str) -> Optional[Dict[str, Any]]:
    try:
        with open(compiled_path(toml_path), "rb") as handle:
            compiled = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if type(compiled) is not dict or compiled.get("format") != FORMAT or compiled.get("digest") != digest:
        return None
    return compiled


def _part(compiled: Optional[Dict[str, Any]], name: str) -> Any:
    blob = compiled.get(name) if compiled is not None else None
    if type(blob) is not bytes:
        return None
    try:
        return marshal.loads(blob)
    except (ValueError, EOFError, TypeError):
        return None


def read(toml_path: str, digest: str) -> Optional[Dict[str, Any]]:
    """The parsed data compiled from a TOML file whose bytes have ``digest``, or None."""
    data = _part(_load(toml_path, digest), "data")
    return data if type(data) is dict else None


def _current(toml_path: str) -> Optional[Dict[str, Any]]:
    """The compiled file of the TOML file at ``toml_path`` as it is now, when this code compiled it."""
    from .cache import code_identity, content_digest

    try:
        with open(toml_path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    compiled = _load(toml_path, content_digest(raw))
    if compiled is None or compiled.get("code") != code_identity():
        return None
    return compiled


def answer(toml_path: str, policy: str, target: str) -> Optional[str]:
    """The stdout of ``resolve TARGET --policy POLICY`` for the TOML file at ``toml_path`` as it is
    now, when this code compiled it; None when it must be computed."""
    answers = _part(_current(toml_path), "answers")
    found = answers.get((policy, target)) if type(answers) is dict else None
    return found if type(found) is str else None


def tables(toml_path: str) -> Optional[Dict[str, Any]]:
    """The stack search's tables compiled from the TOML file at ``toml_path`` as it is now, by this
    code; None when they must be compiled (:func:`compat.tables.tables_for`)."""
    found = _part(_current(toml_path), "tables")
    return found if type(found) is dict else None


def wheel_rows(toml_path: str) -> Optional[Tuple[Dict[str, Any], List[Tuple[Any, ...]]]]:
    """The tables and every wheel table row (:func:`compat.availability.all_wheel_rows`) compiled from the
    TOML file at ``toml_path`` as it is now, by this code; None when they must be computed."""
    compiled = _current(toml_path)
    tables, rows = _part(compiled, "tables"), _part(compiled, "wheel_rows")
    return (tables, rows) if type(tables) is dict and type(rows) is list else None
