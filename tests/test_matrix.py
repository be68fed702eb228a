from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

from compat.data.matrix import from_dict, load, parse_toml
from compat.data.models import Matrix
from compat.errors import BadMatrix

from .conftest import ROOT

EMBEDDED = ROOT / "data" / "compat_matrix.toml"


def _minimal() -> Dict[str, Any]:
    return {
        "schema": 1,
        "mmpose": {
            "releases": {
                "0.28.0": {
                    "ref": "v0.28.0",
                    "mmcv-full": {
                        "enforced": {"spec": ">=1.3.8,<=1.6.0", "source": "mmpose/__init__.py@v0.28.0"},
                    },
                }
            }
        },
    }


def test_embedded_matrix_loads_and_covers_every_upstream_release(matrix: Matrix) -> None:
    releases = {r.key for r in matrix.packages["mmpose"].releases}
    # Every tag of open-mmlab/mmpose (0.15.0 is tagged without the v).
    expected = {
        "0.6.0", "0.7.0", "0.8.0", "0.9.0", "0.10.0", "0.11.0", "0.12.0", "0.13.0", "0.14.0", "0.15.0",
        "0.16.0", "0.17.0", "0.18.0", "0.19.0", "0.20.0", "0.21.0", "0.22.0", "0.23.0", "0.24.0", "0.25.0",
        "0.25.1", "0.26.0", "0.27.0", "0.28.0", "0.28.1", "0.29.0", "1.0.0b0", "1.0.0rc0", "1.0.0rc1",
        "1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.3.1", "1.3.2",
    }
    assert releases == expected
    assert set(matrix.packages["mmpose"].branches) == {"master", "0.x", "main", "1.x"}
    versions = [r.version for r in matrix.packages["mmpose"].releases]
    assert versions == sorted(versions, reverse=True)


def test_every_fact_has_a_source(matrix: Matrix) -> None:
    table = matrix.packages["mmpose"]
    for release in list(table.releases) + list(table.branches.values()):
        for dependency in release.dependencies:
            for source, fact in dependency.facts().items():
                assert fact.source.startswith("https://github.com/open-mmlab/mmpose/blob/"), (release.key, source)


def _with(change) -> Dict[str, Any]:
    data = copy.deepcopy(_minimal())
    change(data)
    return data


