"""Speech activity per channel from the signal itself: frame energy with hysteresis.

Onsets and offsets in every report come from here, never from Whisper's word timestamps (the first
word after a long silence can be stamped seconds early: faster-whisper issue 125).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from .norms import DEFAULT
from .results import Segment

HOP_S = 0.010  # 10 ms hop: DOMAIN.md asks for <= 10 ms
FRAME_S = 0.020
MIN_PAUSE_S = DEFAULT.pause_min_s  # minimum silent pause (norms.py: Goldman-Eisler; de Jong & Bosker 2013)
OPEN_BELOW_LOUD_DB = 25.0  # frames within 25 dB of the loud level open speech (de Jong & Wempe)
HOLD_BELOW_LOUD_DB = 45.0  # speech extends while frames stay within 45 dB of it...
HOLD_ABOVE_FLOOR_DB = 6.0  # ...and clearly above the noise floor (line hiss, room hum): at most this
OPEN_ABOVE_FLOOR_DB = 12.0  # a channel whose loud level is not this far above its floor has no speech
ABSOLUTE_FLOOR_DBFS = -75.0  # digital silence: nothing below this is ever speech
MIN_SEGMENT_S = 0.06  # shorter bursts are clicks, not syllables
HIGHPASS_HZ = 80.0  # removes mains hum and rumble below the voice
# Speech probability (Silero VAD, vad.py) decides which sounds are a voice; energy times the edges
# (Silero in the phone band scores many speech windows 0.35-0.5 and starts up to 0.6 s late).
VOICE_OPEN_PROB = 0.5  # Silero's own threshold (faster_whisper VadOptions.threshold); hold music,
# tones and noise peak at 0.1-0.4 (tests/test_edges.py), speech reaches 0.99
VOICE_MIN_S = 0.1  # a stretch of sound is speech if it holds this much voiced time...
VOICE_MIN_SHARE = 0.1  # ...and this share of it (a steady buzz scores one stray window in 60)
VOICE_HOLD_PROB = 0.35  # below this Silero calls a window silence (VadOptions.neg_threshold)...
VOICE_REACH_S = 0.75  # ...and sound at a stretch's ends this far from any window above it is not
# speech (Silero rises above 0.35 up to 0.6 s after a phone-band onset in -45 dBFS hiss)
MIN_HOLD_ABOVE_FLOOR_DB = 2.0  # steady hiss: 2 dB is over 5 times its frame-to-frame spread


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
        return segments_mask(self.segments, len(self.frame_dbfs), self.hop_s, start_s, end_s)


def segments_mask(
    segments: list[Segment], n_frames: int, hop_s: float, start_s: float = 0.0, end_s: float = float("inf")
) -> np.ndarray:
    """Boolean mask of the frames (frame i centred at i * hop_s) inside ``segments`` and [start_s, end_s)."""
    mask = np.zeros(n_frames, dtype=bool)
    for seg in segments:
        lo = max(seg.start_s, start_s)
        hi = min(seg.end_s, end_s)
        if hi > lo:
            mask[int(np.ceil(lo / hop_s)) : int(np.floor(hi / hop_s)) + 1] = True
    return mask


def _butter_highpass_ir(sr: int, cutoff_hz: float, order: int = 4, taps: int = 4096) -> np.ndarray:
    """Impulse response of the digital Butterworth high-pass (bilinear transform, prewarped: the
    filter scipy.signal.butter designs), truncated where it has decayed below float32 precision."""
    n_fft = 1 << 16
    warped = 2.0 * sr * np.tan(np.pi * cutoff_hz / sr)
    k = np.arange(order)
    proto = np.exp(1j * np.pi * (2 * k + order + 1) / (2 * order))  # analog low-pass poles
    poles_z = (2.0 * sr + warped / proto) / (2.0 * sr - warped / proto)
    z = np.exp(1j * np.pi * np.arange(n_fft // 2 + 1) / (n_fft // 2))
    h = np.prod((z[:, None] - 1.0) / (z[:, None] - poles_z[None, :]), axis=1)
    h /= abs(h[-1])  # unity gain at Nyquist
    return np.fft.irfft(h, n=n_fft)[:taps]


_IR_CACHE: dict[tuple[int, float], np.ndarray] = {}


def highpass_ir(sr: int, cutoff_hz: float = HIGHPASS_HZ) -> np.ndarray:
    """The high-pass's impulse response (cached per rate): what ``highpass`` convolves with, for a
    caller that filters a stream block by block (voicecoach/live.py)."""
    key = (sr, cutoff_hz)
    if key not in _IR_CACHE:
        _IR_CACHE[key] = _butter_highpass_ir(sr, cutoff_hz)
    return _IR_CACHE[key]


def _highpass_pieces(x: np.ndarray, *, sr: int, cutoff_hz: float) -> Iterator[tuple[int, np.ndarray]]:
    """The high-passed signal as (start sample, piece) in order, by FFT overlap-save: each piece
    is final when yielded, so the filtered channel never has to exist whole."""
    ir = highpass_ir(sr, cutoff_hz)
    n_fft = 1 << 17
    block = n_fft - len(ir) + 1
    spectrum = np.fft.rfft(ir, n=n_fft)
    history = len(ir) - 1
    for start in range(0, len(x), block):
        lo = start - history
        seg = np.asarray(x[max(0, lo) : start + block], dtype=np.float64)
        if lo < 0:
            seg = np.concatenate((np.zeros(-lo), seg))
        y = np.fft.irfft(np.fft.rfft(seg, n=n_fft) * spectrum, n=n_fft)
        yield start, y[history : history + min(block, len(x) - start)].astype(np.float32)


def highpass(x: np.ndarray, *, sr: int, cutoff_hz: float = HIGHPASS_HZ) -> np.ndarray:
    """4th-order Butterworth high-pass, so hum does not count as speech. Causal: a zero-phase
    filter would ring before each onset and move it earlier.

    Applied as its impulse response (4096 taps, decayed by then to < 1e-9) by FFT overlap-save in
    blocks, memory bounded on hour-long calls. Kept over scipy.signal.sosfilt (the same numbers to
    1e-5, tests/test_reference.py) by `make bench` (bench/libraries.py): 0.032 s per minute of audio
    against sosfilt's 0.012, but importing scipy.signal costs each analyze process 0.57 s of CPU, so
    sosfilt only pays off past about 28 minutes of audio per channel (a take is 1-5)."""
    if len(x) < 64:
        return x
    out = np.empty(len(x), dtype=np.float32)
    for start, piece in _highpass_pieces(x, sr=sr, cutoff_hz=cutoff_hz):
        out[start : start + len(piece)] = piece
    return out


def _chunks(x: np.ndarray, size: int = 1 << 20) -> Iterator[tuple[int, np.ndarray]]:
    for start in range(0, len(x), size):
        yield start, x[start : start + size]


def _levels(pieces: Iterable[tuple[int, np.ndarray]], n: int, *, sr: int, hop_s: float, frame_s: float) -> np.ndarray:
    hop = int(round(hop_s * sr))
    frame = int(round(frame_s * sr))
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    half = frame // 2
    n_frames = 1 + (n + 2 * half - frame) // hop
    if frame % hop:  # frame not a whole number of hops: running sum over the whole clip
        x = np.zeros(n + 2 * half)
        for start, piece in pieces:
            x[half + start : half + start + len(piece)] = np.asarray(piece, dtype=np.float64) ** 2
        csum = np.concatenate(([0.0], np.cumsum(x)))
        starts = np.arange(n_frames) * hop
        power = (csum[starts + frame] - csum[starts]) / frame
    else:  # sums of squares per hop block, a piece at a time; a frame is k whole blocks
        blocks = np.zeros(-(-(n + 2 * half) // hop) + 1)
        for start, piece in pieces:
            p0 = half + start
            idx = np.arange(p0, p0 + len(piece)) // hop
            sums = np.bincount(idx - idx[0], weights=np.asarray(piece, dtype=np.float64) ** 2)
            blocks[idx[0] : idx[0] + len(sums)] += sums
        power = sum(blocks[j : j + n_frames] for j in range(frame // hop)) / frame
    rms = np.sqrt(np.maximum(power, 0.0))
    return (20.0 * np.log10(np.maximum(rms, 1e-10))).astype(np.float32)


def frame_levels(x: np.ndarray, *, sr: int, hop_s: float = HOP_S, frame_s: float = FRAME_S) -> np.ndarray:
    """Frame RMS in dBFS (a full-scale sine reads -3 dBFS); digital silence reads -200.

    Frame i spans samples [i * hop - frame / 2, i * hop + frame / 2), zero outside the clip (as
    librosa.feature.rms with center=True, pad_mode="constant"), summed in float64. Kept over
    librosa.feature.rms by `make bench` (bench/libraries.py): 0.010 s per minute of audio against
    librosa's 0.001, but librosa (with numba) costs each analyze process 1.37 s of CPU to import."""
    return _levels(_chunks(x), len(x), sr=sr, hop_s=hop_s, frame_s=frame_s)


