"""The five-minute micro-roleplay loop (DOMAIN.md): brief, act, rewind, debrief.

Takes land as ``DIR/AGENT/SCENARIO/take-NN.wav`` (numbered automatically) with their sidecars, ready
for ``compare`` and ``batch``; the rewind is a separate short take ``take-NN-rewind.wav`` whose
sidecar says ``"kind": "rewind"`` and ``"rewind_of"``. With cues, the customer's lines are played
(from the card's recorded ``cue_audio`` when it has it, else spoken by espeak-ng) and the start and
end of each on the recording's clock go into the sidecar, so ``analyze`` can time the agent's replies.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .console import LevelMeter, StdinLines
from .errors import AudioError, ScenarioError
from .live import ECHO_GUARD_S  # ignore the input this long after a cue ends: the speaker's tail and room echo
from .norms import DEFAULT
from .sidecar import sidecar_path, update_sidecar

SPEECH_DBFS = -45.0  # a 0.05 s block louder than this counts as the agent talking (close mic)
REPLY_PAUSE_S = 1.2  # the agent has answered once they paused this long after speaking
END_PAUSE_S = 4.0  # after the last cue, this long a pause ends the act
_TAKE = re.compile(r"^take-(\d+)\.wav$")


@dataclass(frozen=True)
class PracticeOptions:
    dir: Path = Path("sessions")
    agent: str = "agent"
    cues: bool = False
    brief_s: float = 60.0  # 1 min brief (DOMAIN.md practice rhythm)
    act_s: float = 120.0  # 2 min act
    rewind_s: float = 20.0  # the opening line again; 0 skips the rewind
    debrief: bool = True
    cue_wait_s: float = 20.0  # longest wait for the agent's reply before the next cue
    lead_in_s: float = 1.0  # silence before the first cue
    device: str | None = None
    rate_hz: int = 16000
    analysis: Any = None  # pipeline.Options for the debrief; None: defaults
    history: str | None = None  # the practice history the debriefed take is recorded in (None: not recorded)
    nudges: bool = True  # the live line's nudges: False shows and logs none


def take_folder(options: PracticeOptions, card) -> Path:
    return Path(options.dir) / _safe(options.agent) / _safe(card.id)


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip("-.")
    if not cleaned:
        raise AudioError(f"{name!r}: not usable as a folder name; use letters, digits, '-' or '_'")
    return cleaned


def next_take(folder: Path) -> tuple[int, Path]:
    """The next free take number in ``folder`` and its path (take-01.wav, take-02.wav, ...)."""
    numbers = [int(m.group(1)) for p in folder.glob("take-*.wav") if (m := _TAKE.match(p.name))] if folder.is_dir() else []
    n = max(numbers, default=0) + 1
    return n, folder / f"take-{n:02d}.wav"


def cue_clips(card, rate_hz: int) -> list[np.ndarray]:
    """One mono float32 clip per customer line at ``rate_hz``: the card's recorded cue audio, else espeak-ng."""
    from . import audio

    lines = list(card.customer_lines)
    if not lines:
        raise ScenarioError(f"{card.id}: the card has no customer_lines to play; practise without --cues")
    recorded = getattr(card, "cue_audio", None)
    if recorded:
        if len(recorded) != len(lines):
            raise ScenarioError(f"{card.id}: cue_audio has {len(recorded)} file(s) for {len(lines)} customer line(s)")
        return [audio.load(p, sr=rate_hz).channels[0] for p in recorded]
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise ScenarioError(f"{card.id}: no recorded cue audio and espeak-ng is not installed: apt-get install espeak-ng, or practise without --cues")
    clips = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-cues-") as tmp:
        for i, line in enumerate(lines):
            wav = Path(tmp) / f"cue-{i}.wav"
            done = subprocess.run([espeak, "-v", "en-us", "-s", "165", "-w", str(wav), line], capture_output=True, text=True)
            if done.returncode != 0:
                raise ScenarioError(f"{card.id}: espeak-ng could not speak line {i + 1} ({done.stderr.strip()})")
            clips.append(audio.load(wav, sr=rate_hz).channels[0])
    return clips


