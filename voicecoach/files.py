"""Writing files safely: one atomic-write helper, and clean-up that touches only our own leftovers.

Every file voicecoach writes goes to a temporary name beside it, then is renamed, so a reader (or
a crash) sees the old file or the new one, never half of one. The temporary name carries our tag
and the writer's process id (``.report.html.voicecoach-1234.tmp``), so clean-up can tell a
leftover of a dead voicecoach process from a user's own ``.thesis.docx.tmp`` or a live writer's
file, and deletes only the first.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import re
from pathlib import Path
from typing import Callable, Iterator

from .errors import VoicecoachError

_TAG = "voicecoach"
_OURS = re.compile(rf"^\..+\.{_TAG}-(\d+)\.tmp$")


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 (hex) of a file's bytes: the content key of clips and sidecars in batch and
    history, and of what the batch manifest records it wrote (hashlib reads it in chunks)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def temp_path(path: Path) -> Path:
    """Where ``path`` is written before it is renamed into place."""
    return path.with_name(f".{path.name}.{_TAG}-{os.getpid()}.tmp")


def atomic_write_text(path: str | os.PathLike, text: str, *, fsync: bool = True) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file, fsync, rename); on failure the
    temporary file is removed and the old ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files a killed voicecoach left under ``folder``: only names this
    module made, and only when the process that wrote them is gone. Returns what was removed."""
    removed = []
    for tmp in Path(folder).rglob(f".*.{_TAG}-*.tmp"):
        m = _OURS.match(tmp.name)
        if m and tmp.is_file() and not tmp.is_symlink() and not _alive(int(m.group(1))):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


LOCK_NAME = ".voicecoach.lock"


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike, *, wait: bool = False, on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold an exclusive lock on an output folder while writing into it (flock on
    ``FOLDER/.voicecoach.lock``, released by the kernel if the process dies, so a killed run
    never leaves the folder locked). Busy: a VoicecoachError naming the holder, or with
    ``wait`` block until it is free (``on_wait`` hears who is being waited for)."""
    import fcntl

    path = Path(folder) / LOCK_NAME
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another voicecoach process"
            if not wait:
                raise VoicecoachError(
                    f"{folder}: {holder} is writing into this folder; wait for it to finish, add --wait, or choose another --out"
                ) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        f.truncate()
        started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        f.write(f"voicecoach batch (pid {os.getpid()}, started {started})\n")
        f.flush()
        try:
            yield path
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
