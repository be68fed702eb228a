"""``compatible``, ``wheels`` and ``matrix``: what the matrix says, asked directly.
"""

from __future__ import annotations

import os
import sys

from .output import PROG, dumps, load_matrix, terminal, write, write_json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Optional, Tuple

    from ..data.models import Matrix
    from . import Options

__all__ = ["cmd_compatible", "cmd_matrix", "cmd_wheels", "matrix_selection"]


def cmd_compatible(options: "Options") -> int:
    from ..answers.accepts import accepting, describe
    from ..render.views import compatible_dict, compatible_text

    matrix = load_matrix(options.matrix)
    if options.package is None:  # every codebase, grouped
        from ..answers.accepts import accepting_everywhere
        from ..render.views import compatible_grouped_dict, compatible_grouped_text, describe_grouped

        found = accepting_everywhere(options.requirement, policy=options.policy, matrix=matrix)
        write(dumps(compatible_grouped_dict(found, matrix)) if options.json else compatible_grouped_text(found))
        sys.stderr.write(f"{PROG}: {describe_grouped(found)}\n")
        return 0 if any(a.releases for a in found) else 1
    table = matrix.package(options.package)
    acceptance = accepting(options.requirement, policy=options.policy, matrix=matrix,
                           package=table.name if table is not None else options.package)
    if options.json:
        write_json(compatible_dict(acceptance, matrix))
    else:
        write(compatible_text(acceptance.releases))
    for line in describe(acceptance):
        sys.stderr.write(f"{PROG}: {line}\n")
    return 0 if acceptance.releases else 1


def cmd_wheels(options: "Options") -> int:
    from ..answers.availability import wheel_question
    from ..render.text import wheels_json_body, wheels_json_text

    short = not (options.matrix or options.debug)

    compiled = None
    if short:  # the tables and rows compiled into the wheel for the matrix in effect
        from ..data.compiled import wheel_rows
        from ..data.locate import locate

        where, origin = locate(None, os.environ)
        compiled = wheel_rows(where)
    if compiled is not None:
        tables, every = compiled
    else:
        from ..data.tables import tables_for

        matrix = load_matrix(options.matrix)
        tables, every, where, origin = tables_for(matrix), None, matrix.path, matrix.origin
    rows = wheel_question(tables, options.dist, platform=options.platform, cuda=options.cuda, torch=options.torch,
                          python_version=options.python_version, rows=every)
    if options.json:
        write(wheels_json_text(wheels_json_body(rows), where, origin))
    elif terminal():
        from ..render.views import wheels_rich

        wheels_rich(rows, sys.stdout)
    else:
        from ..render.text import wheels_text

        write(wheels_text(rows))
    if not rows:
        sys.stderr.write(f"{PROG}: no prebuilt wheel matches\n")
        return 1
    return 0


def cmd_matrix(options: "Options") -> int:
    from ..render.views import matrix_dict, matrix_rich, matrix_rows, matrix_text

    matrix = load_matrix(options.matrix)
    if options.source:
        from ..data.update import cache_age, describe_time

        # a cached matrix in effect hides the embedded one, which an upgrade of mmcompat may have renewed
        age = cache_age() if matrix.origin == "cache" else None
        if options.json:
            source: "Dict[str, Any]" = {"matrix": matrix.path, "matrix_origin": matrix.origin,
                                        "generated": matrix.generated}
            if age is not None:
                source.update(modified=describe_time(age.cached_modified), older_than_embedded=age.older,
                              embedded={"matrix": age.embedded_path, "generated": age.embedded_generated,
                                        "modified": describe_time(age.embedded_modified)})
            write_json(source)
        else:
            write(f"{matrix.path} ({matrix.origin})\n")
            if age is not None:
                advice = f"; '{PROG} update --reset' removes the cached one" if age.older else ""
                write(f"the cached matrix (generated {age.cached_generated!r}, file time "
                       f"{describe_time(age.cached_modified)}) is {'older' if age.older else 'not older'} than "
                       f"the embedded one {age.embedded_path} (generated {age.embedded_generated!r}, file time "
                       f"{describe_time(age.embedded_modified)}){advice}\n")
        return 0
    selection = matrix_selection(options, matrix)
    rows = matrix_rows(matrix, *selection)
    if not rows:
        sys.stderr.write(f"{PROG}: no row matches\n")
        return 1
    if options.json:
        from ..data.tables import tables_for

        write_json(matrix_dict(matrix, tables_for(matrix), *selection))
    elif terminal():
        matrix_rich(matrix, rows, sys.stdout)
    else:
        write(matrix_text(rows))
    return 0


def matrix_selection(options: "Options", matrix: "Matrix") -> "Tuple[Optional[str], Optional[str], Optional[str]]":
    """(package, release key, distribution) chosen by ``matrix PACKAGE[==V] --dist NAME``."""
    from ..errors import BadInput, UnknownRelease, shown

    package, release, dist = None, None, None
    if options.select:
        name, separator, key = options.select.strip().partition("==")
        package = name.strip().lower()
        if separator and not key.strip():
            raise BadInput(f"no release after '==' in {shown(options.select)}; give PACKAGE or PACKAGE==VERSION, "
                           "e.g. mmpose==0.28.0", value=options.select)
        table = matrix.package(package)
        if table is None:
            raise BadInput(f"the matrix has no package {shown(package)}; known: {', '.join(sorted(matrix.packages))}",
                           value=options.select)
        package = table.name  # named by its import package: mmseg is mmsegmentation's table
        if key:
            release = key.strip()
            if release not in table.branches and not any(r.key == release for r in table.releases):
                from packaging.version import Version

                from ..answers.resolver import nearest_releases

                try:
                    near = nearest_releases(table, Version(release))
                except ValueError:
                    near = ()
                raise UnknownRelease(package, release, near)
    if options.dist:
        dist = options.dist.strip().lower()
        known = {d.name for t in matrix.packages.values() for r in t.releases for d in r.dependencies}
        if dist not in known:
            raise BadInput(f"no release records {shown(dist)}; known: {', '.join(sorted(known))}", value=dist)
    return package, release, dist
