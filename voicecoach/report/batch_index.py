"""index.html for a batch: one self-contained page (no network assets), every string escaped.

A sortable table of clips linking each clip's report, each agent's progression (first take vs
latest take per scenario, practice streaks) and aggregates per scenario and per skill tag. The
metric columns and the progression's metrics are the registry's (metrics.py: those in summary.csv,
those in the progression), their labels and formats too; bands and thresholds are the norms'
(norms.py; the summary carries no card, so the band columns are the default phone bands). The
markup is ``templates/batch_index.html.j2`` (autoescaped); this module builds the values.
With a practice history, each agent's trend per week over every take recorded there (this folder's
and all others: ``history.progress.team`` rows, the registry's team metrics) closes the page.
"""

from __future__ import annotations

from typing import Any

from .. import metrics
from ..analysis import judge
from ..norms import DEFAULT, span
from ..results import BatchSummary, GroupStats
from . import templating

CLIP_HEAD = ["clip", "agent", "scenario", "take", "recorded", "status", "duration (s)"]  # then the metrics, then:
CLIP_TAIL = ["warnings / error"]


def heading(m: metrics.Metric) -> str:
    """A metric's column heading: 'Speaking rate (wpm)', 'Stalls' (a count has no unit to name)."""
    return m.label if m.unit in ("count", "share") else f"{m.label} ({m.unit})"


def _num(value: float | int | None, fmt: str = "{:.1f}") -> dict[str, Any]:
    """A sortable number cell: the raw value for sorting, the text to show (an int as it is)."""
    if value is None:
        return {"value": None, "text": ""}
    return {"value": value, "text": fmt.format(value) if isinstance(value, float) else str(value)}


def _clip_columns() -> list[str]:
    """The metric columns: summary.csv's metrics, the speaking rate's band beside the rate."""
    heads = []
    for m in metrics.where(metrics.CSV):
        heads += [heading(m)] + (["band"] if m is metrics.RATE else [])
    return CLIP_HEAD + heads + CLIP_TAIL


def _clip_cells(r) -> list[dict[str, Any]]:
    cells = []
    for m in metrics.where(metrics.CSV):
        cells.append(_num(metrics.row_value(r, m.name), m.fmt))
        if m is metrics.RATE:
            cells.append({"band": judge.rate_word(r.rate_wpm, DEFAULT) if r.status == "ok" else ""})
    return cells


def _clip_rows(summary: BatchSummary) -> list[dict[str, Any]]:
    return [{
        "link": r.report_html or r.report_json, "path": r.path, "agent": r.agent or "unknown", "scenario": r.scenario or "",
        "take": _num(r.take), "started_at": _when(r.started_at), "status": r.status, "cached": r.cached, "rewind": r.kind == "rewind",
        "cells": [_num(r.duration_s)] + _clip_cells(r), "error": r.error, "warnings": list(r.warnings),
    } for r in summary.rows]  # fmt: skip


def _when(started_at: str | None) -> str:
    """The clip's time as summary.csv writes it: ISO 8601 with its zone."""
    from ..clock import iso_with_zone

    try:
        return iso_with_zone(started_at) if started_at else ""
    except ValueError:
        return started_at or ""


def _trends(rows: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The history's team rows for this batch's agents: takes, last take and, per team metric, the
    trend per week with its direction (judge.step: better / worse / same / changed / n/a)."""
    if rows is None:
        return None
    cols = metrics.where(metrics.TEAM)
    out = []
    for r in rows:
        cells = []
        for m in cols:
            t = r["trends"].get(m.name) or {"per_week": None, "direction": "n/a"}
            text = "n/a" if t["per_week"] is None else f"{m.signed(t['per_week'])}/wk"
            cells.append({"text": text, "direction": t["direction"]})
        out.append({"agent": r["agent"] or "unknown", "skill": r["skill"], "takes": r["takes"], "last": _when(r["last_take"]), "cells": cells})
    return {"head": [heading(m) for m in cols], "rows": out}


def _plain(v: float | None, m: metrics.Metric) -> str:
    return "n/a" if v is None else m.fmt.format(v)


def _change(c) -> dict[str, str]:
    """One row of an agent's first-vs-latest table (progression.metric_change), in the metric's format."""
    m = metrics.get(c.metric)
    return {"label": heading(m), "first": _plain(c.first, m), "last": _plain(c.last, m),
            "change": "n/a" if c.change is None else m.signed(c.change), "verdict": c.verdict}  # fmt: skip


def _agents(summary: BatchSummary) -> list[dict[str, Any]]:
    out = []
    for a in summary.agents:
        streak = (
            f"{a.practice_days} practice day(s), longest streak {a.longest_streak_days} day(s), "
            f"current streak {a.current_streak_days} day(s), last practice {a.last_practice or 'n/a'}"
        )
        scenarios = [{"title": f"{s.scenario or 'no scenario'}: {s.takes} processed take(s)", "first_path": s.first_path,
                      "last_path": s.last_path, "changes": [_change(c) for c in s.changes]} for s in a.scenarios]  # fmt: skip
        out.append({"who": a.agent or "unknown agent", "takes": a.takes, "failed": a.failed, "streak": streak, "scenarios": scenarios})
    return out


def _group_head() -> list[str]:
    """The per-group columns: counts, the medians of the registry's rate, opening and latency, the
    latency's band, and the share of clips in the neutral rate band (progression.group_stats)."""
    latency = metrics.target_metric("latency")
    medians = [f"{heading(m)}, median" for m in (metrics.RATE, metrics.OPENING, latency)]
    return ["clips", "failed", "agents"] + medians + ["latency band", f"% of clips at {span(*DEFAULT.rate_neutral_wpm, 'wpm')}"]


def _groups(groups: list[GroupStats], label: str) -> dict[str, Any]:
    latency = metrics.target_metric("latency")
    rows = [{
        "name": g.name, "cells": [_num(g.clips), _num(g.failed), _num(g.agents), _num(g.rate_wpm_median, metrics.RATE.fmt),
                                  _num(g.opening_rate_wpm_median, metrics.OPENING.fmt), _num(g.latency_median_s, latency.fmt),
                                  {"band": judge.latency_word(g.latency_median_s, DEFAULT)},
                                  _num(None if g.in_band_share is None else round(100 * g.in_band_share))],
    } for g in groups]  # fmt: skip
    return {"label": label, "rows": rows}


def render(summary: BatchSummary, trends: list[dict[str, Any]] | None = None) -> str:
    """The whole page as one string (inline CSS and JS, no external assets); ``trends``: the
    history's team rows of this batch's agents (None: no history)."""
    return templating.render(
        "batch_index.html.j2",
        s=summary,
        settings=", ".join(f"{k} {v}" for k, v in summary.settings.items()),
        clip_head=_clip_columns(),
        clips=_clip_rows(summary),
        agents=_agents(summary),
        limits=f"Jump-ins: answers under {DEFAULT.jump_in_s:g} s after the caller; stalls: silences over {DEFAULT.stall_s:g} s.",
        group_head=_group_head(),
        groups=[_groups(summary.scenarios, "scenario"), _groups(summary.skills, "skill tag")],
        trends=_trends(trends),
    )
