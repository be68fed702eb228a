"""mmcompat: the right mmcv (and mmengine) for every MMPose release, with provenance.

    >>> import compat
    >>> compat.mmcv_requirement("0.28.0")
    'mmcv-full>=1.3.8,<1.6.0'

The public names load on first use (PEP 562), so ``import compat`` costs almost nothing and never
imports rich, requests, pip_api or pip.
"""

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)

__version__ = "0.1.0"

__all__ = [
    "POLICIES",
    "BadInput",
    "BadMatrix",
    "CompatError",
    "Dependency",
    "Fact",
    "InstallPlan",
    "Matrix",
    "NoAnswer",
    "Range",
    "Release",
    "Resolution",
    "Stack",
    "Step",
    "UnknownRelease",
    "Unsatisfiable",
    "__version__",
    "compatible",
    "load_matrix",
    "mmcv_requirement",
    "plan_install",
    "resolve",
    "resolve_stack",
]

_LAZY = {
    "POLICIES": "data.models",
    "mmcv_requirement": "answers.resolver",
    "resolve": "answers.resolver",
    "compatible": "answers.accepts",
    "load_matrix": ("data.matrix", "load"),
    "Matrix": "data.models",
    "Release": "data.models",
    "Dependency": "data.models",
    "Fact": "data.models",
    "Range": "data.ranges",
    "Resolution": "data.models",
    "CompatError": "errors",
    "BadInput": "errors",
    "UnknownRelease": "errors",
    "BadMatrix": "errors",
    "NoAnswer": "errors",
    "Unsatisfiable": "errors",
    "plan_install": "install.plan",
    "InstallPlan": "install.plan",
    "Step": "install.plan",
    "resolve_stack": "answers.stack",
    "Stack": "answers.stack",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from typing import Any, List

    from .answers.accepts import compatible
    from .answers.resolver import mmcv_requirement, resolve
    from .answers.stack import Stack, resolve_stack
    from .data.matrix import load as load_matrix
    from .data.models import POLICIES, Dependency, Fact, Matrix, Release, Resolution
    from .data.ranges import Range
    from .errors import BadInput, BadMatrix, CompatError, NoAnswer, UnknownRelease, Unsatisfiable
    from .install.plan import InstallPlan, Step, plan_install


del TYPE_CHECKING


def __getattr__(name: str) -> "Any":
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'compat' has no attribute {name!r}")
    module_name, attribute = target if isinstance(target, tuple) else (target, name)
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module_name}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> "List[str]":
    return sorted(set(globals()) | set(__all__))
