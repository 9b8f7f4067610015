"""Is a change between two takes big enough to hear, and is it better or worse against the targets?

One judge for ``voicecoach compare`` and ``voicecoach batch`` progression. Pure: numbers in,
verdicts out. A metric with a target has a distance to it (0 inside the band); "better" means the
later value is noticeably different and closer to the target, "worse" further from it. A metric
without a target (level, pitch) only "changed".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from . import bands, turns

Noticeable = Callable[[float, float], bool]
Distance = Callable[[float], float]

# Noticeable differences, per kind of metric:
TEMPO_NOTICEABLE_PCT = 5.0  # listeners notice tempo changes of about 5% (Quene 2007)
LATENCY_NOTICEABLE_S = 0.1  # a gap change over 100 ms is audible and beyond activity timing error
LEVEL_NOTICEABLE_DB = 1.0  # about the just-noticeable difference for the level of speech
TREND_NOTICEABLE_DB_PER_MIN = 1.0
PITCH_NOTICEABLE_SEMITONES = 1.5  # smaller F0 differences go unheard in running speech ('t Hart 1981)
SPREAD_NOTICEABLE_SEMITONES = 1.0
OPENING_VS_REST_NOTICEABLE_PTS = TEMPO_NOTICEABLE_PCT  # the tempo threshold as a difference of differences
TALK_RATIO_NOTICEABLE = 0.05
# one borderline filler can flip between a take's WAV and MP3 copies (measured: 8 vs 9 in 1 minute),
# and the detector may invent up to 1/min: a smaller change is the measurement's own noise
FILLERS_NOTICEABLE_PER_MIN = 2.0
OVERTALK_NOTICEABLE_S = turns.OVERTALK_MIN_S  # overtalk is counted from 0.25 s of both channels active


@dataclass(frozen=True)
class Targets:
    """What "better" means (defaults: DOMAIN.md phone bands; a scenario card's targets fit here)."""

    rate_wpm: tuple[float, float] = bands.RATE_TARGET_WPM
    opening_max_wpm: float = bands.OPENING_MAX_WPM
    opening_vs_rest_max_pct: float = -TEMPO_NOTICEABLE_PCT
    latency_s: tuple[float, float] = bands.LATENCY_CALM_S
    level_trend_max_db_per_min: float = bands.LEVEL_TREND_MAX_DB_PER_MIN


def band_distance(lo: float, hi: float) -> Distance:
    """How far a value lies outside [lo, hi] (0 inside)."""
    return lambda v: max(lo - v, 0.0, v - hi)


def _fewer(v: float) -> float:
    return v


def by_abs(threshold: float, *, strict: bool = False) -> Noticeable:
    if strict:
        return lambda a, b: abs(b - a) > threshold + 1e-9
    return lambda a, b: abs(b - a) >= threshold - 1e-9


def by_pct(pct: float) -> Noticeable:
    return lambda a, b: a != 0 and abs(b - a) / abs(a) * 100.0 >= pct - 1e-9


def by_semitones(st: float) -> Noticeable:
    return lambda a, b: a > 0 and b > 0 and abs(12.0 * math.log2(b / a)) >= st


NOTICEABLE: dict[str, Noticeable] = {
    "rate_wpm": by_pct(TEMPO_NOTICEABLE_PCT),
    "opening_rate_wpm": by_pct(TEMPO_NOTICEABLE_PCT),
    "opening_vs_rest_pct": by_abs(OPENING_VS_REST_NOTICEABLE_PTS),
    "articulation_sps": by_pct(TEMPO_NOTICEABLE_PCT),
    "latency_median_s": by_abs(LATENCY_NOTICEABLE_S, strict=True),
    "first_response_s": by_abs(LATENCY_NOTICEABLE_S, strict=True),
    "turn_latency_s": by_abs(LATENCY_NOTICEABLE_S, strict=True),
    "jump_ins": by_abs(1),
    "stalls": by_abs(1),
    "level_median_dbfs": by_abs(LEVEL_NOTICEABLE_DB),
    "level_trend_db_per_min": by_abs(TREND_NOTICEABLE_DB_PER_MIN),
    "pitch_median_hz": by_semitones(PITCH_NOTICEABLE_SEMITONES),
    "pitch_spread_semitones": by_abs(SPREAD_NOTICEABLE_SEMITONES),
    "talk_ratio": by_abs(TALK_RATIO_NOTICEABLE),
    "fillers_per_min": by_abs(FILLERS_NOTICEABLE_PER_MIN),
    "overtalk_s": by_abs(OVERTALK_NOTICEABLE_S),
    "customer_level_dbfs": by_abs(LEVEL_NOTICEABLE_DB),
    "customer_pitch_hz": by_semitones(PITCH_NOTICEABLE_SEMITONES),
}


def distances(t: Targets) -> dict[str, Distance]:
    """Distance to the target for each metric that has one; metrics left out have no better direction."""
    latency = band_distance(*t.latency_s)
    trend_max = t.level_trend_max_db_per_min
    return {
        "rate_wpm": band_distance(*t.rate_wpm),
        "opening_rate_wpm": band_distance(bands.RATE_FLAG_WPM[0], t.opening_max_wpm),
        "opening_vs_rest_pct": lambda v: max(v - t.opening_vs_rest_max_pct, 0.0),
        "latency_median_s": latency,
        "first_response_s": latency,
        "turn_latency_s": latency,
        "jump_ins": _fewer,
        "stalls": _fewer,
        "level_trend_db_per_min": lambda v: max(abs(v) - trend_max, 0.0),
        "overtalk_s": _fewer,
        "fillers_per_min": _fewer,
    }


def step(metric: str, a: float | None, b: float | None, targets: Targets | None = None, *, noise: float = 0.0) -> tuple[bool | None, str]:
    """(noticeable, direction) of the change of ``metric`` from a to b.

    Noticeable: at least what a listener notices (NOTICEABLE) and more than ``noise``, the
    measurement's own noise on the two clips in the metric's unit (analysis/noise.py; 0: none stated).
    direction: "n/a" (a value missing), "same" (not noticeable, or equally far from the target),
    "changed" (noticeable, no target), "better" (closer to the target) or "worse" (further).
    """
    if a is None or b is None:
        return None, "n/a"
    if not NOTICEABLE[metric](a, b) or abs(b - a) <= noise:
        return False, "same"
    distance = distances(targets or Targets()).get(metric)
    if distance is None:
        return True, "changed"
    da, db = distance(a), distance(b)
    if abs(da - db) < 1e-9:
        return True, "same"  # both inside the target, or equally far off it
    return True, "better" if db < da else "worse"
