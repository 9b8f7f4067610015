"""The history store on real SQLite files and a real PostgreSQL server: upsert, concurrency, crashes,
migrations."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from history_support import METRICS, make_take

from voicecoach.history import HistoryError, Store
from voicecoach.history.schema import CURRENT

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@pytest.fixture(params=["sqlite", "postgres"])
def target(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    return request.getfixturevalue("pg_server").new_database()


def _writer(target: str, tag: str, n: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    return subprocess.Popen([sys.executable, str(HERE / "history_support.py"), target, tag, str(n)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_record_and_read_back(target):
    with Store(target) as store:
        assert store.version() == CURRENT
        take_id = store.record(make_take(1, rate_wpm=151.5))
        (row,) = store.takes(agent="agent01")
    assert row["id"] == take_id and row["taken_at"] == "2026-11-01T10:00:01+00:00"
    assert row["metrics"]["rate_wpm"] == (151.5, 0.1)
    assert set(row["metrics"]) == set(METRICS)
    assert row["skill"] == "pacing" and row["status"] == "ok"


def test_re_recorded_take_stays_one_row(target):
    with Store(target) as store:
        first = store.record(make_take(1, rate_wpm=140.0))
        again = make_take(1, rate_wpm=155.0)
        again["source_path"] = "/elsewhere/copy.wav"  # the same recording from another path
        del again["metrics"]["fillers_per_min"]
        second = store.record(again)
        assert first == second
        assert store.count() == (1, len(METRICS) - 1)
        (row,) = store.takes()
    assert row["metrics"]["rate_wpm"][0] == 155.0 and row["source_path"] == "/elsewhere/copy.wav"


def test_two_writers_at_once_lose_nothing(target):
    writers = [_writer(target, tag, 200) for tag in ("a", "b")]
    for w in writers:
        _, err = w.communicate(timeout=240)
        assert w.returncode == 0, err
    with Store(target) as store:
        assert store.count() == (400, 400 * len(METRICS))
        assert {t["content_sha256"] for t in store.takes()} == {f"{tag}-{i}" for tag in "ab" for i in range(200)}


def test_writer_killed_mid_write_leaves_whole_takes(target):
    w = _writer(target, "k", 100_000)
    assert w.stdout.readline().strip() == "writing"
    time.sleep(1.0)  # hundreds of takes in: most of a writer's time is inside a transaction
    w.send_signal(signal.SIGKILL)
    w.wait(timeout=30)
    with Store(target) as store:
        takes = store.takes()
        assert 0 < len(takes) < 100_000
        assert all(len(t["metrics"]) == len(METRICS) for t in takes)  # no take without all its metrics
        assert store.count()[1] == len(takes) * len(METRICS)
        store.record(make_take(0, tag="after"))  # the lock died with the writer
        assert store.count()[0] == len(takes) + 1
    if not target.startswith("postgresql://"):
        assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# A frozen copy of schema.V1_DDL as first shipped (SQLite spelling): the migration must keep every row.
V1_SQLITE = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE takes (
    id INTEGER PRIMARY KEY, content_sha256 TEXT NOT NULL UNIQUE, source_path TEXT NOT NULL, agent TEXT,
    scenario TEXT, kind TEXT NOT NULL DEFAULT 'take', take_number INTEGER, taken_at TEXT NOT NULL,
    taken_ts DOUBLE PRECISION NOT NULL, model TEXT, settings TEXT, duration_s DOUBLE PRECISION, status TEXT NOT NULL,
    status_reason TEXT, targets_met INTEGER, targets_checked INTEGER, rate_confidence TEXT, opening_confidence TEXT,
    fillers_confidence TEXT, targets TEXT, debrief TEXT, warnings TEXT, report_path TEXT, recorded_at TEXT NOT NULL
);
CREATE INDEX takes_agent_ts ON takes (agent, taken_ts);
CREATE INDEX takes_scenario ON takes (scenario);
CREATE TABLE metrics (
    take_id BIGINT NOT NULL REFERENCES takes (id) ON DELETE CASCADE, metric TEXT NOT NULL, value DOUBLE PRECISION,
    PRIMARY KEY (take_id, metric)
);
CREATE INDEX metrics_metric ON metrics (metric, take_id);
INSERT INTO schema_version (version) VALUES (1);
"""


