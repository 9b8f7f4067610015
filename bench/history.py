"""`make bench` section: the practice history at a contact centre's scale (issue 12).

Builds a SQLite history of AGENTS x TAKES synthetic takes over a year (500 x 600 = 300,000 takes,
one row per metric of the registry each, as a real stereo take stores), then measures:

1. ``progress`` for one agent: the query and the per-agent arithmetic (baseline, change, Theil-Sen
   trend, streaks), not the chart;                                            target < 1 s
2. the team table over every take (one SQL pass per agent x skill x metric); target < 1 s
3. inserting one take (``Store.record``: open, upsert, metrics, commit, close) into the full
   history, the cost added to ``voicecoach analyze``;                         target < 5 ms
   and the same into a history held open (the record alone, without the close's WAL checkpoint),
   and for a real analysed take what analyze spends on the history (row built: JSON dict, noise,
   sha256 of the file; then open, record, close).

Usage: .venv/bin/python bench/history.py [--agents N] [--takes N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voicecoach import metrics as registry
from voicecoach.history import Store
from voicecoach.history.progress import build_groups, team
from voicecoach.history.store import TAKE_COLUMNS

TARGET_QUERY_S = 1.0
TARGET_INSERT_MS = 5.0
SCENARIOS = {"long-hold": "pacing", "billing-surprise": "empathy", "missed-appointment": "ownership", "refund-delay": "clarity"}
# name: (mean, spread between agents, spread between takes, noise)
METRICS = {
    "rate_wpm": (160, 15, 10, 6), "opening_rate_wpm": (140, 15, 15, 20), "opening_vs_rest_pct": (-5, 5, 8, 10),
    "articulation_sps": (4.5, 0.4, 0.3, 0.2), "fillers_per_min": (4, 2, 1.5, 1.2), "nudges_followed": (0.8, 0.2, 0.3, 0),
    "latency_median_s": (0.9, 0.3, 0.2, 0.07), "latency_p90_s": (1.8, 0.4, 0.3, 0.07),
    "first_response_s": (1.0, 0.3, 0.3, 0.07), "jump_ins": (1, 1, 1, 0), "stalls": (0.5, 0.5, 0.5, 0),
    "level_median_dbfs": (-24, 3, 1, 0.5), "level_trend_db_per_min": (0, 1, 2, 4), "pitch_median_hz": (170, 40, 5, 2),
    "pitch_spread_semitones": (4, 1, 0.5, 0.4), "talk_ratio": (0.55, 0.08, 0.05, 0.01), "overtalk_s": (1, 0.8, 0.5, 0.07),
    "customer_level_dbfs": (-22, 3, 1, 0.5), "customer_pitch_hz": (120, 30, 5, 2),
}  # fmt: skip
# the bench stores what a real take stores: one distribution per registered metric, no more, no fewer
assert set(METRICS) == {m.name for m in registry.REGISTRY}, sorted(set(METRICS) ^ {m.name for m in registry.REGISTRY})


def build(path: Path, agents: int, takes: int, seed: int = 12) -> float:
    """Write the synthetic history with bulk inserts; returns seconds taken."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    start = 1.764e9  # 2025-11-24
    names = list(SCENARIOS)
    with Store(path) as store:
        db = store.db
        with db.transaction():
            take_rows, metric_rows = [], []
            tid = 0
            for a in range(agents):
                offsets = {m: rng.normal(0, spread) for m, (_, spread, _, _) in METRICS.items()}
                slope = rng.normal(0, 0.3)  # wpm per week
                ts = np.sort(start + rng.uniform(0, 365 * 86400, takes))
                for i, t in enumerate(ts):
                    tid += 1
                    scen = names[i % len(names)]
                    iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))
                    status = "ok" if i % 97 else "too short"
                    take_rows.append((tid, f"{a:04d}-{i:04d}", f"/sessions/agent{a:03d}/{scen}/take-{i + 1:02d}.wav", f"agent{a:03d}",
                                      scen, SCENARIOS[scen], "take", i + 1, iso, float(t), "tiny.en", "{}", 120.0, status,
                                      None, 3, 5, "high", "high", "high", None, None, "[]", None, iso))
                    weeks = (t - start) / (7 * 86400)
                    for m, (mean, _, jitter, noise) in METRICS.items():
                        v = mean + offsets[m] + rng.normal(0, jitter) + (slope * weeks if m == "rate_wpm" else 0.0)
                        metric_rows.append((tid, m, float(v), float(noise), f"agent{a:03d}", SCENARIOS[scen], scen, float(t),
                                            int(status == "ok")))
            cols = ("id",) + TAKE_COLUMNS
            db.executemany(f"INSERT INTO takes ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", take_rows)
            db.executemany("INSERT INTO metrics (take_id, metric, value, noise, agent, skill, scenario, taken_ts, usable) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", metric_rows)
        db.execute("ANALYZE")
    return time.perf_counter() - t0


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_history(tmp: Path, agents: int = 500, takes: int = 600) -> dict:
    path = tmp / "history.sqlite"
    build_s = build(path, agents, takes)
    os.sync()  # the 1.4 GB just written is flushed first: else every fsync below waits behind it
    with Store(path) as store:
        n_takes, n_rows = store.count()
        one = best_of(lambda: build_groups(store.takes(agent="agent007")))
        whole = best_of(lambda: team(store))
    sample = json.loads(json.dumps({"metrics": {m: (1.0, 0.1) for m in METRICS}}))
    base = {c: None for c in TAKE_COLUMNS} | {"source_path": "/x.wav", "agent": "agentX", "scenario": "long-hold", "kind": "take",
                                              "taken_at": "2026-11-29T10:00:00+00:00", "taken_ts": 1.7954e9, "status": "ok",
                                              "recorded_at": "2026-11-29T10:00:00+00:00"}  # fmt: skip
    inserts, records = [], []
    with Store(path) as held:  # a second process holding the history open: no checkpoint at each close
        for i in range(200):
            take = {**base, "content_sha256": f"held-{i}", "metrics": {m: tuple(v) for m, v in sample["metrics"].items()}}
            t0 = time.perf_counter()
            held.record(take)
            records.append(time.perf_counter() - t0)
    for i in range(200):
        take = {**base, "content_sha256": f"insert-{i}", "metrics": {m: tuple(v) for m, v in sample["metrics"].items()}}
        t0 = time.perf_counter()
        with Store(path) as store:  # as analyze does: open (the schema check), record, close (WAL checkpoint)
            store.record(take)
        inserts.append(time.perf_counter() - t0)
    insert_ms = 1000 * statistics.median(inserts)
    full = _record_real_take(path)
    return {
        "takes": n_takes, "metric_rows": n_rows, "build_s": round(build_s, 1), "db_mb": round(path.stat().st_size / 2**20, 1),
        "one_agent_s": round(one, 4), "team_s": round(whole, 4), "insert_ms_median": round(insert_ms, 3),
        "insert_ms_p90": round(1000 * float(np.percentile(inserts, 90)), 3),
        "record_ms_median": round(1000 * statistics.median(records), 3),
        "analyze_record_ms_median": round(full, 3),
        "ok": one < TARGET_QUERY_S and whole < TARGET_QUERY_S and insert_ms < TARGET_INSERT_MS,
    }  # fmt: skip


