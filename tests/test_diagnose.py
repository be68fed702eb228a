"""doctor's judging, fast, on synthetic environments and the real matrix (tests/test_doctor.py reads real
venvs with real pip for what needs them)."""

from __future__ import annotations

from typing import Dict, List, Optional

import pytest

from compat.data.models import Environment, Finding, ImportCopy, InstalledDistribution, Matrix, TorchInfo
from compat.environment.diagnose import diagnose

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
