"""Markdown pacing report, for pasting into a coaching note (GitHub-flavoured tables)."""

from __future__ import annotations

from ..analysis import bands, fillers, noise, pacing, roles
from ..clock import mmss
from ..results import Analysis
from . import scenario_view as sv


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no raw HTML."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def num(value: float | None, fmt: str = "{:.0f}", unit: str = "") -> str:
    return "n/a" if value is None else fmt.format(value) + unit


def _headline(a: Analysis) -> list[str]:
    ag = a.agent
    lo, hi = bands.RATE_TARGET_WPM
    rate_unsure = "" if ag.rate_confidence == "high" else "; unsure: line noise, reads high"
    rows = [("Speaking rate", num(ag.rate_wpm, unit=" wpm"), f"target {lo:.0f}-{hi:.0f} ({bands.rate_band(ag.rate_wpm)}){rate_unsure}")]
    if ag.opening is not None:
        rest = "" if ag.opening.vs_rest_pct is None else f"; {ag.opening.vs_rest_pct:+.0f}% vs the rest"
        unsure = "" if ag.opening.confidence == "high" else "; low confidence, see the opening"
        rows.append(("Opening pace", num(ag.opening.rate_wpm, unit=" wpm"), f"aim under {bands.OPENING_MAX_WPM:.0f}{rest}{unsure}"))
    if a.latency is not None:
        clo, chi = bands.LATENCY_CALM_S
        rows.append(("Response latency (median)", num(a.latency.median_s, "{:.2f}", " s"), f"calm {clo}-{chi} s ({bands.latency_band(a.latency.median_s)})"))
        rows.append(("Jump-ins / stalls", f"{a.latency.jump_ins} / {a.latency.stalls}", "under 0.2 s / over 3 s"))
    rows.append(("First response", num(a.first_response_s, "{:.2f}", " s"), "after the caller's first words"))
    if ag.fillers is not None:
        at = ", ".join(mmss(f["start_s"]) for f in ag.fillers.items)
        least = "" if ag.fillers.confidence == "high" else "at least (line noise); "
        rows.append(("Fillers (um, uh)", f"{ag.fillers.count} ({num(ag.fillers.per_min, '{:.1f}')}/min)", least + (f"at {at}" if at else "none heard")))
    trend_unsure = " (unsure on a take this short)" if noise.trend_in_doubt(a) is not None else ""
    rows.append(("Level (median)", num(ag.level.median_dbfs, "{:.1f}", " dBFS"), f"trend {num(ag.level.trend_db_per_min, '{:+.1f}', ' dB/min')}{trend_unsure}"))
    rows.append(("Pitch (median)", num(ag.pitch.median_hz, unit=" Hz"), f"spread {num(ag.pitch.spread_semitones, '{:.1f}', ' st')}"))
    if a.talk_ratio is not None:
        rows.append(("Talk ratio", f"{a.talk_ratio * 100:.0f}% agent", f"overtalk {num(a.overtalk_s, '{:.1f}', ' s')}"))
    return ["| Measure | Value | Against |", "|---|---:|---|"] + [f"| {cell(n)} | {cell(v)} | {cell(b)} |" for n, v, b in rows]


def _debrief(a: Analysis) -> list[str]:
    if a.scenario is None:
        return []
    lines = ["## Debrief", ""]
    name = sv.title(a.scenario)
    if name:
        lines += [f"Scenario: **{cell(name)}**", ""]
    strengths, adjust = sv.debrief_lines(a.scenario)
    lines += [f"- Strength: {cell(s)}" for s in strengths]
    lines += [f"- Micro-adjustment: {cell(s)}" for s in adjust]
    commitment = sv.get(sv.get(a.scenario, "debrief"), "commitment")
    if commitment:
        lines.append(f"- Tiny commitment: {cell(commitment)}")
    heard = [e for e in sv.evidence(a.scenario) if sv.get(e, "quote")]
    if heard:
        lines += ["", "Quoted evidence:", ""]
        for e in heard:
            at = sv.get(e, "start_s")
            when = "" if at is None else f" ({mmss(float(at))})"
            label = "/".join(str(x) for x in (sv.get(e, "category"), sv.get(e, "label")) if x)
            lines.append(f"- {cell(label)}: \"{cell(sv.get(e, 'quote'))}\"{when}")
    return lines + [""]


def render(a: Analysis) -> str:
    """The Markdown report: headline table, opening, debrief, transcript with latencies, warnings."""
    lines = [f"# Pacing report: {cell(a.source)}", "", f"{mmss(a.duration_s)} {a.layout} clip, model {cell(a.model)}, {a.agent.words} agent words", ""]
    if a.agent_channel is not None:
        lines += [cell(roles.describe(a.agent_channel)), ""]
    lines += _debrief(a)
    lines += ["## Headline", ""] + _headline(a) + [""]
    op = a.agent.opening
    if op is not None:
        lines += ["## Opening sentence", "", f"> {cell(op.text or '(speech, but no words recognised)')}", "",
                  f"{mmss(op.start_s)}-{mmss(op.end_s)}, {op.words} words, {num(op.rate_wpm, unit=' wpm')}; {cell(pacing.opening_mark(op))}", ""]
        said = fillers.in_opening(a.agent)
        if said:
            lines += [f"A filler in the opening: {', '.join(cell(f['text']) + ' at ' + mmss(f['start_s']) for f in said)}", ""]
    if a.turns:
        lines += ["## Transcript", "", "| Time | Who | Latency | wpm | Text |", "|---|---|---:|---:|---|"]
        for t in a.turns:
            who = "agent (mm-hm)" if t.backchannel else t.speaker
            lat = "" if t.latency_s is None else f"{t.latency_s:+.2f} s"
            rate = "" if t.rate_wpm is None or t.speaker != "agent" else f"{t.rate_wpm:.0f}"
            note = f" *(~{t.words} words estimated from the signal)*" if t.words_source == "signal" else ""
            lines.append(f"| {mmss(t.start_s)} | {who} | {lat} | {rate} | {cell(t.text)}{note} |")
        lines.append("")
    if a.warnings:
        lines += ["## Warnings", ""] + [f"- {cell(w)}" for w in a.warnings] + [""]
    return "\n".join(lines).rstrip() + "\n"
