"""Errors raised by mmcompat.

Every error is a :class:`CompatError`; each subclass carries the data a caller needs (the offending
value, what is known) as attributes, and a one-line message. Only the CLI turns them into exit codes:
each class names its own in ``exit_code``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Sequence, Tuple

__all__ = [
    "BadInput",
    "BadMatrix",
    "CompatError",
    "NoAnswer",
    "StackUnsatisfiable",
    "UnknownRelease",
    "Unsatisfiable",
    "UsageError",
    "shown",
]

#: How much of a value a message quotes: an argument can be any length.
SHOWN = 200

EXIT_OK = 0
EXIT_INCOMPATIBLE = 1
EXIT_BAD_INPUT = 2
EXIT_FAILED = 3


def shown(value: str, limit: int = SHOWN) -> str:
    """``value`` quoted for a message, cut to ``limit`` characters (saying how long it was)."""
    if len(value) <= limit:
        return repr(value)
    return repr(value[:limit]) + f"... ({len(value)} characters)"


class CompatError(Exception):
    """Root of every error mmcompat raises on purpose."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(CompatError):
    """A value given by the user (a version, a requirement, an option) cannot be used."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, value: str = "") -> None:
        super().__init__(message)
        self.value = value


class UnknownRelease(BadInput):
    """The target names a release or branch the matrix does not know."""

    def __init__(self, package: str, value: str, nearest: Sequence[str]) -> None:
        self.package = package
        self.nearest: Tuple[str, ...] = tuple(nearest)
        hint = f"; nearest known: {', '.join(self.nearest)}" if self.nearest else ""
        super().__init__(f"unknown {package} release {shown(value)}{hint}", value=value)


class UsageError(BadInput):
    """The command line is not one mmcompat reads (exit 2): argparse's message, or ours; the CLI adds
    where help is."""


class BadMatrix(CompatError):
    """The matrix file cannot be read or does not follow the schema.

    ``path`` is the file, ``key`` the TOML key path of the bad value (empty for file-level
    problems), ``line`` the line number when the TOML parser reported one.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, path: str, problem: str, *, key: str = "", line: int = 0) -> None:
        self.path = path
        self.problem = problem
        self.key = key
        self.line = line
        where = path + (f":{line}" if line else "")
        at = f" at {key}" if key else ""
        super().__init__(f"bad matrix {where}{at}: {problem}")


class NoAnswer(CompatError):
    """The matrix has no fact for this question under the chosen policy."""

    exit_code = EXIT_INCOMPATIBLE

    def __init__(self, message: str, *, release: str, distribution: str, policy: str) -> None:
        super().__init__(message)
        self.release = release
        self.distribution = distribution
        self.policy = policy


class Unsatisfiable(CompatError):
    """The sources a policy combines leave no version at all."""

    exit_code = EXIT_INCOMPATIBLE

    def __init__(self, message: str, *, release: str, distribution: str, causes: Sequence[str]) -> None:
        super().__init__(message)
        self.release = release
        self.distribution = distribution
        self.causes: Tuple[str, ...] = tuple(causes)


class StackUnsatisfiable(Unsatisfiable):
    """No stack fits; ``causes`` are the clashing constraints, ``ways_out`` the checked alternatives."""

    def __init__(self, message: str, *, causes: Sequence[str], ways_out: Sequence[str]) -> None:
        super().__init__(message, release="", distribution="", causes=causes)
        self.ways_out: Tuple[str, ...] = tuple(ways_out)
