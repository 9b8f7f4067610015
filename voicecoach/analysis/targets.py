"""A scenario card's pacing targets checked against one Analysis: met, close or missed, in words.

"close" is a miss the listener would barely hear: within 10% of a rate bound, within 0.3 s of the
latency band, or one jump-in/stall. ``n/a`` (with the reason) where the clip cannot measure it.
"""

from __future__ import annotations

from ..clock import mmss
from ..results import Analysis, TargetCheck
from . import noise
from .judge import TEMPO_NOTICEABLE_PCT
from .turns import JUMP_IN_S, STALL_S

CLOSE_RATE_SHARE = 0.10  # a rate within 10% of the band's edge is close (tempo JND about 5%, Quene 2007)
CLOSE_LATENCY_S = 0.3
CLOSE_TREND_FACTOR = 1.5


def _rate(a: Analysis, band: tuple[float, float]) -> TargetCheck:
    """Agent rate_wpm against the card's band."""
    lo, hi = band
    target = f"{lo:.0f}-{hi:.0f} wpm"
    v = a.agent.rate_wpm
    if v is None:
        return TargetCheck("rate", None, "wpm", target, "n/a", "no agent words to time")
    if a.agent.rate_confidence != "high":  # neither praise nor an adjustment built on a number in doubt
        return TargetCheck("rate", v, "wpm", target, "n/a", f"speaking rate not judged: {a.agent.rate_reason}")
    if lo <= v <= hi:
        return TargetCheck("rate", v, "wpm", target, "met", f"rate {v:.0f} wpm, inside {target}")
    edge = hi if v > hi else lo
    off = (v - edge) / edge * 100.0
    status = "close" if abs(off) <= CLOSE_RATE_SHARE * 100 else "missed"
    way = "slow down" if v > hi else "speed up a little"
    return TargetCheck("rate", v, "wpm", target, status, f"rate {v:.0f} wpm, {abs(off):.0f}% {'above' if v > hi else 'below'} {target}; {way}")


def _opening(a: Analysis, max_wpm: float, vs_rest_max_pct: float) -> TargetCheck:
    """Opening sentence: under ``max_wpm`` and at least ``-vs_rest_max_pct`` percent slower than the rest."""
    if vs_rest_max_pct <= 0:
        target = f"under {max_wpm:.0f} wpm and at least {-vs_rest_max_pct:.0f}% slower than the rest"
    else:
        target = f"under {max_wpm:.0f} wpm and no more than {vs_rest_max_pct:.0f}% faster than the rest"
    op = a.agent.opening
    if op is None or op.rate_wpm is None and not op.reason:
        return TargetCheck("opening_pace", None, "wpm", target, "n/a", "no opening sentence found")
    if op.trusted_rate_wpm is None:  # neither praise nor an adjustment built on a number in doubt
        return TargetCheck("opening_pace", op.rate_wpm, "wpm", target, "n/a", f"opening pace not judged: {op.reason}")
    v, rest = op.rate_wpm, op.vs_rest_pct
    pace_ok = v <= max_wpm
    rel_ok = rest is None or rest <= vs_rest_max_pct
    if rest is None:
        rel = "no other speech to compare"
    elif abs(rest) < TEMPO_NOTICEABLE_PCT:
        rel = f"about the same pace as the rest ({rest:+.0f}%)"
    else:
        rel = f"{abs(rest):.0f}% {'faster' if rest > 0 else 'slower'} than the rest"
    said = f"opening {v:.0f} wpm, {rel}"
    if pace_ok and rel_ok:
        return TargetCheck("opening_pace", v, "wpm", target, "met", said)
    near = v <= max_wpm * (1 + CLOSE_RATE_SHARE) and (rest is None or rest <= vs_rest_max_pct + TEMPO_NOTICEABLE_PCT)
    return TargetCheck("opening_pace", v, "wpm", target, "close" if near else "missed", f"{said}; aim {target}")


