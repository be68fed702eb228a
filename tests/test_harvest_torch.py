"""compat.harvest.torch: the parsers on real excerpts of PyTorch's documents and of registry metadata, and
whole harvests against a PEP 691 JSON index on 127.0.0.1 that serves wheels with range requests."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import re
import sys
import threading
import zipfile
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from compat.data.toml_writer import dump
from compat.errors import CompatError
from compat.harvest import torch as ht

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the floor reads TOML with tomli
    import tomli as tomllib

# --- pytorch/pytorch RELEASE.md@aa6104e2a21e72f83ce217ea93e8e69884e22b04, its matrix section verbatim
RELEASE_MD_2024 = """\
## Release Compatibility Matrix

Following is the Release Compatibility Matrix for PyTorch releases:

| PyTorch version | Python | Stable CUDA | Experimental CUDA |
| --- | --- | --- | --- |
| 2.3 | >=3.8, <=3.11, (3.12 experimental) | CUDA 11.8, CUDNN 8.7.0.84 | CUDA 12.1, CUDNN 8.9.2.26 |
| 2.2 | >=3.8, <=3.11, (3.12 experimental) | CUDA 11.8, CUDNN 8.7.0.84 | CUDA 12.1, CUDNN 8.9.2.26 |
| 2.1 | >=3.8, <=3.11 | CUDA 11.8, CUDNN 8.7.0.84 | CUDA 12.1, CUDNN 8.9.2.26 |
| 2.0 | >=3.8, <=3.11 | CUDA 11.7, CUDNN 8.5.0.96 | CUDA 11.8, CUDNN 8.7.0.84 |
| 1.13 | >=3.7, <=3.10 | CUDA 11.6, CUDNN 8.3.2.44 | CUDA 11.7, CUDNN 8.5.0.96 |
| 1.12 | >=3.7, <=3.10 | CUDA 11.3, CUDNN 8.3.2.44 | CUDA 11.6, CUDNN 8.3.2.44 |

## Release Cadence

| Minor Version | Release branch cut | Release date | First patch release date | Second patch release date|
| --- | --- | --- | --- | --- |
| 2.1 | Aug 2023 | Oct 2023 | Nov 2023 | Dec 2023 |
"""

# --- the later layout of the same table (C++ and ROCm columns, "--" and "None" cells), rows verbatim
RELEASE_MD_LATER = """\
## Release Compatibility Matrix

Following is the Release Compatibility Matrix for PyTorch releases:

| PyTorch version | Python | C++ | Stable CUDA | Experimental CUDA | Stable ROCm |
| --- | --- | --- | --- | --- | --- |
| 2.11 | >=3.10, <=(3.14, 3.14t experimental) | C++17 | CUDA 12.6 (CUDNN 9.10.2.21) (NCCL 2.28.9), \
CUDA 12.8 (CUDNN 9.17.1.4) (NCCL 2.28.9), CUDA 13.0 (CUDNN 9.17.1.4) (NCCL 2.28.9) | -- | ROCm 7.2 |
| 2.9 | >=3.10, <=(3.14, 3.14t experimental) | C++17 | CUDA 12.6 (CUDNN 9.10.2.21), CUDA 12.8 (CUDNN 9.10.2.21) \
| CUDA 13.0 (CUDNN 9.13.0.50) | ROCm 6.4 |
| 2.5 | >=3.9, <=3.12, (3.13 experimental) | C++17 | CUDA 11.8, CUDA 12.1, CUDA 12.4, CUDNN 9.1.0.70  \
| None | ROCm 6.2 |

### PyTorch CUDA Support Matrix

| CUDA | architectures supported for Linux x86 and Windows builds | notes |
| --- | --- | --- |
| 12.6.3 | Maxwell(5.0), Pascal(6.0), Volta(7.0), Turing(7.5), Ampere(8.0, 8.6), Hopper(9.0) | |
"""


@pytest.mark.parametrize(("text", "minor", "cuda"), [
    (RELEASE_MD_2024, "2.3", ["11.8", "12.1"]),
    (RELEASE_MD_2024, "2.0", ["11.7", "11.8"]),
    (RELEASE_MD_2024, "1.12", ["11.3", "11.6"]),
    (RELEASE_MD_LATER, "2.11", ["12.6", "12.8", "13.0"]),
    (RELEASE_MD_LATER, "2.9", ["12.6", "12.8", "13.0"]),
    (RELEASE_MD_LATER, "2.5", ["11.8", "12.1", "12.4"]),
])
def test_release_matrix_rows(text: str, minor: str, cuda: List[str]) -> None:
    assert ht.parse_release_matrix(text)[minor] == cuda


def test_release_matrix_reads_only_its_own_table() -> None:
    assert list(ht.parse_release_matrix(RELEASE_MD_2024)) == ["2.3", "2.2", "2.1", "2.0", "1.13", "1.12"]
    assert list(ht.parse_release_matrix(RELEASE_MD_LATER)) == ["2.11", "2.9", "2.5"]


@pytest.mark.parametrize(("text", "message"), [
    ("# Releasing PyTorch\n\n| 2.1 | CUDA 11.8 |\n",
     "no 'Release Compatibility Matrix' heading in the RELEASE.md text"),
    ("## Release Compatibility Matrix\n\nSoon.\n\n## Release Cadence\n",
     "the 'Release Compatibility Matrix' section has no table"),
    ("## Release Compatibility Matrix\n\n| PyTorch version | Python |\n| --- | --- |\n| 2.1 | >=3.8 |\n",
     "the 'Release Compatibility Matrix' table has no CUDA column: | PyTorch version | Python |"),
])
def test_release_matrix_errors(text: str, message: str) -> None:
    with pytest.raises(CompatError) as caught:
        ht.parse_release_matrix(text)
    assert str(caught.value) == message


# --- pytorch.github.io _get_started/previous-versions.md@e3f009bbc0d7509ed5c85b633313ec72aa2d1a40, sections verbatim
PREVIOUS_VERSIONS = """\
### v2.0.1

