"""A batch builds on the practice history (issue 12, item 3), on real files with the real model.

Two bundled takes of agent01 (sidecars of different dates, one with a zone and one without) and a
1 s fragment cut from one of them, dated later by its file time: summary.csv carries every headline
metric, jump-ins and stalls as the samples' known latencies give them, targets met, the debrief's
adjustment, the numbers in doubt and one time format; the progression never takes the fragment as
"latest"; the index shows agent01's trend over takes recorded before, outside this folder; and it
fits a 1280 px window in headless Chromium.
"""

from __future__ import annotations

import csv
import json
import re
import shutil

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner
from history_support import SAMPLES, make_take

from voicecoach import batch, metrics
from voicecoach.cli import main
from voicecoach.history import Store

# sidecar times: one as practice writes it (milliseconds, UTC), one without a zone (local time)
TAKES = {1: ("long_hold_take1", "2026-11-20T09:00:00.000+00:00"), 2: ("long_hold_take2", "2026-11-21T09:00:00")}
ZONED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$")


@pytest.fixture(scope="module")
def run(tmp_path_factory, truth):
    root = tmp_path_factory.mktemp("batch-history")
    folder, out, history = root / "sessions", root / "out", root / "history.sqlite"
    clips = folder / "agent01" / "long-hold"
    clips.mkdir(parents=True)
    for n, (sample, started) in TAKES.items():
        shutil.copy(SAMPLES / f"{sample}.wav", clips / f"take-{n:02d}.wav")
        side = {"agent": "agent01", "scenario": "long-hold", "take": n, "started_at": started, "agent_channel": "right"}
        (clips / f"take-{n:02d}.wav.json").write_text(json.dumps(side))
    y, sr = sf.read(SAMPLES / "long_hold_take1.wav")
    # 2 s of the agent's opening (from 0:07.4): speech, but no roleplay; no sidecar: dated by its file time, today: the newest
    sf.write(clips / "take-03.wav", y[int(7.4 * sr): int(9.4 * sr)], sr)
    with Store(history) as store:  # three earlier takes of agent01's skill, recorded from elsewhere
        for i, day in enumerate((0, 3, 6)):
            take = make_take(i, agent="agent01", day=day, tag="earlier")
            take["source_path"] = f"/elsewhere/agent01/take-{i:02d}.wav"
            take["metrics"] = {"rate_wpm": (120.0 + 5 * i, 3.0), "opening_rate_wpm": (150.0, 5.0), "latency_median_s": (0.4, 0.05),
                               "fillers_per_min": (4.0, 1.0)}
            store.record(take)
    result = CliRunner().invoke(main, ["batch", str(folder), "--out", str(out), "--agent-channel", "right", "--history", str(history)])
    assert result.exit_code in (0, 1), result.output
    rows = {r["path"]: r for r in csv.DictReader((out / "summary.csv").open(encoding="utf-8"))}
    summary = json.loads((out / "summary.json").read_text())
    return out, rows, summary, truth


@pytest.mark.slow
def test_summary_csv_columns_and_known_values(run):
    out, rows, summary, truth = run
    header = (out / "summary.csv").read_text().splitlines()[0].split(",")
    assert header == batch.csv_fields()
    for m in metrics.where(metrics.HEADLINE):
        assert m.name in header, m.name
    for name in ("jump_ins", "stalls", "fillers_per_min", "targets_met", "adjustment", "unsure"):
        assert name in header
    json_rows = {r["path"]: r for r in summary["rows"]}
    for n, (sample, _started) in TAKES.items():
        rel = f"agent01/long-hold/take-{n:02d}.wav"
        row, report = rows[rel], json.loads((out / json_rows[rel]["report_json"]).read_text())
        lat = np.asarray(truth[sample]["latencies_s"])  # take 1: 0.3, -0.4, 3.6 s; take 2: 1.0, 1.2, 0.8 s
        assert (int(row["jump_ins"]), int(row["stalls"])) == (int(np.sum(lat < 0.2)), int(np.sum(lat > 3.0)))
        assert float(row["fillers_per_min"]) == pytest.approx(report["agent"]["fillers"]["per_min"], abs=1e-6)
        assert float(row["articulation_sps"]) == pytest.approx(report["agent"]["articulation_sps"], abs=1e-6)
        judged = [t for t in report["scenario"]["targets"] if t["status"] != "n/a"]
        assert row["targets_met"] == f"{sum(t['status'] == 'met' for t in judged)}/{len(judged)}" and judged
        assert row["adjustment"] == report["scenario"]["debrief"]["adjustment"]["text"] and row["adjustment"]
        # a withheld opening pace goes with its mark, and a mark names the report's own reason
        opening = report["agent"]["opening"]
        assert (row["opening_rate_wpm"] == "") == ("opening_rate_wpm:" in row["unsure"]) == (opening["confidence"] != "high")
        assert ZONED.match(row["started_at"]), row["started_at"]
    assert rows["agent01/long-hold/take-01.wav"]["started_at"] == "2026-11-20T09:00:00+00:00"
    assert ZONED.match(rows["agent01/long-hold/take-03.wav"]["started_at"])  # the file time, in the same format
    # take 1 answers with a jump-in and a stall: jump-ins/stalls is missed; take 2 calm: the latency target met
    assert json_rows["agent01/long-hold/take-02.wav"]["targets_met"] >= 1
    # summary.json keeps its schema: the old keys as they were, the new ones added
    assert summary["schema_version"] == 1 and json_rows["agent01/long-hold/take-01.wav"]["started_at"] == TAKES[1][1]


@pytest.mark.slow
def test_progression_never_takes_the_fragment_as_latest(run):
    _, _, summary, _ = run
    (agent,) = summary["agents"]
    (scen,) = agent["scenarios"]
    assert (scen["takes"], scen["first_path"], scen["last_path"]) == (2, "agent01/long-hold/take-01.wav", "agent01/long-hold/take-02.wav")
    # take 1 (jump-in and stall) to take 2 (calm answers): the jump-ins and stalls got better
    verdicts = {c["metric"]: c["verdict"] for c in scen["changes"]}
    assert verdicts["jump_ins"] == "better" and verdicts["stalls"] == "better"


@pytest.mark.slow
def test_index_trend_uses_takes_recorded_outside_the_folder(run):
    out, _, _, _ = run
    page = (out / "index.html").read_text()
    table = page.split('id="trends"')[1].split("</table>")[0]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in table.split("<tr>")[2:]]
    (row,) = cells
    # 3 takes recorded before + the folder's 2 usable ones (the fragment left out)
    assert row[:3] == ["agent01", "pacing", "5"]
    rate = row[4 + [m.name for m in metrics.where(metrics.TEAM)].index("rate_wpm")]
    assert re.match(r"^[+-]\d+/wk (better|worse|same|changed)$", rate), rate


@pytest.mark.slow
@pytest.mark.browser
def test_index_fits_a_1280_px_window(run):
    from cdp import Browser, chromium_path

    out = run[0]
    binary = chromium_path()
    if binary is None:
        pytest.fail("chromium is missing: run 'make test' (scripts/system-deps.sh installs Debian's chromium)")
    b = Browser(binary)
    try:
        s = b.open((out / "index.html").as_uri())
        b.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, s)
        b.wait_for(s, "document.readyState === 'complete' && !!document.querySelector('#trends')")
        assert b.eval(s, "document.documentElement.scrollWidth") <= 1280
        assert b.eval(s, "document.querySelector('#clips').rows.length") == 4  # header + 3 clips
    finally:
        b.close()
