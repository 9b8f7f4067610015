"""Progress over weeks, from the history: per agent and skill, each metric over dates.

Pure arithmetic over ``Store.takes`` rows (no printing, no files):

- baseline: the median of the agent's first ``BASELINE_TAKES`` usable takes of the skill, and the
  change from it to the latest take, called a change only when a listener would notice it AND it
  exceeds the measurement's noise (``judge.step``; the noise is the root sum of squares of the
  baseline takes' median noise and the latest take's, from analysis/noise.py, stored per take);
- first, best (closest to the card's target), latest, and the trend: the Theil-Sen slope per week
  over every usable take (robust: one odd take does not tip it), judged like a change between the
  fitted values at the first and the latest date;
- practice days and streaks (``progression.streaks``);
- takes that are broken, too short or without agent speech are listed with the reason and left out;
  so is a value its own take marks as low confidence (an opening in doubt, a rate or a filler count
  read through line noise).

The team table (``team``) is one SQL pass per metric: a least-squares slope per agent x skill from
sums the database adds up (bench/history.py: 0.38 s for 300,000 takes on SQLite),
where the per-agent view runs Theil-Sen on each take in Python.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .. import metrics as registry
from ..analysis import judge, progression
from ..norms import DEFAULT, Norms

BASELINE_TAKES = 3
WEEK_S = 7 * 24 * 3600.0
ARROWS = {"better": "↑", "worse": "↓", "same": "→", "changed": "↕", "n/a": "·"}

@dataclass(frozen=True)
class Point:
    taken_at: str
    value: float
    noise: float | None
    take_id: int
    source_path: str
    report_path: str | None


@dataclass(frozen=True)
class MetricProgress:
    metric: str
    unit: str
    points: list[Point]
    baseline: float | None
    first: float | None
    best: float | None
    latest: float | None
    change: float | None  # latest - baseline
    change_direction: str  # judge.step: better / worse / same / changed / n/a
    change_noise: float | None
    trend_per_week: float | None
    trend_direction: str
    trend_line: tuple[float, float] | None  # the fitted values at the first and the latest take's date
    target: tuple[float, float] | None  # the band shaded on the chart (None: no target)


@dataclass(frozen=True)
class Excluded:
    taken_at: str
    source_path: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class GroupProgress:
    agent: str | None
    skill: str
    scenarios: list[str]
    takes: int
    practice_days: int
    longest_streak_days: int
    current_streak_days: int
    first_day: str | None
    last_day: str | None
    metrics: list[MetricProgress]
    excluded: list[Excluded] = field(default_factory=list)


def tracked() -> list[str]:
    """The metrics a history follows: every registered one a listener can hear change."""
    return [m.name for m in registry.REGISTRY if m.noticeable is not None]


def team_columns() -> list[str]:
    """The team table's default columns: the registry's TEAM metrics."""
    return [m.name for m in registry.where(registry.TEAM)]


@lru_cache(maxsize=64)
def norms_of(scenario: str | None) -> Norms:
    """The scenario card's norms (a scenario without a card, or none: the default phone bands)."""
    from ..errors import ScenarioError
    from ..scenarios import load_card

    try:
        return load_card(scenario).norms if scenario else DEFAULT
    except ScenarioError:
        return DEFAULT


def target_band(metric: str, n: Norms) -> tuple[float, float] | None:
    """The band a chart shades: the values at distance 0 from an in-band goal (None: no band)."""
    m = registry.get(metric)
    return tuple(m.goal(n)) if m.direction == "in-band" and m.goal is not None else None


def theil_sen(xs: list[float], ys: list[float]) -> tuple[float, float] | None:
    """(slope, intercept) by scipy's Theil-Sen estimator; None under 3 points or on one date."""
    if len(xs) < 3 or max(xs) - min(xs) <= 0:
        return None
    from scipy.stats import theilslopes

    res = theilslopes(ys, xs)
    return float(res[0]), float(res[1])


def _median_noise(points: list[Point]) -> float:
    known = [p.noise for p in points if p.noise is not None]
    return statistics.median(known) if known else 0.0


def metric_progress(metric: str, points: list[Point], targets: Norms) -> MetricProgress:
    """Baseline, change, first/best/latest and trend of one metric's points (in time order)."""
    m = registry.get(metric)
    base_pts = points[:BASELINE_TAKES]
    baseline = statistics.median(p.value for p in base_pts) if points else None
    latest = points[-1] if points else None
    change = change_noise = None
    direction = trend_dir = "n/a"
    if latest is not None and len(points) > BASELINE_TAKES:
        change = latest.value - baseline
        change_noise = math.hypot(_median_noise(base_pts), latest.noise or 0.0)
        direction = judge.step(m, baseline, latest.value, targets, noise=change_noise)[1]
    distance = judge.distance(m, targets)
    best = min(reversed(points), key=lambda p: distance(p.value)).value if distance and points else None
    slope = line = None
    if points:
        t0 = _ts(points[0].taken_at)
        xs = [(_ts(p.taken_at) - t0) / WEEK_S for p in points]
        fit = theil_sen(xs, [p.value for p in points])
        if fit is not None:
            slope, icpt = fit
            a, b = icpt, icpt + slope * xs[-1]
            line = (a, b)
            trend_dir = judge.step(m, a, b, targets, noise=_median_noise(points))[1]
    return MetricProgress(metric, m.unit, points, baseline, points[0].value if points else None, best,
                          latest.value if latest else None, change, direction, change_noise, slope, trend_dir, line,
                          target_band(metric, targets))


