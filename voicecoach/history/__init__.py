"""The practice history: every analysed take in one database, and progress over weeks from it.

``record(target, analysis, clip, ...)`` is the one call analyze, practice, compare and batch make;
``store.py`` holds the database (SQLite or PostgreSQL), ``progress.py`` the baseline/change/trend
arithmetic, ``export.py`` CSV and Parquet. Light to import: the heavy parts load when used.
"""

from __future__ import annotations

import os
from pathlib import Path

from .store import HistoryError, Store, open_store, resolve

__all__ = ["HistoryError", "Store", "open_store", "record", "resolve"]


def record(target: str | os.PathLike | None, analysis, clip: str | Path, **kw) -> int | None:
    """Record one analysed take into the history at ``target`` (None: history off); returns its row id.
    Keywords: agent, scenario, report_path (see take.build)."""
    if target is None:
        return None
    from .take import from_analysis

    take = from_analysis(analysis, clip, **kw)
    with Store(target) as store:
        return store.record(take)
