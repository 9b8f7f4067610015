"""The Starlette app: pages, their JSON endpoints and the static files, behind security.GuardMiddleware.

``create_app(engine, guard)`` builds it (the tests start it in a thread with uvicorn on a free
port); ``serve(...)`` runs it until Ctrl-C.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..errors import VoicecoachError
from .engine import Engine
from .security import Guard, GuardMiddleware, TooLarge

_ENV = Environment(loader=PackageLoader("voicecoach.web", "templates"), autoescape=select_autoescape(default=True))
NAV = (("/", "Practice"), ("/takes", "Takes"), ("/dashboard", "Dashboard"), ("/upload", "Upload"))


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A page from templates/ (autoescaped), with the navigation and the CSRF token for its scripts."""
    html = _ENV.get_template(template).render(nav=NAV, here=request.url.path, csrf=request.scope["state"]["csrf"], **context)
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                       "Referrer-Policy": "no-referrer", "X-Frame-Options": "SAMEORIGIN"})


# inline scripts are never needed by our pages: a script slipped into one is not run
CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' blob: data:; frame-src 'self'; object-src 'none'; base-uri 'none'"


def error(message: str, status: int = 400) -> JSONResponse:
    """The CLI's one line, for the page to show as it is."""
    return JSONResponse({"error": message if message.startswith("Error: ") else f"Error: {message}"}, status)


async def on_voicecoach_error(request: Request, exc: VoicecoachError) -> JSONResponse:
    return error(str(exc))


async def on_too_large(request: Request, exc: TooLarge) -> JSONResponse:
    cap = request.app.state.guard.max_upload_bytes
    return error(f"upload too large: over {cap / 1e6:.0f} MB; trim the recording or start serve with a larger --max-upload-mb", 413)


def create_app(engine: Engine, guard: Guard | None = None) -> Starlette:
    from . import dashboard, practice, takes, upload

    guard = guard or Guard()
    routes = [*practice.ROUTES, *takes.ROUTES, *dashboard.ROUTES, *upload.ROUTES,
              Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        practice.release_abandoned(engine.data, older_than_s=0)  # a tab closed before its first stretch

    app = Starlette(routes=routes, exception_handlers={VoicecoachError: on_voicecoach_error, TooLarge: on_too_large},
                    lifespan=lifespan)
    app.state.engine, app.state.guard = engine, guard
    app.add_middleware(GuardMiddleware, guard=guard)
    return app


def serve(engine: Engine, guard: Guard, port: int, echo=print) -> None:
    import uvicorn

    app = create_app(engine, guard)
    shown = f"[{guard.host}]" if ":" in guard.host else guard.host
    url = f"http://{'127.0.0.1' if guard.host in ('0.0.0.0', '::') else shown}:{port}/"
    echo(f"voicecoach serve: {url}{'?token=' + guard.token if guard.token else ''}  (data in {engine.data}; Ctrl-C stops)")
    uvicorn.run(app, host=guard.host, port=port, log_level="warning")
