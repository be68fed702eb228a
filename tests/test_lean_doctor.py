"""doctor's short path (compat.environment.healthy) against diagnose on synthetic probe readings: whenever it
answers, its findings are diagnose's, word for word, and diagnose has nothing worse than information to
say; it answers for the everyday healthy environments (tests/test_package.py compares both paths on
real venvs in an installed wheel)."""

from __future__ import annotations

from copy import deepcopy
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compat.data.models import Matrix
from compat.data.tables import compile_tables
from compat.environment.diagnose import diagnose
from compat.environment.healthy import TABLES, healthy
from compat.environment.installed import from_probe
from compat.render.text import findings_text as lean_findings_text
from compat.render.views import findings_text

SITE = "/venv/lib/python3.11/site-packages"
OTHER = "/home/user/src"


@pytest.fixture(scope="module")
def tables(matrix: Matrix) -> Dict[str, Any]:
    every = compile_tables(matrix)
    return {key: every[key] for key in TABLES}  # what the command line reads: only these parts


def dist(name: str, version: str, location: str = SITE, **fields: Any) -> Dict[str, Any]:
    found = {"name": name, "version": version, "location": location,
             "metadata_dir": f"{location}/{name.replace('-', '_')}-{version}.dist-info", "problems": [],
             "has_ext": False, "missing": [], "changed": [], "editable": False, "files": 3}
    found.update(fields)
    return found


def reading(*dists: Dict[str, Any], imports: Optional[Dict[str, List[Dict[str, Any]]]] = None,
            torch: Optional[Dict[str, Any]] = None, shared: Tuple[Tuple[str, str], ...] = (),
            missing_editables: Tuple[Dict[str, str], ...] = ()) -> Dict[str, Any]:
    return {"distributions": list(dists), "imports": imports or {}, "missing_editables": list(missing_editables),
            "python": {"executable": "/venv/bin/python", "version": "3.11.7", "prefix": "/venv",
                       "platform": "linux", "path": [SITE], "externally_managed": False},
            "shared_files": [{"dists": list(pair), "count": 1, "examples": ["x/y.py"]} for pair in shared],
            "torch": torch}


def copy(name: str, version: Optional[str], location: str = SITE) -> Dict[str, Any]:
    return {"path": f"{location}/{name}", "version": version, "via": f"sys.path[1] {location}"}


def _typed(data: Dict[str, Any], matrix: Matrix) -> List[Tuple[str, str, str]]:
    return [(f.severity, f.code, f.message) for f in diagnose(from_probe(data), matrix)]


def _agree(data: Dict[str, Any], matrix: Matrix, tables: Dict[str, Any]) -> Optional[List[Tuple[str, str, str]]]:
    """The short path's answer, checked against diagnose's whenever there is one."""
    short = healthy(data, tables)
    if short is not None:
        typed = diagnose(from_probe(data), matrix)
        assert short == [(f.severity, f.code, f.message) for f in typed]
        assert all(f.severity == "info" and not f.fix for f in typed)
        assert lean_findings_text([(*f, ()) for f in short], "doctor") == findings_text(typed, "doctor")
    return short


TORCH_CU113 = {"version_file": f"{SITE}/torch/version.py", "version": "1.11.0+cu113", "cuda": "11.3",
               "distribution_version": "1.11.0+cu113"}