def test_migration_from_v1_keeps_every_row(tmp_path):
    path = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQLITE)
    for i, scenario in enumerate(["long-hold", "billing-surprise", "no-such-card"]):
        conn.execute("INSERT INTO takes (id, content_sha256, source_path, agent, scenario, taken_at, taken_ts, status, recorded_at) "
                     "VALUES (?, ?, ?, 'agent01', ?, '2026-11-01T10:00:00+00:00', ?, 'ok', '2026-11-01T10:00:00+00:00')",
                     (i + 1, f"h{i}", f"/t{i}.wav", scenario, 1793527200.0 + i))  # fmt: skip
        conn.executemany("INSERT INTO metrics (take_id, metric, value) VALUES (?, ?, ?)", [(i + 1, "rate_wpm", 140.0 + i), (i + 1, "stalls", float(i))])
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.version() == 2
        takes = store.takes()
    assert [t["content_sha256"] for t in takes] == ["h0", "h1", "h2"]
    assert [t["metrics"]["rate_wpm"] for t in takes] == [(140.0, None), (141.0, None), (142.0, None)]
    assert [t["metrics"]["stalls"][0] for t in takes] == [0.0, 1.0, 2.0]
    from voicecoach.scenarios import load_card

    assert [t["skill"] for t in takes] == [load_card("long-hold").skill, load_card("billing-surprise").skill, "no-such-card"]
    assert all(t["usable"] == {"rate_wpm", "stalls"} for t in takes)  # the team table's copy of each take is filled in


def test_not_a_history_is_left_alone(tmp_path):
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(HistoryError, match="not a voicecoach history"):
        Store(other)
    assert sqlite3.connect(other).execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]
    assert len(before) > 0


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "h.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="newer than this voicecoach"):
        Store(path)


def test_unreachable_postgres_is_one_line_error(pg_server, tmp_path):
    with pytest.raises(HistoryError, match="cannot open the history") as e:
        Store(pg_server.url("no_such_database"))
    assert "\n" not in str(e.value)
    r = subprocess.run([sys.executable, "-m", "voicecoach.cli", "progress", "--history", f"postgresql://voicecoach@/x?host={tmp_path}"],
                       capture_output=True, text=True, timeout=60)  # no server at all: libpq's message spans lines
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith("Error: ")


def test_progress_queries_agree_on_both_databases(target):
    """The team table's sums and the per-agent read give the same numbers on SQLite and PostgreSQL."""
    from voicecoach.history.progress import build_groups, team

    with Store(target) as store:
        for day in range(6):  # +5 wpm a day; a second agent steady
            store.record(make_take(day, day=day, rate_wpm=120.0 + 5 * day, tag="up"))
            store.record(make_take(day, agent="agent02", day=day, rate_wpm=150.0, tag="flat"))
        short = make_take(9, day=7, rate_wpm=300.0, tag="short") | {"status": "too short", "status_reason": "2.0 s long"}
        store.record(short)
        rows = team(store, metrics=["rate_wpm"])
        groups = build_groups(store.takes(agent="agent01"), ["rate_wpm"])
    assert [(r["agent"], r["skill"], r["takes"]) for r in rows] == [("agent01", "pacing", 6), ("agent02", "pacing", 6)]
    assert rows[0]["trends"]["rate_wpm"]["per_week"] == pytest.approx(35.0, rel=1e-3)  # the fragment left out
    assert rows[0]["trends"]["rate_wpm"]["direction"] == "better"
    assert rows[1]["trends"]["rate_wpm"] == {"per_week": pytest.approx(0.0, abs=1e-6), "direction": "same"}
    (rate,) = groups[0].metrics
    assert rate.trend_per_week == pytest.approx(35.0, rel=1e-3) and rate.baseline == 125.0
    assert [e.status for e in groups[0].excluded] == ["too short"]


def test_since_accepts_dates_times_and_spans():
    import datetime as dt

    from voicecoach.history import HistoryError
    from voicecoach.history.views import parse_since as _since

    assert _since("2026-11-01T00:00:00+00:00") == 1793491200.0
    assert _since("2026-11-01") == dt.datetime(2026, 11, 1).astimezone().timestamp()  # a date is local midnight
    assert abs(_since("2w") - (time.time() - 14 * 86400)) < 5
    with pytest.raises(HistoryError, match="--since 'last week'"):
        _since("last week")
