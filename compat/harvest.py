"""Read compatibility facts out of an upstream OpenMMLab git repository, without running any of it.

For every release tag and development branch: the bounds ``<package>/__init__.py`` asserts at import
(parsed with :mod:`ast`: the comparison operators, which ``digit_version`` it uses, and the assertion
message), and ``requirements/mminstall.txt`` (what OpenMMLab's ``mim`` installs). The documented ranges
come from FAQ compatibility tables (Markdown), given as separate inputs.

Git runs as ``git -C REPO ...`` with an argument list; a bare mirror works as well as a checkout.
"""

from __future__ import annotations

import ast
import contextlib
import os
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .errors import BadInput, CompatError
from .ranges import Range

__all__ = [
    "FIND_LINKS",
    "HEADER",
    "DocTable",
    "EnforcedCheck",
    "GitRepo",
    "HarvestedRelease",
    "assemble_package",
    "build_matrix",
    "default_doc_refs",
    "harvest_repo",
    "parse_faq_table",
    "parse_init",
    "parse_mminstall",
    "parse_version_file",
    "read_distribution",
    "read_doc_refs",
]

#: Installer entries mmpose imports only for some features (detection demos, tracking): not needed by
#: a plain ``import mmpose``, so ``resolve`` lists them in its JSON but not as requirements.
OPTIONAL_DISTRIBUTIONS = frozenset({"mmdet", "mmtrack"})

_OPERATORS = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<"}
_FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}


@dataclass(frozen=True)
class EnforcedCheck:
    """The bounds one module's version is asserted against at import.

    ``module`` is the imported module (``mmcv``), ``spec`` the PEP 440 equivalent of the assertion,
    ``compare`` which ``digit_version`` it compares with, ``messages`` the assertion texts with
    ``{version}`` where the running version goes.
    """

    module: str
    spec: str
    compare: str
    messages: Tuple[str, ...]


@dataclass(frozen=True)
class HarvestedRelease:
    """Everything read for one ref: the enforced checks and the installer requirements."""

    key: str
    ref: str
    commit: str
    version: str
    is_branch: bool
    enforced: Tuple[EnforcedCheck, ...]
    installer: Mapping[str, str]
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DocTable:
    """A FAQ compatibility table: rows keyed as written (``0.28.0``, ``master``) and where it came from."""

    rows: Mapping[str, Mapping[str, str]]
    source: str


def _digit_version_flavour(tree: ast.Module) -> str:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "digit_version":
            return "local"
        if isinstance(node, ast.ImportFrom) and any(a.name == "digit_version" for a in node.names):
            return f"{node.module}.digit_version"
    return ""


def _string_constants(tree: ast.Module) -> Dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found[node.targets[0].id] = value.value
    return found


def _version_attribute(node: ast.AST) -> str:
    """``mmcv.__version__`` -> ``mmcv``; anything else -> ``""``."""
    if isinstance(node, ast.Attribute) and node.attr == "__version__" and isinstance(node.value, ast.Name):
        return node.value.id
    return ""


