"""The matrix a harvest writes: the harvested tables merged into the matrix at ``target``, as TOML text
that loads (never a matrix that does not), beside the text it replaces."""

from __future__ import annotations

from typing import Mapping, Tuple

from ..errors import BadMatrix, CompatError
from .assemble import HEADER, merge_matrix

__all__ = ["merged_text"]


def merged_text(target: str, parts: Mapping[str, object]) -> Tuple[str, str]:
    """(the text at ``target`` now, "" when it cannot be read as a matrix; the merged text). Raises
    :class:`~compat.errors.CompatError` when the merge cannot be written as TOML, and
    :class:`~compat.errors.BadMatrix` (naming the key) when the merged matrix would not load."""
    from ..data import toml_writer
    from ..data.matrix import from_dict, parse_toml
    from ..probe import read_regular

    try:
        old = read_regular(target).decode("utf-8")  # a FIFO or device is no matrix to merge into
        old_data = parse_toml(old, path=target)
    except (OSError, UnicodeDecodeError, CompatError):
        old, old_data = "", {}
    try:  # the writer reads its text back: it is exactly this data
        text = toml_writer.dump(merge_matrix(old_data, parts), header=HEADER)
    except (TypeError, ValueError) as e:
        raise CompatError(f"cannot write the harvested matrix as TOML: {e}; {target} is unchanged") from e
    try:  # never replace a matrix with one that does not load
        from_dict(parse_toml(text, path=target), path=target, origin="harvest")
    except BadMatrix as e:
        raise BadMatrix(f"{target} as harvested", f"{e.problem}; the file is unchanged", key=e.key) from e
    return old, text
