"""Load and validate ``compat_matrix.toml`` into typed records.

``from_dict`` validates a parsed mapping and names the key path of anything wrong
(``mmpose.releases."0.28.0".mmcv-full.enforced.spec``); ``load`` reads a file and calls it. The schema
is documented in ``docs/matrix.md``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, TypeVar

from packaging.version import Version

from ..errors import BadInput, BadMatrix, shown
from . import compiled as matrix_compiled
from .links import TORCH_INDEX_NAMES, TORCH_PART_NAMES, URL_NAMES, template_problem
from .locate import embedded_path, locate
from .models import (
    MMCV_LINES,
    SOURCES,
    BuildFacts,
    Dependency,
    DriverTable,
    Fact,
    FindLinks,
    GpuFacts,
    ImportFact,
    IsolatedBuild,
    Matrix,
    NumpyAbi,
    Origin,
    PackageTable,
    ProvidedPackage,
    Provider,
    PythonGap,
    PythonRule,
    Release,
    SourceBuild,
    TorchRelease,
    TorchTable,
    WheelBuild,
    WheelIndex,
)
from .ranges import Range
from .record import replace as replace_record

__all__ = ["SCHEMA_VERSION", "from_dict", "load", "parse_toml"]

SCHEMA_VERSION = 1
_TOP_LEVEL = {"schema", "generated", "generator", "sources", "find_links", "wheels", "numpy_abi", "torch", "nvidia",
              "build", "providers"}
_PLATFORMS = ("linux", "windows", "macos")
_PACKAGE_KEYS = {"repository", "module", "releases", "branches"}
_DISTRIBUTION = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RELEASE_KEYS = {"ref", "commit", "version", "note"}
_DEPENDENCY_KEYS = set(SOURCES) | {"optional", "imported"}
_IMPORTED_KEYS = {"module", "path", "line", "source"}
_ISOLATION_KEYS = {"version", "needs", "wheels", "required_by", "reason", "source", "wheels_source", "import_needs"}
_FACT_KEYS = {"spec", "source", "uncertain", "compare", "messages"}
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_PYTHON = re.compile(r"[23]\.[0-9]{1,2}")
_CUDA = re.compile(r"[0-9]{1,2}\.[0-9]")
_DRIVER = re.compile(r"[0-9]{3}(\.[0-9]{1,3}){0,2}")


def _key(*parts: str) -> str:
    # A quoted key is written as a TOML basic string: control characters escaped, so one line always.
    return ".".join(p if _BARE_KEY.fullmatch(p) else json.dumps(p, ensure_ascii=False) for p in parts)


class _Validator:
    """Walks the parsed TOML; every complaint carries the file and the key path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: Tuple[str, ...], problem: str) -> BadMatrix:
        return BadMatrix(self.path, problem, key=_key(*key))

    def table(self, value: Any, key: Tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {type(value).__name__}")
        return value

    def string(self, value: Any, key: Tuple[str, ...], *, empty: bool = False) -> str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.fail(key, f"expected a non-empty string, got {value!r}")
        return value

    def template(self, text: str, names: Sequence[str], key: Tuple[str, ...]) -> None:
        """A template filled by :func:`compat.data.links.fill`: only ``{name}`` of ``names``, nothing evaluated."""
        problem = template_problem(text, names)
        if problem:
            raise self.fail(key, f"not a template of {' and '.join('{' + n + '}' for n in names)}: {problem}: "
                                 f"{shown(text)}")

    def unknown(self, mapping: Mapping[str, Any], allowed: Set[str], key: Tuple[str, ...], *, tables: bool) -> None:
        for name, value in mapping.items():
            if name not in allowed and not (tables and isinstance(value, dict)):
                raise self.fail((*key, name), "unknown key")

    def version(self, text: Any, key: Tuple[str, ...]) -> Version:
        text = self.string(text, key)
        try:
            return Version(text)
        except ValueError:  # InvalidVersion, or a number past int()'s digit limit
            raise self.fail(key, f"not a PEP 440 version: {text!r}") from None

    def versions(self, value: Any, key: Tuple[str, ...], *, empty: bool = True) -> Tuple[Version, ...]:
        if not isinstance(value, list) or (not empty and not value):
            raise self.fail(key, "expected a " + ("" if empty else "non-empty ") + "list of versions")
        return tuple(self.version(v, key) for v in value)

    def find_links(self, value: Any) -> Dict[str, FindLinks]:
        table = self.table(value, ("find_links",))
        rules = {}
        for name, rule in table.items():
            if name == "url":
                continue
            key = ("find_links", name)
            entry = self.table(rule, key)
            self.unknown(entry, {"torch", "source", "url"}, key, tables=False)
            # a line's own index (another maker's), else the shared one
            url = self.string(entry["url"], (*key, "url")) if "url" in entry else self.string(
                table.get("url"), ("find_links", "url"))
            template = self.string(entry.get("torch"), (*key, "torch"))
            self.template(url, URL_NAMES, (*key, "url") if "url" in entry else ("find_links", "url"))
            self.template(template, TORCH_PART_NAMES, (*key, "torch"))
            rules[name] = FindLinks(name, url, template, self.string(entry.get("source"), (*key, "source")))
        return rules

    def wheels(self, value: Any, *, validated: bool = False) -> Mapping[str, WheelIndex]:
        raw = self.table(value, ("wheels",))
        if validated:
            return _Lazy(self.wheel_index, raw)
        return {name: self.wheel_index(name, entry) for name, entry in raw.items()}

    def wheel_index(self, name: str, entry: Any) -> WheelIndex:
        key = ("wheels", name)
        table = self.table(entry, key)
        self.unknown(table, {"source", "builds", "observed", "python"}, key, tables=False)
        builds = []
        for group in ("builds", "observed"):
            rows = table.get(group, [])
            if not isinstance(rows, list) or (group == "builds" and not rows and not table.get("observed")):
                raise self.fail((*key, group), "expected a list of builds")
            for index, row in enumerate(rows):
                builds.append(self.wheel_build(row, (*key, group, str(index)), observed=group == "observed"))
        rule = self.python_rule(table["python"], (*key, "python")) if "python" in table else None
        return WheelIndex(name, self.string(table.get("source"), (*key, "source")), tuple(builds), rule)

    def wheel_build(self, value: Any, where: Tuple[str, ...], *, observed: bool) -> WheelBuild:
        row = self.table(value, where)
        allowed = {"platform", "cuda", "torch", "versions", "python"} | (
            {"source", "uncertain", "evidence"} if observed else set())
        self.unknown(row, allowed, where, tables=False)
        return WheelBuild(
            platform=self.choice(row.get("platform"), (*where, "platform"), _PLATFORMS),
            cuda=self.string(row.get("cuda"), (*where, "cuda")),
            torch=self.string(row.get("torch"), (*where, "torch")),
            versions=self.versions(row.get("versions"), (*where, "versions"), empty=False),
            python=self.pythons(row.get("python", []), (*where, "python")),
            source=self.string(row.get("source"), (*where, "source")) if observed else "",
        )

    def choice(self, value: Any, key: Tuple[str, ...], known: Tuple[str, ...]) -> str:
        text = self.string(value, key)
        if text not in known:
            raise self.fail(key, f"expected one of {', '.join(known)}, got {text!r}")
        return text

    def pythons(self, value: Any, key: Tuple[str, ...]) -> Tuple[str, ...]:
        """A list of CPython versions written ``3.10``."""
        if not isinstance(value, list):
            raise self.fail(key, "expected a list of Python versions such as \"3.10\"")
        for item in value:
            if not isinstance(item, str) or not _PYTHON.fullmatch(item):
                raise self.fail(key, f"not a Python version such as \"3.10\": {item!r}")
        return tuple(value)

    def strings(self, value: Any, key: Tuple[str, ...]) -> Tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "expected a list of non-empty strings")
        return tuple(value)

    def boolean(self, value: Any, key: Tuple[str, ...]) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def python_rule(self, value: Any, key: Tuple[str, ...]) -> PythonRule:
        table = self.table(value, key)
        self.unknown(table, {"rule", "minimum", "maximum", "inferred", "evidence", "source", "gaps", "uncertain"}, key,
                     tables=False)
        if table.get("rule", "torch") != "torch":
            raise self.fail((*key, "rule"), f"the only rule known is \"torch\", got {table.get('rule')!r}")
        gaps = []
        rows = table.get("gaps", [])
        if not isinstance(rows, list):
            raise self.fail((*key, "gaps"), "expected a list of gaps")
        for index, row in enumerate(rows):
            where = (*key, "gaps", str(index))
            row = self.table(row, where)
            self.unknown(row, {"versions", "python", "source", "platform", "torch", "uncertain", "inferred",
                               "evidence"},
                         where, tables=False)
            gaps.append(PythonGap(
                versions=self.versions(row.get("versions"), (*where, "versions"), empty=False),
                python=self.pythons(row.get("python"), (*where, "python")),
                source=self.string(row.get("source"), (*where, "source")),
                platform=self.choice(row["platform"], (*where, "platform"), _PLATFORMS) if "platform" in row else "",
                torch=self.strings(row.get("torch", []), (*where, "torch")),
                uncertain=self.string(row.get("uncertain", ""), (*where, "uncertain"), empty=True),
            ))
        minimum = self.pythons([table.get("minimum")], (*key, "minimum"))[0]
        maximum = self.pythons([table["maximum"]], (*key, "maximum"))[0] if "maximum" in table else ""
        return PythonRule(
            minimum=minimum,
            maximum=maximum,
            source=self.string(table.get("source"), (*key, "source")),
            inferred=self.boolean(table.get("inferred", True), (*key, "inferred")),
            evidence=self.strings(table.get("evidence", []), (*key, "evidence")),
            gaps=tuple(gaps),
            uncertain=self.string(table.get("uncertain", ""), (*key, "uncertain"), empty=True),
        )

    def torch(self, value: Any) -> TorchTable:
        key = ("torch",)
        table = self.table(value, key)
        self.unknown(table, {"index_url", "index_source", "python_source", "torchvision_source",
                             "registry_cuda_source", "releases"}, key, tables=False)
        index_url = self.string(table.get("index_url"), (*key, "index_url"))
        if "{variant}" not in index_url:
            raise self.fail((*key, "index_url"), f"expected a template with {{variant}}, got {index_url!r}")
        self.template(index_url, TORCH_INDEX_NAMES, (*key, "index_url"))
        releases = []
        for name, entry in self.table(table.get("releases"), (*key, "releases")).items():
            where = (*key, "releases", name)
            row = self.table(entry, where)
            self.unknown(row, {"torchvision", "cuda", "cuda_source", "registry_cuda", "registry_cuda_inferred",
                               "registry_cuda_evidence", "uncertain", "torchvision_python",
                               "torchvision_python_source", *_PLATFORMS}, where, tables=False)
            narrower = self.table(row.get("torchvision_python", {}), (*where, "torchvision_python"))
            self.unknown(narrower, set(_PLATFORMS), (*where, "torchvision_python"), tables=False)
            if narrower:
                self.string(row.get("torchvision_python_source"), (*where, "torchvision_python_source"))
            version = self.version(name, where)
            torchvision = self.version(row["torchvision"], (*where, "torchvision")) if "torchvision" in row else None
            cuda = self.strings(row.get("cuda", []), (*where, "cuda")) if row.get("cuda") else ()
            for variant in cuda:
                if not _CUDA.fullmatch(variant):
                    raise self.fail((*where, "cuda"), f"not a CUDA version such as \"12.1\": {variant!r}")
            releases.append(TorchRelease(
                version=version,
                python={p: self.pythons(row.get(p, []), (*where, p)) for p in _PLATFORMS},
                cuda=cuda,
                cuda_source=self.string(row.get("cuda_source", ""), (*where, "cuda_source"), empty=not cuda),
                torchvision=torchvision,
                registry_cuda=self.string(row.get("registry_cuda", ""), (*where, "registry_cuda"), empty=True),
                registry_cuda_inferred=self.boolean(row.get("registry_cuda_inferred", False),
                                                    (*where, "registry_cuda_inferred")),
                torchvision_python={p: self.pythons(v, (*where, "torchvision_python", p)) for p, v in narrower.items()},
            ))
        if not releases:
            raise self.fail((*key, "releases"), "no releases")
        releases.sort(key=lambda r: r.version, reverse=True)
        return TorchTable(
            index_url=index_url,
            index_source=self.string(table.get("index_source"), (*key, "index_source")),
            python_source=self.string(table.get("python_source"), (*key, "python_source")),
            torchvision_source=self.string(table.get("torchvision_source"), (*key, "torchvision_source")),
            registry_cuda_source=self.string(table.get("registry_cuda_source"), (*key, "registry_cuda_source")),
            releases=tuple(releases),
        )

    def nvidia(self, value: Any) -> DriverTable:
        key = ("nvidia",)
        table = self.table(value, key)
        self.unknown(table, {"compat", "toolkit", "compat_source", "toolkit_source", "note", "gpus"}, key,
                     tables=False)
        tables: Dict[str, Dict[str, Dict[str, str]]] = {}
        for part in ("compat", "toolkit"):
            tables[part] = {}
            for cuda, entry in self.table(table.get(part), (*key, part)).items():
                where = (*key, part, cuda)
                if not _CUDA.fullmatch(cuda):
                    raise self.fail(where, "not a CUDA version such as \"12.1\"")
                row = self.table(entry, where)
                self.unknown(row, {*_PLATFORMS, "uncertain", "note"}, where, tables=False)
                drivers = {}
                for platform in _PLATFORMS:
                    if platform in row:
                        text = self.string(row[platform], (*where, platform))
                        if not _DRIVER.fullmatch(text):
                            raise self.fail((*where, platform), f"not a driver version such as \"525.60.13\": {text!r}")
                        drivers[platform] = text
                tables[part][cuda] = drivers
        gpus, gpus_source = self.gpus(table["gpus"]) if "gpus" in table else ({}, "")
        return DriverTable(compat=tables["compat"], toolkit=tables["toolkit"],
                           compat_source=self.string(table.get("compat_source"), (*key, "compat_source")),
                           toolkit_source=self.string(table.get("toolkit_source"), (*key, "toolkit_source")),
                           gpus=gpus, gpus_source=gpus_source)

    def gpus(self, value: Any) -> Tuple[Dict[str, GpuFacts], str]:
        key = ("nvidia", "gpus")
        table = self.table(value, key)
        found = {}
        for capability, entry in table.items():
            if capability in ("source", "uncertain"):
                continue
            where = (*key, capability)
            if not _CUDA.fullmatch(capability):
                raise self.fail(where, "not a compute capability such as \"8.6\"")
            row = self.table(entry, where)
            self.unknown(row, {"name", "cuda_minimum", "cuda_maximum", "source", "uncertain"}, where, tables=False)
            limits = {}
            for part in ("cuda_minimum", "cuda_maximum"):
                text = self.string(row.get(part, ""), (*where, part), empty=True)
                if text and not _CUDA.fullmatch(text):
                    raise self.fail((*where, part), f"not a CUDA version such as \"12.8\": {text!r}")
                limits[part] = text
            found[capability] = GpuFacts(capability, self.string(row.get("name"), (*where, "name")), **limits)
        return found, self.string(table.get("source"), (*key, "source"))

    def providers(self, value: Any) -> Dict[str, Provider]:
        found = {}
        for name, entry in self.table(value, ("providers",)).items():
            key = ("providers", name)
            table = self.table(entry, key)
            self.unknown(table, {"distribution", "replaces", "engine", "engine_replaces", "requires_python", "source",
                                 "base_source", "find_links", "packages"}, key, tables=False)
            provided = []
            for package, entry in self.table(table.get("packages", {}), (*key, "packages")).items():
                at = (*key, "packages", package)
                row = self.table(entry, at)
                self.unknown(row, {"distribution", "version", "requires_python", "source"}, at, tables=False)
                python = self.string(row.get("requires_python", ""), (*at, "requires_python"), empty=True)
                if python and (not python.startswith(">=") or not _PYTHON.fullmatch(python[2:])):
                    raise self.fail((*at, "requires_python"), f"expected \">=3.10\" or so, got {python!r}")
                provided.append(ProvidedPackage(
                    replaces=package, distribution=self.string(row.get("distribution"), (*at, "distribution")),
                    version=str(self.version(row.get("version"), (*at, "version"))), requires_python=python,
                    source=self.string(row.get("source"), (*at, "source"))))
            links = None
            if "find_links" in table:
                where = (*key, "find_links")
                rule = self.table(table["find_links"], where)
                self.unknown(rule, {"url", "torch", "source"}, where, tables=False)
                links = FindLinks(self.string(table.get("distribution"), (*key, "distribution")),
                                  self.string(rule.get("url"), (*where, "url")),
                                  self.string(rule.get("torch"), (*where, "torch")),
                                  self.string(rule.get("source"), (*where, "source")))
                self.template(links.url, URL_NAMES, (*where, "url"))
                self.template(links.torch, TORCH_PART_NAMES, (*where, "torch"))
            replaces = self.string(table.get("replaces"), (*key, "replaces"))
            if replaces not in MMCV_LINES:
                raise self.fail((*key, "replaces"), f"expected one of {', '.join(MMCV_LINES)}, got {replaces!r}")
            found[name] = Provider(
                name=name,
                distribution=self.string(table.get("distribution"), (*key, "distribution")),
                replaces=replaces,
                engine=self.string(table.get("engine"), (*key, "engine")),
                engine_replaces=self.string(table.get("engine_replaces"), (*key, "engine_replaces")),
                requires_python=self.string(table.get("requires_python", ""), (*key, "requires_python"), empty=True),
                source=self.string(table.get("source"), (*key, "source")),
                find_links=links,
                packages=tuple(provided),
            )
        return found

    def build(self, value: Any) -> BuildFacts:
        key = ("build",)
        table = self.table(value, key)
        self.unknown(table, {"setuptools_without_pkg_resources", "setuptools_source", "sdists_import_pkg_resources",
                             "sdist_source", "isolation", "version_breaks_on_python", "version_source", "against",
                             "build_minutes", "build_minutes_source"}, key, tables=False)
        isolation = []
        for name, entry in self.table(table.get("isolation", {}), (*key, "isolation")).items():
            where = (*key, "isolation", name)
            row = self.table(entry, where)
            self.unknown(row, _ISOLATION_KEYS, where, tables=False)
            version = self.version(row.get("version"), (*where, "version"))
            isolation.append(IsolatedBuild(
                name=name,
                version=str(version),
                needs=self.strings(row.get("needs"), (*where, "needs")),
                wheels=self.pythons(row.get("wheels"), (*where, "wheels")),
                required_by=self.strings(row.get("required_by"), (*where, "required_by")),
                reason=self.string(row.get("reason"), (*where, "reason")),
                source=self.string(row.get("source"), (*where, "source")),
                wheels_source=self.string(row.get("wheels_source"), (*where, "wheels_source")),
                import_needs=self.string(row.get("import_needs", ""), (*where, "import_needs"), empty=True),
            ))
        breaks = self.table(table.get("version_breaks_on_python", {}), (*key, "version_breaks_on_python"))
        for name, python in breaks.items():
            self.pythons([python], (*key, "version_breaks_on_python", name))
        minutes = self.table(table.get("build_minutes", {}), (*key, "build_minutes"))
        for name, text in minutes.items():
            self.string(text, (*key, "build_minutes", name))
        rows = table.get("against", [])
        if not isinstance(rows, list):
            raise self.fail((*key, "against"), "expected a list of builds")
        against = []
        for index, row in enumerate(rows):
            where = (*key, "against", str(index))
            entry = self.table(row, where)
            self.unknown(entry, {"distribution", "versions", "torch_minimum", "torch_maximum", "verified", "source",
                                 "uncertain"}, where, tables=False)
            minimum, maximum = (self.string(entry.get(part), (*where, part)) for part in ("torch_minimum",
                                                                                           "torch_maximum"))
            for part, text in (("torch_minimum", minimum), ("torch_maximum", maximum)):
                if not re.fullmatch(r"[0-9]+\.[0-9]+", text):
                    raise self.fail((*where, part), f"not a torch minor such as \"2.4\": {text!r}")
            if Version(minimum) > Version(maximum):
                raise self.fail((*where, "torch_maximum"), f"{maximum} is older than torch_minimum {minimum}")
            against.append(SourceBuild(
                distribution=self.string(entry.get("distribution"), (*where, "distribution")),
                versions=self.versions(entry.get("versions"), (*where, "versions"), empty=False),
                torch_minimum=minimum, torch_maximum=maximum,
                source=self.string(entry.get("source"), (*where, "source")),
                verified=self.boolean(entry.get("verified", False), (*where, "verified")),
                uncertain=self.string(entry.get("uncertain", ""), (*where, "uncertain"), empty=True)))
        return BuildFacts(
            setuptools_without_pkg_resources=self.version(table.get("setuptools_without_pkg_resources"),
                                                          (*key, "setuptools_without_pkg_resources")),
            setuptools_source=self.string(table.get("setuptools_source"), (*key, "setuptools_source")),
            sdists_import_pkg_resources=self.strings(table.get("sdists_import_pkg_resources"),
                                                     (*key, "sdists_import_pkg_resources")),
            sdist_source=self.string(table.get("sdist_source"), (*key, "sdist_source")),
            isolation=tuple(isolation),
            version_breaks_on_python=dict(breaks),
            version_source=self.string(table.get("version_source", ""), (*key, "version_source"), empty=not breaks),
            against=tuple(against),
            build_minutes=dict(minutes),
            build_minutes_source=self.string(table.get("build_minutes_source", ""), (*key, "build_minutes_source"),
                                             empty=not minutes),
        )

    def numpy_abi(self, value: Any) -> NumpyAbi:
        table = self.table(value, ("numpy_abi",))
        releases, provenance = {}, {}
        for name, entry in table.items():
            if name in ("numpy2_first_upload", "source"):
                continue
            key = ("numpy_abi", name)
            entry = self.table(entry, key)
            self.unknown(entry, {"source", "numpy1_only"}, key, tables=False)
            releases[name] = self.versions(entry.get("numpy1_only"), (*key, "numpy1_only"))
            provenance[name] = self.string(entry.get("source"), (*key, "source"))
        return NumpyAbi(
            numpy2_first_upload=self.string(table.get("numpy2_first_upload"), ("numpy_abi", "numpy2_first_upload")),
            source=self.string(table.get("source"), ("numpy_abi", "source")),
            numpy1_only=releases, sources=provenance,
        )

    def fact(self, value: Any, key: Tuple[str, ...]) -> Fact:
        table = self.table(value, key)
        self.unknown(table, _FACT_KEYS, key, tables=False)
        if "spec" not in table:
            raise self.fail(key, "missing key 'spec'")
        spec = self.string(table["spec"], (*key, "spec"), empty=True)
        try:
            spec_range = Range.parse(spec)
        except BadInput:
            raise self.fail((*key, "spec"), f"not a version specifier: {spec!r}") from None
        if spec_range.is_empty:
            raise self.fail((*key, "spec"), f"the range {spec!r} contains no version")
        messages = table.get("messages", [])
        if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
            raise self.fail((*key, "messages"), "expected a list of strings")
        return Fact(
            range=spec_range,
            source=self.string(table.get("source"), (*key, "source")),
            uncertain=self.string(table.get("uncertain", ""), (*key, "uncertain"), empty=True),
            compare=self.string(table.get("compare", ""), (*key, "compare"), empty=True),
            messages=tuple(messages),
        )

    def dependency(self, name: str, value: Mapping[str, Any], key: Tuple[str, ...]) -> Dependency:
        self.unknown(value, _DEPENDENCY_KEYS, key, tables=False)
        optional = value.get("optional", False)
        if not isinstance(optional, bool):
            raise self.fail((*key, "optional"), f"expected true or false, got {optional!r}")
        facts = {s: self.fact(value[s], (*key, s)) for s in SOURCES if s in value}
        imported = self.imported(value["imported"], (*key, "imported")) if "imported" in value else None
        return Dependency(name=name, optional=optional, imported=imported, **facts)

    def imported(self, value: Any, key: Tuple[str, ...]) -> ImportFact:
        """Where a release imports a dependency at module level: ``{module, path, line, source}``."""
        table = self.table(value, key)
        self.unknown(table, _IMPORTED_KEYS, key, tables=False)
        line = table.get("line")
        if type(line) is not int or line < 1:
            raise self.fail((*key, "line"), f"expected a line number, got {line!r}")
        return ImportFact(module=self.string(table.get("module"), (*key, "module")),
                          path=self.string(table.get("path"), (*key, "path")), line=line,
                          source=self.string(table.get("source"), (*key, "source")))

    def release(self, package: str, name: str, value: Any, key: Tuple[str, ...], *, branch: bool) -> Release:
        table = self.table(value, key)
        self.unknown(table, _RELEASE_KEYS, key, tables=True)
        if branch:
            version = self.version(table.get("version"), (*key, "version"))
        else:
            version = self.version(name, key)
            if str(version) != name:
                raise self.fail(key, f"write the release as {str(version)!r}, its normalized form")
            if "version" in table:
                raise self.fail((*key, "version"), "only branches carry a version")
        dependencies = tuple(
            self.dependency(dep, dep_table, (*key, dep))
            for dep, dep_table in table.items()
            if isinstance(dep_table, dict)
        )
        return Release(
            package=package,
            key=name,
            version=version,
            ref=self.string(table.get("ref"), (*key, "ref")),
            commit=self.string(table.get("commit", ""), (*key, "commit"), empty=True),
            is_branch=branch,
            dependencies=dependencies,
            note=self.string(table.get("note", ""), (*key, "note"), empty=True),
        )

    def package(self, name: str, value: Any) -> PackageTable:
        table = self.table(value, (name,))
        self.unknown(table, _PACKAGE_KEYS, (name,), tables=False)
        releases_table = self.table(table.get("releases"), (name, "releases"))
        releases: List[Release] = [
            self.release(name, key, rel, (name, "releases", key), branch=False) for key, rel in releases_table.items()
        ]
        if not releases:
            raise self.fail((name, "releases"), "no releases")
        seen: Dict[Version, str] = {}
        for release in releases:
            if release.version in seen:
                raise self.fail(
                    (name, "releases", release.key), f"the same version as {_key(seen[release.version])}"
                )
            seen[release.version] = release.key
        branches_table = self.table(table.get("branches", {}), (name, "branches"))
        branches: Dict[str, Release] = {
            key: self.release(name, key, rel, (name, "branches", key), branch=True)
            for key, rel in branches_table.items()
        }
        releases.sort(key=lambda r: r.version, reverse=True)
        if not _DISTRIBUTION.fullmatch(name):
            raise self.fail((name,), "a package table is named by its distribution, normalized "
                                     f"({name.lower().replace('_', '-')!r})")
        module = self.string(table.get("module", name.replace("-", "_")), (name, "module"))
        if not _MODULE.fullmatch(module) or ("module" in table and module == name):
            raise self.fail((name, "module"), f"expected the import package when it differs from {name!r}, "
                                              f"got {module!r}")
        return PackageTable(
            name=name,
            repository=self.string(table.get("repository", ""), (name, "repository"), empty=True),
            releases=tuple(releases),
            branches=branches,
            module=module,
        )


