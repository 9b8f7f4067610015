"""index.html for a batch: one self-contained page (no network assets), every string escaped.

A sortable table of clips linking each clip's report, each agent's progression (first take vs
latest take per scenario, practice streaks) and aggregates per scenario and per skill tag. The
markup is ``templates/batch_index.html.j2`` (autoescaped); this module builds the values.
"""

from __future__ import annotations

from typing import Any

from ..analysis.bands import latency_band, rate_band
from ..results import BatchSummary, GroupStats
from . import templating

CLIP_HEAD = ["clip", "agent", "scenario", "take", "recorded", "status", "duration (s)", "rate (wpm)", "band",
             "opening (wpm)", "latency median (s)", "latency p90 (s)", "level median (dBFS)", "warnings / error"]  # fmt: skip

_METRIC_LABELS = {
    "rate_wpm": "speaking rate (wpm)",
    "opening_rate_wpm": "opening rate (wpm)",
    "latency_median_s": "response latency, median (s)",
    "stalls": "stalls (> 3 s)",
    "jump_ins": "jump-ins (< 0.2 s)",
    "level_median_dbfs": "level, median (dBFS)",
}


def _num(value: float | int | None, digits: int = 1) -> dict[str, Any]:
    """A sortable number cell: the raw value for sorting, the text to show."""
    if value is None:
        return {"value": None, "text": ""}
    return {"value": value, "text": f"{value:.{digits}f}" if isinstance(value, float) else str(value)}


def _clip_rows(summary: BatchSummary) -> list[dict[str, Any]]:
    return [{
        "link": r.report_html or r.report_json, "path": r.path, "agent": r.agent or "unknown", "scenario": r.scenario or "",
        "take": _num(r.take), "started_at": r.started_at or "", "status": r.status, "cached": r.cached, "rewind": r.kind == "rewind",
        "before_band": [_num(r.duration_s), _num(r.rate_wpm, 0)], "band": rate_band(r.rate_wpm) if r.status == "ok" else "",
        "after_band": [_num(r.opening_rate_wpm, 0), _num(r.latency_median_s, 2), _num(r.latency_p90_s, 2), _num(r.level_median_dbfs)],
        "error": r.error, "warnings": list(r.warnings),
    } for r in summary.rows]  # fmt: skip


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    if metric in ("stalls", "jump_ins"):
        return str(int(value))
    return f"{value:.2f}" if metric.endswith("_s") else f"{value:.0f}" if metric.endswith("_wpm") else f"{value:.1f}"


def _agents(summary: BatchSummary) -> list[dict[str, Any]]:
    out = []
    for a in summary.agents:
        streak = (
            f"{a.practice_days} practice day(s), longest streak {a.longest_streak_days} day(s), "
            f"current streak {a.current_streak_days} day(s), last practice {a.last_practice or 'n/a'}"
        )
        scenarios = [{
            "title": f"{s.scenario or 'no scenario'}: {s.takes} processed take(s)", "first_path": s.first_path, "last_path": s.last_path,
            "changes": [{
                "label": _METRIC_LABELS.get(c.metric, c.metric), "first": _fmt(c.first, c.metric), "last": _fmt(c.last, c.metric),
                "change": "n/a" if c.change is None else ("+" if c.change > 0 else "") + _fmt(c.change, c.metric), "verdict": c.verdict,
            } for c in s.changes],
        } for s in a.scenarios]  # fmt: skip
        out.append({"who": a.agent or "unknown agent", "takes": a.takes, "failed": a.failed, "streak": streak, "scenarios": scenarios})
    return out


def _groups(groups: list[GroupStats], label: str) -> dict[str, Any]:
    rows = [{
        "name": g.name, "band": latency_band(g.latency_median_s), "share": _num(None if g.in_band_share is None else round(100 * g.in_band_share)),
        "before_band": [_num(g.clips), _num(g.failed), _num(g.agents), _num(g.rate_wpm_median, 0), _num(g.opening_rate_wpm_median, 0),
                        _num(g.latency_median_s, 2)],
    } for g in groups]  # fmt: skip
    return {"label": label, "rows": rows}


def render(summary: BatchSummary) -> str:
    """The whole page as one string (inline CSS and JS, no external assets)."""
    return templating.render(
        "batch_index.html.j2",
        s=summary,
        settings=", ".join(f"{k} {v}" for k, v in summary.settings.items()),
        clip_head=CLIP_HEAD,
        clips=_clip_rows(summary),
        agents=_agents(summary),
        groups=[_groups(summary.scenarios, "scenario"), _groups(summary.skills, "skill tag")],
    )
