"""doctor's judgement (compat.checks.diagnose), fast, on synthetic environments and probe readings
against the real matrix, handed over typed or as the compiled tables the command line reads; packaging is
the oracle for judging a version (tests/test_doctor.py reads real venvs with real pip for what needs them,
tests/test_package.py runs doctor in an installed wheel)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest

from compat.checks.diagnose import TABLES, MatrixFacts, Versions, diagnose
from compat.data.models import Matrix
from compat.data.tables import compile_tables
from compat.environment.installed import from_probe
from compat.environment.records import Environment, Finding, ImportCopy, InstalledDistribution, TorchInfo

SITE = "/venv/lib/python3.11/site-packages"
PY = "/venv/bin/python"


def dist(text: str, **fields: object) -> InstalledDistribution:
    name, version = text.split("==")
    return InstalledDistribution(name, version, SITE, f"{SITE}/{name}-{version}.dist-info", **fields)  # type: ignore[arg-type]


def env(*dists: InstalledDistribution, torch: Optional[TorchInfo] = None, python: str = "3.8.18") -> Environment:
    return Environment(PY, python, "linux", tuple(dists), (), torch)


def by_code(findings: tuple) -> Dict[str, List[Finding]]:
    found: Dict[str, List[Finding]] = {}
    for finding in findings:
        found.setdefault(finding.code, []).append(finding)
    return found


def test_a_clean_stack_has_no_errors(matrix: Matrix) -> None:
    findings = diagnose(env(dist("mmpose==0.28.0"), dist("mmcv-full==1.5.3", has_ext=True, module_version="1.5.3")),
                        matrix)
    assert [f for f in findings if f.severity != "info"] == []


def test_out_of_range_quotes_the_assertion_and_plans_through_mmcompat(matrix: Matrix) -> None:
    findings = by_code(diagnose(env(dist("mmpose==0.28.0"),
                                    dist("mmcv-full==1.7.0", has_ext=True, module_version="1.7.0")), matrix))
    (finding,) = findings["mmcv-outside-enforced"]
    assert finding.severity == "error"
    assert finding.message.endswith("AssertionError: MMCV==1.7.0 is used but incompatible. Please install "
                                    "mmcv>=1.3.8, <=1.6.0.")
    assert finding.fix == (f"mmcompat install mmpose==0.28.0 --python {PY}",)  # no torch: never a bare pip compile


def test_with_torch_the_fix_is_the_prebuilt_wheel_only(matrix: Matrix) -> None:
    torch = TorchInfo("1.11.0+cu113", "11.3", f"{SITE}/torch/version.py")
    findings = by_code(diagnose(env(dist("mmpose==0.28.0"), dist("torch==1.11.0+cu113"),
                                    dist("mmcv-full==1.7.0", has_ext=True, module_version="1.7.0"), torch=torch),
                                matrix))
    url = "https://download.openmmlab.com/mmcv/dist/cu113/torch1.11.0/index.html"
    assert findings["mmcv-outside-enforced"][0].fix == (
        f"{PY} -m pip install 'mmcv-full>=1.3.8,<1.6.0' -f {url} --only-binary mmcv-full",)


@pytest.mark.parametrize("torch, expected", [
    # torch known and a wheel exists for it: that wheel, with pip's cache bypassed (it may hold the broken build)
    (TorchInfo("1.11.0+cu113", "11.3", "x"),
     (f"{PY} -m pip install --force-reinstall --no-deps --no-cache-dir --only-binary mmcv-full mmcv-full==1.5.3 "
      "torch==1.11.0 torchvision==0.12.0 -f https://download.openmmlab.com/mmcv/dist/cu113/torch1.11.0/index.html",)),
    # no torch: mmcompat's plan, which installs torch first (never the command that built it without ops)
    (None, (f"{PY} -m pip uninstall -y mmcv-full", f"mmcompat install mmpose==0.28.0 --python {PY}")),
    # a torch no wheel fits (mmcv-full<1.6 has none for torch 1.13): a real source build against it
    (TorchInfo("1.13.1+cu117", "11.7", "x"),
     (f"{PY} -m pip uninstall -y mmcv-full", f"mmcompat install mmpose==0.28.0 --python {PY} --allow-build")),
    # not even a build fits this torch (mmcv-full 1.5 against torch 2.x): the dry run names the torch to use
    (TorchInfo("2.1.2+cu121", "12.1", "x"), (f"mmcompat install mmpose==0.28.0 --python {PY} --dry-run",)),
    # a torch whose version file says 'abc': no plan can pin it, so the dry run (which says why) is the fix
    (TorchInfo("abc", None, "x"), (f"mmcompat install mmpose==0.28.0 --python {PY} --dry-run",)),
])
def test_an_ops_less_mmcv_gets_a_fix_that_works(matrix: Matrix, torch: Optional[TorchInfo], expected: tuple) -> None:
    dists = [dist("mmpose==0.28.0"), dist("mmcv-full==1.5.3", has_ext=False, module_version="1.5.3")]
    if torch is not None:
        dists.append(dist(f"torch=={torch.version}"))
        dists.append(dist("torchvision==0.12.0"))
    findings = by_code(diagnose(env(*dists, torch=torch), matrix))
    (finding,) = findings["mmcv-without-ops"]
    assert finding.severity == "error" and finding.fix == expected


def test_two_mmcv_distributions(matrix: Matrix) -> None:
    findings = by_code(diagnose(env(dist("mmpose==0.28.0"), dist("mmcv-full==1.5.3", has_ext=True),
                                    dist("mmcv==1.7.0")), matrix))
    assert findings["multiple-mmcv"][0].fix[0] == f"{PY} -m pip uninstall -y mmcv-full mmcv"


def test_the_imported_copy_is_judged(matrix: Matrix) -> None:
    shadow = ImportCopy("/home/me/mmpose/mmpose", "0.28.0", "sys.path[1] /home/me/mmpose")
    installed = ImportCopy(f"{SITE}/mmpose", "1.3.2", f"sys.path[5] {SITE}")
    environment = Environment(PY, "3.11.7", "linux", (dist("mmpose==1.3.2"), dist("mmcv-lite==2.1.0"),
                                                      dist("mmengine==0.10.4")), (), None,
                              imports={"mmpose": (shadow, installed)})
    findings = by_code(diagnose(environment, matrix))
    assert "import-shadowed" in findings and "mmcv-outside-enforced" in findings
    assert "mmpose 0.28.0 asserts at import" in findings["mmcv-outside-enforced"][0].message


def test_onedl_mmcv_is_an_mmcv_distribution(matrix: Matrix) -> None:
    judged = by_code(diagnose(env(dist("mmpose==1.3.2"), dist("onedl-mmcv==2.3.6", has_ext=True),
                                  dist("onedl-mmengine==0.10.12"), python="3.10.13"), matrix))
    assert not [c for c in judged if c.startswith(("mmcv-", "mmengine-"))], judged
    # its own version is judged against the release's range: an onedl-mmcv past mmpose 1.3.2's bound fails
    past = by_code(diagnose(env(dist("mmpose==1.3.2"), dist("onedl-mmcv==3.1.0", has_ext=True),
                                dist("onedl-mmengine==0.10.12"), python="3.10.13"), matrix))
    assert past["mmcv-outside-enforced"][0].message.startswith(
        "import mmpose will fail: onedl-mmcv==3.1.0 (installed) is outside")
    both = by_code(diagnose(env(dist("mmpose==1.3.2"), dist("onedl-mmcv==2.3.6", has_ext=True),
                                dist("mmcv==2.1.0", has_ext=True), dist("mmengine==0.10.4"),
                                dist("onedl-mmengine==0.10.12"), python="3.10.13"), matrix))
    assert both["multiple-mmcv"][0].dists == ("mmcv", "onedl-mmcv")
    assert both["multiple-mmengine"][0].fix == (f"{PY} -m pip uninstall -y mmengine onedl-mmengine",)


# The command line hands diagnose the tables compiled into the wheel (only the parts it reads); a library
# caller hands it a typed matrix. One judgement: the same findings either way, on probe readings.

PROBED_SITE = "/venv/lib/python3.11/site-packages"
OTHER = "/home/user/src"


def probed(name: str, version: str, location: str = PROBED_SITE, **fields: Any) -> Dict[str, Any]:
    found = {"name": name, "version": version, "location": location,
             "metadata_dir": f"{location}/{name.replace('-', '_')}-{version}.dist-info", "problems": [],
             "has_ext": False, "missing": [], "changed": [], "editable": False, "files": 3}
    found.update(fields)
    return found


def reading(*dists: Dict[str, Any], imports: Optional[Dict[str, List[Dict[str, Any]]]] = None,
            torch: Optional[Dict[str, Any]] = None, shared: Tuple[Tuple[str, str], ...] = (),
            missing_editables: Tuple[Dict[str, str], ...] = ()) -> Dict[str, Any]:
    return {"distributions": list(dists), "imports": imports or {}, "missing_editables": list(missing_editables),
            "python": {"executable": PY, "version": "3.11.7", "prefix": "/venv",
                       "platform": "linux", "path": [PROBED_SITE], "externally_managed": False},
            "shared_files": [{"dists": list(pair), "count": 1, "examples": ["x/y.py"]} for pair in shared],
            "torch": torch}


def copy(name: str, version: Optional[str], location: str = PROBED_SITE) -> Dict[str, Any]:
    return {"path": f"{location}/{name}", "version": version, "via": f"sys.path[1] {location}"}


@pytest.fixture(scope="module")
def compiled(matrix: Matrix) -> MatrixFacts:
    every = compile_tables(matrix)
    return MatrixFacts({key: every[key] for key in TABLES}, matrix.path, load=lambda: matrix)


def _judged(data: Dict[str, Any], matrix: Matrix, compiled: MatrixFacts) -> Tuple[Finding, ...]:
    found = diagnose(from_probe(data), compiled)
    assert found == diagnose(from_probe(data), matrix)
    return found


TORCH_CU113 = {"version_file": f"{PROBED_SITE}/torch/version.py", "version": "1.11.0+cu113", "cuda": "11.3",
               "distribution_version": "1.11.0+cu113"}

HEALTHY = [
    reading(),
    reading(probed("numpy", "1.26.4"), probed("requests", "2.32.3")),
    reading(probed("mmpose", "0.28.0"), probed("mmcv-full", "1.5.0", has_ext=True, module_version="1.5.0"),
            probed("mmdet", "2.28.2")),
    reading(probed("mmpose", "0.28.0"), probed("mmcv-full", "1.5.0", has_ext=True, module_version="1.5.0"),
            probed("torch", "1.11.0+cu113"), torch=TORCH_CU113,
            imports={"mmpose": [copy("mmpose", "0.28.0")], "mmcv": [copy("mmcv", "1.5.0")], "mmdet": [],
                     "mmengine": []}),
    # mmengine 0.10.4 is in no range of the matrix: ranked among its versions
    reading(probed("mmpose", "1.3.2"), probed("mmcv", "2.1.0", has_ext=True, module_version="2.1.0"),
            probed("mmengine", "0.10.4"), probed("mmdet", "3.2.0"), probed("numpy", "1.26.4")),
    reading(probed("mmpose", "1.3.2"), probed("onedl-mmcv", "2.3.6", has_ext=True, module_version="2.3.6"),
            probed("onedl-mmengine", "0.10.8"), torch={"version": "2.8.0", "cuda": "12.8", "version_file": None}),
    # a CPU torch read from its metadata: the version's local part names no CUDA
    reading(probed("torch", "2.1.2+cpu"), torch={"version_file": None, "version": None, "cuda": None,
                                                 "distribution_version": "2.1.2+cpu"}),
    # numpy 2 without a binary built against numpy 1.x
    reading(probed("numpy", "2.1.3"), probed("mmpose", "1.3.2"), probed("mmcv", "2.1.0", has_ext=True),
            probed("mmengine", "0.10.4")),
    # an editable install loads from its source folder
    reading(probed("mmpose", "1.3.2", editable=True, editable_path=f"{OTHER}/mmpose"),
            probed("mmcv", "2.1.0", has_ext=True), probed("mmengine", "0.10.4"),
            imports={"mmpose": [copy("mmpose", "1.3.2", OTHER)]}),
    # other codebases, each inside its own release's bounds; versions packaging alone reads, of others
    reading(probed("mmsegmentation", "1.2.2"), probed("mmpretrain", "1.2.0"), probed("mmdet", "3.2.0"),
            probed("mmcv", "2.1.0", has_ext=True, module_version="2.1.0"), probed("mmengine", "0.10.4"),
            probed("certifi", "2026.10.19.post1"), probed("weird", "not a version")),
]


@pytest.mark.parametrize("data", HEALTHY)
def test_a_healthy_environment_has_only_information(matrix: Matrix, compiled: MatrixFacts,
                                                    data: Dict[str, Any]) -> None:
    found = _judged(data, matrix, compiled)
    assert all(f.severity == "info" and not f.fix for f in found), found
    assert [f.code for f in found] == (["torch"] if data["torch"] else [])


def test_the_torch_line_names_the_prebuilt_wheels(matrix: Matrix, compiled: MatrixFacts) -> None:
    (found,) = _judged(HEALTHY[3], matrix, compiled)
    assert found.message == (f"torch 1.11.0+cu113 (CUDA 11.3), read from {PROBED_SITE}/torch/version.py; prebuilt "
                             "mmcv-full wheels for it: https://download.openmmlab.com/mmcv/dist/cu113/torch1.11.0/"
                             "index.html")
    # OpenMMLab's pages stop at torch 2.4: for a newer torch (the onedl plan's) the line names no page
    site = f"{PROBED_SITE}/torch/version.py"
    newer = reading(probed("mmpose", "1.3.2"), probed("onedl-mmcv", "2.3.6", has_ext=True, module_version="2.3.6"),
                    probed("onedl-mmengine", "0.10.12"), probed("torch", "2.13.0+cpu"),
                    torch={"version_file": site, "version": "2.13.0+cpu", "cuda": None,
                           "distribution_version": "2.13.0+cpu"})
    assert [f.message for f in _judged(newer, matrix, compiled) if f.code == "torch"] == [
        f"torch 2.13.0+cpu (CPU), read from {site}"]
    older = reading(probed("mmpose", "1.3.2"), probed("mmcv", "2.1.0", has_ext=True, module_version="2.1.0"),
                    probed("mmengine", "0.10.4"), probed("mmdet", "3.2.0"), probed("torch", "2.1.2+cpu"),
                    torch={"version_file": site, "version": "2.1.2+cpu", "cuda": None,
                           "distribution_version": "2.1.2+cpu"})
    assert [f.message for f in _judged(older, matrix, compiled) if f.code == "torch"] == [
        f"torch 2.1.2+cpu (CPU), read from {site}; prebuilt mmcv wheels for it: "
        "https://download.openmmlab.com/mmcv/dist/cpu/torch2.1/index.html"]


REPORTED = [
    (reading(probed("mmpose", "0.28.0"), probed("mmcv-full", "1.7.0", has_ext=True, module_version="1.7.0")),
     "mmcv-outside-enforced"),
    (reading(probed("mmpose", "0.28.0"), probed("mmcv-full", "1.5.0", has_ext=True), probed("mmcv", "1.7.0")),
     "multiple-mmcv"),
    (reading(probed("mmpose", "0.28.0"), probed("mmcv", "1.7.0")), "mmcv-outside-enforced"),
    (reading(probed("mmpose", "0.28.0")), "mmcv-missing"),
    (reading(probed("mmpose", "1.3.2"), probed("mmcv", "2.1.0", has_ext=True)), "mmengine-missing"),
    (reading(probed("mmpose", "1.3.2"), probed("mmcv", "2.1.0", has_ext=True), probed("mmengine", "0.10.4"),
             probed("mmdet", "2.28.2")), "mmdet-mismatch"),
    (reading(probed("mmpose", "9.9.9")), "unknown-release"),
    (reading(probed("mmpose", "0.28.0"), probed("mmcv-full", "1.5.0", has_ext=True, missing=["mmcv/ops/x.py"])),
     "mmcv-files-damaged"),
    (reading(probed("numpy", "2.1.3"),
             probed("xtcocotools", "1.14.3", wheel_tags=["cp311-cp311-manylinux_2_17_x86_64"])), "numpy-abi"),
    (reading(probed("a", "1.0"), probed("b", "1.0"), shared=(("a", "b"),)), "shared-files"),
    (reading(probed("a", "1.0", problems=["a-1.0.dist-info has no RECORD"])), "damaged-metadata"),
    (reading(probed("mmpose", "0.28.0"), probed("mmcv-full", "1.5.0", has_ext=True),
             imports={"mmpose": [copy("mmpose", "0.29.0", OTHER)]}), "import-shadowed"),
    (reading(imports={"mmpose": [copy("mmpose", "0.28.0", OTHER)]}), "import-not-installed"),
    (reading(probed("mmpose", "0.28.0"), probed("mmcv-full", "1.5.0", has_ext=True),
             imports={"mmpose": [copy("mmpose", "0.28.0"), copy("mmpose", "0.28.0", OTHER)]}), "import-duplicates"),
    (reading(missing_editables=({"dist": "mmpose", "path": OTHER, "via": "direct_url.json"},)), "editable-missing"),
    (reading(probed("mmpose", "1.3.2"), probed("mmcv", "2.1.0", has_ext=True), probed("mmengine", "0.10.4"),
             probed("onedl-mmengine", "0.10.8")), "multiple-mmengine"),
    # mmsegmentation 1.2.2 asserts mmcv<2.2.0; mmdet 2.10.0 rejects mmcv-full 1.3.0 (an unpadded '<=1.3')
    (reading(probed("mmsegmentation", "1.2.2"), probed("mmcv", "2.2.0", has_ext=True, module_version="2.2.0"),
             probed("mmengine", "0.10.4")), "mmcv-outside-enforced"),
    (reading(probed("mmdet", "2.10.0"), probed("mmcv-full", "1.3.0", has_ext=True, module_version="1.3.0")),
     "mmcv-outside-enforced"),
    (reading(probed("mmsegmentation", "9.9.9")), "unknown-release"),
    # a release candidate the matrix does not know: packaging orders it, below 2.0.0 (mmcv>=2.0.0rc4 holds)
    (reading(probed("mmpose", "1.3.2"), probed("mmcv", "2.0.0rc9", has_ext=True), probed("mmengine", "0.10.4")),
     "mmcv-outside-safe"),
    # 0.28 is the release 0.28.0; mmcv-full 1.05.0 is 1.5.0, written as packaging writes it
    (reading(probed("mmpose", "0.28"), probed("mmcv-full", "01.7.0", has_ext=True)), "mmcv-outside-enforced"),
]


@pytest.mark.parametrize("data, code", REPORTED)
def test_what_is_wrong_is_reported(matrix: Matrix, compiled: MatrixFacts, data: Dict[str, Any], code: str) -> None:
    assert code in {f.code for f in _judged(data, matrix, compiled)}


def test_a_fork_owns_the_import_package_it_installs(matrix: Matrix, compiled: MatrixFacts) -> None:
    """onedl-mmdetection installs ``mmdet`` and onedl-mmengine ``mmengine`` (the plan for MMPose on a new torch):
    the copies import loads are theirs, not copies no distribution owns; one no distribution owns still is."""
    onedl = (probed("mmpose", "1.3.2"), probed("onedl-mmcv", "2.3.6", has_ext=True, module_version="2.3.6"),
             probed("onedl-mmengine", "0.10.12"), probed("onedl-mmdetection", "3.5.1"))
    imports = {"mmdet": [copy("mmdet", "3.5.1")], "mmengine": [copy("mmengine", "0.10.12")],
               "mmcv": [copy("mmcv", "2.3.6")]}
    found = _judged(reading(*onedl, imports=imports), matrix, compiled)
    assert "import-not-installed" not in {f.code for f in found}, found
    alone = _judged(reading(*onedl[:3], imports=imports), matrix, compiled)  # no distribution installs mmdet
    assert [f.message for f in alone if f.code == "import-not-installed"] == [
        f"import mmdet loads {PROBED_SITE}/mmdet (3.5.1, sys.path[1] {PROBED_SITE}), which no installed "
        "distribution owns"]


def test_versions_are_written_as_packaging_writes_them(matrix: Matrix, compiled: MatrixFacts) -> None:
    found = by_code(_judged(REPORTED[-1][0], matrix, compiled))
    assert found["mmcv-outside-enforced"][0].message == (
        "import mmpose will fail: mmcv-full==1.7.0 (installed) is outside >=1.3.8,<=1.6.0, the range mmpose "
        "0.28.0 asserts at import: AssertionError: MMCV==1.7.0 is used but incompatible. Please install "
        "mmcv>=1.3.8, <=1.6.0.")


_ORACLE = ["1.5.0", "1.5", "1.6.0", "1.6.1", "1.3.8", "1.3.7", "2.0.0rc4", "2.0.0rc3", "2.0.0", "1.6.0.post1",
           "1.6.0rc1", "1.6.0.dev0", "1.7", "0.10.4", "9.9.9", "2.1.0+cu118", "1.5.0+cpu", "01.05.00", "1.3.8.0"]
_RULES = [">=1.3.8,<=1.6.0", ">=1.3.8,<1.6.0", ">1.6.0", ">=2.0.0rc4,<2.2.0", "==1.5.0", "<1.6.0",
          ">=1.3.8,!=1.5.0", ""]


@pytest.mark.parametrize("rule", _RULES)
@pytest.mark.parametrize("version", _ORACLE)
def test_an_exact_version_is_judged_as_packaging_judges_it(rule: str, version: str) -> None:
    """Versions.admits: by the ranks for the versions the tables know, for simple releases they place, by
    packaging for the rest; packaging is the oracle for each."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    from compat.data.ranges import Range
    from compat.data.tables import admitted, lean_range, ranked

    known = {"1.5.0", "1.6.0", "1.3.8", "2.0.0rc4", "2.2.0", "1.7.0", "2.0.0"}
    versions = ranked(known)
    tables = {"versions": versions, "extras": admitted(versions, {"!=1.5.0"})}
    r = lean_range(Range.parse(rule))
    assert r is not None
    stack = Versions(tables, {"x": version}, {}, {})
    assert stack.admits(r, "x") == SpecifierSet(rule).contains(Version(version), prereleases=True)
