"""voicecoach batch: metadata, statuses, exit code, resume after a kill, local vs Dask.

The folder is synthesized with espeak-ng: three dated takes by alex (rushed first, calm later),
two takes by blair found by folder layout only, one take named by its file name, and three bad
files (empty, text named .wav, a WAV cut inside its header). Ground truth: the metadata we wrote,
the reasons the bad files fail, the rate ordering of takes spoken at 230 vs 150 wpm, the dates.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.analysis import progression
from voicecoach.batch import BatchSettings, run_batch
from voicecoach.batch.manifest import MANIFEST_NAME
from voicecoach.batch.walk import clip_meta, discover
from voicecoach.cli import main
from voicecoach.errors import VoicecoachError
from voicecoach.files import LOCK_NAME
from voicecoach.report import batch_index
from voicecoach.results import BatchRow, BatchSummary
from voicecoach.sidecar import sidecar_path

TEXT = "Thanks for calling, I am sorry you waited so long. Let me pull up your account right now."
GOOD = {
    # path: (agent, scenario, take, espeak wpm, sidecar started_at or None)
    "alex/long-hold/take-01.wav": ("alex", "long-hold", 1, 230, "2026-11-20T09:00:00"),
    "alex/long-hold/take-02.wav": ("alex", "long-hold", 2, 150, "2026-11-21T09:00:00"),
    "alex/long-hold/take-03.flac": ("alex", "long-hold", 3, 150, "2026-11-22T09:00:00"),
    "blair/refund-delay/take-01.wav": ("blair", "refund-delay", 1, 170, None),
    "blair/refund-delay/take-02.ogg": ("blair", "refund-delay", 2, 160, None),
    "casey__long-hold__take-04.wav": ("casey", "long-hold", 4, 150, None),
}
BAD = {
    "empty.wav": "the file is empty",
    "notes.wav": "RIFF header missing",
    "blair/refund-delay/take-03.wav": "damaged or the file is truncated",
}


def _espeak(path: Path, wpm: int) -> None:
    wav = path.with_suffix(".tmp.wav")
    subprocess.run(["espeak-ng", "-s", str(wpm), "-w", str(wav), TEXT], check=True)
    if path.suffix == ".wav":
        wav.replace(path)
    else:
        subprocess.run(["sox", str(wav), str(path)], check=True)
        wav.unlink()


@pytest.fixture(scope="session")
def session_folder(tmp_path_factory) -> Path:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.fail("espeak-ng and sox are needed (scripts/system-deps.sh installs them)")
    root = tmp_path_factory.mktemp("session")
    for rel, (agent, scenario, take, wpm, started) in GOOD.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        _espeak(path, wpm)
        if started:
            side = {"agent": agent, "scenario": scenario, "take": take, "started_at": started}
            sidecar_path(path).write_text(json.dumps(side))
    (root / "empty.wav").write_bytes(b"")
    (root / "notes.wav").write_text("not audio, just the trainer's notes\n")
    whole = (root / "alex/long-hold/take-01.wav").read_bytes()
    (root / "blair/refund-delay/take-03.wav").write_bytes(whole[:30])  # RIFF/WAVE, then cut in the fmt chunk
    return root


def _rows(out: Path) -> dict[str, dict]:
    return {r["path"]: r for r in json.loads((out / "summary.json").read_text())["rows"]}


# --- fast: no model ----------------------------------------------------------------------------


def test_metadata_from_sidecar_then_layout_then_file_name(tmp_path):
    for rel in ["ann/long-hold/take-07.wav", "bo/take-2.wav", "cy__refund-delay__take-3.mp3", "long_hold_take1.wav", "x.wav"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    (tmp_path / "bo/take-2.wav.json").write_text(json.dumps({"agent": "Bo Lee", "take": "take 5", "started_at": "2026-01-02T03:04:05"}))
    (tmp_path / "ann/.hidden.wav").write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["ann/long-hold/take-07.wav", "bo/take-2.wav", "cy__refund-delay__take-3.mp3", "long_hold_take1.wav", "x.wav"]
    meta = {rel: clip_meta(tmp_path / rel, tmp_path, default_scenario="long-hold") for rel in found}
    assert (meta["ann/long-hold/take-07.wav"].agent, meta["ann/long-hold/take-07.wav"].scenario, meta["ann/long-hold/take-07.wav"].take) == ("ann", "long-hold", 7)
    bo = meta["bo/take-2.wav"]
    assert (bo.agent, bo.scenario, bo.take, bo.started_at) == ("Bo Lee", "long-hold", 5, "2026-01-02T03:04:05")
    assert bo.sidecar_sha256 is not None
    cy = meta["cy__refund-delay__take-3.mp3"]
    assert (cy.agent, cy.scenario, cy.take) == ("cy", "refund-delay", 3)
    lh = meta["long_hold_take1.wav"]
    assert (lh.agent, lh.scenario, lh.take) == (None, "long_hold", 1)
    assert (meta["x.wav"].agent, meta["x.wav"].scenario, meta["x.wav"].take) == (None, "long-hold", None)
    assert dt.datetime.fromisoformat(meta["x.wav"].started_at)  # file time when no sidecar


def test_streaks_and_verdicts_on_hand_made_values():
    d = dt.date(2026, 11, 1)
    assert progression.streaks([d, d + dt.timedelta(1), d + dt.timedelta(2), d + dt.timedelta(5)]) == (4, 3, 1)
    assert progression.streaks([d, d, d + dt.timedelta(1)]) == (2, 2, 2)
    assert progression.streaks([]) == (0, 0, 0)
    assert progression.metric_change("rate_wpm", 200.0, 155.0).verdict == "better"  # into the 140-160 band
    assert progression.metric_change("rate_wpm", 150.0, 200.0).verdict == "worse"
    assert progression.metric_change("rate_wpm", 150.0, 154.0).verdict == "about the same"  # < 5 %
    assert progression.metric_change("latency_median_s", 0.2, 0.9).verdict == "better"  # into 0.5-1.5 s
    assert progression.metric_change("latency_median_s", 0.9, 0.95).verdict == "about the same"  # < 0.1 s
    assert progression.metric_change("stalls", 2, 0).verdict == "better"
    assert progression.metric_change("level_median_dbfs", -20.0, -26.0).verdict == "changed"
    assert progression.metric_change("rate_wpm", None, 150.0).verdict == "n/a"


def test_progression_judges_against_the_scenario_cards_targets():
    from voicecoach.norms import Norms

    rows = [_row("t1.wav", "ann", take=1, rate_wpm=150.0),
            _row("t2.wav", "ann", take=2, rate_wpm=125.0, started_at="2026-11-21T09:00:00")]  # fmt: skip
    verdict = lambda targets: progression.agent_progress(rows, targets)[0].scenarios[0].changes[0]  # noqa: E731
    assert verdict(None).metric == "rate_wpm" and verdict(None).verdict == "worse"  # out of the default 140-160
    assert verdict({"long-hold": Norms(rate_wpm=(110.0, 130.0))}).verdict == "better"  # into the card's 110-130
    assert verdict({"refund-delay": Norms(rate_wpm=(110.0, 130.0))}).verdict == "worse"  # another scene's card


def _row(path, agent, **kw) -> BatchRow:
    base = dict(path=path, agent=agent, scenario="long-hold", take=1, started_at="2026-11-20T09:00:00", status="ok",
                error=None, duration_s=5.0, rate_wpm=150.0, opening_rate_wpm=120.0, latency_median_s=0.8,
                latency_p90_s=1.0, level_median_dbfs=-20.0, jump_ins=0, stalls=0, warnings=[], report_json="c.json",
                report_html=None, content_sha256="0", settings_sha256="0")  # fmt: skip
    return BatchRow(**{**base, **kw})


def test_rewind_takes_are_listed_but_not_steps_in_progression(tmp_path):
    (tmp_path / "ann/long-hold").mkdir(parents=True)
    (tmp_path / "ann/long-hold/take-02-rewind.wav").write_bytes(b"x")
    meta = clip_meta(tmp_path / "ann/long-hold/take-02-rewind.wav", tmp_path)
    assert (meta.agent, meta.scenario, meta.take, meta.kind) == ("ann", "long-hold", 2, "rewind")
    rows = [
        _row("t1.wav", "ann", take=1, rate_wpm=190.0),
        _row("t2-rewind.wav", "ann", take=2, rate_wpm=120.0, kind="rewind", started_at="2026-11-21T09:00:00"),
        _row("t2.wav", "ann", take=2, rate_wpm=185.0, started_at="2026-11-21T09:00:00"),
    ]
    (prog,) = progression.agent_progress(rows)
    (scen,) = prog.scenarios
    assert (scen.takes, scen.first_path, scen.last_path) == (2, "t1.wav", "t2.wav")


def test_index_is_self_contained_and_escapes_every_string():
    evil = '<script>alert("x")</script>'
    rows = [_row("a/<b>.wav", evil, warnings=[evil]), _row("z.wav", "ok", status="failed", error=evil, report_json=None)]
    summary = BatchSummary(evil, {"model": evil}, 2, 1, 1, 2, 0, 1.0, rows, progression.agent_progress(rows),
                           progression.by_scenario(rows), progression.by_skill(rows, {"long-hold": [evil]}), [evil])  # fmt: skip
    page = batch_index.render(summary)
    assert evil not in page and "<b>.wav" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page and "src=" not in page
    assert page.count("<script>") == 1  # only the inline sort script


def test_bad_files_only_fail_with_reasons_and_exit_1(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.wav").write_bytes(b"")
    (folder / "notes.wav").write_text("hello\n")
    result = CliRunner().invoke(main, ["batch", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    rows = _rows(tmp_path / "out")
    assert rows["empty.wav"]["status"] == "failed" and "empty" in rows["empty.wav"]["error"]
    assert rows["notes.wav"]["status"] == "failed" and "RIFF header missing" in rows["notes.wav"]["error"]
    assert "failed notes.wav" in result.stderr


def test_empty_folder_is_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["batch", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "no audio files" in result.stderr


def test_dask_option_without_dask_says_how_to_add_it(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.wav").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as on a machine without it
    with pytest.raises(VoicecoachError, match=r"pip install 'voicecoach\[dask\]'"):
        run_batch(tmp_path / "in", tmp_path / "out", settings=BatchSettings(dask_scheduler="tcp://127.0.0.1:1"))


# --- slow: the real Whisper model ----------------------------------------------------------------


@pytest.fixture(scope="module")
def local_run(session_folder, tmp_path_factory):
    """One CLI run with two local worker processes, shared by the checks below."""
    out = tmp_path_factory.mktemp("out-local")
    result = CliRunner().invoke(main, ["batch", str(session_folder), "--out", str(out), "--jobs", "2"])
    return result, out


@pytest.mark.slow
def test_batch_rows_statuses_and_exit_code(local_run, session_folder):
    result, out = local_run
    assert result.exit_code == 1, result.output  # three bad files
    rows = _rows(out)
    assert set(rows) == set(GOOD) | set(BAD)
    for rel, (agent, scenario, take, _wpm, started) in GOOD.items():
        r = rows[rel]
        assert r["status"] == "ok" and r["error"] is None, r
        assert (r["agent"], r["scenario"], r["take"]) == (agent, scenario, take)
        if started:
            assert r["started_at"] == started
        assert (out / r["report_json"]).is_file()
        assert json.loads((out / r["report_json"]).read_text())["agent"]["rate_wpm"] == r["rate_wpm"]
        assert r["report_html"] and (out / r["report_html"]).is_file()
        assert r["duration_s"] > 2.0 and r["rate_wpm"] is not None
        opening = json.loads((out / r["report_json"]).read_text())["agent"]["opening"]
        # the row carries the opening's rate only where the report trusts it (high confidence)
        assert (r["opening_rate_wpm"] is not None) == (opening["confidence"] == "high"), opening
        assert opening["confidence"] == "high" or opening["reason"]
    for rel, reason in BAD.items():
        assert rows[rel]["status"] == "failed" and reason in rows[rel]["error"], rows[rel]
        assert f"failed {rel}" in result.stderr
    # spoken at 230 wpm vs 150 wpm by the same voice: the rushed take measures faster by far
    assert rows["alex/long-hold/take-01.wav"]["rate_wpm"] > 1.3 * rows["alex/long-hold/take-03.flac"]["rate_wpm"]
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["total"], summary["ok"], summary["failed"], summary["processed"], summary["cached"]) == (9, 6, 3, 9, 0)
    csv_lines = (out / "summary.csv").read_text().splitlines()
    assert len(csv_lines) == 10 and csv_lines[0].startswith("path,agent,scenario,take,kind,started_at,duration_s,rate_wpm")


@pytest.mark.slow
def test_progression_streaks_and_aggregates(local_run):
    _, out = local_run
    summary = json.loads((out / "summary.json").read_text())
    alex = next(a for a in summary["agents"] if a["agent"] == "alex")
    assert (alex["takes"], alex["practice_days"], alex["longest_streak_days"], alex["current_streak_days"]) == (3, 3, 3, 3)
    assert alex["last_practice"] == "2026-11-22"
    (lh,) = alex["scenarios"]
    assert (lh["first_path"], lh["last_path"]) == ("alex/long-hold/take-01.wav", "alex/long-hold/take-03.flac")
    rate = next(c for c in lh["changes"] if c["metric"] == "rate_wpm")
    assert rate["verdict"] == "better" and rate["change"] < 0  # slowed from the rushed take toward 140-160
    scen = {g["name"]: g for g in summary["scenarios"]}
    assert (scen["long-hold"]["clips"], scen["long-hold"]["agents"], scen["long-hold"]["failed"]) == (4, 2, 0)
    assert (scen["refund-delay"]["clips"], scen["refund-delay"]["failed"]) == (3, 1)
    from voicecoach.scenarios import load_card

    tags = load_card("long-hold").skill_tags
    skills = {g["name"]: g for g in summary["skills"]}
    assert tags and all(skills[t]["clips"] >= 4 for t in tags)
    page = (out / "index.html").read_text()
    for rel in GOOD:
        assert f'href="clips/{rel}.' in page
    assert "https://" not in page and "http://" not in page


def _batch_cmd(folder: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", "from voicecoach.cli import main; main()", "batch", str(folder), "--out", str(out)]


@pytest.mark.slow
def test_killed_batch_resumes_without_redoing_finished_clips(session_folder, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(_batch_cmd(session_folder, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(out.rglob("*.row.json")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = sorted(out.rglob("*.row.json"))
    assert done and not (out / "summary.json").exists(), "killed after the first clip, before the summary"
    for f in out.rglob("*.json"):  # every file under its final name is whole
        json.loads(f.read_text())
    before = {f: f.stat().st_mtime_ns for f in out.rglob("*")
              if f.is_file() and not f.name.endswith(".tmp")
              and f.name not in (LOCK_NAME, MANIFEST_NAME)}  # the lock names its new holder; the manifest grows

    result = CliRunner().invoke(main, ["batch", str(session_folder), "--out", str(out)])
    assert result.exit_code == 1, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["ok"], summary["failed"]) == (6, 3)
    assert summary["cached"] == len(done) < 6  # what finished before the kill is reused, not redone
    assert summary["processed"] == 9 - len(done)
    assert f"{len(done)} of 9 clips unchanged" in result.stderr
    for f, mtime in before.items():
        assert f.stat().st_mtime_ns == mtime, f"{f} was rewritten"
    assert not list(out.rglob("*.tmp")), "temporary files left behind"
    for f in out.rglob("*.json"):
        json.loads(f.read_text())

    again = CliRunner().invoke(main, ["batch", str(session_folder), "--out", str(out), "--reanalyse"])
    assert json.loads((out / "summary.json").read_text())["processed"] == 9 and again.exit_code == 1


@pytest.mark.slow
def test_changing_an_analysis_setting_invalidates_the_cache(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    (folder / "alex/long-hold").mkdir(parents=True)
    _espeak(folder / "alex/long-hold/take-01.wav", 170)

    def run(*options: str) -> tuple[int, int]:
        result = CliRunner().invoke(main, ["batch", str(folder), "--out", str(out), *options])
        assert result.exit_code == 0, result.output
        summary = json.loads((out / "summary.json").read_text())
        assert summary["ok"] == 1
        return summary["processed"], summary["cached"]

    assert run() == (1, 0)
    assert run() == (0, 1)  # same settings: nothing processed
    assert run("--agent-channel", "right") == (1, 0)
    assert run("--agent-channel", "right") == (0, 1)
    assert run("--agent-channel", "right", "--layout", "mixed") == (1, 0)
    assert run("--agent-channel", "right", "--layout", "mixed", "--agent-speaks", "first") == (1, 0)
    assert run("--agent-channel", "right", "--layout", "mixed", "--agent-speaks", "first") == (0, 1)


_TIMING = {"elapsed_s"}


def _comparable(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in _TIMING}


@pytest.mark.slow
@pytest.mark.dask
def test_dask_run_gives_the_same_summary_as_a_local_run(local_run, session_folder, tmp_path):
    from dask.distributed import LocalCluster

    _, local_out = local_run
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        result = CliRunner().invoke(
            main, ["batch", str(session_folder), "--out", str(tmp_path / "out"), "--dask-scheduler", cluster.scheduler_address]
        )
    assert result.exit_code == 1, result.output
    local = json.loads((local_out / "summary.json").read_text())
    remote = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert _comparable(remote) == _comparable(local)
    assert (tmp_path / "out" / "summary.csv").read_text() == (local_out / "summary.csv").read_text()
