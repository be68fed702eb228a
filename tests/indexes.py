"""Package indexes on 127.0.0.1 laid out like the real ones, for tests that install with real pip.

What is served is small: stand-in wheels and sdists (real torch is GBs, mmcv-full needs CUDA to build),
but the shapes pip meets are the real ones:

- ``{base}/whl/{variant}`` — download.pytorch.org's PEP 503 index (``torch``, ``torchvision``; local
  versions ``2.1.2+cu121``), for ``pip install torch==2.1.2 --index-url {base}/whl/cu121``;
- ``{base}/mmcv/dist/{cuda}/{torch}/index.html`` — OpenMMLab's find-links pages, for ``-f``;
- ``{base}/simple`` — a PEP 503 (optionally PEP 691 JSON) index, for sdists and build tools;
- :func:`mmcv_sdist` — an mmcv(-full) sdist whose ``setup.py`` has the real one's shape: ``pkg_resources``
  imported at the top (setuptools >= 82 no longer ships it) and ops compiled only when ``import torch``
  works in the build environment (build isolation hides the user's torch).

Nothing here prints; the server keeps its request log in :attr:`LoopbackServer.hits`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union
from urllib.parse import quote

from .standins import build_wheel, mmcv_full_standin

__all__ = [
    "OPENMMLAB_TAG", "SIMPLE_JSON", "Hit", "LoopbackServer", "MmcvBuild", "PipVenv", "TorchBuild",
    "cuda_version", "ext_suffix", "find_links_url", "isolated_pip_env", "mmcv_sdist", "mmcv_wheel",
    "openmmlab_links", "restamp_wheel", "serve", "simple_index", "torch_index", "torch_index_url",
    "torch_wheels",
]

#: This interpreter's tag as OpenMMLab spells its wheels: ``cp311-cp311-manylinux1_x86_64``.
OPENMMLAB_TAG = "cp{0}{1}-cp{0}{1}-manylinux1_x86_64".format(*sys.version_info[:2])
#: PEP 691's content type for the JSON form of a simple index.
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


# ---- the server ---------------------------------------------------------------------------------

class Hit(NamedTuple):
    """One request the server answered."""

    method: str
    path: str
    status: int


class _IndexHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: Tuple[str, int], handler: "functools.partial[_IndexHandler]") -> None:
        super().__init__(address, handler)
        self.hits: List[Hit] = []
        self.hits_lock = threading.Lock()


class _IndexHandler(SimpleHTTPRequestHandler):
    """Static files, quiet, with PEP 691 negotiation: a folder's ``index.json`` for clients asking JSON."""

    server: _IndexHTTPServer

    def send_head(self) -> Union[io.BytesIO, BinaryIO, None]:
        folder = Path(self.translate_path(self.path))
        json_page = folder / "index.json"
        if self.path.split("?", 1)[0].endswith("/") and json_page.is_file() and self._accepts_json():
            body = json_page.open("rb")
            self.send_response(200)
            self.send_header("Content-Type", SIMPLE_JSON)
            self.send_header("Content-Length", str(os.fstat(body.fileno()).st_size))
            self.send_header("Vary", "Accept")
            self.end_headers()
            return body
        return super().send_head()

    def _accepts_json(self) -> bool:
        for offer in self.headers.get("Accept", "").split(","):
            kind, _, params = offer.strip().partition(";")
            if kind.strip() == SIMPLE_JSON and params.replace(" ", "") not in ("q=0", "q=0.0"):
                return True
        return False

    def log_request(self, code: Union[int, str] = "-", size: Union[int, str] = "-") -> None:
        status = int(code) if not isinstance(code, str) or code.isdigit() else 0
        with self.server.hits_lock:
            self.server.hits.append(Hit(self.command, self.path, status))

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is :attr:`LoopbackServer.hits`, not stderr."""


class LoopbackServer:
    """A ``ThreadingHTTPServer`` on 127.0.0.1 (a free port) serving ``folder`` from a daemon thread.

    Running once constructed; :meth:`stop` ends it, and so does leaving a ``with`` block. Files written
    into ``folder`` after the start are served too.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        handler = functools.partial(_IndexHandler, directory=str(folder))
        self._httpd = _IndexHTTPServer(("127.0.0.1", 0), handler)
        #: ``http://127.0.0.1:PORT``, no trailing slash.
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"index {self.url}", daemon=True)
        self._thread.start()

    @property
    def hits(self) -> List[Hit]:
        """The requests answered so far, oldest first."""
        with self._httpd.hits_lock:
            return list(self._httpd.hits)

    def stop(self) -> None:
        """Stop serving and free the port; stopping twice is harmless."""
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=10)
        self._httpd.server_close()

    def __enter__(self) -> "LoopbackServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(folder: Path) -> LoopbackServer:
    """Serve ``folder`` on 127.0.0.1: ``server.url`` and ``server.stop()``, or ``with serve(folder) as server``."""
    return LoopbackServer(folder)


