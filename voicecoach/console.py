"""Terminal helpers for the interactive commands (record, practice): Enter detection and a live meter.

Kept out of the CLI so the practice loop can use them too; pure stdlib, no click.

The live line (issue 15) is calm on purpose: one line of values, one line for a nudge, colour only
where it carries meaning (the pace and the pause against their bands, clipping), no colour with
NO_COLOR set (no-color.org), and on a pipe or a file no redrawing at all: a plain summary line every
SUMMARY_S and one line per nudge.
"""

from __future__ import annotations

import math
import os
import queue
import sys
import threading
import time
from typing import TextIO

from .clock import mmss_whole

METER_WIDTH = 30
METER_FLOOR_DBFS = -60.0
LIVE_METER_WIDTH = 10
DRAW_EVERY_S = 0.09  # redraws on a fixed schedule (record.TICK_S is 40 ms): 11 a second, none skipped by drift
SUMMARY_S = 10.0  # not a terminal: one plain line this often
GREEN, AMBER, RED, RESET = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[0m"
# the band words of analysis/judge.py, by what they mean for the agent now
RATE_COLOUR = {"target": GREEN, "neutral": AMBER, "slow": AMBER, "fast": AMBER, "too slow": RED, "too fast": RED}
PAUSE_COLOUR = {"calm": GREEN, "quick": AMBER, "long": AMBER, "jump-in": RED, "stall": RED}
CLEAR_TWO = "\r\x1b[2K\n\x1b[2K\x1b[1A\r"  # blank the values line and the nudge line under it


class StdinLines:
    """Reads stdin lines on a daemon thread, so Enter can stop a countdown or a take at any time.

    End of input (stdin closed or /dev/null) never counts as Enter: an unattended run then stops only
    on its time limits.
    """

    def __init__(self, stream: TextIO | None = None):
        self._stream = stream or sys.stdin
        self._lines: queue.Queue[str] = queue.Queue()
        self._armed: threading.Event | None = None
        self.closed = threading.Event()
        threading.Thread(target=self._read, name="voicecoach-stdin", daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self._stream:
                armed = self._armed
                if armed is not None and not armed.is_set():
                    armed.set()  # this Enter stops the running take; it is not an answer
                else:
                    self._lines.put(line.rstrip("\r\n"))
        except (OSError, ValueError):
            pass
        self.closed.set()

    def get(self, timeout_s: float | None = None) -> str | None:
        """The next line, or None when none arrives in ``timeout_s`` (or input has ended)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            wait = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if wait <= 0:
                return None
            try:
                return self._lines.get(timeout=wait)
            except queue.Empty:
                if self.closed.is_set() and self._lines.empty():
                    return None

    def stop_on_enter(self) -> threading.Event:
        """An Event the next Enter sets (for stopping a take); call ``disarm`` when the take is over."""
        self._armed = threading.Event()
        return self._armed

    def disarm(self) -> None:
        self._armed = None


class LevelMeter:
    """``on_tick`` for record(): a level bar and elapsed time on a terminal; warnings once, anywhere."""

    def __init__(self, err: TextIO | None = None, *, limit_s: float | None = None, intro: str = "", live=None):
        self.err = err or sys.stderr
        self.intro = intro
        self.tty = self.err.isatty()
        self.colour = self.tty and not os.environ.get("NO_COLOR")
        self.limit_s = limit_s
        self.live = live  # a live.LiveAnalyser: the pace line instead of the level bar
        self.warned: set[str] = set()
        self._last = 0.0
        self._summary_at = SUMMARY_S
        self._next_draw = 0.0
        self._nudges_told = 0
        self.draws = 0  # redraws so far (bench/live.py measures the update rate)

    def _warn(self, key: str, text: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            clear = (CLEAR_TWO if self.live is not None else "\r" + " " * 70 + "\r") if self.tty else ""
            self.err.write(clear + f"warning: {text}\n")
            self.err.flush()

    def __call__(self, meter, elapsed_s: float) -> None:
        from .record import CLIP_LEVEL, QUIET_AFTER_S, QUIET_DBFS

        if self.intro:  # printed once the device is open, so an error is never preceded by it
            self.err.write(self.intro + "\n")
            self.err.flush()
            self.intro = ""
        if meter.peak >= CLIP_LEVEL:
            self._warn("clip", "input is clipping: lower the input gain or move back from the mic")
        if elapsed_s >= QUIET_AFTER_S and meter.loudest_dbfs < QUIET_DBFS:
            self._warn("quiet", f"input is very quiet (below {QUIET_DBFS:.0f} dBFS so far): check the mic and its gain")
        if self.live is not None:
            self._live(self.live.update(), elapsed_s)
            return
        if not self.tty or time.monotonic() - self._last < 0.1:
            return
        self._last = time.monotonic()
        level = meter.level_dbfs if math.isfinite(meter.level_dbfs) else METER_FLOOR_DBFS
        fill = int(round(METER_WIDTH * max(0.0, 1 - level / METER_FLOOR_DBFS)))
        limit = f"/{_mmss(self.limit_s)}" if self.limit_s else ""
        bar = "#" * fill + "-" * (METER_WIDTH - fill)
        self.err.write(f"\r{_mmss(elapsed_s)}{limit} [{bar}] {level:6.1f} dBFS  Enter or Ctrl-C stops ")
        self.err.flush()

    def _live(self, state, elapsed_s: float) -> None:
        """The pace line: redrawn in place on a terminal, a summary now and then elsewhere."""
        fired = self.live.fired
        if not self.tty:
            for n in fired[self._nudges_told :]:
                self.err.write(f"{_mmss(n['at_s'])} nudge: {live_text(n['kind'])}\n")
            self._nudges_told = len(fired)
            if elapsed_s >= self._summary_at:
                self._summary_at += SUMMARY_S
                self.err.write(f"{_mmss(elapsed_s)} {self.values(state)}\n")
            self.err.flush()
            return
        now = time.monotonic()
        if now < self._next_draw:
            return
        self._next_draw = max(self._next_draw + DRAW_EVERY_S, now)
        limit = f"/{_mmss(self.limit_s)}" if self.limit_s else ""
        nudge = f"> {live_text(state.nudge)}" if state.nudge else ""
        self.err.write(f"\r\x1b[2K{_mmss(elapsed_s)}{limit}  {self.values(state, bar=True)}  Enter stops"
                       f"\n\x1b[2K{nudge}\x1b[1A\r")  # fmt: skip
        self.err.flush()
        self.draws += 1

    def values(self, state, *, bar: bool = False) -> str:
        """'pace ~152 wpm (140-160) | pause 1.2 s | level -21 dBFS': colour only on what is judged."""
        from .norms import span

        n = self.live.norms
        if state.rate_wpm is None:
            pace = "pace --"
        else:
            pace = f"pace ~{self._paint(f'{state.rate_wpm:3.0f} wpm', RATE_COLOUR.get(state.band))} ({span(*n.rate_wpm)})"
        parts = [pace]
        from .live import pause_reading

        if (pause := pause_reading(state, n)) is not None:
            label, t, word = pause
            parts.append(f"{label} {self._paint(f'{t:.1f} s', PAUSE_COLOUR.get(word))}")
        level = state.level_dbfs if math.isfinite(state.level_dbfs) else METER_FLOOR_DBFS
        fill = round(LIVE_METER_WIDTH * max(0.0, 1 - level / METER_FLOOR_DBFS))
        meter = f" [{'#' * fill}{'-' * (LIVE_METER_WIDTH - fill)}]" if bar else ""
        parts.append(f"level {level:4.0f} dBFS{meter}" + (" " + self._paint("CLIP", RED) if state.clipping else ""))
        return " | ".join(parts)

    def _paint(self, text: str, colour: str | None) -> str:
        return f"{colour}{text}{RESET}" if self.colour and colour else text

    def done(self) -> None:
        if self.tty:
            self.err.write(CLEAR_TWO if self.live is not None else "\r" + " " * 78 + "\r")
            self.err.flush()


def live_text(kind: str) -> str:
    from .live import NUDGE_TEXT

    return NUDGE_TEXT.get(kind, kind)


def _mmss(t: float) -> str:
    return mmss_whole(t)
