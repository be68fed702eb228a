"""Immutable records: what ``@dataclass(frozen=True)`` gives mmcompat's records (positional and keyword
construction, defaults and default factories, equality, hashing, ``repr``, :func:`replace`), defined
with ``__slots__`` by a metaclass instead of generated code.

A frozen dataclass costs about 2 ms to define (it compiles its methods with ``exec`` and imports
``inspect``); mmcompat defines some forty records, so their definitions alone cost more than Python's
start. Defining a :class:`Record` costs a few microseconds and building one costs about what a
dataclass instance costs. The type checker sees the fields through :pep:`681` (``dataclass_transform``),
so ``mypy --strict`` checks every construction as it did the dataclasses'.

    class Fact(Record):
        range: Range
        source: str
        messages: Tuple[str, ...] = ()
        seen: Dict[str, str] = field(default_factory=dict)
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, ClassVar, Dict, Tuple, TypeVar

    from typing_extensions import dataclass_transform

    _R = TypeVar("_R", bound="Record")
else:
    def dataclass_transform(**_: object) -> object:
        return lambda target: target

__all__ = ["Record", "field", "replace"]

_MISSING = object()


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default: Any = _MISSING, default_factory: Any = _MISSING) -> Any:
    """A field's default (``default=``) or the callable that makes a fresh one (``default_factory=``)."""
    if default_factory is not _MISSING:
        return _Factory(default_factory)
    return default


@dataclass_transform(frozen_default=True, eq_default=True, field_specifiers=(field,))
class _RecordType(type):
    """Turns a class body's annotated names into ``__slots__`` and their values into defaults."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], namespace: Dict[str, Any], **kwargs: Any) -> _RecordType:
        annotations = namespace.get("__annotations__", {})
        own = tuple(n for n, kind in annotations.items() if "ClassVar" not in str(kind))
        defaults: Dict[str, Any] = {}
        for base in reversed(bases):
            defaults.update(getattr(base, "_defaults", {}))
        for attribute in own:
            if attribute in namespace:
                defaults[attribute] = namespace.pop(attribute)
        namespace["__slots__"] = own
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        inherited: Tuple[str, ...] = getattr(cls, "_fields", ())
        fields = inherited + tuple(n for n in own if n not in inherited)
        seen_default = False
        for attribute in fields:  # the rule dataclasses enforce, checked as they check it
            if attribute in defaults:
                seen_default = True
            elif seen_default:
                raise TypeError(f"non-default argument {attribute!r} follows default argument in {name}")
        cls._fields = fields  # type: ignore[attr-defined]
        cls._defaults = defaults  # type: ignore[attr-defined]
        return cls


class Record(metaclass=_RecordType):
    """The base of mmcompat's immutable records (see the module's documentation)."""

    __slots__ = ()
    _fields: ClassVar[Tuple[str, ...]] = ()
    _defaults: ClassVar[Dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} positional arguments but {len(args)} "
                            "were given")
        setter = object.__setattr__
        for attribute, value in zip(fields, args):
            if attribute in kwargs:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {attribute!r}")
            setter(self, attribute, value)
        defaults = self._defaults
        for attribute in fields[len(args):]:
            if attribute in kwargs:
                value = kwargs.pop(attribute)
            elif attribute in defaults:
                value = defaults[attribute]
                if type(value) is _Factory:
                    value = value.make()
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument: {attribute!r}")
            setter(self, attribute, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {next(iter(kwargs))!r}")

    def _values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, attribute) for attribute in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{attribute}={getattr(self, attribute)!r}" for attribute in self._fields)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of the immutable {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of the immutable {type(self).__name__}")

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), self._values())


def replace(record: _R, **changes: Any) -> _R:
    """A copy of ``record`` with ``changes`` (:func:`dataclasses.replace` for a :class:`Record`)."""
    values = {attribute: getattr(record, attribute) for attribute in record._fields}
    unknown = [name for name in changes if name not in values]
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {unknown[0]!r}")
    values.update(changes)
    return type(record)(**values)
