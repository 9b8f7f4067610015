"""One analysed take as a history row: who, which scene, when, what was measured, how sure.

Agent and scenario: an explicit ``--agent``/``--scenario`` first, else the take's sidecar, else the
folder layout practice writes (``AGENT/SCENARIO/take-NN.wav``): ``batch.walk.clip_meta`` reads both.
The take time is the sidecar's ``started_at``, else the file's modification time, stored as
ISO 8601 with its zone (a time without one is the machine's local time).
The metrics are the registry's (``metrics.flatten``: every number as measured), each with its
noise; those the take marks as in doubt (``metrics.marks``) are stored but kept out of trends.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import metrics as registry

_TAKE_NAME = re.compile(r"take[-_ ]?\d+(-rewind)?$", re.IGNORECASE)


def iso_time(value: str) -> tuple[str, float]:
    """(ISO 8601 with zone, Unix seconds) of an ISO time; a time without a zone is local."""
    from ..clock import iso_with_zone

    iso = iso_with_zone(value)
    return iso, dt.datetime.fromisoformat(iso).timestamp()


def clip_info(clip: Path):
    """batch.walk.ClipMeta of one clip: the layout AGENT/SCENARIO/take-NN.ext only when the name is a take."""
    from ..batch.walk import clip_meta

    clip = clip.resolve()
    root = clip.parents[2] if _TAKE_NAME.search(clip.stem) and len(clip.parents) > 2 else clip.parent
    return clip_meta(clip, root)


@lru_cache(maxsize=64)
def skill_of(scenario: str | None) -> str | None:
    from ..errors import ScenarioError
    from ..scenarios import load_card

    if not scenario:
        return None
    try:
        return load_card(scenario).skill
    except ScenarioError:
        return None


def classify(data: dict[str, Any] | None, error: str | None = None) -> tuple[str, str | None]:
    """("ok", None), or why the take is left out of trends: ("broken" | "too short" | "no agent
    speech", reason); the batch's first-vs-latest leaves out the same (progression.exclusion)."""
    from ..analysis.progression import exclusion

    if data is None or error:
        return "broken", error or "not analysed"
    agent = data.get("agent") or {}
    return exclusion(None, data.get("duration_s"), bool(agent.get("words") and agent.get("speaking_s")))


def _targets(scen: dict[str, Any]) -> tuple[list[dict], int | None, int | None]:
    checks = [{"name": t["name"], "status": t["status"], "measured": t.get("measured"), "target": t.get("target")}
              for t in scen.get("targets") or []]
    if not checks:
        return [], None, None
    return checks, sum(t["status"] == "met" for t in checks), sum(t["status"] != "n/a" for t in checks)


def build(data: dict[str, Any] | None, clip: str | Path, *, content_sha256: str, noise: dict[str, float] | None = None,
          agent: str | None = None, scenario: str | None = None, report_path: str | None = None,
          error: str | None = None, meta=None, unsure: dict[str, str] | None = None) -> dict[str, Any]:
    """The row ``Store.record`` writes. ``data``: the analysis as ``results.to_dict`` makes it (None
    when it failed, with ``error``); ``noise``: each metric's noise (analysis/noise.estimate);
    ``unsure``: the metrics in doubt (``metrics.marks``; default: as the JSON dict tells)."""
    clip = Path(clip)
    meta = meta or clip_info(clip)
    data = data or {}
    scen = data.get("scenario") or {}
    scenario = scen.get("id") or scenario or meta.scenario
    status, reason = classify(data or None, error)
    taken_at, taken_ts = iso_time(meta.started_at)
    ag = data.get("agent") or {}
    checks, met, checked = _targets(scen)
    noise = noise or {}
    values = registry.flatten(data, trusted=False) if data else {}
    metrics = {k: (v, noise.get(k)) for k, v in values.items() if v is not None}
    doubts = (registry.marks(data) if data else {}) if unsure is None else unsure
    channel = data.get("agent_channel") or {}
    settings = {"layout": data.get("layout"), "agent_channel": channel.get("channel")}
    return {
        "content_sha256": content_sha256,
        "source_path": str(clip.resolve()),
        "agent": agent or meta.agent,
        "scenario": scenario,
        "skill": scen.get("skill") or skill_of(scenario) or scenario,  # a scenario without a card: its own group
        "kind": meta.kind,
        "take_number": meta.take,
        "taken_at": taken_at,
        "taken_ts": taken_ts,
        "model": data.get("model"),
        "settings": json.dumps(settings, sort_keys=True),
        "duration_s": data.get("duration_s"),
        "status": status,
        "status_reason": reason,
        "targets_met": met,
        "targets_checked": checked,
        "rate_confidence": ag.get("rate_confidence"),
        "opening_confidence": (ag.get("opening") or {}).get("confidence"),
        "fillers_confidence": (ag.get("fillers") or {}).get("confidence"),
        "targets": json.dumps(checks) if checks else None,
        "debrief": json.dumps(scen["debrief"]) if scen.get("debrief") else None,
        "warnings": json.dumps(data.get("warnings") or []),
        "report_path": str(Path(report_path).resolve()) if report_path else None,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "metrics": metrics,
        "unsure": sorted(k for k in doubts if k in metrics),
    }


def from_analysis(analysis, clip: str | Path, **kw) -> dict[str, Any]:
    """The row of a fresh ``pipeline.analyze`` result, with each metric's noise. Its word list and
    speech segments stay out of the dict: no metric is read from them here, and they are most of
    the cost of converting a take (0.43 vs 0.99 ms on a 47 s one; more on longer takes)."""
    from dataclasses import replace

    from ..analysis import noise
    from ..files import file_sha256
    from ..results import to_dict

    light = to_dict(replace(analysis, words=[], segments={}))
    return build(light, clip, content_sha256=file_sha256(Path(clip)), unsure=registry.marks(analysis),
                 noise={k: n.value for k, n in noise.estimate(analysis).items()}, **kw)
