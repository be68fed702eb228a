"""The compiled form of a matrix file, beside it: the parsed TOML, the stack search's tables and the wheel
table's rows, marshalled, with the digest of the TOML bytes and of the code that derived the tables (the
modules of this package that were loaded when it was compiled). Data only: nothing printed is stored.

Written by the wheel's build hook (``hatch_build.py``) beside the embedded TOML, and by ``mmcompat
update`` beside the matrix it installs. The parsed data is used only when its TOML digest equals that
of the file in hand; the tables only when, in addition, mmcompat's code is the code that computed
them (:func:`compat.cache.modules_identity` of those modules). So it can never give what the current
code and data would not. Anything unreadable or of another format is ignored. Imports only ``os`` and
``marshal``.
"""

from __future__ import annotations

import marshal
import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

__all__ = ["FORMAT", "compile_matrix", "compiled_path", "read", "tables", "wheel_rows"]

FORMAT = 6
_MAGIC = b"mmcompat-compiled\n"


def compiled_path(toml_path: str) -> str:
    """``.../compat_matrix.toml`` -> ``.../compat_matrix.marshal``."""
    stem, _ = os.path.splitext(toml_path)
    return stem + ".marshal"


def compile_matrix(raw: bytes, data: Mapping[str, Any], tables: Optional[Mapping[str, Any]] = None) -> bytes:
    """The compiled file for a TOML file of bytes ``raw``, parsed to ``data``, with
    the stack search's tables (:func:`compat.data.tables.compile_tables`) and the wheel table's rows
    (:func:`compat.answers.availability.all_wheel_rows`) when tables are given. Data only: nothing
    printed is stored (every output is rendered at run time).

    Layout: a magic line, the length of the header, the header (marshal: format, digests, and where each
    part lies), then the parts, each marshalled on its own: a reader reads and unmarshals only the parts
    it uses (each key of the tables is a part)."""
    from ..cache import content_digest, loaded_modules, modules_identity

    parts: Dict[str, Any] = {"data": dict(data), "tables": None if tables is None else sorted(tables),
                             "wheel_rows": _rows(tables)}
    for key, value in (tables or {}).items():
        parts["tables." + key] = value
    blobs = []
    where = {}
    offset = 0
    for name, value in parts.items():
        blob = marshal.dumps(value)
        where[name] = (offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    # the code that computed the parts: this package's modules loaded so far (an edit to any other cannot
    # change them, so it does not turn them off)
    files = loaded_modules()
    header = marshal.dumps({"format": FORMAT, "digest": content_digest(raw), "code": modules_identity(files),
                            "code_files": files, "parts": where})
    return _MAGIC + len(header).to_bytes(4, "big") + header + b"".join(blobs)


def _rows(tables: Optional[Mapping[str, Any]]) -> Optional[List[Tuple[Any, ...]]]:
    if tables is None:
        return None
    from ..answers.availability import all_wheel_rows

    return all_wheel_rows(dict(tables))


def _load(toml_path: str, digest: str) -> Optional[Dict[str, Any]]:
    """The header of the compiled file of ``toml_path`` when it is of this format and for a TOML file of
    ``digest``, with ``path`` (the file) and ``start`` (where the parts begin) added; else None."""
    path = compiled_path(toml_path)
    try:
        with open(path, "rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                return None
            size = int.from_bytes(handle.read(4), "big")
            header = marshal.loads(handle.read(size))
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if (type(header) is not dict or header.get("format") != FORMAT or header.get("digest") != digest
            or type(header.get("parts")) is not dict):
        return None
    header["path"], header["start"] = path, len(_MAGIC) + 4 + size
    return header


def _part(compiled: Optional[Dict[str, Any]], name: str) -> Any:
    return _parts(compiled, [name]).get(name)


def _parts(compiled: Optional[Dict[str, Any]], names: Sequence[str]) -> Dict[str, Any]:
    """The named parts that are there and read whole ({} when none)."""
    if compiled is None:
        return {}
    found = {}
    try:
        with open(compiled["path"], "rb") as handle:
            for name in names:
                place = compiled["parts"].get(name)
                if type(place) is not tuple or len(place) != 2:
                    continue
                handle.seek(compiled["start"] + place[0])
                blob = handle.read(place[1])
                if len(blob) == place[1]:
                    found[name] = marshal.loads(blob)
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return found


def read(toml_path: str, digest: str) -> Optional[Dict[str, Any]]:
    """The parsed data compiled from a TOML file whose bytes have ``digest``, or None."""
    data = _part(_load(toml_path, digest), "data")
    return data if type(data) is dict else None


def _current(toml_path: str) -> Optional[Dict[str, Any]]:
    """The compiled file of the TOML file at ``toml_path`` as it is now, when this code compiled it."""
    from ..cache import content_digest, modules_identity
    from ..probe import read_regular
    from .locate import MATRIX_LIMIT

    try:
        raw = read_regular(toml_path, limit=MATRIX_LIMIT)  # a FIFO or a device: the full path says so
    except OSError:
        return None
    compiled = _load(toml_path, content_digest(raw))
    files = compiled.get("code_files") if compiled is not None else None
    if compiled is None or type(files) is not list or compiled.get("code") != modules_identity(files):
        return None
    return compiled


def tables(toml_path: str, keys: Optional[Sequence[str]] = None, digest: str = "") -> Optional[Dict[str, Any]]:
    """The stack search's tables compiled from the TOML file at ``toml_path`` as it is now, by this
    code (with ``keys``, only those of them; with ``digest``, only of a file of those bytes); None when
    they must be compiled (:func:`compat.data.tables.tables_for`)."""
    compiled = _current(toml_path)
    if digest and compiled is not None and compiled.get("digest") != digest:
        return None
    return _tables(compiled, keys)


def _tables(compiled: Optional[Dict[str, Any]], keys: Optional[Sequence[str]] = None) -> Optional[Dict[str, Any]]:
    if keys is None:
        every = _part(compiled, "tables")
        if type(every) is not list:
            return None
        keys = every
    found = _parts(compiled, ["tables." + key for key in keys])
    if len(found) != len(keys):
        return None
    return {key: found["tables." + key] for key in keys}


def wheel_rows(toml_path: str) -> Optional[Tuple[Dict[str, Any], List[Tuple[Any, ...]]]]:
    """The tables and every wheel table row (:func:`compat.answers.availability.all_wheel_rows`) compiled from the
    TOML file at ``toml_path`` as it is now, by this code; None when they must be computed."""
    compiled = _current(toml_path)
    tables, rows = _tables(compiled), _part(compiled, "wheel_rows")
    return (tables, rows) if tables is not None and type(rows) is list else None
