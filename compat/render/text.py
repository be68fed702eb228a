"""Text of a stack answer from plain values, for the full path (:func:`compat.render.views.stack_text`) and
the short one (:mod:`compat.answers.compiled_stack`) alike, and of doctor's and guard's findings; imports
nothing, so the short path stays short."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

    from ..environment.records import Finding

    #: (distribution, version, platform, cuda, torch, CPython versions, evidence, source)
    Row = Tuple[Any, ...]

__all__ = ["WHEEL_COLUMNS", "findings_summary", "findings_text", "source_build_warning", "stack_json", "stack_text",
           "wheel_cells",
           "wheels_json_body", "wheels_json_text", "wheels_text"]

WHEEL_COLUMNS = ("distribution", "version", "platform", "cuda", "torch", "python", "evidence")


def stack_text(torch: Optional[Tuple[str, str, bool]], requirements: Sequence[str], find_links: Sequence[str],
               mmcv: str) -> str:
    """``resolve`` of a stack: pip-ready requirement lines, with comment lines naming where torch
    (``(version, index URL, installed)``) and the prebuilt mmcv come from (``pip install -r`` reads them
    as comments)."""
    lines = []
    if torch is not None and torch[2]:
        lines.append(f"# torch {torch[0]} is installed: keep it pinned")
    elif torch is not None:
        source = f"--index-url {torch[1]}" if torch[1] else "the registry"
        lines.append(f"# torch and torchvision from {source}")
    lines.extend(requirements)
    if find_links:
        lines.append(f"# prebuilt {mmcv} wheels: --find-links {find_links[0]}")
    return "".join(line + "\n" for line in lines)


def stack_json(targets: Sequence[str], answer: Mapping[str, Any], requirements: Sequence[str],
               driver: Optional[Tuple[str, str]], matrix: str, origin: str) -> Dict[str, Any]:
    """``resolve --json`` of a stack, from the search's answer (:func:`compat.answers.search.solve`: ``policy``,
    ``platform`` as (platform, CUDA, torch, CPython), ``torch`` as TorchPin's fields or None, ``pins``,
    ``find_links``, ``source_build``, ``explanation``), its requirement lines, the driver (version, where it
    was read) and the matrix's path and origin. The full path (:func:`compat.render.views.stack_dict`) and
    the short one render with this one function."""
    platform, cuda, torch_minor, python = answer["platform"][:4]
    torch = answer["torch"]
    return {
        "targets": list(targets),
        "policy": answer["policy"],
        "python": python or None,
        "platform": {"platform": platform, "cuda": cuda or None, "torch": torch_minor or None},
        "torch": None if torch is None else {
            "version": torch["version"], "torchvision": torch["torchvision"] or None, "cuda": torch["cuda"],
            "index_url": torch["index_url"] or None, "installed": torch["installed"],
        },
        "driver": None if driver is None else {"version": driver[0], "where": driver[1]},
        "pins": dict(answer["pins"]),
        "requirements": list(requirements),
        "find_links": list(answer["find_links"]),
        "source_build": answer["source_build"],
        "explanation": answer["explanation"],
        "matrix": matrix,
        "matrix_origin": origin,
    }


def source_build_warning(mmcv: str, version: str, platform: str) -> str:
    """What the command line says when a stack's mmcv must be compiled (``platform`` described)."""
    return (f"warning: {mmcv} {version} has no prebuilt wheel for {platform}: it must be compiled from source "
            "(mmcompat install --allow-build does it with the right prerequisites)")


def wheel_cells(row: Row) -> List[str]:
    """One prebuilt-wheel row (:func:`compat.answers.availability.wheel_rows`) as the table's cells."""
    cuda = row[3] if row[3] in ("cpu", "mps") else "cu" + row[3].replace(".", "")
    python = " ".join("cp" + p.replace(".", "") for p in row[5]) or "?"
    return [row[0], str(row[1]), row[2], cuda, f"torch{row[4]}", python, row[6]]


def wheels_text(rows: Sequence[Row]) -> str:
    """``mmcompat wheels`` as aligned plain text, one build per line."""
    table = [list(WHEEL_COLUMNS)] + [wheel_cells(r) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(WHEEL_COLUMNS))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() + "\n" for line in table)


def findings_text(findings: Sequence[Finding], subject: str) -> str:
    """``doctor``/``guard`` as plain text: one block per finding, fixes indented, a summary line last."""
    out = []
    for finding in findings:
        out.append(f"{finding.severity}[{finding.code}]: {finding.message}\n")
        for command in finding.fix:
            out.append(f"    fix: {command}\n")
    out.append(f"{subject}: {findings_summary([f.severity for f in findings])}\n")
    return "".join(out)


def findings_summary(severities: Sequence[str]) -> str:
    """``no problems found``, or how many errors and warnings there are."""
    errors, warnings = severities.count("error"), severities.count("warning")
    return f"{errors} error(s), {warnings} warning(s)" if errors or warnings else "no problems found"


def _json_string() -> Callable[[str], str]:
    """``json.dumps`` of a str: the C encoder it calls (importing json compiles its decoder's regexes)."""
    try:
        from _json import encode_basestring_ascii
    except ImportError:  # pragma: no cover - an interpreter without the C module
        from json.encoder import py_encode_basestring_ascii as encode_basestring_ascii
    return encode_basestring_ascii


def wheels_json_body(rows: Sequence[Row]) -> str:
    """The ``"wheels"`` array of ``mmcompat wheels --json``, one wheel per line (the table has
    thousands; a line per wheel also suits grep). The build compiles the whole table's once
    (:mod:`compat.data.compiled`)."""
    encode = _json_string()

    def dumps(value: Any) -> str:  # a str or a tuple of str, as json.dumps writes them
        return "[" + ", ".join(encode(v) for v in value) + "]" if isinstance(value, tuple) else encode(str(value))

    # a few hundred distinct values among thousands of rows: each encoded once
    distinct = set().union(*rows)
    strings = {value: dumps(value) for value in distinct}
    names = ("distribution", "version", "platform", "cuda", "torch", "python", "evidence", "source")
    line = "    {" + ", ".join(encode(name) + ": %s" for name in names) + "}"
    # one formatting of the whole table (values as arguments, never as format text): a third of the time
    body = ",\n".join([line] * len(rows)) % tuple([strings[value] for row in rows for value in row])
    return "[\n" + body + "\n  ]" if body else "[]"


def wheels_json_text(body: str, matrix_path: str, matrix_origin: str) -> str:
    """``mmcompat wheels --json``: ``{"wheels": [{distribution, version, platform, cuda, torch, python,
    evidence, source}, ...], "matrix": path, "matrix_origin": origin}``, indented as every ``--json``
    output; ``body`` is :func:`wheels_json_body` of the rows."""
    encode = _json_string()
    return (f'{{\n  "wheels": {body},\n  "matrix": {encode(matrix_path)},\n'
            f'  "matrix_origin": {encode(matrix_origin)}\n}}\n')