#### Conda

##### OSX

```
# conda
conda install pytorch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2 -c pytorch
```

#####  Linux and Windows

```
# CUDA 11.7
conda install pytorch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2 pytorch-cuda=11.7 -c pytorch -c nvidia
# CUDA 11.8
conda install pytorch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2 pytorch-cuda=11.8 -c pytorch -c nvidia
# CPU Only
conda install pytorch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2 cpuonly -c pytorch
```

#### Wheel

##### OSX

```
pip install torch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2
```

##### Linux and Windows

```
# ROCM 5.4.2 (Linux only)
pip install torch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2 --index-url https://download.pytorch.org/whl/rocm5.4.2
# CUDA 11.7
pip install torch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2
# CUDA 11.8
pip install torch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2 --index-url https://download.pytorch.org/whl/cu118
# CPU only
pip install torch==2.0.1 torchvision==0.15.2 torchaudio==2.0.2 --index-url https://download.pytorch.org/whl/cpu
```

### v1.8.2 with LTS support

#### Conda

##### OSX

macOS is currently not supported for LTS.

##### Linux and Windows

```
# CUDA 10.2
# NOTE: PyTorch LTS version 1.8.2 is only supported for Python <= 3.8.
conda install pytorch torchvision torchaudio cudatoolkit=10.2 -c pytorch-lts
```

#### Wheel

##### OSX

macOS is currently not supported in LTS.

##### Linux and Windows

```
# CUDA 10.2
pip3 install torch==1.8.2 torchvision==0.9.2 torchaudio==0.8.2 --extra-index-url https://download.pytorch.org/whl/lts/1.8/cu102

# CUDA 11.1
pip3 install torch==1.8.2 torchvision==0.9.2 torchaudio==0.8.2 --extra-index-url https://download.pytorch.org/whl/lts/1.8/cu111

# CPU Only
pip3 install torch==1.8.2 torchvision==0.9.2 torchaudio==0.8.2 --extra-index-url https://download.pytorch.org/whl/lts/1.8/cpu

# ROCM5.x

Not supported in LTS.
```

### v1.8.1

#### Conda

##### OSX

```
# conda
conda install pytorch==1.8.1 torchvision==0.9.1 torchaudio==0.8.1 -c pytorch
```

#####  Linux and Windows

```
# CUDA 10.2
conda install pytorch==1.8.1 torchvision==0.9.1 torchaudio==0.8.1 cudatoolkit=10.2 -c pytorch

# CUDA 11.3
conda install pytorch==1.8.1 torchvision==0.9.1 torchaudio==0.8.1 cudatoolkit=11.3 -c pytorch -c conda-forge

# CPU Only
conda install pytorch==1.8.1 torchvision==0.9.1 torchaudio==0.8.1 cpuonly -c pytorch
```

#### Wheel

##### OSX

```
pip install torch==1.8.1 torchvision==0.9.1 torchaudio==0.8.1
```

##### Linux and Windows

```
# ROCM 4.0.1 (Linux only)
pip install torch==1.8.1+rocm4.0.1 torchvision==0.9.1+rocm4.0.1 torchaudio==0.8.1 -f https://download.pytorch.org/whl/torch_stable.html

# ROCM 3.10 (Linux only)
pip install torch==1.8.1+rocm3.10 torchvision==0.9.1+rocm3.10 torchaudio==0.8.1 -f https://download.pytorch.org/whl/torch_stable.html

# CUDA 11.1
pip install torch==1.8.1+cu111 torchvision==0.9.1+cu111 torchaudio==0.8.1 -f https://download.pytorch.org/whl/torch_stable.html

# CUDA 10.2
pip install torch==1.8.1+cu102 torchvision==0.9.1+cu102 torchaudio==0.8.1 -f https://download.pytorch.org/whl/torch_stable.html

# CUDA 10.1
pip install torch==1.8.1+cu101 torchvision==0.9.1+cu101 torchaudio==0.8.1 -f https://download.pytorch.org/whl/torch_stable.html

# CPU only
pip install torch==1.8.1+cpu torchvision==0.9.1+cpu torchaudio==0.8.1 -f https://download.pytorch.org/whl/torch_stable.html
```

### v1.5.0

#### Conda

##### OSX

```
# conda
conda install pytorch==1.5.0 torchvision==0.6.0 -c pytorch
```

#####  Linux and Windows

```
# CUDA 9.2
conda install pytorch==1.5.0 torchvision==0.6.0 cudatoolkit=9.2 -c pytorch

# CUDA 10.1
conda install pytorch==1.5.0 torchvision==0.6.0 cudatoolkit=10.1 -c pytorch

# CUDA 10.2
conda install pytorch==1.5.0 torchvision==0.6.0 cudatoolkit=10.2 -c pytorch

# CPU Only
conda install pytorch==1.5.0 torchvision==0.6.0 cpuonly -c pytorch
```

#### Wheel

##### OSX

```
pip install torch==1.5.0 torchvision==0.6.0
```

##### Linux and Windows

