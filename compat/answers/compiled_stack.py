"""The everyday stack question answered on the short path: targets written as releases (``mmpose==1.3.2``,
``mmdet``, ``0.28.0``) for the running interpreter, with no torch installed yet, from the tables compiled
into the wheel beside the matrix (:mod:`compat.data.compiled`). The answer comes from the one search
(:func:`compat.answers.search.solve`) that :func:`compat.answers.stack.resolve_stack` runs too; this module only reads
the question without ``packaging`` or typed records, so the run costs little more than Python's start.

:func:`stack_answer` returns None whenever it cannot read the question exactly that way (no compiled
tables for the matrix in effect, a range or a version the tables do not know, a torch already
installed, which the full path keeps and pins): the caller then takes the full path, which gives the
same answer. Bad input raises :class:`~compat.errors.BadInput` from the same checks as the full path.
"""

from __future__ import annotations

from . import availability, question, search
from .isolation import separate_builds
from .targets import read as read_targets

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Mapping, Optional, Sequence

__all__ = ["export_view", "stack_answer"]


def stack_answer(texts: Sequence[str], *, platform: Optional[str], cuda: Optional[str], torch: Optional[str],
                 python_version: Optional[str], policy: str, allow_build: bool, provider: str,
                 environ: Mapping[str, str], gpu: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """For the running interpreter: ``answer`` (:func:`compat.answers.search.solve`'s), ``machine``, ``tables``,
    ``targets``, ``matrix`` (its path and origin, as the full path names it), ``path`` and ``origin``; None:
    take the full path. Raises what :func:`compat.answers.search.solve` raises."""
    from ..data.compiled import tables as compiled_tables
    from ..data.locate import locate

    where, origin = locate(None, environ)
    tables = compiled_tables(where)
    if tables is None:
        return None
    if "modules" not in tables:  # tables of another format: the full path compiles its own
        return None
    targets = read_targets(tables, texts)
    from ..probe import has_distribution

    if has_distribution("torch"):  # kept and pinned: the full path reads it
        return None
    torch_text, release = question.torch_text(torch or "")
    driver = None
    if (cuda or "").strip().lower() in ("", "auto") and (platform or "").lower() != "macos":
        from ..environment.driver import detect

        detected = detect(environ)
        driver = None if detected is None else (detected.version, detected.where)
    from ..environment.gpu import detect as detect_gpu

    found_gpu = detect_gpu(gpu, environ, probe=(cuda or "").strip().lower() in ("", "auto")
                           and (platform or "").lower() != "macos")
    machine = question.machine(platform, cuda, torch_text, release, python_version, driver=driver,
                               gpu=found_gpu if found_gpu[0] else None)
    answer = search.solve(tables, targets, machine, policy=policy, allow_build=allow_build,
                          base_url=environ.get(question.ENV_MMCV_BASE) or None,
                          torch_index=environ.get(question.ENV_TORCH_INDEX) or None, provider=provider,
                          onedl_base=environ.get(question.ENV_ONEDL_BASE) or None)
    return {"answer": answer, "machine": machine, "tables": tables, "targets": targets,
            "matrix": f"{where} ({origin})", "path": where, "origin": origin}


def export_view(found: Dict[str, Any]) -> Dict[str, Any]:
    """What :func:`compat.answers.export.export_view` reads, from :func:`stack_answer`'s result."""
    answer, tables = found["answer"], found["tables"]
    line = answer["mmcv"]
    platform = answer["platform"]
    pythons = availability.mmcv_wheel_pythons(tables, line, answer["pins"][line], *platform[:3]) if line else ()
    return {"targets": [t[2] for t in found["targets"]], "platform": platform,
            "described": question.describe_platform(*platform), "policy": answer["policy"],
            "explanation": answer["explanation"], "torch": answer["torch"], "find_links": answer["find_links"],
            "mmcv": line, "source_build": answer["source_build"], "pins": answer["pins"],
            "requirements": search.answer_requirements(tables, answer), "pythons": pythons,
            "matrix": found["matrix"], "separate": separate_builds(tables, answer["pins"], platform[3])}
