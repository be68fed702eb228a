"""The probe's fast readings against the exact ones they stand for: RECORDs counted and keyed with string
methods against their parsed entries, file hashes as RECORD writes them."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat import probe

LOCATION = "/venv/lib/python3.11/site-packages"

_SEGMENT = st.text(alphabet="abcxyz_-.019", min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))
_PATH = st.one_of(
    st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join),
    st.lists(_SEGMENT, min_size=1, max_size=2).map(lambda parts: "../../../bin/" + "/".join(parts)),
    st.sampled_from(["mmcv/_ext.cpython-311-x86_64-linux-gnu.so", "pkg/_x.pyd", "__pycache__/six.cpython-311.pyc",
                     "six.py", "a,b.py", 'q"uote.py']),
)
_HASH = st.sampled_from(["", "sha256=rUcPsQskpScAgZLr7Gg80Ov3kdDD6ICDhNkj4dWbBlM", "sha512=abc-_"])
_LINE = st.one_of(
    st.builds(lambda p, h, n: f"{p},{h},{n}", _PATH, _HASH, st.sampled_from(["", "12", "1003"])),
    st.sampled_from(["", "no commas here", "a,b", "a,b,c,d", ",sha256=x,1", '"a,b.py",sha256=x,3', "x,,\r"]),
)


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(_LINE, max_size=12), newline=st.sampled_from(["\n", "\r\n"]), end=st.booleans(),
       tail=st.sampled_from([b"", b"", b"\xff", "é.py,,\n".encode()]), ordered=st.booleans())
def test_a_record_counted_fast_reads_as_its_entries(lines: list, newline: str, end: bool,  # type: ignore[type-arg]
                                                     tail: bytes, ordered: bool) -> None:
    """Files, lines that are not path,hash,size, owner keys, compiled modules and encoding problems: the
    same whether the entries are built or not (sorted as pip writes a RECORD, its lines read a block at a
    time; in any order, line by line)."""
    raw = (newline.join(sorted(lines) if ordered else lines) + (newline if end and lines else "")).encode() + tail
    entries, *fast = probe._record(LOCATION, raw, False)
    exact_entries, *exact = probe._record(LOCATION, raw, True)
    assert fast == exact, raw
    assert exact_entries == probe._record_entries(probe._decoded(raw)[0])[0]
    assert entries is None or entries == exact_entries


@pytest.mark.parametrize(("lines", "segments"), [
    (["../../bin/x,,", "../../bin/y,,", "a.py,,", "pkg-1.0.dist-info/RECORD,,", "pkg/a.py,,", "pkg/b/c.py,,"],
     {b"..", b"a.py", b"pkg-1.0.dist-info", b"pkg"}),
    (["pkg/a.py,,", "pkg,,", "pkg/b.py,,"], {b"pkg"}),  # lines of one each
    (["pkg/a.py,,", "six.py,,", "pkg/b.py,,"], {b"pkg", b"six.py"}),
    (["pkg/a.py,,", "pkg/b.py,,", "six.py,,", "pkg/c.py,,"], None),  # the block of pkg/ holds six.py
    ([f"m{i}.py,," for i in range(9)] + ["pkg/a.py,,"] * 90, {b"pkg"} | {f"m{i}.py".encode() for i in range(9)}),
    ([f"d{i}/a.py,," for i in range(9) for _ in "ab"] + ["pkg/a.py,,"] * 90, None),  # searched past 4x: line by line
])
def test_a_record_read_a_block_at_a_time(lines: list, segments: object) -> None:  # type: ignore[type-arg]
    """Blocks of lines that start alike: their first segments, or None (read line by line) when a block
    holds other lines or the blocks would be searched again and again."""
    raw = "".join(line + "\n" for line in lines).encode()
    assert probe._first_segments(raw, len(lines)) == segments
    _, *fast = probe._record(LOCATION, raw, False)
    _, *exact = probe._record(LOCATION, raw, True)
    assert fast == exact


@settings(max_examples=300, deadline=None)
@given(name=st.text(alphabet="aBz09-_.", min_size=1, max_size=12))
def test_names_are_canonical_as_packaging_writes_them(name: str) -> None:
    """Names with nothing to join (the quick return) and with runs of -_. alike."""
    from packaging.utils import canonicalize_name

    assert probe.canonical(name) == canonicalize_name(name)


_LONG = "Classifier: x\n" * 100  # past the first KB


@pytest.mark.parametrize(("text", "headers"), [
    ("Metadata-Version: 2.1\nName: six\nVersion: 1.0\n" + _LONG, {"Name": "six", "Version": "1.0"}),
    ("Name: six\n" + _LONG + "Version: 1.0\nName: other\n", {"Name": "six", "Version": "1.0"}),  # Version past it
    ("Name: six\n \n" + _LONG + "Version: 1.0\n", {"Name": "six"}),  # a blank line ends the headers
    ("Name: six\n" + _LONG + "\nVersion: 1.0\n", {"Name": "six"}),
    ("Name: six\r\n" + "C: x\r\n" * 250 + "Version: 1.0\r\n", {"Name": "six", "Version": "1.0"}),
    ("N" * 1020 + "\nName: six\nVersion: 1.0\n", {"Name": "six", "Version": "1.0"}),  # both cut at 1024
    ("Name: six\x0cVersion: 1.0\n" + _LONG, {"Name": "six", "Version": "1.0"}),  # a line end splitlines knows
    ("Name: six\nVersion: 1.0", {"Name": "six", "Version": "1.0"}),
])
def test_name_and_version_are_the_first_of_the_header_block(text: str, headers: dict) -> None:  # type: ignore[type-arg]
    assert probe._headers(text) == headers


def test_a_real_record_takes_the_fast_way() -> None:
    for newline in (b"\n", b"\r\n"):
        raw = newline.join([b"mmcv/__init__.py,sha256=abc,10", b"mmcv/_ext.cpython-311-x86_64-linux-gnu.so,sha256=d,2",
                            b"../../../bin/mmcv,sha256=x,3", b"mmcv-2.1.0.dist-info/RECORD,,", b""])
        entries, files, bad, keys, binary, problem = probe._record(LOCATION, raw, False)
        assert (entries, files, bad, binary, problem) == (None, 4, 0, True, "")
        assert keys == sorted(["/venv/bin/mmcv", f"{LOCATION}/mmcv", f"{LOCATION}/mmcv-2.1.0.dist-info"])


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), algorithm=st.sampled_from(["sha256", "sha384", "sha512", "md5"]))
def test_file_hashes_are_records(tmp_path_factory, data: bytes, algorithm: str) -> None:  # type: ignore[no-untyped-def]
    path = Path(tmp_path_factory.mktemp("hash")) / "f"
    path.write_bytes(data)
    expected = base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=").decode()
    assert probe._file_hash(str(path), algorithm) == expected


def test_a_file_hash_is_what_pip_writes_in_record(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert probe._file_hash(str(path), "sha256") == "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


# ---- damaged files: every one a problem of its distribution, never an exception ---------------------


def _dist_info(site: Path, name: str, version: str, record: bytes) -> Path:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_bytes(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode())
    (info / "RECORD").write_bytes(record)
    return info


def test_a_nul_byte_in_a_record_line_is_a_damaged_line(tmp_path: Path) -> None:
    _dist_info(tmp_path, "mmcv", "1.7.0", b"mmcv/a\x00b.py,sha256=AAAA,1\nmmcv/__init__.py,,\n")
    _dist_info(tmp_path, "six", "1.0", b"six\x00.py,,\nsix.py,,\n")
    for cache_dir in (None, str(tmp_path / "cache")):
        reading = probe.scan([str(tmp_path)], cache_dir=cache_dir)
        problems = {d["name"]: d["problems"] for d in reading["distributions"]}
        assert problems == {"mmcv": ["mmcv-1.7.0.dist-info/RECORD has 1 line(s) that are not path,hash,size"],
                            "six": ["six-1.0.dist-info/RECORD has 1 line(s) that are not path,hash,size"]}


def test_a_nul_byte_reads_alike_fast_and_exact() -> None:
    raw = b"pkg/a\x00.py,sha256=x,1\npkg/b.py,,\n"
    _, *fast = probe._record(LOCATION, raw, False)
    exact_entries, *exact = probe._record(LOCATION, raw, True)
    assert fast == exact and exact_entries == [("pkg/b.py", "")]


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_metadata_files_that_are_not_regular_files_are_problems(tmp_path: Path, kind: str) -> None:
    """A FIFO (no writer: opening it must not block), a folder, or a device node as a metadata file."""
    info = _dist_info(tmp_path, "mmcv", "1.7.0", b"mmcv/__init__.py,,\n")
    for name in ("METADATA", "RECORD", "direct_url.json"):
        path = info / name
        path.unlink(missing_ok=True)
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        else:
            path.symlink_to("/dev/zero")  # reading it would never end
    reading = probe.scan([str(tmp_path)])
    (dist,) = reading["distributions"]
    assert dist["problems"] == ["mmcv-1.7.0.dist-info/METADATA is unreadable: not a regular file",
                                "mmcv-1.7.0.dist-info/METADATA has no Name or Version header",
                                "mmcv-1.7.0.dist-info/direct_url.json is not valid JSON",
                                "mmcv-1.7.0.dist-info/RECORD is unreadable: not a regular file"]


def test_read_regular_caps_the_size(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 101)
    assert probe.read_regular(str(path), limit=101) == b"x" * 101
    with pytest.raises(OSError, match="larger than 100 bytes"):
        probe.read_regular(str(path), limit=100)


def test_direct_url_json_nested_past_the_recursion_limit(tmp_path: Path) -> None:
    info = _dist_info(tmp_path, "six", "1.0", b"six.py,,\n")
    (info / "direct_url.json").write_text("[" * 100000 + "]" * 100000)
    (dist,) = probe.scan([str(tmp_path)])["distributions"]
    assert dist["problems"] == ["six-1.0.dist-info/direct_url.json is not valid JSON"]
