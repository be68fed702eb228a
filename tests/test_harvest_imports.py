"""The OpenMMLab packages a release's API imports unconditionally (compat.harvest.imports), on small
sources written here, on a real git repository built here, and on the fetched open-mmlab/mmpose."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from compat.harvest.git import GitRepo
from compat.harvest.imports import RequiredImport, required_imports, unconditional_imports

UPSTREAM_MIRROR = Path(os.environ.get("MMCOMPAT_UPSTREAM_MMPOSE", "/work/.mirror/open-mmlab+mmpose/repo"))

CONDITIONAL = """\
import os
try:
    import mmdet
except ImportError:
    mmdet = None
try:
    from mmtrack import x
except (ValueError, ModuleNotFoundError):
    pass
if os.environ.get("X"):
    import mmseg
def later():
    import mmocr
class Holder:
    import mmyolo
with open(__file__):
    import mmcls
try:
    import mmpretrain
finally:
    pass
"""


@pytest.mark.parametrize("source, module, is_package, expected", [
    ("import a.b, c\n", "p.m", False, [("a.b", [], 1), ("c", [], 1)]),
    ("from . import heads\n", "p.models", True, [("p.models", ["heads"], 1)]),
    ("from .heads import *\n", "p.models", True, [("p.models.heads", [], 1)]),
    ("from ..utils import f\n", "p.models.x", False, [("p.utils", ["f"], 1)]),
    ("from ...... import f\n", "p.m", False, []),
    (CONDITIONAL, "p.m", False, [("os", [], 1), ("mmcls", [], 17), ("mmpretrain", [], 19)]),
    ("def broken(:\n", "p.m", False, []),
])
def test_unconditional_imports(source: str, module: str, is_package: bool,
                               expected: List[Tuple[str, List[str], int]]) -> None:
    assert unconditional_imports(source, module, is_package=is_package) == expected


def _reader(files: Dict[str, str]):  # type: ignore[no-untyped-def]
    def read(path: str) -> Optional[str]:
        return files.get(path)
    return read


PACKAGE = {
    "pkg/__init__.py": "import mmcv\nfrom .version import v\n",
    "pkg/version.py": "v = '1'\n",
    "pkg/apis/__init__.py": "from .inference import run\n",
    "pkg/apis/inference.py": "from pkg.models import build\ntry:\n    import mmdet\nexcept ImportError:\n    pass\n",
    "pkg/models/__init__.py": "from .heads import *\nfrom . import necks\n",
    "pkg/models/heads/__init__.py": "from .rtmo import Head\n",
    "pkg/models/heads/rtmo.py": "import torch\nfrom mmengine.model import BaseModule\nfrom mmdet.utils import X\n",
    "pkg/models/necks.py": "import mmpretrain.models\n",
    "pkg/unused.py": "import mmseg\n",
}


def test_required_imports_follow_the_api() -> None:
    assert sorted(required_imports(_reader(PACKAGE), "pkg")) == [
        RequiredImport("mmcv", "mmcv", "pkg/__init__.py", 1),
        RequiredImport("mmdet", "mmdet.utils", "pkg/models/heads/rtmo.py", 3),
        RequiredImport("mmengine", "mmengine.model", "pkg/models/heads/rtmo.py", 2),
        RequiredImport("mmpretrain", "mmpretrain.models", "pkg/models/necks.py", 1),
    ]


def test_required_imports_without_the_api() -> None:
    files = {k: v for k, v in PACKAGE.items() if not k.startswith("pkg/models/")}
    assert [i.module for i in required_imports(_reader(files), "pkg")] == ["mmcv"]


def test_required_imports_from_a_git_repository(tmp_path: Path) -> None:
    repo = tmp_path / "pkg"
    for name, text in PACKAGE.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()
    assert GitRepo(str(repo)).required_imports(head, "pkg") == required_imports(_reader(PACKAGE), "pkg")


@pytest.mark.skipif(not UPSTREAM_MIRROR.is_dir(), reason="no open-mmlab/mmpose clone (set MMCOMPAT_UPSTREAM_MMPOSE)")
@pytest.mark.parametrize("tag, mmdet", [
    ("v0.28.0", None), ("v0.29.0", None), ("v1.2.0", None),
    ("v1.3.0", ("mmdet.utils", "mmpose/models/heads/hybrid_heads/rtmo_head.py", 9)),
    ("v1.3.2", ("mmdet.utils", "mmpose/models/heads/hybrid_heads/rtmo_head.py", 9)),
])
def test_mmpose_requires_mmdet_from_1_3_0(tag: str, mmdet: Optional[Tuple[str, str, int]]) -> None:
    repo = GitRepo(str(UPSTREAM_MIRROR))
    tags, _ = repo.refs()
    found = {i.module: (i.imported, i.path, i.line) for i in repo.required_imports(tags[tag], "mmpose")}
    assert found.get("mmdet") == mmdet
    assert "mmcv" in found
