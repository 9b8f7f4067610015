"""The one judge: how a number stands against the norms, and whether a change between takes counts.

``assess(metric, analysis, norms)`` gives one ``Verdict`` (status, band word, side, the target in
words, the reason) that the headline, the target table (analysis/targets.py), the debrief and
the HTML cards all show. ``step(metric, a, b, norms)`` decides compare and batch progression: a
change is noticeable when a listener would hear it (the metric's rule on the norms' thresholds)
and it exceeds the measurement's noise; "better" means closer to the metric's goal. Metrics are
the registry's (voicecoach/metrics.py); the norms are a card's or ``norms.DEFAULT``. Pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from ..clock import mmss
from ..norms import DEFAULT, Norms
from ..results import Analysis

Noticeable = Callable[[float, float], bool]
Distance = Callable[[float], float]


def by_abs(threshold: float, *, strict: bool = False) -> Noticeable:
    if strict:
        return lambda a, b: abs(b - a) > threshold + 1e-9
    return lambda a, b: abs(b - a) >= threshold - 1e-9


def by_pct(pct: float) -> Noticeable:
    return lambda a, b: a != 0 and abs(b - a) / abs(a) * 100.0 >= pct - 1e-9


def by_semitones(st: float) -> Noticeable:
    return lambda a, b: a > 0 and b > 0 and abs(12.0 * math.log2(b / a)) >= st


def distance(metric: Any, n: Norms) -> Distance | None:
    """How far a value lies from the metric's goal (0 at or inside it); None: no better direction."""
    if metric.goal is None or metric.direction == "none":
        return None
    goal = metric.goal(n)
    if metric.direction == "in-band":
        lo, hi = goal
        return lambda v: max(lo - v, 0.0, v - hi)
    if metric.direction == "lower":
        return lambda v: max(v - goal, 0.0)
    return lambda v: max(goal - v, 0.0)  # "higher"


def step(metric: Any, a: float | None, b: float | None, norms: Norms | None = None, *, noise: float = 0.0) -> tuple[bool | None, str]:
    """(noticeable, direction) of the change of ``metric`` from a to b.

    Noticeable: at least what a listener notices (the metric's rule) and more than ``noise``, the
    measurement's own noise on the two clips in the metric's unit (analysis/noise.py; 0: none stated).
    direction: "n/a" (a value missing), "same" (not noticeable, or equally far from the goal),
    "changed" (noticeable, no goal), "better" (closer to the goal) or "worse" (further).
    """
    if a is None or b is None:
        return None, "n/a"
    n = norms or DEFAULT
    if metric.noticeable is None or not metric.noticeable(n)(a, b) or abs(b - a) <= noise:
        return False, "same"
    dist = distance(metric, n)
    if dist is None:
        return True, "changed"
    da, db = dist(a), dist(b)
    if abs(da - db) < 1e-9:
        return True, "same"  # both inside the goal, or equally far off it
    return True, "better" if db < da else "worse"


# --- band words ----------------------------------------------------------------------------------


def rate_word(rate_wpm: float | None, n: Norms = DEFAULT) -> str:
    """'target', 'neutral', 'slow', 'fast', 'too slow' or 'too fast' for a words-per-minute value."""
    if rate_wpm is None:
        return "n/a"
    (lo, hi), (nlo, nhi), (flo, fhi) = n.rate_wpm, n.rate_neutral_wpm, n.rate_flag_wpm
    if lo <= rate_wpm <= hi:
        return "target"
    if nlo <= rate_wpm <= nhi:
        return "neutral"
    if rate_wpm < flo:
        return "too slow"
    if rate_wpm > fhi:
        return "too fast"
    return "slow" if rate_wpm < nlo else "fast"


def slowed_down(before_wpm: float | None, after_wpm: float | None, n: Norms = DEFAULT) -> bool | None:
    """Whether the agent followed a 'slower' nudge: the rate after is lower than before by at least
    what a listener notices (the tempo JND, ``tempo_noticeable_pct``); None when either is missing."""
    if before_wpm is None or after_wpm is None:
        return None
    return after_wpm < before_wpm and by_pct(n.tempo_noticeable_pct)(before_wpm, after_wpm)


def latency_word(latency_s: float | None, n: Norms = DEFAULT) -> str:
    """'jump-in', 'quick', 'calm', 'long' or 'stall' for a response latency."""
    if latency_s is None:
        return "n/a"
    lo, hi = n.latency_s
    if latency_s < n.jump_in_s:
        return "jump-in"
    if latency_s > n.stall_s:
        return "stall"
    if lo <= latency_s <= hi:
        return "calm"
    return "quick" if latency_s < lo else "long"