def _ts(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def _day(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso).date()


def group_key(take: dict[str, Any]) -> tuple[str | None, str]:
    return take.get("agent"), take.get("skill") or "(no scenario)"


def build_groups(takes: list[dict[str, Any]], metrics: list[str] | None = None) -> list[GroupProgress]:
    """One block per agent and skill, from ``Store.takes`` rows in time order. Rewinds (a re-recorded
    opening line) are no step of progress and are left out without a listing."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for t in takes:
        if t.get("kind", "take") == "take":
            groups[group_key(t)].append(t)
    known = tracked()
    wanted = [m for m in (metrics or known) if m in known]
    out = []
    for (agent, skill) in sorted(groups, key=lambda k: (k[0] is None, k[0] or "", k[1])):
        mine = groups[(agent, skill)]
        ok = [t for t in mine if t["status"] == "ok"]
        excluded = [Excluded(t["taken_at"], t["source_path"], t["status"], t["status_reason"]) for t in mine if t["status"] != "ok"]
        targets = norms_of(ok[-1]["scenario"] if ok else None)
        days = [_day(t["taken_at"]) for t in ok]
        n_days, longest, current = progression.streaks(days)
        series = []
        for m in wanted:
            pts = [Point(t["taken_at"], t["metrics"][m][0], t["metrics"][m][1], t["id"], t["source_path"], t.get("report_path"))
                   for t in ok if m in t.get("usable", ())]
            if pts:
                series.append(metric_progress(m, pts, targets))
        scen = sorted({t["scenario"] for t in mine if t.get("scenario")})
        out.append(GroupProgress(agent, skill, scen, len(ok), n_days, longest, current,
                                 min(days).isoformat() if days else None, max(days).isoformat() if days else None,
                                 series, excluded))
    return out


def team(store, *, metrics: list[str] | None = None, scenario: str | None = None, since_ts: float | None = None,
         agent: str | None = None) -> list[dict[str, Any]]:
    """The trainer's table: one row per agent x skill with its usable takes, last take and, per
    headline metric, the least-squares trend per week judged like a change over the span (default
    targets: a skill spans scenarios). One query per metric over the covering index
    ``metrics_team`` (schema v2): sums the database adds up, no join, no sort."""
    known = tracked()
    metrics = [m for m in (metrics or team_columns()) if m in known]
    where, params = ["m.metric = ?", "m.usable = 1"], []
    for col, value in (("agent", agent), ("scenario", scenario)):
        if value is not None:
            where.append(f"m.{col} = ?")
            params.append(value)
    if since_ts is not None:
        where.append("m.taken_ts >= ?")
        params.append(since_ts)
    # sums of the raw times (seconds), shifted in Python: 40% less work for the database than
    # shifting every row (bench: 0.105 vs 0.183 s for four metrics over 60,000 takes)
    sql = ("SELECT m.agent, m.skill, COUNT(*), SUM(m.taken_ts), SUM(m.value), SUM(m.taken_ts * m.value), "
           "SUM(m.taken_ts * m.taken_ts), MIN(m.taken_ts), MAX(m.taken_ts), AVG(m.noise) "
           f"FROM metrics m WHERE {' AND '.join(where)} GROUP BY m.agent, m.skill")
    cells: dict[tuple, dict[str, Any]] = {}
    for metric in metrics:
        for ag, sk, n, st, sy, sty, stt, t0, t1, noise in store.db.execute(sql, [metric] + params):
            row = cells.setdefault((ag, sk or "(no scenario)"), {"agent": ag, "skill": sk or "(no scenario)", "takes": 0,
                                                                 "last_take": None, "trends": {}})
            row["takes"] = max(row["takes"], int(n))
            last_iso = dt.datetime.fromtimestamp(t1, dt.UTC).isoformat(timespec="seconds")
            row["last_take"] = max(row["last_take"] or last_iso, last_iso)
            row["trends"][metric] = _ols_trend(metric, int(n), st, sy, sty, stt, t0, t1, noise)
    return [cells[k] for k in sorted(cells, key=lambda k: (k[0] is None, k[0] or "", k[1]))]


def _ols_trend(metric: str, n: int, st: float, sy: float, sty: float, stt: float, t0: float, t1: float,
               noise: float | None) -> dict:
    """Least-squares slope per week from the sums over take times (s) and values, judged between its
    fitted values at the first and the latest take."""
    # n^2 x the variance of the times; rounding leaves ~1e-16 n stt of it (2e-4 of it for 3 takes an
    # hour apart): takes within minutes of each other have no trend to tell
    var = n * stt - st * st
    if n < 3 or var <= 1e-13 * n * stt:
        return {"per_week": None, "direction": "n/a"}
    slope_s = (n * sty - st * sy) / var
    mean_t, mean_y = st / n, sy / n
    a, b = mean_y + slope_s * (t0 - mean_t), mean_y + slope_s * (t1 - mean_t)
    direction = judge.step(registry.get(metric), a, b, DEFAULT, noise=noise or 0.0)[1]
    return {"per_week": slope_s * WEEK_S, "direction": direction}
