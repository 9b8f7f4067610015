"""Fuzzed input: whatever bytes or samples arrive, the loader returns a usable clip or raises
AudioError, and `voicecoach analyze` ends in a report or one clean `Error:` line, never another
exception and never a hang.

Loader cases run many hypothesis examples (no model); the `analyze` cases run the real tiny.en
model on a few short clips (marked slow)."""

from __future__ import annotations

import io
import signal
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach import audio
from voicecoach.cli import main
from voicecoach.errors import AudioError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HANG_S = 120  # no single case may take longer than this: a loop that never ends fails the test
SUFFIXES = [".wav", ".flac", ".ogg", ".mp3", ".m4a", ".bin", ""]
RATES_HZ = [1, 100, 3999, 4000, 8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000, 384000]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@contextmanager
def no_hang(seconds: int = HANG_S):
    def fail(*_):
        raise TimeoutError(f"no result after {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def real_files(tmp_path_factory) -> dict[str, bytes]:
    """A real take in every container the loader reads: the seeds for truncation and corruption."""
    d = tmp_path_factory.mktemp("real")
    data, sr = sf.read(str(SAMPLES / "long_hold_take1.wav"), dtype="float32", always_2d=True, frames=16000 * 3)
    out = {".wav": (SAMPLES / "long_hold_take1.wav").read_bytes()[: 44 + 16000 * 4 * 3]}
    for suffix, fmt in ((".flac", "FLAC"), (".ogg", "OGG"), (".mp3", "MP3")):
        p = d / f"take{suffix}"
        sf.write(str(p), data, sr, format=fmt)
        out[suffix] = p.read_bytes()
    return out


def check_loaded(path: Path) -> None:
    """The loader's contract: a well-formed 16 kHz clip, or AudioError naming the file."""
    with no_hang():
        try:
            clip = audio.load(path)
        except AudioError as e:
            assert str(path) in str(e), f"error does not name the input: {e}"
            assert "\n" not in str(e)
            return
    assert clip.sr == audio.SAMPLE_RATE_HZ
    assert clip.channels.dtype == np.float32
    assert clip.channels.ndim == 2 and 1 <= clip.n_channels <= 2
    assert clip.channels.shape[1] > 0
    assert np.isfinite(clip.channels).all()
    assert np.abs(clip.channels).max() <= 1.0
    assert all(0.0 <= c <= 1.0 for c in clip.clipped_fraction)


@FUZZ
@given(blob=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_load_or_fail_cleanly(tmp_path, blob, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(blob)
    check_loaded(path)


@FUZZ
@given(kind=st.sampled_from([".wav", ".flac", ".ogg", ".mp3"]), cut=st.floats(0.0, 1.0))
def test_truncated_real_files(tmp_path, real_files, kind, cut):
    blob = real_files[kind]
    path = tmp_path / f"truncated{kind}"
    path.write_bytes(blob[: int(len(blob) * cut)])
    check_loaded(path)


@FUZZ
@given(
    kind=st.sampled_from([".wav", ".flac", ".ogg", ".mp3"]),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), min_size=1, max_size=12),
    in_header=st.booleans(),
)
def test_corrupted_real_files(tmp_path, real_files, kind, flips, in_header):
    blob = bytearray(real_files[kind])
    span = min(len(blob), 64) if in_header else len(blob)
    for where, value in flips:
        blob[min(span - 1, int(where * span))] = value
    path = tmp_path / f"corrupt{kind}"
    path.write_bytes(bytes(blob))
    check_loaded(path)


@FUZZ
@given(
    rate_hz=st.sampled_from(RATES_HZ),
    n_samples=st.sampled_from([0, 1, 2, 100, 2047, 4000]),
    n_channels=st.sampled_from([1, 2, 6]),
    poison=st.sampled_from(["none", "nan", "inf", "all-nan", "loud"]),
    subtype=st.sampled_from(["FLOAT", "PCM_16"]),
)
def test_odd_shapes_and_samples(tmp_path, rate_hz, n_samples, n_channels, poison, subtype):
    rng = np.random.default_rng(n_samples + rate_hz)
    data = (rng.standard_normal((n_samples, n_channels)) * 0.1).astype(np.float32)
    if n_samples and poison == "nan":
        data[:: max(1, n_samples // 7)] = np.nan
    elif n_samples and poison == "inf":
        data[0, 0], data[-1, -1] = np.inf, -np.inf
    elif poison == "all-nan":
        data[:] = np.nan
    elif poison == "loud":
        data *= 1000.0
    path = tmp_path / "odd.wav"
    sf.write(str(path), data, rate_hz, subtype=subtype)
    check_loaded(path)
    if n_samples and subtype == "FLOAT" and poison in ("nan", "inf", "all-nan") and rate_hz >= audio.MIN_SOURCE_RATE_HZ and n_channels <= 2:
        assert "NaN or infinite" in " ".join(audio.load(path).warnings)


@pytest.mark.parametrize(
    "n_channels, rate_hz, n_samples, message",
    [
        (6, 16000, 1600, "has 6 channels"),
        (1, 100, 100, "sample rate 100 Hz is too low"),
        (1, 16000, 0, "contains no audio samples"),
    ],
    ids=["six-channels", "100-hz", "zero-samples"],
)
def test_unusable_files_get_the_right_reason(tmp_path, n_channels, rate_hz, n_samples, message):
    path = tmp_path / "x.wav"
    sf.write(str(path), np.zeros((n_samples, n_channels), dtype=np.float32), rate_hz)
    with pytest.raises(AudioError, match=message):
        audio.load(path)


def test_nan_samples_are_silenced_and_counted(tmp_path):
    data = np.full(16000, 0.25, dtype=np.float32)
    data[100:110] = np.nan
    data[5000] = np.inf
    path = tmp_path / "nan.wav"
    sf.write(str(path), data, 16000, subtype="FLOAT")
    clip = audio.load(path)
    assert clip.warnings == ["11 samples were NaN or infinite and were set to silence"]
    assert np.all(clip.channels[0, 100:110] == 0.0)


def run_cli(path: Path):
    """`voicecoach analyze PATH` in-process; returns (exit code, stdout, stderr)."""
    with no_hang():
        result = CliRunner().invoke(main, ["analyze", str(path), "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a bug: keep its traceback
    return result.exit_code, result.stdout, result.stderr


def assert_report_or_error(code: int, out: str, err: str) -> None:
    if code == 0:
        assert out.lstrip().startswith("{") and '"schema_version"' in out
    else:
        assert code == 1, f"exit {code}: {err}"
        lines = [l for l in err.splitlines() if l.strip()]
        assert lines and lines[-1].startswith("Error: "), err
        assert "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["empty", "random-bytes", "truncated-header", "truncated-take", "one-sample", "all-nan", "six-channels", "4000-hz", "384000-hz", "corrupt-middle"],
)
def test_analyze_odd_files_report_or_error(tmp_path, real_files, name):
    path = tmp_path / f"{name}.wav"
    rng = np.random.default_rng(3)
    take = real_files[".wav"]
    if name == "empty":
        path.write_bytes(b"")
    elif name == "random-bytes":
        path.write_bytes(rng.bytes(3000))
    elif name == "truncated-header":
        path.write_bytes(take[:30])
    elif name == "truncated-take":
        path.write_bytes(take[: len(take) // 2 + 3])
    elif name == "one-sample":
        sf.write(str(path), np.array([0.5], dtype=np.float32), 16000)
    elif name == "all-nan":
        sf.write(str(path), np.full((16000, 2), np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    elif name == "six-channels":
        sf.write(str(path), rng.standard_normal((16000, 6)).astype(np.float32) * 0.1, 16000)
    elif name == "4000-hz":
        sf.write(str(path), (0.3 * np.sin(2 * np.pi * 300 * np.arange(8000) / 4000)).astype(np.float32), 4000)
    elif name == "384000-hz":
        x = 0.3 * np.sin(2 * np.pi * 200 * np.arange(384000) / 384000)
        sf.write(str(path), x.astype(np.float32), 384000, subtype="FLOAT")
    elif name == "corrupt-middle":
        blob = bytearray(take)
        blob[len(blob) // 2 : len(blob) // 2 + 5000] = rng.bytes(5000)
        path.write_bytes(bytes(blob))
    code, out, err = run_cli(path)
    assert_report_or_error(code, out, err)
    expect_error = {"empty", "random-bytes", "truncated-header", "six-channels"}
    assert (code == 1) == (name in expect_error), f"{name}: exit {code}: {err}"


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    seconds=st.floats(0.0, 2.0),
    rate_hz=st.sampled_from([8000, 16000, 44100]),
    n_channels=st.sampled_from([1, 2]),
    content=st.sampled_from(["noise", "tone", "nan", "clipped", "silence"]),
)
def test_analyze_random_short_clips(tmp_path, seconds, rate_hz, n_channels, content):
    n = int(seconds * rate_hz)
    rng = np.random.default_rng(n)
    if content == "noise":
        data = rng.standard_normal((n, n_channels)) * 0.2
    elif content == "tone":
        data = np.repeat((0.5 * np.sin(2 * np.pi * 180 * np.arange(n) / rate_hz))[:, None], n_channels, axis=1)
    elif content == "nan":
        data = rng.standard_normal((n, n_channels)) * 0.2
        data[::3] = np.nan
    elif content == "clipped":
        data = np.clip(rng.standard_normal((n, n_channels)) * 3.0, -1, 1)
    else:
        data = np.zeros((n, n_channels))
    buf = io.BytesIO()
    sf.write(buf, data.astype(np.float32), rate_hz, subtype="FLOAT", format="WAV")
    path = tmp_path / "short.wav"
    path.write_bytes(buf.getvalue())
    code, out, err = run_cli(path)
    assert_report_or_error(code, out, err)
    assert (code == 1) == (n == 0), err
