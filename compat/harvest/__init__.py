"""Harvest compatibility facts from where upstream states them, without running any of it.

One module per source, each returning plain data:

- :mod:`.init_ast`: the version checks an ``__init__.py`` asserts at import (:mod:`ast` only);
- :mod:`.imports`: the OpenMMLab packages a release's API imports unconditionally (:mod:`ast` only);
- :mod:`.docs`: FAQ compatibility tables, ``requirements/mminstall.txt``, ``version.py``;
- :mod:`.git`: a local clone, bare or not (:class:`GitRepo`), every tag and branch of it;
- :mod:`.dist`: downloaded wheels and sdists;
- :mod:`.wheels`: mmcv's prebuilt wheels, from its docs' ``version.json``;
- :mod:`.numpy_abi`: the registry's upload times, for binaries that predate numpy 2;
- :mod:`.torch`: torch releases on the registry and the CUDA variants PyTorch documents;
- :mod:`.assemble`: the matrix's tables from all that, and the merge into an existing matrix;
- :mod:`.plan`: one harvest as ``mmcompat harvest`` asks it (:func:`run`), defaults included.
"""

from .assemble import (
    FIND_LINKS,
    HEADER,
    MODULE_DISTRIBUTIONS,
    OPTIONAL_DISTRIBUTIONS,
    assemble_package,
    build_matrix,
    merge_matrix,
)
from .dist import read_distribution
from .docs import (
    INSTALLER_EXTRAS,
    DocTable,
    installer_name,
    parse_faq_table,
    parse_installer_extra,
    parse_mminstall,
    parse_pyproject_installer,
    parse_version_file,
)
from .git import GitRepo, default_doc_refs, harvest_repo, read_doc_refs
from .imports import RequiredImport, required_imports
from .init_ast import EnforcedCheck, UnreadableCheck, parse_init, project_name, setup_name
from .numpy_abi import NUMPY_ABI_PACKAGES, harvest_numpy_abi
from .plan import HarvestResult, run
from .records import HarvestedRelease
from .torch import CudaTable, harvest_torch
from .wheels import WHEEL_DATA_PATH, harvest_wheel_builds, parse_wheel_builds

__all__ = [
    "FIND_LINKS",
    "HEADER",
    "INSTALLER_EXTRAS",
    "MODULE_DISTRIBUTIONS",
    "NUMPY_ABI_PACKAGES",
    "OPTIONAL_DISTRIBUTIONS",
    "WHEEL_DATA_PATH",
    "CudaTable",
    "DocTable",
    "EnforcedCheck",
    "GitRepo",
    "HarvestResult",
    "HarvestedRelease",
    "RequiredImport",
    "UnreadableCheck",
    "assemble_package",
    "build_matrix",
    "default_doc_refs",
    "harvest_numpy_abi",
    "harvest_repo",
    "harvest_torch",
    "harvest_wheel_builds",
    "installer_name",
    "merge_matrix",
    "parse_faq_table",
    "parse_init",
    "parse_installer_extra",
    "parse_mminstall",
    "parse_pyproject_installer",
    "parse_version_file",
    "parse_wheel_builds",
    "project_name",
    "read_distribution",
    "read_doc_refs",
    "required_imports",
    "run",
    "setup_name",
]