_HEALTHY = [
    reading(),
    reading(dist("numpy", "1.26.4"), dist("requests", "2.32.3")),
    reading(dist("mmpose", "0.28.0"), dist("mmcv-full", "1.5.0", has_ext=True, module_version="1.5.0"),
            dist("mmdet", "2.28.2")),
    reading(dist("mmpose", "0.28.0"), dist("mmcv-full", "1.5.0", has_ext=True, module_version="1.5.0"),
            dist("torch", "1.11.0+cu113"), torch=TORCH_CU113,
            imports={"mmpose": [copy("mmpose", "0.28.0")], "mmcv": [copy("mmcv", "1.5.0")], "mmdet": [],
                     "mmengine": []}),
    # mmengine 0.10.4 is in no range of the matrix: ranked among its versions
    reading(dist("mmpose", "1.3.2"), dist("mmcv", "2.1.0", has_ext=True, module_version="2.1.0"),
            dist("mmengine", "0.10.4"), dist("mmdet", "3.2.0"), dist("numpy", "1.26.4")),
    reading(dist("mmpose", "1.3.2"), dist("onedl-mmcv", "2.3.6", has_ext=True, module_version="2.3.6"),
            dist("onedl-mmengine", "0.10.8"), torch={"version": "2.8.0", "cuda": "12.8", "version_file": None}),
    # a CPU torch read from its metadata: the version's local part names no CUDA
    reading(dist("torch", "2.1.2+cpu"), torch={"version_file": None, "version": None, "cuda": None,
                                               "distribution_version": "2.1.2+cpu"}),
    # numpy 2 without a binary built against numpy 1.x
    reading(dist("numpy", "2.1.3"), dist("mmpose", "1.3.2"), dist("mmcv", "2.1.0", has_ext=True),
            dist("mmengine", "0.10.4")),
    # an editable install loads from its source folder
    reading(dist("mmpose", "1.3.2", editable=True, editable_path=f"{OTHER}/mmpose"),
            dist("mmcv", "2.1.0", has_ext=True), dist("mmengine", "0.10.4"),
            imports={"mmpose": [copy("mmpose", "1.3.2", OTHER)]}),
    # other codebases, each inside its own release's bounds
    reading(dist("mmsegmentation", "1.2.2"), dist("mmpretrain", "1.2.0"), dist("mmdet", "3.2.0"),
            dist("mmcv", "2.1.0", has_ext=True, module_version="2.1.0"), dist("mmengine", "0.10.4")),
]


@pytest.mark.parametrize("data", _HEALTHY)
def test_healthy_environments_are_answered_as_diagnose_answers(matrix: Matrix, tables: Dict[str, Any],
                                                               data: Dict[str, Any]) -> None:
    assert _agree(data, matrix, tables) is not None


def test_the_torch_line_names_the_prebuilt_wheels(matrix: Matrix, tables: Dict[str, Any]) -> None:
    short = _agree(_HEALTHY[3], matrix, tables)
    assert short == [("info", "torch", f"torch 1.11.0+cu113 (CUDA 11.3), read from {SITE}/torch/version.py; "
                      "prebuilt mmcv-full wheels for it: https://download.openmmlab.com/mmcv/dist/cu113/torch1.11.0/"
                      "index.html")]


_LEFT = [
    # diagnose reports each of these: the short path leaves them to it
    reading(dist("mmpose", "0.28.0"), dist("mmcv-full", "1.7.0", has_ext=True, module_version="1.7.0")),
    reading(dist("mmpose", "0.28.0"), dist("mmcv-full", "1.5.0", has_ext=True), dist("mmcv", "1.7.0")),
    reading(dist("mmpose", "0.28.0"), dist("mmcv", "1.7.0")),
    reading(dist("mmpose", "0.28.0")),
    reading(dist("mmpose", "1.3.2"), dist("mmcv", "2.1.0", has_ext=True)),
    reading(dist("mmpose", "1.3.2"), dist("mmcv", "2.1.0", has_ext=True), dist("mmengine", "0.10.4"),
            dist("mmdet", "2.28.2")),
    reading(dist("mmpose", "9.9.9")),
    reading(dist("mmpose", "0.28.0"), dist("mmcv-full", "1.5.0", has_ext=True, missing=["mmcv/ops/x.py"])),
    reading(dist("numpy", "2.1.3"), dist("xtcocotools", "1.14.3", wheel_tags=["cp311-cp311-manylinux_2_17_x86_64"])),
    reading(dist("a", "1.0"), dist("b", "1.0"), shared=(("a", "b"),)),
    reading(dist("a", "1.0", problems=["a-1.0.dist-info has no RECORD"])),
    reading(dist("mmpose", "0.28.0"), dist("mmcv-full", "1.5.0", has_ext=True),
            imports={"mmpose": [copy("mmpose", "0.29.0", OTHER)]}),
    reading(imports={"mmpose": [copy("mmpose", "0.28.0", OTHER)]}),
    reading(dist("mmpose", "0.28.0"), dist("mmcv-full", "1.5.0", has_ext=True),
            imports={"mmpose": [copy("mmpose", "0.28.0"), copy("mmpose", "0.28.0", OTHER)]}),
    reading(missing_editables=({"dist": "mmpose", "path": OTHER, "via": "direct_url.json"},)),
    reading(dist("mmpose", "1.3.2"), dist("mmcv", "2.1.0", has_ext=True), dist("mmengine", "0.10.4"),
            dist("onedl-mmengine", "0.10.8")),
    # mmsegmentation 1.2.2 asserts mmcv<2.2.0; mmdet 2.10.0 rejects mmcv-full 1.3.0 (an unpadded '<=1.3')
    reading(dist("mmsegmentation", "1.2.2"), dist("mmcv", "2.2.0", has_ext=True, module_version="2.2.0"),
            dist("mmengine", "0.10.4")),
    reading(dist("mmdet", "2.10.0"), dist("mmcv-full", "1.3.0", has_ext=True, module_version="1.3.0")),
    reading(dist("mmsegmentation", "9.9.9")),
]


