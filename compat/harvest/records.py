"""What every source of a harvest produces for one release: a :class:`HarvestedRelease`; and the
release key a tag, a version or a file name's version normalizes to."""

from __future__ import annotations

from typing import Mapping, Optional, Tuple

from packaging.version import Version

from ..data.record import Record, field
from .imports import RequiredImport
from .init_ast import EnforcedCheck

__all__ = ["HarvestedRelease", "release_key"]


class HarvestedRelease(Record):
    """Everything read for one ref: the enforced checks, the installer requirements, the other
    OpenMMLab packages its API imports unconditionally and the name it is distributed under."""

    key: str
    ref: str
    commit: str
    version: str
    is_branch: bool
    enforced: Tuple[EnforcedCheck, ...]
    installer: Mapping[str, str]
    imports: Tuple[RequiredImport, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    #: the distribution name its ``setup.py`` or metadata gives (``mmsegmentation`` for ``mmseg``)
    distribution: str = ""
    #: what could not be read for this ref (an installer file pip would refuse too), said in the matrix
    problems: Tuple[str, ...] = ()


def release_key(tag: str) -> Optional[str]:
    """The normalized release a tag or version text names (``v1.0.0rc1`` -> ``1.0.0rc1``); None when it
    names none (``nightly``)."""
    text = tag[1:] if tag[:1] in "vV" else tag
    try:
        return str(Version(text))
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return None
