"""What keeps a local web app local: the Host check (DNS rebinding), the access token for any
host other than loopback, the CSRF double-submit check on every POST, and capped, server-named
uploads.

DNS rebinding: a page on evil.example can make its name resolve to 127.0.0.1 and then talk to this
server from the victim's browser; its requests still carry ``Host: evil.example``, so only
localhost, 127.0.0.1, [::1] and the bound host are served.
CSRF: a cookie holding a random token (SameSite=Strict) that every POST must echo in the
``X-CSRF-Token`` header or a ``csrf`` form field (the double-submit pattern, OWASP CSRF cheat sheet);
another site can make the browser send the cookie, never read it.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import anyio
from starlette.datastructures import URL
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK = ("localhost", "127.0.0.1", "::1")
WILDCARD = ("0.0.0.0", "::")
TOKEN_COOKIE = "vc_token"
CSRF_COOKIE = "vc_csrf"
CSRF_HEADER = "x-csrf-token"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # an hour of 16-bit stereo 44.1 kHz WAV is 635 MB; 200 MB: ~20 min of it, hours of MP3


class TooLarge(Exception):
    """A request body over the cap."""


@dataclass
class Guard:
    """The server's safety settings: the host it is bound to, and the token a non-loopback host needs."""

    host: str = "127.0.0.1"
    token: str | None = None
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    allowed_hosts: set[str] = field(default_factory=set)

    def host_ok(self, host_header: str) -> bool:
        """Loopback names and the bound host; bound to every interface (0.0.0.0, ::), any name
        the machine is reached by, since the token (never known to another site) is required then."""
        return _bare(self.host) in WILDCARD or _bare(host_header) in self.allowed_hosts

    def __post_init__(self) -> None:
        self.allowed_hosts = {*LOOPBACK, _bare(self.host)}
        if self.token is None and _bare(self.host) not in LOOPBACK:
            self.token = secrets.token_urlsafe(24)


def _bare(host: str) -> str:
    """'127.0.0.1:8765' -> '127.0.0.1'; '[::1]:8765' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class GuardMiddleware:
    """Host check, then the token (query ``?token=`` once: it becomes a cookie), then CSRF on POST."""

    def __init__(self, app: ASGIApp, guard: Guard):
        self.app, self.guard = app, guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = _cookies(headers.get("cookie", ""))
        if not self.guard.host_ok(headers.get("host", "")):
            await PlainTextResponse("Error: unknown Host header: open this app at its own address", 403)(scope, receive, send)
            return
        if self.guard.token is not None:
            given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
            if given is not None and secrets.compare_digest(given, self.guard.token):
                await self._remember_token(scope, receive, send)
                return
            if not secrets.compare_digest(cookies.get(TOKEN_COOKIE, ""), self.guard.token):
                await PlainTextResponse("Error: this server needs its access token: open the address printed at start", 401)(scope, receive, send)
                return
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            sent = headers.get(CSRF_HEADER) or _query_csrf(scope)
            expected = cookies.get(CSRF_COOKIE, "")
            if not expected or not sent or not secrets.compare_digest(sent, expected):
                await PlainTextResponse("Error: missing or wrong CSRF token: reload the page and try again", 403)(scope, receive, send)
                return
        scope.setdefault("state", {})["csrf"] = cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        new_csrf = CSRF_COOKIE not in cookies

        async def send_with_cookie(message):
            if message["type"] == "http.response.start" and new_csrf:
                cookie = f"{CSRF_COOKIE}={scope['state']['csrf']}; Path=/; SameSite=Strict"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode("latin-1")))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _remember_token(self, scope: Scope, receive: Receive, send: Send) -> None:
        url = URL(scope=scope)
        query = [(k, v) for k, vs in parse_qs(url.query).items() for v in vs if k != "token"]
        target = url.path + (f"?{urlencode(query)}" if query else "")
        response = RedirectResponse(target, 303)
        response.set_cookie(TOKEN_COOKIE, self.guard.token, httponly=True, samesite="strict")
        await response(scope, receive, send)


def _query_csrf(scope: Scope) -> str | None:
    """A plain HTML form posts its token as ``?csrf=`` in its action (the body stays unread here)."""
    return parse_qs(scope.get("query_string", b"").decode("latin-1")).get("csrf", [None])[0]


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = value
    return out


async def save_body(request, folder: Path, suffix: str, limit_bytes: int) -> Path:
    """Stream the request body into ``folder`` under a new server-chosen name; TooLarge past the cap
    (the partial file is removed). Nothing the client sent names the file."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit_bytes:
        raise TooLarge
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    size = 0
    try:
        async with await anyio.open_file(path, "xb") as f:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit_bytes:
                    raise TooLarge
                await f.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def safe_suffix(name: str, allowed: tuple[str, ...]) -> str:
    """The client's file name is only ever a hint of its format: a known audio suffix, else none."""
    suffix = Path(name.replace("\\", "/")).suffix.lower()
    return suffix if suffix in allowed else ""
