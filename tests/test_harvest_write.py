"""compat.harvest.write: the merged matrix text, never one that does not load."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from compat.data.locate import embedded_path
from compat.data.matrix import from_dict, parse_toml
from compat.errors import BadMatrix
from compat.harvest.write import merged_text


def test_merging_nothing_keeps_the_matrix(tmp_path: Path) -> None:
    target = tmp_path / "m.toml"
    target.write_bytes(Path(embedded_path()).read_bytes())
    old, text = merged_text(str(target), {})
    assert old == target.read_text(encoding="utf-8")
    assert parse_toml(text, path="x") == parse_toml(old, path="x")


@pytest.mark.parametrize("kind", ["fifo", "missing"])
def test_a_target_that_is_no_matrix_file_is_merged_into_nothing(tmp_path: Path, kind: str) -> None:
    target = tmp_path / kind
    if kind == "fifo":
        os.mkfifo(target)  # read without blocking, as no matrix
    data = parse_toml(Path(embedded_path()).read_text(encoding="utf-8"), path="x")
    with pytest.raises(BadMatrix) as e:  # a package table alone is no matrix: refused, nothing written
        merged_text(str(target), {"mmpose": data["mmpose"]})
    assert str(e.value) == (f"bad matrix {target} as harvested at schema: expected schema = 1, got None; "
                            "the file is unchanged")
    old, text = merged_text(str(target), data)
    assert old == "" and list(from_dict(parse_toml(text, path="x")).packages) == list(from_dict(data).packages)


def test_a_merge_that_would_not_load_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "m.toml"
    target.write_bytes(Path(embedded_path()).read_bytes())
    with pytest.raises(BadMatrix) as e:
        merged_text(str(target), {"mmpose": {"releases": {"0.28.0": {"mmcv-full": {"enforced": {"spec": "<<1"}}}}}})
    assert str(e.value) == (f"bad matrix {target} as harvested at mmpose.releases.\"0.28.0\".mmcv-full.enforced.spec: "
                            "not a version specifier: '<<1'; the file is unchanged")
