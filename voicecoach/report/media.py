"""What the HTML report shows besides the Analysis: the clip's audio and its level and pitch tracks.

Both come from the pipeline (``pipeline.analyze_clip``): the audio as it was decoded for the
analysis and the tracks computed from the frames the numbers came from. This module only encodes
the audio for embedding; it never decodes a file or measures anything.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np

from ..results import Track

MP3_COMPRESSION = 0.5  # libsndfile/LAME quality knob, 0 (best) .. 1 (smallest)


@dataclass(frozen=True)
class Media:
    """The embeddable audio of one clip plus the tracks to plot."""

    audio_mime: str
    audio_b64: str
    duration_s: float
    series: list[Track]

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


def embed(channels: np.ndarray, sr: int, tracks: tuple[Track, ...] | list[Track]) -> Media:
    """The report's media from audio already decoded (channels x samples at ``sr``) and the tracks
    the pipeline measured (``pipeline.analyze_clip``)."""
    mime, data = encode_audio(channels, sr)
    return Media(mime, base64.b64encode(data).decode("ascii"), channels.shape[-1] / sr, list(tracks))


def of(analyzed) -> Media:
    """The media of one ``pipeline.Analyzed``: its decoded audio and its tracks."""
    return embed(analyzed.audio.channels, analyzed.audio.sr, analyzed.tracks)
