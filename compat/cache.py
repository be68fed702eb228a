"""The user cache, and the only rules by which mmcompat reuses anything it computed before.

Every entry is keyed by *content*: a BLAKE2 digest of the exact bytes the answer was derived from
(the matrix file as read, an environment reading) and of mmcompat's own code (every ``.py`` file of
this package, so an edited or upgraded install never sees an answer its code would not give). There
are no stamps of file times or sizes: a file rewritten in place, an editable checkout changed under a
running cache, a same-size rewrite, all change the key.

``MMCOMPAT_NO_CACHE=1`` turns every cache off (nothing read, nothing written). Library calls write
nothing unless their caller asks (the command line does). This module imports only ``os`` and
``marshal`` at load time; it runs on every start.
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Mapping, Optional, Sequence

__all__ = ["ENV_NO_CACHE", "cache_dir", "code_identity", "content_digest", "digest", "enabled", "get", "has",
           "loaded_modules", "modules_identity", "put", "reading_cache_folder", "replace_file", "write_atomic",
           "write_output"]

ENV_NO_CACHE = "MMCOMPAT_NO_CACHE"
_FORMAT = 3  # bump when the layout of an entry changes
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_code_identity: Optional[str] = None


def cache_dir(environ: Optional[Mapping[str, str]] = None) -> str:
    """The user cache folder of mmcompat: ``MMCOMPAT_CACHE_DIR``, else the platform's convention
    (``$XDG_CACHE_HOME/mmcompat`` or ``~/.cache/mmcompat``; ``~/Library/Caches/mmcompat`` on macOS;
    ``%LOCALAPPDATA%\\mmcompat\\Cache`` on Windows)."""
    env = os.environ if environ is None else environ
    explicit = env.get("MMCOMPAT_CACHE_DIR", "")
    if explicit:
        return explicit
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        return os.path.join(env.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local"), "mmcompat", "Cache")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "mmcompat")
    return os.path.join(env.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), "mmcompat")


def enabled() -> bool:
    """False when ``MMCOMPAT_NO_CACHE`` is set to anything but ``""`` or ``0``."""
    return os.environ.get(ENV_NO_CACHE, "") in ("", "0")


def content_digest(data: bytes) -> str:
    """A digest of bytes alone (a file's content), for keys and for records of what was read."""
    return _blake2b(data)


def _blake2b(data: bytes) -> str:
    try:  # the builtin module hashlib wraps: hashlib itself loads OpenSSL, a cost on every start
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b
    return blake2b(data, digest_size=20).hexdigest()


def code_identity() -> str:
    """A digest of every ``.py`` file of this package as it is on disk now (read once a process)."""
    global _code_identity
    if _code_identity is None:
        found: List[str] = []
        for folder, subfolders, files in os.walk(_PACKAGE_DIR):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            found.extend(os.path.relpath(os.path.join(folder, name), _PACKAGE_DIR)
                         for name in sorted(files) if name.endswith(".py"))
        _code_identity = modules_identity(found)
        assert _code_identity is not None
    return _code_identity


def loaded_modules() -> List[str]:
    """The files (relative to the package) of this package's modules imported so far in this process: the
    code that can have computed anything computed so far."""
    import sys

    found = set()
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if (name == "compat" or name.startswith("compat.")) and path and path.endswith(".py"):
            relative = os.path.relpath(os.path.abspath(path), _PACKAGE_DIR)
            if not relative.startswith(".."):
                found.add(relative.replace(os.sep, "/"))
    return sorted(found)


def modules_identity(files: Sequence[str]) -> Optional[str]:
    """A digest of the named ``.py`` files of this package (:func:`loaded_modules`) as they are on disk
    now; None when one is missing or the names are not files of this package."""
    parts = [str(_FORMAT).encode()]
    for relative in files:
        if (type(relative) is not str or not relative.endswith(".py") or os.path.isabs(relative)
                or ".." in relative.replace("\\", "/").split("/")):
            return None
        try:
            with open(os.path.join(_PACKAGE_DIR, relative), "rb") as handle:
                parts.append(relative.replace(os.sep, "/").encode() + b"\0" + handle.read())
        except OSError:
            return None
    return _blake2b(b"\0\0".join(parts))


def digest(*parts: Any) -> str:
    """The key for an answer derived from ``parts`` (bytes, or plain data ``marshal`` can write) by
    this code."""
    # marshal version 2: no back-references, whose use depends on the objects' reference counts, so the
    # same data gives the same bytes wherever and whenever it is keyed
    payload = marshal.dumps(parts, 2)
    return _blake2b(code_identity().encode() + payload)


def reading_cache_folder() -> Optional[str]:
    """Where the probe keeps its readings of metadata folders: a folder named by the identity of the
    code that reads them, ``probe.py`` (an edited or upgraded probe never reads older readings); None
    when caching is off."""
    if not enabled():
        return None
    identity = modules_identity(["probe.py"])
    return None if identity is None else os.path.join(cache_dir(), "probe-" + identity[:16])


def _path(name: str) -> str:
    return os.path.join(cache_dir(), f"{name}.marshal")


def _load(name: str) -> Dict[str, Any]:
    try:
        with open(_path(name), "rb") as handle:
            data = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return data if type(data) is dict else {}


def has(name: str) -> bool:
    """Whether the cache file ``name`` exists (and caching is on): a key need not be computed otherwise."""
    return enabled() and os.path.isfile(_path(name))


def get(name: str, key: str) -> Any:
    """What ``put`` stored under ``key`` in the cache file ``name``, or None (also when caching is off)."""
    if not enabled():
        return None
    return _load(name).get(key)


def put(name: str, key: str, value: object, limit: int = 8) -> bool:
    """Store plain data under ``key``, keeping the newest ``limit`` entries; atomic. False when caching
    is off or the file cannot be written."""
    if not enabled():
        return False
    data = _load(name)
    data.pop(key, None)
    data[key] = value
    while len(data) > limit:
        data.pop(next(iter(data)))
    try:
        payload = marshal.dumps(data)
    except ValueError:
        return False
    return write_atomic(_path(name), payload)


def replace_file(path: str, payload: bytes, *, mode: Optional[int] = None, make_folder: bool = True,
                 fsync: bool = False) -> None:
    """Replace ``path`` with ``payload`` through a temporary file in the same folder and a rename, so a
    reader sees the old file or the new one; on any failure (OSError raised, KeyboardInterrupt too) the
    old file stays and no temporary file is left behind.

    ``mode``: the permission bits of the new file (default: what the user's umask gives a new file, not
    the 0600 of a temporary file). ``make_folder``: create the folder when it is missing. ``fsync``:
    flush the bytes to disk before the rename (for a file that must survive a crash whole).
    """
    import tempfile

    folder = os.path.dirname(path) or "."
    if make_folder:
        os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".tmp", prefix="." + os.path.basename(path) + ".", dir=folder)
    try:
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:  # noqa: SIM105 - contextlib would be one more import on every start
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_atomic(path: str, payload: bytes, *, mode: Optional[int] = None, make_folder: bool = True) -> bool:
    """:func:`replace_file`, answering False (and leaving nothing behind) instead of raising OSError."""
    try:
        replace_file(path, payload, mode=mode, make_folder=make_folder)
    except OSError:
        return False
    return True