```
# CUDA 10.2
pip install torch==1.5.0 torchvision==0.6.0

# CUDA 10.1
pip install torch==1.5.0+cu101 torchvision==0.6.0+cu101 -f https://download.pytorch.org/whl/torch_stable.html

# CUDA 9.2
pip install torch==1.5.0+cu92 torchvision==0.6.0+cu92 -f https://download.pytorch.org/whl/torch_stable.html

# CPU only
pip install torch==1.5.0+cpu torchvision==0.6.0+cpu -f https://download.pytorch.org/whl/torch_stable.html
```
"""


def test_previous_versions_reads_the_pip_commands_only() -> None:
    # v1.8.1's conda block offers cudatoolkit 11.3; its wheels are cu111, cu102 and cu101.
    assert ht.parse_previous_versions(PREVIOUS_VERSIONS) == {
        "2.0.1": ["11.7", "11.8"],
        "1.8.2": ["10.2", "11.1"],
        "1.8.1": ["10.1", "10.2", "11.1"],
        "1.5.0": ["9.2", "10.1", "10.2"],
    }


def test_previous_versions_without_a_wheel_section() -> None:
    assert ht.parse_previous_versions("### v1.0.0\n\n#### Conda\n\n```\n# CUDA 10.0\n```\n") == {}


# --- wheel names as the registry lists them (https://pypi.org/simple/torch/)
TORCH_2_1_2 = [
    "torch-2.1.2-cp310-cp310-manylinux1_x86_64.whl", "torch-2.1.2-cp310-cp310-manylinux2014_aarch64.whl",
    "torch-2.1.2-cp310-cp310-win_amd64.whl", "torch-2.1.2-cp310-none-macosx_10_9_x86_64.whl",
    "torch-2.1.2-cp310-none-macosx_11_0_arm64.whl", "torch-2.1.2-cp311-cp311-manylinux1_x86_64.whl",
    "torch-2.1.2-cp311-cp311-manylinux2014_aarch64.whl", "torch-2.1.2-cp311-cp311-win_amd64.whl",
    "torch-2.1.2-cp311-none-macosx_10_9_x86_64.whl", "torch-2.1.2-cp311-none-macosx_11_0_arm64.whl",
    "torch-2.1.2-cp38-cp38-manylinux1_x86_64.whl", "torch-2.1.2-cp38-cp38-manylinux2014_aarch64.whl",
    "torch-2.1.2-cp38-cp38-win_amd64.whl", "torch-2.1.2-cp38-none-macosx_10_9_x86_64.whl",
    "torch-2.1.2-cp38-none-macosx_11_0_arm64.whl", "torch-2.1.2-cp39-cp39-manylinux1_x86_64.whl",
    "torch-2.1.2-cp39-cp39-manylinux2014_aarch64.whl", "torch-2.1.2-cp39-cp39-win_amd64.whl",
    "torch-2.1.2-cp39-none-macosx_10_9_x86_64.whl", "torch-2.1.2-cp39-none-macosx_11_0_arm64.whl",
]
TORCH_2_10_0_SOME = [  # build tags, free-threaded builds, a macOS wheel only for cp313t
    "torch-2.10.0-2-cp313-none-macosx_11_0_arm64.whl", "torch-2.10.0-3-cp313-cp313-manylinux_2_28_x86_64.whl",
    "torch-2.10.0-3-cp313-cp313t-manylinux_2_28_x86_64.whl", "torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl",
    "torch-2.10.0-cp314-cp314t-manylinux_2_28_x86_64.whl", "torch-2.10.0-cp314-cp314t-win_amd64.whl",
    "torch-2.10.0-cp313-cp313t-macosx_14_0_arm64.whl", "torch-2.10.0-cp313-cp313-win_amd64.whl",
]
TORCH_1_5_0 = [
    "torch-1.5.0-cp27-none-macosx_10_7_x86_64.whl", "torch-1.5.0-cp35-cp35m-manylinux1_x86_64.whl",
    "torch-1.5.0-cp35-none-macosx_10_6_x86_64.whl", "torch-1.5.0-cp36-cp36m-manylinux1_x86_64.whl",
    "torch-1.5.0-cp36-none-macosx_10_9_x86_64.whl", "torch-1.5.0-cp37-cp37m-manylinux1_x86_64.whl",
    "torch-1.5.0-cp37-none-macosx_10_9_x86_64.whl", "torch-1.5.0-cp38-cp38-manylinux1_x86_64.whl",
    "torch-1.5.0-cp38-none-macosx_10_9_x86_64.whl",
]


@pytest.mark.parametrize(("filenames", "expected"), [
    (TORCH_2_1_2, {"2.1.2": {"linux": ["3.8", "3.9", "3.10", "3.11"], "windows": ["3.8", "3.9", "3.10", "3.11"],
                             "macos": ["3.8", "3.9", "3.10", "3.11"]}}),
    (TORCH_2_10_0_SOME, {"2.10.0": {"linux": ["3.13", "3.14"], "windows": ["3.13"], "macos": ["3.13"]}}),
    (TORCH_1_5_0, {"1.5.0": {"linux": ["3.5", "3.6", "3.7", "3.8"], "windows": [],
                             "macos": ["2.7", "3.5", "3.6", "3.7", "3.8"]}}),
    # torch ships no abi3 wheels: these names are made up to pin the rule down.
    (["demo-1.0-cp39-abi3-manylinux_2_17_x86_64.whl", "demo-1.0-cp312-cp312-win_amd64.whl",
      "demo-1.0-cp311-abi3-macosx_11_0_universal2.whl"],
     {"1.0": {"linux": ["3.9", "3.10", "3.11", "3.12"], "windows": ["3.12"], "macos": ["3.11", "3.12"]}}),
    (["demo-2.0-cp310-abi3-win_amd64.whl", "demo-2.0-py3-none-any.whl", "demo-2.0.tar.gz", "not-a-wheel.whl",
      "demo-2.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl", "demo-2.0-cp310-cp310-musllinux_1_1_x86_64.whl"],
     {"2.0": {"linux": [], "windows": ["3.10"], "macos": []}}),
])
def test_cpython_by_platform(filenames: List[str], expected: Dict[str, Dict[str, List[str]]]) -> None:
    assert ht.cpython_by_platform(filenames) == expected


def test_cpython_by_platform_keys_every_release() -> None:
    found = ht.cpython_by_platform(TORCH_2_1_2 + TORCH_1_5_0)
    assert list(found) == ["1.5.0", "2.1.2"]


# --- Requires-Dist lines of real METADATA files on the registry
TORCHVISION_0_6_0 = """\
Metadata-Version: 2.1
Name: torchvision
Version: 0.6.0
Requires-Dist: numpy
Requires-Dist: torch (==1.5.0)
Requires-Dist: pillow (>=4.1.1)
Requires-Dist: scipy ; extra == 'scipy'
"""
TORCHVISION_0_11_0 = TORCHVISION_0_6_0.replace("0.6.0", "0.11.0").replace("(==1.5.0)", "(==1.10.0+cu102)")
TORCHVISION_0_16_2 = """\
Metadata-Version: 2.1
Name: torchvision
Version: 0.16.2
Requires-Dist: numpy
Requires-Dist: requests
Requires-Dist: torch (==2.1.2)
Requires-Dist: pillow (!=8.3.*,>=5.3.0)
Requires-Dist: scipy ; extra == 'scipy'
"""
TORCHVISION_0_29_1 = """\
Metadata-Version: 2.1
Name: torchvision
Version: 0.29.1
Requires-Python: >=3.10,!=3.14.1
Requires-Dist: numpy
Requires-Dist: torch (>=2.14.0)
Requires-Dist: pillow (!=8.3.*,>=5.3.0)
"""


@pytest.mark.parametrize(("metadata", "pin"), [
    (TORCHVISION_0_6_0, "1.5.0"),
    (TORCHVISION_0_11_0, "1.10.0+cu102"),
    (TORCHVISION_0_16_2, "2.1.2"),
    ("Metadata-Version: 2.4\nName: torchvision\nVersion: 0.24.1\nRequires-Dist: numpy\nRequires-Dist: torch==2.9.1\n",
     "2.9.1"),
    (TORCHVISION_0_29_1, None),  # >=2.14.0 is no pin
    ("Metadata-Version: 2.1\nName: torchvision\nVersion: 0.2.2\nRequires-Dist: torch\n", None),
])
def test_torch_pin(metadata: str, pin: Optional[str]) -> None:
    assert ht.torch_pin(metadata) == pin


TORCH_1_13_0_PINS = """\
Metadata-Version: 2.1
Name: torch
Version: 1.13.0
Requires-Dist: typing-extensions
Requires-Dist: nvidia-cuda-runtime-cu11 (==11.7.99)
Requires-Dist: nvidia-cudnn-cu11 (==8.5.0.96)
Requires-Dist: nvidia-cublas-cu11 (==11.10.3.66)
Requires-Dist: nvidia-cuda-nvrtc-cu11 (==11.7.99)
Requires-Dist: opt-einsum (>=3.3) ; extra == 'opt-einsum'
"""
TORCH_2_1_2_PINS = """\
Metadata-Version: 2.1
Name: torch
Version: 2.1.2
Requires-Dist: filelock
Requires-Dist: nvidia-cuda-nvrtc-cu12 ==12.1.105 ; platform_system == "Linux" and platform_machine == "x86_64"
Requires-Dist: nvidia-cuda-runtime-cu12 ==12.1.105 ; platform_system == "Linux" and platform_machine == "x86_64"
Requires-Dist: nvidia-cudnn-cu12 ==8.9.2.26 ; platform_system == "Linux" and platform_machine == "x86_64"
"""
TORCH_2_9_1_PINS = """\
Metadata-Version: 2.4
Name: torch
Version: 2.9.1
Requires-Dist: nvidia-cuda-nvrtc-cu12==12.8.93; platform_system == "Linux" and platform_machine == "x86_64"
Requires-Dist: nvidia-cuda-runtime-cu12==12.8.90; platform_system == "Linux" and platform_machine == "x86_64"
Requires-Dist: nvidia-cudnn-cu12==9.10.2.21; platform_system == "Linux" and platform_machine == "x86_64"
"""
TORCH_2_15_0_PINS = """\
Metadata-Version: 2.4
Name: torch
Version: 2.15.0
Requires-Python: >=3.11
Requires-Dist: cuda-toolkit[cublas,cudart,cufft,cufile,cupti,cusolver,cusparse,nvjitlink,nvrtc,nvtx]==13.2.2; \
platform_system == "Linux"
Requires-Dist: cuda-bindings<14,>=13.0.3; platform_system == "Linux" and python_version < "3.15"
Requires-Dist: nvidia-cudnn-cu13==9.26.0.51; platform_system == "Linux"
"""
TORCH_1_12_1_NO_PINS = """\
Metadata-Version: 2.1
Name: torch
Version: 1.12.1
Requires-Python: >=3.7.0
Requires-Dist: typing-extensions
"""


@pytest.mark.parametrize(("metadata", "cuda"), [
    (TORCH_1_13_0_PINS, "11.7"),
    (TORCH_2_1_2_PINS, "12.1"),
    (TORCH_2_9_1_PINS, "12.8"),
    (TORCH_2_15_0_PINS, "13.2"),
    (TORCH_1_12_1_NO_PINS, None),
    # a pin for another machine is not the Linux x86_64 default
    (TORCH_2_9_1_PINS.replace('"x86_64"', '"aarch64"'), None),
    # nor is a range
    ("Name: torch\nRequires-Dist: nvidia-cuda-runtime-cu12>=12.1\n", None),
])
def test_registry_cuda(metadata: str, cuda: Optional[str]) -> None:
    assert ht.registry_cuda(metadata) == cuda


@pytest.mark.parametrize(("text", "cuda"), [
    # torch/version.py of torch-1.5.0-cp38-cp38-manylinux1_x86_64.whl
    ("__version__ = '1.5.0'\ndebug = False\ncuda = '10.2'\ngit_version = '4ff3872a2099993bf7e8c588f7182f3df777205b'\n"
     "hip = None\n", "10.2"),
    # torch/version.py of torch-1.12.1-cp310-cp310-manylinux1_x86_64.whl
    ("__version__ = '1.12.1+cu102'\ndebug = False\ncuda = '10.2'\n"
     "git_version = '664058fa83f1d8eede5d66418abff6e20bd76ca8'\nhip = None\n", "10.2"),
    # the annotated layout of later releases
    ("from typing import Optional\n\n__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n"
     "__version__ = '2.1.2+cu121'\ndebug = False\ncuda: Optional[str] = '12.1'\nhip: Optional[str] = None\n", "12.1"),
    ("__version__ = '1.5.0+cpu'\ndebug = False\ncuda = None\n", None),
])
def test_version_py_cuda(text: str, cuda: Optional[str]) -> None:
    assert ht.version_py_cuda(text) == cuda


# ---------------------------------------------------------------------------------------------------
# A registry on 127.0.0.1: a PEP 691 JSON index, .metadata files, wheels served with range requests


def _wheel(name: str, version: str, metadata: str, members: Optional[List[Tuple[str, bytes]]] = None,
           after: Optional[List[Tuple[str, bytes]]] = None) -> bytes:
    """A wheel: ``members`` before the .dist-info files, ``after`` behind them (stored, not compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in members or []:
            archive.writestr(path, data)
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
        archive.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n")
        for path, data in after or []:
            archive.writestr(path, data)
    return buffer.getvalue()


BLOB = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(65536))  # 2 MiB, incompressible
TORCH_1_5_0_METADATA = ("Metadata-Version: 2.1\nName: torch\nVersion: 1.5.0\n"
                        "Requires-Dist: future\nRequires-Dist: numpy\n")
