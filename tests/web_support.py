"""`voicecoach serve` in the test process: the real app under uvicorn on a free port, in a thread,
and plain HTTP requests to it (http.client, so the Host header and the body framing are ours)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from pathlib import Path

from voicecoach.web.app import create_app
from voicecoach.web.engine import Engine
from voicecoach.web.security import Guard


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, history: Path | None, *, host: str = "127.0.0.1", max_upload_bytes: int = 5_000_000):
        import uvicorn

        self.host, self.port = host, free_port(host)
        self.engine = Engine(data, str(history) if history else None)
        self.guard = Guard(host=host, max_upload_bytes=max_upload_bytes)
        self.server = uvicorn.Server(uvicorn.Config(create_app(self.engine, self.guard), host=host, port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not start")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def request(self, method: str, path: str, body=None, headers: dict | None = None, *, chunked: bool = False):
        """(status, headers, body text); ``headers`` may replace Host."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        headers = dict(headers or {})
        skip_host = "Host" in headers
        conn.putrequest(method, path, skip_host=skip_host)
        for k, v in headers.items():
            conn.putheader(k, v)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        elif body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            if chunked:
                step = 1 << 20
                for i in range(0, len(body), step):
                    part = body[i:i + step]
                    conn.send(f"{len(part):X}\r\n".encode() + part + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.send(body)
        try:
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def csrf(self) -> dict[str, str]:
        """Cookie and header of a fresh visit (the double-submit pair)."""
        _, headers, _ = self.request("GET", "/upload")
        token = headers["set-cookie"].split("vc_csrf=", 1)[1].split(";", 1)[0]
        return {"Cookie": f"vc_csrf={token}", "X-CSRF-Token": token}

    def upload(self, body: bytes, name: str, query: str = "", **kw):
        status, _, text = self.request("POST", f"/api/upload{query}", body, {**self.csrf(), "X-Upload-Name": name}, **kw)
        return status, json.loads(text) if text.startswith("{") else text


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