_T = TypeVar("_T")


class _Lazy(Mapping[str, _T]):
    """Tables of data validated before (compiled by this code), each validated again and built on first
    use: a question about mmpose builds no table of mmsegmentation's 40 releases, nor of wheels it
    does not ask about."""

    __slots__ = ("_build", "_built", "_raw")

    def __init__(self, build: Callable[[str, Any], _T], raw: Mapping[str, Any]) -> None:
        self._build, self._raw = build, raw
        self._built: Dict[str, _T] = {}

    def __getitem__(self, name: str) -> _T:
        if name in self._built:
            return self._built[name]
        table = self._built[name] = self._build(name, self._raw[name])
        return table

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class _LazyPackages(_Lazy[PackageTable]):
    """The package tables, built on first use; :meth:`release` builds one release of a table not built
    yet (a doctor asks for the installed release of two or three codebases, not their 80 others)."""

    __slots__ = ("_check",)

    def __init__(self, check: _Validator, raw: Mapping[str, Any]) -> None:
        super().__init__(check.package, raw)
        self._check = check

    def release(self, name: str, version: Version) -> Optional[Release]:
        """The release of table ``name`` whose key is ``version``'s normal form (every release is written
        so), built alone while the table is not built; None when the raw table has no such key (then only
        the whole table can tell: ``0.28`` is the release ``0.28.0``)."""
        if name in self._built or name not in self._raw:
            return None
        key = str(version)
        raw = self._raw[name]
        releases = raw.get("releases") if isinstance(raw, dict) else None
        entry = releases.get(key) if isinstance(releases, dict) else None
        if entry is None:
            return None
        return self._check.release(name, key, entry, (name, "releases", key), branch=False)


