"""`voicecoach record` on a real (virtual) audio device: a known clip played to the default output
must be found in the recording; interruptions must leave a valid file holding the audio so far."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import soundfile as sf

from audio_support import LOOPBACK_DELAY_S, VOICECOACH, find_clip, known_clip, play, require_input_device, start_recorder

from voicecoach.sidecar import sidecar_path

MIN_CORRELATION = 0.9
STARTUP_SLACK_S = 1.5  # paplay start + stderr pipe delay: the clip lands at most this late


@pytest.fixture
def device():
    require_input_device()


def _check_clip_found(wav, clip, earliest_s: float):
    data, sr = sf.read(str(wav), dtype="float32")
    corr, lag = find_clip(data, clip)
    lag_s = lag / sr
    assert corr > MIN_CORRELATION, f"clip not found: correlation {corr:.3f}"
    # A broken stream can correlate by chance: the clip must also sit where it was played.
    assert earliest_s + LOOPBACK_DELAY_S[0] <= lag_s <= earliest_s + STARTUP_SLACK_S + LOOPBACK_DELAY_S[1], (lag_s, earliest_s)
    return data, sr, corr, lag_s


@pytest.mark.audio
def test_played_clip_is_found_in_recording(device, tmp_path):
    clip = known_clip(tmp_path / "clip.wav")
    out = tmp_path / "take.wav"
    proc, seen = start_recorder(["record", str(out), "--seconds", "3"])
    launched, player = play(tmp_path / "clip.wav")
    player.wait(timeout=10)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    data, sr, corr, lag_s = _check_clip_found(out, clip, launched - seen)
    assert len(data) == 3 * 16000 and sr == 16000
    meta = json.loads(sidecar_path(out).read_text())
    assert meta["sample_rate_hz"] == 16000 and meta["channels"] == 1 and meta["duration_s"] == 3.0
    assert meta["stopped_by"] == "seconds" and meta["device"]


@pytest.mark.audio
@pytest.mark.parametrize("sig, stopped_by", [(signal.SIGINT, "ctrl-c"), (signal.SIGTERM, "sigterm")])
def test_signal_leaves_valid_file_with_audio_so_far(device, tmp_path, sig, stopped_by):
    clip = known_clip(tmp_path / "clip.wav")
    out = tmp_path / "take.wav"
    proc, seen = start_recorder(["record", str(out)])
    launched, player = play(tmp_path / "clip.wav")
    player.wait(timeout=10)
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    data, sr, _, lag_s = _check_clip_found(out, clip, launched - seen)
    assert len(data) / sr >= lag_s + len(clip) / sr  # everything up to the signal is there
    meta = json.loads(sidecar_path(out).read_text())
    assert meta["stopped_by"] == stopped_by
    assert meta["duration_s"] == pytest.approx(len(data) / sr, abs=1e-3)
    assert len(data) / sr <= sent - seen + 1.0  # stopped at the signal, not later


@pytest.mark.audio
def test_kill_9_leaves_a_readable_wav(device, tmp_path):
    """No chance to clean up: the header, updated on every write, must already describe the audio."""
    from voicecoach.audio import load

    clip = known_clip(tmp_path / "clip.wav")
    out = tmp_path / "take.wav"
    proc, seen = start_recorder(["record", str(out)])
    launched, player = play(tmp_path / "clip.wav")
    player.wait(timeout=10)
    time.sleep(1.5)
    killed = time.monotonic()
    proc.kill()
    proc.wait(timeout=10)
    _check_clip_found(out, clip, launched - seen)
    loaded = load(out)
    assert loaded.duration_s >= killed - seen - 1.0 - STARTUP_SLACK_S  # at most the last second lost (+ start slack)
    assert sf.info(str(out)).frames == loaded.channels.shape[1]


@pytest.mark.audio
def test_enter_stops_and_existing_take_is_not_overwritten(device, tmp_path):
    out = tmp_path / "take.wav"
    proc, _ = start_recorder(["record", str(out)])
    time.sleep(0.5)
    proc.stdin.write("\n")
    proc.stdin.flush()
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert json.loads(sidecar_path(out).read_text())["stopped_by"] == "enter"
    before = out.read_bytes()
    again = subprocess.run(VOICECOACH + ["record", str(out), "--seconds", "1"], capture_output=True, text=True, timeout=30)
    assert again.returncode == 1
    assert again.stderr.strip() == f"Error: {out}: already exists; pass --force to overwrite it or choose another name"
    assert out.read_bytes() == before
    forced = subprocess.run(VOICECOACH + ["record", str(out), "--seconds", "1", "--force"], capture_output=True, text=True, timeout=30)
    assert forced.returncode == 0, forced.stderr
    assert sf.info(str(out)).frames == 16000


def _run(args, **env):
    return subprocess.run(VOICECOACH + args, capture_output=True, text=True, timeout=60, env={**os.environ, **env})


@pytest.mark.audio
def test_no_input_device_error_is_exact(tmp_path):
    """A PulseAudio server that cannot be reached leaves PortAudio with no devices at all."""
    res = _run(["record", str(tmp_path / "t.wav"), "--seconds", "1"], PULSE_SERVER="unix:/nonexistent/socket")
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1] == (
        "Error: no audio input device found: connect a microphone or headset (and check the sound system is "
        "running), then run 'voicecoach devices'"
    )
    assert not (tmp_path / "t.wav").exists()


@pytest.mark.audio
def test_device_name_and_rate_errors(device, tmp_path):
    res = _run(["record", str(tmp_path / "t.wav"), "--device", "no-such-mic"])
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: no-such-mic: no input device matches this number or name; choose one of ")
    res = _run(["record", str(tmp_path / "t.wav"), "--rate-hz", "1000000"])
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1].startswith("Error: default: cannot record 1 channel(s) at 1000000 Hz")
    assert not (tmp_path / "t.wav").exists()


def test_unwritable_folder_is_one_line(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    res = _run(["record", str(blocker / "take.wav"), "--seconds", "1"])
    assert res.returncode == 1
    assert res.stderr.strip() == f"Error: {blocker}: is a file, not a folder; choose another folder for the take"


def test_analysis_commands_never_import_sounddevice():
    """analyze/compare/batch must work on a machine without PortAudio: sounddevice stays unimported."""
    code = (
        "import sys, voicecoach.cli, voicecoach.pipeline, voicecoach.report, voicecoach.sidecar;"
        "from click.testing import CliRunner;"
        "r = CliRunner().invoke(voicecoach.cli.main, ['analyze', '--help']);"
        "assert r.exit_code == 0, r.output;"
        "print('sounddevice' in sys.modules)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


@pytest.mark.audio
def test_full_disk_keeps_what_was_written(device, tmp_path):
    """A 64 KiB tmpfs fills after about 2 s of 16 kHz audio: the take so far must stay readable."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)]).returncode != 0:
        if os.environ.get("CI"):  # CI runs as root: a full disk must be tested there
            pytest.fail("could not mount a 64 KiB tmpfs as root")
        pytest.skip("needs root to mount a small tmpfs")
    try:
        out = disk / "take.wav"
        res = _run(["record", str(out), "--seconds", "5"])
        assert res.returncode == 1
        last = res.stderr.strip().splitlines()[-1]
        assert last.startswith(f"Error: {out}: writing stopped after ") and "the disk is full" in last
        info = sf.info(str(out))
        assert 1.0 <= info.frames / info.samplerate < 5.0
        assert info.frames * 2 + 44 <= out.stat().st_size  # the header covers only whole, written frames
        sf.read(str(out))
    finally:
        subprocess.run(["umount", str(disk)])


@pytest.mark.audio
def test_without_portaudio_record_says_what_to_install_and_analyze_still_works(tmp_path):
    """A mount namespace where libportaudio cannot be loaded (an empty file bound over it): a real
    machine without PortAudio, no mocks."""
    import glob

    libs = [p for p in glob.glob("/usr/lib/*/libportaudio.so.2*") + glob.glob("/usr/lib/libportaudio.so.2*") if not os.path.islink(p)]
    if os.geteuid() != 0 or not libs or shutil.which("unshare") is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root with libportaudio2 and unshare installed")
        pytest.skip("needs root, unshare and libportaudio2 to hide it")
    cli = " ".join(VOICECOACH)
    script = (f"mount --bind /dev/null {libs[0]} && "
              f"{cli} record {tmp_path / 't.wav'} --seconds 1; echo rc=$?; "
              f"{cli} analyze samples/long_hold_mono.wav --format json > {tmp_path / 'r.json'}; echo rc=$?")  # fmt: skip
    res = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert res.stdout.split() == ["rc=1", "rc=0"], res.stdout + res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and "apt-get install libportaudio2" in errors[0] and "Traceback" not in res.stderr
    assert json.loads((tmp_path / "r.json").read_text())["agent"]["words"] > 50
