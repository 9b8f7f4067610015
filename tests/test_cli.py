"""The command line: help everywhere, clean one-line errors, silence is a report, not an error."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from voicecoach import __version__
from voicecoach.cli import main


def run(*args):
    """Run the real console entry point in a subprocess (tracebacks and exit codes as a user sees them)."""
    return subprocess.run([sys.executable, "-m", "voicecoach.cli", *map(str, args)], capture_output=True, text=True, timeout=300)


def test_version_and_help():
    r = CliRunner().invoke(main, ["--version"], standalone_mode=False)
    assert __version__ in r.output
    for args in (["-h"], ["--help"]):
        assert "Usage" in CliRunner().invoke(main, args).output


def _commands(group, path=()):
    for name, cmd in group.commands.items():
        yield (*path, name), cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*path, name))


def test_every_command_has_help_with_an_example():
    found = list(_commands(main))
    assert ("scenarios", "show") in [p for p, _ in found]
    for path, cmd in found:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert cmd.help and "voicecoach" in cmd.help, f"{' '.join(path)} help has no example"


def one_error_line(r, needle):
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("Error: ") and needle in lines[0], lines[0]
    assert "Traceback" not in r.stderr


def test_missing_path(tmp_path):
    one_error_line(run("analyze", tmp_path / "nope.wav"), "nope.wav: no such file")


def test_directory(tmp_path):
    one_error_line(run("analyze", tmp_path), "is a folder")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    one_error_line(run("analyze", tmp_path / "empty.wav"), "empty.wav: the file is empty")


def test_text_file_named_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("these are my notes, not audio\n" * 20)
    one_error_line(run("analyze", tmp_path / "notes.wav"), "notes.wav: not an audio file (RIFF header missing)")


def test_truncated_header(tmp_path):
    sf.write(tmp_path / "ok.wav", np.zeros(16000, np.float32), 16000)
    (tmp_path / "cut.wav").write_bytes((tmp_path / "ok.wav").read_bytes()[:30])
    one_error_line(run("analyze", tmp_path / "cut.wav"), "cut.wav: the WAV header is damaged or the file is truncated")


def test_unsupported_option_value(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(16000, np.float32), 16000)
    one_error_line(run("analyze", tmp_path / "a.wav", "--agent-channel", "middle"), "'middle' is not one of")
    one_error_line(run("analyze", tmp_path / "a.wav", "--format", "pdf"), "'pdf' is not one of")


def test_missing_model_names_every_place_looked(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(16000, np.float32), 16000)
    r = run("analyze", tmp_path / "a.wav", "--model", "large-v9")
    one_error_line(r, "large-v9: no Whisper model")
    assert "models/large-v9" in r.stderr and "--allow-download" in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_silence_and_noise_are_reports_with_no_words(tmp_path, kind):
    rng = np.random.default_rng(0)
    y = np.zeros((16000 * 8, 2), np.float32) if kind == "silence" else (rng.standard_normal((16000 * 8, 2)) * 0.03).astype(np.float32)
    sf.write(tmp_path / "quiet.wav", y, 16000)
    r = run("analyze", tmp_path / "quiet.wav", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["agent"]["words"] == 0 and data["words"] == [] and data["agent"]["rate_wpm"] is None
    assert any("no speech found" in w for w in data["warnings"])
    assert "NaN" not in r.stdout


@pytest.mark.slow
def test_text_report_fits_80_columns_and_shows_the_opening(tmp_path):
    r = run("analyze", "samples/long_hold_take2.wav", "--agent-channel", "right")
    assert r.returncode == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    assert "OPENING SENTENCE" in r.stdout and "TURNS" in r.stdout and "wpm" in r.stdout


@pytest.mark.slow
def test_json_schema_and_out_file(tmp_path):
    out = tmp_path / "r" / "take1.json"
    r = run("analyze", "samples/long_hold_take1.wav", "--agent-channel", "right", "--format", "json", "--out", out)
    assert r.returncode == 0 and r.stdout == ""
    data = json.loads(out.read_text())
    assert data["schema_version"] == 1 and data["layout"] == "stereo" and data["model"] == "tiny.en"
    for key in ("words", "speaking_s", "rate_wpm", "articulation_sps", "opening", "level", "pitch", "pauses"):
        assert key in data["agent"]
    assert set(data["latency"]) >= {"values_s", "median_s", "p10_s", "p90_s", "jump_ins", "stalls"}
    assert {"speaker", "start_s", "end_s", "text", "words", "rate_wpm", "level_dbfs", "latency_s"} <= set(data["turns"][0])
    assert {"text", "start_s", "end_s", "speaker", "probability"} <= set(data["words"][0])
    assert data["customer"]["words"] > 0 and 0 < data["talk_ratio"] < 1


@pytest.mark.slow
def test_a_json_report_named_like_the_take_never_overwrites_its_sidecar(tmp_path, truth):
    """The recorder's sidecar is take.wav.json; a report saved as take.json leaves it (and its
    cues, so latency stays measurable) alone."""
    import shutil

    from voicecoach.sidecar import sidecar_path, write_sidecar

    take = tmp_path / "take.wav"
    shutil.copy("samples/long_hold_mono.wav", take)
    starts = [ln["start_s"] for ln in truth["long_hold_mono"]["lines"]][1:]
    write_sidecar(take, {"agent": "a1", "cues": [{"start_s": s - 2.3, "end_s": s - 1.0, "text": "caller"} for s in starts]})
    for _ in range(2):
        r = run("analyze", take, "--format", "json", "--out", tmp_path / "take.json")
        assert r.returncode == 0, r.stderr
        report = json.loads((tmp_path / "take.json").read_text())
        assert report["layout"] == "mono-cued"
        assert report["latency"]["values_s"] == pytest.approx([1.0, 1.0], abs=0.08)
    assert json.loads(sidecar_path(take).read_text())["agent"] == "a1"


@pytest.mark.slow
def test_a_practice_take_is_coached_against_the_scene_it_was_recorded_for(tmp_path):
    import shutil

    from voicecoach.sidecar import write_sidecar

    take = tmp_path / "take-01.wav"
    shutil.copy("samples/long_hold_mono.wav", take)
    write_sidecar(take, {"agent": "a1", "scenario": "long-hold", "take": 1})
    r = run("analyze", take, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["scenario"]["id"] == "long-hold" and "coaching against long-hold" in r.stderr
    write_sidecar(take, {"agent": "a1", "scenario": "a-scene-not-shipped", "take": 1})
    r = run("analyze", take, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["scenario"] is None
