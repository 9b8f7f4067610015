"""The practice room: pick agent and scene, read the brief, record in the browser, see the debrief.

The page records the microphone (static/practice.js) and posts it as WAV stretches of about 0.5 s
while recording; each is decoded (a type check) and appended to the take file, whose header is
rewritten after every stretch, so a closed tab loses at most the last stretch. The customer's lines
are played in the page from /cues/SCENARIO/N.wav (the card's recorded cue audio, else espeak-ng:
practice.cue_clips) and their start and end on the take's clock go into the sidecar, where analyze
reads them to time the replies of a mono take.

The live pace line (live.LiveAnalyser, as record and practice use it) runs here, one analyser per
take: each stretch is fed to it as it arrives, with the cues the page has played so far (their audio
is not the agent), and the chunk's answer carries the LiveState: rate against the scene's band, the
pause timer, level and clipping, and the one nudge. It updates once per stretch (about twice a second),
not 10 times a second as on the terminal. The nudges that fired go into the sidecar at Stop.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import AudioError, VoicecoachError
from .app import error, page

MAX_CHUNK_BYTES = 8 * 1024 * 1024  # 0.5 s of 16-bit stereo at 48 kHz is 96 kB; 8 MB: a stalled tab's backlog
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
    live: Any = None  # live.LiveAnalyser, made at the first stretch (its sample rate)
    cues_started: int = 0  # cues the analyser has been told are playing...
    cues_ended: int = 0  # ...and have ended (as practice.CueScheduler tells it, once the take reaches each time)
    opened_s: float = field(default_factory=time.monotonic)


_RECORDINGS: dict[str, Recording] = {}
# A take that got no stretch this long after Record (the tab was closed, the microphone refused) is
# abandoned: its empty reserved file and sidecar, ours, are removed (a take with audio is always kept)
ABANDONED_S = 120.0


def _release(rid: str) -> None:
    """Forget a take; if nothing was recorded, remove the empty file and sidecar reserved at start."""
    from ..sidecar import sidecar_path

    rec = _RECORDINGS.pop(rid, None)
    if rec is not None and rec.frames == 0:
        rec.path.unlink(missing_ok=True)
        sidecar_path(rec.path).unlink(missing_ok=True)


def release_abandoned(data: Path, *, older_than_s: float | None = None) -> None:
    """Release the empty takes under ``data`` opened over ``older_than_s`` (default ABANDONED_S) ago;
    0: all of them (at shutdown)."""
    now, older_than_s = time.monotonic(), ABANDONED_S if older_than_s is None else older_than_s
    for rid, rec in list(_RECORDINGS.items()):
        if rec.frames == 0 and now - rec.opened_s >= older_than_s and rec.path.is_relative_to(data):
            _release(rid)


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
    release_abandoned(engine.data)
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
    """Append one WAV stretch to the take (decoded first: anything else is refused) and answer with
    the live line. ``?cues=`` (JSON [[start_s, end_s], ...] on the take's clock): the cues played so far."""
    rec = _recording(request)
    body = await request.body()
    if len(body) > MAX_CHUNK_BYTES:
        return error(f"{rec.path.name}: a recording stretch over {MAX_CHUNK_BYTES >> 20} MB", 413)
    cues = _cue_spans(request.query_params.get("cues"))
    live = await run_in_threadpool(_append_and_measure, rec, body, cues)
    return _json({"frames": rec.frames, "seconds": round(rec.frames / rec.sr, 2), "live": live})


def _cue_spans(text: str | None) -> list[tuple[float, float]]:
    import json

    try:
        return [(float(a), float(b)) for a, b in json.loads(text or "[]")]
    except (ValueError, TypeError) as e:
        raise VoicecoachError(f"the cue times sent with a stretch are malformed ({e}); reload the page") from None


def _append_and_measure(rec: Recording, body: bytes, cues: list[tuple[float, float]]) -> dict:
    data = _append(rec, body)
    if rec.live is None:
        from ..live import LiveAnalyser
        from ..scenarios import load_card

        # a headset mic comes duplicated on both channels; a two-channel capture has the agent on the
        # right, as the samples and 'record --agent-channel right' (a mono block: its one channel)
        rec.live = LiveAnalyser(rate_hz=rec.sr, channel=1, norms=load_card(rec.scenario).norms)
    rec.live.feed(data.astype("float32") / 32768.0)
    now_s = rec.frames / rec.sr
    for i, (start_s, end_s) in enumerate(cues):
        if i == rec.cues_started and start_s <= now_s:
            rec.live.cue_playing(start_s)
            rec.cues_started += 1
        if i == rec.cues_ended < rec.cues_started and end_s <= now_s:
            rec.live.cue_ended(end_s)
            rec.cues_ended += 1
    return live_answer(rec.live.update(), rec.live.norms)


def live_answer(state, n) -> dict:
    """The LiveState as the page shows it: values, the band words and their tone ("ok", "warn",
    "bad": the terminal's colours, console.RATE_COLOUR and PAUSE_COLOUR) and the nudge's text."""
    import math

    from .. import console
    from ..live import pause_reading
    from ..norms import span

    tone = {console.GREEN: "ok", console.AMBER: "warn", console.RED: "bad"}
    pause = pause_reading(state, n)
    level = max(state.level_dbfs, console.METER_FLOOR_DBFS) if math.isfinite(state.level_dbfs) else None
    return {"at_s": round(state.at_s, 2), "pace_wpm": None if state.rate_wpm is None else round(state.rate_wpm),
            "band": state.band, "tone": tone.get(console.RATE_COLOUR.get(state.band)), "target": span(*n.rate_wpm, "wpm"),
            "pause": None if pause is None else {"label": pause[0], "s": round(pause[1], 1), "word": pause[2],
                                                 "tone": tone.get(console.PAUSE_COLOUR.get(pause[2]))},
            "level_dbfs": None if level is None else round(level), "clipping": state.clipping,
            "nudge": None if state.nudge is None else console.live_text(state.nudge)}


def _append(rec: Recording, body: bytes):
    """Decode the stretch, append it to the take file; the samples (frames x channels, int16)."""
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
    return data


def _recording(request: Request) -> Recording:
    rec = _RECORDINGS.get(request.path_params["rid"])
    if rec is None:
        raise VoicecoachError("no such recording (the server restarted?): press Record again")
    return rec


async def stop(request: Request):
    """The take is complete: log the cues played, analyse, write the report, record the history."""
    from ..sidecar import read_sidecar, write_sidecar

    rec = _recording(request)
    body = await request.json()
    cues = [{"start_s": round(float(c["start_s"]), 3), "end_s": round(float(c["end_s"]), 3), "text": str(c.get("text", ""))}
            for c in body.get("cues") or []]
    if rec.frames == 0:  # the empty file and sidecar reserved at start are ours: nothing to keep
        _release(request.path_params["rid"])
        return error(f"{rec.path.name}: nothing was recorded; allow the microphone and press Record again")
    meta = read_sidecar(rec.path) or {}
    nudges = {} if rec.live is None else {"nudges": rec.live.fired}  # as practice and record log them
    write_sidecar(rec.path, {**meta, "sample_rate_hz": rec.sr, "channels": rec.channels,
                             "duration_s": round(rec.frames / rec.sr, 2), **({"cues": cues} if cues else {}), **nudges})
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
