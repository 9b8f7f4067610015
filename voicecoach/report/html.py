"""HTML pacing report: one self-contained file (no network assets) with plots and playable audio.

``render(analysis, media=...)`` is pure: the Analysis plus the ``media.Media`` the pipeline's
decoded audio and tracks make (``media.of``) in, a string out. Without media the page still shows
the headline, the timeline from the turns, pace and transcript, but no audio and no level/pitch plot.
The markup lives in ``templates/`` (Jinja2, every value autoescaped); this module builds the values.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from ..analysis import bands, fillers, noise, pacing, roles
from ..clock import mmss
from ..results import Analysis
from . import figures, templating
from .scenario_view import debrief_view, evidence_spans


@dataclass(frozen=True)
class Row:
    """One headline card: what is measured, its value as text, the target or band note, and its
    status ("ok", "warn", "bad", or "" when not judged)."""

    label: str
    value: str
    note: str
    status: str = ""


def num(value: float | None, fmt: str = "{:.0f}", unit: str = "") -> str:
    return "n/a" if value is None else fmt.format(value) + unit


def _rate_verdict(rate_wpm: float | None) -> str:
    band = bands.rate_band(rate_wpm)
    return {"target": "ok", "neutral": "warn", "n/a": ""}.get(band, "bad")


def latency_verdict(latency_s: float | None) -> str:
    band = bands.latency_band(latency_s)
    return {"calm": "ok", "quick": "warn", "long": "warn", "n/a": ""}.get(band, "bad")


def headline_rows(a: Analysis) -> list[Row]:
    """Headline numbers, each against its target band (status ok in band, warn near, bad off).

    The one place the HTML headline is decided: the template only loops over these rows."""
    ag = a.agent
    lo, hi = bands.RATE_TARGET_WPM
    sure = ag.rate_confidence == "high"
    rows = [Row("Speaking rate", num(ag.rate_wpm, unit=" wpm"),
                f"target {lo:.0f}-{hi:.0f} ({bands.rate_band(ag.rate_wpm)})" + ("" if sure else "; unsure: line noise, reads high"),
                _rate_verdict(ag.rate_wpm) if sure else "")]
    op = ag.opening
    if op is not None:
        ok = op.rate_wpm is not None and op.rate_wpm <= bands.OPENING_MAX_WPM
        rest = "" if op.vs_rest_pct is None else f", {op.vs_rest_pct:+.0f}% vs rest"
        verdict = "" if op.trusted_rate_wpm is None else "ok" if ok else "bad"
        rows.append(Row("Opening pace", num(op.rate_wpm, unit=" wpm"), f"aim under {bands.OPENING_MAX_WPM:.0f}{rest}; {pacing.opening_mark(op)}", verdict))
    if a.latency is not None:
        clo, chi = bands.LATENCY_CALM_S
        rows.append(Row("Response latency", num(a.latency.median_s, "{:.2f}", " s"), f"median; calm {clo}-{chi} s", latency_verdict(a.latency.median_s)))
        js = a.latency.jump_ins + a.latency.stalls
        rows.append(Row("Jump-ins / stalls", f"{a.latency.jump_ins} / {a.latency.stalls}", "under 0.2 s / over 3 s", "ok" if js == 0 else "bad"))
    rows.append(Row("First response", num(a.first_response_s, "{:.2f}", " s"), "after the caller's first words (or clip start)"))
    lv = ag.level
    rows.append(Row("Level", num(lv.median_dbfs, "{:.1f}", " dBFS"), f"p10 {num(lv.p10_dbfs, '{:.1f}')} / p90 {num(lv.p90_dbfs, '{:.1f}')}"))
    if lv.trend_db_per_min is not None:
        steady = abs(lv.trend_db_per_min) <= bands.LEVEL_TREND_MAX_DB_PER_MIN
        trend_noise = noise.trend_in_doubt(a)
        if trend_noise is not None:
            rows.append(Row("Level trend", num(lv.trend_db_per_min, "{:+.1f}", " dB/min"), f"unsure: +/-{trend_noise.value:.0f} dB/min on a take this short", ""))
        else:
            rows.append(Row("Level trend", num(lv.trend_db_per_min, "{:+.1f}", " dB/min"), f"keep within +/-{bands.LEVEL_TREND_MAX_DB_PER_MIN:.0f}", "ok" if steady else "bad"))
    rows.append(Row("Pitch", num(ag.pitch.median_hz, unit=" Hz"), f"spread {num(ag.pitch.spread_semitones, '{:.1f}', ' st')} (p10-p90)"))
    if ag.fillers is not None:
        said = fillers.in_opening(ag)
        note = ("um/uh per minute of speech; not in the rate" if ag.fillers.confidence == "high" else "at least: line noise hides some") + (
            f"; {len(said)} in the opening" if said else "")
        rows.append(Row("Fillers", f"{ag.fillers.count} ({num(ag.fillers.per_min, '{:.1f}')}/min)", note, "warn" if said else ""))
    if ag.articulation_sps is not None:
        rows.append(Row("Articulation", num(ag.articulation_sps, "{:.1f}", " syl/s"), "syllables per second of speech"))
    if a.talk_ratio is not None:
        rows.append(Row("Talk ratio", f"{a.talk_ratio * 100:.0f}% agent", f"overtalk {num(a.overtalk_s, '{:.1f}', ' s')}"))
    return rows


def _marked(text: str, spans: list[tuple[int, int, str, str]]) -> list[dict[str, str]]:
    """``text`` as pieces, the non-overlapping (start, end, class, title) spans as marked pieces."""
    out, pos = [], 0
    for start, end, cls, title in sorted(spans):
        if start < pos:
            continue
        out.append({"text": text[pos:start], "cls": "", "title": ""})
        out.append({"text": text[start:end], "cls": cls, "title": title})
        pos = end
    out.append({"text": text[pos:], "cls": "", "title": ""})
    return [p for p in out if p["text"] or p["cls"]]


def latency_cell(latency_s: float, *, band: bool = True) -> dict[str, str]:
    return {"status": latency_verdict(latency_s), "band": bands.latency_band(latency_s) if band else "", "text": f"{latency_s:+.2f} s"}


def transcript_rows(a: Analysis) -> list[dict[str, Any]]:
    """Turns with times and latencies; a click plays from the turn. The opening sentence and the
    scenario's quoted evidence are highlighted; the agent's filled pauses follow their turn's text."""
    spans = evidence_spans(a)
    op = a.agent.opening
    said = a.agent.fillers.items if a.agent.fillers is not None else []
    rows = []
    for i, t in enumerate(a.turns):
        marks = list(spans.get(i, []))
        if op is not None and t.speaker == "agent" and t.start_s <= op.start_s < t.end_s and op.text:
            at = t.text.find(op.text.split()[0]) if op.text.split() else -1
            end = at + len(op.text) if at >= 0 and t.text[at:].startswith(op.text) else -1
            if end > at >= 0:
                marks.append((at, end, "opening", "opening sentence"))
        heard = [f for f in said if t.speaker == "agent" and t.start_s <= (f["start_s"] + f["end_s"]) / 2 <= t.end_s]
        rows.append({
            "cls": f"turn {t.speaker}" + (" bc" if t.backchannel else ""),
            "start": f"{t.start_s:.3f}", "end": f"{t.end_s:.3f}", "time": mmss(t.start_s),
            "who": "agent (mm-hm)" if t.backchannel else t.speaker,
            "lat": None if t.latency_s is None else latency_cell(t.latency_s),
            "pieces": _marked(t.text, marks),
            "estimated": t.words if t.words_source == "signal" else None,  # Whisper heard no words: syllable nuclei
            "rate": "" if t.rate_wpm is None or t.speaker != "agent" else f"{t.rate_wpm:.0f} wpm",
            "fillers": [{"text": f["text"], "time": mmss(f["start_s"])} for f in heard],
        })  # fmt: skip
    return rows


