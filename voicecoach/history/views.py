"""The progress report as text, JSON, CSV or HTML (``voicecoach progress`` and the web dashboard)."""

from __future__ import annotations

import datetime as dt
import re

from .store import HistoryError, Store, resolve

DETAIL_MAX_AGENTS = 12  # without --agent, charts for every agent only up to this many; the team table always
_RELATIVE = re.compile(r"^(\d+)([dw])$")


def parse_since(value: str | None) -> float | None:
    """--since: a date (2026-11-01), an ISO time, or 30d / 6w back from now."""
    if value is None:
        return None
    m = _RELATIVE.match(value.strip())
    if m:
        days = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
        return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).timestamp()
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        raise HistoryError(f"--since {value!r}: use a date (2026-11-01), an ISO time or 30d / 6w") from None
    return (t if t.tzinfo else t.astimezone()).timestamp()


def progress_report(history: str | None, *, agent: str | None = None, scenario: str | None = None, metrics: tuple[str, ...] = (),
                    since: str | None = None, fmt: str = "text", out: str | None = None) -> str:
    """Per agent and skill, each metric's baseline, change, first/best/latest and trend; without an
    agent the team table too (charts only up to DETAIL_MAX_AGENTS agents). ``out``: where an HTML
    page will be written, so its links to reports are relative to it."""
    from . import render
    from .progress import build_groups, team, tracked

    known = tracked()
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise HistoryError(f"--metric {', '.join(unknown)}: not a tracked metric (one of {', '.join(known)})")
    since_ts = parse_since(since)
    with Store(resolve(history)) as store:
        agents = store.db.execute("SELECT COUNT(DISTINCT agent) FROM takes").fetchone()[0]
        note, groups = None, []
        if agent is not None or agents <= DETAIL_MAX_AGENTS:
            groups = build_groups(store.takes(agent=agent, scenario=scenario, since_ts=since_ts, metrics=list(metrics) or None),
                                  list(metrics) or None)
        else:
            note = f"{agents} agents: pass --agent NAME for one agent's baseline, trend and charts"
        table = team(store, metrics=list(metrics) or None, scenario=scenario, since_ts=since_ts, agent=agent)
    if fmt == "json":
        return render.to_json(groups, table)
    if fmt == "csv":
        return render.to_csv(groups)
    if fmt == "html":
        from .html import render as html

        return html(groups, table, out=out, note=note)
    return render.text(groups, table, note=note)