TORCH_1_7_0_METADATA = ("Metadata-Version: 2.1\nName: torch\nVersion: 1.7.0\nRequires-Python: >=3.6.2\n"
                        "Requires-Dist: numpy\nRequires-Dist: typing-extensions\nRequires-Dist: dataclasses\n"
                        "Requires-Dist: future\n")
TORCH_2_2_0_METADATA = TORCH_2_1_2_PINS.replace("2.1.2", "2.2.0")


class Registry:
    """What the test server holds: files by path, the index entries, and every request it answered."""

    def __init__(self) -> None:
        self.files: Dict[str, bytes] = {}
        self.entries: Dict[str, List[Dict[str, object]]] = {"torch": [], "torchvision": []}
        self.requests: List[Tuple[str, Optional[str]]] = []
        self.sent: Dict[str, int] = {}
        self.ranges = True
        self.root = ""

    def add(self, project: str, filename: str, body: Optional[bytes] = None, *, size: int = 0,
            metadata: Optional[str] = None, yanked: object = False, metadata_sha256: str = "") -> None:
        """An index entry; the wheel is served only when ``body`` is given, its ``.metadata`` when
        ``metadata`` is (and then advertised)."""
        entry: Dict[str, object] = {"filename": filename, "url": f"{self.root}/files/{filename}",
                                    "size": len(body) if body is not None else size, "yanked": yanked,
                                    "hashes": {"sha256": hashlib.sha256(body or b"").hexdigest()}}
        if body is not None:
            self.files[f"/files/{filename}"] = body
        if metadata is not None:
            data = metadata.encode()
            self.files[f"/files/{filename}.metadata"] = data
            entry["core-metadata"] = {"sha256": metadata_sha256 or hashlib.sha256(data).hexdigest()}
        self.entries[project].append(entry)

    def wheel_requests(self) -> List[Tuple[str, Optional[str]]]:
        return [(path, byte_range) for path, byte_range in self.requests if path.endswith(".whl")]


