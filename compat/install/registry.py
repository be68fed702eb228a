"""Ask the package registry whether a release has a wheel the target interpreter can install.

The target's compatible tags come from its own pip (``PY -m pip debug --verbose``, the command line,
never pip's internals); the registry's files from its PEP 691 JSON index, over https with a timeout
and a size cap. When either cannot be had the answer is "unknown", with the reason.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any, Dict, FrozenSet, List, Optional, Sequence

from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ..data.record import Record
from ..errors import CompatError

__all__ = ["DEFAULT_SIMPLE", "ENV_SIMPLE", "WheelCheck", "compatible_tags", "index_url", "simple_files", "wheel_check"]

DEFAULT_SIMPLE = "https://pypi.org/simple/"
ENV_SIMPLE = "MMCOMPAT_SIMPLE_URL"
_CAP = 32 * 1024 * 1024


class WheelCheck(Record):
    """``available``: True or False when the registry was asked, None when it could not be (``reason``)."""

    name: str
    available: Optional[bool]
    reason: str = ""


def compatible_tags(python: str, timeout: float = 60.0) -> FrozenSet[str]:
    """Every wheel tag ``python`` accepts, as its pip lists them; raise :class:`CompatError` if it cannot."""
    try:
        done = subprocess.run([python, "-m", "pip", "debug", "--verbose"], capture_output=True, text=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CompatError(f"cannot run {python} -m pip debug: {e}") from e
    tags = []
    listing = False
    for line in done.stdout.splitlines():
        if line.startswith("Compatible tags:"):
            listing = True
            continue
        if listing:
            if not line.startswith(" "):
                break
            tags.append(line.strip())
    if done.returncode != 0 or not tags:
        raise CompatError(f"{python} -m pip debug --verbose listed no compatible tags")
    return frozenset(tags)


def index_url(name: str, base: Optional[str] = None) -> str:
    """The JSON simple index page of ``name``: ``base``, else ``MMCOMPAT_SIMPLE_URL``, else PyPI's."""
    root = base or os.environ.get(ENV_SIMPLE) or DEFAULT_SIMPLE
    return root.rstrip("/") + "/" + canonicalize_name(name) + "/"


def simple_files(name: str, base: Optional[str] = None, timeout: float = 10.0) -> List[Dict[str, Any]]:
    """The files of ``name`` on the registry's JSON simple index (https, or http to loopback only)."""
    import requests  # only callers that ask the registry pay for it

    from ..net import check_url

    url = check_url(index_url(name, base))
    try:
        response = requests.get(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"}, timeout=timeout,
                                stream=True)
        body = response.raw.read(_CAP + 1, decode_content=True)
    except requests.RequestException as e:
        raise CompatError(f"cannot reach {url}: {type(e).__name__}") from e
    if response.status_code != 200 or len(body) > _CAP:
        raise CompatError(f"cannot read {url}: HTTP {response.status_code}")
    import json

    try:
        files = json.loads(body.decode("utf-8")).get("files", [])
    except (ValueError, AttributeError) as e:
        raise CompatError(f"{url} is not a JSON simple index") from e
    return [f for f in files if isinstance(f, dict)]


def wheel_check(name: str, spec: str, tags: Sequence[str], *, base: Optional[str] = None,
                timeout: float = 10.0) -> WheelCheck:
    """Whether some release of ``name`` in ``spec`` has a wheel matching ``tags``."""
    try:
        files = simple_files(name, base, timeout)
    except CompatError as e:
        return WheelCheck(name, None, str(e))
    accepted = set(tags)
    wanted = SpecifierSet(spec)
    for entry in files:
        filename = str(entry.get("filename", ""))
        if not filename.endswith(".whl") or entry.get("yanked"):
            continue
        try:
            _, version, _, file_tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            continue
        if wanted.contains(version) and any(str(t) in accepted for t in file_tags):
            return WheelCheck(name, True)
    return WheelCheck(name, False)
