"""`voicecoach serve` fails safely: a foreign Host header (DNS rebinding), a missing CSRF token, a
missing access token off loopback, a path in an upload's name, an oversized and a non-audio upload,
and a script tag in an agent's name (escaped, never run: checked in real Chromium)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cdp import Browser, chromium_path
from web_support import Server, files_under

ROOT = Path(__file__).resolve().parent.parent
TAKE = ROOT / "samples" / "long_hold_take1.wav"
SCRIPT = "<script>alert('agent')</script>"


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def server(tree):
    s = Server(tree / "data", tree / "history.sqlite", max_upload_bytes=3_000_000)
    yield s
    s.stop()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.nip.io", "192.168.1.5"])
def test_foreign_host_header_is_refused(server, host):
    status, _, body = server.request("GET", "/", headers={"Host": host})
    assert status == 403 and "Host" in body
    status, _, _ = server.request("POST", "/api/takes", b"{}", {"Host": host, **server.csrf()})
    assert status == 403


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_are_served(server, host):
    status, _, body = server.request("GET", "/", headers={"Host": f"{host}:{server.port}"})
    assert status == 200 and "Practice room" in body


def test_post_needs_the_csrf_token(server):
    body = json.dumps({"agent": "a", "scenario": "long-hold"}).encode()
    assert server.request("POST", "/api/takes", body)[0] == 403  # no cookie, no header
    pair = server.csrf()
    assert server.request("POST", "/api/takes", body, {"Cookie": pair["Cookie"], "X-CSRF-Token": "forged"})[0] == 403
    assert server.request("POST", "/api/takes", body, {"Cookie": pair["Cookie"]})[0] == 403
    assert server.request("POST", "/api/takes", body, pair)[0] == 200


def test_other_hosts_need_the_token(tree):
    s = Server(tree / "data2", None, host="127.0.0.2")  # not loopback by name: a token is made and required
    try:
        assert s.guard.token and len(s.guard.token) >= 24
        status, _, body = s.request("GET", "/takes")
        assert status == 401 and "token" in body
        status, headers, _ = s.request("GET", f"/takes?token={s.guard.token}&agent=x")
        assert status == 303 and headers["location"] == "/takes?agent=x"  # the token leaves the address bar
        cookie = headers["set-cookie"].split(";", 1)[0]
        assert "HttpOnly" in headers["set-cookie"] and "SameSite=strict" in headers["set-cookie"]
        assert s.request("GET", "/takes", headers={"Cookie": cookie})[0] == 200
        assert s.request("GET", "/takes", headers={"Cookie": "vc_token=wrong"})[0] == 401
        assert s.request("GET", "/takes", headers={"Host": "evil.example", "Cookie": cookie})[0] == 403
    finally:
        s.stop()


def test_upload_name_is_never_a_path(server, tree):
    before = files_under(tree)
    status, data = server.upload(TAKE.read_bytes(), "..%2F..%2F..%2Fescaped.wav", "?agent=agent01&scenario=long-hold")
    assert status == 200, data
    assert re.fullmatch(r"[0-9a-f]{32}\.wav", data["stored_as"]) and data["name"] == "escaped.wav"
    new = files_under(tree) - before
    assert f"data/uploads/{data['stored_as']}" in new
    sidecar = json.loads((tree / "data" / "uploads" / f"{data['stored_as']}.json").read_text())
    assert sidecar == {"uploaded_as": "escaped.wav", "agent": "agent01", "scenario": "long-hold"}
    assert all(p.startswith(("data/", "history.sqlite")) for p in new), new
    assert not list(tree.parent.rglob("escaped.wav")) and not (tree.parent / "escaped.wav").exists()
    assert abs(data["rate_wpm"] - 177) < 0.1 * 177  # it was analysed: the sample's known rate


def test_oversized_upload_is_refused_and_nothing_kept(server, tree):
    uploads = tree / "data" / "uploads"
    before = files_under(uploads)
    big = TAKE.read_bytes() * 2  # 3.9 MB over a 3 MB cap
    for chunked in (False, True):  # declared length (refused before reading) and a streamed body (counted)
        status, data = server.upload(big, "long.wav", chunked=chunked)
        assert status == 413, data
        assert data["error"].startswith("Error: upload too large") and "\n" not in data["error"]
    assert files_under(uploads) == before


def test_non_audio_upload_gives_the_cli_line(server, tree):
    uploads = tree / "data" / "uploads"
    before = files_under(uploads)
    status, data = server.upload(b"just some notes, not audio\n" * 100, "notes.wav")
    assert status == 400
    assert data["error"] == "Error: notes.wav: not an audio file (RIFF header missing); export the clip as WAV, FLAC, OGG, MP3 or M4A"
    assert files_under(uploads) == before


def test_script_in_agent_name_is_shown_not_run(server, tree):
    binary = chromium_path()
    if binary is None:
        pytest.fail("chromium is missing: run 'make test' (scripts/system-deps.sh installs Debian's chromium)")
    clip = tree / "for-upload.wav"
    shutil.copy(ROOT / "samples" / "long_hold_mono.wav", clip)  # 1.5 MB: under the 3 MB cap
    b = Browser(binary)
    try:
        s = b.open(f"{server.url}/upload")
        b.send("Page.enable", session=s)
        b.wait_for(s, "document.readyState === 'complete' && !!window.vc")
        b.eval(s, f"document.getElementById('agent').value = {json.dumps(SCRIPT)}")
        b.set_files(s, "#files", [str(clip)])
        b.wait_for(s, "document.body.dataset.uploads === '1' && !document.querySelector('#results li').textContent.includes('uploading')", 120)
        assert "wpm" in b.eval(s, "document.querySelector('#results li').textContent")
        # the upload's figures are the debrief's: each number in doubt greyed, with its reason
        figures = json.loads(b.eval(s, "document.querySelector('#results li').dataset.result"))["figures"]
        assert figures and all(f"{f['label']} {f['value']}" in b.eval(s, "document.querySelector('#results li').textContent") for f in figures)
        assert b.eval(s, "document.querySelectorAll('#results li span.unsure').length") == sum(bool(f["unsure"]) for f in figures)
        b.screenshot(s, "/tmp/web-shots/upload.png")
        b.send("Page.navigate", {"url": f"{server.url}/takes"}, s)
        b.wait_for(s, "location.pathname === '/takes' && document.readyState === 'complete'")
        shown = b.eval(s, "[...document.querySelectorAll('td.agent')].map(td => td.textContent)")
        assert SCRIPT in shown  # the text itself, so it was escaped, not parsed
        assert "for-upload.wav" in b.eval(s, "[...document.querySelectorAll('td.clip')].map(td => td.textContent)")
        assert b.eval(s, "document.querySelectorAll('td.agent script').length") == 0
        b.eval(s, "new Promise(r => setTimeout(r, 300))")
        assert not [e for e in b.events if e["method"] == "Page.javascriptDialogOpening"]
    finally:
        b.close()


def test_serve_command_starts_and_port_in_use_is_one_line(tree):
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from web_support import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "voicecoach.cli", "serve", "--port", str(port), "--data", str(tree / "cli-data"),
           "--history", str(tree / "cli.sqlite")]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()
        assert line.startswith(f"voicecoach serve: http://127.0.0.1:{port}/ ") and "token" not in line
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/takes", timeout=5) as r:
                    assert r.status == 200 and "Takes" in r.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("serve did not answer")
        r = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=60)  # the port is in use now
        assert r.returncode == 1 and r.stderr.count("\n") == 1
        assert r.stderr.startswith(f"Error: 127.0.0.1:{port}: cannot listen there") and "Traceback" not in r.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_take_with_nothing_recorded_leaves_nothing(server, tree):
    pair = server.csrf()
    status, _, text = server.request("POST", "/api/takes", json.dumps({"agent": "agent09", "scenario": "long-hold"}).encode(), pair)
    assert status == 200
    rid = json.loads(text)["id"]
    folder = tree / "data" / "takes" / "agent09" / "long-hold"
    assert sorted(p.name for p in folder.iterdir()) == ["take-01.wav", "take-01.wav.json"]  # reserved at start
    status, _, text = server.request("POST", f"/api/takes/{rid}/chunk", b"RIFF not really", pair)
    assert status == 400 and json.loads(text)["error"].startswith("Error: take-01.wav: a recording stretch is not WAV audio")
    status, _, text = server.request("POST", f"/api/takes/{rid}/stop", b"{}", pair)
    assert status == 400 and "nothing was recorded" in json.loads(text)["error"]
    assert list(folder.iterdir()) == []


def test_a_take_abandoned_before_its_first_stretch_is_released(tree, monkeypatch):
    """A tab closed before it sent any audio: the empty reservation (ours) goes when a new take starts
    after ABANDONED_S, and the rest when the server stops; a take with audio is always kept."""
    from voicecoach.web import practice

    s = Server(tree / "abandon", None)
    try:
        pair = s.csrf()

        def start(agent):
            status, _, text = s.request("POST", "/api/takes", json.dumps({"agent": agent, "scenario": "long-hold"}).encode(), pair)
            assert status == 200, text
            return json.loads(text)["id"]

        takes = tree / "abandon" / "takes"
        start("agent10")  # closed at once
        kept = start("agent11")
        status, _, _ = s.request("POST", f"/api/takes/{kept}/chunk", _stretch(), pair)
        assert status == 200
        monkeypatch.setattr(practice, "ABANDONED_S", 0.0)  # as if two minutes had passed
        start("agent12")  # still open when the server stops
        assert not (takes / "agent10" / "long-hold").exists() or list((takes / "agent10" / "long-hold").iterdir()) == []
        assert files_under(takes) >= {"agent11/long-hold/take-01.wav", "agent12/long-hold/take-01.wav"}
    finally:
        s.stop()
    assert files_under(takes) == {"agent11/long-hold/take-01.wav", "agent11/long-hold/take-01.wav.json"}


def _stretch() -> bytes:
    """Two seconds of 16 kHz mono WAV, as the page posts a stretch."""
    import io

    import numpy as np
    import soundfile as sf

    buf = io.BytesIO()
    t = np.arange(32000) / 16000
    sf.write(buf, (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, format="WAV", subtype="PCM_16")
    return buf.getvalue()
