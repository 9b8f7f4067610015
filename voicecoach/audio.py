"""Load, decode and resample a clip: any common format in, float32 channels at 16 kHz out.

Decoding goes through libsndfile (soundfile) for WAV/FLAC/OGG/MP3 and falls back to FFmpeg's
libraries (PyAV, which faster-whisper already depends on) for M4A/AAC and anything else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import AudioError

SAMPLE_RATE_HZ = 16000  # what Whisper expects; resample once, here
MIN_SOURCE_RATE_HZ = 4000  # below this there is no speech band left to analyse
CLIP_LEVEL = 0.999  # a sample at or above this magnitude counts as full scale
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


def _decode_soundfile(path: Path) -> tuple[np.ndarray, int] | None:
    import soundfile as sf

    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError, EOFError, MemoryError):
        return None
    return data.T, int(sr)


def _decode_av(path: Path) -> tuple[np.ndarray, int] | None:
    try:
        import av
    except ImportError:  # pragma: no cover - av ships with faster-whisper
        return None
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            sr = int(stream.codec_context.sample_rate or stream.rate or 0)
            chunks = []
            for frame in container.decode(stream):
                arr = frame.to_ndarray()
                if arr.dtype.kind in "iu":
                    arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max)
                if frame.format.is_planar:
                    chunks.append(arr.astype(np.float32))
                else:  # interleaved: (1, n * channels)
                    n_ch = len(frame.layout.channels)
                    chunks.append(arr.reshape(-1, n_ch).T.astype(np.float32))
    except (av.FFmpegError, ValueError, OSError, IndexError):
        return None
    if not chunks or sr <= 0:
        return None
    return np.concatenate(chunks, axis=1), sr


def _describe_undecodable(path: Path) -> str:
    head = path.read_bytes()[:12]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "the WAV header is damaged or the file is truncated; export it again"
    if path.suffix.lower() == ".wav":
        return "not an audio file (RIFF header missing); export the clip as WAV, FLAC, OGG, MP3 or M4A"
    return "not a readable audio file; export the clip as WAV, FLAC, OGG, MP3 or M4A"


def load(path: str | os.PathLike, *, sr: int = SAMPLE_RATE_HZ) -> Audio:
    """Decode ``path`` to float32 channels resampled to ``sr`` Hz (mono stays mono, stereo stereo).

    Raises AudioError with a one-line reason for anything that is not a usable clip.
    """
    path = Path(path)
    _check_path(path)
    decoded = _decode_soundfile(path) or _decode_av(path)
    if decoded is None:
        raise AudioError(f"{path}: {_describe_undecodable(path)}")
    data, source_sr = decoded
    return from_array(data, source_sr, path=str(path), sr=sr)


def from_array(data: np.ndarray, source_sr: int, *, path: str = "<array>", sr: int = SAMPLE_RATE_HZ) -> Audio:
    """Build an Audio from samples shaped (n_channels, n) or (n,) at ``source_sr`` Hz."""
    import librosa

    data = np.atleast_2d(np.asarray(data, dtype=np.float32))
    n_channels, n_samples = data.shape
    if n_channels > 2:
        raise AudioError(
            f"{path}: has {n_channels} channels; voicecoach reads mono (agent only) or stereo "
            "(one party per channel): mix it down first, e.g. 'sox in.wav -c 2 out.wav remix 1 2'"
        )
    if n_samples == 0:
        raise AudioError(f"{path}: contains no audio samples; record the take again")
    if source_sr < MIN_SOURCE_RATE_HZ:
        raise AudioError(
            f"{path}: sample rate {source_sr} Hz is too low for speech; record at 8000 Hz or more"
        )
    warnings = []
    finite = np.isfinite(data)
    if not finite.all():
        warnings.append(f"{np.size(data) - int(finite.sum())} samples were NaN or infinite and were set to silence")
        data = np.where(finite, data, 0.0).astype(np.float32)
    clipped = tuple(float(np.mean(np.abs(ch) >= CLIP_LEVEL)) for ch in data)
    if source_sr != sr:
        data = librosa.resample(data, orig_sr=source_sr, target_sr=sr, res_type="soxr_hq", axis=-1)
    data = np.ascontiguousarray(np.clip(data, -1.0, 1.0), dtype=np.float32)
    return Audio(path=path, channels=data, sr=sr, source_sr=int(source_sr), clipped_fraction=clipped, warnings=warnings)
