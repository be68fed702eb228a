"""Write the matrix as TOML in one stable layout (harvest output is diffed and reviewed)."""

from __future__ import annotations

import json
import re
from typing import Any, List, Mapping, Tuple

__all__ = ["dump"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else json.dumps(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (same escapes).
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_fact(value: Any) -> bool:
    return isinstance(value, Mapping) and "spec" in value


def _table(path: Tuple[str, ...], table: Mapping[str, Any], out: List[str]) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, Mapping) or _is_fact(v)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, Mapping) and not _is_fact(v)]
    if path and (scalars or not tables):
        out.append("")
        out.append("[" + ".".join(_key(p) for p in path) + "]")
    for key, value in scalars:
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            # an array of inline tables: one row per line, for reading and diffing
            out.append(f"{_key(key)} = [")
            out.extend(f"  {_value(v)}," for v in value)
            out.append("]")
        else:
            out.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables:
        _table((*path, key), value, out)


def dump(data: Mapping[str, Any], *, header: str = "") -> str:
    """TOML text for ``data``: tables in the order given, facts (tables with ``spec``) inline."""
    out: List[str] = [f"# {line}" if line else "#" for line in header.splitlines()]
    _table((), data, out)
    return "\n".join(out).lstrip("\n") + "\n"