def speech_levels(x: np.ndarray, *, sr: int, hop_s: float = HOP_S, frame_s: float = FRAME_S) -> np.ndarray:
    """frame_levels of the high-passed signal, filtered and measured a block at a time. Digital
    silence reads about -170 dBFS here (FFT round-off), far below every threshold in ``detect``."""
    if len(x) < 64:
        return frame_levels(x, sr=sr, hop_s=hop_s, frame_s=frame_s)
    return _levels(_highpass_pieces(x, sr=sr, cutoff_hz=HIGHPASS_HZ), len(x), sr=sr, hop_s=hop_s, frame_s=frame_s)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
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
    voice_prob: np.ndarray | None = None,
    voice_hop_s: float = 0.032,
) -> ChannelActivity:
    """Speech segments of one channel.

    Hysteresis on frame RMS: frames within 25 dB of the channel's loud level (its 0.99 quantile)
    open speech; speech extends outward while frames stay within 45 dB of the loud level and
    clearly above the noise floor (the 0.05 quantile; "clearly" is three times the floor's own
    frame-to-frame spread, 2-6 dB), so weak consonants and decays stay with their word.
    Gaps shorter than ``min_pause_s`` are bridged: anything shorter is not a pause.

    With ``voice_prob`` (a speech probability per ``voice_hop_s`` window, vad.speech_probability)
    the loud level leaves out sound far from any voice, and a stretch of sound counts as speech
    only if it holds voiced windows (0.1 s and 10% of it): music, tones and noise are not speech,
    and hold music louder than the caller does not raise the thresholds. Sound at the ends of a
    stretch further than 0.75 s from any window above Silero's silence level (0.35) is left out
    (music that runs into the caller's first word). Edges are always timed from the energy,
    never from the VAD's 32 ms windows.
    """
    db = speech_levels(np.asarray(x, dtype=np.float32), sr=sr, hop_s=hop_s)
    return from_levels(db, hop_s=hop_s, duration_s=len(x) / sr, min_pause_s=min_pause_s, voice_prob=voice_prob,
                       voice_hop_s=voice_hop_s)


