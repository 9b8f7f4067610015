"""HTML for a Comparison: the takes' timelines stacked on one time axis, every take playable,
metrics (the registry's, as compare measured them) with change and verdict, openings side by side, latencies turn by turn, progression.

The markup is ``templates/compare.html.j2``; this module builds the values it lays out.
"""

from __future__ import annotations

from typing import Any

from .. import metrics
from ..norms import DEFAULT, Norms, for_analysis
from ..results import Analysis, Comparison
from . import figures, templating
from .compare_report import change, label, noise_lines, noise_text, value, verdict
from .html import figure, latency_cell, segments_of, transcript_rows


def noticeable_text(n: Norms = DEFAULT) -> str:
    """What a listener notices (the registry's rules on the norms' thresholds), in words."""
    return (f"rates {n.tempo_noticeable_pct:g}% or more, latency over {n.latency_noticeable_s:g} s, "
            f"level {n.level_noticeable_db:g} dB or more")  # fmt: skip


def _verdict(item) -> dict[str, str]:
    return {"text": verdict(item), "cls": item.direction if item.noticeable and item.direction in ("better", "worse") else ""}


def _noise(item) -> dict[str, str]:
    """The noise of the change, its basis per take on hover (noise.py says what limits each metric)."""
    basis = " | ".join(f"take {i}: {b}" for i, b in enumerate(getattr(item, "noise_basis", []), 1) if b)
    return {"text": noise_text(item), "basis": basis}


def _metric_rows(c: Comparison) -> list[dict[str, Any]]:
    return [{"label": f"{label(m)} ({m.unit})", "target": m.target or "", "cells": [value(v, m.name) for v in m.values],
             "change": change(m), "noise": _noise(m), "verdict": _verdict(m), "progression": m.progression or ""}
            for m in c.metrics]  # fmt: skip


def _openings(c: Comparison) -> list[dict[str, Any]]:
    return [{"pace": "n/a" if t.opening_rate_wpm is None else f"{t.opening_rate_wpm:.0f} wpm", "text": t.opening_text,
             "start": None if t.opening_start_s is None else f"{t.opening_start_s:.3f}"} for t in c.takes]  # fmt: skip


def _turn_rows(c: Comparison, n: Norms) -> list[dict[str, Any]]:
    rows = []
    for t in c.turns:
        cells = [None if lat is None else {"lat": latency_cell(lat, n, band=False), "start": f"{start:.3f}", "text": text or ""}
                 for lat, start, text in zip(t.latency_s, t.start_s, t.agent_text)]  # fmt: skip
        rows.append({"index": t.index, "prompt": next((x for x in t.customer_text if x), ""), "cells": cells,
                     "change": "n/a" if t.change_s is None else f"{t.change_s:+.2f} s", "noise": _noise(t), "verdict": _verdict(t)})  # fmt: skip
    return rows


def _progression(c: Comparison) -> list[dict[str, Any]]:
    if len(c.takes) < 3:
        return []
    names = [f"take {i}" for i in range(1, len(c.takes) + 1)]
    charted = {m.name for m in metrics.where(metrics.CHART)}
    return [figure(figures.bars(names, [[v] for v in m.values], [label(m)], m.unit), seek=False)
            for m in c.metrics if m.name in charted]  # fmt: skip


def render(c: Comparison, *, analyses: list[Analysis] | None = None, media: list | None = None) -> str:
    """The comparison page; ``analyses`` (same order as the takes) add the stacked timelines and
    transcripts, ``media`` (report.media.of per take, or None) the audio players. Latencies are
    coloured by the takes' norms (the scenario card's when they were coached), else the defaults."""
    n = for_analysis(analyses[0]) if analyses else DEFAULT
    timeline = None
    if analyses:
        timeline = figure(figures.timeline([(f"take {i}: {t.label}", a, segments_of(a)) for i, (t, a) in enumerate(zip(c.takes, analyses), 1)]))
    return templating.render(
        "compare.html.j2",
        title=f"voicecoach compare: {', '.join(t.label for t in c.takes)}",
        c=c,
        openings=_openings(c),
        metrics=_metric_rows(c),
        progression=len(c.takes) >= 3,
        within_noise=noise_lines(c),
        timeline=timeline,
        media=media or [None] * len(c.takes),
        turns=_turn_rows(c, n),
        noticeable=noticeable_text(),
        progression_figures=_progression(c),
        transcripts=[{"label": t.label, "rows": transcript_rows(a)} for t, a in zip(c.takes, analyses or [])],
    )
