"""Version ranges: PEP 440 specifier sets as intervals that can be intersected.

A :class:`Range` keeps the tightest lower and upper bound of a specifier set, with the version text as
written upstream (``<1.3`` stays ``<1.3``, not ``<1.3.0``), so the intersection of three sources renders
the way the FAQ writes it. Specifiers that are not plain bounds (``!=``, ``===``, ``==X.*``) are kept
verbatim and applied on membership tests. Its bounds are the compiled tables' ``(text, inclusive)``, and
every rule of the range algebra is :mod:`compat.data.ranks`' own, with versions ordered by ``packaging``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional, Tuple

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import Version

from ..errors import BadInput, shown
from . import ranks
from .record import Record

__all__ = ["Bound", "Range", "membership_keys"]


class Bound(Tuple[str, bool]):
    """One end of a range as the compiled tables hold it, ``(text as written, inclusive)``, with the
    version its text names; the range algebra (:mod:`compat.data.ranks`) is the same for both."""

    __slots__ = ()

    def __new__(cls, text: str, inclusive: bool) -> "Bound":
        return tuple.__new__(cls, (text, inclusive))

    def __getnewargs__(self) -> Tuple[str, bool]:
        return (self[0], self[1])

    def __repr__(self) -> str:
        return f"Bound(text={self[0]!r}, inclusive={self[1]!r})"

    @property
    def text(self) -> str:
        return self[0]

    @property
    def inclusive(self) -> bool:
        return self[1]

    @property
    def version(self) -> Version:
        return _version(self[0])


@lru_cache(maxsize=4096)
def _version(text: str) -> Version:
    """The version a bound's text names: how the typed ranges order versions (a process asks the same
    few dozen texts many times)."""
    return Version(text)


@lru_cache(maxsize=4096)
def membership_keys(version: Version) -> Tuple[Version, Version, Version]:
    """The versions PEP 440 membership compares for ``version`` (:func:`compat.data.ranks.admits`): its
    public version; the one ``<version`` admits versions below (``version.dev0`` unless it is a pre- or
    dev-release); its stem, the release and pre-release segment alone (``>V`` excludes what has stem V)."""
    public = Version(version.public) if version.local is not None else version
    below = public if public.is_prerelease else Version(public.public + ".dev0")
    stem = ".".join(str(part) for part in public.release) + ("".join(str(p) for p in public.pre) if public.pre else "")
    return (public, below, Version(f"{public.epoch}!{stem}" if public.epoch else stem))


def _below(text: str) -> Version:
    return membership_keys(_version(text))[1]


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
        if op == "~=":
            return cls(lower=Bound(text, True), upper=Bound(_compatible_upper(text), False))
        if op not in ("==", ">=", ">", "<=", "<") or (op == "==" and (text.endswith(".*") or "+" in text)):
            return cls(extra=(str(spec),))
        _version(text)  # a bound names a version (past Python's digit limit none: ValueError)
        if op == "==":
            bound = Bound(text, True)
            return cls(lower=bound, upper=bound)
        if op in (">=", ">"):
            return cls(lower=Bound(text, op == ">="))
        return cls(upper=Bound(text, op == "<="))

    def intersect(self, other: "Range") -> "Range":
        """The versions both ranges allow."""
        lower, upper, extra = ranks.intersection((self.lower, self.upper, self.extra),
                                                 (other.lower, other.upper, other.extra), _version)
        return Range(lower=lower, upper=upper, extra=extra)

    @property
    def is_empty(self) -> bool:
        """True when the bounds leave no version at all."""
        return ranks.empty((self.lower, self.upper, self.extra), _version)

    @property
    def pinned(self) -> Optional[Version]:
        """The one version an ``==`` range allows, else None."""
        bound = ranks.pinned_bound((self.lower, self.upper, self.extra), _version)
        return None if bound is None else bound.version

    def reaches_past(self, rule: "Range") -> bool:
        """True when this range allows versions above ``rule``'s upper bound."""
        return ranks.reaches_past((self.lower, self.upper, self.extra), (rule.lower, rule.upper, rule.extra), _version)

    def contains(self, version: Version) -> bool:
        """PEP 440 membership, pre-releases included (upstream's checks accept release candidates)."""
        public, _, stem = membership_keys(version)
        return ranks.admits((self.lower, self.upper, self.extra), _version, _below, public, stem,
                            lambda spec: _specifier_set(spec).contains(version, prereleases=True))

    def __str__(self) -> str:
        return ranks.written((self.lower, self.upper, self.extra), _version)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Range:
    return Range._parse_now(text)
