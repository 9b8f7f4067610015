"""The live pace line of ``record`` and ``practice``: rolling speaking rate against the scene's band,
the pause after the caller's cue, the level with clipping, and at most one nudge at a time.

From the microphone signal alone (no Whisper in the loop), with the offline pipeline's own steps on
a rolling window: frame levels of the high-passed signal (what ``activity.speech_levels`` gives,
here computed block by block with the same filter), speech activity (``activity.from_levels``),
F0 (``pitch.track``, each frame's YIN estimate made once and kept) and syllable nuclei
(``syllables.nucleus_times``: the detector tests/test_syllables_real.py holds to 6.5% mean error
on 5 s turns). One step is left out: Silero VAD (a practice mic carries the agent alone; the
pipeline uses it to keep hold music and tones out of the customer's channel).

The rate is shown as words per minute estimated from the nuclei: syllables per second of speech x 60
/ ``decode.SYLLABLES_PER_WORD`` (1.5 nuclei per word on real telephone speech), so it reads against
the card's words-per-minute band directly; both rates divide by the same speaking time (pauses of
0.25 s or more left out).

Pure: ``feed`` takes blocks (from the recorder's writer thread), ``update`` returns a ``LiveState``
(from the main thread, ~10-20 times a second). Nothing here prints, plays or records.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from . import activity
from .analysis import judge, pitch, syllables
from .decode import SYLLABLES_PER_WORD
from .norms import DEFAULT, Norms
from .record import CLIP_LEVEL

SR = 16000  # the analysis rate (pitch.FRAME_LENGTH is 128 ms at 16 kHz); other rates are resampled
HOP_S = activity.HOP_S
ROLL_SPEECH_S = 5.0  # the rate's window holds this much speech (the 5 s turns the detector is tested on),
# opened at the start of the stretch of speech it reaches into (7.7% mean error against 8.7% when cut mid-stretch)...
ROLL_MAX_S = 12.0  # ...looking back at most this far (so a long pause does not reach into old speech)
HISTORY_S = 60.0  # the loud level and noise floor are the last minute's (activity.detect: the channel's)
KEEP_S = ROLL_MAX_S + 2.0  # raw samples kept for YIN
CLIP_HOLD_S = 1.0  # a clip stays flagged this long, so a one-block clip is seen
NUDGE_SHOW_S = 4.0  # a nudge stays on its line this long
ECHO_GUARD_S = 0.4  # the cue's tail and room echo after it ends: not the agent (practice.py waits it out too)
SLOWER, BREATHE = "slower", "breathe"
NUDGE_TEXT = {SLOWER: "slower: let each sentence land", BREATHE: "breathe: pause and let the caller in"}


@dataclass(frozen=True)
class LiveState:
    """What the live line shows at ``at_s`` (seconds of the take).

    rate_wpm: words per minute estimated from syllable nuclei over the last ROLL_SPEECH_S of speech
    (None until 1 s of speech is heard); band: judge.rate_word against the scene's band ("target",
    "neutral", "fast", "too fast", ...); pause_s: seconds since the caller's last cue ended while the
    agent has not started (None otherwise), answered_s: the agent's latency once they started after
    the last cue; level_dbfs: the last 0.1 s; clipping: a sample at full scale within the last 1 s;
    nudge: the nudge on show ("slower", "breathe") or None."""

    at_s: float
    rate_wpm: float | None
    articulation_sps: float | None
    band: str
    pause_s: float | None
    answered_s: float | None
    level_dbfs: float
    clipping: bool
    nudge: str | None
    speaking: bool = False  # inside a stretch of speech now
    window_s: tuple[float, float] | None = None  # the take's span the rate was measured over


@dataclass
class _Nudges:
    """At most one nudge at a time: 'slower' after the rate stays clearly above the band for
    ``nudge_slower_after_s``, 'breathe' after a run of speech without a pause of ``nudge_breathe_run_s``;
    never two within ``nudge_gap_s``; each kind fires again only after its cause has gone."""

    norms: Norms
    fired: list[dict] = field(default_factory=list)
    above_since_s: float | None = None
    armed: dict[str, bool] = field(default_factory=lambda: {SLOWER: True, BREATHE: True})

    def step(self, at_s: float, rate_wpm: float | None, run_s: float) -> None:
        n = self.norms
        # clearly above: past the band's "close" margin (norms.close_rate_share, twice the tempo JND).
        # The live rate's own error on 5 s windows is about 8-9% on average and 15% at p90 (tests/
        # test_live.py), so a nudge at the bare bound would fire on a calm take's measurement noise.
        above = rate_wpm is not None and rate_wpm > n.rate_wpm[1] * (1 + n.close_rate_share)
        if not above:
            self.above_since_s = None
            if rate_wpm is not None:
                self.armed[SLOWER] = True
        elif self.above_since_s is None:
            self.above_since_s = at_s
        if run_s < n.pause_min_s * 2:  # a pause was taken (the run restarted)
            self.armed[BREATHE] = True
        due = []
        if above and self.armed[SLOWER] and at_s - self.above_since_s >= n.nudge_slower_after_s:
            due.append(SLOWER)
        if self.armed[BREATHE] and run_s >= n.nudge_breathe_run_s:
            due.append(BREATHE)
        if not due or (self.fired and at_s - self.fired[-1]["at_s"] < n.nudge_gap_s):
            return
        kind = due[0]
        self.armed[kind] = False
        self.fired.append({"kind": kind, "at_s": round(at_s, 2),
                           "rate_wpm": None if rate_wpm is None else round(rate_wpm, 1)})  # fmt: skip

    def showing(self, at_s: float) -> str | None:
        if self.fired and at_s - self.fired[-1]["at_s"] < NUDGE_SHOW_S:
            return self.fired[-1]["kind"]
        return None


def pause_reading(state: LiveState, n: Norms) -> tuple[str, float, str] | None:
    """(label, seconds, band word) of the pause timer, or None when no cue has ended: still waiting
    is calm until the band's end, then long, then a stall; an answer is judged as a latency."""
    if state.pause_s is not None:
        t = state.pause_s
        return "pause", t, "stall" if t > n.stall_s else "long" if t > n.latency_s[1] else "calm"
    if state.answered_s is not None:
        return "answered after", state.answered_s, judge.latency_word(state.answered_s, n)
    return None