@pytest.mark.parametrize("data", _LEFT)
def test_what_diagnose_reports_is_left_to_it(matrix: Matrix, tables: Dict[str, Any], data: Dict[str, Any]) -> None:
    assert healthy(data, tables) is None
    assert any(severity != "info" for severity, _, _ in _typed(data, matrix)) or data["imports"]


_VERSIONS = st.sampled_from(["0.28.0", "0.28", "1.3.2", "1.0.0", "0.29.0", "9.9.9", "1.0.0rc1", "", "2.1.0",
                             "1.5.0", "1.7.0", "1.3.8", "1.6.0", "2.0.1", "2.2.0", "2.3.6", "3.0.0", "2.1.0+cu118",
                             "0.10.4", "0.7.0", "1.0.0", "0.4.0", "2.28.2", "3.2.0", "3.3.0", "2.25.0", "v1.0",
                             "1.26.4", "2.1.3", "1.14.3"])
_NAMES = st.sampled_from(["mmpose", "mmcv-full", "mmcv", "mmcv-lite", "onedl-mmcv", "mmengine", "onedl-mmengine",
                          "mmdet", "mmsegmentation", "mmpretrain", "numpy", "xtcocotools", "torch", "requests"])
_DIST = st.builds(
    lambda name, version, ext, module, location, damaged, tags: dist(
        name, version, location, has_ext=ext, module_version=module, missing=["mmcv/x.py"] if damaged else [],
        wheel_tags=tags),
    _NAMES, _VERSIONS, st.booleans(), st.one_of(st.none(), _VERSIONS), st.sampled_from([SITE, SITE, OTHER]),
    st.integers(0, 9).map(lambda n: n == 0), st.sampled_from([[], ["cp311-cp311-manylinux_2_17_x86_64"]]))
_COPIES = st.lists(st.builds(copy, st.sampled_from(["mmpose", "mmcv", "mmdet", "mmengine"]),
                             st.one_of(st.none(), _VERSIONS), st.sampled_from([SITE, OTHER])), max_size=2)
_TORCH = st.one_of(st.none(), st.just(TORCH_CU113), st.builds(
    lambda v, c: {"version_file": None, "version": v, "cuda": c, "distribution_version": v},
    st.sampled_from(["2.1.2", "2.1.2+cu118", "2.8.0", ""]), st.sampled_from([None, "12.1", ""])))


_MUTATIONS = st.lists(st.one_of(
    st.tuples(st.just("version"), st.integers(0, 9), _VERSIONS),
    st.tuples(st.just("module_version"), st.integers(0, 9), st.one_of(st.none(), _VERSIONS)),
    st.tuples(st.just("no ops"), st.integers(0, 9), st.none()),
    st.tuples(st.just("add"), st.integers(0, 9), _DIST),
    st.tuples(st.just("drop"), st.integers(0, 9), st.none()),
    st.tuples(st.just("copies"), st.sampled_from(["mmpose", "mmcv", "mmdet", "mmengine"]), _COPIES),
    st.tuples(st.just("torch"), st.integers(0, 9), _TORCH),
), max_size=3)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.integers(0, len(_HEALTHY) - 1), mutations=_MUTATIONS)
def test_never_other_than_diagnose(matrix: Matrix, tables: Dict[str, Any], base: int,
                                   mutations: List[Tuple[str, Any, Any]]) -> None:
    """A healthy reading changed in up to three ways (a version, ops, a distribution more or less, a
    located copy, torch): the short path's findings are diagnose's, or it leaves the reading to diagnose."""
    data = deepcopy(_HEALTHY[base])
    dists = data["distributions"]
    for kind, where, value in mutations:
        if kind == "add":
            dists.insert(where % (len(dists) + 1), value)
        elif kind == "copies":  # a located copy is of the package it is named for
            data["imports"][where] = [dict(c, path=c["path"].rsplit("/", 1)[0] + "/" + where) for c in value]
        elif kind == "torch":
            data["torch"] = value
        elif dists:
            target = dists[where % len(dists)]
            if kind == "drop":
                dists.remove(target)
            elif kind == "no ops":
                target["has_ext"] = False
            else:
                target[kind] = value
    _agree(data, matrix, tables)