def from_levels(
    db: np.ndarray,
    *,
    hop_s: float = HOP_S,
    duration_s: float,
    min_pause_s: float = MIN_PAUSE_S,
    voice_prob: np.ndarray | None = None,
    voice_hop_s: float = 0.032,
    loud_floor: tuple[float, float] | None = None,
) -> ChannelActivity:
    """``detect`` on frame levels already measured (``speech_levels``): the same rules. A live
    window (voicecoach/live.py) passes ``loud_floor``, the loud level and noise floor of the take
    so far, so a window of pure silence is not judged against its own quietest frames."""
    if len(db) == 0:
        return ChannelActivity([], db, hop_s, -200.0, -200.0)
    floor = float(np.quantile(db, 0.05)) if loud_floor is None else loud_floor[1]
    voiced = held = None
    if loud_floor is not None and voice_prob is None:
        loud = loud_floor[0]
    elif voice_prob is not None:
        frame_prob = _frame_prob(voice_prob, voice_hop_s, len(db), hop_s)
        voiced, held = frame_prob >= VOICE_OPEN_PROB, frame_prob >= VOICE_HOLD_PROB
        if not voiced.any():  # no voice anywhere: music, tones, noise or silence
            return ChannelActivity([], db, hop_s, float(np.quantile(db, 0.99)), floor)
        # the loud level over everything but sound far from any voice (music, tones), so that a
        # channel without them keeps its loud level exactly (quiet frames count, as they always did)
        near_voice = _within(held, int(round(VOICE_REACH_S / hop_s)))
        loud = float(np.quantile(db[near_voice | (db < floor + OPEN_ABOVE_FLOOR_DB)], 0.99))
    else:
        loud = float(np.quantile(db, 0.99))
    open_db = max(loud - OPEN_BELOW_LOUD_DB, floor + OPEN_ABOVE_FLOOR_DB, ABSOLUTE_FLOOR_DBFS)
    hold_db = max(loud - HOLD_BELOW_LOUD_DB, floor + _hold_above_floor_db(db, floor), ABSOLUTE_FLOOR_DBFS)
    if loud < open_db:  # silence, or steady noise with nothing standing out of it
        return ChannelActivity([], db, hop_s, loud, floor)
    groups = _groups(db >= hold_db, min_pause_s / hop_s)
    if voiced is not None:
        groups = [g for g in (_voice_trimmed(g, voiced, held, hop_s) for g in groups) if g]
    segments = _segments(groups, db >= open_db, hop_s=hop_s, duration_s=duration_s)
    return ChannelActivity(segments, db, hop_s, loud, floor)