def _running_version_names(tree: ast.Module) -> Dict[str, str]:
    """Names bound to ``digit_version(<module>.__version__)``, mapped to the module."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            call = node.value
            if isinstance(call, ast.Call) and call.args:
                module = _version_attribute(call.args[0])
                if module:
                    found[node.targets[0].id] = module
    return found


def _bound_names(tree: ast.Module, constants: Mapping[str, str]) -> Dict[str, str]:
    """Names bound to ``digit_version(CONSTANT)`` (mmtrack's style), mapped to the version text."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            call = node.value
            if isinstance(call, ast.Call) and len(call.args) == 1:
                arg = call.args[0]
                if isinstance(arg, ast.Name) and arg.id in constants:
                    found[node.targets[0].id] = constants[arg.id]
                elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found[node.targets[0].id] = arg.value
    return found


def _operand(node: ast.AST, running: Mapping[str, str], constants: Mapping[str, str]) -> Tuple[str, str]:
    """Classify a comparison operand: ("running", module) or ("bound", version text) or ("", "")."""
    if isinstance(node, ast.Call) and len(node.args) == 1:
        node = node.args[0]
    if isinstance(node, ast.Name):
        if node.id in running:
            return "running", running[node.id]
        if node.id in constants:
            return "bound", constants[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "bound", node.value
    return "", ""


def _comparisons(test: ast.AST) -> List[ast.Compare]:
    return [node for node in ast.walk(test) if isinstance(node, ast.Compare)]


def _message(node: Optional[ast.AST], constants: Mapping[str, str]) -> str:
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _message(node.left, constants) + _message(node.right, constants)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                inner = value.value
                if _version_attribute(inner):
                    parts.append("{version}")
                elif isinstance(inner, ast.Name) and inner.id in constants:
                    parts.append(constants[inner.id])
                else:
                    parts.append("{?}")
        return "".join(parts)
    return ""


def parse_init(source: str, *, origin: str = "__init__.py") -> Tuple[EnforcedCheck, ...]:
    """The version checks a package's ``__init__.py`` makes at import, read with :mod:`ast` only.

    Each ``assert`` comparing ``digit_version(<module>.__version__)`` with a bound becomes part of that
    module's spec, with the operator as written: ``digit_version(max) > v`` is ``<max``, ``v <= max``
    is ``<=max``. Raises :class:`CompatError` when the file does not parse.
    """
    try:
        tree = ast.parse(source, filename=origin)
    except (SyntaxError, ValueError) as e:
        raise CompatError(f"cannot parse {origin}: {e}") from e
    constants = _string_constants(tree)
    running = _running_version_names(tree)
    known = dict(constants)
    known.update(_bound_names(tree, constants))
    flavour = _digit_version_flavour(tree)
    specs: Dict[str, List[str]] = {}
    messages: Dict[str, List[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assert):
            continue
        modules_here = []
        for compare in _comparisons(node.test):
            operands = [compare.left, *list(compare.comparators)]
            for position, operator in enumerate(compare.ops):  # a <= v < b is two comparisons
                if type(operator) not in _OPERATORS:
                    continue
                op = _OPERATORS[type(operator)]
                left = _operand(operands[position], running, known)
                right = _operand(operands[position + 1], running, known)
                if left[0] == "running" and right[0] == "bound":
                    module, spec = left[1], op + right[1]
                elif left[0] == "bound" and right[0] == "running":
                    module, spec = right[1], _FLIPPED[op] + left[1]
                else:
                    continue
                specs.setdefault(module, []).append(spec)
                modules_here.append(module)
        text = _message(node.msg, known)
        for module in dict.fromkeys(modules_here):
            if text and text not in messages.setdefault(module, []):
                messages[module].append(text)
    return tuple(
        EnforcedCheck(
            module=module,
            spec=str(Range.parse(",".join(parts))),
            compare=flavour,
            messages=tuple(messages.get(module, ())),
        )
        for module, parts in specs.items()
    )


def parse_mminstall(text: str) -> Dict[str, str]:
    """``requirements/mminstall.txt`` as {distribution: spec}; a bare name gives an empty spec."""
    found: Dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as e:
            raise CompatError(f"cannot parse mminstall line {line!r}: {e}") from e
        found[canonicalize_name(requirement.name)] = str(Range.parse(str(requirement.specifier)))
    return found


def _faq_cell(cell: str) -> Dict[str, str]:
    """``mmcv-full>=1.3.8, \\<1.7.0`` or ``mmcv>=2.0.1, mmengine>=0.9.0`` -> {distribution: spec}."""
    found: Dict[str, List[str]] = {}
    current = ""
    for part in cell.replace("\\<", "<").replace("\\>", ">").split(","):
        part = part.strip()
        if not part:
            continue
        if part[0] in "<>=!~":
            if not current:
                raise BadInput(f"FAQ cell starts with a bare specifier: {cell!r}", value=cell)
            found[current].append(part)
            continue
        try:
            requirement = Requirement(part)
        except InvalidRequirement as e:
            raise BadInput(f"FAQ cell is not a requirement list: {cell!r}", value=cell) from e
        current = canonicalize_name(requirement.name)
        found.setdefault(current, []).append(str(requirement.specifier))
    return {name: str(Range.parse(",".join(p for p in parts if p))) for name, parts in found.items()}


def parse_faq_table(markdown: str) -> Dict[str, Dict[str, str]]:
    """Every compatibility row of a FAQ page: {release or branch: {distribution: spec}}.

    Rows are Markdown table lines whose second cell names an mmcv distribution; release keys are
    normalized (``1.0.0rc1``), branch names (``master``, ``0.x``) kept as written.
    """
    rows: Dict[str, Dict[str, str]] = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[1].startswith("mmcv"):
            continue
        key = cells[0]
        with contextlib.suppress(InvalidVersion):
            key = str(Version(key))
        rows.setdefault(key, _faq_cell(cells[1]))
    return rows


def parse_version_file(source: str) -> str:
    """``__version__`` from a ``version.py``, read with :mod:`ast`; ``""`` when absent."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    return _string_constants(tree).get("__version__", "")


class GitRepo:
    """Read-only access to a local git repository (bare or not) through the ``git`` command."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _git(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                ["git", "-C", self.path, *args], capture_output=True, check=False, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise CompatError(f"cannot run git in {self.path}: {e}") from e

    def refs(self) -> Tuple[Dict[str, str], Dict[str, str]]:
        """({tag: commit}, {branch: commit}), tags peeled to their commits."""
        done = self._git(
            "for-each-ref", "--format=%(refname)%00%(objectname)%00%(*objectname)", "refs/tags", "refs/heads"
        )
        if done.returncode != 0:
            raise CompatError(f"not a git repository: {self.path}")
        tags, branches = {}, {}
        for line in done.stdout.decode("utf-8", "replace").splitlines():
            name, obj, peeled = line.split("\0")
            if name.startswith("refs/tags/"):
                tags[name[len("refs/tags/"):]] = peeled or obj
            elif name.startswith("refs/heads/"):
                branches[name[len("refs/heads/"):]] = obj
        return tags, branches

    def read(self, commit: str, path: str) -> Optional[str]:
        """The text of ``path`` at ``commit``, or None when it does not exist there."""
        done = self._git("cat-file", "blob", f"{commit}:{path}")
        if done.returncode != 0:
            return None
        return done.stdout.decode("utf-8", "replace")


def _release_key(tag: str) -> Optional[str]:
    text = tag[1:] if tag[:1] in "vV" else tag
    try:
        return str(Version(text))
    except ValueError:  # InvalidVersion, or a number past int()'s digit limit
        return None


def harvest_repo(
    repo: GitRepo,
    package: str,
    *,
    branches: Sequence[str] = (),
    url: str = "",
) -> List[HarvestedRelease]:
    """Harvest every version tag of ``repo`` (and the named branches) for ``package``.

    ``url`` is the upstream repository URL used in provenance (``URL/blob/REF/PATH``).
    """
    tags, heads = repo.refs()
    wanted: List[Tuple[str, str, str, bool]] = []
    for tag, commit in tags.items():
        key = _release_key(tag)
        if key is not None:
            wanted.append((key, tag, commit, False))
    for branch in branches:
        if branch not in heads:
            raise BadInput(f"branch {branch!r} not in {repo.path}", value=branch)
        wanted.append((branch, branch, heads[branch], True))
    init_path = f"{package}/__init__.py"
    results = []
    for key, ref, commit, is_branch in wanted:
        where = ref if not is_branch else commit
        init_source = repo.read(commit, init_path)
        checks = parse_init(init_source, origin=f"{init_path}@{ref}") if init_source else ()
        installer_text = repo.read(commit, "requirements/mminstall.txt")
        installer = parse_mminstall(installer_text) if installer_text is not None else {}
        version = parse_version_file(repo.read(commit, f"{package}/version.py") or "") or key
        results.append(
            HarvestedRelease(
                key=key,
                ref=ref,
                commit=commit,
                version=version,
                is_branch=is_branch,
                enforced=checks,
                installer=installer,
                sources={
                    "enforced": f"{url}/blob/{where}/{init_path}",
                    "installer": f"{url}/blob/{where}/requirements/mminstall.txt",
                },
            )
        )
    return results


def _distribution(module: str, installer: Mapping[str, str], spec: str) -> str:
    """The distribution that provides ``module`` for this release (``mmcv`` -> mmcv-full for 0.x)."""
    if module != "mmcv":
        return module
    if "mmcv-full" in installer:
        return "mmcv-full"
    if "mmcv" in installer:
        return "mmcv"
    lower = Range.parse(spec).lower
    return "mmcv-full" if lower is not None and lower.version.major < 2 else "mmcv"


_ORDER = ("mmcv-full", "mmcv", "mmengine")


def assemble_package(
    package: str,
    repository: str,
    harvested: Sequence[HarvestedRelease],
    docs: Sequence[DocTable],
) -> Dict[str, object]:
    """Build the matrix table of ``package`` (the TOML shape of ``docs/matrix.md``) from harvested refs
    and FAQ tables; a row of an earlier table wins over a later one."""
    releases: Dict[str, object] = {}
    branches: Dict[str, object] = {}
    for item in sorted(harvested, key=lambda h: (h.is_branch, Version(h.version), h.key), reverse=True):
        deps: Dict[str, Dict[str, object]] = {}
        for check in item.enforced:
            fact: Dict[str, object] = {"spec": check.spec, "source": item.sources["enforced"]}
            if check.compare:
                fact["compare"] = check.compare
            if check.messages:
                fact["messages"] = list(check.messages)
            if any("{?}" in m for m in check.messages):
                fact["uncertain"] = "the assertion message has a part that is not a version or a bound"
            deps.setdefault(_distribution(check.module, item.installer, check.spec), {})["enforced"] = fact
        for name, spec in item.installer.items():
            deps.setdefault(name, {})["installer"] = {"spec": spec, "source": item.sources["installer"]}
        for doc in docs:
            row = doc.rows.get(item.key)
            if row is not None:
                for name, spec in row.items():
                    deps.setdefault(name, {})["documented"] = {"spec": spec, "source": doc.source}
                break
        table: Dict[str, object] = {"ref": item.ref, "commit": item.commit}
        if item.is_branch:
            table["version"] = item.version
        if not deps:
            table["note"] = (
                f"{package}/__init__.py at {item.ref} asserts no version, "
                "there is no requirements/mminstall.txt and no FAQ row"
            )
        ordered = sorted(deps, key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
        for name in ordered:
            dep: Dict[str, object] = {
                source: deps[name][source] for source in ("documented", "enforced", "installer") if source in deps[name]
            }
            if name in OPTIONAL_DISTRIBUTIONS:
                dep = {"optional": True, **dep}
            table[name] = dep
        (branches if item.is_branch else releases)[item.key] = table
    result: Dict[str, object] = {"repository": repository, "releases": releases}
    if branches:
        result["branches"] = branches
    return result


# OpenMMLab's prebuilt-wheel index, as mmcv's own installation docs spell it for each line (read by hand:
# these pages are documentation, not files a harvester can parse).
FIND_LINKS: Dict[str, object] = {
    "url": "https://download.openmmlab.com/mmcv/dist/{cuda}/{torch}/index.html",
    "mmcv-full": {
        "torch": "torch{major}.{minor}.0",
        "source": "https://github.com/open-mmlab/mmcv/blob/v1.4.2/docs/zh_cn/get_started/previous_versions.md",
    },
    "mmcv": {
        "torch": "torch{major}.{minor}",
        "source": "https://github.com/open-mmlab/mmcv/blob/058a3e8c35586d40d3dadbc7256481f9ab02a660/"
        "docs/en/get_started/installation.md",
    },
}
HEADER = (
    "The compatibility matrix of mmcompat. Generated: do not edit by hand; see docs/matrix.md.\n"
    "Regenerate with: mmcompat harvest --repo PATH-TO-open-mmlab/mmpose --write"
)
_MEMBER_CAP = 4 * 1024 * 1024


def default_doc_refs(repo: GitRepo, package: str = "mmpose") -> List[Tuple[str, str]]:
    """The FAQ pages read by default: the 0.x table on ``master`` (docs/zh_cn, the FAQ seed), then the
    newest release tag's docs/en/faq.md (its 1.x table). Only those that exist."""
    tags, heads = repo.refs()
    refs: List[Tuple[str, str]] = []
    if "master" in heads and repo.read(heads["master"], "docs/zh_cn/faq.md") is not None:
        refs.append(("master", "docs/zh_cn/faq.md"))
    released = [(Version(k), t) for t, k in ((t, _release_key(t)) for t in tags) if k is not None]
    if released:
        newest = max(released)[1]
        if repo.read(tags[newest], "docs/en/faq.md") is not None:
            refs.append((newest, "docs/en/faq.md"))
    return refs


def read_doc_refs(repo: GitRepo, refs: Sequence[Tuple[str, str]], url: str) -> List[DocTable]:
    """FAQ tables at ``(ref, path)``; provenance names a branch by its commit, a tag by its name."""
    tags, heads = repo.refs()
    docs = []
    for ref, path in refs:
        commit = heads.get(ref) or tags.get(ref) or ref
        text = repo.read(commit, path)
        if text is None:
            raise BadInput(f"{path} not found at {ref} in {repo.path}", value=f"{ref}:{path}")
        shown = heads.get(ref, ref)
        docs.append(DocTable(parse_faq_table(text), f"{url}/blob/{shown}/{path}"))
    return docs


def build_matrix(package: str, url: str, harvested: Sequence[HarvestedRelease], docs: Sequence[DocTable],
                 generated: str) -> Dict[str, object]:
    """The whole matrix file's data, as ``mmcompat harvest --write`` writes it."""
    from .matrix import SCHEMA_VERSION

    return {
        "schema": SCHEMA_VERSION,
        "generated": generated,
        "generator": "mmcompat harvest",
        "sources": {
            "documented": "FAQ compatibility tables: " + "; ".join(d.source for d in docs),
            "enforced": f"the version assertions in {package}/__init__.py of each tag, parsed with ast",
            "installer": "requirements/mminstall.txt of each tag (what OpenMMLab's mim installs)",
        },
        "find_links": FIND_LINKS,
        package: assemble_package(package, url, harvested, docs),
    }


def _mim_extra(metadata: str) -> Dict[str, str]:
    """The ``mim`` extra of a wheel's METADATA: what mim installs, as mminstall.txt would list it."""
    found: Dict[str, str] = {}
    for line in metadata.splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        try:
            requirement = Requirement(line.split(":", 1)[1].strip())
        except InvalidRequirement:
            continue
        marker = requirement.marker
        if marker is not None and marker.evaluate({"extra": "mim"}) and not marker.evaluate({"extra": ""}):
            found[canonicalize_name(requirement.name)] = str(Range.parse(str(requirement.specifier)))
    return found


def read_distribution(path: str, package: str) -> HarvestedRelease:
    """Harvest one downloaded wheel or sdist (for repositories too large to clone); nothing is run."""
    import tarfile
    import zipfile

    name = os.path.basename(path)
    files: Dict[str, str] = {}
    try:
        if name.endswith(".whl") or name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.file_size <= _MEMBER_CAP:
                        files[info.filename] = archive.read(info).decode("utf-8", "replace")
        elif name.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(path) as archive:
                for member in archive.getmembers():
                    if member.isfile() and member.size <= _MEMBER_CAP:
                        handle = archive.extractfile(member)
                        if handle is not None:
                            files[member.name.split("/", 1)[1] if "/" in member.name else member.name] = (
                                handle.read().decode("utf-8", "replace"))
        else:
            raise BadInput(f"not a wheel or sdist: {path}", value=path)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as e:
        raise BadInput(f"cannot read {path}: {e}", value=path) from e
    init_name = f"{package}/__init__.py"
    if init_name not in files:
        raise BadInput(f"{path} has no {init_name}", value=path)
    version = parse_version_file(files.get(f"{package}/version.py", ""))
    metadata = next((text for member, text in files.items()
                     if member.endswith((".dist-info/METADATA", "PKG-INFO")) and member.count("/") <= 1), "")
    if not version:
        version = next((line.split(":", 1)[1].strip() for line in metadata.splitlines()
                        if line.startswith("Version:")), "")
    key = _release_key(version)
    if key is None:
        raise BadInput(f"no version found in {path}", value=path)
    project = name.split("-", 1)[0].replace("_", "-")
    pypi = f"https://pypi.org/project/{project}/{version}/"
    if "requirements/mminstall.txt" in files:
        installer = parse_mminstall(files["requirements/mminstall.txt"])
        installer_source = f"{name}:requirements/mminstall.txt"
    else:
        installer = _mim_extra(metadata)
        installer_source = f"{name}:METADATA (extra 'mim')"
    return HarvestedRelease(
        key=key, ref=name, commit="", version=version, is_branch=False,
        enforced=parse_init(files[init_name], origin=f"{name}:{init_name}"), installer=installer,
        sources={"enforced": f"{pypi} {name}:{init_name}", "installer": f"{pypi} {installer_source}"},
    )


#: Where mmcv's docs keep their version picker's data, and which branch documents which line.
WHEEL_DATA_PATH = "docs/en/_static/version.json"
WHEEL_LINES = (("1.x", "mmcv-full"), ("main", "mmcv"))
_PLATFORMS = {"linux": "linux", "windows": "windows", "macos": "macos"}


def parse_wheel_builds(text: str) -> List[Dict[str, object]]:
    """mmcv's ``version.json`` as rows ``{platform, cuda, torch, versions}`` (torch as ``major.minor``)."""
    import json

    try:
        data = json.loads(text)
    except ValueError as e:
        raise CompatError(f"{WHEEL_DATA_PATH} is not JSON: {e}") from e
    rows: List[Dict[str, object]] = []
    if not isinstance(data, dict):
        raise CompatError(f"{WHEEL_DATA_PATH} is not an object")
    for system, entries in data.items():
        platform = _PLATFORMS.get(str(system).lower())
        if platform is None or not isinstance(entries, list):
            continue
        for entry in entries:
            torch = str(entry.get("torch", "")).replace(".x", "")
            versions = [str(v) for v in entry.get("mmcv", [])]
            if not torch or not versions:
                continue
            rows.append({"platform": platform, "cuda": str(entry.get("cuda", "")), "torch": torch,
                         "versions": sorted(versions, key=Version, reverse=True)})
    return rows


def harvest_wheel_builds(repo: GitRepo, url: str) -> Dict[str, object]:
    """The ``[wheels]`` table: for each mmcv line, the prebuilt wheels mmcv's docs list, with provenance."""
    _, heads = repo.refs()
    table: Dict[str, object] = {}
    for branch, distribution in WHEEL_LINES:
        if branch not in heads:
            raise BadInput(f"branch {branch!r} not in {repo.path}", value=branch)
        text = repo.read(heads[branch], WHEEL_DATA_PATH)
        if text is None:
            raise BadInput(f"{WHEEL_DATA_PATH} not found on {branch}", value=branch)
        table[distribution] = {
            "source": f"{url}/blob/{heads[branch]}/{WHEEL_DATA_PATH}",
            "builds": parse_wheel_builds(text),
        }
    return table


_TOP_ORDER = ("schema", "generated", "generator", "sources", "find_links", "wheels", "numpy_abi", "build", "nvidia",
              "torch")
#: Facts about an mmcv line that no harvested file states (read off observed wheel files, by hand,
#: each with its source): kept when the version picker's rows are harvested again.
_KEPT_WHEEL_KEYS = ("python", "observed")


def merge_matrix(old: Mapping[str, object], parts: Mapping[str, object]) -> Dict[str, object]:
    """``old`` with the top-level tables in ``parts`` replaced, in one stable order; the recorded
    ``python`` rule and ``observed`` rows of each ``[wheels]`` line survive a new harvest of the picker."""
    merged = dict(old)
    merged.update(parts)
    old_wheels, new_wheels = old.get("wheels"), parts.get("wheels")
    if isinstance(old_wheels, dict) and isinstance(new_wheels, dict):
        kept: Dict[str, object] = {}
        for line, table in new_wheels.items():
            previous = old_wheels.get(line)
            table = dict(table) if isinstance(table, dict) else table
            if isinstance(previous, dict) and isinstance(table, dict):
                for key in _KEPT_WHEEL_KEYS:
                    if key in previous and key not in table:
                        table[key] = previous[key]
            kept[line] = table
        merged["wheels"] = kept
    ordered: Dict[str, object] = {k: merged[k] for k in _TOP_ORDER if k in merged}
    for key in ("mmpose", *tuple(sorted(k for k in merged if k not in _TOP_ORDER and k != "mmpose"))):
        if key in merged:
            ordered[key] = merged[key]
    return ordered


#: Compiled packages that use numpy's C API and that mmpose's stack installs (mmpose requires
#: xtcocotools; its COCO tools come from pycocotools in mmdet): their registry wheels are judged.
NUMPY_ABI_PACKAGES = ("xtcocotools", "pycocotools")
def _file_version(name: str, filename: str) -> Optional[str]:
    stem = filename[len(name) + 1:] if filename.lower().startswith(name.replace("-", "_") + "-") or \
        filename.lower().startswith(name + "-") else ""
    for suffix in (".tar.gz", ".zip", ".whl"):
        if filename.endswith(suffix):
            version = stem.split("-", 1)[0] if suffix == ".whl" else stem[: -len(suffix)]
            return _release_key(version)
    return None


def harvest_numpy_abi(names: Sequence[str] = NUMPY_ABI_PACKAGES, timeout: float = 60.0) -> Dict[str, object]:
    """The ``[numpy_abi]`` table: for each package, the releases whose registry binaries were all
    uploaded before numpy 2.0.0's first file, so cannot have been built against numpy 2's ABI."""
    from .registry import index_url, simple_files

    numpy_files = [f for f in simple_files("numpy", timeout=timeout)
                   if _file_version("numpy", str(f.get("filename", ""))) == "2.0.0"]  # not 2.0.0rc1
    times = [str(f["upload-time"]) for f in numpy_files if f.get("upload-time")]
    if not times:
        raise CompatError(f"{index_url('numpy')} lists no numpy 2.0.0 file with an upload time")
    first = min(times)
    table: Dict[str, object] = {
        "numpy2_first_upload": first,
        "source": index_url("numpy") + " (upload-time of the numpy-2.0.0 files)",
    }
    for name in names:
        binaries: Dict[str, List[str]] = {}
        for entry in simple_files(name, timeout=timeout):
            filename = str(entry.get("filename", ""))
            if not filename.endswith(".whl") or filename.endswith("-any.whl"):
                continue
            version = _file_version(name, filename)
            if version is not None and entry.get("upload-time"):
                binaries.setdefault(version, []).append(str(entry["upload-time"]))
        numpy1 = sorted((v for v, times in binaries.items() if max(times) < first), key=Version)
        table[name] = {
            "source": index_url(name) + " (upload-time of each release's binary wheels)",
            "numpy1_only": numpy1,
        }
    return table
