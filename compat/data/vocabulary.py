"""The fixed names every module shares, defined once and importable without cost: the sources a fact
comes from, the policies, the default package, the mmcv lines and the distributions that install mmcv
and mmengine, the platforms and the providers of prebuilt mmcv wheels."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Literal, Tuple

__all__ = ["DEFAULT_PACKAGE", "MMCV_DISTRIBUTIONS", "MMCV_LINES", "MMENGINE_DISTRIBUTIONS", "PLATFORMS", "POLICIES",
           "PROVIDERS", "SOURCES"]

#: The package a bare version (``0.28.0``) names, and the codebase doctor judges first.
DEFAULT_PACKAGE = "mmpose"
#: The upstream sources a fact can come from, in the order they are shown.
SOURCES = ("documented", "enforced", "installer")
#: The policies a question can be answered under; ``safe`` intersects every source there is.
POLICIES: Tuple[Literal["safe", "documented", "enforced", "installer"], ...] = (
    "safe", "documented", "enforced", "installer")
#: The mmcv lines a release can need: mmcv-full for MMPose 0.x, mmcv 2.x for 1.x.
MMCV_LINES = ("mmcv-full", "mmcv")
#: The distributions that all install the ``mmcv`` package folder (probe.VERIFIED repeats them: the probe
#: runs alone in other interpreters; a test keeps the two equal).
MMCV_DISTRIBUTIONS = ("mmcv-full", "mmcv", "mmcv-lite", "onedl-mmcv")
#: The distributions that install the ``mmengine`` package folder (onedl-mmengine is onedl-mmcv's).
MMENGINE_DISTRIBUTIONS = ("mmengine", "onedl-mmengine")
#: mmcompat's names for the platforms wheels are made for.
PLATFORMS = ("linux", "windows", "macos")
#: Who makes the prebuilt mmcv wheels a stack may use (``any``: OpenMMLab's first, then onedl's).
PROVIDERS = ("openmmlab", "onedl", "any")
