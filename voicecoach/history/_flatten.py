"""One flat ``{metric: value}`` dict of an analysis, over its JSON dict (``results.to_dict``).

A stand-in for ``voicecoach.metrics.flatten`` (the metric registry, being written alongside):
the lead swaps this module for it once it merges. Names are the registry's and ``analysis/judge.py``'s
(``judge.NOTICEABLE``), so the history's change and trend calls use the judge as they are.
"""

from __future__ import annotations

from typing import Any


def flatten(analysis: dict[str, Any]) -> dict[str, float | None]:
    """The clip's metrics by name; None where not measured (its warnings say why)."""
    ag = analysis.get("agent") or {}
    op = ag.get("opening") or {}
    lat = analysis.get("latency") or {}
    cust = analysis.get("customer") or {}
    fil = ag.get("fillers") or {}
    level, pitch, pauses = ag.get("level") or {}, ag.get("pitch") or {}, ag.get("pauses") or {}
    return {
        "rate_wpm": ag.get("rate_wpm"),
        "opening_rate_wpm": op.get("rate_wpm"),
        "opening_vs_rest_pct": op.get("vs_rest_pct"),
        "articulation_sps": ag.get("articulation_sps"),
        "words": ag.get("words"),
        "speaking_s": ag.get("speaking_s"),
        "fillers": fil.get("count"),
        "fillers_per_min": fil.get("per_min"),
        "pause_count": pauses.get("count"),
        "latency_median_s": lat.get("median_s"),
        "latency_p90_s": lat.get("p90_s"),
        # on agent-only clips without cues, first_response_s is time to first word, not a response
        "first_response_s": None if analysis.get("layout") == "mono" else analysis.get("first_response_s"),
        "jump_ins": lat.get("jump_ins"),
        "stalls": lat.get("stalls"),
        "level_median_dbfs": level.get("median_dbfs"),
        "level_trend_db_per_min": level.get("trend_db_per_min"),
        "pitch_median_hz": pitch.get("median_hz"),
        "pitch_spread_semitones": pitch.get("spread_semitones"),
        "talk_ratio": analysis.get("talk_ratio"),
        "overtalk_s": analysis.get("overtalk_s"),
        "customer_level_dbfs": (cust.get("level") or {}).get("median_dbfs"),
        "customer_pitch_hz": (cust.get("pitch") or {}).get("median_hz"),
    }
