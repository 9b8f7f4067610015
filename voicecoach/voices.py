"""Enrolled agent voices: a small JSON profile per agent name, kept in the user's data folder.

``voicecoach enrol NAME CLIP`` measures a short solo take of the agent (analysis.diarize.enrol)
and writes ``<data>/voices/NAME.json``; ``analyze --layout mixed --agent NAME`` (or a sidecar
whose ``agent`` is NAME) reads it back to tell which of two voices on one channel is the agent.
Offline: nothing leaves the machine. The data folder is $VOICECOACH_DATA, else
$XDG_DATA_HOME/voicecoach, else ~/.local/share/voicecoach (XDG Base Directory specification).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AudioError, VoicecoachError

SCHEMA = 1
if TYPE_CHECKING:
    from .analysis.diarize import VoiceProfile

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # a file name on every system


def data_dir() -> Path:
    if os.environ.get("VOICECOACH_DATA"):
        return Path(os.environ["VOICECOACH_DATA"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "voicecoach"


def profile_path(name: str) -> Path:
    if not _NAME.match(name):
        raise VoicecoachError(f"agent name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return data_dir() / "voices" / f"{name}.json"


def enrol(name: str, clip: str | os.PathLike) -> tuple[Path, VoiceProfile]:
    """Measure the agent's voice on a solo clip and store it under ``name``."""
    from . import activity, audio
    from .analysis import diarize, pitch

    path = profile_path(name)
    a = audio.load(clip)
    y = a.channels.mean(axis=0) if a.n_channels == 2 else a.channels[0]
    act = activity.detect(y, sr=a.sr)
    f0 = pitch.track(y, sr=a.sr, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    two = diarize.diarize(y, act.segments, f0, sr=a.sr, hop_s=act.hop_s).speakers
    if two is not None:
        raise AudioError(f"{clip}: holds two voices ({two.first_hz:.0f} Hz and {two.second_hz:.0f} Hz): "
                         "record the agent alone for the profile")
    try:
        profile = diarize.enrol(y, sr=a.sr, segments=act.segments, hop_s=act.hop_s, f0=f0)
    except ValueError as e:
        raise AudioError(f"{clip}: {e}: record a longer solo take of the agent") from e
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"schema": SCHEMA, "name": name, "source": str(clip), **profile.to_dict()}, indent=1) + "\n")
    tmp.replace(path)
    return path, profile


def load(name: str) -> VoiceProfile | None:
    """The stored profile of ``name``, or None when that agent has not enrolled."""
    from .analysis.diarize import VoiceProfile

    path = profile_path(name)
    if not path.is_file():
        return None
    try:
        return VoiceProfile.from_dict(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as e:
        raise VoicecoachError(f"{path}: not a voice profile ({e}); run 'voicecoach enrol {name} CLIP' again") from e


def for_clip(clip: str | os.PathLike, name: str | None) -> tuple[str | None, VoiceProfile | None]:
    """The enrolled voice of ``name`` (an error when it has not enrolled), else of the agent the
    clip's sidecar names (none, quietly, when that agent has not enrolled)."""
    from .sidecar import read_sidecar

    if name is not None:
        profile = load(name)
        if profile is None:
            raise VoicecoachError(f"no enrolled voice named {name!r}: run 'voicecoach enrol {name} SOLO_CLIP' first")
        return name, profile
    named = (read_sidecar(clip) or {}).get("agent")
    if not isinstance(named, str) or not _NAME.match(named):
        return None, None
    return named, load(named)
