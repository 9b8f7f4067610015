"""Writing files safely: one atomic-write helper, and clean-up that touches only our own leftovers.

Every file voicecoach writes goes to a temporary name beside it, then is renamed, so a reader (or
a crash) sees the old file or the new one, never half of one. The temporary name carries our tag
and the writer's process id (``.report.html.voicecoach-1234.tmp``), so clean-up can tell a
leftover of a dead voicecoach process from a user's own ``.thesis.docx.tmp`` or a live writer's
file, and deletes only the first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_TAG = "voicecoach"
_OURS = re.compile(rf"^\..+\.{_TAG}-(\d+)\.tmp$")


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
