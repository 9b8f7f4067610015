"""The trainer's dashboard: the progress view ('voicecoach progress --format html', the history's
own page, framed) and 'analyse a folder': a batch in a background thread, polled for its progress."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from .app import error, page


async def dashboard(request: Request):
    engine = request.app.state.engine
    q = request.query_params
    chosen = {k: q.get(k) or None for k in ("agent", "scenario", "since")}
    takes = await run_in_threadpool(engine.takes)
    agents = sorted({t["agent"] for t in takes if t["agent"]})
    scenarios = sorted({t["scenario"] for t in takes if t["scenario"]})
    return page(request, "dashboard.html", chosen=chosen, agents=agents, scenarios=scenarios, count=len(takes),
                jobs=[j.state() for j in engine.jobs.values()], query=str(request.url.query))


async def progress(request: Request):
    """The history's progress page, rendered by the progress command itself into progress/."""
    engine = request.app.state.engine
    if engine.history is None:
        return error("the practice history is off (--no-history)", 404)
    q = request.query_params
    out = engine.data / "progress" / "index.html"
    out.parent.mkdir(exist_ok=True)
    await run_in_threadpool(_render_progress, engine.history, out, q.get("agent") or None, q.get("scenario") or None,
                            q.get("since") or None)
    return FileResponse(out, media_type="text/html")


def _render_progress(history: str, out: Path, agent: str | None, scenario: str | None, since: str | None) -> None:
    from ..files import atomic_write_text
    from ..history.views import progress_report

    # the progress command's own code path (its links to reports are relative to out: ../reports/NAME.html)
    atomic_write_text(out, progress_report(history, agent=agent, scenario=scenario, since=since, fmt="html", out=str(out)))


async def start_batch(request: Request):
    body = await request.json()
    folder = str(body.get("folder") or "").strip()
    if not folder:
        return error("type the path of a folder on this machine")
    job = request.app.state.engine.start_batch(folder)
    return JSONResponse(job.state())


async def batch_state(request: Request):
    job = request.app.state.engine.jobs.get(request.path_params["job"])
    if job is None:
        return error("no such batch", 404)
    return JSONResponse(job.state())


async def batch_file(request: Request):
    """A file the batch wrote into its --out (index.html and the per-clip reports), nothing else."""
    job = request.app.state.engine.jobs.get(request.path_params["job"])
    path = (job.out / request.path_params["path"]).resolve() if job else None
    if path is None or not path.is_relative_to(job.out.resolve()) or not path.is_file():
        return error("no such file", 404)
    return FileResponse(path)


ROUTES = [
    Route("/dashboard", dashboard),
    Route("/progress", progress),
    Route("/api/batches", start_batch, methods=["POST"]),
    Route("/api/batches/{job}", batch_state),
    Route("/batches/{job}/{path:path}", batch_file),
]