@dataclass
class CueScheduler:
    """``on_tick`` for a cued take: plays each customer line, waits for the agent's reply, ends the act."""

    playback: Any
    clips: list[np.ndarray]
    texts: list[str]
    stop: threading.Event
    options: PracticeOptions
    meter_view: LevelMeter
    live: Any = None  # live.LiveAnalyser: told when each cue plays and ends (the pause timer, no echo in the rate)
    state: str = "lead"
    index: int = 0
    cue_end_at_s: float = 0.0
    heard: bool = False
    quiet_since_s: float | None = None
    log: list[str] = field(default_factory=list)

    def _play(self, elapsed_s: float) -> None:
        self.playback.play(self.index, self.clips[self.index], self.texts[self.index])
        self.state = "playing"
        if self.live is not None:
            self.live.cue_playing(elapsed_s)

    def __call__(self, meter, elapsed_s: float) -> None:
        self.meter_view(meter, elapsed_s)
        if self.state == "lead" and elapsed_s >= self.options.lead_in_s:
            self._play(elapsed_s)
        elif self.state == "playing" and self.index in self.playback.ended:
            self.state, self.cue_end_at_s, self.heard, self.quiet_since_s = "waiting", elapsed_s, False, None
            if self.live is not None:
                self.live.cue_ended(elapsed_s)
        elif self.state == "waiting":
            waited_s = elapsed_s - self.cue_end_at_s
            if waited_s < ECHO_GUARD_S:
                return
            if meter.level_dbfs > SPEECH_DBFS:
                self.heard, self.quiet_since_s = True, None
            elif self.heard and self.quiet_since_s is None:
                self.quiet_since_s = elapsed_s
            last = self.index == len(self.clips) - 1
            pause_s = END_PAUSE_S if last else REPLY_PAUSE_S
            replied = self.heard and self.quiet_since_s is not None and elapsed_s - self.quiet_since_s >= pause_s
            if replied or waited_s >= self.options.cue_wait_s:
                if last:
                    self.state = "done"
                    self.stop.set()
                else:
                    self.index += 1
                    self._play(elapsed_s)