class _Handler(http.server.BaseHTTPRequestHandler):
    registry: Registry

    def do_GET(self) -> None:
        registry = self.registry
        byte_range = self.headers.get("Range")
        registry.requests.append((self.path, byte_range))
        project = re.fullmatch(r"/simple/([a-z]+)/", self.path)
        if project and project.group(1) in registry.entries:
            body = json.dumps({"meta": {"api-version": "1.1"}, "name": project.group(1),
                               "files": registry.entries[project.group(1)]}).encode()
            self._send(200, body, {"Content-Type": "application/vnd.pypi.simple.v1+json"})
            return
        data = registry.files.get(self.path)
        if data is None:
            self._send(404, b"not found", {})
            return
        wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", byte_range or "")
        if wanted is None or not registry.ranges:
            self._send(200, data, {})
            return
        if wanted.group(1):
            start = int(wanted.group(1))
            end = min(int(wanted.group(2)), len(data) - 1) if wanted.group(2) else len(data) - 1
        else:
            start, end = max(0, len(data) - int(wanted.group(2))), len(data) - 1
        self._send(206, data[start:end + 1], {"Content-Range": f"bytes {start}-{end}/{len(data)}"})

    def _send(self, status: int, body: bytes, headers: Dict[str, str]) -> None:
        self.registry.sent[self.path] = self.registry.sent.get(self.path, 0) + len(body)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[Registry]:
    holder = Registry()
    handler = type("Handler", (_Handler,), {"registry": holder})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    holder.root = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder
    finally:
        server.shutdown()
        server.server_close()