def figure(fig: figures.Figure, *, seek: bool = True) -> dict[str, Any]:
    """An inline SVG for the page, with what maps a click to a clip time. Element ids get a prefix
    from the SVG's own content, so several matplotlib SVGs share one page and the same figure
    always gets the same ids (same input, same bytes)."""
    p = "f" + hashlib.sha1(fig.svg.encode("utf-8")).hexdigest()[:10] + "-"
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{p}\1"', fig.svg)
    svg = re.sub(r'(href=")#', rf"\1#{p}", svg)
    svg = svg.replace("url(#", f"url(#{p}")
    axes = json.dumps([{"take": a.take, "bottom": round(a.bottom, 4), "top": round(a.top, 4)} for a in fig.axes])
    return {"svg": templating.trusted(svg), "seek": seek, "left": fig.left, "right": fig.right,
            "t0": fig.t0_s, "t1": f"{fig.t1_s:.3f}", "axes": axes}  # fmt: skip


def segments_of(a: Analysis) -> dict[str, list] | None:
    """The speech activity the numbers were measured from (None on results without it)."""
    return a.segments or None


def render(a: Analysis, *, media=None) -> str:
    """The HTML report of one take; ``media`` (report.media.of) adds the audio and level/pitch."""
    return templating.render(
        "report.html.j2",
        title=f"voicecoach: {a.source}",
        a=a,
        clip_line=f"{mmss(a.duration_s)} {a.layout} clip, model {a.model}, {a.agent.words} agent words",
        channel_note=roles.describe(a.agent_channel) if a.agent_channel is not None else None,
        debrief=debrief_view(a.scenario),
        headline=headline_rows(a),
        media=media,
        timeline=figure(figures.timeline([(a.source, a, segments_of(a))])),
        level_pitch=None if media is None else figure(figures.level_pitch(media.series, a.duration_s)),
        pace=figure(figures.pace(a)),
        transcript=transcript_rows(a),
    )
