"""The pacing report as a coach's sheet, 80 columns wide."""

from __future__ import annotations

import textwrap

from ..analysis import bands, fillers, noise, pacing, roles
from ..clock import mmss as _mmss
from ..results import Analysis
from . import scenario_text

WIDTH = 80


def _num(value, fmt: str = "{:.0f}", unit: str = "") -> str:
    return "n/a" if value is None else fmt.format(value) + unit


def _wrap(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def _headline(a: Analysis) -> list[str]:
    ag = a.agent
    lo, hi = bands.RATE_TARGET_WPM
    rows = [
        ("Speaking rate", _num(ag.rate_wpm, unit=" wpm") + ("?" if ag.rate_confidence != "high" and ag.rate_wpm else ""),
         f"target {lo:.0f}-{hi:.0f}, {bands.rate_band(ag.rate_wpm)}" if ag.rate_confidence == "high" else "unsure: line noise, reads high"),
        ("Articulation", _num(ag.articulation_sps, "{:.1f}", " syl/s"), "syllables per second of speech"),
    ]
    if ag.opening is not None:
        op = ag.opening
        value = _num(op.rate_wpm, unit=" wpm") + ("?" if op.confidence != "high" and op.rate_wpm is not None else "")
        note = f"aim under {bands.OPENING_MAX_WPM:.0f} and slower than the rest" if op.confidence == "high" else "low confidence: see OPENING"
        rows.append(("Opening pace", value, note))
    if a.latency is not None:
        clo, chi = bands.LATENCY_CALM_S
        rows.append(("Response latency", _num(a.latency.median_s, "{:.2f}", " s"), f"median; calm {clo}-{chi} s after the caller"))
        rows.append(("Jump-ins / stalls", f"{a.latency.jump_ins} / {a.latency.stalls}", "under 0.2 s / over 3 s"))
    rows.append(("First response", _num(a.first_response_s, "{:.2f}", " s"), "from the clip start" if a.layout == "mono" else "after the caller's first words"))
    if ag.fillers is not None:
        rows.append(("Fillers", f"{ag.fillers.count} ({_num(ag.fillers.per_min, '{:.1f}')}/min)",
                     "per minute of speech; not counted as words" if ag.fillers.confidence == "high" else "at least (line noise)"))
    lv = ag.level
    rows.append(("Level", _num(lv.median_dbfs, "{:.1f}", " dBFS"), f"p10 {_num(lv.p10_dbfs, '{:.1f}')} / p90 {_num(lv.p90_dbfs, '{:.1f}')}"))
    trend_note = f"keep within +/-{bands.LEVEL_TREND_MAX_DB_PER_MIN:.0f} dB/min"
    trend_noise = noise.trend_in_doubt(a)
    if trend_noise is not None:
        trend_note = f"unsure: +/-{trend_noise.value:.0f} dB/min on a take this short"
    rows.append(("Level trend", _num(lv.trend_db_per_min, "{:+.1f}", " dB/min"), trend_note))
    rows.append(("Pitch", _num(ag.pitch.median_hz, unit=" Hz"), f"spread {_num(ag.pitch.spread_semitones, '{:.1f}', ' st')} (p10-p90)"))
    if a.talk_ratio is not None:
        rows.append(("Talk ratio", f"{a.talk_ratio * 100:.0f}% agent", f"overtalk {_num(a.overtalk_s, '{:.1f}', ' s')}"))
    return [f"  {name:<18} {value:>14}   {note}"[:WIDTH] for name, value, note in rows]


def _opening(a: Analysis) -> list[str]:
    op = a.agent.opening
    if op is None:
        return []
    lines = ["OPENING SENTENCE"]
    lines += _wrap(f'"{op.text}"' if op.text else "(speech, but no words recognised)")
    if op.vs_rest_pct is None:
        cmp = "not enough other speech to compare"
    elif abs(op.vs_rest_pct) < 5:
        cmp = f"about the same pace as the rest ({op.vs_rest_pct:+.0f}%)"
    else:
        cmp = f"{abs(op.vs_rest_pct):.0f}% {'faster' if op.vs_rest_pct > 0 else 'slower'} than the rest"
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
        lat = "" if t.latency_s is None else f"{t.latency_s:+.2f} s"
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
        lines.append("  * backchannel (1 s or less, 2 words or fewer): not counted as an answer")
    if any(t.rate_flag for t in a.turns):
        lo, hi = bands.RATE_FLAG_WPM
        lines.append(f"  ! a sustained run (8+ words) below {lo:.0f} or above {hi:.0f} wpm: the caller hears it")
    return lines


def _pauses(a: Analysis) -> list[str]:
    p = a.agent.pauses
    if p.count == 0:
        return ["PAUSES", "  no pauses of 0.25 s or more inside the agent's turns"]
    noun = "pause" if p.count == 1 else "pauses"
    return ["PAUSES", f"  {p.count} {noun} of 0.25 s or more, mean {p.mean_s:.2f} s, longest {p.longest_s:.2f} s"]


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
