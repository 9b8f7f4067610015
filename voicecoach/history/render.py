"""Renderers of ``voicecoach progress``: text, JSON and CSV (HTML: html.py). Pure: results in, str out."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from .progress import ARROWS, GroupProgress, MetricProgress

SCHEMA_VERSION = 1
CSV_FIELDS = ("agent", "skill", "metric", "unit", "takes", "baseline", "first", "best", "latest", "change",
              "change_direction", "change_noise", "trend_per_week", "trend_direction", "first_day", "last_day")


def _num(v: float | None, unit: str = "") -> str:
    if v is None:
        return "-"
    digits = 0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2
    return f"{v:.{digits}f}{' ' + unit if unit and unit not in ('count', 'share') else ''}"


def _signed(v: float | None, unit: str) -> str:
    return "-" if v is None else ("+" if v >= 0 else "") + _num(v, unit)


def _metric_line(m: MetricProgress) -> str:
    trend = f"{_signed(m.trend_per_week, m.unit)}/wk {ARROWS[m.trend_direction]} {m.trend_direction}"
    return (f"  {m.metric:<24} base {_num(m.baseline, m.unit):>10}  latest {_num(m.latest, m.unit):>10}  "
            f"change {_signed(m.change, m.unit):>10} ({m.change_direction})  best {_num(m.best, m.unit):>10}  trend {trend}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def text(groups: list[GroupProgress], team: list[dict[str, Any]], *, note: str | None = None) -> str:
    lines = []
    for g in groups:
        span = f" ({g.first_day} .. {g.last_day})" if g.first_day else ""
        lines.append(f"{g.agent or '(agent unknown)'} · {g.skill} [{', '.join(g.scenarios) or '-'}]: {_count(g.takes, 'take')} on "
                     f"{_count(g.practice_days, 'day')}{span}; longest streak {g.longest_streak_days} d, current {g.current_streak_days} d")
        lines.extend(_metric_line(m) for m in g.metrics)
        for e in g.excluded:
            lines.append(f"  left out: {e.taken_at} {e.source_path}: {e.status} ({e.reason})")
        lines.append("")
    if team:
        metrics = sorted({m for row in team for m in row["trends"]})
        lines.append("Team: trend per agent and skill (↑ better, ↓ worse, → no noticeable change, · too few takes)")
        lines.append(f"  {'agent':<16} {'skill':<20} {'takes':>5}  " + "  ".join(f"{m:>18}" for m in metrics))
        for row in team:
            cells = "  ".join(f"{ARROWS[row['trends'].get(m, {}).get('direction', 'n/a')]:>18}" for m in metrics)
            lines.append(f"  {row['agent']!s:<16} {row['skill']:<20} {row['takes']:>5}  {cells}")
    if note:
        lines.append(note)
    if not groups and not team:
        lines.append("no takes in the history match (analyze, practice or 'voicecoach history import FOLDER' add some)")
    return "\n".join(lines).rstrip("\n") + "\n"


def to_json(groups: list[GroupProgress], team: list[dict[str, Any]]) -> str:
    return json.dumps({"schema_version": SCHEMA_VERSION, "groups": [asdict(g) for g in groups], "team": team}, indent=2) + "\n"


def to_csv(groups: list[GroupProgress]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for g in groups:
        for m in g.metrics:
            row = {k: v for k, v in asdict(m).items() if k in CSV_FIELDS}
            w.writerow({**row, "agent": g.agent, "skill": g.skill, "takes": len(m.points),
                        "first_day": g.first_day, "last_day": g.last_day})
    return buf.getvalue()
