"""Helpers for the history tests: take rows to store, and a writer run as its own process."""

from __future__ import annotations

import sys

METRICS = ("rate_wpm", "opening_rate_wpm", "latency_median_s", "fillers_per_min", "level_median_dbfs")


def make_take(i: int, *, agent: str = "agent01", scenario: str = "long-hold", day: int = 0, tag: str = "t", rate_wpm: float = 150.0) -> dict:
    """Take row number ``i`` (content hash ``tag-i``), taken ``day`` days after 2026-11-01 at 10:00 UTC."""
    ts = 1793527200.0 + day * 86400 + i  # 2026-11-01T10:00:00Z
    import datetime as dt

    iso = dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds")
    return {
        "content_sha256": f"{tag}-{i}", "source_path": f"/sessions/{agent}/{scenario}/take-{i:02d}.wav", "agent": agent,
        "scenario": scenario, "skill": "pacing", "kind": "take", "take_number": i, "taken_at": iso, "taken_ts": ts,
        "model": "tiny.en", "settings": "{}", "duration_s": 60.0, "status": "ok", "status_reason": None, "targets_met": 3,
        "targets_checked": 5, "rate_confidence": "high", "opening_confidence": "high", "fillers_confidence": "high",
        "targets": None, "debrief": '{"adjustment": null}', "warnings": "[]", "report_path": None, "recorded_at": iso,
        "metrics": {m: (rate_wpm + k, 0.1 * (k + 1)) for k, m in enumerate(METRICS)},
    }  # fmt: skip


def write_many(target: str, tag: str, n: int) -> None:
    """Record ``n`` takes one transaction each, opening the store once per take as analyze does."""
    from voicecoach.history import Store

    for i in range(n):
        with Store(target) as store:
            store.record(make_take(i, tag=tag))
        if i == 0:
            print("writing", flush=True)


if __name__ == "__main__":  # python history_support.py TARGET TAG N
    write_many(sys.argv[1], sys.argv[2], int(sys.argv[3]))
