"""The HTML progress page: per agent and skill, one small chart per metric (the target band
shaded, each take a point linking to its report), and the trainer's team table.

Jinja2 with autoescaping renders ``templates/progress.html``; figures are
``matplotlib.figure.Figure`` objects (no pyplot state) saved as SVG with a fixed hash salt and no
date, so the same history gives the same page byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import Any

from .progress import ARROWS, GroupProgress, MetricProgress

_HEADER = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_NOISE = re.compile(r"<metadata>.*?</metadata>|<!--.*?-->", re.DOTALL)
BAND = "#d8efd8"
POINT = "#2f5d8a"
TREND = "#c0392b"


def _link(path: str | None, out_dir: Path | None) -> str | None:
    if not path:
        return None
    if out_dir is not None:
        return Path(os.path.relpath(path, out_dir)).as_posix()
    return Path(path).as_uri()


def chart(m: MetricProgress, out_dir: Path | None = None) -> str:
    """One small multiple: the metric over dates, target band shaded, baseline dashed, trend line."""
    import matplotlib
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.hashsalt": "voicecoach", "svg.fonttype": "none", "font.size": 8,
                                "axes.spines.top": False, "axes.spines.right": False}):
        fig = Figure(figsize=(3.6, 2.0))
        ax = fig.add_axes((0.17, 0.2, 0.78, 0.66))
        when = [dt.datetime.fromisoformat(p.taken_at) for p in m.points]
        values = [p.value for p in m.points]
        if m.target is not None:
            ax.axhspan(*m.target, color=BAND, zorder=0, label="target")
        if m.baseline is not None:
            ax.axhline(m.baseline, color="#888", lw=0.8, ls="--", zorder=1)
        ax.plot(when, values, color=POINT, lw=0.6, alpha=0.5, zorder=2)
        dots = ax.scatter(when, values, s=14, color=POINT, zorder=3)
        dots.set_urls([_link(p.report_path, out_dir) for p in m.points])
        if m.trend_line is not None:
            ax.plot([when[0], when[-1]], list(m.trend_line), color=TREND, lw=1.2, zorder=4)
        ax.set_title(f"{m.metric} ({m.unit})" if m.unit else m.metric, loc="left")
        ax.xaxis.set_major_formatter(DateFormatter("%m-%d"))
        ax.tick_params(axis="x", labelrotation=30)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return _NOISE.sub("", _HEADER.sub("", buf.getvalue(), count=1)).strip()


def render(groups: list[GroupProgress], team: list[dict[str, Any]], *, out: str | os.PathLike | None = None,
           title: str = "Practice progress", note: str | None = None) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    out_dir = Path(out).resolve().parent if out else None
    env = Environment(loader=PackageLoader("voicecoach.history", "templates"), autoescape=select_autoescape(default=True))
    blocks = [{"g": g, "charts": [(m, chart(m, out_dir)) for m in g.metrics]} for g in groups]
    team_metrics = sorted({m for row in team for m in row["trends"]})
    from markupsafe import Markup

    return env.get_template("progress.html").render(title=title, blocks=blocks, team=team, team_metrics=team_metrics,
                                                    arrows=ARROWS, note=note, Markup=Markup)
