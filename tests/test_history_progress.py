"""Progress over weeks from real analyses: baseline, change, trend, streaks, left-out takes; the
progress, history import and history export commands; analyze recording its takes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from history_support import RATES, SAMPLES, fill, real_analysis
from history_support import take_file as _take_file

from voicecoach.history import Store
from voicecoach.history.progress import build_groups
from voicecoach.history.take import build, clip_info


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "voicecoach.cli", *map(str, args)], capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def real(analyses):
    return real_analysis(analyses)


@pytest.fixture
def history(tmp_path, real):
    store = Store(tmp_path / "history.sqlite")
    fill(store, *real, tmp_path / "sessions")
    yield store
    store.close()


def test_sidecar_and_layout_say_who_and_when(tmp_path):
    clip = _take_file(tmp_path, 3, 4)
    meta = clip_info(clip)
    assert (meta.agent, meta.scenario, meta.take) == ("agent01", "long-hold", 3)
    row = build(None, clip, content_sha256="x", error="cannot decode")
    assert row["taken_at"] == "2026-11-06T09:30:00+00:00" and row["status"] == "broken"
    clip.with_name(clip.name + ".json").unlink()  # no sidecar: the folder layout and the file's time
    meta = clip_info(clip)
    assert (meta.agent, meta.scenario, meta.take) == ("agent01", "long-hold", 3)
    taken = dt.datetime.fromisoformat(build(None, clip, content_sha256="x")["taken_at"])
    assert taken.tzinfo is not None and abs(taken.timestamp() - clip.stat().st_mtime) < 1.0


def test_baseline_change_and_trend(history, real):
    (group,) = build_groups(history.takes(agent="agent01"))
    assert (group.agent, group.skill) == ("agent01", "pacing")
    assert group.takes == 5
    assert (group.practice_days, group.longest_streak_days, group.current_streak_days) == (5, 3, 2)
    assert (group.first_day, group.last_day) == ("2026-11-02", "2026-11-07")
    (left_out,) = group.excluded
    assert left_out.status == "too short" and "2.0 s" in left_out.reason
    rate = next(m for m in group.metrics if m.metric == "rate_wpm")
    assert [p.value for p in rate.points] == RATES  # the fragment is in no trend
    assert rate.baseline == 125.0  # median of the first three
    assert rate.first == 120.0 and rate.latest == 145.0 and rate.best == 145.0  # 140-160 wpm is the target
    assert rate.change == pytest.approx(20.0)
    assert rate.change_noise == pytest.approx(real[1]["rate_wpm"] * 2**0.5, rel=1e-6)
    assert rate.change_direction == "better"
    assert rate.trend_per_week == pytest.approx(35.0, abs=1e-6)  # +5 wpm a day
    assert rate.trend_direction == "better"
    assert rate.target == (140.0, 160.0)
    level = next(m for m in group.metrics if m.metric == "level_median_dbfs")
    assert level.change == pytest.approx(0.0) and level.change_direction == "same"  # one recording, five times
    assert level.trend_per_week == pytest.approx(0.0)


def test_change_within_noise_is_no_change(tmp_path, real):
    data, noise = real
    rates = [150.0, 150.0, 150.0, 150.0 + 0.8 * noise["rate_wpm"] * 2**0.5]  # over 5%? no: under the noise
    with Store(tmp_path / "h.sqlite") as store:
        for n, rate in enumerate(rates, start=1):
            edited = json.loads(json.dumps(data))
            edited["agent"]["rate_wpm"] = rate
            store.record(build(edited, _take_file(tmp_path, n, n), content_sha256=f"n{n}", noise=noise))
        (group,) = build_groups(store.takes(), ["rate_wpm"])
    (rate,) = group.metrics
    assert rate.change > 0 and rate.change_direction == "same"


def test_progress_command_formats(history, tmp_path):
    target = str(tmp_path / "history.sqlite")
    r = run("progress", "--agent", "agent01", "--format", "json", "--history", target)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    (group,) = out["groups"]
    rate = next(m for m in group["metrics"] if m["metric"] == "rate_wpm")
    assert rate["baseline"] == 125.0 and rate["change_direction"] == "better"
    (row,) = out["team"]
    assert row["takes"] == 5 and row["trends"]["rate_wpm"]["per_week"] == pytest.approx(35.0, abs=1e-6)
    assert row["trends"]["rate_wpm"]["direction"] == "better"
    r = run("progress", "--metric", "rate_wpm", "--format", "csv", "--history", target)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["metric"], x["baseline"], x["latest"]) for x in rows] == [("rate_wpm", "125.0", "145.0")]
    r = run("progress", "--history", target)
    assert r.returncode == 0 and "left out:" in r.stdout and "too short" in r.stdout and "↑" in r.stdout
    r = run("progress", "--metric", "loudness", "--history", target)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not a tracked metric" in r.stderr
    r = run("progress", "--since", "last tuesday", "--history", target)
    assert r.returncode == 2 and "--since" in r.stderr
    r = run("progress", "--since", "2026-11-05", "--agent", "agent01", "--format", "json", "--history", target)
    assert json.loads(r.stdout)["groups"][0]["takes"] == 2


def test_export_csv_and_parquet(history, tmp_path):
    target = str(tmp_path / "history.sqlite")
    r = run("history", "export", "--history", target)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 6 and [float(x["rate_wpm"]) for x in rows[:5]] == RATES
    out = tmp_path / "h.parquet"
    r = run("history", "export", "--format", "parquet", "--out", out, "--history", target)
    assert r.returncode == 0, r.stderr
    import pyarrow.parquet as pq

    table = pq.read_table(out).to_pylist()
    assert [t["rate_wpm"] for t in table[:5]] == RATES and table[5]["status"] == "too short"


@pytest.mark.slow
def test_analyze_records_each_take_once(tmp_path):
    """Real takes analysed with the real model on two days; re-analysing one keeps it one row."""
    target = tmp_path / "history.sqlite"
    first = _take_file(tmp_path, 1, 0)
    second = _take_file(tmp_path, 2, 3, SAMPLES / "long_hold_take2.wav")
    for clip in (first, second, first):
        r = run("analyze", clip, "--format", "json", "--history", target)
        assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    r = run("analyze", second, "--no-history", "--history", tmp_path / "other.sqlite")
    assert r.returncode == 0 and not (tmp_path / "other.sqlite").exists()
    with Store(target) as store:
        takes = store.takes()
    assert [t["take_number"] for t in takes] == [1, 2]
    assert [t["taken_at"] for t in takes] == ["2026-11-02T09:30:00+00:00", "2026-11-05T09:30:00+00:00"]
    assert takes[0]["metrics"]["rate_wpm"][0] == pytest.approx(report["agent"]["rate_wpm"])
    assert takes[0]["metrics"]["rate_wpm"][1] > 0  # its noise
    assert takes[0]["skill"] == "pacing" and takes[0]["targets_checked"] >= 1
    assert json.loads(takes[0]["debrief"])["adjustment"] is not None or json.loads(takes[0]["debrief"])["strengths"]


@pytest.mark.slow
def test_import_batch_output_and_folder(tmp_path):
    """history import: a batch's outputs go in as they are; a folder of takes is analysed."""
    sessions = tmp_path / "sessions"
    _take_file(sessions, 1, 0)
    _take_file(sessions, 2, 2, SAMPLES / "long_hold_take2.wav")
    (sessions / "agent01" / "long-hold" / "take-03.wav").write_bytes(b"RIFF, but not a WAV file at all")
    out = tmp_path / "reports"
    recorded = tmp_path / "by-batch.sqlite"
    r = run("batch", sessions, "--out", out, "--history", recorded)
    assert r.returncode == 1, r.stderr  # one clip failed
    target = tmp_path / "from-batch.sqlite"
    r = run("history", "import", out, "--history", target)
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text())
    with Store(target) as store:
        takes = store.takes()
    assert sorted(t["content_sha256"] for t in takes) == sorted(row["content_sha256"] for row in summary["rows"])
    assert [t["status"] for t in takes] == ["ok", "ok", "broken"]  # the damaged file: kept, with its reason
    assert "take-03.wav" in takes[2]["source_path"] and takes[2]["status_reason"]
    assert all(t["report_path"] and Path(t["report_path"]).is_file() for t in takes[:2])
    with Store(recorded) as store:  # the batch recorded each clip as it finished: the same rows
        by_batch = store.takes()
    strip = lambda rows: [{k: v for k, v in t.items() if k not in ("id", "recorded_at")} for t in rows]
    assert strip(by_batch) == strip(takes)
    target2 = tmp_path / "from-folder.sqlite"
    r = run("history", "import", sessions, "--history", target2)
    assert r.returncode == 0, r.stderr
    with Store(target2) as store:
        again = store.takes()
    assert [t["content_sha256"] for t in again] == [t["content_sha256"] for t in sorted(takes, key=lambda t: t["taken_ts"])]
    by_hash = {t["content_sha256"]: t for t in takes}
    assert [t["status"] for t in again] == ["ok", "ok", "broken"]
    for t in again[:2]:  # the same model on the same clip: the batch's numbers
        assert t["metrics"]["rate_wpm"][0] == pytest.approx(by_hash[t["content_sha256"]]["metrics"]["rate_wpm"][0], abs=0.01)


