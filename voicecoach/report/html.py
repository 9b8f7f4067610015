"""HTML pacing report: one self-contained file (no network assets) with plots and playable audio.

``render(analysis, media=...)`` is pure: the Analysis plus the ``media.Media`` the pipeline's
decoded audio and tracks make (``media.of``) in, a string out. Without media the page still shows
the headline, the timeline from the turns, pace and transcript, but no audio and no level/pitch plot.
The headline is the registry's (metrics.headline_rows, as in the text report) and every band, on
the cards, the charts and the transcript, is the clip's norms (norms.for_analysis: its scenario
card's when it was coached, else the defaults). The markup lives in ``templates/`` (Jinja2, every
value autoescaped); this module builds the values.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .. import metrics
from ..analysis import fillers, judge, pacing, roles
from ..clock import mmss
from ..norms import Norms, for_analysis
from ..results import Analysis
from . import figures, templating
from .scenario_view import debrief_view, evidence_spans

CARD_STATUS = {"met": "ok", "close": "warn", "missed": "bad"}  # the judge's status as the card's colour


def headline_cards(a: Analysis, n: Norms) -> list[dict[str, str]]:
    """The headline as cards: the registry's rows (metrics.headline_rows, the text report's
    headline), judged against ``n``; a number in doubt is greyed."""
    return [{"label": r.label, "value": r.value_text, "note": r.note,
             "status": " ".join(c for c in (CARD_STATUS.get(r.status, ""), "unsure" if r.unsure else "") if c)}
            for r in metrics.headline_rows(a, n)]  # fmt: skip


def opening_view(a: Analysis, n: Norms) -> dict[str, str] | None:
    """The opening sentence: where, its pace against the rest, how sure, and any filler in it."""
    op = a.agent.opening
    if op is None:
        return None
    said = fillers.in_opening(a.agent)
    return {"text": op.text, "start": f"{op.start_s:.3f}", "when": f"{mmss(op.start_s)}-{mmss(op.end_s)}",
            "line": f"{op.words} words, {metrics.OPENING.text(op.rate_wpm)}, {judge.vs_rest_words(op.vs_rest_pct, n)}",
            "mark": pacing.opening_mark(op), "fillers": ", ".join(f"{f['text']} at {mmss(f['start_s'])}" for f in said)}  # fmt: skip


def fillers_line(a: Analysis) -> str | None:
    """The agent's filled pauses in a sentence (None where the detector did not run)."""
    f = a.agent.fillers
    if f is None:
        return None
    if f.count == 0:
        return "No filled pauses (um, uh) heard."
    said = fillers.in_opening(a.agent)
    noun = "filled pause" if f.count == 1 else "filled pauses"
    at = ", ".join(mmss(item["start_s"]) for item in f.items)
    least = "" if f.confidence == "high" else "At least "
    rate = "" if f.per_min is None else f" ({f.per_min:.1f} per minute of speech)"
    return f"{least}{f.count} {noun}{rate} at {at}" + (f"; {len(said)} in the opening" if said else "") + "."


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


def latency_cell(latency_s: float, n: Norms, *, band: bool = True) -> dict[str, str]:
    """One answer's latency, coloured and named by its band under ``n`` (judge.latency_word)."""
    word = judge.latency_word(latency_s, n) if band else ""
    return {"status": figures.latency_status(latency_s, n), "band": word, "text": f"{latency_s:+.2f} s"}


def transcript_rows(a: Analysis) -> list[dict[str, Any]]:
    """Turns with times and latencies (coloured by the clip's norms); a click plays from the turn.
    The opening sentence and the scenario's quoted evidence are highlighted; the agent's filled
    pauses follow their turn's text."""
    n = for_analysis(a)
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
            "lat": None if t.latency_s is None else {**latency_cell(t.latency_s, n), "text": metrics.answer_latency(a, t.latency_s)},
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
    """The HTML report of one take; ``media`` (report.media.of) adds the audio and level/pitch.
    Judged, like the text report, against the clip's norms (its scenario card's when coached)."""
    n = for_analysis(a)
    return templating.render(
        "report.html.j2",
        title=f"voicecoach: {a.source}",
        a=a,
        clip_line=f"{mmss(a.duration_s)} {a.layout} clip, model {a.model}, {a.agent.words} agent words",
        channel_note=roles.describe(a.agent_channel) if a.agent_channel is not None else None,
        debrief=debrief_view(a.scenario),
        headline=headline_cards(a, n),
        opening=opening_view(a, n),
        fillers=fillers_line(a),
        media=media,
        timeline=figure(figures.timeline([(a.source, a, segments_of(a))])),
        level_pitch=None if media is None else figure(figures.level_pitch(media.series, a.duration_s)),
        pace=figure(figures.pace(a, n)),
        transcript=transcript_rows(a),
    )
