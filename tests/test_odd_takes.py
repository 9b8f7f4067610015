"""No take too short or odd: a report with a reason, never a traceback.

Real speech (tests/realspeech.py: Asterisk telephone prompts as the agent, LibriVox readers as the
caller) cut into 1-2 s takes, takes without agent speech, truncated files, a machine without an
input device; plus the one m:ss.s formatter and tone words that follow the measured direction.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

import realspeech as rs
from report_factory import hand_analysis
from voicecoach import audio
from voicecoach.analysis import tone
from voicecoach.cli import main
from voicecoach.clock import mmss
from voicecoach.report import render
from voicecoach.results import Turn

ROOT = Path(__file__).resolve().parent.parent
SR = rs.SR
VOICECOACH = [sys.executable, "-m", "voicecoach.cli"]


# --- times as m:ss.s ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "t_s, shown",
    [(0.0, "0:00.0"), (0.04, "0:00.0"), (9.95, "0:10.0"), (59.94, "0:59.9"), (59.96, "1:00.0"), (60.0, "1:00.0"),
     (125.0, "2:05.0"), (119.99, "2:00.0"), (3599.96, "60:00.0")],
)
def test_times_round_to_the_tenth_before_minutes_are_split(t_s, shown):
    assert mmss(t_s) == shown


def test_a_take_of_59_96_s_reads_1_00_0_in_every_report():
    a = hand_analysis()
    import dataclasses

    a = dataclasses.replace(a, duration_s=59.96)
    for fmt in ("text", "markdown"):
        out = render(a, fmt)
        assert "1:00.0" in out and "0:60.0" not in out, fmt


def test_one_time_formatter():
    """Every m:ss display goes through voicecoach/clock.py: no second copy to drift (the 0:60.0 bug)."""
    copies = [str(p.relative_to(ROOT)) for p in (ROOT / "voicecoach").rglob("*.py")
              if p.name != "clock.py" and re.search(r"//\s*60\b|%\s*60\b", p.read_text())]
    assert copies == []


# --- tone words follow the measured direction ---------------------------------------------------


def _caller(start_s: float, level_dbfs: float, pitch_hz: float, rate_wpm: float = 160.0) -> Turn:
    return Turn("customer", start_s, start_s + 3.0, "words", 8, rate_wpm, level_dbfs, None, pitch_hz)


def test_a_louder_caller_is_never_said_to_have_softened():
    # +4 dB louder although 2.8 semitones lower: the rise in level contradicts "softened"
    rows, at, note = tone.customer_tone([_caller(0.5, -20.0, 200.0), _caller(9.0, -16.0, 170.0, 176.0)])
    assert at is None and not rows[1].softer
    assert "softened at" not in note and "4.0 dB louder" in note and "2.8 semitones lower" in note and "10% faster" in note


def test_a_quieter_caller_softened_and_the_words_say_quieter():
    rows, at, note = tone.customer_tone([_caller(0.5, -20.0, 200.0), _caller(12.0, -24.0, 200.0, 144.0)])
    assert at == 12.0 and rows[1].softer
    assert note == "the customer's tone softened at 0:12.0 (4.0 dB quieter, same pitch, 10% slower than their first turn)"


def test_quieter_but_higher_is_not_softer():
    rows, at, _ = tone.customer_tone([_caller(0.5, -20.0, 200.0), _caller(9.0, -24.0, 240.0)])  # +3.2 st
    assert at is None and not rows[1].softer


# --- truncated files ----------------------------------------------------------------------------


def _truncate(src: Path, dst: Path, keep_share: float) -> tuple[float, float]:
    """Copy ``src`` (a 16-bit stereo WAV with a 44-byte header) cut to ``keep_share`` of its bytes;
    returns (seconds promised, seconds kept)."""
    data = src.read_bytes()
    cut = int(len(data) * keep_share)
    dst.write_bytes(data[:cut])
    info = sf.info(str(src))
    frame_bytes = 2 * info.channels
    return info.frames / info.samplerate, (cut - 44) // frame_bytes / info.samplerate


def test_truncated_wav_is_read_with_a_warning_saying_how_much_is_missing(tmp_path):
    src = ROOT / "samples" / "long_hold_take1.wav"
    promised_s, kept_s = _truncate(src, tmp_path / "cut.wav", 0.6)
    clip = audio.load(tmp_path / "cut.wav")
    assert clip.duration_s == pytest.approx(kept_s, abs=0.01)
    missing_s = promised_s - kept_s
    assert clip.warnings == [
        f"the file ends early: its header promises {promised_s:.1f} s but only {kept_s:.1f} s is there "
        f"({missing_s:.1f} s, {100 * missing_s / promised_s:.0f}% missing); analysed what is there: "
        "copy or export the take again if its end matters"
    ]
    assert "40% missing" in clip.warnings[0]
    assert audio.load(src).warnings == []  # the whole file: nothing to say


def test_wav_with_a_chunk_before_its_data_is_measured_from_the_data_chunk(tmp_path):
    """A LIST chunk (as editors write) sits between fmt and data: the header walk must skip it."""
    src = tmp_path / "tagged.wav"
    x = np.zeros((SR * 4, 2), np.float32)
    x[:, 1] = 0.1 * np.sin(2 * np.pi * 200 * np.arange(len(x)) / SR)
    sf.write(str(src), x, SR, subtype="PCM_16")
    raw = src.read_bytes()
    lst = b"LIST" + (26).to_bytes(4, "little") + b"INFOISFT" + (14).to_bytes(4, "little") + b"voicecoach te\x00"
    body = raw[12:36] + lst + raw[36:]
    tagged = b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WAVE" + body
    src.write_bytes(tagged)
    assert audio.load(src).warnings == []
    (tmp_path / "tagged_cut.wav").write_bytes(tagged[: len(tagged) // 2])
    warning = audio.load(tmp_path / "tagged_cut.wav").warnings[0]
    assert "promises 4.0 s" in warning and "(2.0 s, 50% missing)" in warning


# --- devices ------------------------------------------------------------------------------------


@pytest.mark.audio
@pytest.mark.parametrize("env", [
    {"PULSE_SERVER": "unix:/nonexistent/socket"},  # the sound server cannot be reached
    {"ALSA_CONFIG_PATH": "NOIN"},  # an ALSA without any PCM (written below): a machine with no sound card
], ids=["no-pulse", "no-alsa-pcm"])
def test_devices_without_an_input_device_exits_1_with_one_error_line(tmp_path, env):
    """Only this subprocess sees no devices: the shared virtual device stays up for everyone else."""
    if env.get("ALSA_CONFIG_PATH") == "NOIN":
        conf = tmp_path / "alsa.conf"
        conf.write_text("pcm.!default { type hw card 0 }\nctl.!default { type hw card 0 }\n")
        env = {"ALSA_CONFIG_PATH": str(conf)}
    res = subprocess.run(VOICECOACH + ["devices"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT), **env}, cwd=ROOT)
    assert res.returncode == 1, res.stdout + res.stderr
    assert res.stderr.strip().splitlines() == [
        "Error: no audio input device found: connect a microphone or headset (and check the sound system is "
        "running), then run 'voicecoach devices'"
    ]


# --- short and odd takes, with the real model ---------------------------------------------------


@pytest.fixture(scope="module")
def odd_takes(tmp_path_factory):
    """Takes cut from the real-voice long-hold call (customer left, agent right), by construction:
    agent 'Thank you for your patience' from 10.09 s, caller again from 14.79 s, agent 'One moment,
    please.' 18.78-20.18 s."""
    rs.require_real_speech()
    folder = tmp_path_factory.mktemp("odd")
    cust, agent, t = rs.long_hold_call()
    cut = lambda a, b: (cust[int(a * SR): int(b * SR)], agent[int(a * SR): int(b * SR)])  # noqa: E731
    first, moment = [ln for ln in t["lines"] if ln["speaker"] == "agent"][:2]  # moment: "One moment, please."
    takes = {
        # the end of an agent line and the caller's first syllables: crashed the debrief
        "tail_2s": cut(first["end_s"] - 1.0, first["end_s"] + 1.0),
        "one_moment_2s": cut(moment["start_s"] - 0.3, moment["start_s"] + 1.7),  # a whole three-word agent line
        "one_s": cut(moment["start_s"] + 0.2, moment["start_s"] + 1.2),  # one second inside the agent's line
        "caller_only": (cust, np.zeros_like(agent)),  # no agent speech at all
    }
    paths = {name: rs.write_stereo(folder / f"{name}.wav", c, a) for name, (c, a) in takes.items()}
    y, _ = rs.prompt("one-moment-please")
    paths["tiny_10ms"] = rs.write_stereo(folder / "tiny_10ms.wav", np.zeros(160, np.float32), y[:160])
    return paths


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tail_2s", "one_moment_2s", "one_s", "caller_only", "tiny_10ms"])
def test_short_and_agentless_takes_with_a_scenario_report_in_every_format(odd_takes, name, tmp_path):
    path = odd_takes[name]
    for fmt in ("json", "text", "markdown", "html"):
        out = tmp_path / f"report.{fmt}"
        res = CliRunner().invoke(main, ["analyze", str(path), "--agent-channel", "right", "--scenario", "long-hold",
                                        "--format", fmt, "--out", str(out)])
        assert res.exit_code == 0 and res.exception is None, f"{name} {fmt}: {res.output}"
    data = json.loads((tmp_path / "report.json").read_text())
    debrief = data["scenario"]["debrief"]
    assert len(debrief["strengths"]) <= 2
    if name in ("caller_only", "tiny_10ms"):
        assert "no speech found on the agent channel: nothing to measure" in data["warnings"]
    if not debrief["strengths"]:
        assert debrief["note"].startswith("Nothing to debrief: no agent speech")
    elif len(debrief["strengths"]) == 1:  # too little of the scene for two strengths: the note says so
        assert "too little of the scene" in debrief["note"]


