"""Speech activity per channel from the signal itself: frame energy with hysteresis.

Onsets and offsets in every report come from here, never from Whisper's word timestamps (the first
word after a long silence can be stamped seconds early: faster-whisper issue 125).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .results import Segment

HOP_S = 0.010  # 10 ms hop: DOMAIN.md asks for <= 10 ms
FRAME_S = 0.020
MIN_PAUSE_S = 0.25  # minimum silent pause: Goldman-Eisler; de Jong & Bosker 2013
OPEN_BELOW_LOUD_DB = 25.0  # frames within 25 dB of the loud level open speech (de Jong & Wempe)
HOLD_BELOW_LOUD_DB = 45.0  # speech extends while frames stay within 45 dB of it...
HOLD_ABOVE_FLOOR_DB = 6.0  # ...and clearly above the noise floor (line hiss, room hum)
OPEN_ABOVE_FLOOR_DB = 12.0  # a channel whose loud level is not this far above its floor has no speech
ABSOLUTE_FLOOR_DBFS = -75.0  # digital silence: nothing below this is ever speech
MIN_SEGMENT_S = 0.06  # shorter bursts are clicks, not syllables
HIGHPASS_HZ = 80.0  # removes mains hum and rumble below the voice


@dataclass(frozen=True)
class ChannelActivity:
    """Speech segments of one channel plus the frame levels they were found from."""

    segments: list[Segment]
    frame_dbfs: np.ndarray  # RMS level of each 20 ms frame, hop HOP_S, frame i centred at i * HOP_S
    hop_s: float
    loud_dbfs: float
    floor_dbfs: float

    @property
    def speaking_s(self) -> float:
        return float(sum(s.duration_s for s in self.segments))

    def frame_mask(self, start_s: float = 0.0, end_s: float = float("inf")) -> np.ndarray:
        """Boolean mask of frames that lie inside speech segments and within [start_s, end_s)."""
        mask = np.zeros(len(self.frame_dbfs), dtype=bool)
        for seg in self.segments:
            lo = max(seg.start_s, start_s)
            hi = min(seg.end_s, end_s)
            if hi > lo:
                mask[int(np.ceil(lo / self.hop_s)) : int(np.floor(hi / self.hop_s)) + 1] = True
        return mask


def highpass(x: np.ndarray, *, sr: int, cutoff_hz: float = HIGHPASS_HZ) -> np.ndarray:
    """4th-order Butterworth high-pass, so hum does not count as speech. Causal: a zero-phase
    filter would ring before each onset and move it earlier."""
    from scipy.signal import butter, sosfilt

    if len(x) < 64:
        return x
    sos = butter(4, cutoff_hz, btype="highpass", fs=sr, output="sos")
    return sosfilt(sos, x).astype(np.float32)


def frame_levels(x: np.ndarray, *, sr: int, hop_s: float = HOP_S, frame_s: float = FRAME_S) -> np.ndarray:
    """Frame RMS in dBFS (a full-scale sine reads -3 dBFS); digital silence reads -200."""
    import librosa

    hop = int(round(hop_s * sr))
    frame = int(round(frame_s * sr))
    if len(x) == 0:
        return np.zeros(0, dtype=np.float32)
    rms = librosa.feature.rms(y=x, frame_length=frame, hop_length=hop, center=True, pad_mode="constant")[0]
    return (20.0 * np.log10(np.maximum(rms, 1e-10))).astype(np.float32)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) frame index of each run of True."""
    if not mask.any():
        return []
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def detect(
    x: np.ndarray,
    *,
    sr: int,
    hop_s: float = HOP_S,
    min_pause_s: float = MIN_PAUSE_S,
) -> ChannelActivity:
    """Speech segments of one channel.

    Hysteresis on frame RMS: frames within 25 dB of the channel's loud level (its 0.99 quantile)
    open speech; speech extends outward while frames stay within 45 dB of the loud level and 6 dB
    above the noise floor (the 0.05 quantile), so weak consonants and decays stay with their word.
    Gaps shorter than ``min_pause_s`` are bridged: anything shorter is not a pause.
    """
    db = frame_levels(highpass(np.asarray(x, dtype=np.float32), sr=sr), sr=sr, hop_s=hop_s)
    if len(db) == 0:
        return ChannelActivity([], db, hop_s, -200.0, -200.0)
    loud = float(np.quantile(db, 0.99))
    floor = float(np.quantile(db, 0.05))
    open_db = max(loud - OPEN_BELOW_LOUD_DB, floor + OPEN_ABOVE_FLOOR_DB, ABSOLUTE_FLOOR_DBFS)
    hold_db = max(loud - HOLD_BELOW_LOUD_DB, floor + HOLD_ABOVE_FLOOR_DB, ABSOLUTE_FLOOR_DBFS)
    if loud < open_db:  # silence, or steady noise with nothing standing out of it
        return ChannelActivity([], db, hop_s, loud, floor)
    strong = db >= open_db
    half = hop_s / 2
    # Group runs above the hold level across gaps shorter than a pause, then keep the groups that
    # contain a frame loud enough to open speech: a stop burst after its closure stays with its word.
    groups: list[list[float]] = []
    for a, b in _runs(db >= hold_db):
        start, end, opens = max(0.0, a * hop_s - half), b * hop_s + half, bool(strong[a : b + 1].any())
        if groups and start - groups[-1][1] < min_pause_s:
            groups[-1][1] = end
            groups[-1][2] = groups[-1][2] or opens
        else:
            groups.append([start, end, opens])
    merged = [g for g in groups if g[2]]
    duration = len(x) / sr
    segments = [
        Segment(round(s, 3), round(min(e, duration), 3)) for s, e, _ in merged if min(e, duration) - s >= MIN_SEGMENT_S
    ]
    return ChannelActivity(segments, db, hop_s, loud, floor)
