"""HTML pacing report: one self-contained file (no network assets) with plots and playable audio.

``render(analysis, media=...)`` is pure: the Analysis plus an already loaded ``media.Media`` (the
clip's audio and frame series) in, a string out. Without media the page still shows the headline,
the timeline from the turns, pace and transcript, but no audio and no level/pitch plot.
Every string that came from speech, a file name or a scenario card goes through ``html.escape``.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ..analysis import bands, fillers, noise, pacing, roles
from ..clock import mmss
from ..results import Analysis
from . import figures
from .scenario_view import debrief_html, evidence_spans

CSS = """
:root{--agent:#1f6fb2;--customer:#8e5bb5;--opening:#f08c00;--ok:#2b8a3e;--warn:#e8590c;--bad:#c92a2a}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#212529;background:#f8f9fa}
main{max-width:1100px;margin:0 auto;padding:1rem 1.25rem 3rem}h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.sub{color:#666}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:.6rem}
.card{background:#fff;border:1px solid #dee2e6;border-left:5px solid #adb5bd;border-radius:6px;padding:.5rem .7rem}
.card.ok{border-left-color:var(--ok)}.card.warn{border-left-color:var(--warn)}.card.bad{border-left-color:var(--bad)}
.card .v{font-size:1.35rem;font-weight:600}.card .n{font-size:.8rem;color:#555}.card .k{font-size:.85rem;color:#333}
.fig{background:#fff;border:1px solid #dee2e6;border-radius:6px;position:relative;margin:.4rem 0}.fig svg{width:100%;height:auto;display:block}
.seek{cursor:pointer}.playhead{position:absolute;top:0;bottom:0;width:2px;background:#e03131;pointer-events:none;display:none}
audio{width:100%;margin:.3rem 0}.warnings{background:#fff4e6;border:1px solid #ffd8a8;border-radius:6px;padding:.4rem 1rem}
ol.transcript{list-style:none;padding:0;margin:0}.turn{display:grid;grid-template-columns:4.2rem 6rem 5.5rem 1fr;gap:.5rem;padding:.35rem .5rem;
border-bottom:1px solid #e9ecef;cursor:pointer;background:#fff}.turn:hover,.turn:focus{background:#e7f5ff;outline:none}.turn.playing{background:#d0ebff}
.turn .who{font-weight:600}.turn.agent .who{color:var(--agent)}.turn.customer .who{color:var(--customer)}.turn.bc{opacity:.65}
.lat{font-variant-numeric:tabular-nums}.lat.ok{color:var(--ok)}.lat.warn{color:var(--warn)}.lat.bad{color:var(--bad)}
mark{background:#fff3bf;padding:0 .1em}mark.opening{background:#ffe8cc;border-bottom:2px solid var(--opening)}mark.risk{background:#ffe3e3;border-bottom:2px solid var(--bad)}
table{border-collapse:collapse;background:#fff;width:100%}td,th{border:1px solid #dee2e6;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f5}.num{text-align:right;font-variant-numeric:tabular-nums}.better{color:var(--ok);font-weight:600}.worse{color:var(--bad);font-weight:600}
.filler{color:var(--warn);font-size:.85em;white-space:nowrap}.debrief{background:#fff;border:1px solid #dee2e6;border-radius:6px;padding:.5rem 1rem}footer{color:#888;font-size:.8rem;margin-top:2rem}
"""

JS = """
(function(){
function audio(take){return document.getElementById('audio-'+(take||0));}
function seek(take,t){var a=audio(take);if(!a||!isFinite(t))return;a.currentTime=Math.max(0,t);var p=a.play();if(p&&p.catch)p.catch(function(){});}
document.querySelectorAll('[data-start]').forEach(function(el){
  el.addEventListener('click',function(){seek(el.dataset.take,parseFloat(el.dataset.start));});
  el.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();el.click();}});});
document.querySelectorAll('.seek').forEach(function(fig){
  fig.addEventListener('click',function(ev){
    var r=fig.getBoundingClientRect(),fx=(ev.clientX-r.left)/r.width,fy=1-(ev.clientY-r.top)/r.height;
    var L=+fig.dataset.left,R=+fig.dataset.right,t0=+fig.dataset.t0,t1=+fig.dataset.t1;
    if(fx<L||fx>R)return;var take=0;JSON.parse(fig.dataset.axes||'[]').forEach(function(a){if(fy>=a.bottom-0.04&&fy<=a.top+0.04)take=a.take;});
    seek(take,t0+(fx-L)/(R-L)*(t1-t0));});});
document.querySelectorAll('audio').forEach(function(a){
  var take=a.dataset.take;
  a.addEventListener('timeupdate',function(){
    var t=a.currentTime;
    document.querySelectorAll('.turn[data-take="'+take+'"]').forEach(function(el){
      el.classList.toggle('playing',t>=+el.dataset.start&&t<+el.dataset.end);});
    document.querySelectorAll('.seek').forEach(function(fig){
      var h=fig.querySelector('.playhead');if(!h)return;var L=+fig.dataset.left,R=+fig.dataset.right,t1=+fig.dataset.t1;
      h.style.display='block';h.style.left=(100*(L+(R-L)*Math.min(t,t1)/t1))+'%';});});});
})();
"""

_svg_count = 0


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def num(value: float | None, fmt: str = "{:.0f}", unit: str = "") -> str:
    return "n/a" if value is None else fmt.format(value) + unit


def figure(fig: figures.Figure, *, seek: bool = True) -> str:
    """Inline SVG in a wrapper that maps a click to a clip time; element ids get a unique prefix so
    several matplotlib SVGs can share one page."""
    global _svg_count
    _svg_count += 1
    p = f"f{_svg_count}-"
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{p}\1"', fig.svg)
    svg = re.sub(r'(href=")#', rf"\1#{p}", svg)
    svg = svg.replace("url(#", f"url(#{p}")
    if not seek:
        return f'<div class="fig">{svg}</div>'
    axes = json.dumps([{"take": a.take, "bottom": round(a.bottom, 4), "top": round(a.top, 4)} for a in fig.axes])
    return (
        f'<div class="fig seek" title="click to play from here" data-left="{fig.left}" data-right="{fig.right}" '
        f'data-t0="{fig.t0_s}" data-t1="{fig.t1_s:.3f}" data-axes="{esc(axes)}">{svg}<div class="playhead"></div></div>'
    )


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; media-src data:; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>\n{body}\n"
        f"<footer>voicecoach: measured locally; every number comes from this clip.</footer></main>"
        f"<script>{JS}</script></body></html>\n"
    )


def _card(name: str, value: str, note: str, verdict: str = "") -> str:
    return f'<div class="card {verdict}"><div class="k">{esc(name)}</div><div class="v">{esc(value)}</div><div class="n">{esc(note)}</div></div>'


def _rate_verdict(rate_wpm: float | None) -> str:
    band = bands.rate_band(rate_wpm)
    return {"target": "ok", "neutral": "warn", "n/a": ""}.get(band, "bad")


def latency_verdict(latency_s: float | None) -> str:
    band = bands.latency_band(latency_s)
    return {"calm": "ok", "quick": "warn", "long": "warn", "n/a": ""}.get(band, "bad")


def headline(a: Analysis) -> str:
    """Headline numbers as cards, each against its target band (green in band, amber near, red off)."""
    ag = a.agent
    lo, hi = bands.RATE_TARGET_WPM
    sure = ag.rate_confidence == "high"
    cards = [_card("Speaking rate", num(ag.rate_wpm, unit=" wpm"),
                   f"target {lo:.0f}-{hi:.0f} ({bands.rate_band(ag.rate_wpm)})" + ("" if sure else "; unsure: line noise, reads high"),
                   _rate_verdict(ag.rate_wpm) if sure else "")]
    op = ag.opening
    if op is not None:
        ok = op.rate_wpm is not None and op.rate_wpm <= bands.OPENING_MAX_WPM
        rest = "" if op.vs_rest_pct is None else f", {op.vs_rest_pct:+.0f}% vs rest"
        verdict = "" if op.trusted_rate_wpm is None else "ok" if ok else "bad"
        cards.append(_card("Opening pace", num(op.rate_wpm, unit=" wpm"), f"aim under {bands.OPENING_MAX_WPM:.0f}{rest}; {pacing.opening_mark(op)}", verdict))
    if a.latency is not None:
        clo, chi = bands.LATENCY_CALM_S
        cards.append(_card("Response latency", num(a.latency.median_s, "{:.2f}", " s"), f"median; calm {clo}-{chi} s", latency_verdict(a.latency.median_s)))
        js = a.latency.jump_ins + a.latency.stalls
        cards.append(_card("Jump-ins / stalls", f"{a.latency.jump_ins} / {a.latency.stalls}", "under 0.2 s / over 3 s", "ok" if js == 0 else "bad"))
    cards.append(_card("First response", num(a.first_response_s, "{:.2f}", " s"), "after the caller's first words (or clip start)"))
    lv = ag.level
    cards.append(_card("Level", num(lv.median_dbfs, "{:.1f}", " dBFS"), f"p10 {num(lv.p10_dbfs, '{:.1f}')} / p90 {num(lv.p90_dbfs, '{:.1f}')}"))
    if lv.trend_db_per_min is not None:
        steady = abs(lv.trend_db_per_min) <= bands.LEVEL_TREND_MAX_DB_PER_MIN
        trend_noise = noise.trend_in_doubt(a)
        if trend_noise is not None:
            cards.append(_card("Level trend", num(lv.trend_db_per_min, "{:+.1f}", " dB/min"), f"unsure: +/-{trend_noise.value:.0f} dB/min on a take this short", ""))
        else:
            cards.append(_card("Level trend", num(lv.trend_db_per_min, "{:+.1f}", " dB/min"), f"keep within +/-{bands.LEVEL_TREND_MAX_DB_PER_MIN:.0f}", "ok" if steady else "bad"))
    cards.append(_card("Pitch", num(ag.pitch.median_hz, unit=" Hz"), f"spread {num(ag.pitch.spread_semitones, '{:.1f}', ' st')} (p10-p90)"))
    if ag.fillers is not None:
        said = fillers.in_opening(ag)
        note = ("um/uh per minute of speech; not in the rate" if ag.fillers.confidence == "high" else "at least: line noise hides some") + (
            f"; {len(said)} in the opening" if said else "")
        cards.append(_card("Fillers", f"{ag.fillers.count} ({num(ag.fillers.per_min, '{:.1f}')}/min)", note, "warn" if said else ""))
    if ag.articulation_sps is not None:
        cards.append(_card("Articulation", num(ag.articulation_sps, "{:.1f}", " syl/s"), "syllables per second of speech"))
    if a.talk_ratio is not None:
        cards.append(_card("Talk ratio", f"{a.talk_ratio * 100:.0f}% agent", f"overtalk {num(a.overtalk_s, '{:.1f}', ' s')}"))
    return '<div class="cards">' + "".join(cards) + "</div>"


def _marked(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """``text`` escaped, with the non-overlapping (start, end, class, title) spans wrapped in <mark>."""
    out, pos = [], 0
    for start, end, cls, title in sorted(spans):
        if start < pos:
            continue
        out.append(esc(text[pos:start]))
        out.append(f'<mark class="{esc(cls)}" title="{esc(title)}">{esc(text[start:end])}</mark>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def transcript(a: Analysis, *, take: int = 0) -> str:
    """Turns with times and latencies; a click plays from the turn. The opening sentence and the
    scenario's quoted evidence are highlighted; the agent's filled pauses follow their turn's text."""
    if not a.turns:
        return "<p>No speech found: nothing to transcribe.</p>"
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
        lat = ""
        if t.latency_s is not None:
            lat = f'<span class="lat {latency_verdict(t.latency_s)}" title="{esc(bands.latency_band(t.latency_s))}">{t.latency_s:+.2f} s</span>'
        who = "agent (mm-hm)" if t.backchannel else t.speaker
        rate = "" if t.rate_wpm is None or t.speaker != "agent" else f" <small>{t.rate_wpm:.0f} wpm</small>"
        if t.words_source == "signal":  # Whisper heard no words: counted from syllable nuclei
            rate = f" <small>(~{t.words} words estimated from the signal)</small>" + rate
        cls = f"turn {esc(t.speaker)}" + (" bc" if t.backchannel else "")
        heard = [f for f in said if t.speaker == "agent" and t.start_s <= (f["start_s"] + f["end_s"]) / 2 <= t.end_s]
        rate += "".join(f' <span class="filler" title="filled pause, not counted as a word">[{esc(f["text"])} {mmss(f["start_s"])}]</span>' for f in heard)
        rows.append(
            f'<li class="{cls}" tabindex="0" data-take="{take}" data-start="{t.start_s:.3f}" data-end="{t.end_s:.3f}">'
            f'<span class="time">{mmss(t.start_s)}</span><span class="who">{esc(who)}</span>{lat or "<span></span>"}'
            f"<span>{_marked(t.text, marks)}{rate}</span></li>"
        )
    return '<ol class="transcript">' + "".join(rows) + "</ol>"


def audio_tag(media, take: int = 0) -> str:
    if media is None:
        return "<p class=\"sub\">Audio not embedded (render with the clip to play it here).</p>"
    return f'<audio id="audio-{take}" data-take="{take}" controls preload="auto" src="{media.data_uri}"></audio>'


def segments_of(a: Analysis) -> dict[str, list] | None:
    """The speech activity the numbers were measured from (None on results without it)."""
    return a.segments or None


def render(a: Analysis, *, media=None) -> str:
    """The HTML report of one take; ``media`` (report.media.load) adds the audio and level/pitch."""
    parts = [
        f"<h1>Pacing report: {esc(a.source)}</h1>",
        f'<p class="sub">{mmss(a.duration_s)} {esc(a.layout)} clip, model {esc(a.model)}, {a.agent.words} agent words</p>',
    ]
    if a.agent_channel is not None:
        parts.append(f'<p class="sub">{esc(roles.describe(a.agent_channel))}</p>')
    if a.warnings:
        parts.append('<div class="warnings"><ul>' + "".join(f"<li>{esc(w)}</li>" for w in a.warnings) + "</ul></div>")
    debrief = debrief_html(a.scenario)
    if debrief:
        parts += ["<h2>Debrief</h2>", debrief]
    parts += ["<h2>Headline</h2>", headline(a), "<h2>Listen</h2>", audio_tag(media)]
    parts += ["<h2>Timeline</h2>", '<p class="sub">Customer above, agent below; light bars are turns, solid bars speech, '
              "gaps inside a turn are pauses; each response latency is labelled; the opening sentence is boxed. Click to play.</p>"]
    parts.append(figure(figures.timeline([(a.source, a, segments_of(a))])))
    if media is not None:
        parts += ["<h2>Level and pitch</h2>", figure(figures.level_pitch(media.series, a.duration_s))]
    parts += ["<h2>Pace per turn</h2>", figure(figures.pace(a))]
    parts += ["<h2>Transcript</h2>", '<p class="sub">Click a line to play it. Latency: agent onset minus the end of the caller\'s speech.</p>', transcript(a)]
    return page(f"voicecoach: {a.source}", "\n".join(parts))