def _fill(registry: Registry) -> None:
    add = registry.add
    # torch 1.5.0: the cp38 wheel is the smallest Linux one; METADATA at its start, then 2 MiB, version.py last
    big = _wheel("torch", "1.5.0", TORCH_1_5_0_METADATA,
                 after=[("torch/lib/blob.bin", BLOB),
                        ("torch/version.py", b"__version__ = '1.5.0'\ndebug = False\ncuda = '10.2'\n")])
    add("torch", "torch-1.5.0-cp38-cp38-manylinux1_x86_64.whl", big)
    add("torch", "torch-1.5.0-cp37-cp37m-manylinux1_x86_64.whl", size=750_000_000)  # never fetched: 404
    add("torch", "torch-1.5.0-cp38-none-macosx_10_9_x86_64.whl", size=80_000_000)
    add("torch", "torch-1.5.0.tar.gz", size=1_000)
    add("torch", "torch-1.4.0-cp38-cp38-manylinux1_x86_64.whl", size=750_000_000)  # below the minimum
    # torch 1.7.0: the annotated version.py, a Windows wheel
    add("torch", "torch-1.7.0-cp38-cp38-manylinux1_x86_64.whl",
        _wheel("torch", "1.7.0", TORCH_1_7_0_METADATA, [("torch/version.py", b"cuda: Optional[str] = '10.2'\n")]))
    add("torch", "torch-1.7.0-cp38-cp38-win_amd64.whl", size=190_000_000)
    add("torch", "torch-2.0.0-cp310-cp310-manylinux1_x86_64.whl", size=600_000_000, yanked="withdrawn")
    # torch 2.0.1: both the previous-versions page (this release) and RELEASE.md (its minor) list it
    add("torch", "torch-2.0.1-cp310-cp310-manylinux1_x86_64.whl", size=620_000_000,
        metadata=TORCH_1_13_0_PINS.replace("1.13.0", "2.0.1"))
    # torch 2.1.2: metadata advertised for cp310 (and only its .metadata is served); cp311 is smaller, not advertised
    add("torch", "torch-2.1.2-cp310-cp310-manylinux1_x86_64.whl", size=670_000_000, metadata=TORCH_2_1_2_PINS)
    add("torch", "torch-2.1.2-cp311-cp311-manylinux1_x86_64.whl", size=660_000_000)
    add("torch", "torch-2.1.2-cp311-cp311-win_amd64.whl", size=190_000_000)
    add("torch", "torch-2.1.2-cp311-none-macosx_11_0_arm64.whl", size=60_000_000)
    add("torch", "torch-2.1.2-cp311-cp311-manylinux2014_aarch64.whl", size=80_000_000)
    # torch 2.2.0: metadata read from the wheel; 2.3.0rc1 is a pre-release
    add("torch", "torch-2.2.0-cp311-cp311-manylinux1_x86_64.whl", _wheel("torch", "2.2.0", TORCH_2_2_0_METADATA))
    add("torch", "torch-2.3.0rc1-cp311-cp311-manylinux1_x86_64.whl", size=700_000_000)
    # torch 2.15.0: no document lists its CUDA variants, no torchvision pins it
    add("torch", "torch-2.15.0-cp312-cp312-manylinux_2_28_x86_64.whl", size=540_000_000, metadata=TORCH_2_15_0_PINS)
    add("torch", "torch-2.15.0-cp313-cp313t-manylinux_2_28_x86_64.whl", size=540_000_000)

    def vision(version: str, metadata: str, **kwargs: Any) -> None:
        add("torchvision", f"torchvision-{version}-cp38-cp38-manylinux1_x86_64.whl",
            _wheel("torchvision", version, metadata), **kwargs)

    add("torchvision", "torchvision-0.29.1-cp311-cp311-manylinux_2_28_x86_64.whl", size=8_000_000,
        metadata=TORCHVISION_0_29_1)
    add("torchvision", "torchvision-0.17.0-cp311-cp311-manylinux1_x86_64.whl", size=7_000_000,
        metadata=TORCHVISION_0_16_2.replace("0.16.2", "0.17.0").replace("==2.1.2", "==2.2.0"))
    add("torchvision", "torchvision-0.16.2-cp310-cp310-manylinux1_x86_64.whl", size=7_000_000,
        metadata=TORCHVISION_0_16_2)
    vision("0.16.1", TORCHVISION_0_16_2.replace("0.16.2", "0.16.1").replace("==2.1.2", "==2.1.1"))
    add("torchvision", "torchvision-0.15.0-cp310-cp310-manylinux1_x86_64.whl", size=6_000_000,
        yanked="Contains an incorrect torch dependency")
    vision("0.11.0", TORCHVISION_0_11_0)
    vision("0.8.1", TORCHVISION_0_6_0.replace("0.6.0", "0.8.1").replace("==1.5.0", "==1.7.0"))
    vision("0.8.0", TORCHVISION_0_6_0.replace("0.6.0", "0.8.0").replace("==1.5.0", "==1.7.0"))
    vision("0.6.0", TORCHVISION_0_6_0)
    vision("0.5.0", TORCHVISION_0_6_0.replace("0.6.0", "0.5.0").replace("==1.5.0", "==1.4.0"))
    vision("0.4.2", TORCHVISION_0_6_0.replace("0.6.0", "0.4.2").replace("==1.5.0", "==1.3.1"))