# ---- wheels -------------------------------------------------------------------------------------

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record(contents: Mapping[str, bytes], info: str) -> bytes:
    """A RECORD for ``contents``, written the way :func:`tests.standins.build_wheel` writes it."""
    lines = []
    for path, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(data)}")
    lines.append(f"{info}/RECORD,,")
    return ("\n".join(lines) + "\n").encode()


def restamp_wheel(wheel: Path, *, tag: Optional[str] = None, requires: Sequence[str] = (),
                  rename: Optional[Mapping[str, str]] = None) -> Path:
    """Rewrite a wheel built by :mod:`tests.standins`: another tag (file name and WHEEL agree),
    ``Requires-Dist`` lines in METADATA, files renamed; RECORD recomputed. Returns the new path."""
    with zipfile.ZipFile(wheel) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    info = next(name.split("/")[0] for name in contents if name.endswith(".dist-info/WHEEL"))
    old_tag = wheel.name[:-len(".whl")].split("-", 2)[2]
    new_tag = tag or old_tag
    rebuilt: Dict[str, bytes] = {}
    for name, original in contents.items():
        data = original
        if name == f"{info}/RECORD":
            continue
        if name == f"{info}/METADATA" and requires:
            headers, _, body = original.decode().partition("\n\n")
            headers += "".join(f"\nRequires-Dist: {requirement}" for requirement in requires)
            data = f"{headers}\n\n{body}".encode()
        elif name == f"{info}/WHEEL":
            data = re.sub(r"(?m)^Tag: .*$", f"Tag: {new_tag}", original.decode()).encode()
        rebuilt[(rename or {}).get(name, name)] = data
    rebuilt[f"{info}/RECORD"] = _record(rebuilt, info)
    target = wheel.with_name(wheel.name[:-len(old_tag) - len(".whl")] + f"{new_tag}.whl")
    wheel.unlink()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in rebuilt.items():
            archive.writestr(name, data)
    return target


def ext_suffix(tag: str) -> str:
    """The file suffix of a compiled module for a wheel tag: ``cp38-cp38-manylinux1_x86_64`` gives
    ``.cpython-38-x86_64-linux-gnu.so``; a pure tag gives this interpreter's suffix."""
    python, _, platform = tag.split("-")
    match = re.fullmatch(r"cp(\d)(\d+)", python)
    if match is None or platform == "any":
        return str(__import__("sysconfig").get_config_var("EXT_SUFFIX"))
    version = match.group(1) + match.group(2)
    if platform.startswith("win"):
        return f".cp{version}-{'win_amd64' if platform.endswith('amd64') else 'win32'}.pyd"
    arch = "aarch64" if platform.endswith("aarch64") else "x86_64"
    return f".cpython-{version}-{arch}-linux-gnu.so"


def mmcv_wheel(folder: Path, name: str, version: str, *, tag: str = OPENMMLAB_TAG,
               requires: Sequence[str] = ()) -> Path:
    """A stand-in OpenMMLab wheel of ``mmcv-full`` (1.x) or ``mmcv`` (2.x) with a ``mmcv/_ext`` stand-in,
    named as OpenMMLab names them: ``mmcv-2.1.0-cp311-cp311-manylinux1_x86_64.whl``."""
    stock_so = "mmcv/_ext.cpython-311-x86_64-linux-gnu.so"
    rename = {stock_so: f"mmcv/_ext{ext_suffix(tag)}"}
    if name == "mmcv-full":
        return restamp_wheel(mmcv_full_standin(folder, version), tag=tag, requires=requires, rename=rename)
    if name != "mmcv":
        raise ValueError(f"mmcv_wheel builds 'mmcv' or 'mmcv-full', not {name!r}")
    wheel = build_wheel(folder, "mmcv", version, {
        "mmcv/__init__.py": b"from .version import __version__\n",
        "mmcv/version.py": f"__version__ = '{version}'\n".encode(),
        "mmcv/ops/__init__.py": b"from .. import _ext\n",
        stock_so: b"\x7fELF stand-in for the compiled ops " + version.encode(),
    })
    return restamp_wheel(wheel, tag=tag, requires=requires, rename=rename)