def _latency(a: Analysis, band: tuple[float, float]) -> TargetCheck:
    """Median response latency after customer turns against the card's calm band."""
    lo, hi = band
    target = f"{lo:g}-{hi:g} s"
    if a.latency is None or a.latency.median_s is None:
        return TargetCheck("latency", None, "s", target, "n/a", "no customer turn followed by an agent answer (needs stereo or cues)")
    v = a.latency.median_s
    if lo <= v <= hi:
        return TargetCheck("latency", v, "s", target, "met", f"median pause before answering {v:.2f} s, inside {target}")
    near = lo - CLOSE_LATENCY_S <= v <= hi + CLOSE_LATENCY_S
    how = "pause a beat longer after the caller stops" if v < lo else "answer sooner, or say what you are doing"
    return TargetCheck("latency", v, "s", target, "close" if near else "missed", f"median pause before answering {v:.2f} s; aim {target}: {how}")


def _jumps_stalls(a: Analysis) -> TargetCheck:
    """Jump-ins (< JUMP_IN_S, overlaps included) plus stalls (> STALL_S): none is the target."""
    if a.latency is None:
        return TargetCheck("jump_ins_stalls", None, "count", "0", "n/a", "no customer->agent turn changes to time")
    lat = a.latency
    n = lat.jump_ins + lat.stalls
    if n == 0:
        return TargetCheck("jump_ins_stalls", 0.0, "count", "0", "met", f"no jump-ins or stalls in {len(lat.values_s)} answers")
    parts = []
    times = [t.start_s for t in a.turns if t.latency_s is not None]
    for t_s, v in zip(times, lat.values_s):
        if v < JUMP_IN_S:
            parts.append(f"jumped in at {mmss(t_s)} ({v:+.2f} s)")
        elif v > STALL_S:
            parts.append(f"stalled {v:.1f} s before {mmss(t_s)}")
    status = "close" if n == 1 else "missed"
    return TargetCheck("jump_ins_stalls", float(n), "count", "0", status, "; ".join(parts) or f"{n} jump-ins/stalls")


def _trend(a: Analysis, max_db_per_min: float) -> TargetCheck:
    """Agent level trend in dB per minute within +/- the card's limit."""
    target = f"within +/-{max_db_per_min:g} dB/min"
    v = a.agent.level.trend_db_per_min
    if v is None:
        return TargetCheck("level_trend", None, "dB/min", target, "n/a", "too little speech for a trend (needs 10 s between first and last word)")
    unsure = noise.trend_in_doubt(a, max_db_per_min)
    if unsure is not None:  # a short take cannot tell +/-2 dB/min apart
        return TargetCheck("level_trend", v, "dB/min", target, "n/a",
                           f"level trend {v:+.1f} dB/min not judged: its own noise is +/-{unsure.value:.0f} dB/min on this take "
                           "(too few 2 s windows over too short a time; about a minute of speech or more can tell)")
    if abs(v) <= max_db_per_min:
        return TargetCheck("level_trend", v, "dB/min", target, "met", f"level trend {v:+.1f} dB/min: the voice stayed level")
    status = "close" if abs(v) <= max_db_per_min * CLOSE_TREND_FACTOR else "missed"
    way = "climbed" if v > 0 else "faded"
    return TargetCheck("level_trend", v, "dB/min", target, status, f"level trend {v:+.1f} dB/min: the voice {way}; keep it {target}")


def check(a: Analysis, targets) -> list[TargetCheck]:
    """Every target of a card (``judge.Targets``) against the clip, in a fixed order."""
    return [
        _opening(a, targets.opening_max_wpm, targets.opening_vs_rest_max_pct),
        _latency(a, targets.latency_s),
        _jumps_stalls(a),
        _rate(a, targets.rate_wpm),
        _trend(a, targets.level_trend_max_db_per_min),
    ]
