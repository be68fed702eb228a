"""The probe's fast readings against the exact ones they stand for: RECORDs counted and keyed with string
methods against their parsed entries, direct_url.json through json's C scanner against json.loads,
file hashes against hashlib and base64."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from compat.environment import probe

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
       tail=st.sampled_from([b"", b"", b"\xff", "é.py,,\n".encode()]))
def test_a_record_counted_fast_reads_as_its_entries(lines: list, newline: str, end: bool,  # type: ignore[type-arg]
                                                     tail: bytes) -> None:
    """Files, lines that are not path,hash,size, owner keys, compiled modules and encoding problems: the
    same whether the entries are built or not."""
    raw = (newline.join(lines) + (newline if end and lines else "")).encode() + tail
    entries, *fast = probe._record(LOCATION, raw, False)
    exact_entries, *exact = probe._record(LOCATION, raw, True)
    assert fast == exact, raw
    assert exact_entries == probe._record_entries(probe._decoded(raw)[0])[0]
    assert entries is None or entries == exact_entries


def test_a_real_record_takes_the_fast_way() -> None:
    for newline in (b"\n", b"\r\n"):
        raw = newline.join([b"mmcv/__init__.py,sha256=abc,10", b"mmcv/_ext.cpython-311-x86_64-linux-gnu.so,sha256=d,2",
                            b"../../../bin/mmcv,sha256=x,3", b"mmcv-2.1.0.dist-info/RECORD,,", b""])
        entries, files, bad, keys, binary, problem = probe._record(LOCATION, raw, False)
        assert (entries, files, bad, binary, problem) == (None, 4, 0, True, "")
        assert keys == sorted(["/venv/bin/mmcv", f"{LOCATION}/mmcv", f"{LOCATION}/mmcv-2.1.0.dist-info"])


_JSONISH = st.text(alphabet='{}[]":,0123456789.eE-+ntrufalsNIy\\ \n\t\u00e9', max_size=14)
_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                     max_size=3), max_leaves=8)


def _loads(loads, text: str):  # type: ignore[no-untyped-def]
    try:
        return ("value", repr(loads(text)))
    except ValueError:
        return ("error",)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(_JSONISH, _VALUES.map(json.dumps), _VALUES.map(lambda v: f" {json.dumps(v, indent=1)}\n")))
def test_direct_url_json_reads_as_json_loads_reads_it(text: str) -> None:
    assert _loads(probe._json_loads, text) == _loads(json.loads, text)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), algorithm=st.sampled_from(["sha256", "sha384", "sha512", "md5"]))
def test_file_hashes_are_records(tmp_path_factory, data: bytes, algorithm: str) -> None:  # type: ignore[no-untyped-def]
    path = Path(tmp_path_factory.mktemp("hash")) / "f"
    path.write_bytes(data)
    expected = base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=").decode()
    assert probe._file_hash(str(path), algorithm) == expected
