"""Load, decode and resample a clip: any common format in, float32 channels at 16 kHz out.

Decoding goes through libsndfile (soundfile) for WAV/FLAC/OGG/MP3 and falls back to FFmpeg's
libraries (PyAV, which faster-whisper already depends on) for M4A/AAC and anything else. Either
way the file is decoded, resampled (soxr HQ, streaming) and checked a block at a time into one
preallocated array, so an hour-long call costs its 16 kHz size in memory, not several copies.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import AudioError

SAMPLE_RATE_HZ = 16000  # what Whisper expects; resample once, here
MIN_SOURCE_RATE_HZ = 4000  # below this there is no speech band left to analyse
CLIP_LEVEL = 0.999  # a sample at or above this magnitude counts as full scale
LOSSY_SUBTYPES = frozenset({"MPEG_LAYER_I", "MPEG_LAYER_II", "MPEG_LAYER_III", "VORBIS", "OPUS"})  # libsndfile's
LOSSLESS_CODECS = frozenset({"flac", "alac", "wavpack", "tta", "ape", "mlp", "truehd"})  # FFmpeg's, besides pcm_*
TRUNCATED_MIN_S = 0.05  # a shortfall under 50 ms is a rounding of the header, not a lost end
SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".mp4", ".aiff", ".aif")


@dataclass(frozen=True)
class Audio:
    """A decoded clip: ``channels`` has shape (n_channels, n_samples) at ``sr`` Hz."""

    path: str
    channels: np.ndarray
    sr: int
    source_sr: int
    clipped_fraction: tuple[float, ...]  # per channel, share of samples at full scale
    warnings: list[str] = field(default_factory=list)
    lossy: bool = False  # MP3, AAC, Opus, ...: a coder that drops what it judges inaudible (line noise too)

    @property
    def duration_s(self) -> float:
        return self.channels.shape[1] / self.sr

    @property
    def n_channels(self) -> int:
        return self.channels.shape[0]


def _check_path(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file; give one clip (or use 'voicecoach batch')")
    if not os.access(path, os.R_OK):
        raise AudioError(f"{path}: cannot be read (permission denied)")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); record the take again")


class _Sink:
    """Takes decoded blocks (n_channels, k) at the source rate and keeps them at ``sr`` Hz:
    NaN/inf zeroed and counted, full-scale samples counted, resampled as they stream (soxr),
    clipped to [-1, 1] in place. An hour-long stereo call never exists twice in memory."""

    BLOCK = 1 << 18

    def __init__(self, n_channels: int, source_sr: int, sr: int, expected_frames: int | None):
        self.n_channels, self.source_sr, self.sr = n_channels, source_sr, sr
        self.resampler = None
        if source_sr != sr and source_sr >= MIN_SOURCE_RATE_HZ and 0 < n_channels <= 2:
            import soxr

            self.resampler = soxr.ResampleStream(source_sr, sr, n_channels, dtype="float32", quality="HQ")
        guess = expected_frames if expected_frames else source_sr * 60
        self.out = np.zeros((n_channels, int(np.ceil(guess * sr / source_sr)) + 16), dtype=np.float32)
        self.n_out = 0
        self.n_in = 0
        self.promised = None  # frames the container's header promises, where it states them exactly
        self.lossy = False
        self.bad = 0
        self.clipped = np.zeros(n_channels, dtype=np.int64)

    def _append(self, block: np.ndarray) -> None:
        need = self.n_out + block.shape[1]
        if need > self.out.shape[1]:
            grown = np.zeros((self.n_channels, max(need, int(self.out.shape[1] * 1.5))), dtype=np.float32)
            grown[:, : self.n_out] = self.out[:, : self.n_out]
            self.out = grown
        np.clip(block, -1.0, 1.0, out=self.out[:, self.n_out : need])
        self.n_out = need

    def add(self, block: np.ndarray, last: bool = False) -> None:
        """``block`` shaped (n_channels, k), float32."""
        block = np.asarray(block, dtype=np.float32)
        if block.size:
            finite = np.isfinite(block)
            if not finite.all():
                self.bad += int(block.size - finite.sum())
                block = np.where(finite, block, np.float32(0.0))
            self.clipped += np.count_nonzero(np.abs(block) >= CLIP_LEVEL, axis=1)
            self.n_in += block.shape[1]
        if self.resampler is None:
            if block.size:
                self._append(block)
            return
        y = self.resampler.resample_chunk(np.ascontiguousarray(block.T), last=last)
        if len(y):
            self._append(y.T)

    def finish(self) -> tuple[np.ndarray, int, tuple[float, ...], int]:
        if self.resampler is not None:
            self.add(np.zeros((self.n_channels, 0), dtype=np.float32), last=True)
            # exactly ceil(n * sr / source_sr) samples, as librosa.resample gives (1 sample stays 1)
            want = int(np.ceil(self.n_in * self.sr / self.source_sr))
            if self.n_out < want:
                self._append(np.zeros((self.n_channels, want - self.n_out), dtype=np.float32))
            self.n_out = min(self.n_out, want)
        clipped = tuple(float(c) / self.n_in if self.n_in else 0.0 for c in self.clipped)
        return self.out[:, : self.n_out], self.n_in, clipped, self.bad


def _decode_soundfile(path: Path, sr: int) -> _Sink | None:
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:
            if f.channels > 2 or f.samplerate < MIN_SOURCE_RATE_HZ:
                return _Unusable(f.channels, int(f.samplerate))
            # a damaged header can claim any length: trust it only as far as the file's size allows
            claimed = min(f.frames, 64 * path.stat().st_size) if f.frames > 0 else None
            sink = _Sink(f.channels, int(f.samplerate), sr, claimed)
            sink.promised = _wav_promised_frames(path) if f.format in ("WAV", "WAVEX") else (f.frames if f.format == "FLAC" else None)
            sink.lossy = f.subtype in LOSSY_SUBTYPES
            while True:
                block = f.read(_Sink.BLOCK, dtype="float32", always_2d=True)
                if not len(block):
                    break
                sink.add(block.T)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError, EOFError, MemoryError, OverflowError):
        return None
    return sink


@dataclass(frozen=True)
class _Unusable:
    """A file that decodes but cannot be used: reported by channel count or rate, not decoded."""

    n_channels: int
    source_sr: int


def _decode_av(path: Path, sr: int) -> _Sink | _Unusable | None:
    try:
        import av
    except ImportError:  # pragma: no cover - av ships with faster-whisper
        return None
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            ctx = stream.codec_context  # None on some corrupt headers (found by tests/test_fuzz.py)
            source_sr = int((ctx.sample_rate if ctx is not None else 0) or stream.rate or 0)
            n_ch = int(ctx.channels or 0) if ctx is not None else 0
            if source_sr <= 0 or n_ch <= 0:
                return None
            if n_ch > 2 or source_sr < MIN_SOURCE_RATE_HZ:
                return _Unusable(n_ch, source_sr)
            expected = None
            if stream.duration and stream.time_base:
                expected = int(stream.duration * stream.time_base * source_sr)
            sink = _Sink(n_ch, source_sr, sr, expected)
            sink.lossy = not (stream.codec.name.startswith("pcm_") or stream.codec.name in LOSSLESS_CODECS)
            if path.suffix.lower() == ".flac" or container.format.name == "wav":  # exact lengths; MP3/AAC only estimate theirs
                sink.promised = _wav_promised_frames(path) if container.format.name == "wav" else expected
            for frame in container.decode(stream):
                arr = frame.to_ndarray()
                if arr.dtype.kind in "iu":
                    arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max)
                if not frame.format.is_planar:  # interleaved: (1, n * channels)
                    arr = arr.reshape(-1, len(frame.layout.channels)).T
                if arr.shape[0] != n_ch:
                    return None
                sink.add(arr.astype(np.float32))
    except (av.FFmpegError, ValueError, OSError, IndexError, MemoryError):
        return None
    return sink if sink.n_in else None


def _wav_promised_frames(path: Path) -> int | None:
    """Frames the WAV's data chunk says it holds (its size field / bytes per frame), read from the
    RIFF header: libsndfile quietly trims that count to the bytes present, so a file cut short
    (a copy that stopped, a recorder that crashed) would otherwise look complete. None for sizes
    that mean "unknown" (0, 0xFFFFFFFF of a streamed or RF64 file) or a header we cannot walk."""
    import struct

    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
                return None
            endian = "<" if head[:4] == b"RIFF" else ">"
            block_align = None
            for _ in range(64):  # a WAV has a handful of chunks; never walk a damaged header forever
                chunk = f.read(8)
                if len(chunk) < 8:
                    return None
                cid, size = chunk[:4], struct.unpack(endian + "I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = f.read(size)
                    if len(fmt) < 14:
                        return None
                    block_align = struct.unpack(endian + "H", fmt[12:14])[0]
                    if size % 2:
                        f.read(1)
                elif cid == b"data":
                    if not block_align or size in (0, 0xFFFFFFFF):
                        return None
                    return size // block_align
                else:
                    f.seek(size + size % 2, os.SEEK_CUR)
    except OSError:
        return None
    return None


def _truncation_warning(promised: int | None, got: int, source_sr: int) -> list[str]:
    """A warning with the seconds and share missing when the file holds less than its header promises."""
    if not promised or got >= promised or (promised - got) / source_sr < TRUNCATED_MIN_S:
        return []
    missing_s, promised_s = (promised - got) / source_sr, promised / source_sr
    return [
        f"the file ends early: its header promises {promised_s:.1f} s but only {got / source_sr:.1f} s is there "
        f"({missing_s:.1f} s, {100.0 * missing_s / promised_s:.0f}% missing); analysed what is there: "
        "copy or export the take again if its end matters"
    ]


def _describe_undecodable(path: Path) -> str:
    head = path.read_bytes()[:12]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "the WAV header is damaged or the file is truncated; export it again"
    if path.suffix.lower() == ".wav":
        return "not an audio file (RIFF header missing); export the clip as WAV, FLAC, OGG, MP3 or M4A"
    return "not a readable audio file; export the clip as WAV, FLAC, OGG, MP3 or M4A"


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Decoder libraries (libmpg123 inside libsndfile, FFmpeg) print their complaints about a
    damaged frame straight to file descriptor 2; the warnings and the one-line AudioError speak
    for them, so their own lines are sent to /dev/null while a file decodes."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            sys.stderr.flush()
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def load(path: str | os.PathLike, *, sr: int = SAMPLE_RATE_HZ) -> Audio:
    """Decode ``path`` to float32 channels resampled to ``sr`` Hz (mono stays mono, stereo stereo).

    Raises AudioError with a one-line reason for anything that is not a usable clip.
    """
    path = Path(path)
    _check_path(path)
    with _native_stderr_silenced():
        decoded = _decode_soundfile(path, sr) or _decode_av(path, sr)
    if decoded is None:
        raise AudioError(f"{path}: {_describe_undecodable(path)}")
    if isinstance(decoded, _Unusable):
        _check_shape(str(path), decoded.n_channels, 1, decoded.source_sr)
    channels, n_in, clipped, bad = decoded.finish()
    _check_shape(str(path), channels.shape[0], n_in, decoded.source_sr)
    warnings = [f"{bad} samples were NaN or infinite and were set to silence"] if bad else []
    warnings += _truncation_warning(decoded.promised, n_in, decoded.source_sr)
    return Audio(path=str(path), channels=channels, sr=sr, source_sr=decoded.source_sr, clipped_fraction=clipped, warnings=warnings,
                 lossy=decoded.lossy)


def _check_shape(path: str, n_channels: int, n_samples: int, source_sr: int) -> None:
    if n_channels > 2:
        raise AudioError(
            f"{path}: has {n_channels} channels; voicecoach reads mono (agent only) or stereo "
            "(one party per channel): mix it down first, e.g. 'sox in.wav -c 2 out.wav remix 1 2'"
        )
    if n_samples == 0 or n_channels == 0:
        raise AudioError(f"{path}: contains no audio samples; record the take again")
    if source_sr < MIN_SOURCE_RATE_HZ:
        raise AudioError(
            f"{path}: sample rate {source_sr} Hz is too low for speech; record at 8000 Hz or more"
        )


def channels_alike(a: np.ndarray, b: np.ndarray, *, block: int = 1 << 20) -> float | None:
    """Pearson correlation of two equal-length channels, in float64 a block at a time (no
    hour-long temporaries); None when either channel is constant."""
    n = min(len(a), len(b))
    if n < 2:
        return None
    sa = sb = saa = sbb = sab = 0.0
    for start in range(0, n, block):
        x = np.asarray(a[start : min(n, start + block)], dtype=np.float64)
        y = np.asarray(b[start : min(n, start + block)], dtype=np.float64)
        sa += x.sum()
        sb += y.sum()
        saa += x @ x
        sbb += y @ y
        sab += x @ y
    va, vb = saa - sa * sa / n, sbb - sb * sb / n
    if va <= 1e-12 * n or vb <= 1e-12 * n:
        return None
    return float((sab - sa * sb / n) / np.sqrt(va * vb))
