"""Progression across takes for a batch: what got better or worse, practice streaks, aggregates.

Pure: rows in, result blocks out. The metrics are the registry's (voicecoach/metrics.py, those
shown in ``progression``). "Better" means closer to the scenario card's norms (default: norms.py),
as ``judge.py`` decides for ``voicecoach compare`` too; a change the listener would not notice is
"about the same".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

import numpy as np

from .. import metrics
from ..norms import DEFAULT, Norms
from ..results import AgentProgress, BatchRow, GroupStats, MetricChange, ScenarioProgress
from . import judge


def metric_change(metric: str, first: float | None, last: float | None, norms: Norms | None = None) -> MetricChange:
    """Latest take vs first take of the registry metric named ``metric``. Better/worse compares the
    distance to the goal under the scenario card's norms (default: norms.DEFAULT)."""
    if first is None or last is None:
        return MetricChange(metric, first, last, None, "n/a")
    _, direction = judge.step(metrics.get(metric), first, last, norms)
    return MetricChange(metric, first, last, last - first, "about the same" if direction == "same" else direction)


def exclusion(error: str | None, duration_s: float | None, agent_spoke: bool) -> tuple[str, str | None]:
    """("ok", None), or why a take is no step of progress: ("broken" | "too short" | "no agent
    speech", reason). The one rule for the batch's first-vs-latest and the history's trends."""
    if error:
        return "broken", error
    if (duration_s or 0.0) < DEFAULT.min_take_s:
        return "too short", f"{duration_s or 0.0:.1f} s long, under {DEFAULT.min_take_s:g} s"
    if not agent_spoke:
        return "no agent speech", "no words from the agent were heard"
    return "ok", None


def counts(row: BatchRow) -> bool:
    """A batch row that is a step of progress: an analysed take (no rewind) passing ``exclusion``."""
    if row.status != "ok" or row.kind != "take":
        return False
    return exclusion(None, row.duration_s, row.rate_wpm is not None)[0] == "ok"


def _day(row: BatchRow) -> dt.date | None:
    if not row.started_at:
        return None
    try:
        return dt.datetime.fromisoformat(row.started_at).date()
    except ValueError:
        return None


def _ts(started_at: str | None) -> float:
    """Seconds of an ISO time for ordering (a time without a zone is local; none or unreadable: first)."""
    try:
        t = dt.datetime.fromisoformat(started_at or "")
    except ValueError:
        return float("-inf")
    return (t if t.tzinfo is not None else t.astimezone()).timestamp()


def take_order(row: BatchRow) -> tuple:
    """Takes run in time order, then by take number, then by path."""
    return (_ts(row.started_at), row.take if row.take is not None else 10**9, row.path)


def streaks(days: Iterable[dt.date]) -> tuple[int, int, int]:
    """(practice days, longest run of consecutive days, run ending on the latest day)."""
    ordered = sorted(set(days))
    if not ordered:
        return 0, 0, 0
    longest = current = 1
    for prev, day in zip(ordered, ordered[1:]):
        current = current + 1 if (day - prev).days == 1 else 1
        longest = max(longest, current)
    return len(ordered), longest, current


def agent_progress(rows: list[BatchRow], targets: dict[str, Norms] | None = None) -> list[AgentProgress]:
    """One block per agent (None: agent unknown), scenarios in name order. ``targets`` maps a
    scenario id to its card's norms (``card.norms``); other scenarios use the defaults."""
    by_agent: dict[str | None, list[BatchRow]] = defaultdict(list)
    for r in rows:
        by_agent[r.agent].append(r)
    out = []
    for agent in sorted(by_agent, key=lambda a: (a is None, a or "")):
        mine = by_agent[agent]
        ok = sorted((r for r in mine if counts(r)), key=take_order)  # a broken or 0.4 s fragment is never "latest"
        days = [d for d in map(_day, ok) if d is not None]
        practice, longest, current = streaks(days)
        by_scenario: dict[str | None, list[BatchRow]] = defaultdict(list)
        for r in ok:
            by_scenario[r.scenario].append(r)
        scen = []
        for name in sorted(by_scenario, key=lambda s: (s is None, s or "")):
            takes = by_scenario[name]
            first, last = takes[0], takes[-1]
            goal = (targets or {}).get(name or "")
            changes = [metric_change(m.name, metrics.row_value(first, m.name), metrics.row_value(last, m.name), goal)
                       for m in metrics.where(metrics.PROGRESSION)] if len(takes) > 1 else []
            scen.append(ScenarioProgress(name, len(takes), first.path, last.path, changes))
        out.append(
            AgentProgress(
                agent=agent,
                takes=len(mine),
                failed=sum(r.status != "ok" for r in mine),
                practice_days=practice,
                longest_streak_days=longest,
                current_streak_days=current,
                last_practice=max(days).isoformat() if days else None,
                scenarios=scen,
            )
        )
    return out


def _median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.median(vals)) if vals else None


def group_stats(name: str, rows: list[BatchRow]) -> GroupStats:
    ok = [r for r in rows if r.status == "ok"]
    rates = [r.rate_wpm for r in ok if r.rate_wpm is not None]
    lo, hi = DEFAULT.rate_neutral_wpm
    return GroupStats(
        name=name,
        clips=len(rows),
        failed=len(rows) - len(ok),
        agents=len({r.agent for r in rows}),
        rate_wpm_median=_median(rates),
        opening_rate_wpm_median=_median([r.opening_rate_wpm for r in ok]),
        latency_median_s=_median([r.latency_median_s for r in ok]),
        in_band_share=(sum(lo <= v <= hi for v in rates) / len(rates)) if rates else None,
    )


def by_scenario(rows: list[BatchRow]) -> list[GroupStats]:
    groups: dict[str, list[BatchRow]] = defaultdict(list)
    for r in rows:
        groups[r.scenario or "(none)"].append(r)
    return [group_stats(k, groups[k]) for k in sorted(groups)]


def by_skill(rows: list[BatchRow], tags: dict[str, list[str]]) -> list[GroupStats]:
    """``tags`` maps a scenario id to its card's skill tags; clips of untagged scenarios are left out."""
    groups: dict[str, list[BatchRow]] = defaultdict(list)
    for r in rows:
        for tag in tags.get(r.scenario or "", []):
            groups[tag].append(r)
    return [group_stats(k, groups[k]) for k in sorted(groups)]
