"""Planning a batch: find the clips, reuse those unchanged and intact, list the work for the rest."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__, pipeline
from ..errors import AudioError, VoicecoachError
from ..files import file_sha256
from ..results import SCHEMA_VERSION, BatchRow
from .manifest import Manifest
from .run import (
    SUMMARY_FILES,
    BatchSettings,
    ClipTask,
    _cached_row,
    _cards,
    _failed_row,
    _outputs,
    _sha,
)
from .walk import ClipMeta, clip_meta, discover


@dataclass
class Plan:
    """What a run found: every clip's row so far (reused or failed while reading), the work left."""

    settings: dict[str, Any]
    total: int
    rows: dict[str, BatchRow] = dataclasses.field(default_factory=dict)
    metas: dict[str, ClipMeta] = dataclasses.field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)  # rel -> (content, settings) sha256
    tasks: list[ClipTask] = dataclasses.field(default_factory=list)
    cards: dict[str, Any] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)


def _run_settings(options: pipeline.Options, choice) -> dict[str, Any]:
    return {
        "voicecoach": __version__,
        "schema_version": SCHEMA_VERSION,
        "model": choice.label,
        "agent_channel": options.agent_channel,
        "layout": options.layout,
        "agent_speaks": options.agent_speaks,
        "language": options.language,
        "beam_size": options.beam_size,
        "decode": options.decode,  # how Whisper was handed the audio: a change redoes every clip
    }


def _read_clips(root: Path, clips: list[Path], plan: Plan, scenario: str | None) -> dict[str, str]:
    """Each clip's metadata into ``plan`` and its content sha256 (a clip that cannot be read is a
    failed row)."""
    hashes: dict[str, str] = {}
    for path in clips:
        rel = path.relative_to(root).as_posix()
        try:
            plan.metas[rel] = clip_meta(path, root, default_scenario=scenario)
            hashes[rel] = file_sha256(path)
        except (VoicecoachError, OSError) as e:
            plan.metas.pop(rel, None)
            plan.rows[rel] = _failed_row(rel, None, str(e) if isinstance(e, VoicecoachError) else f"{path}: cannot be read ({e})")
    return hashes


def plan_batch(root: Path, manifest: Manifest, options: pipeline.Options, choice, batch: BatchSettings, threads: int) -> Plan:
    """Find the clips, reuse those unchanged and intact, and list the work for the rest."""
    clips = discover(root, exclude=manifest.folder)
    if not clips:
        raise AudioError(f"{root}: no audio files found (WAV, FLAC, OGG, MP3, M4A); check the folder")
    plan = Plan(_run_settings(options, choice), len(clips))
    hashes = _read_clips(root, clips, plan, batch.scenario)
    plan.cards, plan.notes = _cards({m.scenario for m in plan.metas.values() if m.scenario})
    for rel, meta in plan.metas.items():
        path, content = root / rel, hashes[rel]
        card = plan.cards.get(meta.scenario or "")
        # each clip's own channel: the sidecar's, over the batch-wide --agent-channel (then auto)
        channel = meta.agent_channel or options.agent_channel
        clip_settings = _sha({**plan.settings, "location": choice.location, "scenario": meta.scenario,
                              "card": repr(card), "sidecar": meta.sidecar_sha256, "agent_channel": channel})  # fmt: skip
        plan.keys[rel] = (content, clip_settings)
        cached = None if batch.reanalyse else _cached_row(manifest, rel, content, clip_settings)
        if cached is not None:
            plan.rows[rel] = dataclasses.replace(
                cached, agent=meta.agent, scenario=meta.scenario, take=meta.take, started_at=meta.started_at, kind=meta.kind
            )
            continue
        coached = meta.scenario if card is not None else None  # coach against the card when there is one
        # "auto" lets the pipeline read the sidecar's channel and report it as chosen by the sidecar
        clip_channel = "auto" if meta.agent_channel else options.agent_channel
        clip_options = dataclasses.replace(options, scenario=coached, cpu_threads=threads, agent_channel=clip_channel)
        plan.tasks.append(ClipTask(str(path), rel, clip_options, content, meta.sidecar_sha256))
    # nothing of someone else's is overwritten, even with --force: stop before any work is done
    for target in [*(p for t in plan.tasks for p in _outputs(manifest.folder, t.rel)), *(manifest.folder / n for n in SUMMARY_FILES)]:
        manifest.check_writable(target)
    return plan