@pytest.mark.slow
def test_a_two_second_tail_gets_one_strength_and_the_reason(odd_takes):
    res = CliRunner().invoke(main, ["analyze", str(odd_takes["tail_2s"]), "--agent-channel", "right",
                                    "--scenario", "long-hold", "--format", "json"])
    assert res.exit_code == 0, res.output
    debrief = json.loads(res.stdout)["scenario"]["debrief"]
    assert len(debrief["strengths"]) == 1
    assert "too little of the scene for a second" in debrief["note"] and "in 2.0 s" in debrief["note"]


@pytest.mark.slow
def test_batch_of_odd_takes_reports_each_with_its_reason(odd_takes, tmp_path):
    folder = tmp_path / "sessions" / "agent01" / "long-hold"
    folder.mkdir(parents=True)
    for i, name in enumerate(["tail_2s", "one_s", "caller_only", "tiny_10ms"], 1):
        (folder / f"take-{i:02d}.wav").write_bytes(odd_takes[name].read_bytes())
    promised_s, kept_s = _truncate(ROOT / "samples" / "long_hold_take1.wav", folder / "take-05.wav", 0.5)
    res = CliRunner().invoke(main, ["batch", str(tmp_path / "sessions"), "--out", str(tmp_path / "out"),
                                    "--scenario", "long-hold", "--agent-channel", "right"])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    rows = {Path(r["path"]).name: r for r in summary["rows"]}
    assert [r["status"] for r in rows.values()] == ["ok"] * 5, [r["error"] for r in rows.values()]
    assert not any("internal error" in (r["error"] or "") for r in rows.values())
    assert any("no speech found on the agent channel" in w for w in rows["take-03.wav"]["warnings"])
    assert any(f"({promised_s - kept_s:.1f} s, 50% missing)" in w for w in rows["take-05.wav"]["warnings"])


@pytest.mark.slow
def test_truncated_take_is_analysed_with_the_warning_in_the_report(tmp_path):
    promised_s, kept_s = _truncate(ROOT / "samples" / "long_hold_take1.wav", tmp_path / "cut.wav", 0.6)
    res = CliRunner().invoke(main, ["analyze", str(tmp_path / "cut.wav"), "--agent-channel", "right", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["duration_s"] == pytest.approx(kept_s, abs=0.01)
    assert any(w.startswith(f"the file ends early: its header promises {promised_s:.1f} s") for w in data["warnings"])
    text = CliRunner().invoke(main, ["analyze", str(tmp_path / "cut.wav"), "--agent-channel", "right"]).stdout
    assert "40% missing" in text.replace("\n    ", " ")