def from_dict(data: Mapping[str, Any], *, path: str = "<matrix>", origin: Origin = "",
              validated: bool = False) -> Matrix:
    """Validate a parsed matrix and build a :class:`Matrix`; raise :class:`BadMatrix` naming the key path.

    ``validated``: ``data`` is what this code compiled after validating all of it (the wheel's compiled
    matrix, an update's): each package table is then validated and built when first used."""
    check = _Validator(path)
    check.table(data, ())
    schema = data.get("schema")
    if type(schema) is not int or schema != SCHEMA_VERSION:  # true == 1 in Python: not a schema number
        raise check.fail(("schema",), f"expected schema = {SCHEMA_VERSION}, got {schema!r}")
    sources = check.table(data.get("sources", {}), ("sources",))
    for name, text in sources.items():
        check.string(text, ("sources", name))
    rules = check.find_links(data.get("find_links", {}))
    wheels = check.wheels(data.get("wheels", {}), validated=validated)
    numpy_abi = check.numpy_abi(data["numpy_abi"]) if "numpy_abi" in data else None
    torch = check.torch(data["torch"]) if "torch" in data else None
    nvidia = check.nvidia(data["nvidia"]) if "nvidia" in data else None
    build = check.build(data["build"]) if "build" in data else None
    providers = check.providers(data["providers"]) if "providers" in data else {}
    raw = {name: value for name, value in data.items() if name not in _TOP_LEVEL}
    if validated:
        packages: Mapping[str, PackageTable] = _LazyPackages(check, raw)
        modules = {name: value.get("module", name.replace("-", "_")) for name, value in raw.items()}
    else:
        packages = {name: check.package(name, value) for name, value in raw.items()}
        modules = {name: table.module for name, table in packages.items()}
    if not packages:
        raise check.fail((), "no package tables")
    return Matrix(
        path=path,
        origin=origin,
        schema=schema,
        generated=check.string(data.get("generated", ""), ("generated",), empty=True),
        packages=packages,
        modules=modules,
        sources=dict(sources),
        find_links=rules,
        wheels=wheels,
        numpy_abi=numpy_abi,
        torch=torch,
        nvidia=nvidia,
        build=build,
        providers=providers,
    )