@pytest.mark.slow
def test_default_history_that_cannot_be_written_only_warns(tmp_path):
    import os

    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder would be")
    env = {k: v for k, v in os.environ.items() if k != "VOICECOACH_HISTORY"} | {"VOICECOACH_DATA": str(blocker)}
    r = run("analyze", SAMPLES / "long_hold_mono.wav", env=env)
    assert r.returncode == 0 and "Speaking rate" in r.stdout
    assert "warning: not recorded in the history" in r.stderr
    r = run("analyze", SAMPLES / "long_hold_mono.wav", "--history", blocker / "h.sqlite")  # named: an error
    assert r.returncode == 1 and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1
    assert blocker.read_text() == "a file where the data folder would be"


@pytest.mark.slow
def test_compare_records_every_take(tmp_path):
    first = _take_file(tmp_path, 1, 0)
    second = _take_file(tmp_path, 2, 1, SAMPLES / "long_hold_take2.wav")
    r = run("compare", first, second, "--scenario", "long-hold", "--format", "json", "--history", tmp_path / "h.sqlite")
    assert r.returncode == 0, r.stderr
    with Store(tmp_path / "h.sqlite") as store:
        takes = store.takes()
    assert [(t["agent"], t["scenario"], t["take_number"]) for t in takes] == [("agent01", "long-hold", 1), ("agent01", "long-hold", 2)]
    rate = next(m for m in json.loads(r.stdout)["metrics"] if m["name"] == "rate_wpm")
    assert [t["metrics"]["rate_wpm"][0] for t in takes] == pytest.approx(rate["values"], abs=0.01)
    assert [t["metrics"]["rate_wpm"][1] for t in takes] == pytest.approx(rate["noise"], abs=0.01)  # the same noise compare uses
