"""What the command line writes: stdout, files, notes and warnings on stderr; the matrix loaded with
its notes said. The only place output is written, with the command modules beside it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional, Sequence, Tuple

    from ..answers.stack import Stack
    from ..data.models import Matrix

__all__ = ["PROG", "dumps", "load_matrix", "say_notes", "stack_notes", "terminal", "write", "write_file", "write_json"]


PROG = "mmcompat"


def load_matrix(path: "Optional[str]") -> "Matrix":
    """The matrix in effect, with any note about it (an ignored cache) on stderr."""
    from ..data.matrix import load

    matrix = load(path, cache=True)
    for note in matrix.notes:
        sys.stderr.write(f"{PROG}: warning: {note}\n")
    return matrix


def write_file(path: str, text: str) -> None:
    """Write ``text`` to ``path`` (:func:`compat.cache.write_output`: atomically when it is a regular file, into
    a symlink's target, a FIFO or device as it is); exit 3 with one line when it cannot be written."""
    from ..cache import write_output
    from ..errors import BadInput, CompatError

    target = os.path.abspath(path)
    if not os.path.isdir(os.path.dirname(target)):
        raise BadInput(f"no folder {os.path.dirname(path) or '.'!r} to write {path!r} in", value=path)
    try:
        write_output(target, text.encode("utf-8"))  # the user's umask, as any new file
    except OSError as e:
        raise CompatError(f"cannot write {path}: {e.strerror or e}") from e


def write(text: str) -> None:
    sys.stdout.write(text)


def dumps(data: object) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def write_json(data: object) -> None:
    write(dumps(data))


def terminal() -> bool:
    """A person's terminal that takes rich's escape sequences: not a pipe, not NO_COLOR, not TERM=dumb."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM", "") != "dumb"


def say_notes(notes: "Sequence[str]", built: "Optional[Tuple[str, str, str]]") -> None:
    """A stack's notes on stderr, and the warning for an mmcv compiled from source ((distribution,
    version, platform described))."""
    for note in notes:
        sys.stderr.write(f"{PROG}: {note}\n")
    if built is not None:
        from ..render.text import source_build_warning

        sys.stderr.write(f"{PROG}: {source_build_warning(*built)}\n")


def stack_notes(stack: "Stack") -> None:
    built = (stack.mmcv, str(stack.pins[stack.mmcv]), stack.platform.describe()) if stack.source_build else None
    say_notes(stack.notes, built)
