"""Compare reruns of one scene: what changed between takes, and is the change big enough to hear?

Pure: Analyses in (each from ``pipeline.analyze``, the one road), a Comparison out. ``change`` is
the latest take minus the first; the direction is judged against the scenario card's targets
(or the default phone bands).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .analysis import bands
from .results import Analysis, Comparison, MetricComparison, TakeSummary, Turn, TurnComparison

# Noticeable differences, per kind of metric:
RATE_NOTICEABLE_PCT = 5.0  # listeners notice tempo changes of about 5% (Quene 2007)
LATENCY_NOTICEABLE_S = 0.1  # a gap change over 100 ms is audible and beyond activity timing error
LEVEL_NOTICEABLE_DB = 1.0  # about the just-noticeable difference for the level of speech
TREND_NOTICEABLE_DB_PER_MIN = 1.0
PITCH_NOTICEABLE_SEMITONES = 1.5  # smaller F0 differences go unheard in running speech ('t Hart 1981)
SPREAD_NOTICEABLE_SEMITONES = 1.0
OPENING_VS_REST_NOTICEABLE_PTS = 5.0  # the same 5% tempo threshold, as a difference of differences
TALK_RATIO_NOTICEABLE = 0.05
OVERTALK_NOTICEABLE_S = 0.25  # overtalk is counted from 0.25 s of both channels active


@dataclass(frozen=True)
class Targets:
    """What "better" means (defaults: DOMAIN.md phone bands; a scenario card's targets fit here)."""

    rate_wpm: tuple[float, float] = bands.RATE_TARGET_WPM
    opening_max_wpm: float = bands.OPENING_MAX_WPM
    opening_vs_rest_max_pct: float = -5.0
    latency_s: tuple[float, float] = bands.LATENCY_CALM_S
    level_trend_max_db_per_min: float = bands.LEVEL_TREND_MAX_DB_PER_MIN


def targets_from(card_targets: Any) -> Targets:
    """Targets from a scenario card's targets block (any object with the same field names)."""
    if card_targets is None:
        return Targets()
    base = Targets()
    return Targets(**{f: getattr(card_targets, f, getattr(base, f)) for f in base.__dataclass_fields__})


def _band_distance(lo: float, hi: float) -> Callable[[float], float]:
    return lambda v: max(lo - v, 0.0, v - hi)


@dataclass(frozen=True)
class _Metric:
    name: str
    unit: str
    get: Callable[[Analysis], float | None]
    noticeable: Callable[[float, float], bool]
    distance: Callable[[float], float] | None  # distance from the target; None: no better direction
    target: str = ""
    relative: bool = False  # report change_pct


def _by_abs(threshold: float, *, strict: bool = False) -> Callable[[float, float], bool]:
    if strict:
        return lambda a, b: abs(b - a) > threshold + 1e-9
    return lambda a, b: abs(b - a) >= threshold - 1e-9


def _by_pct(pct: float) -> Callable[[float, float], bool]:
    return lambda a, b: a != 0 and abs(b - a) / abs(a) * 100.0 >= pct - 1e-9


def _by_semitones(st: float) -> Callable[[float, float], bool]:
    return lambda a, b: a > 0 and b > 0 and abs(12.0 * math.log2(b / a)) >= st


def _opening(attr: str) -> Callable[[Analysis], float | None]:
    return lambda a: None if a.agent.opening is None else getattr(a.agent.opening, attr)


def _metrics(t: Targets) -> list[_Metric]:
    lo, hi = t.rate_wpm
    llo, lhi = t.latency_s
    flo = bands.RATE_FLAG_WPM[0]
    trend_max = t.level_trend_max_db_per_min
    cust = lambda f: (lambda a: None if a.customer is None else f(a.customer))  # noqa: E731
    return [
        _Metric("rate_wpm", "wpm", lambda a: a.agent.rate_wpm, _by_pct(RATE_NOTICEABLE_PCT),
                _band_distance(lo, hi), f"{lo:.0f}-{hi:.0f} wpm", True),
        _Metric("opening_rate_wpm", "wpm", _opening("rate_wpm"), _by_pct(RATE_NOTICEABLE_PCT),
                _band_distance(flo, t.opening_max_wpm), f"{flo:.0f}-{t.opening_max_wpm:.0f} wpm", True),
        _Metric("opening_vs_rest_pct", "%", _opening("vs_rest_pct"), _by_abs(OPENING_VS_REST_NOTICEABLE_PTS),
                lambda v: max(v - t.opening_vs_rest_max_pct, 0.0), f"{t.opening_vs_rest_max_pct:+.0f}% or slower"),
        _Metric("articulation_sps", "syl/s", lambda a: a.agent.articulation_sps, _by_pct(RATE_NOTICEABLE_PCT), None, "", True),
        _Metric("latency_median_s", "s", lambda a: None if a.latency is None else a.latency.median_s,
                _by_abs(LATENCY_NOTICEABLE_S, strict=True), _band_distance(llo, lhi), f"{llo:g}-{lhi:g} s"),
        # on agent-only clips without cues first_response_s is time to first word, not a response
        _Metric("first_response_s", "s", lambda a: None if a.layout == "mono" else a.first_response_s,
                _by_abs(LATENCY_NOTICEABLE_S, strict=True),
                _band_distance(llo, lhi), f"{llo:g}-{lhi:g} s"),
        _Metric("jump_ins", "count", lambda a: None if a.latency is None else a.latency.jump_ins, _by_abs(1), lambda v: v, "none"),
        _Metric("stalls", "count", lambda a: None if a.latency is None else a.latency.stalls, _by_abs(1), lambda v: v, "none"),
        _Metric("level_median_dbfs", "dBFS", lambda a: a.agent.level.median_dbfs, _by_abs(LEVEL_NOTICEABLE_DB), None),
        _Metric("level_trend_db_per_min", "dB/min", lambda a: a.agent.level.trend_db_per_min, _by_abs(TREND_NOTICEABLE_DB_PER_MIN),
                lambda v: max(abs(v) - trend_max, 0.0), f"within +/-{trend_max:g} dB/min"),
        _Metric("pitch_median_hz", "Hz", lambda a: a.agent.pitch.median_hz, _by_semitones(PITCH_NOTICEABLE_SEMITONES), None),
        _Metric("pitch_spread_semitones", "st", lambda a: a.agent.pitch.spread_semitones, _by_abs(SPREAD_NOTICEABLE_SEMITONES), None),
        _Metric("talk_ratio", "share", lambda a: a.talk_ratio, _by_abs(TALK_RATIO_NOTICEABLE), None),
        _Metric("overtalk_s", "s", lambda a: a.overtalk_s, _by_abs(OVERTALK_NOTICEABLE_S), lambda v: v, "none"),
        _Metric("customer_level_dbfs", "dBFS", cust(lambda c: c.level.median_dbfs), _by_abs(LEVEL_NOTICEABLE_DB), None),
        _Metric("customer_pitch_hz", "Hz", cust(lambda c: c.pitch.median_hz), _by_semitones(PITCH_NOTICEABLE_SEMITONES), None),
    ]


def _step(a: float | None, b: float | None, noticeable: Callable, distance: Callable | None) -> tuple[bool | None, str]:
    """(noticeable, direction) of the step from a to b."""
    if a is None or b is None:
        return None, "n/a"
    if not noticeable(a, b):
        return False, "same"
    if distance is None:
        return True, "changed"
    da, db = distance(a), distance(b)
    if abs(da - db) < 1e-9:
        return True, "same"  # both inside the target, or equally far off it
    return True, "better" if db < da else "worse"


def _progression(steps: list[str]) -> str:
    known = [s for s in steps if s != "n/a"]
    if not known or all(s == "same" for s in known):
        return "steady"
    if "changed" in known:
        return "changed"
    if "worse" not in known:
        return "improving"
    if "better" not in known:
        return "worsening"
    return "mixed"


def _compare_metric(m: _Metric, analyses: list[Analysis]) -> MetricComparison | None:
    values = [m.get(a) for a in analyses]
    if all(v is None for v in values):
        return None
    first, last = values[0], values[-1]
    noticeable, direction = _step(first, last, m.noticeable, m.distance)
    change = None if first is None or last is None else last - first
    pct = None
    if m.relative and change is not None and first:
        pct = 100.0 * change / abs(first)
    steps, progression = [], None
    if len(values) >= 3:
        steps = [_step(a, b, m.noticeable, m.distance)[1] for a, b in zip(values, values[1:])]
        progression = _progression(steps)
    return MetricComparison(m.name, m.unit, values, change, pct, noticeable, direction, m.target, steps, progression)


def _answers(a: Analysis) -> list[tuple[Turn | None, Turn]]:
    """Each counted answer (agent turn with a latency) and the customer turn before it."""
    out, last_customer = [], None
    for t in a.turns:
        if t.speaker == "customer":
            last_customer = t
        elif t.latency_s is not None:
            out.append((last_customer, t))
    return out


def _turns(analyses: list[Analysis], t: Targets) -> list[TurnComparison]:
    per_take = [_answers(a) for a in analyses]
    rows = []
    distance = _band_distance(*t.latency_s)
    for k in range(max((len(p) for p in per_take), default=0)):
        pairs = [p[k] if k < len(p) else (None, None) for p in per_take]
        lat = [None if agent is None else agent.latency_s for _, agent in pairs]
        noticeable, direction = _step(lat[0], lat[-1], _by_abs(LATENCY_NOTICEABLE_S, strict=True), distance)
        rows.append(
            TurnComparison(
                index=k + 1,
                customer_text=[None if c is None else c.text for c, _ in pairs],
                agent_text=[None if agent is None else agent.text for _, agent in pairs],
                start_s=[None if agent is None else agent.start_s for _, agent in pairs],
                latency_s=lat,
                change_s=None if lat[0] is None or lat[-1] is None else lat[-1] - lat[0],
                noticeable=noticeable,
                direction=direction,
            )
        )
    return rows


def _labels(analyses: list[Analysis]) -> list[str]:
    names = [Path(a.source).name for a in analyses]
    return [a.source if names.count(n) > 1 else n for a, n in zip(analyses, names)]


def compare(analyses: list[Analysis], targets: Targets | None = None, *, scenario: str | None = None) -> Comparison:
    """Compare two or more takes of one scene, in the order given (first = baseline)."""
    if len(analyses) < 2:
        raise ValueError("compare needs at least two takes")
    t = targets or Targets()
    takes = []
    for label, a in zip(_labels(analyses), analyses):
        op = a.agent.opening
        takes.append(
            TakeSummary(label, a.source, a.duration_s, a.layout, None if op is None else op.text, None if op is None else op.start_s,
                        None if op is None else op.rate_wpm, None if op is None else op.vs_rest_pct)
        )
    metrics = [c for c in (_compare_metric(m, analyses) for m in _metrics(t)) if c is not None]
    warnings = []
    if len({a.layout for a in analyses}) > 1:
        warnings.append("the takes have different layouts (" + ", ".join(a.layout for a in analyses) + "): latency and level may not compare")
    if len({a.model for a in analyses}) > 1:
        warnings.append("the takes were transcribed with different models: word counts and rates may differ for that reason")
    for label, a in zip(_labels(analyses), analyses):
        warnings += [f"{label}: {w}" for w in a.warnings]
    return Comparison(takes, metrics, _turns(analyses, t), scenario, warnings)
