"""Whether the agent followed the live line's nudges (voicecoach/live.py), judged on the take itself.

The sidecar says which nudges fired and when; the rate before and after each comes from the take's
own speech activity and syllable nuclei (the detector the live line used), over ``nudge_follow_s``
of speaking time on each side. Pure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..norms import DEFAULT, Norms
from ..results import NudgeOutcome, Segment
from .judge import slowed_down

MIN_SPEECH_SHARE = 0.5  # a side with less than half of nudge_follow_s of speech has no rate to compare


def outcomes(fired: list[dict[str, Any]], segments: list[Segment], nuclei_s: np.ndarray, *, syllables_per_word: float,
             n: Norms = DEFAULT) -> list[NudgeOutcome]:  # fmt: skip
    """One NudgeOutcome per fired nudge ({"kind", "at_s", ...} as the sidecar lists them), in order."""
    out = []
    for nudge in sorted(fired, key=lambda x: float(x["at_s"])):
        kind, at_s = str(nudge["kind"]), float(nudge["at_s"])
        if kind == "breathe":
            pause_after = _next_pause_after(segments, at_s)
            followed = None if pause_after is None else pause_after <= n.nudge_follow_s
            out.append(NudgeOutcome(kind, at_s, followed, pause_after_s=pause_after))
            continue
        before = _rate_wpm(_speech(segments, at_s, n.nudge_follow_s, -1), nuclei_s, syllables_per_word, n)
        after = _rate_wpm(_speech(segments, at_s, n.nudge_follow_s, +1), nuclei_s, syllables_per_word, n)
        out.append(NudgeOutcome(kind, at_s, slowed_down(before, after, n), before, after))
    return out


def _speech(segments: list[Segment], at_s: float, speech_s: float, direction: int) -> list[tuple[float, float]]:
    """The spans of speech, ``speech_s`` of it in all, just before (direction -1) or after (+1) ``at_s``."""
    spans, left = [], speech_s
    ordered = segments if direction > 0 else list(reversed(segments))
    for seg in ordered:
        a, b = (max(seg.start_s, at_s), seg.end_s) if direction > 0 else (seg.start_s, min(seg.end_s, at_s))
        if b <= a:
            continue
        take = min(b - a, left)
        spans.append((a, a + take) if direction > 0 else (b - take, b))
        left -= take
        if left <= 1e-9:
            break
    return spans


def _rate_wpm(spans: list[tuple[float, float]], nuclei_s: np.ndarray, syllables_per_word: float, n: Norms) -> float | None:
    """Words per minute estimated from the nuclei inside ``spans`` over their speaking time."""
    speech = sum(b - a for a, b in spans)
    if speech < n.nudge_follow_s * MIN_SPEECH_SHARE:
        return None
    count = sum(int(np.count_nonzero((nuclei_s >= a) & (nuclei_s < b))) for a, b in spans)
    return round(count / speech * 60.0 / syllables_per_word, 1)


def _next_pause_after(segments: list[Segment], at_s: float) -> float | None:
    """Seconds from ``at_s`` to the end of the stretch of speech it falls in (0 when it falls in a
    pause); None when that stretch runs to the end of the take (no pause came)."""
    for i, seg in enumerate(segments):
        if seg.start_s <= at_s < seg.end_s:
            return None if i == len(segments) - 1 else round(seg.end_s - at_s, 2)
        if seg.start_s > at_s:
            return 0.0
    return 0.0
