"""Property and fuzz tests: any input gives a clean exit code and message, never a traceback or a hang."""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compat import probe
from compat.checks.guard import read_plan
from compat.cli import main
from compat.data.matrix import from_dict, parse_toml
from compat.errors import BadInput, BadMatrix, CompatError

FUZZ = settings(max_examples=150, deadline=datetime.timedelta(seconds=10),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_WORDS = ["resolve", "compatible", "matrix", "guard", "harvest", "--json", "--policy", "safe", "enforced",
          "documented", "installer", "--matrix", "--source", "--debug-not", "--strict", "-r", "-c", "--dist",
          "--repo", "--faq-ref", "0.28.0", "v1.3.2", "mmpose==0.28.0", "mmcv-full==1.6.0", "master", "1.x",
          "mmpose>=0.28,<1", "--version", "--help", "-h", "", "--", "=", "mmcv-full>=1", "/nonexistent",
          "--python", "--write-not", "--package", "doctor", "--cuda", "--torch", "--platform", "linux", "cpu", "11.3",
          "2.1", "-o", "--format", "uv", "--timeout", "inf", "nan", "-1", "--url", "http://127.0.0.1:1/x",
          "http://127.0.0.1:99999/", "--python-version", "3.10", "mmpose==", "mmcv==2.2.0", "--provider", "onedl",
          "--allow-build", "--reset", "--sha256", "-e", ".", "--strict", "\x00", "\ufeff", "٣", "{cuda}"]
_token = st.one_of(st.sampled_from(_WORDS), st.text(max_size=20))


@FUZZ
@given(st.sampled_from(["resolve", "compatible", "matrix", "guard", "harvest", "wheels", "constraints", "doctor",
                        "update", "nonsense", "", "--matrix", "--json"]),
       st.lists(_token, max_size=5))
def test_any_command_line_exits_cleanly(capsys: pytest.CaptureFixture, command: str, rest: list) -> None:
    argv = [command, *rest]
    if "--help" in argv or "-h" in argv or "--version" in argv:
        argv = [a for a in argv if a not in ("--help", "-h", "--version")]
    if "--python" in argv:
        return  # inspecting other interpreters: covered by their own suites
    if "-o" in argv or "--write" in argv or (command == "update" and "--reset" in argv):
        return  # writes files: the output-path tests do, in folders of their own
    if command == "update" and not any(a.startswith("--url") for a in argv):
        argv = [*argv, "--url", "http://127.0.0.1:1/m.toml"]  # never the network: a closed loopback port
    try:
        code = main(argv)
    except SystemExit as e:  # argparse may exit only through our parser error hook: it must not
        pytest.fail(f"SystemExit({e.code}) for {argv!r}")
    out, err = capsys.readouterr()
    assert code in (0, 1, 2, 3), (argv, code)
    assert "Traceback" not in err, (argv, err)
    if code in (2, 3):
        assert err.count("\n") == 1 and err.startswith("mmcompat: error: "), (argv, err)
    elif code == 1:
        assert out or err.startswith("mmcompat: "), (argv, out, err)


@FUZZ
@given(st.text(max_size=400))
def test_requirement_file_reader(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "requirements.txt"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            plan = read_plan(files=[str(path)])
        except BadInput:
            return
        for name, version_range in plan.requirements.items():
            # every name is canonical, and every range reads back as itself
            from packaging.utils import canonicalize_name

            from compat.data.ranges import Range

            assert name == canonicalize_name(name), name
            assert str(Range.parse(str(version_range))) == str(version_range), version_range


@FUZZ
@given(st.text(max_size=600))
def test_toml_text_into_the_matrix_loader(text: str) -> None:
    try:
        data = parse_toml(text, path="fuzz.toml")
        from_dict(data, path="fuzz.toml")
    except BadMatrix as e:
        assert str(e).startswith("bad matrix fuzz.toml")


_leaf = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.lists(st.text(max_size=5), max_size=2))
_tree: Any = st.recursive(_leaf, lambda inner: st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)


@FUZZ
@given(st.dictionaries(st.sampled_from(["schema", "mmpose", "sources", "find_links", "x"]), _tree, max_size=5),
       st.sampled_from([1, 2, None]))
def test_arbitrary_tables_into_the_matrix_loader(data: dict, schema) -> None:
    if schema is not None:
        data["schema"] = schema
    try:
        from_dict(data, path="fuzz.toml")
    except BadMatrix as e:
        assert "\n" not in str(e)


@FUZZ
@given(st.binary(max_size=300), st.binary(max_size=300), st.booleans())
def test_metadata_and_record_readers(metadata: bytes, record: bytes, with_files: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        info = Path(folder) / "fuzzed-1.0.dist-info"
        info.mkdir()
        if with_files:
            (info / "METADATA").write_bytes(metadata)
            (info / "RECORD").write_bytes(record)
        for name in ("mmcv-1.0.dist-info",):
            other = Path(folder) / name
            other.mkdir()
            (other / "METADATA").write_bytes(b"Name: mmcv\nVersion: 1.0\n\n")
            (other / "RECORD").write_bytes(record)
        reading = probe.scan([folder], cache_dir=os.path.join(folder, "cache"))
        again = probe.scan([folder], cache_dir=os.path.join(folder, "cache"))
        assert len(reading["distributions"]) == 2
        assert [d["name"] for d in again["distributions"]] == [d["name"] for d in reading["distributions"]]
        from compat.environment.installed import from_probe

        from_probe(reading)


@FUZZ
@given(st.text(max_size=80))
def test_harvest_parsers_on_garbage(text: str) -> None:
    from compat import harvest

    for parse in (harvest.parse_mminstall, harvest.parse_faq_table, harvest.parse_version_file):
        with contextlib.suppress(CompatError):
            parse(text)
    with contextlib.suppress(CompatError):
        harvest.parse_init(text)


# ---- the issue-20 audit: damaged trees, files that are not files, writes, hangs ---------------------


def _damaged_site(site: Path) -> Path:
    info = site / "mmcv-1.7.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_bytes(b"Metadata-Version: 2.1\nName: mmcv\nVersion: 1.7.0\n\n")
    (info / "RECORD").write_bytes(b"mmcv/a\x00b.py,sha256=AAAA,1\n")
    return info


@pytest.mark.parametrize("args", [["doctor"], ["doctor", "--json"]])
def test_a_nul_byte_in_a_record_is_a_damaged_metadata_finding(run, tmp_path: Path, args: list) -> None:
    """stdout a pipe (the subprocess's) or --json: the reading that runs before the error handler."""
    _damaged_site(tmp_path / "site")
    done = run(*args, env={"PYTHONPATH": str(tmp_path / "site")})
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    assert "damaged-metadata" in done.stdout or "RECORD has 1 line(s) that are not path,hash,size" in done.stdout


def _not_regular(tmp_path: Path, kind: str) -> str:
    if kind == "fifo":
        os.mkfifo(tmp_path / "fifo")  # no writer: a blocking open would wait forever
        return str(tmp_path / "fifo")
    return {"device": "/dev/zero", "folder": str(tmp_path)}[kind]


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
@pytest.mark.parametrize("how", ["--matrix", "MMCOMPAT_MATRIX", "-r", "-c"])
def test_an_input_that_is_not_a_regular_file_is_bad_input(run, tmp_path: Path, kind: str, how: str) -> None:
    path = _not_regular(tmp_path, kind)
    if how == "--matrix":
        done = run("resolve", "0.28.0", "--matrix", path)
    elif how == "MMCOMPAT_MATRIX":
        done = run("doctor", env={"MMCOMPAT_MATRIX": path})
    else:
        done = run("guard", "mmpose==0.28.0", how, path)
    assert done.returncode == 2, done.stderr
    assert path in done.stderr and "not a regular file" in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr


def _guard(capsys: pytest.CaptureFixture, *args: str) -> "tuple[int, str]":
    code = main(["guard", *args])
    return code, capsys.readouterr().err


def test_a_requirement_file_with_a_byte_order_mark(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"\xef\xbb\xbfmmcv-full==1.7.0\n")
    plan = read_plan(files=[str(path)])
    assert [str(v) for v in plan.requirements.values()] == ["==1.7.0"] and list(plan.requirements) == ["mmcv-full"]


def test_includes_chained_past_the_recursion_limit(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    for index in range(1200):
        (tmp_path / f"r{index}.txt").write_text(f"-r r{index + 1}.txt\n" if index < 1199 else "mmpose==0.28.0\n")
    code, err = _guard(capsys, "-r", str(tmp_path / "r0.txt"))
    assert code == 2, err
    assert err == f"mmcompat: error: {tmp_path}/r100.txt:1: -r includes nested more than 100 deep; a plan is not " \
                  "that deep (is there a loop of generated files?)\n"


def test_a_huge_requirement_file_is_refused_before_it_is_parsed(capsys: pytest.CaptureFixture,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"numpy==1.26.4\n" * (52 << 16))  # 52 MiB of lines
    code, err = _guard(capsys, "-r", str(path))
    assert (code, err) == (2, f"mmcompat: error: cannot read requirement file {path}: larger than 4194304 bytes\n")


def test_a_version_too_long_for_an_int_names_its_file_and_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("# pinned\nmmpose==1." + "9" * 5000 + "\n")
    code, err = _guard(capsys, "-r", str(path))
    assert code == 2 and err.startswith(f"mmcompat: error: {path}:2: not a usable version specifier: "), err
    assert "in the arguments" not in err and len(err) < 500, err


def test_a_matrix_nested_past_the_recursion_limit(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text("schema = 1\nx = " + "[" * 50000 + "]" * 50000 + "\n")
    code = main(["matrix", "--matrix", str(path)])
    assert (code, capsys.readouterr().err) == (
        2, f"mmcompat: error: bad matrix {path}: not valid TOML: nested deeper than Python's recursion limit\n")


_CONSTRAINTS = ["constraints", "0.28.0", "--python-version", "3.10", "--platform", "linux", "--cuda", "cpu"]


def test_output_through_a_symlink_writes_its_target(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "constraints.txt"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "constraints.txt"
    link.symlink_to(target)
    assert main([*_CONSTRAINTS, "-o", str(link)]) == 0, capsys.readouterr().err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("# pip constraints for 0.28.0")
    assert sorted(p.name for p in target.parent.iterdir()) == ["constraints.txt"]  # no temporary file left


def test_output_to_a_regular_file_is_replaced_atomically(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    path = tmp_path / "constraints.txt"
    path.write_text("old\n")
    before = path.stat().st_ino
    assert main([*_CONSTRAINTS, "-o", str(path)]) == 0, capsys.readouterr().err
    assert path.stat().st_ino != before and path.read_text().startswith("# pip constraints")  # a rename


def test_output_to_a_fifo_goes_to_its_reader(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main([*_CONSTRAINTS, "-o", str(fifo)]) == 0, capsys.readouterr().err
    reader.join(60)
    assert got and got[0].startswith(b"# pip constraints") and fifo.is_fifo()


def test_output_to_a_device_is_written_not_replaced(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A node of its own like /dev/null (never the system's: code that replaced it would break the machine)."""
    import stat

    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root")
    assert main([*_CONSTRAINTS, "-o", str(device)]) == 0, capsys.readouterr().err
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_output_to_a_link_to_stdout_reaches_stdout(run, tmp_path: Path) -> None:
    """What /dev/stdout is (a link to /proc/self/fd/1), as a link of its own: never the system's."""
    if not os.path.exists("/proc/self/fd/1"):
        pytest.skip("no /proc/self/fd")
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    done = run(*_CONSTRAINTS, "-o", str(link))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# pip constraints for 0.28.0") and f"wrote {link}" in done.stderr
    assert os.readlink(link) == "/proc/self/fd/1"


def _gone(pid: int) -> bool:
    """Ended: no such process, or a zombie waiting for whoever reaps orphans."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_hanging_interpreter_is_probed_once_and_killed_with_its_group(
        capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from compat.environment import installed as environment

    started = tmp_path / "started"
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\necho $$ >> {started}\nsleep 300 &\necho $! >> {started}\nsleep 300\n")
    script.chmod(0o755)
    monkeypatch.setattr(environment, "PROBE_TIMEOUT", 1.5)
    for args in (["--json"], []):
        started.unlink(missing_ok=True)
        code = main(["doctor", "--python", str(script), *args])
        err = capsys.readouterr().err
        assert code == 3, err
        assert err == f"mmcompat: error: cannot inspect {script}: the probe did not answer within 1.5 s; it and what " \
                      "it started were killed\n"
        pids = [int(line) for line in started.read_text().split()]
        assert len(pids) == 2, pids  # one probe: the script and its child, once
        for _ in range(100):  # the kill is sent before main returns; the kernel may take a moment to end them
            if all(_gone(pid) for pid in pids):
                break
            time.sleep(0.05)
        assert all(_gone(pid) for pid in pids), pids


@pytest.mark.parametrize("printed", ["{}", "[]", '{"distributions": {}}', "null"])
def test_a_probe_output_that_is_not_a_reading(capsys: pytest.CaptureFixture, tmp_path: Path, printed: str) -> None:
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\necho '{printed}'\n")
    script.chmod(0o755)
    for args in (["--json"], []):
        code = main(["doctor", "--python", str(script), *args])
        out, err = capsys.readouterr()
        assert (code, out) == (3, ""), (err, out)
        assert err.startswith(f"mmcompat: error: cannot inspect {script}: the probe") and len(err) < 400, err
        assert "not a reading" in err or "no usable JSON" in err, err


@pytest.mark.parametrize("argv, message", [
    (["resolve", "0.28.0", "--cuda", ""], "--cuda is given an empty value: give a value, or leave it out for the "
                                          "default (see 'mmcompat --help')"),
    (["doctor", "--python", ""], "--python is given an empty value: give a value, or leave it out for the default "
                                 "(see 'mmcompat --help')"),
    (["wheels", ""], "DIST[==V] is given an empty value: give a value, or leave it out for the default "
                     "(see 'mmcompat --help')"),
    (["constraints", "0.28.0", "-o", ""], "--output is given an empty value: give a value, or leave it out for the "
                                          "default (see 'mmcompat --help')"),
    (["matrix", "mmpose=="], "no release after '==' in 'mmpose=='; give PACKAGE or PACKAGE==VERSION, "
                             "e.g. mmpose==0.28.0"),
    (["compatible", "mmcv-full==1.6.0; python_version < '3'"],
     "give only NAME==VERSION, e.g. mmcv-full==1.6.0 (no marker, extras or URL); got "
     "\"mmcv-full==1.6.0; python_version < '3'\""),
    # no abbreviations: --python is not --python-version (resolve has no --python)
    (["resolve", "0.28.0", "--python", "3.10"], "unrecognized arguments: --python 3.10 (see 'mmcompat --help')"),
    (["resolve", "0.28.0", "--pol", "safe"], "unrecognized arguments: --pol safe (see 'mmcompat --help')"),
])
def test_values_that_say_nothing_are_refused(capsys: pytest.CaptureFixture, argv: list, message: str) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == f"mmcompat: error: {message}\n"


@pytest.mark.parametrize("value", ["５３５.104.05", "٥٣٥.104", "535.１04"])
def test_non_ascii_digits_in_the_driver_variable(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch,
                                                  value: str) -> None:
    monkeypatch.setenv("MMCOMPAT_CUDA_DRIVER_VERSION", value)
    assert main(["resolve", "mmpose==1.3.2", "--torch", "2.1"]) == 2
    assert capsys.readouterr().err == f"mmcompat: error: not an NVIDIA driver version: {value!r}; give e.g. " \
                                      "535.104.05\n"


@pytest.mark.parametrize("value", ["true", "1.0", '"1"'])
def test_a_schema_that_is_not_the_number_one(value: str) -> None:
    with pytest.raises(BadMatrix, match=r"at schema: expected schema = 1, got "):
        from_dict(parse_toml(f"schema = {value}\n", path="m.toml"), path="m.toml")


_DAMAGE = st.one_of(st.binary(max_size=120), st.sampled_from([
    b"", b"\x00", b"\xef\xbb\xbfName: mmcv\nVersion: 1.7.0\n\n", b"mmcv/a\x00b.py,sha256=AAAA,1\n",
    b"[" * 3000, b"__version__ = 'abc'\n", b"__version__ = '2.1.0'\ncuda = '12.1'\n", b"Name: torch\nVersion: 9" * 50,
    b'"a,b.py",sha256=x,1\r\n', b"../../../bin/x,,\n", b"import os\n", b"/nonexistent\n",
]), st.sampled_from(["fifo", "folder", "zero-link", "dangling-link"]))
_FILES = ["mmcv-1.7.0.dist-info/METADATA", "mmcv-1.7.0.dist-info/RECORD", "mmcv-1.7.0.dist-info/direct_url.json",
          "mmcv-1.7.0.dist-info/WHEEL", "torch-2.1.0.dist-info/METADATA", "torch-2.1.0.dist-info/RECORD",
          "torch/version.py", "mmcv/version.py", "mmcv/__init__.py", "x.pth", "__editable___mmpose_finder.py",
          "mmpose-1.3.2.egg-info/PKG-INFO", "odd.dist-info"]


@settings(max_examples=30, deadline=datetime.timedelta(seconds=20),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tree=st.dictionaries(st.sampled_from(_FILES), _DAMAGE, min_size=1, max_size=8))
def test_damaged_site_packages_trees(matrix, tree: dict) -> None:
    """Whatever lies in site-packages (bytes, NUL bytes, FIFOs, folders, links to /dev/zero): the probe
    reads it, doctor judges it, nothing raises."""
    from compat.checks.diagnose import diagnose
    from compat.environment.installed import from_probe

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        for name, content in tree.items():
            path = site / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if content == "fifo":
                os.mkfifo(path)
            elif content == "folder":
                path.mkdir(exist_ok=True)
            elif content == "zero-link":
                path.symlink_to("/dev/zero")
            elif content == "dangling-link":
                path.symlink_to(site / "nothing-there")
            else:
                path.write_bytes(content)
        for cache_dir in (None, os.path.join(folder, "cache")):
            reading = probe.scan([folder], cache_dir=cache_dir)
            diagnose(from_probe(reading), matrix)


def test_a_marker_probe_that_hangs_is_killed_with_its_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """guard's marker probe of a target that hangs: killed at its deadline with its group, its script not quoted."""
    import time

    from compat.checks import guard
    from compat.environment.installed import InspectFailed

    started = tmp_path / "started"
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\nsleep 300 &\necho $! >> {started}\nsleep 300\n")
    script.chmod(0o755)
    monkeypatch.setattr(guard, "MARKER_TIMEOUT", 1.5)
    with pytest.raises(InspectFailed) as caught:
        guard.marker_environment(str(script))
    assert str(caught.value) == (f"cannot inspect {script}: cannot read its marker environment: the marker probe did "
                                 "not answer within 1.5 s; it and what it started were killed")

    (pid,) = [int(line) for line in started.read_text().split()]
    for _ in range(100):
        if _gone(pid):
            break
        time.sleep(0.05)
    assert _gone(pid)