def _set(path, value):
    def change(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _delete(path):
    def change(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


REL = ("mmpose", "releases", "0.28.0")
_BUILD = {"setuptools_without_pkg_resources": "82.0.0", "setuptools_source": "s", "sdists_import_pkg_resources": [],
          "sdist_source": "s"}
_ISOLATED = {"version": "0.70", "needs": ["pip"], "wheels": [], "required_by": ["mmpose"], "reason": "r",
             "source": "s", "wheels_source": "w"}


def test_imported_and_isolated_builds_are_read(matrix: Matrix) -> None:
    mmdet = next(r for r in matrix.packages["mmpose"].releases if r.key == "1.3.2").dependency("mmdet")
    assert mmdet is not None and mmdet.optional and mmdet.needed
    assert mmdet.imported is not None
    assert (mmdet.imported.module, mmdet.imported.path, mmdet.imported.line) == (
        "mmdet.utils", "mmpose/models/heads/hybrid_heads/rtmo_head.py", 9)
    older = next(r for r in matrix.packages["mmpose"].releases if r.key == "1.2.0").dependency("mmdet")
    assert older is not None and not older.needed
    assert matrix.build is not None
    chumpy = {b.name: b for b in matrix.build.isolation}["chumpy"]
    assert (chumpy.version, chumpy.needs, chumpy.wheels) == ("0.70", ("pip", "setuptools", "wheel"), ())


def _tables(**modules):
    """Package tables named by distribution, each with this ``module`` (None: no ``module`` key)."""
    def change(data):
        for name, module in modules.items():
            data[name] = {"releases": {"1.0.0": {"ref": "v1.0.0"}}, **({"module": module} if module else {})}
    return change


_BUILD = {"setuptools_without_pkg_resources": "82.0.0", "setuptools_source": "s",
          "sdists_import_pkg_resources": ["mmcv"], "sdist_source": "s"}
_AGAINST = {"distribution": "onedl-mmcv", "versions": ["2.3.6"], "torch_minimum": "2.4", "torch_maximum": "2.12",
            "source": "s"}
_NVIDIA = {"compat": {}, "toolkit": {}, "compat_source": "s", "toolkit_source": "s"}


@pytest.mark.parametrize(
    "change, message",
    [
        (_set(("schema",), 2), "bad matrix m.toml at schema: expected schema = 1, got 2"),
        (_delete(("schema",)), "bad matrix m.toml at schema: expected schema = 1, got None"),
        (_set((*REL, "mmcv-full", "enforced", "spec"), ">=1.3.8,<=x"),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full.enforced.spec: '
         'not a version specifier: \'>=1.3.8,<=x\''),
        (_set((*REL, "mmcv-full", "enforced", "spec"), ">=2,<1"),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full.enforced.spec: '
         'the range \'>=2,<1\' contains no version'),
        (_delete((*REL, "mmcv-full", "enforced", "source")),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full.enforced.source: '
         'expected a non-empty string, got None'),
        (_delete((*REL, "mmcv-full", "enforced", "spec")),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full.enforced: missing key \'spec\''),
        (_set((*REL, "mmcv-full", "enforced", "colour"), "red"),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full.enforced.colour: unknown key'),
        (_set((*REL, "mmcv-full", "guessed"), {"spec": ">=1", "source": "x"}),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full.guessed: unknown key'),
        (_set((*REL, "mmcv-full", "optional"), "yes"),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full.optional: expected true or false, got \'yes\''),
        (_set((*REL, "mmcv-full", "enforced", "messages"), "text"),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full.enforced.messages: expected a list of strings'),
        (_set((*REL, "mmcv-full"), ">=1"),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmcv-full: unknown key'),
        (_delete((*REL, "ref")),
         'bad matrix m.toml at mmpose.releases."0.28.0".ref: expected a non-empty string, got None'),
        (_set(("mmpose", "releases", "v0.29"), {"ref": "v0.29"}),
         'bad matrix m.toml at mmpose.releases."v0.29": write the release as \'0.29\', its normalized form'),
        (_set(("mmpose", "releases", "0.28"), {"ref": "v0.28"}),
         'bad matrix m.toml at mmpose.releases."0.28": the same version as "0.28.0"'),
        (_set(("mmpose", "releases", "zero"), {"ref": "x"}),
         "bad matrix m.toml at mmpose.releases.zero: not a PEP 440 version: 'zero'"),
        (_set(("mmpose", "branches"), {"master": {"ref": "master"}}),
         "bad matrix m.toml at mmpose.branches.master.version: expected a non-empty string, got None"),
        (_set(("mmpose", "releases"), {}), "bad matrix m.toml at mmpose.releases: no releases"),
        (_set(("mmpose",), []), "bad matrix m.toml at mmpose: expected a table, got list"),
        (_delete(("mmpose",)), "bad matrix m.toml: no package tables"),
        (_set(("wheels",), {"mmcv": {"source": "s", "builds": [{"platform": "linux", "cuda": "11.3", "torch": "1.12",
                                                                 "versions": []}]}}),
         "bad matrix m.toml at wheels.mmcv.builds.0.versions: expected a non-empty list of versions"),
        (_set(("wheels",), {"mmcv": {"source": "s", "builds": {}}}),
         "bad matrix m.toml at wheels.mmcv.builds: expected a list of builds"),
        (_set(("wheels",), {"mmcv": {"source": "s", "builds": [{"platform": "linux", "cuda": "11.3", "torch": "1.12",
                                                                 "versions": ["2.1.0", "two"]}]}}),
         "bad matrix m.toml at wheels.mmcv.builds.0.versions: not a PEP 440 version: 'two'"),
        (_set(("numpy_abi",), {"numpy2_first_upload": "2024", "source": "s",
                               "xtcocotools": {"source": "s", "numpy1_only": "1.14"}}),
         "bad matrix m.toml at numpy_abi.xtcocotools.numpy1_only: expected a list of versions"),
        (_set(("numpy_abi",), {"source": "s"}),
         "bad matrix m.toml at numpy_abi.numpy2_first_upload: expected a non-empty string, got None"),
        (_set((*REL, "mmdet"), {"optional": True, "imported": {"module": "mmdet.utils", "path": "p.py", "line": "9",
                                                              "source": "s"}}),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmdet.imported.line: expected a line number, got \'9\''),
        (_set((*REL, "mmdet"), {"imported": {"module": "mmdet", "path": "p.py", "line": 9}}),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmdet.imported.source: expected a non-empty string, got None'),
        (_set((*REL, "mmdet"), {"imported": {"module": "mmdet", "path": "p.py", "line": 9, "source": "s", "why": 1}}),
         'bad matrix m.toml at mmpose.releases."0.28.0".mmdet.imported.why: unknown key'),
        (_set(("build",), {**_BUILD, "isolation": {"chumpy": {**_ISOLATED, "wheels": ["3.x"]}}}),
         "bad matrix m.toml at build.isolation.chumpy.wheels: not a Python version such as \"3.10\": '3.x'"),
        (_set(("build",), {**_BUILD, "isolation": {"chumpy": {**_ISOLATED, "version": "zero"}}}),
         "bad matrix m.toml at build.isolation.chumpy.version: not a PEP 440 version: 'zero'"),
        (_set(("build",), {**_BUILD, "isolation": {"chumpy": {k: v for k, v in _ISOLATED.items() if k != "needs"}}}),
         "bad matrix m.toml at build.isolation.chumpy.needs: expected a list of non-empty strings"),
        (_set(("find_links",), {"url": "https://x/{cuda}/{torch}", "mmcv": {"torch": "torch{patch}", "source": "s"}}),
         "bad matrix m.toml at find_links.mmcv.torch: not a template of {major} and {minor}: {patch} is not one of "
         "them: 'torch{patch}'"),
        # templates are filled by name, never by str.format: no attribute access, no format spec
        (_set(("find_links",), {"url": "https://x/{cuda.__class__.__mro__}/{torch}",
                                "mmcv": {"torch": "torch{major}", "source": "s"}}),
         "bad matrix m.toml at find_links.url: not a template of {cuda} and {torch}: {cuda.__class__.__mro__} is not "
         "one of them: 'https://x/{cuda.__class__.__mro__}/{torch}'"),
        (_set(("find_links",), {"url": "https://x/{cuda}/{torch}",
                                "mmcv": {"torch": "torch{major:>1500000000}", "source": "s"}}),
         "bad matrix m.toml at find_links.mmcv.torch: not a template of {major} and {minor}: {major:>1500000000} is "
         "not one of them: 'torch{major:>1500000000}'"),
        (_set(("find_links",), {"url": "https://x/{cuda}/{torch}", "mmcv": {"url": "https://y/{0}", "torch": "t",
                                                                           "source": "s"}}),
         "bad matrix m.toml at find_links.mmcv.url: not a template of {cuda} and {torch}: {0} is not one of them: "
         "'https://y/{0}'"),
        (_set(("find_links",), {"url": "https://x/{cuda}}", "mmcv": {"torch": "t", "source": "s"}}),
         "bad matrix m.toml at find_links.url: not a template of {cuda} and {torch}: a '}' at 16 closes nothing: "
         "'https://x/{cuda}}'"),
        (_set(("find_links",), {"url": "https://x/{cuda", "mmcv": {"torch": "t", "source": "s"}}),
         "bad matrix m.toml at find_links.url: not a template of {cuda} and {torch}: the '{' at 10 is not closed: "
         "'https://x/{cuda'"),
        (_tables(mmsegmentation="mm-seg"),
         "bad matrix m.toml at mmsegmentation.module: expected the import package when it differs from "
         "'mmsegmentation', got 'mm-seg'"),
        (_tables(mmsegmentation="mmsegmentation"),
         "bad matrix m.toml at mmsegmentation.module: expected the import package when it differs from "
         "'mmsegmentation', got 'mmsegmentation'"),
        (_tables(MMSeg=None),
         "bad matrix m.toml at MMSeg: a package table is named by its distribution, normalized ('mmseg')"),
        (_set(("build",), {**_BUILD, "against": [{**_AGAINST, "torch_maximum": "2"}]}),
         "bad matrix m.toml at build.against.0.torch_maximum: not a torch minor such as \"2.4\": '2'"),
        (_set(("build",), {**_BUILD, "against": [{**_AGAINST, "torch_minimum": "2.13"}]}),
         "bad matrix m.toml at build.against.0.torch_maximum: 2.12 is older than torch_minimum 2.13"),
        (_set(("build",), {**_BUILD, "against": [{**_AGAINST, "verified": "yes"}]}),
         "bad matrix m.toml at build.against.0.verified: expected true or false, got 'yes'"),
        (_set(("build",), {**_BUILD, "version_breaks_on_python": {"mmcv": "3.x"}, "version_source": "s"}),
         "bad matrix m.toml at build.version_breaks_on_python.mmcv: not a Python version such as \"3.10\": '3.x'"),
        (_set(("nvidia",), {**_NVIDIA, "gpus": {"source": "s", "12.0": {"name": "B", "cuda_minimum": "twelve"}}}),
         "bad matrix m.toml at nvidia.gpus.\"12.0\".cuda_minimum: not a CUDA version such as \"12.8\": 'twelve'"),
        (_set(("nvidia",), {**_NVIDIA, "gpus": {"source": "s", "sm120": {"name": "B"}}}),
         "bad matrix m.toml at nvidia.gpus.sm120: not a compute capability such as \"8.6\""),
    ],
)
def test_validation_names_the_key_path(change, message) -> None:
    with pytest.raises(BadMatrix) as caught:
        from_dict(_with(change), path="m.toml")
    assert str(caught.value) == message


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\n\n[mmpose.releases."0.28.0"]\nref = v0.28.0\n', encoding="utf-8")
    with pytest.raises(BadMatrix) as caught:
        load(str(bad))
    assert caught.value.line == 4
    assert str(caught.value).startswith(f"bad matrix {bad}:4: not valid TOML: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "content, problem",
    [(b"\xff\xfe schema", "not UTF-8 (byte 0)"), (b"", "expected schema = 1, got None")],
)
def test_damaged_files(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "m.toml"
    path.write_bytes(content)
    with pytest.raises(BadMatrix, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load(str(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadMatrix) as caught:
        load(str(tmp_path / "nope.toml"))
    assert str(caught.value) == f"bad matrix {tmp_path / 'nope.toml'}: cannot read it: No such file or directory"


def test_environment_variable_selects_the_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.toml"
    path.write_text(EMBEDDED.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("MMCOMPAT_MATRIX", str(path))
    loaded = load()
    assert (loaded.path, loaded.origin) == (str(path), "MMCOMPAT_MATRIX")
    assert load(str(EMBEDDED)).origin == "--matrix"
    monkeypatch.delenv("MMCOMPAT_MATRIX")
    assert load().origin == "embedded"


def test_parse_toml_returns_plain_data() -> None:
    assert parse_toml("schema = 1\n", path="x") == {"schema": 1}
    assert sys.modules.get("compat.data.matrix") is not None


def test_build_table_says_which_torch_each_mmcv_compiles_against(matrix: Matrix) -> None:
    assert matrix.build is not None and matrix.nvidia is not None
    rows = {(r.distribution, r.torch_minimum, r.torch_maximum, r.verified) for r in matrix.build.against}
    assert ("onedl-mmcv", "2.4", "2.12", False) in rows  # its CI build matrix
    assert ("onedl-mmcv", "2.13", "2.13", True) in rows  # built here
    assert ("mmcv", "2.3", "2.13", False) in rows  # MiroPsota/torch_packages_builder
    assert all(r.uncertain or r.verified for r in matrix.build.against)  # reported rows say what is not known
    assert dict(matrix.build.version_breaks_on_python) == {"mmcv": "3.13", "mmcv-full": "3.13"}
    assert matrix.nvidia.gpus["12.0"].cuda_minimum == "12.8"
    assert matrix.nvidia.gpus["7.0"].cuda_maximum == "12.9"


def test_the_embedded_templates_under_the_checker_and_the_old_format(matrix: Matrix) -> None:
    """What the substitution fills is what str.format filled for every template the matrix has."""
    from compat.data.links import fill

    for rule in matrix.find_links.values():
        for torch_version, cuda in (("1.12.1+cu113", "11.3"), ("2.1.0", None), ("2", "12.1")):
            release = torch_version.split("+")[0].split(".")
            major, minor = release[0], release[1] if len(release) > 1 else "0"
            part = rule.torch.format(major=major, minor=minor)
            expected = rule.url.format(cuda="cpu" if not cuda else "cu" + cuda.replace(".", ""), torch=part)
            assert rule.format(torch_version, cuda) == expected
    from compat.answers.search import index_for
    from compat.data.tables import tables_for

    assert index_for(tables_for(matrix), "12.1") == matrix.torch.index_url.format(variant="cu121")
    assert fill("a{x}b{y}{x}", {"x": "{y}", "y": "2"}) == "a{y}b2{y}"  # one pass: a value is never filled again
    with pytest.raises(ValueError, match="is not one of them"):
        fill("{x.real}", {"x": "1"})
