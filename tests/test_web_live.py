"""The practice room's live pace line without a browser: the page's WAV stretches (0.5 s each, as
static/practice.js sends them) posted to the real server; each answer carries the LiveState of
voicecoach/live.py. Truth: the same take analysed offline (rate) and the sample's script (the reply's
latency after the caller's line, played as a cue); the nudges reach the sidecar at Stop."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from web_support import Server

ROOT = Path(__file__).resolve().parent.parent
TAKE = ROOT / "samples" / "long_hold_take1.wav"  # stereo: customer left, agent right
RATE_TOL = 0.15  # the live rate's p90 error on 5 s windows (tests/test_live.py)
LATENCY_TOL_S = 0.15
STRETCH_S = 0.5  # as static/practice.js posts them


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve-live") / "data", None)
    yield s
    s.stop()


def _record(server: Server, cues: list[list[float]] | None = None):
    """Post the take in 0.5 s stretches; (the take's id, each stretch's live answer)."""
    headers = server.csrf()
    status, _, body = server.request("POST", "/api/takes", json.dumps({"agent": "live01", "scenario": "long-hold"}).encode(),
                                     {**headers, "Content-Type": "application/json"})
    assert status == 200, body
    rid = json.loads(body)["id"]
    data, sr = sf.read(TAKE, dtype="int16", always_2d=True)
    query = f"?cues={json.dumps(cues)}".replace(" ", "") if cues else ""
    answers = []
    step = int(STRETCH_S * sr)
    for i in range(0, len(data), step):
        buf = io.BytesIO()
        sf.write(buf, data[i : i + step], sr, format="WAV", subtype="PCM_16")
        status, _, body = server.request("POST", f"/api/takes/{rid}/chunk{query}", buf.getvalue(), {**headers, "Content-Type": "audio/wav"})
        assert status == 200, body
        answers.append(json.loads(body)["live"])
    return rid, headers, answers


def test_live_rate_after_5_s_of_speech_is_the_offline_rate(server, truth, analyses):
    offline = analyses("long_hold_take1").agent.rate_wpm
    rid, headers, answers = _record(server)
    # the agent has spoken 5.4 s by the end of their second line (16.63-17.05 s in the script)
    agent_lines = [line for line in truth["long_hold_take1"]["lines"] if line["speaker"] == "agent"]
    after = agent_lines[1]["end_s"]
    late = [a for a in answers if a["at_s"] >= after]
    print(f"offline {offline:.1f} wpm; live {[(a['at_s'], a['pace_wpm']) for a in answers]}")
    assert len(late) >= 6
    for a in late:
        assert abs(a["pace_wpm"] - offline) <= RATE_TOL * offline, (a, offline)
        assert a["target"] == "140-160 wpm" and a["band"] in ("neutral", "fast", "target")
    assert all(a["level_dbfs"] is not None for a in answers)
    status, _, body = server.request("POST", f"/api/takes/{rid}/stop", b"{}", {**headers, "Content-Type": "application/json"})
    assert status == 200, body
    take = server.engine.data / "takes" / "live01" / "long-hold" / json.loads(body)["take"]
    sidecar = json.loads(take.with_name(take.name + ".json").read_text())
    assert isinstance(sidecar["nudges"], list)  # logged as practice and record log them (none fire at this pace)


def test_pause_timer_runs_from_the_callers_cue(server, truth):
    """The caller's first line as a cue (the page sends the cues it played): before the agent speaks
    the timer runs, then it shows the reply's latency (the script's 0.3 s)."""
    customer = truth["long_hold_take1"]["lines"][0]
    want = truth["long_hold_take1"]["latencies_s"][0]
    _, _, answers = _record(server, [[customer["start_s"], customer["end_s"]]])
    during = [a for a in answers if a["at_s"] < customer["end_s"]]
    assert all(a["pause"] is None for a in during)  # the cue is still playing: no timer yet
    answered = [a for a in answers if a["pause"] and a["pause"]["label"] == "answered after"]
    assert answered and abs(answered[0]["pause"]["s"] - want) <= LATENCY_TOL_S, (answered[0], want)
    assert answered[0]["pause"]["tone"] in ("ok", "warn", "bad")  # judged against the card's band, coloured


def test_malformed_cue_times_give_one_line(server):
    headers = server.csrf()
    _, _, body = server.request("POST", "/api/takes", json.dumps({"agent": "live02", "scenario": "long-hold"}).encode(),
                                {**headers, "Content-Type": "application/json"})
    rid = json.loads(body)["id"]
    buf = io.BytesIO()
    sf.write(buf, np.zeros((1600, 2), np.int16), 16000, format="WAV", subtype="PCM_16")
    status, _, body = server.request("POST", f"/api/takes/{rid}/chunk?cues=[[1]]", buf.getvalue(), {**headers, "Content-Type": "audio/wav"})
    assert status == 400 and json.loads(body)["error"].startswith("Error: the cue times") and "\n" not in body
