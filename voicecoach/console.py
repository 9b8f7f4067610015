"""Terminal helpers for the interactive commands (record, practice): Enter detection and a live meter.

Kept out of cli.py so the practice loop can use them too; pure stdlib, no click.
"""

from __future__ import annotations

import math
import queue
import sys
import threading
import time
from typing import TextIO

from .clock import mmss_whole

METER_WIDTH = 30
METER_FLOOR_DBFS = -60.0


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

    def __init__(self, err: TextIO | None = None, *, limit_s: float | None = None, intro: str = ""):
        self.err = err or sys.stderr
        self.intro = intro
        self.tty = self.err.isatty()
        self.limit_s = limit_s
        self.warned: set[str] = set()
        self._last = 0.0

    def _warn(self, key: str, text: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            self.err.write(("\r" + " " * 70 + "\r" if self.tty else "") + f"warning: {text}\n")
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
        if not self.tty or time.monotonic() - self._last < 0.1:
            return
        self._last = time.monotonic()
        level = meter.level_dbfs if math.isfinite(meter.level_dbfs) else METER_FLOOR_DBFS
        fill = int(round(METER_WIDTH * max(0.0, 1 - level / METER_FLOOR_DBFS)))
        limit = f"/{_mmss(self.limit_s)}" if self.limit_s else ""
        bar = "#" * fill + "-" * (METER_WIDTH - fill)
        self.err.write(f"\r{_mmss(elapsed_s)}{limit} [{bar}] {level:6.1f} dBFS  Enter or Ctrl-C stops ")
        self.err.flush()

    def done(self) -> None:
        if self.tty:
            self.err.write("\r" + " " * 78 + "\r")
            self.err.flush()


def _mmss(t: float) -> str:
    return mmss_whole(t)
