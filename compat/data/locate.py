"""Which matrix file is in effect, decided with nothing heavier than ``os`` (it runs on every start).

Order: an explicit path (``--matrix``) > the ``MMCOMPAT_MATRIX`` environment variable > the matrix
``mmcompat update`` put in the user cache > the matrix embedded in the package (inside the wheel, or
``data/`` of a source checkout). A cached matrix that does not load falls back to the embedded one
(see :func:`compat.data.matrix.load`).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Mapping, Optional, Tuple

    from .models import Origin

__all__ = ["CACHED_MATRIX_NAME", "ENV_MATRIX", "embedded_path", "locate"]

ENV_MATRIX = "MMCOMPAT_MATRIX"
#: The largest matrix file read (the embedded one is about 160 KB): a device node would never end.
MATRIX_LIMIT = 16 << 20
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # compat/, above data/
_MATRIX_NAME = "compat_matrix.toml"
CACHED_MATRIX_NAME = _MATRIX_NAME


def embedded_path() -> str:
    """The matrix shipped with mmcompat: in the wheel, else in the checkout this package runs from."""
    in_wheel = os.path.join(_PACKAGE_DIR, "data", _MATRIX_NAME)
    if os.path.isfile(in_wheel):
        return in_wheel
    return os.path.join(os.path.dirname(_PACKAGE_DIR), "data", _MATRIX_NAME)


def locate(path: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> Tuple[str, Origin]:
    """Return ``(path, origin)`` of the matrix in effect; origin is ``--matrix``, the variable,
    ``cache`` or ``embedded``."""
    if path:
        return path, "--matrix"
    env = os.environ if environ is None else environ
    from_env = env.get(ENV_MATRIX, "")
    if from_env:
        return from_env, "MMCOMPAT_MATRIX"  # ENV_MATRIX, as the Origin it is
    from ..cache import cache_dir

    cached = os.path.join(cache_dir(env), CACHED_MATRIX_NAME)
    if os.path.isfile(cached):
        return cached, "cache"
    return embedded_path(), "embedded"