def _groups(above_hold: np.ndarray, gap_frames: float) -> list[list[tuple[int, int]]]:
    """Runs above the hold level grouped across gaps shorter than a pause (``gap_frames``)."""
    groups: list[list[tuple[int, int]]] = []
    for a, b in runs(above_hold):
        if groups and (a - groups[-1][-1][1] - 1) < gap_frames:
            groups[-1].append((a, b))
        else:
            groups.append([(a, b)])
    return groups


def _segments(groups: list[list[tuple[int, int]]], strong: np.ndarray, *, hop_s: float, duration_s: float) -> list[Segment]:
    """The groups that contain a frame loud enough to open speech (``strong``), as segments from
    the first run's first frame to the last run's last: a stop burst after its closure stays with
    its word. Bursts shorter than MIN_SEGMENT_S are clicks."""
    half = hop_s / 2
    segments = []
    for g in groups:
        if not any(strong[a : b + 1].any() for a, b in g):
            continue
        start, end = max(0.0, g[0][0] * hop_s - half), min(g[-1][1] * hop_s + half, duration_s)
        if end - start >= MIN_SEGMENT_S:
            segments.append(Segment(round(start, 3), round(end, 3)))
    return segments


def _hold_above_floor_db(db: np.ndarray, floor: float) -> float:
    """How far above the floor a frame must be to extend speech: three times the spread of the
    frames near the floor (a 3-sigma rule), within 2-6 dB. Steady line hiss varies by under 0.5 dB
    from one 20 ms frame to the next, so 6 dB lost decays to it (rate 11% high in -45 dBFS hiss);
    a fan or traffic varies more and keeps the 6 dB."""
    near = db[db < floor + HOLD_ABOVE_FLOOR_DB]
    if len(near) < 20:
        return HOLD_ABOVE_FLOOR_DB
    q25, q75 = np.quantile(near, [0.25, 0.75])
    sigma = (q75 - q25) / 1.349  # interquartile range of a normal spread
    return float(np.clip(3.0 * sigma, MIN_HOLD_ABOVE_FLOOR_DB, HOLD_ABOVE_FLOOR_DB))


def _within(mask: np.ndarray, reach: int) -> np.ndarray:
    """Frames within ``reach`` frames of a True frame in ``mask``."""
    counts = np.concatenate(([0], np.cumsum(mask)))
    idx = np.arange(len(mask))
    return counts[np.minimum(idx + reach + 1, len(mask))] - counts[np.maximum(idx - reach, 0)] > 0


def _frame_prob(prob: np.ndarray, prob_hop_s: float, n_frames: int, hop_s: float) -> np.ndarray:
    """The speech probability of the window each frame's centre (i * hop_s) falls in; 0 past the end."""
    k = np.floor(np.arange(n_frames) * hop_s / prob_hop_s).astype(int)
    out = np.zeros(n_frames, dtype=np.float32)
    inside = k < len(prob)
    out[inside] = prob[k[inside]]
    return out