def _harvest(registry: Registry, **kwargs: Any) -> Dict[str, object]:
    settings: Dict[str, Any] = dict(
        base=f"{registry.root}/simple/", timeout=10.0, release_md=RELEASE_MD_2024, release_md_source="RELEASE.md@a",
        previous_versions=PREVIOUS_VERSIONS,
        previous_versions_source="previous-versions.md@b",
        cuda_tables=[ht.CudaTable({"1.7": ["10.2", "11.0"]}, "typed in by hand", "not read from a document")])
    settings.update(kwargs)
    return ht.harvest_torch(**settings)


def _vision_source(simple: str, version: str) -> str:
    return f"{simple}torchvision/ (PEP 691 JSON): the cpXY tags of torchvision-{version}'s wheels"


def test_harvest_against_a_local_registry(registry: Registry) -> None:
    _fill(registry)
    table = _harvest(registry)
    simple = f"{registry.root}/simple/"
    assert table == {
        "index_url": "https://download.pytorch.org/whl/{variant}",
        "index_source": "previous-versions.md@b",  # its v2.0.1 block has --index-url .../whl/cu118
        "python_source": f"{simple}torch/ (PEP 691 JSON): the cpXY tags of each release's wheels",
        "torchvision_source": f"{simple}torchvision/: each wheel's Requires-Dist torch==",
        "registry_cuda_source": (f"{simple}torch/: the METADATA of one manylinux x86_64 wheel per release (its "
                                 "nvidia-cuda-runtime-cuXY or cuda-toolkit pin); before torch 1.13, which pins none, "
                                 "torch/version.py in that wheel"),
        "releases": {
            "1.5.0": {
                "torchvision": "0.6.0", "linux": ["3.7", "3.8"], "windows": [], "macos": ["3.8"],
                # torchvision 0.6.0 has only a cp38 Linux wheel here: only that pair can be pinned
                "torchvision_python": {"linux": ["3.8"], "macos": []},
                "torchvision_python_source": _vision_source(simple, "0.6.0"),
                "cuda": ["9.2", "10.1", "10.2"], "cuda_source": "previous-versions.md@b",
                "registry_cuda": "10.2", "registry_cuda_inferred": True,
                "registry_cuda_evidence": ("the METADATA of torch-1.5.0-cp38-cp38-manylinux1_x86_64.whl pins no CUDA "
                                           "runtime; torch/version.py in that wheel records cuda = '10.2'"),
            },
            "1.7.0": {
                "torchvision": "0.8.1", "linux": ["3.8"], "windows": ["3.8"], "macos": [],
                "torchvision_python": {"windows": []},
                "torchvision_python_source": _vision_source(simple, "0.8.1"),
                "cuda": ["10.2", "11.0"], "cuda_source": "typed in by hand",
                "registry_cuda": "10.2", "registry_cuda_inferred": True,
                "registry_cuda_evidence": ("the METADATA of torch-1.7.0-cp38-cp38-manylinux1_x86_64.whl pins no CUDA "
                                           "runtime; torch/version.py in that wheel records cuda = '10.2'"),
                "uncertain": "cuda: not read from a document",
            },
            "2.0.1": {  # the statement about the release wins over the one about its minor
                "linux": ["3.10"], "windows": [], "macos": [],
                "cuda": ["11.7", "11.8"], "cuda_source": "previous-versions.md@b", "registry_cuda": "11.7",
            },
            "2.1.2": {
                "torchvision": "0.16.2", "linux": ["3.10", "3.11"], "windows": ["3.11"], "macos": ["3.11"],
                "torchvision_python": {"linux": ["3.10"], "windows": [], "macos": []},
                "torchvision_python_source": _vision_source(simple, "0.16.2"),
                "cuda": ["11.8", "12.1"], "cuda_source": "RELEASE.md@a", "registry_cuda": "12.1",
            },
            "2.2.0": {
                "torchvision": "0.17.0", "linux": ["3.11"], "windows": [], "macos": [],
                "cuda": ["11.8", "12.1"], "cuda_source": "RELEASE.md@a", "registry_cuda": "12.1",
            },
            "2.15.0": {
                "linux": ["3.12"], "windows": [], "macos": [], "registry_cuda": "13.2",
                "uncertain": "cuda: none of the documents read lists the CUDA variants of torch 2.15",
            },
        },
    }
    # The same table as TOML, read back.
    assert tomllib.loads(dump({"torch": table})) == {"torch": table}

    wheels = registry.wheel_requests()
    # A wheel is only ever read in ranges, never downloaded whole.
    assert wheels and all(byte_range for _, byte_range in wheels), wheels
    big = "/files/torch-1.5.0-cp38-cp38-manylinux1_x86_64.whl"
    assert registry.sent[big] < len(registry.files[big]) // 4
    # One Linux x86_64 wheel per release; metadata from .metadata where the index advertises it.
    read = sorted({path.rsplit("/", 1)[1] for path, _ in registry.requests if path.startswith("/files/")})
    assert read == [
        "torch-1.5.0-cp38-cp38-manylinux1_x86_64.whl",
        "torch-1.7.0-cp38-cp38-manylinux1_x86_64.whl",
        "torch-2.0.1-cp310-cp310-manylinux1_x86_64.whl.metadata",
        "torch-2.1.2-cp310-cp310-manylinux1_x86_64.whl.metadata",
        "torch-2.15.0-cp312-cp312-manylinux_2_28_x86_64.whl.metadata",
        "torch-2.2.0-cp311-cp311-manylinux1_x86_64.whl",
        "torchvision-0.11.0-cp38-cp38-manylinux1_x86_64.whl",
        "torchvision-0.16.1-cp38-cp38-manylinux1_x86_64.whl",
        "torchvision-0.16.2-cp310-cp310-manylinux1_x86_64.whl.metadata",
        "torchvision-0.17.0-cp311-cp311-manylinux1_x86_64.whl.metadata",
        "torchvision-0.29.1-cp311-cp311-manylinux_2_28_x86_64.whl.metadata",
        "torchvision-0.5.0-cp38-cp38-manylinux1_x86_64.whl",  # pins torch 1.4.0: the last one read
        "torchvision-0.6.0-cp38-cp38-manylinux1_x86_64.whl",
        "torchvision-0.8.0-cp38-cp38-manylinux1_x86_64.whl",
        "torchvision-0.8.1-cp38-cp38-manylinux1_x86_64.whl",
    ]