class Session:
    """One run of the loop; ``out`` gets the brief and debrief, ``err`` prompts and the meter."""

    def __init__(self, card, options: PracticeOptions, *, ref: str | None = None, keys: StdinLines | None = None,
                 out: TextIO | None = None, err: TextIO | None = None):
        self.card, self.options = card, options
        self.ref = ref or card.id  # what pipeline.Options.scenario loads the card from
        self.keys = keys or StdinLines()
        self.out, self.err = out or sys.stdout, err or sys.stderr

    def say(self, text: str = "", *, err: bool = False) -> None:
        stream = self.err if err else self.out
        stream.write(text + "\n")
        stream.flush()

    def run(self) -> dict[str, Any]:
        folder = take_folder(self.options, self.card)
        n, path = next_take(folder)
        self.brief()
        take = self.act(n, path)
        rewind = self.rewind(n, path) if self.options.rewind_s > 0 else None
        commitment = self.debrief(path) if self.options.debrief else None
        return {"take": take.path, "take_number": n, "rewind": rewind, "cues": take.cues, "commitment": commitment}

    def brief(self) -> None:
        c = self.card
        self.say(f"== Brief: {c.title} ({c.id}) ==")
        for heading, text in _brief_lines(c):
            self.say(f"{heading}: {text}")
        total = int(round(self.options.brief_s))
        if total <= 0:
            return
        tty = self.err.isatty()
        for left in range(total, 0, -1):
            if tty:
                self.err.write(f"\ract starts in {left:3d} s (Enter starts now) ")
                self.err.flush()
            elif left == total:
                self.say(f"act starts in {total} s (Enter starts now)", err=True)
            if self.keys.get(1.0) is not None:
                break
        if tty:
            self.err.write("\r" + " " * 40 + "\r")

    def act(self, n: int, path: Path):
        from .live import LiveAnalyser
        from .record import Playback, record

        o = self.options
        meta = {"agent": o.agent, "scenario": self.card.id, "take": n, "kind": "take"}
        live = LiveAnalyser(rate_hz=o.rate_hz, norms=getattr(self.card, "norms", None) or DEFAULT, nudges=o.nudges)
        meter = LevelMeter(self.err, limit_s=o.act_s, intro=f"== Act: take {n} -> {path} (Enter stops) ==", live=live)
        stop = self.keys.stop_on_enter()
        playback, on_tick = None, meter
        if o.cues:
            clips = cue_clips(self.card, o.rate_hz)
            playback = Playback(o.rate_hz)
            on_tick = CueScheduler(playback, clips, list(self.card.customer_lines), stop, o, meter, live)
        listeners = [live.feed]
        self.incremental = None  # words decoded while the take goes on, for a debrief at the stop (incremental.py)
        if o.debrief:
            from .incremental import Incremental

            self.incremental = Incremental(_analysis_options(o.analysis, self.card, self.ref), sr=o.rate_hz, channels=1)
            listeners.append(self.incremental.feed)
        take = record(path, seconds=o.act_s, device=o.device, rate_hz=o.rate_hz, stop=stop,
                      playback=playback, on_tick=on_tick, sidecar=meta, on_block=listeners,
                      sidecar_at_end=lambda: {"nudges": live.fired} if o.nudges else {})  # fmt: skip
        self.keys.disarm()
        meter.done()
        for w in take.warnings:
            self.say(f"warning: {w}", err=True)
        self.say(f"saved take {n}: {take.duration_s:.1f} s, {len(take.cues)} cue(s) logged -> {path}", err=True)
        return take

    def rewind(self, n: int, path: Path) -> str:
        from .record import record

        o = self.options
        rewind_path = path.with_name(f"take-{n:02d}-rewind.wav")
        self.say(f"== Rewind: say your opening line again, slower (up to {o.rewind_s:.0f} s, Enter stops) ==", err=True)
        meta = {"agent": o.agent, "scenario": self.card.id, "kind": "rewind", "rewind_of": path.name}
        meter = LevelMeter(self.err, limit_s=o.rewind_s, intro=f"recording the rewind -> {rewind_path}")
        take = record(rewind_path, seconds=o.rewind_s, device=o.device, rate_hz=o.rate_hz,
                      stop=self.keys.stop_on_enter(), on_tick=meter, sidecar=meta)
        self.keys.disarm()
        meter.done()
        return take.path

    def debrief(self, path: Path) -> str | None:
        from .pipeline import analyze
        from .report import render

        self.say("== Debrief ==", err=True)
        incremental = getattr(self, "incremental", None)  # issue 15: words decoded during the take
        if incremental is not None:
            result, _stats = incremental.finish(path)
        else:
            result = analyze(path, _analysis_options(self.options.analysis, self.card, self.ref))
        self.say(render(result, "text").rstrip("\n"))
        self._record(result, path)
        self.say("One thing you will do differently next take (one line, Enter to skip):", err=True)
        line = self.keys.get(None)
        commitment = (line or "").strip() or None
        if commitment:
            update_sidecar(path, {"commitment": commitment})
            self.say(f"saved your commitment in {sidecar_path(path)}", err=True)
        return commitment

    def _record(self, result, path: Path) -> None:
        from .history import HistoryError, record

        try:
            record(self.options.history, result, path, agent=self.options.agent, scenario=self.card.id)
        except HistoryError as e:  # the take and its debrief are safe on disk; the history can be filled later
            self.say(f"warning: not recorded in the history: {e} ('voicecoach history import' adds it later)", err=True)


def _brief_lines(card) -> list[tuple[str, str]]:
    if hasattr(card, "brief_lines"):
        return card.brief_lines()
    return [("Trigger", card.trigger), ("Constraint", card.constraint), ("Skill", card.skill)]


def _analysis_options(base, card, ref: str):
    """pipeline.Options for the debrief, naming the scenario card (its id or .toml path)."""
    from .pipeline import Options

    return replace(base or Options(), scenario=ref)
