"""HTML for a Comparison: the takes' timelines stacked on one time axis, every take playable,
metrics with change and verdict, openings side by side, latencies turn by turn, progression."""

from __future__ import annotations

from ..results import Analysis, Comparison
from . import figures
from .compare_report import change, label, noise_lines, noise_text, value, verdict
from .html import audio_tag, esc, figure, latency_verdict, page, segments_of, transcript

PROGRESSION_METRICS = ("rate_wpm", "opening_rate_wpm", "latency_median_s", "level_median_dbfs")


def _verdict_cell(item) -> str:
    text = verdict(item)
    cls = item.direction if item.noticeable and item.direction in ("better", "worse") else ""
    return f'<td class="{cls}">{esc(text)}</td>'


def _noise_cell(item) -> str:
    """The noise of the change, its basis per take on hover (noise.py says what limits each metric)."""
    basis = " | ".join(f"take {i}: {b}" for i, b in enumerate(getattr(item, "noise_basis", []), 1) if b)
    title = f' title="{esc(basis)}"' if basis else ""
    return f'<td class="num"{title}>{esc(noise_text(item))}</td>'


def _metrics_table(c: Comparison) -> str:
    heads = "".join(f"<th>take {i}</th>" for i in range(1, len(c.takes) + 1))
    rows = []
    for m in c.metrics:
        vals = "".join(f'<td class="num">{esc(value(v, m.unit))}</td>' for v in m.values)
        target = f'<br><small>target {esc(m.target)}</small>' if m.target else ""
        prog = f"<td>{esc(m.progression or '')}</td>" if len(c.takes) >= 3 else ""
        rows.append(f"<tr><td>{esc(label(m))} ({esc(m.unit)}){target}</td>{vals}<td class=\"num\">{esc(change(m))}</td>{_noise_cell(m)}"
                    f"{_verdict_cell(m)}{prog}</tr>")
    prog_head = "<th>progression</th>" if len(c.takes) >= 3 else ""
    return f"<table><tr><th>metric</th>{heads}<th>change</th><th>noise</th><th>verdict</th>{prog_head}</tr>" + "".join(rows) + "</table>"


def _openings(c: Comparison) -> str:
    cells = []
    for i, t in enumerate(c.takes):
        pace = "n/a" if t.opening_rate_wpm is None else f"{t.opening_rate_wpm:.0f} wpm"
        start = "" if t.opening_start_s is None else f' data-take="{i}" data-start="{t.opening_start_s:.3f}" tabindex="0" style="cursor:pointer"'
        quote = "(no opening found)" if t.opening_text is None else f"&ldquo;{esc(t.opening_text)}&rdquo;"
        cells.append(f"<td{start}><b>{esc(pace)}</b><br>{quote}</td>")
    heads = "".join(f"<th>take {i}: {esc(t.label)}</th>" for i, t in enumerate(c.takes, 1))
    return f"<table><tr>{heads}</tr><tr>{''.join(cells)}</tr></table>"


def _turns(c: Comparison) -> str:
    if not c.turns:
        return "<p>No customer-to-agent turn changes to align (agent-only clips without cues).</p>"
    heads = "".join(f"<th>take {i}</th>" for i in range(1, len(c.takes) + 1))
    rows = []
    for t in c.turns:
        cells = []
        for take, (lat, start, text) in enumerate(zip(t.latency_s, t.start_s, t.agent_text)):
            if lat is None:
                cells.append("<td>n/a</td>")
                continue
            cells.append(
                f'<td data-take="{take}" data-start="{start:.3f}" tabindex="0" style="cursor:pointer">'
                f'<span class="lat {latency_verdict(lat)}">{lat:+.2f} s</span><br><small>{esc(text or "")}</small></td>'
            )
        prompt = next((x for x in t.customer_text if x), "")
        delta = "n/a" if t.change_s is None else f"{t.change_s:+.2f} s"
        rows.append(f"<tr><td>{t.index}<br><small>after &ldquo;{esc(prompt)}&rdquo;</small></td>{''.join(cells)}"
                    f'<td class="num">{esc(delta)}</td>{_noise_cell(t)}{_verdict_cell(t)}</tr>')
    return f"<table><tr><th>answer</th>{heads}<th>change</th><th>noise</th><th>verdict</th></tr>" + "".join(rows) + "</table>"


def render(c: Comparison, *, analyses: list[Analysis] | None = None, media: list | None = None) -> str:
    """The comparison page; ``analyses`` (same order as the takes) add the stacked timelines and
    transcripts, ``media`` (report.media.load per take, or None) the audio players."""
    media = media or [None] * len(c.takes)
    parts = [f"<h1>Comparison of {len(c.takes)} takes</h1>"]
    if c.scenario:
        parts.append(f'<p class="sub">Scenario: {esc(c.scenario)}</p>')
    parts.append("<ol>" + "".join(f"<li>{esc(t.label)} ({t.duration_s:.1f} s, {esc(t.layout)})</li>" for t in c.takes) + "</ol>")
    if c.warnings:
        parts.append('<div class="warnings"><ul>' + "".join(f"<li>{esc(w)}</li>" for w in c.warnings) + "</ul></div>")
    parts += ["<h2>Opening sentences</h2>", _openings(c)]
    parts += ["<h2>What changed</h2>", '<p class="sub">Change is the last take minus the first. Noticeable: rates 5% or more, '
              "latency over 0.1 s, level 1 dB or more, and more than the two takes' measurement noise (the noise column: "
              "hover it for what limits each take's number); better or worse against the targets.</p>", _metrics_table(c)]
    if why := noise_lines(c):
        parts.append("<h3>Within noise</h3><ul>" + "".join(f"<li>{esc(w)}</li>" for w in why) + "</ul>")
    if analyses:
        parts += ["<h2>Timelines</h2>", '<p class="sub">All takes on one time axis. Click a lane to play that take from there.</p>']
        parts.append(figure(figures.timeline([(f"take {i}: {t.label}", a, segments_of(a))
                                              for i, (t, a) in enumerate(zip(c.takes, analyses), 1)])))
    parts += ["<h2>Listen</h2>"] + [f"<p>take {i}: {esc(t.label)}</p>{audio_tag(m, i - 1)}" for i, (t, m) in enumerate(zip(c.takes, media), 1)]
    parts += ["<h2>Response latency, turn by turn</h2>", _turns(c)]
    if len(c.takes) >= 3:
        chosen = [m for m in c.metrics if m.name in PROGRESSION_METRICS]
        if chosen:
            parts.append("<h2>Progression</h2>")
            for m in chosen:
                svg = figures.bars([f"take {i}" for i in range(1, len(c.takes) + 1)], [[v] for v in m.values], [label(m)], m.unit)
                parts.append(f'<div style="display:inline-block;width:49%">{figure(svg, seek=False)}</div>')
    if analyses:
        parts.append("<h2>Transcripts</h2>")
        for i, (t, a) in enumerate(zip(c.takes, analyses)):
            parts.append(f"<details{' open' if i == 0 else ''}><summary>take {i + 1}: {esc(t.label)}</summary>{transcript(a, take=i)}</details>")
    return page(f"voicecoach compare: {', '.join(t.label for t in c.takes)}", "\n".join(parts))
