"""Two voices on one channel: split speech segments between speakers by their pitch.

A pair practising at one laptop records both voices on one mic. Without a second channel the only
cheap, local cue to who is speaking is voice pitch: each segment's median F0 is clustered into
two groups. This is a low-confidence estimate (pyannote reports about 30% diarization error on
CALLHOME telephone speech), so every result built on it carries a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..results import Segment

MIN_SEPARATION_ST = 3.0  # two voices closer than this in median pitch cannot be told apart
MIN_VOICED_FRAMES = 5
MIN_SHARE = 0.1  # each voice needs a tenth of the voiced frames; fewer is octave errors, not a voice
SPLIT_JUMP_ST = 4.0  # inside a segment, a lasting pitch jump this big is a change of speaker
MIN_PART_S = 0.3


@dataclass(frozen=True)
class Speakers:
    """Segments of the first voice heard and of the other, with each voice's median pitch."""

    first: list[Segment]
    second: list[Segment]
    first_hz: float
    second_hz: float


def _semitones(f0_hz: np.ndarray) -> np.ndarray:
    return 12.0 * np.log2(f0_hz / 100.0)


def _two_means(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    for _ in range(50):
        split = (lo + hi) / 2
        a, b = values[values <= split], values[values > split]
        if a.size == 0 or b.size == 0:
            break
        new = (float(a.mean()), float(b.mean()))
        if new == (lo, hi):
            break
        lo, hi = new
    return lo, hi


def _split_at_pitch_changes(seg: Segment, f0: np.ndarray, hop_s: float, centres: tuple[float, float]) -> list[tuple[Segment, int | None]]:
    """Cut a segment where its voiced frames switch from one voice to the other for at least
    0.3 s (quick exchanges leave no 0.25 s pause between speakers)."""
    a, b = int(seg.start_s / hop_s), int(seg.end_s / hop_s) + 1
    frames = f0[a:b]
    voiced = np.isfinite(frames)
    labels = np.full(len(frames), -1)
    st = _semitones(frames[voiced])
    labels[voiced] = np.abs(st[:, None] - np.array(centres)[None, :]).argmin(axis=1)
    if voiced.any():  # unvoiced frames take the label of the voiced frame before (or, at the start, after)
        labels[: int(np.argmax(voiced))] = labels[int(np.argmax(voiced))]
        for i in range(1, len(labels)):
            if labels[i] < 0:
                labels[i] = labels[i - 1]
    min_frames = int(MIN_PART_S / hop_s)
    parts: list[list[int]] = []  # [start_frame, end_frame, label]
    for i, lab in enumerate(labels):
        if parts and (lab == parts[-1][2] or lab < 0):
            parts[-1][1] = i
        else:
            parts.append([i, i, lab])
    merged: list[list[int]] = []
    for p in parts:  # short parts are pitch-tracking noise: fold them into the previous part
        if merged and (p[1] - p[0] + 1 < min_frames or p[2] == merged[-1][2]):
            merged[-1][1] = p[1]
        else:
            merged.append(p)
    out = []
    for k, (s, e, lab) in enumerate(merged):
        start = seg.start_s if k == 0 else (a + s) * hop_s
        end = seg.end_s if k == len(merged) - 1 else (a + e + 1) * hop_s
        out.append((Segment(round(start, 3), round(end, 3)), None if lab < 0 else int(lab)))
    return out


def split_speakers(segments: list[Segment], f0: np.ndarray, *, hop_s: float) -> Speakers | None:
    """Assign speech to one of two voices by pitch: 2-means over the voiced frames' F0 in
    semitones, then each segment is cut where the voice changes for 0.3 s or more (quick exchanges
    leave no 0.25 s pause). None when there are not two voices at least 3 semitones apart, each
    with at least a tenth of the voiced frames (one voice, or two too alike to separate)."""
    speech = np.zeros(len(f0), dtype=bool)
    for seg in segments:
        speech[int(seg.start_s / hop_s) : int(seg.end_s / hop_s) + 1] = True
    voiced = f0[speech & np.isfinite(f0)]
    if voiced.size < 2 * MIN_VOICED_FRAMES:
        return None
    values = _semitones(voiced)
    lo, hi = _two_means(values)
    share_low = float(np.mean(np.abs(values - lo) < np.abs(values - hi)))
    if hi - lo < MIN_SEPARATION_ST or not MIN_SHARE <= share_low <= 1 - MIN_SHARE:
        return None
    pieces: list[tuple[Segment, int | None]] = []
    for seg in segments:
        pieces.extend(_split_at_pitch_changes(seg, f0, hop_s, (lo, hi)))
    # pieces with no voicing go with the nearer labelled neighbour
    labels = [lab for _, lab in pieces]
    for i, lab in enumerate(labels):
        if lab is None:
            known = [(abs(i - j), labels[j]) for j in range(len(labels)) if labels[j] is not None]
            labels[i] = min(known)[1] if known else 0
    first_label = labels[0]
    first = [seg for (seg, _), lab in zip(pieces, labels) if lab == first_label]
    second = [seg for (seg, _), lab in zip(pieces, labels) if lab != first_label]
    if not second:
        return None
    hz = (100.0 * 2 ** (lo / 12.0), 100.0 * 2 ** (hi / 12.0))
    return Speakers(first, second, hz[first_label], hz[1 - first_label])
