"""Build hook: compile the matrix into the wheel, so an installed mmcompat never parses TOML at start.

The wheel gets ``compat/data/compat_matrix.marshal`` beside ``compat_matrix.toml``: the parsed TOML
(plain dicts, lists and strings, exactly what ``tomllib`` returns) with the content digest of the TOML
bytes it came from. :func:`compat.matrix.load` uses it only when that digest equals the digest of the
TOML file it reads, so an edited TOML is never answered from it, and validates it like any matrix.
Editable installs get nothing: they read the checkout's TOML.
"""

from __future__ import annotations

import marshal
import os
import shutil
import sys
import tempfile
from typing import Any, Dict

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompiledMatrix(BuildHookInterface):  # type: ignore[misc]  # hatchling ships no type information
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: Dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - older build interpreters
            import tomli as tomllib
        sys.path.insert(0, self.root)
        try:
            from compat.cache import content_digest
            from compat.matrix_compiled import FORMAT
        finally:
            sys.path.remove(self.root)
        with open(os.path.join(self.root, "data", "compat_matrix.toml"), "rb") as handle:
            raw = handle.read()
        payload = marshal.dumps({"format": FORMAT, "digest": content_digest(raw),
                                 "data": tomllib.loads(raw.decode("utf-8"))})
        self._folder = tempfile.mkdtemp(prefix="mmcompat-build-")
        target = os.path.join(self._folder, "compat_matrix.marshal")
        with open(target, "wb") as handle:
            handle.write(payload)
        build_data["force_include"][target] = "compat/data/compat_matrix.marshal"

    def finalize(self, version: str, build_data: Dict[str, Any], artifact_path: str) -> None:
        folder = getattr(self, "_folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
