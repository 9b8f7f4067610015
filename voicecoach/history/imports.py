"""``voicecoach history import FOLDER``: fill the history from takes that already exist.

A batch output folder (it holds ``summary.json``): each clip's row and JSON report go in as they
are, without analysing anything again (no per-metric noise: the reports do not carry it). Any other
folder: every take under it (batch.walk.discover) is analysed with the real pipeline and recorded
with its noise; agent, scenario and time come from sidecars and the AGENT/SCENARIO layout.
The same ``from_batch_row`` records a batch's finished clips (recording.BatchRecorder, the batch command's hook).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .store import HistoryError, Store
from .take import build


def from_batch_row(row: dict[str, Any], folder: Path, out_dir: Path) -> dict[str, Any]:
    """The history row of one batch clip (``BatchRow`` as a dict), its report read from ``out_dir``."""
    from ..batch.walk import ClipMeta

    data = None
    if row.get("status") == "ok" and row.get("report_json"):
        report = out_dir / row["report_json"]
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise HistoryError(f"{report}: cannot read the clip's report ({e}); run the batch again") from e
    meta = ClipMeta(row.get("agent"), row.get("scenario"), row.get("take"), row.get("started_at"), None, row.get("kind") or "take")
    report_path = row.get("report_html") or row.get("report_json")
    return build(data, folder / row["path"], content_sha256=row["content_sha256"], meta=meta,
                 report_path=str(out_dir / report_path) if report_path else None, error=row.get("error"))


def import_batch_output(store: Store, out_dir: Path, on_take: Callable[[str], None] | None = None) -> int:
    summary_path = out_dir / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        folder, rows = Path(summary["folder"]), summary["rows"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise HistoryError(f"{summary_path}: not a batch summary ({e}); point at a folder 'voicecoach batch' wrote") from e
    for row in rows:
        store.record(from_batch_row(row, folder, out_dir))
        if on_take:
            on_take(row["path"])
    return len(rows)


def import_takes(store: Store, folder: Path, options, *, agent: str | None = None, scenario: str | None = None,
                 on_take: Callable[[str], None] | None = None) -> int:
    """Analyse every take under ``folder`` and record it; a take that fails to analyse is recorded
    as broken (its error the reason). Returns the number of takes recorded."""
    from dataclasses import replace

    from ..batch.walk import discover
    from ..errors import VoicecoachError
    from ..files import file_sha256
    from ..pipeline import analyze
    from .take import clip_info, from_analysis

    clips = discover(folder)
    for clip in clips:
        meta = clip_info(clip)
        card = scenario or meta.scenario
        try:
            result = analyze(clip, replace(options, scenario=card if _known(card) else None))
            take = from_analysis(result, clip, agent=agent, scenario=card, meta=meta)
        except VoicecoachError as e:
            take = build(None, clip, content_sha256=file_sha256(clip), agent=agent, scenario=card, meta=meta, error=str(e))
        store.record(take)
        if on_take:
            on_take(str(clip))
    return len(clips)


def _known(scenario: str | None) -> bool:
    from .take import skill_of

    return skill_of(scenario) is not None