def _voice_trimmed(runs: list[tuple[int, int]], voiced: np.ndarray, held: np.ndarray, hop_s: float) -> list[tuple[int, int]]:
    """A group of runs cut to VOICE_REACH_S before its first and after its last frame that Silero
    scores above silence (``held``); [] when the group holds too little voiced time (``voiced``)
    to be speech. Music running into the caller's first word is cut there, whether a short dip
    or none at all separates them."""
    reach = int(round(VOICE_REACH_S / hop_s))
    start, end = runs[0][0], runs[-1][1]
    inside = np.flatnonzero(held[start : end + 1])
    if len(inside) == 0:
        return []
    lo, hi = max(start, start + inside[0] - reach), min(end, start + inside[-1] + reach)
    kept = [(int(max(a, lo)), int(min(b, hi))) for a, b in runs if b >= lo and a <= hi]
    span = voiced[kept[0][0] : kept[-1][1] + 1]
    enough = span.sum() * hop_s >= VOICE_MIN_S and span.mean() >= VOICE_MIN_SHARE
    return kept if enough else []


SKIP_SILENCE_S = 30.0  # a whole Whisper window of silence: nothing there to transcribe
SPAN_PAD_S = 1.0  # context kept around speech where silence is left out
MAX_SPAN_S = 600.0  # Whisper sees at most 10 minutes at once: its features stay ~100 MB


def transcription_spans(segments: list[Segment], duration_s: float) -> list[tuple[float, float]]:
    """Stretches of a channel worth handing to Whisper, in seconds: from the start (or 1 s before
    speech that follows 30 s of silence) to 1 s after its last speech, leaving out silences of
    30 s or more, and cut in the middle of a pause where a stretch would pass 10 minutes. Whisper
    encodes every 30 s window, silent or not: a channel whose party fell silent early (the
    customer's, usually) saves its last window. A typical take is one span."""
    if not segments:
        return []
    groups: list[list[Segment]] = [[segments[0]]]
    for seg in segments[1:]:
        prev = groups[-1][-1]
        too_long = seg.end_s - groups[-1][0].start_s > MAX_SPAN_S
        if seg.start_s - prev.end_s >= SKIP_SILENCE_S or too_long:
            groups.append([seg])
        else:
            groups[-1].append(seg)
    spans: list[tuple[float, float]] = []
    for i, g in enumerate(groups):
        gap_before = g[0].start_s - groups[i - 1][-1].end_s if i > 0 else None
        gap_after = groups[i + 1][0].start_s - g[-1].end_s if i < len(groups) - 1 else None
        if gap_before is None and g[0].start_s < SKIP_SILENCE_S:
            start = 0.0  # Whisper's first window from the clip's start: its punctuation depends on it
        elif gap_before is None or gap_before >= SKIP_SILENCE_S:
            start = g[0].start_s - SPAN_PAD_S
        else:  # cut for length: in the middle of the pause before this group
            start = g[0].start_s - gap_before / 2
        if gap_after is None or gap_after >= SKIP_SILENCE_S:
            end = g[-1].end_s + SPAN_PAD_S
        else:
            end = g[-1].end_s + gap_after / 2
        spans.append((max(0.0, start), min(duration_s, end)))
    # a single segment longer than the cap: cut it into equal pieces
    out: list[tuple[float, float]] = []
    for a, b in spans:
        pieces = max(1, int(np.ceil((b - a) / MAX_SPAN_S)))
        step = (b - a) / pieces
        out.extend((a + k * step, a + (k + 1) * step if k < pieces - 1 else b) for k in range(pieces))
    return out


def subtract(segments: list[Segment], windows: list[Segment]) -> list[Segment]:
    """``segments`` with every part inside ``windows`` removed; pieces shorter than a syllable go."""
    out = []
    for seg in segments:
        pieces = [(seg.start_s, seg.end_s)]
        for w in windows:
            pieces = [p for a, b in pieces for p in ((a, min(b, w.start_s)), (max(a, w.end_s), b)) if p[1] > p[0]]
        out.extend(Segment(round(a, 3), round(b, 3)) for a, b in pieces if b - a >= MIN_SEGMENT_S)
    return out