def parse_toml(text: str, *, path: str) -> Dict[str, Any]:
    """Parse TOML text; a syntax error becomes :class:`BadMatrix` with the line it is on."""
    from .toml_writer import toml_reader

    tomllib = toml_reader()
    try:
        parsed: Dict[str, Any] = tomllib.loads(text)
        return parsed
    except tomllib.TOMLDecodeError as e:
        line = getattr(e, "lineno", 0) or 0
        if not line:
            found = re.search(r"line (\d+)", str(e))
            line = int(found.group(1)) if found else 0
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e).splitlines()[0])
        raise BadMatrix(path, f"not valid TOML: {problem}", line=line) from e
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise BadMatrix(path, "not valid TOML: nested deeper than Python's recursion limit") from None


def load(path: Optional[str] = None, *, cache: bool = False) -> Matrix:
    """Load the matrix at ``path``, or the one in effect (``MMCOMPAT_MATRIX``, the cached update, else
    the embedded one). A cached matrix that does not load gives the embedded one, with a note saying so.

    ``cache``: reuse (and store) the parsed form of a file whose exact bytes were parsed before, in the
    user cache (see :mod:`compat.cache`); library calls leave it off and write nothing.
    """
    where, origin = locate(path)
    if origin == "cache":
        try:
            return _load_file(where, origin, cache)
        except BadMatrix as e:
            fallback = _load_file(embedded_path(), "embedded", cache)
            note = f"ignoring the cached matrix ({e}); using the embedded one"
            return replace_record(fallback, notes=(*fallback.notes, note))
    return _load_file(where, origin, cache)


