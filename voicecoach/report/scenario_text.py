"""Text blocks for the coaching layer: the debrief first, then targets, evidence and customer tone.

Also the scenario list and the one-minute brief for ``voicecoach scenarios``. Pure: data in, str out.
"""

from __future__ import annotations

import textwrap

from ..clock import mmss as _at
from ..results import EvidenceItem, ScenarioResult

WIDTH = 80
MARK = {"met": "[met]", "close": "[close]", "missed": "[missed]", "n/a": "[n/a]"}
CATEGORY_TITLES = {
    "acknowledgment": "Acknowledgment", "options": "Options", "next_steps": "Next steps",
    "risks": "Risks", "ace": "ACE lens",
}


def _target_title(name: str) -> str:
    """A target's title in the TARGETS table (the registry's Check), else its name in words."""
    from .. import metrics

    m = metrics.target_metric(name)
    return m.check.title if m is not None else name.replace("_", " ")


def _wrap(text: str, first: str, rest: str | None = None, width: int = WIDTH) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest if rest is not None else " " * len(first)) or [first]


def _evidence_line(item: EvidenceItem, width: int) -> list[str]:
    label = item.label.replace("_", " ")
    if item.found:
        flag = "!" if item.category == "risks" else "+"
        return _wrap(f'{label}: "{item.quote}" ({_at(item.start_s)})', f"    {flag} ", width=width)
    flag = "." if item.category == "risks" else "-"
    return _wrap(f"{label}: {item.note}", f"    {flag} ", width=width)


def render_block(s: ScenarioResult, width: int = WIDTH) -> list[str]:
    """The scenario block of the text report, as lines: debrief, targets, evidence, customer tone."""
    lines = [f"SCENARIO {s.title} ({s.id}), skill: {s.skill}", ""]
    d = s.debrief
    lines.append("DEBRIEF")
    if not d.strengths and d.adjustment is None:
        lines += _wrap(d.note or "nothing to debrief", "  ", width=width)
    else:
        for p in d.strengths:
            lines += _wrap(p.text, "  + strength: ", width=width)
        if d.adjustment is not None:
            lines += _wrap(d.adjustment.text, "  > try next: ", width=width)
        if d.commitment:
            lines += _wrap(f'"{d.commitment}"', "  * tiny commitment: ", width=width)
        if d.note:
            lines += _wrap(d.note, "  ", width=width)
    lines += ["", "TARGETS"]
    for t in s.targets:
        name = _target_title(t.name)
        lines += _wrap(t.reason, f"  {MARK.get(t.status, t.status):<9}{name}: ", "            ", width)
    lines += ["", "OBSERVER NOTES (+ heard, - missing, ! risk heard)"]
    for category, items in s.evidence.items():
        lines.append(f"  {CATEGORY_TITLES.get(category, category)}")
        for item in items:
            lines += _evidence_line(item, width)
    lines += ["", "CUSTOMER TONE"]
    lines += _wrap(s.customer_tone_note, "  ", width=width)
    for row in s.customer_tone:
        level = "n/a" if row.level_dbfs is None else f"{row.level_dbfs:.1f} dBFS"
        pitch = "n/a" if row.pitch_hz is None else f"{row.pitch_hz:.0f} Hz"
        delta = []
        if row.level_vs_first_db is not None:
            delta.append(f"{row.level_vs_first_db:+.1f} dB")
        if row.pitch_vs_first_semitones is not None:
            delta.append(f"{row.pitch_vs_first_semitones:+.1f} st")
        lines.append(f"    {_at(row.start_s):>7}  {level:>10}  {pitch:>7}  {', '.join(delta):<20}{'softer' if row.softer else ''}".rstrip())
    for w in s.warnings:
        lines += _wrap(w, "  - ", "    ", width)
    return lines


def render_list(cards) -> str:
    """One line per card: id, skill tags, title."""
    if not cards:
        return "no scenario cards found\n"
    idw = max(len(c.id) for c in cards)
    lines = [f"{c.id:<{idw}}  {c.title}  [{', '.join(c.skill_tags)}]" for c in cards]
    lines.append("")
    lines.append("Show a brief: voicecoach scenarios show ID; use one: voicecoach analyze take.wav --scenario ID")
    return "\n".join(lines) + "\n"


def render_brief(card, width: int = WIDTH) -> str:
    """The one-minute brief of one card, with the caller's lines."""
    lines = [f"{card.title} ({card.id}), {card.channel}", "=" * min(width, len(card.title) + len(card.id) + 3 + len(card.channel) + 2)]
    for head, text in card.brief_lines():
        lines += _wrap(text, f"{head}: ", "  ", width)
    if card.customer_name:
        lines.append(f"Caller: {card.customer_name}")
    lines.append("Caller's lines:")
    for i, line in enumerate(card.customer_lines, 1):
        lines += _wrap(line, f"  {i}. ", "     ", width)
    return "\n".join(lines) + "\n"
