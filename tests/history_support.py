"""Helpers for the history tests: take rows to store, and a writer run as its own process."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
DAY0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
# day of each take (a gap after day 2: streaks of 3 then 2), and the agent's rate that day: +5 wpm a day
DAYS = [0, 1, 2, 4, 5]
RATES = [120.0, 125.0, 130.0, 140.0, 145.0]

METRICS = ("rate_wpm", "opening_rate_wpm", "latency_median_s", "fillers_per_min", "level_median_dbfs")


def make_take(i: int, *, agent: str = "agent01", scenario: str = "long-hold", day: int = 0, tag: str = "t", rate_wpm: float = 150.0) -> dict:
    """Take row number ``i`` (content hash ``tag-i``), taken ``day`` days after 2026-11-01 at 10:00 UTC."""
    ts = 1793527200.0 + day * 86400 + i  # 2026-11-01T10:00:00Z
    import datetime as dt

    iso = dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")
    return {
        "content_sha256": f"{tag}-{i}", "source_path": f"/sessions/{agent}/{scenario}/take-{i:02d}.wav", "agent": agent,
        "scenario": scenario, "skill": "pacing", "kind": "take", "take_number": i, "taken_at": iso, "taken_ts": ts,
        "model": "tiny.en", "settings": "{}", "duration_s": 60.0, "status": "ok", "status_reason": None, "targets_met": 3,
        "targets_checked": 5, "rate_confidence": "high", "opening_confidence": "high", "fillers_confidence": "high",
        "targets": None, "debrief": '{"adjustment": null}', "warnings": "[]", "report_path": None, "recorded_at": iso,
        "metrics": {m: (rate_wpm + k, 0.1 * (k + 1)) for k, m in enumerate(METRICS)},
    }  # fmt: skip


def real_analysis(analyses) -> tuple[dict, dict]:
    """One real analysis of a bundled take (tiny.en, the ``analyses`` fixture) as its JSON dict, and
    each metric's noise on it."""
    from voicecoach.analysis import noise
    from voicecoach.results import to_dict

    a = analyses("long_hold_take1", scenario="long-hold")
    return to_dict(a), {k: n.value for k, n in noise.estimate(a).items()}


def take_file(folder: Path, n: int, day: int, source: Path = SAMPLES / "long_hold_take1.wav") -> Path:
    """AGENT/SCENARIO/take-NN.wav as practice writes it, with a sidecar dated ``day`` days after DAY0."""
    clip = folder / "agent01" / "long-hold" / f"take-{n:02d}.wav"
    clip.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, clip)
    started = (DAY0 + dt.timedelta(days=day)).isoformat(timespec="milliseconds")
    clip.with_name(clip.name + ".json").write_text(json.dumps({"agent": "agent01", "scenario": "long-hold", "take": n,
                                                               "started_at": started, "agent_channel": "right"}))
    return clip


def fill(store, data: dict, noise: dict, folder: Path, *, report_path: str | None = None) -> None:
    """Five takes on DAYS with the rates RATES, then a 2 s fragment, from one real analysis's dict."""
    from voicecoach.history.take import build

    for n, (day, rate) in enumerate(zip(DAYS, RATES), start=1):
        edited = json.loads(json.dumps(data))
        edited["agent"]["rate_wpm"] = rate
        store.record(build(edited, take_file(folder, n, day), content_sha256=f"take-{n}", noise=noise, report_path=report_path))
    short = {**json.loads(json.dumps(data)), "duration_s": 2.0}
    store.record(build(short, take_file(folder, 6, 6), content_sha256="fragment", noise=noise))


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
