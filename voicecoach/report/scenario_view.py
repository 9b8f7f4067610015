"""Reads the coaching block (``Analysis.scenario``) for the HTML and Markdown reports.

For HTML it builds the values the ``debrief`` macro of ``templates/macros.html.j2`` lays out (the
template escapes them).

The block is a dataclass (or its dict form, from JSON); only the fields used here are read, and a
missing field is simply not shown.
"""

from __future__ import annotations

from typing import Any

from ..results import Analysis


def get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


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


def _target_rows(scenario: Any) -> list[dict[str, str]]:
    rows = []
    for t in get(scenario, "targets") or []:
        status = str(get(t, "status") or "n/a")
        measured = get(t, "measured")
        rows.append({
            "name": get(t, "name") or "", "aim": get(t, "target") or "", "reason": get(t, "reason") or "",
            "value": "n/a" if measured is None else f"{float(measured):.2f} {get(t, 'unit') or ''}",
            "status": status, "cls": {"met": "better", "missed": "worse"}.get(status, ""),
        })  # fmt: skip
    return rows


def _evidence_rows(scenario: Any) -> list[dict[str, Any]]:
    rows = []
    for e in evidence(scenario):
        found = bool(get(e, "found"))
        when = get(e, "start_s")
        rows.append({
            "found": found, "category": get(e, "category") or "", "label": get(e, "label") or "",
            "quote": get(e, "quote") or "", "note": get(e, "note") or ("not heard" if not found else ""),
            "start": None if when is None else f"{float(when):.3f}", "at": "" if when is None else f"{float(when):.1f} s",
        })  # fmt: skip
    return rows


def debrief_view(scenario: Any) -> dict[str, Any] | None:
    """What the HTML debrief shows (scenario, strengths, micro-adjustment, notes, targets, evidence);
    None when there is nothing to show."""
    if scenario is None:
        return None
    strengths, adjust = debrief_lines(scenario)
    block = get(scenario, "debrief")
    notes = [(label, get(block, key)) for key, label in (("commitment", "Tiny commitment"), ("note", "Note")) if get(block, key)]
    if get(scenario, "customer_tone_note"):
        notes.append(("Customer tone", get(scenario, "customer_tone_note")))
    view = {"name": title(scenario), "strengths": strengths, "adjust": adjust, "notes": notes,
            "targets": _target_rows(scenario), "evidence": _evidence_rows(scenario), "text": ""}  # fmt: skip
    if not any(view.values()) and hasattr(scenario, "render_text"):
        view["text"] = "\n".join(scenario.render_text(100))
    return view if any(view.values()) else None


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
