"""Read an environment's installed distributions as text: no import of anything installed.

Runs two ways: inside mmcompat (``scan()``), or as a script in another interpreter
(``PY -c <this file's source>``), where it prints the same data as JSON on stdout. It uses only the
standard library and keeps to Python 3.8 syntax, because it runs in whatever interpreter it is given.

What it reads, per ``*.dist-info`` / ``*.egg-info`` folder on ``sys.path``: the name and version from
``METADATA``/``PKG-INFO`` headers, the file list from ``RECORD``, and for the mmcv distributions every
RECORD hash checked against the file on disk. Plus torch's version and CUDA flavour from
``torch/version.py`` read with :mod:`ast`, and which distributions own the same file.
"""

import ast
import base64
import hashlib
import os
import sys

#: Distributions whose files are checked against their RECORD hashes (they share the ``mmcv/`` folder).
VERIFIED = ("mmcv", "mmcv-full", "mmcv-lite")
_SHARED_EXAMPLES = 5


def canonical(name):
    """PEP 503 normalized name: ``MMCV_Full`` -> ``mmcv-full``."""
    out = []
    previous_dash = False
    for char in name.strip().lower():
        if char in "-_.":
            if not previous_dash:
                out.append("-")
            previous_dash = True
        else:
            out.append(char)
            previous_dash = False
    return "".join(out)


def _read(path):
    """(text, problem): the file decoded as UTF-8, or with replacement characters and a problem."""
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as e:
        return raw.decode("utf-8", "replace"), "not UTF-8 at byte %d" % e.start


def _headers(text):
    found = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version") and key not in found:
            found[key] = value.strip()
    return found


def _split_record_line(line):
    if line.startswith('"'):
        import csv

        rows = list(csv.reader([line]))
        return rows[0] if rows else []
    return line.rsplit(",", 2)


def _file_hash(path, algorithm):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def _verify(location, entries):
    missing, changed = [], []
    for path, hash_value in entries:
        full = os.path.join(location, path)
        if not os.path.isfile(full):
            if not path.endswith(".pyc"):
                missing.append(path)
            continue
        if "=" in hash_value:
            algorithm, _, expected = hash_value.partition("=")
            try:
                if _file_hash(full, algorithm) != expected:
                    changed.append(path)
            except (ValueError, OSError):
                changed.append(path)
    return missing, changed


def _distribution(location, entry):
    folder = os.path.join(location, entry)
    stem = entry.rsplit(".", 1)[0]
    guessed_name, _, guessed_version = stem.partition("-")
    egg = entry.endswith(".egg-info")
    dist = {
        "name": canonical(guessed_name),
        "version": guessed_version.split("-")[0],
        "location": location,
        "metadata_dir": folder,
        "problems": [],
        "has_ext": False,
        "missing": [],
        "changed": [],
        "editable": False,
        "files": 0,
    }
    problems = dist["problems"]
    if not os.path.isdir(folder):  # a PKG-INFO-style egg-info file
        return dist, []
    try:
        names = os.listdir(folder)
    except OSError as e:
        problems.append("cannot list %s: %s" % (entry, e.strerror))
        return dist, []
    if not names:
        problems.append("%s is empty" % entry)
        return dist, []
    metadata = "PKG-INFO" if egg else "METADATA"
    if metadata not in names:
        problems.append("%s has no %s" % (entry, metadata))
    else:
        try:
            text, problem = _read(os.path.join(folder, metadata))
        except OSError as e:
            text, problem = "", "unreadable: %s" % e.strerror
        if problem:
            problems.append("%s/%s is %s" % (entry, metadata, problem))
        headers = _headers(text)
        if not headers.get("Name") or not headers.get("Version"):
            problems.append("%s/%s has no Name or Version header" % (entry, metadata))
        else:
            dist["name"] = canonical(headers["Name"])
            dist["version"] = headers["Version"]
    if "direct_url.json" in names:
        try:
            import json

            with open(os.path.join(folder, "direct_url.json"), "rb") as handle:
                direct = json.loads(handle.read().decode("utf-8"))
            dist["editable"] = bool(direct.get("dir_info", {}).get("editable"))
        except (OSError, ValueError, AttributeError):
            problems.append("%s/direct_url.json is not valid JSON" % entry)
    entries = []
    if egg:
        return dist, entries
    if "RECORD" not in names:
        problems.append("%s has no RECORD" % entry)
        return dist, entries
    try:
        text, problem = _read(os.path.join(folder, "RECORD"))
    except OSError as e:
        problems.append("%s/RECORD is unreadable: %s" % (entry, e.strerror))
        return dist, entries
    if problem:
        problems.append("%s/RECORD is %s" % (entry, problem))
    bad = 0
    for line in text.splitlines():
        if not line:
            continue
        fields = _split_record_line(line)
        if len(fields) != 3 or not fields[0]:
            bad += 1
            continue
        entries.append((fields[0], fields[1]))
    if bad:
        problems.append("%s/RECORD has %d line(s) that are not path,hash,size" % (entry, bad))
    if not entries:
        problems.append("%s/RECORD lists no files" % entry)
    dist["files"] = len(entries)
    return dist, entries