def _record_real_take(path: Path, runs: int = 20) -> float:
    """Milliseconds ``voicecoach analyze`` spends on the history for a real 47 s take (the median of
    ``runs``): the take's row (JSON dict, metric noise, the file's sha256) and open, record, close."""
    from voicecoach.history import record
    from voicecoach.pipeline import Options, analyze

    clip = ROOT / "samples" / "long_hold_take1.wav"
    analysis = analyze(clip, Options(agent_channel="right", scenario="long-hold"))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        record(path, analysis, clip, agent="agent-bench")
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def report(h: dict) -> str:
    mark = "ok  " if h["ok"] else "OVER"
    return (f"[{mark}] history of {h['takes']:,} takes ({h['metric_rows']:,} metric rows, {h['db_mb']:.0f} MB, built in {h['build_s']:.0f} s): "
            f"progress one agent {h['one_agent_s']:.3f} s, team table {h['team_s']:.3f} s (target < {TARGET_QUERY_S} s); "
            f"insert as analyze does (open, record, close) {h['insert_ms_median']:.2f} ms median, {h['insert_ms_p90']:.2f} ms p90 "
            f"(target < {TARGET_INSERT_MS} ms), into an open history {h['record_ms_median']:.2f} ms; "
            f"a real analysed take, row built and recorded: {h['analyze_record_ms_median']:.2f} ms")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--takes", type=int, default=600)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="voicecoach-history-bench-") as d:
        result = bench_history(Path(d), args.agents, args.takes)
    print(report(result))
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["ok"] else 1)