class LiveAnalyser:
    """Feed it the agent's audio block by block; ``update()`` gives the current LiveState.

    ``rate_hz``: the blocks' sample rate; ``channel``: which column of a multi-channel block is the
    agent; ``norms``: the scene's (a card's targets over the defaults); ``nudges``: False computes
    and logs none. ``cue_playing(at_s)`` / ``cue_ended(at_s)`` (seconds of the take) come from the
    practice loop: speech while a cue plays (and ECHO_GUARD_S after) is the loudspeaker, not the
    agent, and the pause timer runs from each cue's end."""

    def __init__(self, *, rate_hz: int = SR, channel: int = 0, norms: Norms = DEFAULT, nudges: bool = True):
        self.rate_hz, self.channel, self.norms = rate_hz, channel, norms
        self.nudges = _Nudges(norms) if nudges else None
        self._pending: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._resampler = None
        if rate_hz != SR:
            import soxr

            self._resampler = soxr.ResampleStream(rate_hz, SR, 1, dtype="float32")
        self._ir = activity.highpass_ir(SR)
        self._hop = round(HOP_S * SR)
        self._raw = np.zeros(0, np.float32)  # the last KEEP_S of input at SR
        self._raw0 = 0  # sample index of _raw[0]
        self._n = 0  # samples received at SR
        self._hp_hist = np.zeros(len(self._ir) - 1)
        self._hop_sums: list[float] = []  # sums of squares of the filtered signal per 10 ms hop
        self._hop_fill = np.zeros(0)  # filtered samples of the hop not yet complete
        self._db = np.zeros(0, np.float32)  # frame levels of the whole take (100 a second)
        self._yin = np.zeros(0)  # YIN estimate per frame, NaN: not made yet
        self._peak_at_s = -math.inf
        self._cues: list[list[float]] = []  # [start_s, end_s or inf] of each cue heard
        self._answered_s: float | None = None
        self._last_rate: float | None = None
        self._window_s: tuple[float, float] | None = None
        self._ir_fft: dict[int, np.ndarray] = {}
        self.run_s = 0.0

    # --- input (writer thread) -------------------------------------------------------------------

    def feed(self, block: np.ndarray, start_frame: int = 0) -> None:
        """A block as the recorder delivers it (frames x channels, or 1-D); cheap, thread-safe."""
        x = block[:, min(self.channel, block.shape[1] - 1)] if block.ndim == 2 else block
        with self._lock:
            self._pending.append(np.array(x, dtype=np.float32))

    def cue_playing(self, at_s: float) -> None:
        self._cues.append([at_s, math.inf])
        self._answered_s = None

    def cue_ended(self, at_s: float) -> None:
        if self._cues and math.isinf(self._cues[-1][1]):
            self._cues[-1][1] = at_s

    @property
    def fired(self) -> list[dict]:
        """The nudges fired so far: {"kind", "at_s", "rate_wpm"} (for the take's sidecar)."""
        return [] if self.nudges is None else list(self.nudges.fired)

    # --- analysis (main thread) ------------------------------------------------------------------

    def update(self) -> LiveState:
        """Take in what was fed since the last call and measure the rolling window."""
        with self._lock:
            pending, self._pending = self._pending, []
        if pending:
            x = np.concatenate(pending)
            clipped = bool(x.size) and float(np.max(np.abs(x))) >= CLIP_LEVEL
            self._take(x if self._resampler is None else self._resampler.resample_chunk(x))
            if clipped:
                self._peak_at_s = self._n / SR
        at_s = self._n / SR
        segs, mask, w0 = self._speech()
        rate_sps = self._rate(mask, w0) if mask is not None else self._last_rate
        rate_wpm = None if rate_sps is None else rate_sps * 60.0 / SYLLABLES_PER_WORD
        speaking = bool(segs) and segs[-1].end_s >= at_s - 2 * HOP_S - activity.MIN_PAUSE_S
        self.run_s = at_s - segs[-1].start_s if speaking else 0.0
        pause_s, answered_s = self._pause(segs, at_s)
        if self.nudges is not None:  # 'slower' only on a full window: a second or two of speech is too few syllables
            full = self._window_s is not None and self._window_s[1] - self._window_s[0] >= ROLL_SPEECH_S
            self.nudges.step(at_s, rate_wpm if full else None, self.run_s)
        level = float(self._db[-10:].max()) if len(self._db) else -math.inf
        return LiveState(
            at_s=at_s, rate_wpm=rate_wpm, articulation_sps=rate_sps, band=judge.rate_word(rate_wpm, self.norms),
            pause_s=pause_s, answered_s=answered_s, level_dbfs=level, clipping=at_s - self._peak_at_s <= CLIP_HOLD_S,
            nudge=None if self.nudges is None else self.nudges.showing(at_s), speaking=speaking, window_s=self._window_s,
        )  # fmt: skip

    def _take(self, x: np.ndarray) -> None:
        """Append samples: keep the raw tail for YIN, high-pass (overlap-save with activity's
        filter) and add the frame levels whose 20 ms span is complete."""
        if not len(x):
            return
        self._raw = np.concatenate([self._raw, x])
        self._n += len(x)
        drop = len(self._raw) - int(KEEP_S * SR)
        if drop > 0:
            self._raw, self._raw0 = self._raw[drop:], self._raw0 + drop
        seg = np.concatenate([self._hp_hist, x.astype(np.float64)])
        n_fft = 1 << math.ceil(math.log2(len(seg)))  # >= the filter's length: overlap-save is exact
        if n_fft not in self._ir_fft:
            self._ir_fft[n_fft] = np.fft.rfft(self._ir, n_fft)
        y = np.fft.irfft(np.fft.rfft(seg, n_fft) * self._ir_fft[n_fft], n_fft)[len(self._hp_hist) : len(seg)]
        self._hp_hist = seg[-len(self._hp_hist) :]
        y = np.concatenate([self._hop_fill, y.astype(np.float32).astype(np.float64)])
        whole = len(y) // self._hop * self._hop
        self._hop_sums.extend(np.sum(y[:whole].reshape(-1, self._hop) ** 2, axis=1).tolist())
        self._hop_fill = y[whole:]
        # frame i spans hops i-1 and i (activity._levels: 20 ms frames centred on the 10 ms hop)
        n_frames = len(self._hop_sums)
        first = len(self._db)
        if n_frames > first:
            sums = np.asarray(self._hop_sums[max(0, first - 1) : n_frames])
            prev = np.concatenate([[0.0], sums[:-1]]) if first == 0 else sums[:-1]
            cur = sums if first == 0 else sums[1:]
            rms = np.sqrt(np.maximum((prev + cur) / (2 * self._hop), 0.0))
            new = (20.0 * np.log10(np.maximum(rms, 1e-10))).astype(np.float32)
            self._db = np.concatenate([self._db, new])
            self._yin = np.concatenate([self._yin, np.full(len(new), np.nan)])

    def _speech(self):
        """(segments of the last ROLL_MAX_S in take time, speech mask of those frames without the
        cues, first frame of the window); mask None when there is nothing new to measure."""
        n = len(self._db)
        if n < 10:
            return [], None, 0
        hist = self._db[max(0, n - int(HISTORY_S / HOP_S)) :]
        loud, floor = float(np.quantile(hist, 0.99)), float(np.quantile(hist, 0.05))
        w0 = max(0, n - int(ROLL_MAX_S / HOP_S))
        act = activity.from_levels(self._db[w0:], hop_s=HOP_S, duration_s=(n - w0) * HOP_S, loud_floor=(loud, floor))
        offset = w0 * HOP_S
        segs = [type(s)(round(s.start_s + offset, 3), round(s.end_s + offset, 3)) for s in act.segments]
        mask = act.frame_mask()
        for start_s, end_s in self._cues:
            lo = max(0, int(start_s / HOP_S) - w0)
            hi = min(n - w0, int((end_s + ECHO_GUARD_S) / HOP_S) - w0 + 1) if math.isfinite(end_s) else n - w0
            mask[lo:hi] = False
        segs = [s for s in segs if not any(a <= s.start_s <= b for a, b in self._cues)]  # the cue itself
        return segs, mask, w0

    def _rate(self, mask: np.ndarray, w0: int) -> float | None:
        """Syllable nuclei per second of speech over the last ROLL_SPEECH_S of speech in the window."""
        speech_s = np.cumsum(mask[::-1])[::-1] * HOP_S  # speech from each frame to the window's end
        if not len(speech_s) or speech_s[0] < 1.0:
            return self._last_rate
        start = int(np.flatnonzero(speech_s >= ROLL_SPEECH_S)[-1]) if speech_s[0] >= ROLL_SPEECH_S else 0
        before = np.flatnonzero(~mask[:start])  # back to the start of that stretch of speech: the window
        start = int(before[-1]) + 1 if len(before) else 0  # opens in a pause, never inside a syllable
        m = mask[start:]
        db = self._db[w0 + start :]
        f0 = pitch.track(self._raw_from(w0 + start), sr=SR, hop_s=HOP_S, frame_dbfs=db, speech=m,
                         estimate=lambda idx: self._estimate(idx + w0 + start))  # fmt: skip
        nuclei = len(syllables.nucleus_times(db, m, f0, hop_s=HOP_S))
        rate = syllables.articulation_sps(nuclei, float(m.sum()) * HOP_S)
        self._last_rate, self._window_s = rate, ((w0 + start) * HOP_S, (w0 + len(mask)) * HOP_S)
        return rate

    def _raw_from(self, frame: int) -> np.ndarray:
        return self._raw[max(0, frame * self._hop - self._raw0) :]

    def _estimate(self, frames: np.ndarray) -> np.ndarray:
        """YIN F0 of absolute frames, each made once when its 128 ms are all in (frames nearer the end
        are made with the zeros the offline pass would see at a clip's end, and made again later)."""
        todo = frames[np.isnan(self._yin[frames])]
        if len(todo):
            centres = todo * self._hop - self._raw0
            est = pitch.yin(self._raw, centres, sr=SR)
            complete = centres + pitch.FRAME_LENGTH // 2 <= len(self._raw)
            self._yin[todo[complete]] = est[complete]
            out = self._yin[frames].copy()
            out[np.isin(frames, todo[~complete])] = est[~complete]
            return out
        return self._yin[frames]

    def _pause(self, segs, at_s: float) -> tuple[float | None, float | None]:
        """(the running pause since the last cue ended, the agent's answer latency once they spoke)."""
        if not self._cues or not math.isfinite(self._cues[-1][1]):
            return None, None
        end_s = self._cues[-1][1]
        after = [s for s in segs if s.start_s > end_s]
        if after:
            if self._answered_s is None:
                self._answered_s = after[0].start_s - end_s
            return None, self._answered_s
        return (None, self._answered_s) if self._answered_s is not None else (max(0.0, at_s - end_s), None)
