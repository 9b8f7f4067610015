"""Recording analysed takes into the history from the commands (analyze, compare, practice, batch)
and the web app: one take at a time, or a batch's clips as they finish."""

from __future__ import annotations

import sys
from pathlib import Path

from .store import HistoryError, resolve


def warn(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)


def record_clip(history: str | None, no_history: bool, analysis, clip: str, **kw) -> None:
    """Record one analysed take. A history named by --history or $VOICECOACH_HISTORY that fails is an
    error; the default one only warns (a read-only home must not fail an analysis)."""
    from . import record
    from .store import default_location

    target = resolve(history, disabled=no_history)
    if target is None or not Path(clip).is_file():
        return
    try:
        record(target, analysis, clip, **kw)
    except HistoryError as e:
        if target != str(default_location()):
            raise
        warn(f"not recorded in the history: {e}")


class BatchRecorder:
    """``on_row`` of ``voicecoach batch``: passes each finished clip's row on, then records the clip
    (its JSON report as written) in the history, one store held open for the whole batch. A history
    that fails warns once and the batch goes on without it ('history import OUT' fills it later)."""

    def __init__(self, history: str | None, no_history: bool, folder: str, out_dir: str, then=None):
        self.target = resolve(history, disabled=no_history)
        self.folder, self.out_dir, self.then = Path(folder).resolve(), Path(out_dir).resolve(), then
        self.store = None

    def __call__(self, row) -> None:
        from dataclasses import asdict

        from .imports import from_batch_row
        from .store import Store

        if self.then is not None:
            self.then(row)
        if self.target is None:
            return
        try:
            self.store = self.store or Store(self.target)
            self.store.record(from_batch_row(asdict(row), self.folder, self.out_dir))
        except HistoryError as e:
            warn(f"the batch is not recorded in the history: {e}")
            self.target = None

    def trends(self, agents: list[str]) -> list[dict]:
        """Listeners.trends: each agent's rows of the team table over every take in the history
        (this batch's clips and all recorded before, from any folder); none without a history."""
        from .progress import team
        from .store import Store

        if self.target is None:
            return []
        try:
            self.store = self.store or Store(self.target)
            return [row for agent in agents for row in team(self.store, agent=agent)]
        except HistoryError as e:
            warn(f"no history trends in the batch index: {e}")
            return []

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
