"""The JSON sidecar beside a take: ``take-01.wav`` -> ``take-01.wav.json``.

The clip's whole name plus ``.json``, so ``analyze take-01.wav --format json > take-01.json`` can
never overwrite what the recorder wrote.

Written by ``record``/``practice``; read by ``analyze`` (cue times for latency on mono takes; the
agent's channel of a stereo take) and ``batch`` (agent, scenario, take, agent's channel). Keys (all
optional): agent, scenario, take, device, sample_rate_hz, channels, agent_channel ("left" or
"right": written by ``record --channels 2 --agent-channel``), started_at (ISO 8601), duration_s,
cues [{start_s, end_s, text}], commitment, nudges [{kind, at_s, rate_wpm}] (the live line's nudges
as they fired: kind "slower" or "breathe", at_s on the recording's clock, rate_wpm the live rate
estimate then; present, maybe empty, when the take was recorded with ``--nudges on``; absent with
``--nudges off``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import AudioError
from .files import atomic_write_text


def sidecar_path(clip: str | os.PathLike) -> Path:
    path = Path(clip)
    return path.with_name(path.name + ".json")


def read_sidecar(clip: str | os.PathLike) -> dict[str, Any] | None:
    """The sidecar's contents, or None when the clip has none."""
    path = sidecar_path(clip)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AudioError(f"{path}: sidecar is not valid JSON ({e}); fix or delete it") from e
    if not isinstance(data, dict):
        raise AudioError(f"{path}: sidecar must be a JSON object; fix or delete it")
    return data


def update_sidecar(clip: str | os.PathLike, changes: dict[str, Any]) -> Path:
    """Add or replace keys of a take's sidecar, keeping the rest."""
    return write_sidecar(clip, {**(read_sidecar(clip) or {}), **changes})


def write_sidecar(clip: str | os.PathLike, data: dict[str, Any]) -> Path:
    """Write atomically (temporary file, then rename) so a crash never leaves half a sidecar."""
    return atomic_write_text(sidecar_path(clip), json.dumps(data, indent=2) + "\n")
