"""Progress of a batch on stderr: a bar with counts and ETA on a terminal, one line per clip otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..clock import mmss_whole
from ..results import BatchRow


class Progress:
    """A bar with counts and ETA when the stream is a terminal; one plain line per clip otherwise."""

    def __init__(self, stream: TextIO = sys.stderr, *, tty: bool | None = None, width: int = 28):
        self.stream, self.width = stream, width
        self.tty = stream.isatty() if tty is None else tty
        self.total = self.todo = self.done = self.failed = self.cached = 0
        self.t0 = time.monotonic()

    def start(self, total: int, cached: int) -> None:
        self.total, self.cached, self.todo = total, cached, total - cached
        self.t0 = time.monotonic()
        if cached:
            self._line(f"{cached} of {total} clips unchanged since the last run: reused (--reanalyse redoes them)")
        self._bar()

    def row(self, row: BatchRow) -> None:
        self.done += 1
        self.failed += row.status != "ok"
        n = f"[{self.done + self.cached}/{self.total}]"
        if row.status != "ok":
            self._line(f"{n} failed {row.path}: {row.error}")
        elif not self.tty:
            self._line(f"{n} ok {row.path}")
        self._bar()

    def _eta(self) -> str:
        if not self.done:
            return "--:--"
        left = (time.monotonic() - self.t0) / self.done * max(self.todo - self.done, 0)
        return mmss_whole(left)

    def _bar(self) -> None:
        if not self.tty or not self.total:
            return
        filled = round(self.width * (self.done + self.cached) / self.total)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done + self.cached}/{self.total}"
            f"  failed {self.failed}  reused {self.cached}  ETA {self._eta()} "
        )
        self.stream.flush()

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()
