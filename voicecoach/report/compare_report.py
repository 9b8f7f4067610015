"""Text and Markdown renderers for a Comparison (JSON is the generic json_report)."""

from __future__ import annotations

import textwrap

from .. import metrics
from ..norms import DEFAULT
from ..results import Comparison, MetricComparison
from .markdown import cell

WIDTH = 80


def _metric(name: str) -> metrics.Metric | None:
    try:
        return metrics.get(name)
    except KeyError:
        return None


def _fmt(name_or_unit: str) -> str:
    """The display format of a metric (by name), else of the first registered metric with that unit."""
    m = _metric(name_or_unit) or next((m for m in metrics.REGISTRY if m.unit == name_or_unit), None)
    return m.fmt if m is not None else "{:.0f}"


def label(m: MetricComparison) -> str:
    known = _metric(m.name)
    return known.label if known is not None else m.name


def value(v: float | None, unit: str) -> str:
    """A value in its metric's format; ``unit`` may be the metric's name or its unit."""
    return "n/a" if v is None else _fmt(unit).format(v)


def change(m: MetricComparison) -> str:
    if m.change is None:
        return "n/a"
    text = metrics.signed(m.change, _fmt(m.name))
    if m.change_pct is not None:
        text += f" ({m.change_pct:+.0f}%)"
    return text


def noise_text(item) -> str:
    """'+/-25 wpm' for a metric, '+/-0.10 s' for a turn: the noise of the change."""
    if isinstance(item, MetricComparison):
        if item.noise_change is None:
            return ""
        unit = "dB" if item.unit == "dBFS" else item.unit  # a difference of levels is in dB
        return f"+/-{_fmt(item.name).replace('+', '').format(item.noise_change)} {unit}"
    return "" if item.noise_change_s is None else f"+/-{item.noise_change_s:.2f} s"


def verdict(m) -> str:
    if m.noticeable is None:
        return "n/a"
    if m.noticeable:
        return m.direction
    return f"same (within noise {noise_text(m)})" if m.within_noise else "same (not noticeable)"


def noise_lines(c: Comparison) -> list[str]:
    """Why each change a listener would hear is still 'same': the noise of the first and last take."""
    out = []
    for m in c.metrics:
        if m.within_noise:
            why = "; ".join(f"take {i}: {b}" for i, b in ((1, m.noise_basis[0]), (len(m.values), m.noise_basis[-1])) if b)
            out.append(f"{label(m)}: change {change(m)} is within {noise_text(m)} ({why})")
    for t in c.turns:
        if t.within_noise:
            out.append(f"answer {t.index}: change {t.change_s:+.2f} s is within {noise_text(t)} (signal edges of both parties)")
    return out


