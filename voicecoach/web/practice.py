"""The practice room: pick agent and scene, read the brief, record in the browser, see the debrief.

The page records the microphone (static/practice.js) and posts it as WAV stretches of about 2 s
while recording; each is decoded (a type check) and appended to the take file, whose header is
rewritten after every stretch, so a closed tab loses at most the last stretch. The customer's lines
are played in the page from /cues/SCENARIO/N.wav (the card's recorded cue audio, else espeak-ng:
practice.cue_clips) and their start and end on the take's clock go into the sidecar, where analyze
reads them to time the replies of a mono take.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import AudioError, VoicecoachError
from .app import error, page

MAX_CHUNK_BYTES = 8 * 1024 * 1024  # 2 s of 16-bit stereo at 48 kHz is 384 kB; 8 MB: a stalled tab's backlog
_CUES: dict[str, list[bytes]] = {}
_CUES_LOCK = threading.Lock()


@dataclass
class Recording:
    """A take being recorded: where its file is, whose it is, and what it is (take or rewind)."""

    path: Path
    agent: str
    scenario: str
    kind: str
    frames: int = 0
    sr: int | None = None
    channels: int | None = None


_RECORDINGS: dict[str, Recording] = {}


async def room(request: Request):
    from .. import practice
    from ..scenarios import list_cards

    o = practice.PracticeOptions()
    timing = {"speech_dbfs": practice.SPEECH_DBFS, "echo_guard_s": practice.ECHO_GUARD_S, "reply_pause_s": practice.REPLY_PAUSE_S,
              "end_pause_s": practice.END_PAUSE_S, "lead_in_s": o.lead_in_s, "cue_wait_s": o.cue_wait_s}
    return page(request, "practice.html", cards=list_cards(), agents=_agents(request), timing=timing)


def _agents(request: Request) -> list[str]:
    try:
        return sorted({t["agent"] for t in request.app.state.engine.takes() if t["agent"]})
    except VoicecoachError:
        return []


async def brief(request: Request):
    """The card's one-minute brief and its customer lines, as JSON for the page."""
    from ..scenarios import load_card

    card = load_card(_card_id(request.path_params["scenario"]))
    return _json({"id": card.id, "title": card.title, "brief": card.brief_lines(), "lines": list(card.customer_lines)})


def _card_id(ref: str) -> str:
    """Only shipped cards are reachable from a page (a path would read any file on the server)."""
    from ..errors import ScenarioError
    from ..scenarios import list_cards

    ids = {c.id for c in list_cards()}
    if ref not in ids:
        raise ScenarioError(f"{ref}: no such scenario; pick one of {', '.join(sorted(ids))}")
    return ref


async def cue(request: Request):
    scenario, index = _card_id(request.path_params["scenario"]), request.path_params["index"]
    clips = await run_in_threadpool(_cue_wavs, scenario)
    if not 0 <= index < len(clips):
        return error(f"{scenario}: the card has no customer line {index + 1}", 404)
    return Response(clips[index], media_type="audio/wav", headers={"Cache-Control": "max-age=3600"})


def _cue_wavs(scenario: str) -> list[bytes]:
    import soundfile as sf

    from ..practice import cue_clips
    from ..scenarios import load_card

    with _CUES_LOCK:
        if scenario not in _CUES:
            out = []
            for clip in cue_clips(load_card(scenario), 16000):
                buf = io.BytesIO()
                sf.write(buf, clip, 16000, format="WAV", subtype="PCM_16")
                out.append(buf.getvalue())
            _CUES[scenario] = out
        return _CUES[scenario]


