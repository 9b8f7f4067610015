"""Matplotlib figures for the HTML reports, as inline SVG (imported lazily).

Every time-axis figure uses the same width and margins so the plots line up under each other, and
returns where its axes sit in the figure so a click on the page can be turned into a clip time.
No pyplot: each figure is a ``matplotlib.figure.Figure`` on its own Agg canvas, so rendering leaves
matplotlib's global state (figure registry, backend, rcParams) as it found it. The same figure gives
the same bytes (fixed ``svg.hashsalt``, no date, comments and metadata stripped).
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass

import numpy as np

from ..analysis import judge
from ..norms import Norms, for_analysis
from ..results import Analysis

WIDTH_IN = 11.0
LEFT, RIGHT = 0.085, 0.985  # axes margins as figure fractions, shared by every time-axis figure
COLORS = {"agent": "#1f6fb2", "customer": "#8e5bb5", "opening": "#f08c00", "calm": "#2b8a3e", "warn": "#e8590c", "bad": "#c92a2a"}
# a response latency's band word (judge.latency_word) as a status: the colour of its label here and
# of its cell in the HTML transcripts
LATENCY_STATUS = {"calm": "ok", "quick": "warn", "long": "warn", "jump-in": "bad", "stall": "bad"}
STATUS_COLORS = {"ok": COLORS["calm"], "warn": COLORS["warn"], "bad": COLORS["bad"]}


@dataclass(frozen=True)
class Axes:
    """Where one time axis sits in its figure (fractions, y from the bottom) and which take it shows."""

    take: int
    bottom: float
    top: float


@dataclass(frozen=True)
class Figure:
    svg: str
    left: float
    right: float
    t0_s: float
    t1_s: float
    axes: list[Axes]


# Read while the figure is built (font size, spines) and saved (svg.*): svg.fonttype and
# svg.hashsalt have no savefig argument, so the style is applied with rc_context around both, which
# restores every rcParam on the way out.
STYLE = {"svg.fonttype": "none", "svg.hashsalt": "voicecoach", "font.size": 9,
         "axes.spines.top": False, "axes.spines.right": False}  # fmt: skip


def _styled(draw):
    """Build and save the figure under STYLE (matplotlib.rc_context), leaving rcParams untouched."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


def _new(figsize: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _plain(text: str) -> str:
    """Matplotlib reads $...$ as mathtext; a file name with a dollar sign must stay text."""
    return text.replace("$", r"\$")


_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _finish(fig, t1_s: float, takes: list[int]) -> Figure:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    boxes = [Axes(take, ax.get_position().y0, ax.get_position().y1) for take, ax in zip(takes, fig.axes)]
    svg = _COMMENT.sub("", _METADATA.sub("", _HEADER.sub("", buf.getvalue(), count=1)))
    return Figure(svg.strip(), LEFT, RIGHT, 0.0, t1_s, boxes)


def latency_status(latency_s: float | None, n: Norms) -> str:
    """'ok' (calm), 'warn' (quick or long), 'bad' (jump-in or stall) under ``n``; '' when not measured."""
    return LATENCY_STATUS.get(judge.latency_word(latency_s, n), "")


def _lane(ax, analysis: Analysis, segments: dict[str, list] | None) -> None:
    """Customer lane (y=1) above the agent lane (y=0): turns light, speech activity solid, the gaps
    inside a turn are its pauses; each response latency labelled (coloured by the clip's norms: its
    scenario card's, else the defaults); the opening sentence highlighted."""
    n = for_analysis(analysis)
    lanes = {"customer": 1, "agent": 0}
    for t in analysis.turns:
        y = lanes.get(t.speaker, 0)
        ax.broken_barh([(t.start_s, t.end_s - t.start_s)], (y - 0.3, 0.6), color=COLORS[t.speaker], alpha=0.22, lw=0)
        if segments is None or t.speaker not in segments:
            ax.broken_barh([(t.start_s, t.end_s - t.start_s)], (y - 0.18, 0.36), color=COLORS[t.speaker], alpha=0.8, lw=0)
    for speaker, segs in (segments or {}).items():
        y = lanes[speaker]
        ax.broken_barh([(s.start_s, s.end_s - s.start_s) for s in segs], (y - 0.18, 0.36), color=COLORS[speaker], lw=0)
    op = analysis.agent.opening
    if op is not None:
        ax.broken_barh([(op.start_s, op.end_s - op.start_s)], (-0.42, 0.84), facecolor="none", edgecolor=COLORS["opening"], lw=2)
        label = "opening" + ("" if op.rate_wpm is None else f" {op.rate_wpm:.0f} wpm") + ("" if op.confidence == "high" else " (unsure)")
        ax.text(op.start_s, -0.55, label, color=COLORS["opening"], fontsize=8, va="top", ha="left")
    for t in analysis.turns:
        if t.latency_s is None:
            continue
        color = STATUS_COLORS[latency_status(t.latency_s, n)]
        ax.plot([t.start_s - t.latency_s, t.start_s], [0.5, 0.5], color=color, lw=1.5)
        ax.plot([t.start_s, t.start_s], [0.5, 0.2], color=color, lw=1)
        ax.text(t.start_s, 0.56, f"{t.latency_s:+.2f} s", color=color, fontsize=8, ha="center", va="bottom")
    ax.set_ylim(-0.8, 1.45)
    ax.set_yticks([0, 1], ["agent", "customer"])
    ax.grid(axis="x", alpha=0.3)


@_styled
def timeline(takes: list[tuple[str, Analysis, dict[str, list] | None]]) -> Figure:
    """The call on two lanes per take, stacked on one time axis (one take: one panel).

    ``takes``: (label, analysis, speech segments per speaker or None for turns only).
    """
    t1 = max((a.duration_s for _, a, _ in takes), default=1.0) or 1.0
    n = len(takes)
    fig = _new((WIDTH_IN, 0.5 + 1.55 * n))
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)
    for ax, (label, analysis, segments) in zip(axes[:, 0], takes):
        _lane(ax, analysis, segments)
        if n > 1:
            ax.set_title(_plain(label), loc="left", fontsize=9)
    axes[-1, 0].set_xlim(0, t1)
    axes[-1, 0].set_xlabel("time (s)")
    fig.subplots_adjust(left=LEFT, right=RIGHT, top=1 - 0.3 / (0.5 + 1.55 * n), bottom=0.45 / (0.5 + 1.55 * n), hspace=0.45)
    return _finish(fig, t1, list(range(n)))


