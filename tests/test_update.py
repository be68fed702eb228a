"""``mmcompat update`` against a real HTTP server on 127.0.0.1: every failure leaves the cache as it was."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from compat.data.locate import embedded_path
from compat.data.matrix import load
from compat.data.update import describe_time, update
from compat.errors import BadInput
from compat.net import check_url

from .conftest import ROOT, Run

GOOD = (ROOT / "data" / "compat_matrix.toml").read_bytes()
OTHER = GOOD.replace(b'generated = "', b'generated = "other ', 1)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, body: bytes, headers: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/good":
            self._send(200, GOOD)
        elif path == "/other":
            self._send(200, OTHER)
        elif path == "/404":
            self._send(404, b"no")
        elif path == "/500":
            self._send(500, b"boom")
        elif path == "/slow":
            time.sleep(3)
            self._send(200, GOOD)
        elif path == "/truncated":
            self._send(200, GOOD[:100], {"Content-Length": str(len(GOOD))})
        elif path == "/declared-huge":
            self._send(200, b"x", {"Content-Length": str(50 * 1024 * 1024)})
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(80):
                    self.wfile.write(b"#" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/not-toml":
            self._send(200, b"schema = [unclosed\n")
        elif path == "/binary":
            self._send(200, b"\xff\xfe\x00garbage")
        elif path == "/wrong-schema":
            self._send(200, b"schema = 2\n")
        elif path == "/bad-fact":
            self._send(200, GOOD.replace(b'spec = ">=1.3.8,<=1.6.0"', b'spec = "nonsense"', 1))
        elif path == "/to-good":
            self._send(302, b"", {"Location": "/good"})
        elif path == "/to-plain-http":
            self._send(302, b"", {"Location": "http://example.com/compat_matrix.toml"})
        elif path == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif path == "/drip-headers":  # the status line and headers a byte every 0.2 s, 20 s in all
            try:
                for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"x" * 100 + b"\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/drip":  # a byte every 0.2 s: never a per-read timeout of 0.5 s, 20 s in all
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"#")
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/gzip":  # as a real server answers requests' Accept-Encoding: gzip
            import gzip

            self._send(200, gzip.compress(GOOD), {"Content-Encoding": "gzip"})
        elif path == "/gzip-truncated":
            import gzip

            packed = gzip.compress(GOOD)
            self._send(200, packed[:-100], {"Content-Encoding": "gzip", "Content-Length": str(len(packed))})
        else:
            self._send(404, b"")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def seeded(run: Run) -> Path:
    """A cache that already holds a valid matrix (a different one): failures must not touch it."""
    run.cache.mkdir(parents=True, exist_ok=True)
    cached = run.cache / "compat_matrix.toml"
    cached.write_bytes(OTHER)
    return cached


def _snapshot(folder: Path) -> Dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "compat_matrix.toml.lock"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_update_installs_a_verified_matrix(run: Run, server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    digest = hashlib.sha256(GOOD).hexdigest()
    done = run("update", "--url", f"{server}/good", "--sha256", digest)
    cached = run.cache / "compat_matrix.toml"
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"updated: {cached} ({len(GOOD)} bytes, sha256 {digest}) from {server}/good\n"
    assert cached.read_bytes() == GOOD
    assert run("matrix", "--source").stdout.startswith(f"{cached} (cache)\nthe cached matrix (generated ")
    os.utime(cached, (1_000_000_000, 1_000_000_000))
    assert run("update", "--url", f"{server}/good").stdout.startswith("already current: ")
    assert cached.stat().st_mtime > 1_000_000_000  # confirmed current now: its file time says so
    assert run("resolve", "0.28.0").stdout == "mmcv-full>=1.3.8,<1.6.0\n"
    assert not list(run.cache.glob("*.tmp")) and not list(run.cache.glob(".*.tmp"))
    # compiled beside it, as the build hook compiles the embedded one: answered without parsing
    import compat.cache
    from compat.answers.release import find, requirements
    from compat.data.compiled import tables

    # this process's code identity is read again: the code on disk now is the code the CLI just ran
    monkeypatch.setattr(compat.cache, "_code_identity", None)
    assert (run.cache / "compat_matrix.marshal").is_file()
    compiled = tables(str(cached))
    assert compiled is not None
    release = find(compiled, "mmpose", "0.28.0")
    assert release is not None and requirements(compiled, release, "safe") == ("mmcv-full>=1.3.8,<1.6.0",)


def test_redirect_within_allowed_urls(run: Run, server: str) -> None:
    assert run("update", "--url", f"{server}/to-good").returncode == 0


@pytest.mark.parametrize(
    "path, extra, problem",
    [
        ("/404", [], "HTTP 404 Not Found"),
        ("/500", [], "HTTP 500 Internal Server Error"),
        ("/slow", ["--timeout", "0.5"], "timed out after 0.5 s"),
        ("/truncated", [], None),
        ("/declared-huge", [], "the matrix is 52428800 bytes, over the 4194304-byte cap"),
        ("/huge", [], "the download passed the 4194304-byte cap"),
        ("/not-toml", [], "not a valid matrix (not valid TOML: "),
        ("/binary", [], "the download is not UTF-8 text"),
        ("/wrong-schema", [], "not a valid matrix (expected schema = 1, got 2 at schema)"),
        ("/bad-fact", [], 'not a valid matrix (not a version specifier: \'nonsense\' '
                          'at mmpose.releases."0.28.0".mmcv-full.enforced.spec)'),
        ("/good", ["--sha256", "0" * 64],
         f"sha256 mismatch: expected {'0' * 64}, got {hashlib.sha256(GOOD).hexdigest()}"),
        ("/to-plain-http", [], "redirected to a URL that is not allowed: http://example.com/compat_matrix.toml"),
        ("/loop", [], "more than 5 redirects"),
    ],
)
def test_every_failure_exits_3_and_leaves_the_cache_alone(run: Run, server: str, seeded: Path,
                                                           path, extra, problem) -> None:
    before = _snapshot(run.cache)
    url = f"{server}{path}"
    done = run("update", "--url", url, *extra)
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"mmcompat: error: update from {url} failed: ")
    assert done.stderr.endswith("; the matrix in effect is unchanged\n")
    if problem is not None:
        assert problem in done.stderr
    else:
        assert "truncated" in done.stderr or "IncompleteRead" in done.stderr or "cannot connect" in done.stderr
    assert _snapshot(run.cache) == before


@pytest.mark.parametrize("url, problem", [
    (f"http://127.0.0.1:{_closed_port()}/m.toml", "cannot connect (Connection refused)"),
    ("https://mmcompat-test.invalid/m.toml", "cannot connect ("),
], ids=["closed-port", "no-such-host"])  # fixed ids: every pytest-xdist worker collects the same tests
def test_unreachable_hosts(run: Run, seeded: Path, url: str, problem: str) -> None:
    before = _snapshot(run.cache)
    done = run("update", "--url", url, "--timeout", "2")
    assert done.returncode == 3 and problem in done.stderr and done.stderr.count("\n") == 1
    assert _snapshot(run.cache) == before


@pytest.mark.parametrize("url, message", [
    ("http://example.com/m.toml",
     "refusing plain http to 'example.com': use https (http is allowed for loopback hosts only)"),
    ("ftp://127.0.0.1/m.toml", "not an https URL: 'ftp://127.0.0.1/m.toml'"),
    ("file:///etc/passwd", "not an https URL: 'file:///etc/passwd'"),
    ("https:///nohost", "not an https URL: 'https:///nohost'"),
])
def test_disallowed_urls_are_bad_input(run: Run, url: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        check_url(url)
    assert str(caught.value) == message
    done = run("update", "--url", url)
    assert (done.returncode, done.stderr) == (2, f"mmcompat: error: {message}\n")


def test_bad_digest_and_timeout_are_bad_input(run: Run, server: str) -> None:
    assert run("update", "--url", f"{server}/good", "--sha256", "xyz").returncode == 2
    assert run("update", "--url", f"{server}/good", "--timeout", "0").returncode == 2
    assert run("update", "--url", f"{server}/good", "--timeout", "soon").returncode == 2


def test_environment_variable_sets_the_url(run: Run, server: str) -> None:
    done = run("update", env={"MMCOMPAT_UPDATE_URL": f"{server}/good"})
    assert done.returncode == 0 and f"from {server}/good" in done.stdout


def test_eight_parallel_updates(run: Run, server: str) -> None:
    def one(index: int) -> subprocess.CompletedProcess:
        return run("update", "--url", f"{server}/{'good' if index % 2 else 'other'}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(8)))
    assert [r.returncode for r in results] == [0] * 8, [r.stderr for r in results]
    assert (run.cache / "compat_matrix.toml").read_bytes() in (GOOD, OTHER)
    assert sorted(p.name for p in run.cache.iterdir() if p.name.endswith(".tmp")) == []


def test_invalid_cache_falls_back_to_the_embedded_matrix_with_a_warning(run: Run) -> None:
    run.cache.mkdir(parents=True, exist_ok=True)
    (run.cache / "compat_matrix.toml").write_text("schema = 2\n")
    done = run("resolve", "0.28.0", "--json")
    assert done.returncode == 0 and '"matrix_origin": "embedded"' in done.stdout
    assert done.stderr == ("mmcompat: warning: ignoring the cached matrix "
                           f"(bad matrix {run.cache / 'compat_matrix.toml'} "
                           "at schema: expected schema = 1, got 2); using the embedded one\n")
    plain = run("resolve", "0.28.0")
    assert plain.stdout == "mmcv-full>=1.3.8,<1.6.0\n" and "warning" in plain.stderr
    assert run("matrix", "--source").stdout.endswith("(embedded)\n")
    for _ in range(2):  # the second run says it again
        assert "warning: ignoring the cached matrix" in run("doctor", "--json").stderr


def test_flag_beats_environment_beats_cache(run: Run, server: str, tmp_path: Path) -> None:
    assert run("update", "--url", f"{server}/good").returncode == 0
    mine = tmp_path / "mine.toml"
    mine.write_bytes(GOOD)
    assert run("matrix", "--source", env={"MMCOMPAT_MATRIX": str(mine)}).stdout == f"{mine} (MMCOMPAT_MATRIX)\n"
    assert run("matrix", "--source", "--matrix", str(GOOD and mine),
               env={"MMCOMPAT_MATRIX": "/nope"}).stdout == f"{mine} (--matrix)\n"


NO_URL = ("mmcompat: error: no URL to update from: give --url URL or set MMCOMPAT_UPDATE_URL "
          "(mmcompat has no published matrix to default to)\n")


@pytest.mark.parametrize("env", [{}, {"MMCOMPAT_UPDATE_URL": ""}])
def test_no_url_and_no_variable_is_bad_input(run: Run, env: Dict[str, str]) -> None:
    done = run("update", env=env)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", NO_URL)
    assert not run.cache.exists()


def test_the_library_has_no_default_url_either(monkeypatch: pytest.MonkeyPatch) -> None:
    import compat.data.update

    monkeypatch.delenv("MMCOMPAT_UPDATE_URL", raising=False)
    with pytest.raises(BadInput) as caught:
        update()
    assert f"mmcompat: error: {caught.value}\n" == NO_URL
    assert not hasattr(compat.data.update, "DEFAULT_URL")


def test_update_takes_no_matrix_option(run: Run, server: str, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_bytes(GOOD)
    done = run("update", "--url", f"{server}/good", "--matrix", str(mine))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"mmcompat: error: unrecognized arguments: --matrix {mine} (see 'mmcompat --help')\n"
    assert not run.cache.exists()


def test_reset_removes_the_cached_matrix(run: Run, server: str) -> None:
    assert run("update", "--url", f"{server}/good").returncode == 0
    names = ["compat_matrix.toml", "compat_matrix.marshal", "compat_matrix.toml.lock"]
    assert all((run.cache / name).is_file() for name in names)
    (run.cache / "unrelated.marshal").write_bytes(b"kept")
    done = run("update", "--reset")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "".join(f"removed {run.cache / name}\n" for name in names) + \
        f"in effect: {embedded_path()} (embedded)\n"
    assert sorted(p.name for p in run.cache.iterdir()) == ["unrelated.marshal"]
    assert run("matrix", "--source").stdout == f"{embedded_path()} (embedded)\n"
    again = run("update", "--reset")
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout == (f"nothing to remove: no cached matrix in {run.cache}\n"
                            f"in effect: {embedded_path()} (embedded)\n")


def test_reset_json_and_a_matrix_without_its_compiled_form(run: Run, seeded: Path) -> None:
    done = run("update", "--reset", "--json", env={"MMCOMPAT_MATRIX": str(seeded.parent / "elsewhere.toml")})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"removed": [str(seeded)], "cache": str(run.cache),
                                       "matrix": str(seeded.parent / "elsewhere.toml"),
                                       "matrix_origin": "MMCOMPAT_MATRIX"}
    assert not seeded.exists()


@pytest.mark.parametrize("extra, given", [
    (["--url", "https://example.org/m.toml"], "--url"),
    (["--sha256", "0" * 64], "--sha256"),
    (["--timeout", "2"], "--timeout"),
    (["--url", "https://example.org/m.toml", "--sha256", "0" * 64], "--url, --sha256"),
])
def test_reset_refuses_download_options(run: Run, seeded: Path, extra: List[str], given: str) -> None:
    before = _snapshot(run.cache)
    done = run("update", "--reset", *extra)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"mmcompat: error: --reset downloads nothing: it takes no {given} (see 'mmcompat --help')\n"
    assert _snapshot(run.cache) == before


@pytest.mark.parametrize("offset, older", [(-3600, True), (3600, False)])
def test_matrix_source_compares_the_cache_with_the_embedded_matrix(run: Run, seeded: Path,
                                                                   offset: int, older: bool) -> None:
    embedded = embedded_path()
    embedded_time = os.stat(embedded).st_mtime
    os.utime(seeded, (embedded_time + offset, embedded_time + offset))
    cached_generated, embedded_generated = load(str(seeded)).generated, load(embedded).generated
    assert cached_generated == "other " + embedded_generated
    done = run("matrix", "--source")
    assert (done.returncode, done.stderr) == (0, "")
    advice = "; 'mmcompat update --reset' removes the cached one" if older else ""
    assert done.stdout == (
        f"{seeded} (cache)\n"
        f"the cached matrix (generated {cached_generated!r}, file time {describe_time(embedded_time + offset)}) "
        f"is {'older' if older else 'not older'} than the embedded one {embedded} "
        f"(generated {embedded_generated!r}, file time {describe_time(embedded_time)}){advice}\n"
    )
    source = json.loads(run("matrix", "--source", "--json").stdout)
    assert source == {
        "matrix": str(seeded), "matrix_origin": "cache", "generated": cached_generated,
        "modified": describe_time(embedded_time + offset), "older_than_embedded": older,
        "embedded": {"matrix": embedded, "generated": embedded_generated, "modified": describe_time(embedded_time)},
    }
    # not in effect (another matrix is chosen): nothing to compare
    assert run("matrix", "--source", "--matrix", embedded).stdout == f"{embedded} (--matrix)\n"


def test_describe_time() -> None:
    assert describe_time(0) == "1970-01-01T00:00:00Z"
    assert describe_time(1_700_000_000.9) == "2023-11-14T22:13:20Z"


def test_a_dripping_server_is_stopped_at_the_total_deadline(run: Run, server: str, seeded: Path) -> None:
    before = _snapshot(run.cache)
    done = run("update", "--url", f"{server}/drip", "--timeout", "0.5")
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith(f"mmcompat: error: update from {server}/drip failed: not done within 6 s "
                                  "(12 times --timeout), "), done.stderr
    assert _snapshot(run.cache) == before


def test_headers_dripped_a_byte_at_a_time_are_stopped_at_the_total_deadline(run: Run, server: str,
                                                                          seeded: Path) -> None:
    before = _snapshot(run.cache)
    done = run("update", "--url", f"{server}/drip-headers", "--timeout", "0.5")
    assert done.returncode == 3, done.stderr
    assert done.stderr == (f"mmcompat: error: update from {server}/drip-headers failed: not done within 6 s "
                           "(12 times --timeout): the server did not finish its answer's status line and headers; "
                           "the matrix in effect is unchanged\n"), done.stderr
    assert _snapshot(run.cache) == before


def test_a_gzip_encoded_matrix_is_accepted(run: Run, server: str) -> None:
    """Content-Length counts the gzip bytes; the size cap and the digest are of what was decoded."""
    done = run("update", "--url", f"{server}/gzip", "--sha256", hashlib.sha256(GOOD).hexdigest())
    assert done.returncode == 0, done.stderr
    assert (run.cache / "compat_matrix.toml").read_bytes() == GOOD


def test_a_truncated_gzip_download_is_refused(run: Run, server: str) -> None:
    done = run("update", "--url", f"{server}/gzip-truncated")
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "-inf"])
def test_a_timeout_that_is_no_number_of_seconds_is_bad_input(run: Run, value: str) -> None:
    done = run("update", "--url", "https://example.invalid/m.toml", f"--timeout={value}")
    assert (done.returncode, done.stderr) == (
        2, f"mmcompat: error: --timeout must be a positive, finite number of seconds, got {float(value)!r}\n")


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/m.toml", "https://example.org:abc/m.toml",
                                 "http://127.0.0.1:-1/m.toml"])
def test_a_malformed_port_is_bad_input(run: Run, url: str) -> None:
    done = run("update", "--url", url)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"mmcompat: error: not a usable URL: {url!r} (Port ") and done.stderr.count("\n") == 1