async def start(request: Request):
    """A new take (or the rewind of one) for an agent and a scene: its file name is chosen here."""
    from ..practice import PracticeOptions, next_take, take_folder
    from ..scenarios import load_card
    from ..sidecar import write_sidecar

    body = await request.json()
    agent, kind = str(body.get("agent") or "").strip(), body.get("kind", "take")
    if not agent:
        return error("type the agent's name first")
    card = load_card(_card_id(str(body.get("scenario", ""))))
    engine = request.app.state.engine
    folder = take_folder(PracticeOptions(dir=engine.data / "takes", agent=agent), card)
    folder.mkdir(parents=True, exist_ok=True)
    n, path = next_take(folder)
    meta = {"agent": agent, "scenario": card.id, "take": n, "kind": "take", "channels": None,
            "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "recorded_by": "voicecoach serve"}
    if kind == "rewind" and n > 1:
        n -= 1
        path = folder / f"take-{n:02d}-rewind.wav"
        meta.update(take=n, kind="rewind", rewind_of=f"take-{n:02d}.wav")
    path.touch()  # reserves the number: next_take counts files
    write_sidecar(path, meta)
    rid = uuid.uuid4().hex
    _RECORDINGS[rid] = Recording(path, agent, card.id, meta["kind"])
    return _json({"id": rid, "take": n, "kind": meta["kind"], "name": path.name})


async def chunk(request: Request):
    """Append one WAV stretch to the take (decoded first: anything else is refused)."""
    rec = _recording(request)
    body = await request.body()
    if len(body) > MAX_CHUNK_BYTES:
        return error(f"{rec.path.name}: a recording stretch over {MAX_CHUNK_BYTES >> 20} MB", 413)
    await run_in_threadpool(_append, rec, body)
    return _json({"frames": rec.frames, "seconds": round(rec.frames / rec.sr, 2), "live": _live_line(rec)})


def _live_line(rec: Recording) -> dict | None:
    """Hook for the live pace line: voicecoach/live.py (LiveAnalyser: feed blocks, update() -> rate,
    band, pause, nudge) is not on main yet. When it is, keep one analyser per Recording, feed it each
    stretch in _append and return {"line": ..., "nudge": ...} here; static/practice.js (showLive)
    already shows it. Until then the page shows the level and the elapsed time."""
    return None


def _append(rec: Recording, body: bytes) -> None:
    import soundfile as sf

    try:
        data, sr = sf.read(io.BytesIO(body), dtype="int16", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise AudioError(f"{rec.path.name}: a recording stretch is not WAV audio ({e}); reload the page") from e
    if rec.sr is None:
        rec.sr, rec.channels = sr, data.shape[1]
        with sf.SoundFile(rec.path, "w", samplerate=sr, channels=rec.channels, subtype="PCM_16", format="WAV") as f:
            f.write(data)
    else:
        if (sr, data.shape[1]) != (rec.sr, rec.channels):
            raise AudioError(f"{rec.path.name}: the microphone changed mid-take ({sr} Hz x {data.shape[1]}); record again")
        with sf.SoundFile(rec.path, "r+") as f:  # the header is rewritten on close: the file is whole after every stretch
            f.seek(0, sf.SEEK_END)
            f.write(data)
    rec.frames += len(data)


def _recording(request: Request) -> Recording:
    rec = _RECORDINGS.get(request.path_params["rid"])
    if rec is None:
        raise VoicecoachError("no such recording (the server restarted?): press Record again")
    return rec


async def stop(request: Request):
    """The take is complete: log the cues played, analyse, write the report, record the history."""
    from ..sidecar import read_sidecar, sidecar_path, write_sidecar

    rec = _recording(request)
    body = await request.json()
    cues = [{"start_s": round(float(c["start_s"]), 3), "end_s": round(float(c["end_s"]), 3), "text": str(c.get("text", ""))}
            for c in body.get("cues") or []]
    if rec.frames == 0:  # the empty file and sidecar reserved at start are ours: nothing to keep
        _RECORDINGS.pop(request.path_params["rid"], None)
        rec.path.unlink(missing_ok=True)
        sidecar_path(rec.path).unlink(missing_ok=True)
        return error(f"{rec.path.name}: nothing was recorded; allow the microphone and press Record again")
    meta = read_sidecar(rec.path) or {}
    write_sidecar(rec.path, {**meta, "sample_rate_hz": rec.sr, "channels": rec.channels,
                             "duration_s": round(rec.frames / rec.sr, 2), **({"cues": cues} if cues else {})})
    _RECORDINGS.pop(request.path_params["rid"], None)
    engine = request.app.state.engine
    result = await run_in_threadpool(engine.analyse_take, rec.path, agent=rec.agent, scenario=rec.scenario)
    return _json({**result, "take": rec.path.name, "kind": rec.kind})


def _json(data) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse(data)


ROUTES = [
    Route("/", room),
    Route("/api/brief/{scenario}", brief),
    Route("/cues/{scenario}/{index:int}.wav", cue),
    Route("/api/takes", start, methods=["POST"]),
    Route("/api/takes/{rid}/chunk", chunk, methods=["POST"]),
    Route("/api/takes/{rid}/stop", stop, methods=["POST"]),
]
