"""Clip times as people read them: m:ss.s. The one formatter every report and the debrief use.

Ground floor: imports nothing of ours.
"""

from __future__ import annotations


def iso_with_zone(value: str) -> str:
    """An ISO 8601 time as seconds with its zone: a time without one is this machine's local time
    (a sidecar's ``started_at`` and a file's modification time read alike). Raises ValueError."""
    import datetime as dt

    t = dt.datetime.fromisoformat(value)
    return (t if t.tzinfo is not None else t.astimezone()).isoformat(timespec="seconds")


def mmss(t_s: float | None) -> str:
    """``t_s`` seconds as m:ss.s, rounded to the tenth first so 59.96 s reads 1:00.0, never 0:60.0;
    "" for None (a time that was not measured)."""
    if t_s is None:
        return ""
    tenths = round(abs(t_s) * 10)
    minutes, rest = divmod(tenths, 600)
    return f"{'-' if t_s < 0 and tenths else ''}{minutes}:{rest // 10:02d}.{rest % 10}"


def mmss_whole(t_s: float) -> str:
    """``t_s`` seconds as m:ss (a countdown or an elapsed-time display), floored to the second."""
    whole = int(max(t_s, 0.0))
    return f"{whole // 60}:{whole % 60:02d}"