def write_output(path: str, payload: bytes) -> None:
    """Write ``payload`` to what ``path`` names, as any program would: atomically (a temporary file in the
    same folder and a rename) when it is a regular file or nothing yet, through a symlink into its target
    (the link stays a link); a FIFO, a device (``/dev/stdout``, ``/dev/null``) or anything else is opened
    and written, never replaced. OSError when it cannot be written."""
    try:
        kind = os.stat(path).st_mode & 0o170000  # stat.S_IFMT of what the path names, links followed
    except FileNotFoundError:
        kind = 0o100000  # nothing there (or a dangling link): a new regular file
    real = _link_target(path)
    if kind == 0o100000 and real is not None:
        replace_file(real, payload, make_folder=False)
        return
    with open(path, "wb") as handle:  # opened by its name: a FIFO's reader or the device gets the bytes
        handle.write(payload)


def _link_target(path: str) -> Optional[str]:
    """The path a chain of symlinks ends at (``path`` itself when it is none), or None when the chain
    passes through ``/dev`` or ``/proc``: ``/dev/stdout`` names a descriptor that may be a regular file,
    which must be written through, not replaced."""
    for _ in range(40):  # the kernel's own limit of links followed
        if path.startswith(("/dev/", "/proc/")):
            return None
        try:
            link = os.readlink(path)
        except OSError:  # not a link (or nothing there): the end of the chain
            return path
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    return None