# ---- pages --------------------------------------------------------------------------------------

def _anchor(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a><br/>\n'


def _page(title: str, anchors: Iterable[str]) -> str:
    return ("<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.0\">"
            f"<title>{html.escape(title)}</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
            + "".join(anchors) + "</body>\n</html>\n")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class TorchBuild(NamedTuple):
    """One torch / torchvision pair as download.pytorch.org serves it under ``/whl/{variant}``."""

    torch: str  # "2.1.2"
    torchvision: str  # "0.16.2"
    variant: str  # "cu121", "cu113", "cpu"


def cuda_version(variant: str) -> Optional[str]:
    """``torch.version.cuda`` for an index variant: ``cu121`` gives ``'12.1'``, ``cpu`` gives None."""
    if variant == "cpu":
        return None
    match = re.fullmatch(r"cu(\d+)(\d)", variant)
    if match is None:
        raise ValueError(f"not a CUDA or CPU variant of the PyTorch index: {variant!r} (like 'cu121', 'cpu')")
    return f"{int(match.group(1))}.{match.group(2)}"


def torch_wheels(folder: Path, build: TorchBuild, *, tag: str = "py3-none-any") -> Tuple[Path, Path]:
    """Stand-in ``torch`` and ``torchvision`` wheels, local version ``+{variant}``: importable, tiny.

    ``torch/version.py`` is written as the real one writes it; torchvision requires ``torch=={plain}``
    without the local part, as the real ones do.
    """
    cuda = cuda_version(build.variant)
    torch_version = f"{build.torch}+{build.variant}"
    vision_version = f"{build.torchvision}+{build.variant}"
    version_py = (
        "from typing import Optional\n\n"
        "__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n"
        f"__version__ = '{torch_version}'\n"
        "debug = False\n"
        f"cuda: Optional[str] = {cuda!r}\n"
        "git_version = '0000000000000000000000000000000000000000'\n"
        "hip: Optional[str] = None\n"
    )
    torch = build_wheel(folder, "torch", torch_version, {
        "torch/__init__.py": (b'"""Stand-in for torch (tests/indexes.py): importable, tiny, no tensors."""\n'
                              b"from . import cuda, version\nfrom .version import __version__\n"),
        "torch/cuda/__init__.py": b"def is_available() -> bool:\n    return False\n",
        "torch/version.py": version_py.encode(),
    }, tag=tag)
    vision = build_wheel(folder, "torchvision", vision_version, {
        "torchvision/__init__.py": b"from .version import __version__\n",
        "torchvision/version.py": f"__version__ = '{vision_version}'\ncuda = {cuda!r}\n".encode(),
    }, tag=tag)
    return torch, restamp_wheel(vision, requires=[f"torch=={build.torch}"])


def torch_index(folder: Path, builds: Iterable[TorchBuild], *, tag: str = "py3-none-any") -> List[str]:
    """Lay out download.pytorch.org's index under ``folder``; returns the variants laid out.

    Wheels at ``whl/{variant}/{file}``, PEP 503 pages at ``whl/{variant}/{torch,torchvision}/``
    (links ``../{file}#sha256=...``) and ``whl/{variant}/``. pip's ``--index-url`` is
    :func:`torch_index_url` (``{base}/whl/{variant}``). Calling it again adds to the index.
    """
    variants: List[str] = []
    for build in builds:
        root = folder / "whl" / build.variant
        root.mkdir(parents=True, exist_ok=True)
        torch_wheels(root, build, tag=tag)
        if build.variant not in variants:
            variants.append(build.variant)
    for variant in variants:
        root = folder / "whl" / variant
        projects = sorted({_canonical(wheel.name.split("-")[0]) for wheel in root.glob("*.whl")})
        for project in projects:
            (root / project).mkdir(exist_ok=True)
            anchors = [_anchor(f"../{quote(wheel.name)}#sha256={_sha256(wheel.read_bytes())}", wheel.name)
                       for wheel in sorted(root.glob("*.whl")) if _canonical(wheel.name.split("-")[0]) == project]
            (root / project / "index.html").write_text(_page(f"Links for {project}", anchors), encoding="utf-8")
        (root / "index.html").write_text(_page("Simple index", (_anchor(f"{p}/", p) for p in projects)),
                                         encoding="utf-8")
    return variants


def torch_index_url(base: str, variant: str) -> str:
    """pip's ``--index-url`` for a variant of :func:`torch_index`: ``{base}/whl/{variant}``."""
    return f"{base}/whl/{variant}"


class MmcvBuild(NamedTuple):
    """One wheel on an OpenMMLab find-links page ``mmcv/dist/{cuda}/{torch}/index.html``."""

    name: str  # "mmcv" (2.x) or "mmcv-full" (1.x)
    version: str  # "2.1.0"
    cuda: str  # "cu121", "cpu"
    torch: str  # "torch2.1" (2.x pages) or "torch1.11.0" (1.x pages)
    tag: str = OPENMMLAB_TAG


def openmmlab_links(folder: Path, builds: Iterable[MmcvBuild]) -> List[str]:
    """Lay out OpenMMLab's find-links pages under ``folder``; returns their paths, such as
    ``mmcv/dist/cu121/torch2.1/index.html``.

    Each page sits beside its wheels and links every wheel in its folder (calling again adds to a page),
    the link text ``{cuda}/{torch}/{file}`` as download.openmmlab.com writes it. pip's ``-f`` is
    :func:`find_links_url`.
    """
    pages: List[str] = []
    for build in builds:
        page_folder = folder / "mmcv" / "dist" / build.cuda / build.torch
        page_folder.mkdir(parents=True, exist_ok=True)
        mmcv_wheel(page_folder, build.name, build.version, tag=build.tag)
        page = f"mmcv/dist/{build.cuda}/{build.torch}/index.html"
        if page not in pages:
            pages.append(page)
    for page in pages:
        page_folder = folder / page.rsplit("/", 1)[0]
        cuda, torch = page.split("/")[2:4]
        anchors = [_anchor(quote(wheel.name), f"{cuda}/{torch}/{wheel.name}")
                   for wheel in sorted(page_folder.glob("*.whl"))]
        (page_folder / "index.html").write_text(_page(f"{cuda}/{torch}", anchors), encoding="utf-8")
    return pages


def find_links_url(base: str, cuda: str, torch: str) -> str:
    """pip's ``-f`` for an OpenMMLab page: ``{base}/mmcv/dist/{cuda}/{torch}/index.html``."""
    return f"{base}/mmcv/dist/{cuda}/{torch}/index.html"


def simple_index(folder: Path, projects: Mapping[str, Iterable[Path]], *, root: str = "simple",
                 json_pages: bool = False) -> str:
    """A PEP 503 index under ``folder/{root}``: files copied to ``{root}/{project}/`` beside its
    ``index.html`` (links ``{file}#sha256=...``), and ``{root}/index.html`` listing every project.

    ``json_pages`` adds PEP 691 ``index.json`` pages, which the server sends to clients asking for
    ``application/vnd.pypi.simple.v1+json`` (pip does). Returns ``root``: pip's ``--index-url`` is
    ``{base}/{root}``. Several roots on one server make several indexes.
    """
    base = folder / root
    for name, files in projects.items():
        project = _canonical(name)
        target = base / project
        target.mkdir(parents=True, exist_ok=True)
        for file in files:
            if (target / file.name) != file:
                shutil.copyfile(file, target / file.name)
        listed = sorted(p for p in target.iterdir() if p.name not in ("index.html", "index.json"))
        hashes = {p.name: _sha256(p.read_bytes()) for p in listed}
        anchors = [_anchor(f"{quote(p.name)}#sha256={hashes[p.name]}", p.name) for p in listed]
        (target / "index.html").write_text(_page(f"Links for {project}", anchors), encoding="utf-8")
        if json_pages:
            files_json = [{"filename": p.name, "url": quote(p.name), "hashes": {"sha256": hashes[p.name]}}
                          for p in listed]
            (target / "index.json").write_text(json.dumps({"meta": {"api-version": "1.0"}, "name": project,
                                                           "files": files_json}), encoding="utf-8")
    names = sorted(p.name for p in base.iterdir() if p.is_dir())
    (base / "index.html").write_text(_page("Simple index", (_anchor(f"{n}/", n) for n in names)), encoding="utf-8")
    if json_pages:
        (base / "index.json").write_text(json.dumps({"meta": {"api-version": "1.0"},
                                                     "projects": [{"name": n} for n in names]}), encoding="utf-8")
    return root


# ---- an mmcv sdist ------------------------------------------------------------------------------

_SETUP_PY = '''\
# Stand-in for mmcv's setup.py (tests/indexes.py), with the real one's shape where installing cares:
# pkg_resources imported at the top (setuptools >= 82 no longer ships it), and ops built only when
# torch imports in the build environment (build isolation hides the torch the user installed).
import os
import re
import sys

from pkg_resources import DistributionNotFound, get_distribution, parse_version
from setuptools import Extension, find_packages, setup

try:
    import torch
except ModuleNotFoundError:
    torch = None
    sys.stderr.write('Skip building ext ops due to the absence of torch.\\n')

NAME = {name!r}


def choose_requirement(primary, secondary):
    """If some version of primary requirement installed, return primary, else return secondary."""
    try:
        name = re.split(r'[!<>=]', primary)[0]
        get_distribution(name)
    except DistributionNotFound:
        return secondary
    return str(primary)


def get_version():
    version_file = 'mmcv/version.py'
    with open(version_file, encoding='utf-8') as f:
        exec(compile(f.read(), version_file, 'exec'))
    return locals()['__version__']


def get_extensions():
    if torch is None or os.getenv('MMCV_WITH_OPS', {with_ops_default!r}) == '0':
        return []
    define_macros = []
    if torch.cuda.is_available() or os.getenv('FORCE_CUDA', '0') == '1':
        cuda = torch.version.cuda or 'unknown'
        define_macros += [('MMCV_WITH_CUDA', None), ('MMCV_CUDA_VERSION', '"%s"' % cuda)]
    return [Extension('mmcv._ext', sources=['mmcv/ops/csrc/pybind.c'], define_macros=define_macros)]


def write_build_info(extensions):
    """What this build saw, for tests to read: mmcv/_build_info.py."""
    info = {{
        'MMCV_WITH_OPS': os.getenv('MMCV_WITH_OPS'),
        'FORCE_CUDA': os.getenv('FORCE_CUDA'),
        'TORCH_VERSION': None if torch is None else torch.__version__,
        'WITH_EXT': bool(extensions),
        'SETUPTOOLS_VERSION': str(parse_version(get_distribution('setuptools').version)),
        'OPENCV_REQUIREMENT': choose_requirement('opencv-python-headless>=3', 'opencv-python>=3'),
    }}
    with open('mmcv/_build_info.py', 'w', encoding='utf-8') as f:
        f.writelines('%s = %r\\n' % item for item in info.items())


extensions = get_extensions()
write_build_info(extensions)
setup(
    name=NAME,
    version=get_version(),
    description='OpenMMLab Computer Vision Foundation (test stand-in)',
    packages=find_packages(include=['mmcv', 'mmcv.*']),
    python_requires='>=3.6',
    ext_modules=extensions,
    zip_safe=False,
)
'''

_PYBIND_C = r'''/* Stand-in for mmcv's compiled ops (tests/indexes.py): a real extension module, no kernels. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *get_compiler_version(PyObject *self, PyObject *unused) {
#if defined(__GNUC__)
    return PyUnicode_FromFormat("GCC %d.%d", __GNUC__, __GNUC_MINOR__);
#else
    return PyUnicode_FromString("unknown");
#endif
}

static PyObject *get_compiling_cuda_version(PyObject *self, PyObject *unused) {
#ifdef MMCV_WITH_CUDA
    return PyUnicode_FromString(MMCV_CUDA_VERSION);
#else
    return PyUnicode_FromString("not available");
#endif
}

static PyMethodDef methods[] = {
    {"get_compiler_version", get_compiler_version, METH_NOARGS, "The compiler that built the ops."},
    {"get_compiling_cuda_version", get_compiling_cuda_version, METH_NOARGS, "The CUDA the ops were built for."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, methods};

PyMODINIT_FUNC PyInit__ext(void) { return PyModule_Create(&module); }
'''

_OPS_INIT = b'''from .. import _ext

get_compiler_version = _ext.get_compiler_version
get_compiling_cuda_version = _ext.get_compiling_cuda_version
'''


def mmcv_sdist(folder: Path, name: str, version: str, *, with_ops_default: Optional[bool] = None) -> Path:
    """A stand-in sdist ``{name}-{version}.tar.gz`` of mmcv-full (or mmcv) shaped like the real one.

    Its ``setup.py`` imports ``pkg_resources`` at the top and compiles a tiny real C extension
    ``mmcv._ext`` only when ``import torch`` works in the build environment and ``MMCV_WITH_OPS`` is not
    ``'0'`` (default ``'1'`` for mmcv-full and mmcv 2.x, ``'0'`` for mmcv 1.x, as published); otherwise a
    pure-Python wheel. It records what it saw in ``mmcv/_build_info.py`` (``MMCV_WITH_OPS``,
    ``FORCE_CUDA``, ``TORCH_VERSION``, ``WITH_EXT``, ``SETUPTOOLS_VERSION``). ``mmcv.ops`` imports
    ``_ext``, so it imports only where the ops were built.
    """
    if with_ops_default is None:
        with_ops_default = name == "mmcv-full" or not version.startswith(("0.", "1."))
    top = f"{name}-{version}"
    files: Dict[str, bytes] = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                    "Summary: OpenMMLab Computer Vision Foundation (test stand-in)\n".encode(),
        "setup.py": _SETUP_PY.format(name=name, with_ops_default="1" if with_ops_default else "0").encode(),
        "mmcv/__init__.py": b"from .version import __version__\n",
        "mmcv/version.py": f"__version__ = '{version}'\n".encode(),
        "mmcv/ops/__init__.py": _OPS_INIT,
        "mmcv/ops/csrc/pybind.c": _PYBIND_C.encode(),
    }
    return write_sdist(folder, top, files)


