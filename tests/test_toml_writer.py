"""The TOML writer: every string reads back exactly, and nothing is returned that does not."""

from __future__ import annotations

import datetime
import sys
from typing import Any, Dict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat.data.toml_writer import dump, quote
from compat.harvest import HEADER

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

PROPERTY = settings(max_examples=300, deadline=datetime.timedelta(seconds=5))


@pytest.mark.parametrize("text, written", [
    ("plain", '"plain"'),
    ("", '""'),
    ('say "hi"', '"say \\"hi\\""'),
    ("C:\\path", '"C:\\\\path"'),
    ("a\nb\tc\rd\be\ff", '"a\\nb\\tc\\rd\\be\\ff"'),
    ("\x00\x01\x1b\x1f", '"\\u0000\\u0001\\u001b\\u001f"'),
    ("del\x7f", '"del\\u007f"'),  # json.dumps left U+007F raw, which TOML forbids
    ("mmcv-full 版本 ≥ 1.3.8 \x80\u2028😀", '"mmcv-full 版本 ≥ 1.3.8 \x80\u2028😀"'),  # non-ASCII stays as it is
])
def test_quote_escapes_what_toml_forbids_raw(text: str, written: str) -> None:
    assert quote(text) == written
    assert tomllib.loads(f"k = {written}\n") == {"k": text}


@pytest.mark.parametrize("key, written", [
    ("mmcv-full", "mmcv-full"),
    ("under_score9", "under_score9"),
    ("0.28.0", '"0.28.0"'),
    ("", '""'),
    ("with space", '"with space"'),
    ("ünïcode", '"ünïcode"'),
    ('q"\x7f', '"q\\"\\u007f"'),
])
def test_keys_are_bare_only_when_toml_allows(key: str, written: str) -> None:
    assert dump({key: 1}) == f"{written} = 1\n"
    assert dump({"t": {key: {"x": 1}}}) == f"\n[t.{written}]\nx = 1\n".lstrip("\n")


def test_layout_tables_facts_and_rows() -> None:
    data = {
        "schema": 1,
        "mmpose": {"releases": {"0.28.0": {
            "mmcv-full": {"enforced": {"spec": ">=1.3.8", "source": "u"}, "optional": False},
            "rows": [{"a": 1}, {"b": [True, "x"]}],
        }}},
    }
    assert dump(data, header="line one\n\nline three") == (
        "# line one\n"
        "#\n"
        "# line three\n"
        "schema = 1\n"
        "\n"
        '[mmpose.releases."0.28.0"]\n'
        "rows = [\n"
        "  { a = 1 },\n"
        '  { b = [true, "x"] },\n'
        "]\n"
        "\n"
        '[mmpose.releases."0.28.0".mmcv-full]\n'
        'enforced = { spec = ">=1.3.8", source = "u" }\n'
        "optional = false\n"
    )


def test_the_embedded_matrix_is_written_byte_for_byte() -> None:
    text = (ROOT / "data" / "compat_matrix.toml").read_text(encoding="utf-8")
    assert dump(tomllib.loads(text), header=HEADER) == text


@pytest.mark.parametrize("data, error, message", [
    ({"k": "lone \udc80"}, ValueError, "a lone surrogate U+DC80 cannot be written as TOML: 'lone \\udc80'"),
    ({"\ud800": 1}, ValueError, "a lone surrogate U+D800 cannot be written as TOML: '\\ud800'"),
    ({"k": 2**63}, ValueError, "integer 9223372036854775808 is outside TOML's 64-bit range"),
    ({"k": -(2**63) - 1}, ValueError, "integer -9223372036854775809 is outside TOML's 64-bit range"),
    ({"k": 1.5}, TypeError, "cannot write float as TOML"),
    ({"k": (1, 2)}, TypeError, "cannot write tuple as TOML"),
    ({"k": None}, TypeError, "cannot write NoneType as TOML"),
])
def test_values_toml_cannot_hold_are_refused(data: Dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        dump(data)
    assert str(caught.value) == message


def test_text_that_does_not_read_back_is_never_returned() -> None:
    with pytest.raises(ValueError) as caught:
        dump({"k": 1}, header="a comment with a NUL \x00 in it")
    assert str(caught.value).startswith("the TOML written does not parse (")
    assert str(caught.value).endswith("); nothing may be written")


# Strings of any character (control characters, U+007F, quotes, backslashes, non-ASCII; not lone
# surrogates, which no TOML file can hold), with extra weight on the ones that need escaping.
_TRICKY = st.sampled_from(['"', "\\", "\x7f", "\x00", "\n", "\r", "\t", "\b", "\f", "\x1f", "\x85", "\u2028",
                           "'", "#", "=", ".", "[", "]", " ", "é", "版", "😀", "\\u0041", '"""'])
_TEXT = st.lists(st.one_of(_TRICKY, st.characters(blacklist_categories=("Cs",))), max_size=12).map("".join)
_SCALAR = st.one_of(_TEXT, st.integers(min_value=-(2**63), max_value=2**63 - 1), st.booleans())
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=20,
)


@PROPERTY
@given(st.dictionaries(_TEXT, _VALUE, max_size=6))
def test_dump_then_parse_gives_back_the_data(data: Dict[str, Any]) -> None:
    text = dump(data)
    assert tomllib.loads(text) == data


@PROPERTY
@given(st.dictionaries(_TEXT, st.dictionaries(_TEXT, st.fixed_dictionaries(
    {"spec": _TEXT, "source": _TEXT}, optional={"note": _TEXT}), max_size=3), max_size=3))
def test_facts_round_trip_inline(data: Dict[str, Any]) -> None:
    assert tomllib.loads(dump(data)) == data