def render_text(c: Comparison) -> str:
    """Metrics per take with change and verdict, openings quoted, latencies turn by turn."""
    rule = "=" * WIDTH
    lines = [rule, f"voicecoach compare: {len(c.takes)} takes" + (f", scenario {c.scenario}" if c.scenario else ""), rule]
    for i, t in enumerate(c.takes, 1):
        lines.append(f"  take {i}: {t.label} ({t.duration_s:.1f} s, {t.layout})"[:WIDTH])
    lines += ["", "OPENING SENTENCES"]
    for i, t in enumerate(c.takes, 1):
        pace = "n/a" if t.opening_rate_wpm is None else f"{t.opening_rate_wpm:.0f} wpm"
        quote = "(no opening found)" if t.opening_text is None else f'"{t.opening_text}"'
        lines += textwrap.wrap(f"take {i} ({pace}): {quote}", WIDTH, initial_indent="  ", subsequent_indent="    ")
    cols = "".join(f"{'take ' + str(i):>9}" for i in range(1, len(c.takes) + 1))
    lines += ["", f"{'METRICS':<24}{cols}  {'change':>12}  verdict"]
    for m in c.metrics:
        vals = "".join(f"{value(v, m.name):>9}" for v in m.values)
        lines.append(f"  {label(m) + ' (' + m.unit + ')':<22}{vals}  {change(m):>12}  {verdict(m)}")
    n = DEFAULT
    lines.append(f"  noticeable: rates {n.tempo_noticeable_pct:g}%+, latency over {n.latency_noticeable_s:g} s, level "
                 f"{n.level_noticeable_db:g} dB+, and more than the two takes'")
    lines.append("  measurement noise (+/-); better/worse against the targets")
    if c.turns:
        lines += ["", "RESPONSE LATENCY, TURN BY TURN"]
        for t in c.turns:
            lat = "".join(f"{'n/a' if v is None else f'{v:+.2f} s':>9}" for v in t.latency_s)
            delta = "n/a" if t.change_s is None else f"{t.change_s:+.2f} s"
            lines.append(f"  answer {t.index:<14}{lat}  {delta:>12}  {verdict(t)}")
            prompt = next((x for x in t.customer_text if x), None)
            if prompt:
                lines.append(f'      after: "{prompt}"'[:WIDTH])
    if why := noise_lines(c):
        lines += ["", "WITHIN NOISE (a listener would hear it, but the measurement cannot tell it apart)"]
        for w in why:
            lines += textwrap.wrap(w, WIDTH, initial_indent="  - ", subsequent_indent="    ")
    if len(c.takes) >= 3:
        lines += ["", "PROGRESSION"]
        for m in c.metrics:
            if m.progression is not None:
                lines.append(f"  {label(m):<22} {m.progression:<10} ({', '.join(m.steps)})"[:WIDTH])
    if c.warnings:
        lines += ["", "WARNINGS"]
        for w in c.warnings:
            lines += textwrap.wrap(w, WIDTH, initial_indent="  - ", subsequent_indent="    ")
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(c: Comparison) -> str:
    heads = " | ".join(f"Take {i}" for i in range(1, len(c.takes) + 1))
    lines = [f"# Comparison of {len(c.takes)} takes" + (f" ({cell(c.scenario)})" if c.scenario else ""), ""]
    lines += [f"{i}. {cell(t.label)}" for i, t in enumerate(c.takes, 1)] + ["", "## Opening sentences", ""]
    for i, t in enumerate(c.takes, 1):
        pace = "n/a" if t.opening_rate_wpm is None else f"{t.opening_rate_wpm:.0f} wpm"
        lines.append(f"- Take {i} ({pace}): \"{cell(t.opening_text or '')}\"")
    lines += ["", "## Metrics", "", f"| Metric | {heads} | Change | Verdict |", "|---|" + "---:|" * (len(c.takes) + 1) + "---|"]
    for m in c.metrics:
        vals = " | ".join(value(v, m.name) for v in m.values)
        lines.append(f"| {label(m)} ({cell(m.unit)}) | {vals} | {change(m)} | {verdict(m)} |")
    if c.turns:
        lines += ["", "## Response latency, turn by turn", "", f"| Answer | {heads} | Change | Verdict | After the caller said |",
                  "|---|" + "---:|" * (len(c.takes) + 1) + "---|---|"]
        for t in c.turns:
            lat = " | ".join("n/a" if v is None else f"{v:+.2f} s" for v in t.latency_s)
            delta = "n/a" if t.change_s is None else f"{t.change_s:+.2f} s"
            prompt = next((x for x in t.customer_text if x), "")
            lines.append(f"| {t.index} | {lat} | {delta} | {verdict(t)} | {cell(prompt)} |")
    if why := noise_lines(c):
        lines += ["", "## Within noise", ""] + [f"- {cell(w)}" for w in why]
    if len(c.takes) >= 3:
        lines += ["", "## Progression", ""]
        lines += [f"- {label(m)}: {m.progression} ({', '.join(m.steps)})" for m in c.metrics if m.progression]
    if c.warnings:
        lines += ["", "## Warnings", ""] + [f"- {cell(w)}" for w in c.warnings]
    return "\n".join(lines).rstrip() + "\n"
