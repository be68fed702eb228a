"""Build hook: compile the matrix into the wheel, so an installed mmcompat never parses TOML at start
and answers ``resolve TARGET`` from the compiled tables without loading the resolver.

The wheel gets ``compat/data/compat_matrix.marshal`` beside ``compat_matrix.toml``
(:mod:`compat.data.compiled`): the parsed TOML, the stack search's tables
(:mod:`compat.data.tables`) and the wheel table's rows, the digest of the TOML bytes
and the identity of the code that computed them. At run time each part is used only when the TOML
and the code are still exactly those. Editable installs get nothing: they read the checkout's TOML.
"""

from __future__ import annotations

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
        sys.path.insert(0, self.root)
        try:  # this checkout's own code, the code the wheel ships
            from compat.data.compiled import compile_matrix
            from compat.data.matrix import load
            from compat.data.tables import compile_tables
        finally:
            sys.path.remove(self.root)
        toml = os.path.join(self.root, "data", "compat_matrix.toml")
        with open(toml, "rb") as handle:
            raw = handle.read()
        from compat.data.matrix import parse_toml

        matrix = load(toml)
        tables = compile_tables(matrix)
        payload = compile_matrix(raw, parse_toml(raw.decode("utf-8"), path=toml), tables)
        self._folder = tempfile.mkdtemp(prefix="mmcompat-build-")
        target = os.path.join(self._folder, "compat_matrix.marshal")
        with open(target, "wb") as handle:
            handle.write(payload)
        build_data["force_include"][target] = "compat/data/compat_matrix.marshal"

    def finalize(self, version: str, build_data: Dict[str, Any], artifact_path: str) -> None:
        folder = getattr(self, "_folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
