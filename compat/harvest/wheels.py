"""mmcv's prebuilt wheels as its docs list them: the version picker's ``version.json`` on each mmcv
line's branch of a clone of open-mmlab/mmcv, as the matrix's ``[wheels]`` table."""

from __future__ import annotations

from typing import Dict, List

from packaging.version import Version

from ..errors import BadInput, CompatError
from .git import GitRepo

__all__ = ["WHEEL_DATA_PATH", "WHEEL_LINES", "harvest_wheel_builds", "parse_wheel_builds"]


#: Where mmcv's docs keep their version picker's data, and which branch documents which line.
WHEEL_DATA_PATH = "docs/en/_static/version.json"
WHEEL_LINES = (("1.x", "mmcv-full"), ("main", "mmcv"))
_PLATFORMS = {"linux": "linux", "windows": "windows", "macos": "macos"}


def parse_wheel_builds(text: str) -> List[Dict[str, object]]:
    """mmcv's ``version.json`` as rows ``{platform, cuda, torch, versions}`` (torch as ``major.minor``)."""
    import json

    try:
        data = json.loads(text)
    except ValueError as e:
        raise CompatError(f"{WHEEL_DATA_PATH} is not JSON: {e}") from e
    rows: List[Dict[str, object]] = []
    if not isinstance(data, dict):
        raise CompatError(f"{WHEEL_DATA_PATH} is not an object")
    for system, entries in data.items():
        platform = _PLATFORMS.get(str(system).lower())
        if platform is None or not isinstance(entries, list):
            continue
        for entry in entries:
            torch = str(entry.get("torch", "")).replace(".x", "")
            versions = [str(v) for v in entry.get("mmcv", [])]
            if not torch or not versions:
                continue
            rows.append({"platform": platform, "cuda": str(entry.get("cuda", "")), "torch": torch,
                         "versions": sorted(versions, key=Version, reverse=True)})
    return rows


def harvest_wheel_builds(repo: GitRepo, url: str) -> Dict[str, object]:
    """The ``[wheels]`` table: for each mmcv line, the prebuilt wheels mmcv's docs list, with provenance."""
    _, heads = repo.refs()
    table: Dict[str, object] = {}
    for branch, distribution in WHEEL_LINES:
        if branch not in heads:
            raise BadInput(f"branch {branch!r} not in {repo.path}", value=branch)
        text = repo.read(heads[branch], WHEEL_DATA_PATH)
        if text is None:
            raise BadInput(f"{WHEEL_DATA_PATH} not found on {branch}", value=branch)
        table[distribution] = {
            "source": f"{url}/blob/{heads[branch]}/{WHEEL_DATA_PATH}",
            "builds": parse_wheel_builds(text),
        }
    return table
