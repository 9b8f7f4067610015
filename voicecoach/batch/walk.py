"""Finding a batch's clips and what each one is: agent, scenario, take, when it was recorded.

Metadata comes from the sidecar (``take-01.wav.json`` beside ``take-01.wav``) when present, else from
the layout ``AGENT/SCENARIO/take-NN.ext`` (or ``AGENT/take-NN.ext``), else from the file name
(``AGENT__SCENARIO__take-NN.ext``, or ``SCENARIO_take-NN.ext`` with the agent unknown; a name
without a take number gives nothing).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio import SUFFIXES
from ..files import file_sha256
from ..sidecar import read_sidecar, sidecar_path

_TAKE = re.compile(r"^(?P<prefix>.*?)[-_ .]*take[-_ ]?(?P<n>\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class ClipMeta:
    agent: str | None
    scenario: str | None
    take: int | None
    started_at: str | None
    sidecar_sha256: str | None  # part of the cache key: new cues or metadata redo the clip
    kind: str = "take"  # "take", or "rewind": practice's re-recorded opening line (take-NN-rewind)
    agent_channel: str | None = None  # the sidecar's "left"/"right": this clip's own, over the batch's option


def discover(folder: Path, *, exclude: Path | None = None) -> list[Path]:
    """Audio files under ``folder``, recursively, in path order; hidden files and folders and
    anything under ``exclude`` (the output folder, when it sits inside the input) are skipped."""
    found = []
    skip = exclude.resolve() if exclude is not None else None
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and (skip is None or (here / d).resolve() != skip)
        )
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix.lower() in SUFFIXES:
                found.append(here / name)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def _take_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = re.search(r"\d+", value)
        return int(digits.group()) if digits else None
    return None


def _from_name(stem: str) -> tuple[str | None, str | None, int | None]:
    m = _TAKE.match(stem)
    if m is None:  # a name without a take number says nothing we can trust
        return None, None, None
    prefix, take = m.group("prefix"), int(m.group("n"))
    if "__" in prefix:
        agent, _, scenario = prefix.partition("__")
        return agent or None, scenario.strip("_") or None, take
    return None, prefix or None, take


def _mtime_iso(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat(timespec="seconds")  # with its zone, as a sidecar's


def clip_meta(path: Path, root: Path, *, default_scenario: str | None = None) -> ClipMeta:
    """Agent, scenario, take and start time of one clip (sidecar > folder layout > file name).

    ``default_scenario`` (``--scenario``) applies when neither the sidecar nor the layout names one.
    Raises AudioError for a malformed sidecar. (Cue times in the sidecar are read by the pipeline.)
    """
    parts = path.relative_to(root).parts
    stem = path.stem
    kind = "take"
    if stem.lower().endswith("-rewind"):
        stem, kind = stem[: -len("-rewind")], "rewind"
    name_agent, name_scenario, take = _from_name(stem)
    if len(parts) >= 3:
        agent, scenario = parts[-3], parts[-2]
    elif len(parts) == 2:
        agent, scenario = parts[-2], name_scenario
    else:
        agent, scenario = name_agent, name_scenario
    scenario = scenario or default_scenario
    started_at = channel = None
    side = read_sidecar(path)
    sidecar_sha = None
    if side is not None:
        sidecar_sha = file_sha256(sidecar_path(path))
        agent = str(side["agent"]) if side.get("agent") not in (None, "") else agent
        scenario = str(side["scenario"]) if side.get("scenario") not in (None, "") else scenario
        take = _take_number(side.get("take")) if side.get("take") is not None else take
        started_at = str(side["started_at"]) if side.get("started_at") else None
        kind = "rewind" if side.get("kind") == "rewind" else kind
        channel = side.get("agent_channel") if side.get("agent_channel") in ("left", "right") else None
    return ClipMeta(agent, scenario, take, started_at or _mtime_iso(path), sidecar_sha, kind, channel)
