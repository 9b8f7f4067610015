"""Upload of existing recordings: the body is streamed to a server-chosen name under uploads/ (the
client's file name is a label and a format hint, never a path), capped in size, decoded first
(pipeline.analyze_clip decodes before it loads the model: the CLI's one-line errors), then analysed like a practice take."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import VoicecoachError
from ..sidecar import sidecar_path, write_sidecar
from .app import error, page
from .security import safe_suffix, save_body


async def form(request: Request):
    from ..scenarios import list_cards

    return page(request, "upload.html", cards=list_cards(), cap_mb=request.app.state.guard.max_upload_bytes / 1e6)


async def receive(request: Request):
    from ..audio import SUFFIXES

    engine, guard = request.app.state.engine, request.app.state.guard
    label = unquote(request.headers.get("x-upload-name", "upload"))[:200]
    name = Path(label.replace("\\", "/")).name or "upload"  # for messages only
    q = request.query_params
    scenario = q.get("scenario") or None
    if scenario:
        from .practice import _card_id

        scenario = _card_id(scenario)
    path = await save_body(request, engine.data / "uploads", safe_suffix(name, SUFFIXES), guard.max_upload_bytes)
    write_sidecar(path, {"uploaded_as": name, **({"agent": q["agent"]} if q.get("agent") else {}),
                         **({"scenario": scenario} if scenario else {})})  # the name a person knows it by, shown on Takes
    try:
        result = await run_in_threadpool(engine.analyse_take, path, agent=q.get("agent") or None, scenario=scenario)
    except VoicecoachError as e:
        path.unlink(missing_ok=True)  # ours: written a moment ago, under our own names
        sidecar_path(path).unlink(missing_ok=True)
        return error(str(e).replace(str(path), name))
    return JSONResponse({**result, "name": name, "stored_as": path.name})


ROUTES = [
    Route("/upload", form),
    Route("/api/upload", receive, methods=["POST"]),
]
