"""Speech level over a speaker's active frames."""

from __future__ import annotations

import numpy as np

from ..results import Level

MIN_TREND_SPAN_S = 10.0  # a slope over less speech than this is noise, not a trend


def percentile(values, q: float) -> float | None:
    values = np.asarray(values, dtype=float)
    return float(np.percentile(values, q)) if values.size else None


def level_stats(frame_dbfs: np.ndarray, mask: np.ndarray, *, hop_s: float) -> Level:
    """Level in dBFS over speech frames (20 ms RMS): median, p10, p90, and trend in dB per minute.

    The trend is the least-squares slope of frame level against time; it needs at least 10 s
    between the first and last speech frame, else it is None.
    """
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return Level(None, None, None, None)
    db = frame_dbfs[idx]
    trend = None
    times_min = idx * hop_s / 60.0
    if (times_min[-1] - times_min[0]) * 60.0 >= MIN_TREND_SPAN_S:
        trend = float(np.polyfit(times_min, db, 1)[0])
    return Level(
        median_dbfs=float(np.median(db)),
        p10_dbfs=percentile(db, 10),
        p90_dbfs=percentile(db, 90),
        trend_db_per_min=trend,
    )


def median_dbfs(frame_dbfs: np.ndarray, mask: np.ndarray) -> float | None:
    return float(np.median(frame_dbfs[mask])) if mask.any() else None
