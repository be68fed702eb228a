"""The short path (compat.answers.compiled_stack, compat.answers.question, compat.render.text) against the
full one: it reads
targets and the machine exactly as the full parser does, or leaves them to it."""
from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from packaging.version import Version

from compat.answers import availability, question
from compat.data.models import Matrix
from compat.data.ranks import simple_release
from compat.data.tables import compile_tables
from compat.data.wheel_table import all_wheel_rows
from compat.errors import BadInput


@pytest.fixture(scope="module")
def tables(matrix: Matrix) -> Dict[str, Any]:
    return compile_tables(matrix)



@pytest.mark.parametrize(("text", "release"), [
    ("2.1.2", (2, 1, 2)), ("2.1", (2, 1)), ("02.01.0", (2, 1, 0)), ("2.1.2+cu118", None), ("2.1.0rc1", None),
    ("", None), ("2..1", None), ("1" * 7, None), ("²", None), ("2.1.2.3.4", None),
])
def test_simple_releases(text: str, release: Optional[tuple]) -> None:  # type: ignore[type-arg]
    assert simple_release(text) == release
    if release is not None:
        assert Version(text).release == release


def test_the_machine_checks_are_the_full_paths(matrix: Matrix) -> None:
    from compat.answers.stack import lean_machine, parse_machine

    for args in [("linux", "11.8", "2.1.2", "3.10"), ("macos", None, None, "3.11"), ("windows", "cu121", "2.1", None),
                 ("linux", "auto", "", "cp311")]:
        platform, cuda, torch, python = args
        typed = lean_machine(parse_machine(platform, cuda, torch, python))
        release = simple_release(torch) if torch else ()
        assert release is not None
        assert question.machine(platform, cuda, torch or "", release, python) == typed
    for bad in [("linux", "mps", None, None), ("beos", None, None, None), ("linux", "11", None, None),
                ("linux", None, None, "2.7")]:
        with pytest.raises(BadInput) as typed_error:
            parse_machine(*bad)
        with pytest.raises(BadInput) as lean_error:
            question.machine(bad[0], bad[1], "", (), bad[3])
        assert str(lean_error.value) == str(typed_error.value)


def test_the_wheel_table_json_is_the_json_of_its_rows(matrix: Matrix, tables: Dict[str, Any]) -> None:
    """``wheels --json`` writes one wheel per line by hand (the table has thousands): it must parse to
    exactly what json.dumps of the rows gives, odd characters included."""
    import json

    from compat.render.text import wheels_json_body, wheels_json_text

    names = ("distribution", "version", "platform", "cuda", "torch", "python", "evidence", "source")

    rows = availability.wheel_rows(tables)
    assert len(rows) > 1000 and rows == all_wheel_rows(tables)
    odd = [("mmcv", "2.1.0", "linux", "12.1", "2.1", ("3.8",), "observed", 'a "quoted" \\ \u00e9 \u2028 \x7f'),
           ("mmcv", "2.1.0", "linux", "12.1", "2.1", (), "published", "")]
    for chosen in (rows, odd, []):
        text = wheels_json_text(wheels_json_body(chosen), "/m/compat_matrix.\u00e9\"toml", "embedded")
        expected = {"wheels": [dict(zip(names, (*row[:5], list(row[5]), *row[6:]))) for row in chosen],
                    "matrix": "/m/compat_matrix.\u00e9\"toml", "matrix_origin": "embedded"}
        assert json.loads(text) == expected
        assert text.count("\n") == len(chosen) + (6 if chosen else 5)

