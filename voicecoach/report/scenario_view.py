"""Reads the coaching block (``Analysis.scenario``) for the HTML and Markdown reports.

The block is a dataclass (or its dict form, from JSON); only the fields used here are read, and a
missing field is simply not shown.
"""

from __future__ import annotations

import html
from typing import Any

from ..results import Analysis


def get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def title(scenario: Any) -> str | None:
    for key in ("title", "name", "scenario_id", "id"):
        value = get(scenario, key)
        if isinstance(value, str) and value:
            return value
    card = get(scenario, "card") or get(scenario, "scenario")
    return title(card) if card is not None and card is not scenario else None


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, str) else str(get(v, "text") or get(v, "message") or v) for v in value]
    return [str(get(value, "text") or value)]


def debrief_lines(scenario: Any) -> tuple[list[str], list[str]]:
    """(strengths, adjustments) of the debrief: two strengths and one micro-adjustment."""
    block = get(scenario, "debrief", scenario)
    strengths = _strings(get(block, "strengths"))
    adjust = _strings(get(block, "adjustment") or get(block, "micro_adjustment") or get(block, "adjustments"))
    return strengths, adjust


def evidence(scenario: Any) -> list[Any]:
    """Evidence items, flattened from the per-category dict (or a plain list)."""
    items = get(scenario, "evidence") or []
    if isinstance(items, dict):
        return [e for group in items.values() for e in (group or [])]
    return list(items)


def targets_html(scenario: Any) -> str:
    rows = []
    for t in get(scenario, "targets") or []:
        status = str(get(t, "status") or "n/a")
        cls = {"met": "better", "missed": "worse"}.get(status, "")
        measured = get(t, "measured")
        value = "n/a" if measured is None else f"{float(measured):.2f} {get(t, 'unit') or ''}"
        rows.append(
            f"<tr><td>{_esc(get(t, 'name') or '')}</td><td class=\"num\">{_esc(value)}</td><td>{_esc(get(t, 'target') or '')}</td>"
            f"<td class=\"{cls}\">{_esc(status)}</td><td>{_esc(get(t, 'reason') or '')}</td></tr>"
        )
    if not rows:
        return ""
    return "<table><tr><th>target</th><th>measured</th><th>aim</th><th>status</th><th>why</th></tr>" + "".join(rows) + "</table>"


def debrief_html(scenario: Any) -> str:
    if scenario is None:
        return ""
    strengths, adjust = debrief_lines(scenario)
    parts = []
    name = title(scenario)
    if name:
        parts.append(f"<p><b>Scenario:</b> {_esc(name)}</p>")
    if strengths:
        parts.append("<p><b>Strengths</b></p><ul>" + "".join(f"<li>{_esc(s)}</li>" for s in strengths) + "</ul>")
    if adjust:
        parts.append("<p><b>Micro-adjustment</b></p><ul>" + "".join(f"<li>{_esc(s)}</li>" for s in adjust) + "</ul>")
    block = get(scenario, "debrief")
    for key, label in (("commitment", "Tiny commitment"), ("note", "Note")):
        if get(block, key):
            parts.append(f"<p><b>{label}:</b> {_esc(get(block, key))}</p>")
    if get(scenario, "customer_tone_note"):
        parts.append(f"<p><b>Customer tone:</b> {_esc(get(scenario, 'customer_tone_note'))}</p>")
    targets = targets_html(scenario)
    if targets:
        parts.append(targets)
    items = evidence(scenario)
    if items:
        rows = []
        for e in items:
            found = bool(get(e, "found"))
            quote = get(e, "quote") or ""
            when = get(e, "start_s")
            cell = f"&ldquo;{_esc(quote)}&rdquo;" if quote else _esc(get(e, "note") or ("not heard" if not found else ""))
            attrs = f' data-start="{float(when):.3f}" data-take="0" tabindex="0" style="cursor:pointer"' if when is not None else ""
            rows.append(
                f"<tr{attrs}><td>{'&#10003;' if found else '&#10007;'}</td><td>{_esc(get(e, 'category') or '')}</td>"
                f"<td>{_esc(get(e, 'label') or '')}</td><td>{cell}</td>"
                f"<td class=\"num\">{'' if when is None else f'{float(when):.1f} s'}</td></tr>"
            )
        parts.append("<table><tr><th></th><th>skill</th><th>what</th><th>quote</th><th>at</th></tr>" + "".join(rows) + "</table>")
    if not parts and hasattr(scenario, "render_text"):
        parts.append("<pre>" + _esc("\n".join(scenario.render_text(100))) + "</pre>")
    return '<div class="debrief">' + "".join(parts) + "</div>" if parts else ""


def evidence_spans(a: Analysis) -> dict[int, list[tuple[int, int, str, str]]]:
    """Per turn index, character spans of quoted evidence found in that turn's text."""
    spans: dict[int, list[tuple[int, int, str, str]]] = {}
    for e in evidence(a.scenario):
        quote = (get(e, "quote") or "").strip()
        if not quote or not get(e, "found", True):
            continue
        start, speaker = get(e, "start_s"), get(e, "speaker")
        label = " / ".join(str(x) for x in (get(e, "category"), get(e, "label")) if x)
        for i, t in enumerate(a.turns):
            if speaker and t.speaker != speaker:
                continue
            if start is not None and not (t.start_s - 1.0 <= float(start) <= t.end_s + 1.0):
                continue
            at = t.text.lower().find(quote.lower())
            if at >= 0:
                cls = "risk" if get(e, "category") == "risks" else "evidence"  # a risk heard is a problem
                spans.setdefault(i, []).append((at, at + len(quote), cls, label))
                break
    return spans
