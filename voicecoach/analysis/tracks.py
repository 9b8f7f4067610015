"""The level and pitch series the HTML report plots, from the frames the pipeline already measured.

Pure numpy on one party's frame levels, speech mask and F0 (``activity.ChannelActivity`` and
``pitch.track``): nothing is decoded or detected again, so the plot shows exactly the frames the
numbers came from.
"""

from __future__ import annotations

import numpy as np

from ..results import Track

PLOT_HOP_S = 0.02  # 20 ms per plotted point: smooth enough to read, small enough to embed
LEVEL_SMOOTH_S = 0.1  # plot the level as heard over 100 ms, not every consonant dip of a 20 ms frame


def party_track(speaker: str, frame_dbfs: np.ndarray, speech: np.ndarray, f0: np.ndarray, *, hop_s: float) -> Track:
    """One party's plotted series: the frame level (dBFS) power-averaged over LEVEL_SMOOTH_S and
    the F0 (Hz), both NaN outside ``speech``, one point every PLOT_HOP_S."""
    n = len(frame_dbfs)
    if n == 0:
        return Track(speaker, np.zeros(0), np.zeros(0), np.zeros(0))
    width = max(1, min(n, int(round(LEVEL_SMOOTH_S / hop_s))))  # a clip shorter than the window: its length
    power = np.convolve(10.0 ** (np.asarray(frame_dbfs, dtype=np.float64) / 10.0), np.ones(width) / width, mode="same")
    smooth = 10.0 * np.log10(np.maximum(power, 1e-20))
    step = max(1, int(round(PLOT_HOP_S / hop_s)))
    level = np.where(speech, smooth, np.nan)[::step]
    pitch_hz = np.where(speech, f0, np.nan)[::step]
    return Track(speaker, np.arange(len(level)) * hop_s * step, level, pitch_hz)