def _is_ext(path):
    base = path.replace("\\", "/")
    return base.startswith("mmcv/_ext") and (base.endswith(".so") or base.endswith(".pyd"))


def _torch(location):
    path = os.path.join(location, "torch", "version.py")
    try:
        text, _ = _read(path)
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return {"version_file": None, "version": None, "cuda": None}
    values = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        if target and isinstance(value, ast.Constant) and (value.value is None or isinstance(value.value, str)):
            values[target] = value.value
    return {"version_file": path, "version": values.get("__version__"), "cuda": values.get("cuda")}


def _module_version(location, package):
    """``__version__`` of ``package/version.py`` under ``location`` as text, or None."""
    try:
        text, _ = _read(os.path.join(location, package, "version.py"))
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    return None


def _path_entries(path):
    seen = []
    for entry in path:
        folder = os.path.abspath(entry or os.curdir)
        if folder not in seen and os.path.isdir(folder):
            seen.append(folder)
    return seen


def scan(path=None):
    """Every distribution on ``path`` (default ``sys.path``), first-found first, plus torch and shared
    files, as plain JSON-ready data."""
    folders = _path_entries(sys.path if path is None else path)
    distributions = []
    owners = {}
    shared = {}
    for location in folders:
        try:
            listing = sorted(os.listdir(location))
        except OSError:
            continue
        for entry in listing:
            if not (entry.endswith(".dist-info") or entry.endswith(".egg-info")):
                continue
            dist, entries = _distribution(location, entry)
            distributions.append(dist)
            if dist["name"] in VERIFIED:
                dist["has_ext"] = any(_is_ext(p) for p, _ in entries)
                dist["missing"], dist["changed"] = _verify(location, entries)
                dist["module_version"] = _module_version(location, "mmcv")
            key = (dist["name"], location)
            for relative, _ in entries:
                if relative.endswith(".pyc"):
                    continue
                full = location + os.sep + relative if ".." not in relative else os.path.normpath(
                    os.path.join(location, relative))
                owner = owners.setdefault(full, key)
                if owner != key:
                    pair = tuple(sorted((owner[0], key[0])))
                    shared.setdefault(pair, []).append(relative)
    torch_info = None
    for dist in distributions:
        if dist["name"] == "torch":
            torch_info = _torch(dist["location"])
            torch_info["distribution_version"] = dist["version"]
            break
    return {
        "python": {
            "executable": sys.executable,
            "version": "%d.%d.%d" % sys.version_info[:3],
            "prefix": sys.prefix,
            "platform": sys.platform,
            "path": list(sys.path if path is None else path),
        },
        "distributions": distributions,
        "shared_files": [
            {"dists": list(pair), "count": len(paths), "examples": sorted(paths)[:_SHARED_EXAMPLES]}
            for pair, paths in sorted(shared.items())
        ],
        "torch": torch_info,
    }


if __name__ == "__main__":
    import json

    sys.stdout.write(json.dumps(scan()))