_PARSED_CACHE = "matrix-parsed"


def read_bytes(where: str) -> bytes:
    """The matrix file's bytes; :class:`BadMatrix` when it cannot be read, is not a regular file (a FIFO
    would block, a device never end) or is larger than :data:`MATRIX_LIMIT`."""
    from ..probe import read_regular
    from .locate import MATRIX_LIMIT

    try:
        return read_regular(where, limit=MATRIX_LIMIT)
    except OSError as e:
        raise BadMatrix(where, f"cannot read it: {e.strerror or e}") from e


def _load_file(where: str, origin: Origin, use_cache: bool = False) -> Matrix:
    # Parsing the TOML costs more than Python's start: with ``use_cache`` the parsed data of exactly
    # these bytes is read back from the user cache (keyed by their digest and the code's identity),
    # and validated again all the same.
    from ..cache import content_digest

    raw = read_bytes(where)
    digest = content_digest(raw)
    compiled = matrix_compiled.read(where, digest)  # the wheel's build hook parsed these very bytes
    if compiled is not None:
        return replace_record(from_dict(compiled, path=where, origin=origin, validated=True), content_digest=digest)
    key = ""
    if use_cache:
        from .. import cache

        key = cache.digest(_PARSED_CACHE, digest)
        cached = cache.get(_PARSED_CACHE, key)
        if type(cached) is dict:
            return replace_record(from_dict(cached, path=where, origin=origin), content_digest=digest)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadMatrix(where, f"not UTF-8 (byte {e.start})") from e
    data = parse_toml(text, path=where)
    matrix = replace_record(from_dict(data, path=where, origin=origin), content_digest=digest)
    if key:
        from .. import cache

        cache.put(_PARSED_CACHE, key, data, limit=2)
    return matrix
