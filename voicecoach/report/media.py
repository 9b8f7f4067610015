"""What the HTML report shows besides the Analysis: the clip's audio and its per-frame series.

The Analysis carries numbers, not signals. The HTML renderer needs the audio to embed and the level
and pitch of every frame to plot, so this module decodes the clip again (``audio.load``) and
recomputes the frame series with the same functions the pipeline uses (``activity.detect``,
``pitch.track``). No metric is computed here: the pipeline stays the one road for metrics.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import activity, audio
from ..analysis import pitch
from ..results import Analysis, Segment

PLOT_HOP_S = 0.02  # 20 ms per plotted point: smooth enough to read, small enough to embed
MP3_COMPRESSION = 0.5  # libsndfile/LAME quality knob, 0 (best) .. 1 (smallest)


@dataclass(frozen=True)
class Series:
    """One party's frame series on the clip's clock (NaN outside speech / unvoiced frames)."""

    speaker: str  # "agent" or "customer"
    times_s: np.ndarray
    level_dbfs: np.ndarray
    pitch_hz: np.ndarray
    segments: list[Segment]


@dataclass(frozen=True)
class Media:
    """The embeddable audio of one clip plus the series to plot."""

    audio_mime: str
    audio_b64: str
    duration_s: float
    series: list[Series]

    @property
    def data_uri(self) -> str:
        return f"data:{self.audio_mime};base64,{self.audio_b64}"


def encode_audio(channels: np.ndarray, sr: int) -> tuple[str, bytes]:
    """MP3 in memory (plays in every browser); WAV if this libsndfile cannot write MP3."""
    import soundfile as sf

    data = np.ascontiguousarray(channels.T)
    buf = io.BytesIO()
    try:
        sf.write(buf, data, sr, format="MP3", subtype="MPEG_LAYER_III", compression_level=MP3_COMPRESSION)
        return "audio/mpeg", buf.getvalue()
    except (sf.LibsndfileError, TypeError, ValueError, RuntimeError):
        buf = io.BytesIO()
        sf.write(buf, data, sr, format="WAV", subtype="PCM_16")
        return "audio/wav", buf.getvalue()


LEVEL_SMOOTH_S = 0.1  # plot the level as heard over 100 ms, not every consonant dip of a 20 ms frame


def _series(speaker: str, samples: np.ndarray, sr: int, spans: list[tuple[float, float]] | None = None) -> Series:
    """One party's level and pitch; ``spans`` keeps only those stretches (the party's turns when two
    voices share the channel)."""
    act = activity.detect(samples, sr=sr)
    mask = act.frame_mask()
    f0 = pitch.track(samples, sr=sr, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=mask)
    if spans is not None:
        times = np.arange(len(mask)) * act.hop_s
        mask = mask & np.any([(times >= a) & (times <= b) for a, b in spans] or [np.zeros(len(mask), bool)], axis=0)
        f0 = np.where(mask, f0, np.nan)
    width = max(1, int(round(LEVEL_SMOOTH_S / act.hop_s)))
    power = np.convolve(10.0 ** (act.frame_dbfs / 10.0), np.ones(width) / width, mode="same")
    smooth = 10.0 * np.log10(np.maximum(power, 1e-20))
    step = max(1, int(round(PLOT_HOP_S / act.hop_s)))
    level = np.where(mask, smooth, np.nan)[::step]
    segments = act.segments if spans is None else [seg for seg in act.segments if any(a <= seg.start_s <= b for a, b in spans)]
    return Series(speaker, np.arange(len(level)) * act.hop_s * step, level, f0[::step], segments)


def load(path: str | Path, analysis: Analysis, *, agent_channel: str = "left") -> Media:
    """Decode ``path`` (the clip ``analysis`` was measured on) for embedding and plotting.

    ``agent_channel`` must be the one given to the pipeline; a clip the pipeline treated as mono
    (one channel, or a stereo file with the same audio twice) plots its first channel as the agent.
    """
    clip = audio.load(path)
    if analysis.layout == "stereo" and clip.n_channels == 2:
        agent_idx = 1 if agent_channel == "right" else 0
        series = [_series("customer", clip.channels[1 - agent_idx], clip.sr), _series("agent", clip.channels[agent_idx], clip.sr)]
    elif analysis.layout == "mixed":  # one channel, two voices: each party's turns as the pipeline split them
        mono = clip.channels.mean(axis=0)
        spans = {who: [(t.start_s, t.end_s) for t in analysis.turns if t.speaker == who] for who in ("customer", "agent")}
        series = [_series(who, mono, clip.sr, spans[who]) for who in ("customer", "agent")]
    else:
        series = [_series("agent", clip.channels[0], clip.sr)]
    mime, data = encode_audio(clip.channels, clip.sr)
    return Media(mime, base64.b64encode(data).decode("ascii"), clip.duration_s, series)
