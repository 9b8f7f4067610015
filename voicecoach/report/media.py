"""What the HTML report shows besides the Analysis: the clip's audio and its per-frame series.

The Analysis carries numbers and the speech segments they came from, not signals. The HTML page
needs the audio to embed and the level and pitch of every frame to plot, so this module decodes the
clip again (``audio.load``) and computes those frame series over the Analysis's own segments (no
second speech detection). No metric is computed here: the pipeline stays the one road for metrics.
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


def _series(speaker: str, samples: np.ndarray, sr: int, segments: list[Segment]) -> Series:
    """One party's level and pitch over the speech the pipeline measured (``segments``)."""
    db = activity.speech_levels(samples, sr=sr)
    mask = activity.segments_mask(segments, len(db), activity.HOP_S)
    f0 = pitch.track(samples, sr=sr, hop_s=activity.HOP_S, frame_dbfs=db, speech=mask)
    width = max(1, min(len(db), int(round(LEVEL_SMOOTH_S / activity.HOP_S))))  # a clip shorter than the window: its length
    power = np.convolve(10.0 ** (db / 10.0), np.ones(width) / width, mode="same")
    smooth = 10.0 * np.log10(np.maximum(power, 1e-20))
    step = max(1, int(round(PLOT_HOP_S / activity.HOP_S)))
    level = np.where(mask, smooth, np.nan)[::step]
    return Series(speaker, np.arange(len(level)) * activity.HOP_S * step, level, f0[::step])


def load(path: str | Path, analysis: Analysis, *, agent_channel: str = "left") -> Media:
    """Decode ``path`` (the clip ``analysis`` was measured on) for embedding and plotting.

    The agent's channel is the one the pipeline chose (``analysis.agent_channel``), else
    ``agent_channel``; a clip the pipeline treated as mono (one channel, or a stereo file with the
    same audio twice) plots its first channel as the agent.
    """
    clip = audio.load(path)
    segs = analysis.segments
    if analysis.agent_channel is not None:
        agent_channel = analysis.agent_channel.channel
    if analysis.layout == "stereo" and clip.n_channels == 2:
        agent_idx = 1 if agent_channel == "right" else 0
        sources = {"customer": clip.channels[1 - agent_idx], "agent": clip.channels[agent_idx]}
    elif analysis.layout == "mixed":  # one channel, two voices: each party's speech as the pipeline split it
        mono = clip.channels.mean(axis=0)
        sources = {"customer": mono, "agent": mono}
    else:
        sources = {"agent": clip.channels[0]}
    series = [_series(who, x, clip.sr, segs.get(who, [])) for who, x in sources.items()]
    mime, data = encode_audio(clip.channels, clip.sr)
    return Media(mime, base64.b64encode(data).decode("ascii"), clip.duration_s, series)
