"""compat.data.record: immutable __slots__ records, checked against what frozen dataclasses do."""
from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Dict, Optional, Tuple

import pytest

from compat.data.record import Record, field, replace


class Point(Record):
    x: int
    y: int = 0
    tags: Tuple[str, ...] = ()
    seen: Dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.x + self.y


@dataclasses.dataclass(frozen=True)
class Twin:
    x: int
    y: int = 0
    tags: Tuple[str, ...] = ()
    seen: Dict[str, int] = dataclasses.field(default_factory=dict)


@pytest.mark.parametrize(("args", "kwargs"), [((1,), {}), ((1, 2), {}), ((), {"x": 3, "tags": ("a",)}),
                                              ((1,), {"seen": {"a": 1}})])
def test_construction_is_a_frozen_dataclasses(args: tuple, kwargs: dict) -> None:  # type: ignore[type-arg]
    point, twin = Point(*args, **kwargs), Twin(*args, **kwargs)
    assert [getattr(point, n) for n in Point._fields] == [getattr(twin, f.name) for f in dataclasses.fields(Twin)]
    assert repr(point) == repr(twin).replace("Twin", "Point")


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((), {}, "Point() missing required argument: 'x'"),
    ((1, 2, (), {}, 5), {}, "Point() takes 4 positional arguments but 5 were given"),
    ((1,), {"x": 2}, "Point() got multiple values for argument 'x'"),
    ((1,), {"z": 2}, "Point() got an unexpected keyword argument 'z'"),
])
def test_bad_construction(args: tuple, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(TypeError) as e:
        Point(*args, **kwargs)
    assert str(e.value) == message
    with pytest.raises(TypeError):
        Twin(*args, **kwargs)


def test_equality_hash_and_immutability() -> None:
    a, b = Point(1, 2, ("t",)), Point(1, 2, ("t",))
    assert a == b and a != Point(1, 3) and a != Twin(1, 2, ("t",))
    with pytest.raises(TypeError):
        hash(a)  # a dict field, as a frozen dataclass with one
    assert hash(Optional_(1)) == hash(Optional_(1))
    with pytest.raises(AttributeError):
        a.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del a.x  # type: ignore[misc]
    assert not hasattr(a, "__dict__") and a.total == 3


class Optional_(Record):
    value: Optional[int] = None


def test_factories_make_a_fresh_value_each_time() -> None:
    assert Point(1).seen is not Point(1).seen


def test_replace_pickle_and_copy() -> None:
    a = Point(1, 2)
    assert replace(a, y=5) == Point(1, 5) and a.y == 2
    with pytest.raises(TypeError):
        replace(a, z=1)
    assert pickle.loads(pickle.dumps(a)) == a and copy.deepcopy(a) == a


def test_a_default_before_a_field_without_one_is_refused() -> None:
    with pytest.raises(TypeError) as e:
        type("Bad", (Record,), {"__annotations__": {"a": "int", "b": "int"}, "a": 1})
    assert str(e.value) == "non-default argument 'b' follows default argument in Bad"


def test_subclasses_add_fields() -> None:
    class Labelled(Point):
        label: str = ""

    item = Labelled(1, label="p")
    assert (item.x, item.y, item.label) == (1, 0, "p") and Labelled._fields[-1] == "label"
