"""The build key recorded inside a wheel mmcompat built, and doctor's static check of it.

After a build, :func:`stamp_wheel` adds ``mmcompat_build.json`` (the :class:`~compat.install.build.BuildKey`
as a JSON object) to the wheel's ``.dist-info`` folder, rewriting the wheel with its ``RECORD`` listing
the new file (``sha256=`` urlsafe base64 without padding, and its size, as the wheel format says).
pip installs it with the rest, so an installed mmcv says, as plain text in its metadata folder, which
torch its ops were compiled against: :func:`record_findings` (doctor) warns when that is not the
installed torch.
Nothing here imports mmcv or torch.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (doctor's start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, Iterable, List, Optional

    from ..environment.records import Environment, Finding
    from .build import BuildKey

__all__ = ["RECORD_NAME", "read_record", "record_findings", "stamp_wheel"]

RECORD_NAME = "mmcompat_build.json"


def _digest(data: bytes) -> str:
    import base64
    import hashlib

    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def stamp_wheel(path: str, key: BuildKey, built_by: str = "") -> str:
    """Rewrite the wheel at ``path`` with ``<dist-info>/mmcompat_build.json`` holding ``key`` (replacing
    one there) and its line in ``RECORD``; return the member's name."""
    import json
    import zipfile

    record = dict(key._asdict(), built_by=built_by)
    data = (json.dumps(record, indent=1, sort_keys=True) + "\n").encode()
    with zipfile.ZipFile(path) as wheel:
        members = [(info, wheel.read(info.filename)) for info in wheel.infolist()]
    records = [info.filename for info, _ in members if info.filename.endswith(".dist-info/RECORD")
               and info.filename.count("/") == 1]
    if len(records) != 1:
        from ..errors import CompatError

        raise CompatError(f"{path} is not a wheel with one .dist-info/RECORD: cannot record its build key")
    info_dir = records[0].rsplit("/", 1)[0]
    name = f"{info_dir}/{RECORD_NAME}"
    old_record = next(content for info, content in members if info.filename == records[0])
    lines = [line for line in old_record.decode("utf-8").splitlines()
             if line and not line.startswith((name + ",", records[0] + ","))]
    lines += [f"{name},{_digest(data)},{len(data)}", f"{records[0]},,"]  # RECORD lists itself without a hash
    new_record = ("\n".join(lines) + "\n").encode()
    temporary = path + ".stamping"
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info, content in members:
            if info.filename in (name, records[0]):
                continue
            out.writestr(info, content)
        out.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        record_info = next(i for i, _ in members if i.filename == records[0])
        out.writestr(record_info, new_record)
    os.replace(temporary, path)
    return name


def read_record(metadata_dir: str) -> Optional[Dict[str, str]]:
    """The build key recorded in an installed distribution's metadata folder, or None (none, or unreadable)."""
    path = os.path.join(metadata_dir, RECORD_NAME)
    if not metadata_dir or not os.path.isfile(path):
        return None
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("torch"), str):
        return None
    return {str(k): str(v) for k, v in found.items()}


def record_findings(env: Environment, packages: Iterable[str]) -> List[Finding]:
    """doctor: an installed mmcv built by mmcompat against another torch than the installed one (read
    from its recorded build key, no import): its compiled ops will not load (undefined symbols).
    ``packages``: the matrix's package tables, by name (the fix reinstalls the first one installed)."""
    from ..data.vocabulary import MMCV_DISTRIBUTIONS
    from ..environment.records import Finding

    findings: List[Finding] = []
    installed_torch = env.torch.version if env.torch is not None else ""
    python = env.python or "python"
    for name in MMCV_DISTRIBUTIONS:
        dist = env.get(name)
        found = read_record(dist.metadata_dir) if dist is not None else None
        if dist is None or found is None or found["torch"] == installed_torch:
            continue
        import shlex  # for a finding's fix only

        now = f"torch {installed_torch} is installed" if installed_torch else "no torch is installed"
        fix = [shlex.join([python, "-m", "pip", "uninstall", "-y", name])]
        # the first installed codebase, by name (building no package table)
        codebase = next((f"{p}=={d.version}" for p in packages for d in [env.get(p)] if d is not None), "")
        if codebase:
            fix.append(shlex.join(["mmcompat", "install", codebase, "--python", python, "--allow-build"]))
        findings.append(Finding(
            "built-for-other-torch", "warning",
            f"{name} {dist.version} was compiled by mmcompat against torch {found['torch']} "
            f"({os.path.join(dist.metadata_dir, RECORD_NAME)}), but {now}: its ops will not load "
            "(undefined symbol); rebuild it against this torch", (name, "torch"), tuple(fix)))
    return findings
