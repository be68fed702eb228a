"""The shapes of the matrix's compiled tables (:mod:`compat.data.tables`) and of the stack search's values,
for the type checker. The lean modules import this under ``TYPE_CHECKING`` only, so it costs nothing at
run time; it imports nothing of mmcompat.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

__all__ = [
    "Agreement",
    "Answer",
    "Bound",
    "Choice",
    "DependencyData",
    "Failure",
    "Machine",
    "RangeData",
    "ReleaseData",
    "Tables",
    "Target",
]

Tables = Dict[str, Any]
#: What the install is for: platform, python, cuda, torch, torch_minor, torch_exact, torch_installed,
#: torchvision, driver ((version, where) or None); see :func:`compat.answers.question.machine`.
Machine = Dict[str, Any]
#: (text as written upstream, inclusive)
Bound = Tuple[str, bool]
#: (lower, upper, verbatim extra specifiers)
RangeData = Tuple[Optional[Bound], Optional[Bound], Tuple[str, ...]]
#: (name, optional, documented, enforced, installer, imported at module level: (module, path, line, source))
DependencyData = Tuple[str, bool, Optional[RangeData], Optional[RangeData], Optional[RangeData],
                       Optional[Tuple[str, str, int, str]]]
#: (package, key, version text, required, dependencies, is_branch)
ReleaseData = Tuple[str, str, str, bool, Tuple[DependencyData, ...], bool]
#: (package, release keys allowed, the text asked, its specifier text)
Target = Tuple[str, Tuple[str, ...], str, str]
#: (minor, CUDA variant, torch release to pin or "", torchvision or "")
Choice = Tuple[str, str, str, str]
#: releases that agree, their mmcv line, the ranges they leave, what each asked
Agreement = Tuple[Tuple[ReleaseData, ...], str, Dict[str, RangeData], Tuple[str, ...]]
#: how far a candidate got (see compat.answers.search), the clashing constraints
Failure = Tuple[int, Tuple[str, ...]]
#: an answer of compat.answers.search.solve
Answer = Dict[str, Any]
