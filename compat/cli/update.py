"""``update`` and ``harvest``: keeping the matrix current.
"""

from __future__ import annotations

import sys

from .output import PROG, write, write_file, write_json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional

    from . import Options

__all__ = ["cmd_harvest", "cmd_update"]


def cmd_update(options: "Options") -> int:
    from ..data.update import reset, update
    from ..errors import UsageError

    if options.reset:
        from ..cache import cache_dir
        from ..data.locate import locate

        given = [flag for flag, value in (("--url", options.url), ("--sha256", options.sha256),
                                          ("--timeout", options.timeout)) if value is not None]
        if given:
            raise UsageError(f"--reset downloads nothing: it takes no {', '.join(given)}")
        removed = reset()
        path, origin = locate()
        if options.json:
            write_json({"removed": removed, "cache": cache_dir(), "matrix": path, "matrix_origin": origin})
        else:
            lines = [f"removed {p}" for p in removed] or [f"nothing to remove: no cached matrix in {cache_dir()}"]
            write("\n".join([*lines, f"in effect: {path} ({origin})"]) + "\n")
        return 0
    progress = None
    if sys.stderr.isatty():
        def progress(done: int, total: "Optional[int]") -> None:
            shown = f"{done // 1024} KiB" + (f" of {total // 1024} KiB" if total else "")
            sys.stderr.write(f"\r{PROG}: downloading {shown}")
            sys.stderr.flush()

    timeout = 5.0 if options.timeout is None else options.timeout
    try:
        result = update(options.url, sha256=options.sha256, timeout=timeout, progress=progress)
    finally:
        if progress is not None:
            sys.stderr.write("\n")
    if options.json:
        write_json({"url": result.url, "matrix": result.path, "size": result.size, "sha256": result.sha256,
               "changed": result.changed, "generated": result.generated})
    else:
        state = "updated" if result.changed else "already current"
        write(f"{state}: {result.path} ({result.size} bytes, sha256 {result.sha256}) from {result.url}\n")
    return 0


def cmd_harvest(options: "Options") -> int:
    from .. import harvest
    from ..data.locate import embedded_path
    from ..errors import UsageError

    registry_only = (harvest.plan.NUMPY_ABI, harvest.plan.TORCH)
    if options.package not in registry_only and not options.repo and not options.dist:
        raise UsageError("give --repo PATH or --dist FILE... (or --package numpy-abi or torch, which ask the "
                          "registry)")
    result = harvest.run(package=options.package, repo=options.repo, dists=options.dist or (), url=options.url,
                         branches=options.branches, faq_refs=options.faq_ref,
                         docs=[(path, url) for path, url in options.doc])
    if options.json or not options.write:
        write_json(result.shown)
        if not options.write:
            return 0
    from ..harvest.write import merged_text

    target = options.matrix or embedded_path()
    old, text = merged_text(target, result.parts)
    if old == text:
        sys.stderr.write(f"{PROG}: {target} is already what harvest produces\n")
        return 0
    import difflib

    diff = difflib.unified_diff(old.splitlines(True), text.splitlines(True), target, target + " (harvested)")
    sys.stderr.writelines(diff) if options.json else write("".join(diff))
    write_file(target, text)
    return 0
