"""What voicecoach wrote into a batch's ``--out`` folder: the manifest, so nothing else is touched.

``--out/.voicecoach-manifest.jsonl`` lists every file this folder's batches wrote, one JSON line
per write (``{"path": "clips/a.wav.json", "sha256": ..., "size": ...}``) or removal
(``{"path": ..., "removed": true}``). A line is appended and synced *before* its file is renamed
into place, so a batch killed at any moment leaves no file of ours that the manifest does not name.
Appending costs one short line per file where rewriting a whole JSON manifest after every clip
grows with the batch (a 1,000-clip folder: ~450 KB rewritten per clip); the journal is compacted
to the latest line per file at the end of each complete run.

A file is *ours* when its path is in the manifest and its content is one we wrote (a user's edit
makes it theirs again); *intact* when it matches the latest write. Only our files are replaced or
removed. Hidden names (``.git``, ``.DS_Store``) do not count as someone else's files in the folder
check, and are never touched either.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import VoicecoachError
from ..files import LOCK_NAME, atomic_write_text, file_sha256

MANIFEST_NAME = ".voicecoach-manifest.jsonl"


class Manifest:
    """The files voicecoach wrote under ``folder`` (paths relative to it, "/"-separated)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_NAME
        self._history: dict[str, list[str]] = {}  # every sha256 written since the last compaction
        self._latest: dict[str, tuple[str, int]] = {}
        self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            try:
                entry = json.loads(line)
                rel = entry["path"]
                if entry.get("removed"):
                    self._latest.pop(rel, None)
                    self._history.pop(rel, None)
                else:
                    self._latest[rel] = (entry["sha256"], int(entry["size"]))
                    self._history.setdefault(rel, []).append(entry["sha256"])
            except (ValueError, KeyError, TypeError):  # a line torn by a kill mid-append
                continue

    def rel(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    def intact(self, path: Path) -> bool:
        """``path`` is what voicecoach last wrote there (size, then sha256)."""
        want = self._latest.get(self.rel(path))
        try:
            return want is not None and path.stat().st_size == want[1] and file_sha256(path) == want[0]
        except OSError:
            return False

    def is_ours(self, path: Path) -> bool:
        """No file at ``path``, or one holding content voicecoach wrote there."""
        if not path.exists() and not path.is_symlink():
            return True
        seen = self._history.get(self.rel(path))
        try:
            return bool(seen) and path.is_file() and not path.is_symlink() and file_sha256(path) in seen
        except OSError:
            return False

    def check_writable(self, path: Path) -> None:
        if not self.is_ours(path):
            raise VoicecoachError(
                f"{path}: voicecoach did not write this file (or it was changed since) and never overwrites "
                "such a file; move it away or choose another --out"
            )

    def _append(self, entry: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())  # the line reaches the disk before its file does

    def write(self, path: Path, text: str) -> None:
        """Write ``text`` to ``path`` atomically, recorded first; a file not ours is never replaced."""
        self.check_writable(path)
        data = text.encode("utf-8")
        rel, sha = self.rel(path), hashlib.sha256(data).hexdigest()
        self._append({"path": rel, "sha256": sha, "size": len(data)})
        self._latest[rel] = (sha, len(data))
        self._history.setdefault(rel, []).append(sha)
        atomic_write_text(path, text)

    def remove(self, path: Path) -> None:
        """Delete ``path`` if it is ours (a file someone else put there, or changed, stays)."""
        rel = self.rel(path)
        if rel not in self._history or not self.is_ours(path):
            return
        path.unlink(missing_ok=True)
        self._append({"path": rel, "removed": True})
        self._latest.pop(rel, None)
        self._history.pop(rel, None)

    def foreign_file(self) -> str | None:
        """The first visible file under the folder that voicecoach did not write, or None."""
        for dirpath, dirnames, filenames in os.walk(self.folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            here = Path(dirpath)
            for name in sorted(filenames):
                if name.startswith(".") or name == LOCK_NAME:
                    continue
                if self.rel(here / name) not in self._history:
                    return self.rel(here / name)
        return None

    def compact(self) -> None:
        """Rewrite the journal as one line per file still there. Called only after a complete run,
        when every recorded write has landed (the latest line is the file); files are not hashed
        again here, as HTML pages embed their audio and a folder's pages can run to gigabytes."""
        keep = {rel: v for rel, v in self._latest.items() if (self.folder / rel).is_file()}
        lines = [json.dumps({"path": rel, "sha256": sha, "size": size}, sort_keys=True) for rel, (sha, size) in sorted(keep.items())]
        atomic_write_text(self.path, "".join(line + "\n" for line in lines))
        self._latest = keep
        self._history = {rel: [sha] for rel, (sha, _) in keep.items()}