def rate_flag(rate_wpm: float | None, word_count: int, n: Norms = DEFAULT) -> str | None:
    """'too slow' / 'too fast' for a sustained run (``rate_flag_min_words`` or more) outside the flag band."""
    if rate_wpm is None or word_count < n.rate_flag_min_words:
        return None
    flo, fhi = n.rate_flag_wpm
    return "too slow" if rate_wpm < flo else "too fast" if rate_wpm > fhi else None


# --- assessing one number against the norms ------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One number against the norms. status: met / close / missed / n/a, or "" where the metric has
    no goal; word: its band in one word ("target", "calm", ...; "" where none); side: "low" or
    "high" of the goal for a miss (the debrief's commitment follows it); target: the goal in words."""

    status: str
    word: str
    side: str
    target: str
    reason: str
    measured: float | None = None
    unsure: bool = False


def assess(metric: Any, a: Analysis, norms: Norms | None = None) -> Verdict:
    """``metric`` (a registry Metric) of the clip ``a`` against ``norms`` (default: the clip's own,
    its scenario card's when it was coached)."""
    from ..norms import for_analysis

    n = norms or for_analysis(a)
    if metric.assess is not None:
        return metric.assess(a, n)
    target = metric.target_text(n)
    v = metric.read(a)
    if v is None:
        return Verdict("n/a", "n/a", "", target, f"{metric.label.lower()} not measured on this clip")
    why = metric.doubt(a, n)
    if why:
        return Verdict("n/a", "", "", target, f"{metric.label.lower()} not judged: {why}", v, True)
    dist = distance(metric, n)
    if dist is None:
        return Verdict("", "", "", "", "", v)
    said = metric.fmt.format(v) + (f" {metric.unit}" if metric.unit else "")
    if dist(v) == 0:
        return Verdict("met", "in band", "", target, f"{metric.label.lower()} {said}, {target}", v)
    side = "high" if metric.direction == "lower" or metric.direction == "in-band" and v > metric.goal(n)[1] else "low"
    return Verdict("missed", "below" if side == "low" else "above", side, target, f"{metric.label.lower()} {said}; aim {target}", v)


def rate(a: Analysis, n: Norms) -> Verdict:
    """Agent rate_wpm against the rate band; not judged while the rate is in doubt (line noise)."""
    target = n.rate_target()
    v = a.agent.rate_wpm
    if v is None:
        return Verdict("n/a", "n/a", "", target, "no agent words to time")
    word = rate_word(v, n)
    if a.agent.rate_confidence != "high":  # neither praise nor an adjustment built on a number in doubt
        return Verdict("n/a", word, "", target, f"speaking rate not judged: {a.agent.rate_reason}", v, True)
    lo, hi = n.rate_wpm
    if lo <= v <= hi:
        return Verdict("met", word, "", target, f"rate {v:.0f} wpm, inside {target}", v)
    edge = hi if v > hi else lo
    off = (v - edge) / edge * 100.0
    status = "close" if abs(off) <= n.close_rate_share * 100 else "missed"
    way = "slow down" if v > hi else "speed up a little"
    side = "high" if v > hi else "low"
    return Verdict(status, word, side, target, f"rate {v:.0f} wpm, {abs(off):.0f}% {'above' if v > hi else 'below'} {target}; {way}", v)


def opening(a: Analysis, n: Norms) -> Verdict:
    """Opening sentence: under ``opening_max_wpm`` and ``opening_vs_rest_max_pct`` against the rest."""
    target = n.opening_target()
    op = a.agent.opening
    if op is None or op.rate_wpm is None and not op.reason:
        return Verdict("n/a", "n/a", "", target, "no opening sentence found")
    if op.trusted_rate_wpm is None:  # neither praise nor an adjustment built on a number in doubt
        return Verdict("n/a", "", "", target, f"opening pace not judged: {op.reason}", op.rate_wpm, True)
    v, rest = op.rate_wpm, op.vs_rest_pct
    rel_ok = rest is None or rest <= n.opening_vs_rest_max_pct
    said = f"opening {v:.0f} wpm, {vs_rest_words(rest, n)}"
    if v <= n.opening_max_wpm and rel_ok:
        return Verdict("met", "", "", target, said, v)
    near = v <= n.opening_max_wpm * (1 + n.close_rate_share) and (rest is None or rest <= n.opening_vs_rest_max_pct + n.tempo_noticeable_pct)
    return Verdict("close" if near else "missed", "", "high", target, f"{said}; aim {target}", v)


def vs_rest_words(rest: float | None, n: Norms = DEFAULT) -> str:
    """The opening against the rest of the speech in words; under the tempo JND it is 'about the same'."""
    if rest is None:
        return "no other speech to compare"
    if abs(rest) < n.tempo_noticeable_pct:
        return f"about the same pace as the rest ({rest:+.0f}%)"
    return f"{abs(rest):.0f}% {'faster' if rest > 0 else 'slower'} than the rest"


def latency(a: Analysis, n: Norms) -> Verdict:
    """Median response latency after customer turns against the calm band."""
    target = n.latency_target()
    if a.latency is None or a.latency.median_s is None:
        return Verdict("n/a", "n/a", "", target, "no customer turn followed by an agent answer (needs stereo or cues)")
    v = a.latency.median_s
    lo, hi = n.latency_s
    word = latency_word(v, n)
    if a.latency.confidence != "high":  # neither praise nor an adjustment built on a number in doubt
        return Verdict("n/a", word, "", target, f"pause before answering not judged: {a.latency.reason}", v, True)
    if lo <= v <= hi:
        return Verdict("met", word, "", target, f"median pause before answering {v:.2f} s, inside {target}", v)
    near = lo - n.close_latency_s <= v <= hi + n.close_latency_s
    how = "pause a beat longer after the caller stops" if v < lo else "answer sooner, or say what you are doing"
    return Verdict("close" if near else "missed", word, "low" if v < lo else "high", target,
                   f"median pause before answering {v:.2f} s; aim {target}: {how}", v)


def jumps_stalls(a: Analysis, n: Norms) -> Verdict:
    """Jump-ins (under ``jump_in_s``, overlaps included) plus stalls (over ``stall_s``): none is the
    target. side "low" when there was a jump-in (an answer too soon), else "high" (a stall)."""
    if a.latency is None:
        return Verdict("n/a", "n/a", "", "0", "no customer->agent turn changes to time")
    lat = a.latency
    count = lat.jump_ins + lat.stalls
    if lat.confidence != "high":
        return Verdict("n/a", "", "", "0", f"jump-ins and stalls not judged: {lat.reason}", float(count), True)
    if count == 0:
        return Verdict("met", "", "", "0", f"no jump-ins or stalls in {len(lat.values_s)} answers", 0.0)
    parts = []
    times = [t.start_s for t in a.turns if t.latency_s is not None]
    for t_s, v in zip(times, lat.values_s):
        if v < n.jump_in_s:
            parts.append(f"jumped in at {mmss(t_s)} ({v:+.2f} s)")
        elif v > n.stall_s:
            parts.append(f"stalled {v:.1f} s before {mmss(t_s)}")
    status = "close" if count == 1 else "missed"
    return Verdict(status, "", "low" if lat.jump_ins else "high", "0", "; ".join(parts) or f"{count} jump-ins/stalls", float(count))


def trend(a: Analysis, n: Norms) -> Verdict:
    """Agent level trend in dB per minute within +/- the limit; not judged while its own noise is larger."""
    from . import noise

    limit = n.level_trend_max_db_per_min
    target = n.trend_target()
    v = a.agent.level.trend_db_per_min
    if v is None:
        return Verdict("n/a", "n/a", "", target, "too little speech for a trend (needs 10 s between first and last word)")
    unsure = noise.trend_in_doubt(a, limit)
    if unsure is not None:  # a short take cannot tell +/-2 dB/min apart
        return Verdict("n/a", "", "", target,
                       f"level trend {v:+.1f} dB/min not judged: its own noise is +/-{unsure.value:.0f} dB/min on this take "
                       "(too few 2 s windows over too short a time; about a minute of speech or more can tell)", v, True)
    if abs(v) <= limit:
        return Verdict("met", "level", "", target, f"level trend {v:+.1f} dB/min: the voice stayed level", v)
    status = "close" if abs(v) <= limit * n.close_trend_factor else "missed"
    way = "climbed" if v > 0 else "faded"
    return Verdict(status, way, "high" if v > 0 else "low", target, f"level trend {v:+.1f} dB/min: the voice {way}; keep it {target}", v)
