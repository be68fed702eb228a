"""The addresses of OpenMMLab's prebuilt-wheel indexes (find-links pages), filled in from a rule of the
matrix: one definition for the typed records (:class:`compat.data.models.FindLinks`) and the plain tables."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Mapping, Optional, Sequence, Tuple

__all__ = ["TORCH_INDEX_NAMES", "TORCH_PART_NAMES", "URL_NAMES", "compiled_rule_url", "fill", "find_links_url",
           "template_problem", "torch_major_minor"]

#: The names each kind of template of the matrix may use, and nothing else: ``{name}`` is replaced by its
#: value, nothing is evaluated (no attribute or index access, no format spec, no escapes).
URL_NAMES = ("cuda", "torch")
TORCH_PART_NAMES = ("major", "minor")
TORCH_INDEX_NAMES = ("variant",)


def template_problem(template: str, names: "Sequence[str]") -> str:
    """Why ``template`` is not a template of ``names`` ("" when it is one): every ``{`` opens one of
    them and every ``}`` closes it."""
    at = 0
    while True:
        start = template.find("{", at)
        stray = template.find("}", at, len(template) if start < 0 else start)
        if stray >= 0:
            return f"a '}}' at {stray} closes nothing"
        if start < 0:
            return ""
        end = template.find("}", start)
        if end < 0:
            return f"the '{{' at {start} is not closed"
        name = template[start + 1:end]
        if name not in names:
            return f"{{{name[:40]}}} is not one of them"
        at = end + 1


def fill(template: str, values: "Mapping[str, str]") -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]``; ValueError when it is not a template
    of those names (:func:`template_problem`). The matrix is checked at load, so this never fails on it."""
    problem = template_problem(template, tuple(values))
    if problem:
        raise ValueError(problem)
    first, *pieces = template.split("{")
    out = [first]
    for piece in pieces:  # each is NAME}literal: checked above
        name, _, literal = piece.partition("}")
        out.extend((values[name], literal))
    return "".join(out)


def torch_major_minor(torch_version: str) -> "Tuple[str, str]":
    """(major, minor) of a torch release (``1.12.1+cu113`` -> ``("1", "12")``), as the wheel pages and the
    wheel tables name a torch."""
    release = torch_version.split("+", 1)[0].split(".")
    return release[0], release[1] if len(release) > 1 else "0"


def find_links_url(url: str, torch_part: str, torch_version: str, cuda: Optional[str]) -> str:
    """``url`` (with ``{cuda}`` and ``{torch}``) filled in for a torch release (``1.12.1+cu113``) and CUDA
    version (``11.3``; None: cpu); ``torch_part`` spells the torch part from ``{major}`` and ``{minor}``."""
    major, minor = torch_major_minor(torch_version)
    cuda_part = "cpu" if not cuda else "cu" + cuda.replace(".", "")
    return fill(url, {"cuda": cuda_part, "torch": fill(torch_part, {"major": major, "minor": minor})})


def compiled_rule_url(rule: Any, torch_version: str, cuda: Optional[str]) -> str:
    """:func:`find_links_url` of a rule as the compiled tables keep it: ``(distribution, url, torch,
    source)``."""
    return find_links_url(str(rule[1]), str(rule[2]), torch_version, cuda)
