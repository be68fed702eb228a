"""The addresses of OpenMMLab's prebuilt-wheel indexes (find-links pages), filled in from a rule of the
matrix: one definition for the typed records (:class:`compat.data.models.FindLinks`) and the plain tables."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Optional

__all__ = ["compiled_rule_url", "find_links_url"]


def find_links_url(url: str, torch_part: str, torch_version: str, cuda: Optional[str]) -> str:
    """``url`` (with ``{cuda}`` and ``{torch}``) filled in for a torch release (``1.12.1+cu113``) and CUDA
    version (``11.3``; None: cpu); ``torch_part`` spells the torch part from ``{major}`` and ``{minor}``."""
    release = torch_version.split("+", 1)[0].split(".")
    major, minor = release[0], release[1] if len(release) > 1 else "0"
    cuda_part = "cpu" if not cuda else "cu" + cuda.replace(".", "")
    return url.format(cuda=cuda_part, torch=torch_part.format(major=major, minor=minor))


def compiled_rule_url(rule: Any, torch_version: str, cuda: Optional[str]) -> str:
    """:func:`find_links_url` of a rule as the compiled tables keep it: ``(distribution, url, torch,
    source)``."""
    return find_links_url(str(rule[1]), str(rule[2]), torch_version, cuda)
