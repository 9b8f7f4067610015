"""The pacing report as a coach's sheet, 80 columns wide."""

from __future__ import annotations

import textwrap

from .. import metrics
from ..analysis import fillers, judge, pacing, roles
from ..clock import mmss as _mmss
from ..norms import DEFAULT
from ..results import Analysis
from . import scenario_text

WIDTH = 80


def _num(value, fmt: str = "{:.0f}", unit: str = "") -> str:
    return "n/a" if value is None else fmt.format(value) + unit


def _wrap(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


NOTE_COL = 38  # where the headline's notes start


def _headline(a: Analysis) -> list[str]:
    """One line per headline row of the registry (metrics.headline_rows), a long note wrapped."""
    lines = []
    for r in metrics.headline_rows(a):
        first = f"  {r.label:<18} {r.value_text:>14}   "
        lines += textwrap.wrap(r.note, WIDTH, initial_indent=first, subsequent_indent=" " * NOTE_COL, break_on_hyphens=False) or [first.rstrip()]
    return lines


def _opening(a: Analysis) -> list[str]:
    op = a.agent.opening
    if op is None:
        return []
    lines = ["OPENING SENTENCE"]
    lines += _wrap(f'"{op.text}"' if op.text else "(speech, but no words recognised)")
    cmp = judge.vs_rest_words(op.vs_rest_pct)
    lines.append(f"  {_mmss(op.start_s)}-{_mmss(op.end_s)}, {op.words} words, {_num(op.rate_wpm, unit=' wpm')}, {cmp}")
    lines += _wrap(pacing.opening_mark(op)[:1].upper() + pacing.opening_mark(op)[1:])
    said = fillers.in_opening(a.agent)
    if said:
        heard = ", ".join(f"{f['text']} at {_mmss(f['start_s'])}" for f in said)
        lines.append(f"  a filler in the opening: {heard}")
    return lines


def _turn_table(a: Analysis) -> list[str]:
    if not a.turns:
        return []
    lines = ["TURNS", f"  {'time':>7}  {'who':<8} {'latency':>8} {'words':>5} {'wpm':>5} {'dBFS':>6}  text"]
    for t in a.turns:
        who = "agent*" if t.backchannel else t.speaker
        lat = "" if t.latency_s is None else metrics.answer_latency(a, t.latency_s)
        level = "" if t.level_dbfs is None else f"{t.level_dbfs:.1f}"
        wpm = _num(t.rate_wpm) + ("!" if t.rate_flag else "")
        estimated = t.words_source == "signal"  # Whisper heard no words: counted from syllable nuclei
        count = f"~{t.words}" if estimated else str(t.words)
        prefix = f"  {_mmss(t.start_s):>7}  {who:<8} {lat:>8} {count:>5} {wpm:>5} {level:>6}  "
        room = WIDTH - len(prefix)
        text = (t.text + " " if t.text else "") + "[estimated from the signal]" if estimated else t.text
        text = text if len(text) <= room else text[: room - 3] + "..."
        lines.append(prefix + text)
    if any(t.backchannel for t in a.turns):
        lines.append(f"  * backchannel ({DEFAULT.backchannel_max_s:g} s or less, {DEFAULT.backchannel_max_words} words or fewer): "
                     "not counted as an answer")
    if any(t.rate_flag for t in a.turns):
        lo, hi = DEFAULT.rate_flag_wpm
        lines.append(f"  ! a sustained run ({DEFAULT.rate_flag_min_words}+ words) below {lo:g} or above {hi:g} wpm: the caller hears it")
    return lines


def _pauses(a: Analysis) -> list[str]:
    p = a.agent.pauses
    if p.count == 0:
        return ["PAUSES", f"  no pauses of {DEFAULT.pause_min_s:g} s or more inside the agent's turns"]
    noun = "pause" if p.count == 1 else "pauses"
    return ["PAUSES", f"  {p.count} {noun} of {DEFAULT.pause_min_s:g} s or more, mean {p.mean_s:.2f} s, longest {p.longest_s:.2f} s"]


def _fillers(a: Analysis) -> list[str]:
    f = a.agent.fillers
    if f is None:
        return []
    if f.count == 0:
        return ["FILLERS", "  no filled pauses (um, uh) heard"]
    noun = "filled pause" if f.count == 1 else "filled pauses"
    times = ", ".join(_mmss(item["start_s"]) for item in f.items)
    return ["FILLERS"] + _wrap(f"{f.count} {noun} ({f.per_min:.1f} per minute of speech) at {times}")


def render(a: Analysis) -> str:
    """The text report: headline numbers beside their bands, the opening, turns, pauses, warnings."""
    rule = "=" * WIDTH
    head = f"voicecoach pacing report: {a.source}"
    sub = f"{_mmss(a.duration_s)} {a.layout}, model {a.model}, {a.agent.words} agent words"
    lines = [rule, head[:WIDTH], sub[:WIDTH]]
    if a.agent_channel is not None:
        lines += textwrap.wrap(roles.describe(a.agent_channel), WIDTH, break_on_hyphens=False)
    lines.append(rule)
    if a.scenario is not None:  # the debrief first, then the numbers
        lines += scenario_text.render_block(a.scenario, WIDTH) + ["", "=" * WIDTH]
    lines += ["HEADLINE"] + _headline(a) + [""]
    for block in (_opening(a), _turn_table(a), _pauses(a), _fillers(a)):
        if block:
            lines += block + [""]
    if a.warnings:
        lines.append("WARNINGS")
        for w in a.warnings:
            lines += textwrap.wrap(w, WIDTH, initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join(lines).rstrip() + "\n"
