"""Markdown pacing report, for pasting into a coaching note (GitHub-flavoured tables)."""

from __future__ import annotations

from .. import metrics
from ..analysis import fillers, pacing, roles
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
    """The registry's headline rows (metrics.headline_rows) as a table."""
    rows = metrics.headline_rows(a)
    return ["| Measure | Value | Against |", "|---|---:|---|"] + [f"| {cell(r.label)} | {cell(r.value_text)} | {cell(r.note)} |" for r in rows]


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
            lat = "" if t.latency_s is None else metrics.answer_latency(a, t.latency_s)
            rate = "" if t.rate_wpm is None or t.speaker != "agent" else f"{t.rate_wpm:.0f}"
            note = f" *(~{t.words} words estimated from the signal)*" if t.words_source == "signal" else ""
            lines.append(f"| {mmss(t.start_s)} | {who} | {lat} | {rate} | {cell(t.text)}{note} |")
        lines.append("")
    if a.warnings:
        lines += ["## Warnings", ""] + [f"- {cell(w)}" for w in a.warnings] + [""]
    return "\n".join(lines).rstrip() + "\n"
