"""Write the matrix as TOML in one stable layout (harvest output is diffed and reviewed).

Strings are TOML basic strings with every character TOML forbids raw escaped: the quote, the backslash,
and every control character (U+0000 to U+001F and U+007F). :func:`dump` parses the text it made and
raises unless that gives back exactly the data, so no caller can write a file that does not read back.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping as _Mapping

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: quote() is on the export's short path
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Mapping, Tuple

__all__ = ["dump", "quote", "toml_reader"]

_BARE_KEY = r"^[A-Za-z0-9_-]+$"  # compiled on first use (quote() alone is on the export's short path)
_INT_RANGE = (-(2**63), 2**63 - 1)  # what TOML promises a reader can hold
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')
_SURROGATE = "[\ud800-\udfff]"


def _escape(match: "re.Match[str]") -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def quote(text: str) -> str:
    """``text`` as a TOML basic string; ``ValueError`` for a lone surrogate, which TOML cannot hold."""
    bad = re.search(_SURROGATE, text)
    if bad:
        raise ValueError(f"a lone surrogate U+{ord(bad.group()):04X} cannot be written as TOML: {text!r}")
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _key(name: str) -> str:
    return name if re.fullmatch(_BARE_KEY, name) else quote(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
            raise ValueError(f"integer {value} is outside TOML's 64-bit range")
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, _Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_fact(value: Any) -> bool:
    return isinstance(value, _Mapping) and "spec" in value


def _table(path: Tuple[str, ...], table: Mapping[str, Any], out: List[str]) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, _Mapping) or _is_fact(v)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, _Mapping) and not _is_fact(v)]
    if path and (scalars or not tables):
        out.append("")
        out.append("[" + ".".join(_key(p) for p in path) + "]")
    for key, value in scalars:
        if isinstance(value, list) and value and all(isinstance(v, _Mapping) for v in value):
            # an array of inline tables: one row per line, for reading and diffing
            out.append(f"{_key(key)} = [")
            out.extend(f"  {_value(v)}," for v in value)
            out.append("]")
        else:
            out.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables:
        _table((*path, key), value, out)


def _plain(value: Any) -> Any:
    """``value`` with every mapping a dict, for comparing with what the parser gives back."""
    if isinstance(value, _Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _difference(wrote: Any, read: Any, path: Tuple[str, ...]) -> str:
    """The key path (``a."b c"[2]``) of the first place where ``read`` is not ``wrote``."""
    if isinstance(wrote, dict) and isinstance(read, dict):
        for key in wrote:
            if key not in read:
                return _path_text((*path, key))
            if wrote[key] != read[key]:
                return _difference(wrote[key], read[key], (*path, key))
        for key in read:
            if key not in wrote:
                return _path_text((*path, key))
    elif isinstance(wrote, list) and isinstance(read, list) and len(wrote) == len(read):
        for index, (one, other) in enumerate(zip(wrote, read)):
            if one != other:
                return _difference(one, other, (*path, f"[{index}]"))
    return _path_text(path)


def _path_text(path: Tuple[str, ...]) -> str:
    text = ""
    for part in path:
        text += part if part.startswith("[") and part.endswith("]") else ("." if text else "") + _key(part)
    return text or "the top level"


def toml_reader() -> Any:
    """The standard library's TOML reader (tomli before 3.11), imported when a TOML text is read: its
    import costs a tenth of a start, and most runs read the compiled matrix instead."""
    if sys.version_info >= (3, 11):
        import tomllib  # novermin: only on 3.11+, as the line above says
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    return tomllib


def dump(data: Mapping[str, Any], *, header: str = "") -> str:
    """TOML text for ``data``: tables in the order given, facts (tables with ``spec``) inline, ``header``
    as comment lines on top.

    The text is parsed back before it is returned: ``ValueError`` unless that gives exactly ``data``
    (and for values TOML cannot hold: a lone surrogate, an integer beyond 64 bits); ``TypeError`` for
    a type this writer does not write (floats, dates, tuples).
    """
    out: List[str] = [f"# {line}" if line else "#" for line in header.splitlines()]
    _table((), data, out)
    text = "\n".join(out).lstrip("\n") + "\n"
    tomllib = toml_reader()
    try:
        read: Dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"the TOML written does not parse ({e}); nothing may be written") from e
    wrote = _plain(data)
    if read != wrote:
        raise ValueError(f"the TOML written does not read back as the data at {_difference(wrote, read, ())}")
    return text