@_styled
def level_pitch(series: list, duration_s: float) -> Figure:
    """Speech level (dBFS, 20 ms RMS over speech frames) and pitch (Hz, voiced frames) over time."""
    fig = _new((WIDTH_IN, 3.6))
    lv, f0 = fig.subplots(2, 1, sharex=True)
    for s in series:
        color = COLORS[s.speaker]
        lv.plot(s.times_s, s.level_dbfs, color=color, lw=0.9, label=s.speaker)
        f0.plot(s.times_s, s.pitch_hz, ".", color=color, ms=1.6, label=s.speaker)
    finite = np.concatenate([s.level_dbfs[np.isfinite(s.level_dbfs)] for s in series] + [np.zeros(0)])
    if finite.size:  # digital silence inside a word reads -200 dBFS: keep the axis on the speech
        lv.set_ylim(max(float(np.percentile(finite, 1)) - 5.0, -90.0), float(finite.max()) + 3.0)
    lv.set_ylabel("level (dBFS)")
    f0.set_ylabel("pitch (Hz)")
    f0.set_xlabel("time (s)")
    lv.legend(loc="lower right", fontsize=8, frameon=False, ncols=2)
    for ax in (lv, f0):
        ax.grid(alpha=0.3)
    f0.set_xlim(0, duration_s or 1.0)
    fig.subplots_adjust(left=LEFT, right=RIGHT, top=0.96, bottom=0.13, hspace=0.15)
    return _finish(fig, duration_s or 1.0, [0, 0])


@_styled
def pace(analysis: Analysis, norms: Norms | None = None) -> Figure:
    """Agent pace per turn (words per minute of speaking time) against the target band of ``norms``
    (default: the clip's, its scenario card's when it was coached), the neutral band around it and
    the flag lines."""
    n = norms or for_analysis(analysis)
    fig = _new((WIDTH_IN, 2.4))
    ax = fig.subplots()
    lo, hi = n.rate_wpm
    nlo, nhi = n.rate_neutral_wpm
    flo, fhi = n.rate_flag_wpm
    ax.axhspan(nlo, nhi, color=COLORS["calm"], alpha=0.08, lw=0)
    ax.axhspan(lo, hi, color=COLORS["calm"], alpha=0.18, lw=0, label=f"target {n.rate_target()}")
    for flag in (flo, fhi):
        ax.axhline(flag, color=COLORS["bad"], ls="--", lw=0.8)
    rates = [flo, fhi]
    for t in analysis.turns:
        if t.speaker != "agent" or t.backchannel or t.rate_wpm is None:
            continue
        rates.append(t.rate_wpm)
        ax.hlines(t.rate_wpm, t.start_s, t.end_s, color=COLORS["agent"], lw=4)
        ax.text((t.start_s + t.end_s) / 2, t.rate_wpm + 4, f"{t.rate_wpm:.0f}", ha="center", va="bottom", fontsize=8)
    op = analysis.agent.opening
    if op is not None and op.rate_wpm is not None:
        rates.append(op.rate_wpm)
        ax.hlines(op.rate_wpm, op.start_s, op.end_s, color=COLORS["opening"], lw=2.5, label="opening sentence")
    ax.set_ylim(min(rates) - 25, max(rates) + 25)
    ax.set_xlim(0, analysis.duration_s or 1.0)
    ax.set_ylabel("pace (wpm)")
    ax.set_xlabel("time (s)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False, ncols=2)
    ax.grid(axis="x", alpha=0.3)
    fig.subplots_adjust(left=LEFT, right=RIGHT, top=0.86, bottom=0.2)
    return _finish(fig, analysis.duration_s or 1.0, [0])


@_styled
def bars(names: list[str], values: list[list[float | None]], labels: list[str], unit: str) -> Figure:
    """Small grouped bars of one metric across takes (the progression of 3+ takes)."""
    fig = _new((WIDTH_IN / 2, 2.2))
    ax = fig.subplots()
    x = np.arange(len(names))
    width = 0.8 / max(1, len(labels))
    for i, label in enumerate(labels):
        ys = [np.nan if v[i] is None else v[i] for v in values]
        ax.bar(x + i * width, ys, width, label=_plain(label))
    ax.set_xticks(x + width * (len(labels) - 1) / 2, [_plain(n) for n in names])
    ax.set_ylabel(unit)
    if len(labels) == 1:
        ax.set_title(_plain(labels[0]), fontsize=9, loc="left")
    else:
        ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return _finish(fig, 1.0, [])