def write_sdist(folder: Path, top: str, files: Dict[str, bytes]) -> Path:
    """``folder/TOP.tar.gz`` holding ``files`` under ``TOP/``, with fixed times (the same bytes every run)."""
    target = folder / f"{top}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for path, data in files.items():
            member = tarfile.TarInfo(f"{top}/{path}")
            member.size = len(data)
            member.mode = 0o644
            member.mtime = 1_650_000_000
            archive.addfile(member, io.BytesIO(data))
    return target


# ---- pip in a fresh venv ------------------------------------------------------------------------

def isolated_pip_env(cache_dir: Optional[Path] = None, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """``os.environ`` for a pip that sees only what the test offers it: no ``PIP_*`` variables (this
    machine sets ``PIP_FIND_LINKS``), no configuration files (``PIP_CONFIG_FILE=os.devnull``, so a global
    constraint file does not apply), its own cache, and 127.0.0.1 never sent to a proxy. No ``MMCOMPAT_*``
    variable of the test process either (its cache folder, hence the wheelhouse, would be shared by every
    test given this environment): ``extra`` names the ones a test wants."""
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith(("PIP_", "MMCOMPAT_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    if cache_dir is not None:
        env["PIP_CACHE_DIR"] = str(cache_dir)
    for key in ("NO_PROXY", "no_proxy"):
        env[key] = ",".join(filter(None, [env.get(key, ""), "127.0.0.1", "localhost"]))
    env.update(extra or {})
    return env


class PipVenv:
    """A fresh ``python -m venv`` (with its own pip); pip runs as ``[python, "-m", "pip", ...]`` in it."""

    def __init__(self, path: Path, base_python: str = sys.executable) -> None:
        self.path = path
        subprocess.run([base_python, "-m", "venv", str(path)], check=True, capture_output=True, timeout=300)
        scripts, executable = ("Scripts", "python.exe") if os.name == "nt" else ("bin", "python")
        self.python = str(path / scripts / executable)
        self.cache = path / "pip-cache"
        self.site = Path(self.run("import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())

    def pip(self, *args: str, env: Optional[Mapping[str, str]] = None,
            timeout: float = 300) -> "subprocess.CompletedProcess[str]":
        """Run this venv's pip with :func:`isolated_pip_env` (plus ``env``); the caller checks the result."""
        return subprocess.run([self.python, "-m", "pip", *args], check=False, capture_output=True, text=True,
                              timeout=timeout, env=isolated_pip_env(self.cache, env))

    def run(self, code: str) -> "subprocess.CompletedProcess[str]":
        """Run ``python -c code`` in this venv (never in the test process); the caller checks the result."""
        return subprocess.run([self.python, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                              env=isolated_pip_env(self.cache))
