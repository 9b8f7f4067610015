"""Takes: every take in the history, filtered by agent, scene and date; its report; a comparison
of the ticked ones (the compare report, as 'voicecoach compare --format html' writes it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Route

from ..errors import VoicecoachError
from .app import error, page
from .engine import table_metrics


def _day(value: str | None, *, end: bool = False) -> float | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise VoicecoachError(f"{value!r}: not a date; use YYYY-MM-DD") from None
    t = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time()).astimezone()
    return t.timestamp()


async def listing(request: Request):
    engine = request.app.state.engine
    q = request.query_params
    chosen = {k: q.get(k) or None for k in ("agent", "scenario", "since", "until")}
    everything = await run_in_threadpool(engine.takes)
    takes = await run_in_threadpool(lambda: engine.takes(agent=chosen["agent"], scenario=chosen["scenario"],
                                                         since_ts=_day(chosen["since"]), until_ts=_day(chosen["until"], end=True)))
    agents = sorted({t["agent"] for t in everything if t["agent"]})
    scenarios = sorted({t["scenario"] for t in everything if t["scenario"]})
    columns = table_metrics()
    for t in takes:
        t["cells"] = [_cell(m, t["metrics"].get(m.name), m.name in t.get("usable", ())) for m in columns]
        t["report_id"] = _report_id(engine, t.get("report_path"))
        t["clip"] = _clip_name(t["source_path"])
    return page(request, "takes.html", takes=list(reversed(takes)), agents=agents, scenarios=scenarios, chosen=chosen,
                columns=[f"{m.label}, {m.unit}" for m in columns])


def _cell(m, stored: tuple | None, usable: bool) -> str:
    """A stored value in the metric's display format, '?' after it where it was in doubt on the take
    (the history keeps it, not usable for trends), '–' where there is none."""
    return "–" if stored is None or stored[0] is None else m.fmt.format(stored[0]) + ("" if usable else "?")


def _clip_name(source: str) -> str:
    """The file's name; for an upload, the name it was uploaded as (its sidecar's uploaded_as)."""
    from ..errors import AudioError
    from ..sidecar import read_sidecar

    try:
        named = (read_sidecar(source) or {}).get("uploaded_as")
    except AudioError:
        named = None
    return str(named) if named else Path(source).name


def _report_id(engine, path: str | None) -> str | None:
    """Reports written by this app are served by their random name; others only as a path shown."""
    if path and (p := engine.inside(path, "reports")) is not None:
        return p.stem
    return None


async def report(request: Request):
    engine = request.app.state.engine
    name = request.path_params["name"].removesuffix(".html")  # the progress charts link NAME.html
    path = engine.inside(engine.data / "reports" / f"{name}.html", "reports") if name.isalnum() else None
    if path is None:
        return error("no such report", 404)
    # the report runs its own script (play from a moment); framed by our pages in a sandbox
    return FileResponse(path, media_type="text/html", headers={"X-Content-Type-Options": "nosniff"})


async def compare(request: Request):
    form = await request.form()
    try:
        ids = sorted({int(v) for v in form.getlist("take")})
    except ValueError:
        return error("the takes to compare are numbers from the list")
    html = await run_in_threadpool(request.app.state.engine.compare, ids)
    return HTMLResponse(html)


ROUTES = [
    Route("/takes", listing),
    Route("/reports/{name}", report),
    Route("/compare", compare, methods=["POST"]),
]
