"""Which interpreter ``--python`` names, found with nothing heavier than ``os`` and ``shutil`` (doctor's
first step runs it on every start)."""

from __future__ import annotations

import os
import shutil

from ..errors import BadInput, shown

__all__ = ["find_interpreter"]


def find_interpreter(text: str) -> str:
    """``--python``: an interpreter path, a venv or conda environment folder (its ``bin/python`` or
    ``python.exe``), or a name on PATH (``python3.10``); :class:`BadInput` naming what was tried."""
    tried = [text]
    if os.path.isdir(text):
        candidates = [os.path.join(text, "bin", "python"), os.path.join(text, "bin", "python3"),
                      os.path.join(text, "python.exe"), os.path.join(text, "Scripts", "python.exe")]
        for candidate in candidates:
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        tried = candidates
    elif os.path.isfile(text):
        if os.access(text, os.X_OK):
            return text
    elif os.sep not in text:
        found = shutil.which(text)
        if found:
            return found
        tried = [f"{text} on PATH"]
    raise BadInput(f"--python {shown(text)} is not an interpreter, an environment folder or a name on PATH "
                   f"(tried {', '.join(tried)[:300]})", value=text)
