"""The reports are pure: they draw what the pipeline measured, decode nothing, touch no global
state, and the same input gives the same bytes."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from report_factory import burst_clip, burst_media, hand_analysis, hostile_scenario
from voicecoach.analysis import progression
from voicecoach.compare import compare
from voicecoach.report import batch_index, render
from voicecoach.results import BatchRow, BatchSummary

REPORT = Path(__file__).parent.parent / "voicecoach" / "report"
SAMPLES = Path(__file__).parent.parent / "samples"
# what a renderer must never reach for: decoding, speech activity, transcription, measuring
ANALYSIS_MODULES = {"audio", "activity", "vad", "decode", "transcribe", "pipeline", "record",
                    "analysis.pitch", "analysis.loudness", "analysis.syllables", "analysis.tracks"}  # fmt: skip


def _row(path: str, agent: str, take: int, rate_wpm: float) -> BatchRow:
    return BatchRow(path=path, agent=agent, scenario="long-hold", take=take, started_at=f"2026-11-2{take}T09:00:00", status="ok",
                    error=None, duration_s=30.0, rate_wpm=rate_wpm, opening_rate_wpm=130.0, latency_median_s=0.8,
                    latency_p90_s=1.2, level_median_dbfs=-20.0, jump_ins=0, stalls=0, warnings=["w"], report_json=path + ".json",
                    report_html=path + ".html", content_sha256="0", settings_sha256="0")  # fmt: skip


def _summary() -> BatchSummary:
    rows = [_row("ann/take-01.wav", "ann", 1, 190.0), _row("ann/take-02.wav", "ann", 2, 150.0), _row("bo/<b>.wav", '<i>"bo"</i>', 1, 160.0)]
    return BatchSummary("in", {"model": "tiny.en"}, 3, 3, 0, 3, 0, 9.0, rows, progression.agent_progress(rows),
                        progression.by_scenario(rows), progression.by_skill(rows, {"long-hold": ["pacing"]}), [])  # fmt: skip


def _compare_page() -> str:
    takes = [hand_analysis(f"take{i}.wav", rate_wpm=r) for i, r in enumerate((190.0, 165.0, 150.0), 1)]
    return render(compare(takes), "html", analyses=takes, media=None)


def test_two_renders_of_one_report_are_byte_identical(tmp_path):
    clip = burst_clip(tmp_path / "take.wav")
    a = hand_analysis(str(clip), scenario=hostile_scenario())
    first, second = (render(a, "html", media=burst_media(clip, a)) for _ in range(2))
    assert first.count("<svg") == 3 and first == second  # single take, audio and level/pitch included
    first, second = _compare_page(), _compare_page()
    assert first.count("<svg") == 5 and first == second  # timelines and four progression bars
    assert batch_index.render(_summary()) == batch_index.render(_summary())


def test_figure_ids_are_unique_within_a_page():
    page = _compare_page()
    ids = [i for i in re.findall(r'\bid="([^"]+)"', page) if not i.startswith("audio-")]
    assert ids and len(ids) == len(set(ids))


def test_rendering_touches_no_matplotlib_global_state():
    """In a fresh interpreter (other tests may have imported pyplot): rcParams as they were, and
    pyplot never imported."""
    code = (
        "import sys, matplotlib; sys.path.insert(0, 'tests'); before = dict(matplotlib.rcParams)\n"
        "from test_report_pure import _compare_page; from report_factory import hand_analysis\n"
        "from voicecoach.report import render\n"
        "render(hand_analysis('x.wav'), 'html'); _compare_page()\n"
        "after = dict(matplotlib.rcParams)\n"
        "print(sorted(k for k in before if before[k] != after[k]), 'matplotlib.pyplot' in sys.modules)\n"
    )
    root = Path(__file__).parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})  # fmt: skip
    assert out.stdout.split("\n")[0] == "[] False"


def _imports(path: Path) -> set[str]:
    """Our modules a file in voicecoach/report imports: ``from ..analysis import pitch`` gives
    "analysis" and "analysis.pitch", ``from .. import audio`` gives "audio"."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 2:
            found |= {f"{node.module}.{n.name}" if node.module else n.name for n in node.names} | {node.module or ""}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("voicecoach."):
            found |= {node.module.removeprefix("voicecoach.")} | {f"{node.module.removeprefix('voicecoach.')}.{n.name}" for n in node.names}
        elif isinstance(node, ast.Import):
            found |= {n.name.removeprefix("voicecoach.") for n in node.names if n.name.startswith("voicecoach.")}
    return found


def test_report_modules_never_decode_or_measure():
    files = sorted(REPORT.glob("*.py"))
    assert len(files) >= 10
    for path in files:
        reached = _imports(path) & ANALYSIS_MODULES
        assert not reached, f"{path.name} imports {reached}: a report draws what the pipeline measured"


@pytest.mark.slow
def test_pipeline_tracks_are_the_frames_the_numbers_came_from():
    """A real stereo take: one track per party, NaN outside the party's measured speech, its pitch
    the pitch the Analysis reports; the audio handed over is the clip as decoded (no second decode)."""
    from voicecoach.pipeline import Options, analyze_clip
    from voicecoach.report import render_clip

    got = analyze_clip(SAMPLES / "long_hold_take1.wav", Options(agent_channel="right"))
    a = got.analysis
    assert [t.speaker for t in got.tracks] == ["customer", "agent"]
    assert got.audio.channels.shape[0] == 2 and abs(got.audio.duration_s - a.duration_s) < 0.01
    for t, stats in zip(got.tracks, (a.customer, a.agent)):
        inside = np.zeros(len(t.times_s), bool)
        for seg in a.segments[t.speaker]:
            inside |= (t.times_s >= seg.start_s - 0.011) & (t.times_s <= seg.end_s + 0.011)
        assert np.isnan(t.level_dbfs[~inside]).all() and np.isnan(t.pitch_hz[~inside]).all()
        assert np.isfinite(t.level_dbfs[inside]).mean() > 0.95
        assert np.nanmedian(t.pitch_hz) == pytest.approx(stats.pitch.median_hz, rel=0.03)
    page = render_clip(got, "html")
    assert "Level and pitch" in page and page.count("<audio") == 1 and page.count("<svg") == 3
    assert json.loads(render_clip(got, "json")) == json.loads(render(a, "json"))  # the JSON is the Analysis alone
