"""compat.answers.targets: the one reader of a stack question's targets, with packaging as the oracle."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from compat.answers.stack import parse_targets
from compat.answers.targets import read
from compat.data.locate import embedded_path
from compat.data.models import Matrix
from compat.data.tables import compile_tables
from compat.errors import BadInput


@pytest.fixture(scope="module")
def tables(matrix: Matrix) -> Dict[str, Any]:
    return compile_tables(matrix)


def _oracle(matrix: Matrix, text: str) -> tuple:  # type: ignore[type-arg]
    """What packaging says ``text`` asks for: the package and the keys of the releases it allows."""
    raw = text.strip()
    try:
        Version(raw[1:] if raw[:1] in "vV" else raw)
        raw = f"mmpose=={raw[1:] if raw[:1] in 'vV' else raw}"
    except ValueError:
        pass
    requirement = Requirement(raw)
    table = matrix.package(canonicalize_name(requirement.name)) or matrix.package(requirement.name)
    assert table is not None
    spec = SpecifierSet(str(requirement.specifier))
    keys = tuple(r.key for r in table.releases
                 if r.required and spec.contains(r.version, prereleases=bool(spec.prereleases)))
    return table.name, keys, str(spec)


@pytest.mark.parametrize("text", [
    "mmpose==1.3.2", "mmdet", "0.28.0", "v0.28.0", "mmpose", "mmdet==3.2.0", "MMPose==0.28", "mmpose == 1.3.2",
    "mmtrack", "mmpose==1.0", "mmpose==1.3.2.0", "mmpose==00.28.0", "mmpose>=0.28,<1", "mmpose==1.3.*",
    "mmpose[all]==1.3.2", "mmpose==1.3.2; python_version>'3'", "mmpose==9.9.9", "mmpose==1.3.2rc1", "mmseg",
    "mmsegmentation>=1.0,!=1.1.0", "mmpose~=0.29", "mmpose>=1.0.0rc0,<1.1",
])
def test_each_target_allows_what_packaging_says(matrix: Matrix, tables: Dict[str, Any], text: str) -> None:
    [(name, keys, asked, spec)] = read(tables, [text])
    assert (name, keys, spec) == _oracle(matrix, text)
    assert asked == text


def test_a_package_named_twice_gets_both_specifiers(matrix: Matrix, tables: Dict[str, Any]) -> None:
    [(name, keys, asked, spec)] = read(tables, ["mmpose", "mmpose>=1.0,<1.3"])
    assert (name, asked, spec) == ("mmpose", "mmpose, mmpose>=1.0,<1.3", "<1.3,>=1.0")
    assert keys == _oracle(matrix, "mmpose>=1.0,<1.3")[1]
    assert [t[0] for t in read(tables, ["mmpose==1.3.2", "mmdet"])] == ["mmpose", "mmdet"]


@pytest.mark.parametrize(("texts", "message"), [
    (["master"], "'master' is a branch: a stack needs releases, which have wheels and pins; give a release such as "
                 "mmpose==1.3.2 (mmcompat resolve BRANCH prints what a branch tip needs)"),
    (["mmpose=="], "not a requirement: 'mmpose=='; give e.g. mmpose==1.3.2 or mmdet"),
    (["==1.3.2"], "not a requirement: '==1.3.2'; give e.g. mmpose==1.3.2 or mmdet"),
    ([""], "not a requirement: ''; give e.g. mmpose==1.3.2 or mmdet"),
    ([], "give at least one target, e.g. mmpose==1.3.2"),
])
def test_bad_targets(tables: Dict[str, Any], texts: List[str], message: str) -> None:
    with pytest.raises(BadInput) as e:
        read(tables, texts)
    assert str(e.value) == message


@pytest.mark.parametrize("text", ["mmpos==1.3.2", "torch==2.0", "mmcv-full==1.5.0"])
def test_unknown_packages_are_named(tables: Dict[str, Any], text: str) -> None:
    with pytest.raises(BadInput) as e:
        read(tables, [text])
    name = canonicalize_name(Requirement(text).name)
    assert str(e.value).startswith(f"the matrix has no package {name!r}; known: ")
    assert "mmpose, " in str(e.value)


def test_the_typed_parser_is_this_reader(matrix: Matrix, tables: Dict[str, Any]) -> None:
    texts = ["mmpose>=1.0,<1.3", "mmdet"]
    typed = parse_targets(texts, matrix)
    assert [(t.name, t.keys, t.text, str(t.spec)) for t in typed] == read(tables, texts)


def test_everyday_spellings_need_no_packaging(tmp_path: Path) -> None:
    """With the compiled tables (as the wheel ships them), NAME, NAME==VERSION and a bare version are
    read without importing packaging."""
    toml = tmp_path / "compat_matrix.toml"
    toml.write_bytes(Path(embedded_path()).read_bytes())
    compile_it = ("import sys; from compat.data.matrix import load, parse_toml\n"
                  "from compat.data.compiled import compile_matrix, compiled_path\n"
                  "from compat.data.tables import compile_tables\n"
                  "raw = open(sys.argv[1], 'rb').read()\n"
                  "data = parse_toml(raw.decode(), path='x')\n"
                  "payload = compile_matrix(raw, data, compile_tables(load(sys.argv[1])))\n"
                  "open(compiled_path(sys.argv[1]), 'wb').write(payload)\n")
    done = subprocess.run([sys.executable, "-c", compile_it, str(toml)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    code = ("import sys; from compat.data.compiled import tables; from compat.answers.targets import read\n"
            "found = tables(sys.argv[1]); assert found is not None\n"
            "print(read(found, ['0.28', 'mmdet==3.2.0', 'mmtrack'])[0][1])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'packaging'))\n")
    done = subprocess.run([sys.executable, "-c", code, str(toml)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["('0.28.0',)", "[]"]