def test_a_server_that_ignores_ranges_is_an_error(registry: Registry) -> None:
    registry.ranges = False
    registry.add("torch", "torch-2.2.0-cp311-cp311-manylinux1_x86_64.whl",
                 _wheel("torch", "2.2.0", TORCH_2_2_0_METADATA))
    with pytest.raises(CompatError) as caught:
        _harvest(registry)
    url = f"{registry.root}/files/torch-2.2.0-cp311-cp311-manylinux1_x86_64.whl"
    assert str(caught.value) == f"cannot read {url}: HTTP 200 (expected 206)"


def test_metadata_that_does_not_match_its_hash_is_an_error(registry: Registry) -> None:
    registry.add("torch", "torch-2.1.2-cp310-cp310-manylinux1_x86_64.whl", size=670_000_000,
                 metadata=TORCH_2_1_2_PINS, metadata_sha256="0" * 64)
    registry.add("torchvision", "torchvision-0.16.2-cp310-cp310-manylinux1_x86_64.whl", size=7_000_000,
                 metadata=TORCHVISION_0_16_2)
    with pytest.raises(CompatError) as caught:
        _harvest(registry)
    url = f"{registry.root}/files/torch-2.1.2-cp310-cp310-manylinux1_x86_64.whl"
    assert str(caught.value) == f"{url}.metadata does not match the sha256 the index gives"


def test_no_release_from_the_minimum_on_is_an_error(registry: Registry) -> None:
    registry.add("torch", "torch-1.4.0-cp38-cp38-manylinux1_x86_64.whl", size=750_000_000)
    with pytest.raises(CompatError) as caught:
        _harvest(registry)
    assert str(caught.value) == "the registry lists no final torch release from 1.5.0 on"


def test_an_http_registry_off_loopback_is_refused() -> None:
    with pytest.raises(CompatError) as caught:
        ht.harvest_torch(base="http://example.com/simple/")
    assert str(caught.value) == ("refusing plain http to 'example.com': "
                                 "use https (http is allowed for loopback hosts only)")


def test_the_command_line_harvests_torch(registry: Registry, run: Any, tmp_path: Any) -> None:
    """``harvest --package torch --doc FILE URL ...`` against the loopback registry: the same table as the
    library call, told apart by content (either order), and ``--write`` gives a matrix that loads."""
    import shutil
    from pathlib import Path

    from compat.data.matrix import load

    from .conftest import ROOT

    _fill(registry)
    previous, release = Path(tmp_path) / "previous-versions.md", Path(tmp_path) / "RELEASE.md"
    previous.write_text(PREVIOUS_VERSIONS, encoding="utf-8")
    release.write_text(RELEASE_MD_2024, encoding="utf-8")
    env = {"MMCOMPAT_SIMPLE_URL": f"{registry.root}/simple/"}
    done = run("harvest", "--package", "torch", "--doc", str(release), "RELEASE.md@a",
               "--doc", str(previous), "previous-versions.md@b", "--json", env=env)
    assert done.returncode == 0, done.stderr
    expected = _harvest(registry, cuda_tables=[])
    assert json.loads(done.stdout) == {"torch": json.loads(json.dumps(expected))}
    assert json.loads(done.stdout)["torch"]["releases"]["1.7.0"]["uncertain"].startswith("cuda: none of the")
    matrix = Path(tmp_path) / "matrix.toml"
    shutil.copy(ROOT / "data" / "compat_matrix.toml", matrix)
    written = run("harvest", "--package", "torch", "--doc", str(previous), "previous-versions.md@b",
                  "--matrix", str(matrix), "--write", env=env)
    assert written.returncode == 0, written.stderr
    assert '[torch.releases."2.15.0"]' in matrix.read_text(encoding="utf-8")
    loaded = load(str(matrix))
    assert loaded.torch is not None and [str(r.version) for r in loaded.torch.releases][:2] == ["2.15.0", "2.2.0"]
    # refused: a file with no CUDA table, a --doc with no FAQ table for a codebase, a --doc for a harvest that
    # reads none (numpy-abi, mmcv's wheel table), a repository for torch
    for args, value in [(["--package", "torch", "--doc", str(matrix), "u"], str(matrix)),
                        (["--package", "mmpose", "--repo", str(tmp_path), "--doc", str(release), "u"], str(release)),
                        (["--package", "numpy-abi", "--doc", str(previous), "u"], str(previous)),
                        (["--package", "mmcv", "--repo", str(tmp_path), "--doc", str(previous), "u"], str(previous)),
                        (["--package", "torch", "--repo", str(tmp_path)], str(tmp_path))]:
        refused = run("harvest", *args, env=env)
        assert refused.returncode == 2 and value in refused.stderr and refused.stderr.count("\n") == 1, refused.stderr
        if args[1] in ("numpy-abi", "mmcv"):  # refused for what it is, before any file is read
            assert f"is read for --package torch or a codebase, not '{args[1]}'" in refused.stderr, refused.stderr
