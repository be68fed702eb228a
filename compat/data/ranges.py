"""Version ranges: PEP 440 specifier sets as intervals that can be intersected.

A :class:`Range` keeps the tightest lower and upper bound of a specifier set, with the version text as
written upstream (``<1.3`` stays ``<1.3``, not ``<1.3.0``), so the intersection of three sources renders
the way the FAQ writes it. Specifiers that are not plain bounds (``!=``, ``===``, ``==X.*``) are kept
verbatim and applied on membership tests.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Optional, Tuple

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import Version

from ..errors import BadInput, shown
from .record import Record

__all__ = ["Bound", "Range"]


class Bound(Record):
    """One end of a range: a version, its text as written, and whether it is included."""

    version: Version
    text: str
    inclusive: bool


def _tighter_lower(a: Optional[Bound], b: Optional[Bound]) -> Optional[Bound]:
    if a is None or b is None:
        return a or b
    if a.version != b.version:
        return a if a.version > b.version else b
    return a if not a.inclusive else b


def _tighter_upper(a: Optional[Bound], b: Optional[Bound]) -> Optional[Bound]:
    if a is None or b is None:
        return a or b
    if a.version != b.version:
        return a if a.version < b.version else b
    return a if not a.inclusive else b


@lru_cache(maxsize=1024)
def _specifier_set(text: str) -> SpecifierSet:
    """The specifier set of a range's text (the resolver asks the same ranges many times)."""
    return SpecifierSet(text)


def _compatible_upper(text: str) -> str:
    """The exclusive upper bound ``~=text`` implies: drop the last release segment, bump the one before."""
    release = Version(text).release
    prefix = list(release[:-1])
    prefix[-1] += 1
    return ".".join(str(part) for part in prefix)


class Range(Record):
    """A set of versions between an optional lower and upper bound, plus verbatim extra specifiers."""

    lower: Optional[Bound] = None
    upper: Optional[Bound] = None
    extra: Tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Range":
        """Parse a specifier set such as ``>=1.3.8,<1.6.0``; raise :class:`BadInput` when it is not one.
        A range is immutable: each text is parsed once a process (the matrix repeats a few dozen)."""
        if cls is Range:
            return _parse(text)
        return cls._parse_now(text)

    @classmethod
    def _parse_now(cls, text: str) -> "Range":
        try:
            specifiers = SpecifierSet(text)
        except InvalidSpecifier as e:
            raise BadInput(f"not a version specifier: {text!r}", value=text) from e
        result = cls()
        try:
            for spec in specifiers:
                result = result.intersect(cls._from_specifier(spec))
        except ValueError as e:  # packaging turns each part into an int: past Python's digit limit that fails
            raise BadInput(f"not a usable version specifier: {shown(text)} (a part has more digits than Python "
                           "converts to a number)", value=text) from e
        return result

    @classmethod
    def _from_specifier(cls, spec: Specifier) -> "Range":
        op, text = spec.operator, spec.version
        if op == "==" and not text.endswith(".*") and "+" not in text:
            bound = Bound(Version(text), text, True)
            return cls(lower=bound, upper=bound)
        if op in (">=", ">"):
            return cls(lower=Bound(Version(text), text, op == ">="))
        if op in ("<=", "<"):
            return cls(upper=Bound(Version(text), text, op == "<="))
        if op == "~=":
            upper = _compatible_upper(text)
            return cls(lower=Bound(Version(text), text, True), upper=Bound(Version(upper), upper, False))
        return cls(extra=(str(spec),))

    def intersect(self, other: "Range") -> "Range":
        """The versions both ranges allow."""
        extra = self.extra + tuple(e for e in other.extra if e not in self.extra)
        return Range(
            lower=_tighter_lower(self.lower, other.lower),
            upper=_tighter_upper(self.upper, other.upper),
            extra=extra,
        )

    @property
    def is_empty(self) -> bool:
        """True when the bounds leave no version at all."""
        if self.lower is None or self.upper is None:
            return False
        if self.lower.version != self.upper.version:
            return self.lower.version > self.upper.version
        return not (self.lower.inclusive and self.upper.inclusive)

    @property
    def pinned(self) -> Optional[Version]:
        """The one version an ``==`` range allows, else None."""
        lower, upper = self.lower, self.upper
        closed = lower and upper and lower.inclusive and upper.inclusive
        if closed and lower and upper and lower.version == upper.version and not self.extra:
            return lower.version
        return None

    def contains(self, version: Version) -> bool:
        """PEP 440 membership, pre-releases included (upstream's checks accept release candidates)."""
        return _specifier_set(str(self)).contains(version, prereleases=True)

    def _parts(self) -> Iterable[str]:
        lower, upper = self.lower, self.upper
        if lower and upper and lower.inclusive and upper.inclusive and lower.version == upper.version:
            yield "==" + lower.text
        else:
            if lower:
                yield (">=" if lower.inclusive else ">") + lower.text
            if upper:
                yield ("<=" if upper.inclusive else "<") + upper.text
        yield from self.extra

    def __str__(self) -> str:
        return ",".join(self._parts())


@lru_cache(maxsize=4096)
def _parse(text: str) -> Range:
    return Range._parse_now(text)
