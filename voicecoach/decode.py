"""How a channel's speech is handed to Whisper, and what happens when Whisper loses a stretch of it.

Whisper decodes a 30 s window as one text and chooses its own segment boundaries; it can skip a
short segment of clear speech altogether, and whether it does depends on where the window ends
(issue 11: the real prompt "One moment, please." was kept with the channel cut at 25.0 s and
dropped with it cut at 25.125 s or at the clip's end). So this module:

1. decodes the channel: by default each stretch of speech on its own window, batched
   (``stretch_clips``; or one decode per ``activity.transcription_spans`` span, or each stretch
   sequentially: ``strategy``, measured in bench/decode.py);
2. finds the stretches of clear speech (1 s or more, and a voice to Silero VAD) that got no word,
   and decodes each again on its own, with a little of the channel's own audio around it;
3. if a stretch is still empty, estimates its words from the signal (syllable nuclei divided by
   ``SYLLABLES_PER_WORD``) and returns that estimate separately, so the report can flag it.

Timing never comes from here: onsets and offsets stay those of the signal (activity.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import activity, transcribe, vad
from .analysis import syllables
from .analysis.turns import MONO_TURN_GAP_S
from .results import Segment

# A silence this long separates stretches: where, on one channel, the other party would speak.
STRETCH_GAP_S = MONO_TURN_GAP_S
# Issue 11: a turn with about 1 s or more of clear speech never silently ends with zero words.
# Shorter empty stretches are mostly backchannels ("mm-hm"), which Whisper rightly leaves out.
CLEAR_SPEECH_S = 1.0
CONTEXT_PAD_S = 0.5  # the channel's own audio kept around a stretch decoded alone
# An empty stretch is a voice only if Silero VAD hears this much speech in it: energy and syllable
# peaks also fire on hold music and tones, where no word may be invented (issue 11, item 6). A
# clear 1.4 s prompt reads 1.15-1.25 s (clean, phone band, line noise); a tone or chord reads 0.
VOICE_MIN_S = 0.5
# Syllable nuclei per word on real telephone speech: 1.50 on the 217 Asterisk prompts of
# tests/syllable_truth.py (a professional telephone voice) as nuclei found / words in their text;
# their dictionary syllables are 1.50 per word too (1.39 before the nucleus counter's 15 dB height).
SYLLABLES_PER_WORD = 1.5


@dataclass(frozen=True)
class Estimate:
    """Words of a stretch of speech that Whisper left empty, estimated from its syllable nuclei."""

    start_s: float
    end_s: float
    words: int
    nuclei: int
    segments: tuple[int, ...]  # indices into the channel's activity segments


@dataclass(frozen=True)
class ChannelWords:
    words: list[transcribe.RawWord]
    estimates: list[Estimate]
    redecoded: int  # stretches decoded a second time on their own


def stretches(segments: list[Segment], *, gap_s: float = STRETCH_GAP_S) -> list[tuple[int, ...]]:
    """Segment indices grouped into stretches: runs of segments separated by less than ``gap_s``."""
    groups: list[list[int]] = []
    for i, seg in enumerate(segments):
        if groups and seg.start_s - segments[groups[-1][-1]].end_s < gap_s:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [tuple(g) for g in groups]


def _decode(model, samples, sr, start_s, end_s, *, language, beam_size, on_progress=None, initial_prompt=None):
    """Whisper on samples[start_s:end_s], words put back on the channel's clock."""
    a, b = int(round(max(0.0, start_s) * sr)), int(round(min(len(samples) / sr, end_s) * sr))
    if b <= a:
        return []
    off = a / sr
    shown = None if on_progress is None else (lambda t: on_progress(off + t))
    kw = {} if initial_prompt is None else {"initial_prompt": initial_prompt}
    part = transcribe.transcribe(model, samples[a:b], language=language, beam_size=beam_size, on_progress=shown, **kw)
    return [transcribe.RawWord(w.text, w.start_s + off, w.end_s + off, w.probability) for w in part]


def _alone_bounds(segments: list[Segment], group: tuple[int, ...], duration_s: float) -> tuple[float, float]:
    """A stretch plus CONTEXT_PAD_S each side, never reaching past half the gap to a neighbour."""
    first, last = segments[group[0]], segments[group[-1]]
    lo = first.start_s - CONTEXT_PAD_S
    hi = last.end_s + CONTEXT_PAD_S
    if group[0] > 0:
        lo = max(lo, (segments[group[0] - 1].end_s + first.start_s) / 2)
    if group[-1] < len(segments) - 1:
        hi = min(hi, (last.end_s + segments[group[-1] + 1].start_s) / 2)
    return max(0.0, lo), min(duration_s, hi)


def _inside(words, bounds: tuple[float, float]):
    """Words whose middle lies within the stretch's decode bounds."""
    lo, hi = bounds
    return [w for w in words if lo <= (w.start_s + w.end_s) / 2 <= hi]


STRATEGIES = ("channel", "stretch", "batched", "packed")
DEFAULT_STRATEGY = "packed"  # bench/decode.py (README "Decode settings"): about half the time of "channel", fewer word errors
DEFAULT_BEAM_SIZE = 1  # beam 5: better in the phone band, but the bundled take 1 loses its opening (test_truth, test_compare)


def stretch_clips(segments: list[Segment], duration_s: float) -> list[tuple[tuple[int, ...], tuple[float, float]]]:
    """Each stretch's decode window(s): (segment indices, (start_s, end_s)), rounded to 10 ms.

    A stretch gets its ``_alone_bounds`` window; one longer than a Whisper window (30 s) is cut
    between segments, greedily from its start (a segment longer than 30 s alone into equal
    pieces). A window depends only on its stretch and the pauses around it, so it is final as
    soon as the stretch is followed by STRETCH_GAP_S of silence: incremental.py decodes it then."""
    out = []
    limit = transcribe.CLIP_MAX_S
    for g in stretches(segments):
        lo, hi = _alone_bounds(segments, g, duration_s)
        pieces: list[tuple[list[int], float]] = [([g[0]], lo)]
        for i in g[1:]:
            seg, idx_lo = segments[i], pieces[-1][1]
            if min(hi, seg.end_s + CONTEXT_PAD_S) - idx_lo > limit:
                cut = (segments[i - 1].end_s + seg.start_s) / 2
                pieces.append(([i], cut))
            else:
                pieces[-1][0].append(i)
        for k, (idx, a) in enumerate(pieces):
            b = pieces[k + 1][1] if k + 1 < len(pieces) else hi
            n = max(1, int(np.ceil((b - a) / limit - 1e-9)))
            step = (b - a) / n
            for j in range(n):
                out.append((tuple(idx), (round(a + j * step, 2), round(a + (j + 1) * step if j < n - 1 else b, 2))))
    return out


Cache = dict  # a decode unit (a tuple of windows) -> its words on the channel's clock; see incremental.py


def packs(clips: list[tuple[tuple[int, ...], tuple[float, float]]]) -> list[tuple[tuple[float, float], ...]]:
    """The windows of ``stretch_clips`` glued in order into units of at most one Whisper window
    (30 s of audio): Whisper encodes 30 s whatever it is given, so a 3 s stretch decoded alone
    costs a full window (bench/decode.py: "batched" vs "packed"). A unit is final once the next
    window does not fit in it."""
    out: list[list[tuple[float, float]]] = []
    used = 0.0
    for _, (a, b) in clips:
        if out and used + (b - a) <= transcribe.CLIP_MAX_S:
            out[-1].append((a, b))
            used += b - a
        else:
            out.append([(a, b)])
            used = b - a
    return [tuple(p) for p in out]


def _glued(samples, sr, unit) -> tuple[np.ndarray, list[tuple[float, float, float]]]:
    """A unit's windows laid end to end: (audio, [(glued start, glued end, channel start)])."""
    pieces, parts, at = [], [], 0
    for a, b in unit:
        piece = samples[int(round(a * sr)) : int(round(b * sr))]
        pieces.append(piece)
        parts.append((at / sr, (at + len(piece)) / sr, a))
        at += len(piece)
    return np.concatenate(pieces).astype(np.float32, copy=False), parts


def _unglue(words, parts) -> list[transcribe.RawWord]:
    """Words of one slot put back on the channel's clock, by the window their middle falls in."""
    out = []
    for w in words:
        mid = (w.start_s + w.end_s) / 2
        g0, _g1, a = min(parts, key=lambda p: 0.0 if p[0] <= mid <= p[1] else min(abs(mid - p[0]), abs(mid - p[1])))
        shift = a - g0
        out.append(transcribe.RawWord(w.text, max(a, w.start_s + shift), max(a, w.end_s + shift), w.probability))
    return out


def batched_words(model, samples, sr, units, *, language="en", beam_size=DEFAULT_BEAM_SIZE, initial_prompt=None,
                  cache: Cache | None = None) -> list[transcribe.RawWord]:
    """Words of every decode unit (a tuple of windows: ``packs``, or one window each), those in
    ``cache`` taken from it; the rest decoded (BatchedInferencePipeline, one unit at a time, so a
    unit's words never depend on what was decoded with it: incremental.py) and added to the cache."""
    cache = {} if cache is None else cache
    todo = [u for u in units if u not in cache]
    for u in todo:  # one call per unit: the same arithmetic whichever units are decoded together
        glued, parts = _glued(samples, sr, u)
        found = transcribe.transcribe_clips(model(), glued, [(0.0, len(glued) / sr)], sr=sr, language=language,
                                            beam_size=beam_size, initial_prompt=initial_prompt)
        cache[u] = _unglue(found[0], parts)
    return sorted((w for u in units for w in cache[u]), key=lambda w: w.start_s)


def channel_words(
    model: Callable,
    samples: np.ndarray,
    sr: int,
    segments: list[Segment],
    *,
    language: str = "en",
    beam_size: int = DEFAULT_BEAM_SIZE,
    strategy: str = DEFAULT_STRATEGY,
    frame_dbfs: np.ndarray | None = None,
    f0: np.ndarray | None = None,
    hop_s: float = activity.HOP_S,
    on_progress: Callable[[float], None] | None = None,
    initial_prompt: str | None = None,
    cache: Cache | None = None,
) -> ChannelWords:
    """Whisper's words for one channel, on the channel's clock, with lost stretches recovered.

    ``model`` is called to get the loaded model (loading is lazy). ``strategy`` (bench/decode.py
    measures the three): "channel" decodes each ``activity.transcription_spans`` span sequentially,
    then decodes again alone each stretch (segments closer than 1.5 s) with at least 1 s of speech
    and a voice to Silero VAD whose decode held no word; "stretch" decodes every stretch alone,
    sequentially; "batched" decodes every stretch's window (``stretch_clips``) alone, batched;
    "packed" glues the windows into 30 s units (``packs``) decoded batched. Words of units found in
    ``cache`` are reused. A stretch still empty gets an ``Estimate``: syllable
    nuclei (de Jong & Wempe) / SYLLABLES_PER_WORD, rounded, at least 1. Estimates need
    ``frame_dbfs`` and ``f0`` (frame grid ``hop_s``); without them an empty stretch stays empty.
    ``initial_prompt`` reaches transcribe only when given."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}")
    duration_s = len(samples) / sr
    groups = stretches(segments)
    kw = dict(language=language, beam_size=beam_size, initial_prompt=initial_prompt)
    words = _first_pass(model, samples, sr, segments, groups, strategy, kw, on_progress, cache)
    estimates: list[Estimate] = []
    redecoded = 0
    for g in groups:
        speech_s = sum(segments[i].duration_s for i in g)
        if speech_s < CLEAR_SPEECH_S or _has_words(words, segments, g):
            continue
        bounds = _alone_bounds(segments, g, duration_s)
        if vad.voiced_s(samples[int(bounds[0] * sr) : int(bounds[1] * sr)], sr=sr) < VOICE_MIN_S:
            continue  # a sound, not a voice: no words to find or estimate
        if strategy in ("channel", "packed"):  # "stretch" and "batched" already decoded it alone
            redecoded += 1
            again = _inside(_decode(model(), samples, sr, *bounds, **kw), bounds)
            if again:
                words = sorted(words + again, key=lambda w: w.start_s)
                continue
        if frame_dbfs is not None and f0 is not None:
            estimates.append(_estimate(segments, g, frame_dbfs, f0, hop_s))
    return ChannelWords(words, estimates, redecoded)


def _first_pass(
    model: Callable,
    samples: np.ndarray,
    sr: int,
    segments: list[Segment],
    groups: list[tuple[int, ...]],
    strategy: str,
    kw: dict,
    on_progress: Callable[[float], None] | None,
    cache: Cache | None,
) -> list[transcribe.RawWord]:
    """The words of the first decode of a channel by ``strategy`` (see ``channel_words``), before
    any empty stretch is decoded again or estimated; ``kw`` goes on to every decode."""
    duration_s = len(samples) / sr
    words: list[transcribe.RawWord] = []
    if strategy in ("batched", "packed"):
        clips = stretch_clips(segments, duration_s)
        units = packs(clips) if strategy == "packed" else [(b,) for _, b in clips]
        words = batched_words(model, samples, sr, units, cache=cache, **kw)
        if on_progress is not None:
            on_progress(duration_s)
    elif strategy == "stretch":
        for g in groups:
            bounds = _alone_bounds(segments, g, duration_s)
            # a stretch longer than a span (10 min of talk without a 1.5 s pause) is cut like one
            pieces = [bounds] if bounds[1] - bounds[0] <= activity.MAX_SPAN_S else activity.transcription_spans([segments[i] for i in g], duration_s)
            for lo, hi in pieces:
                words.extend(_inside(_decode(model(), samples, sr, lo, hi, on_progress=on_progress, **kw), (lo, hi)))
    else:
        for start_s, end_s in activity.transcription_spans(segments, duration_s):
            words.extend(_decode(model(), samples, sr, start_s, end_s, on_progress=on_progress, **kw))
    return words


def _has_words(words, segments: list[Segment], group: tuple[int, ...]) -> bool:
    """Does any word overlap the stretch (or lie within 0.5 s of it: Whisper's late stamps)?"""
    lo, hi = segments[group[0]].start_s, segments[group[-1]].end_s
    return any(w.end_s > lo - 0.5 and w.start_s < hi + 0.5 for w in words)


def _estimate(segments, group, frame_dbfs, f0, hop_s) -> Estimate:
    chosen = [segments[i] for i in group]
    mask = activity.segments_mask(chosen, len(frame_dbfs), hop_s)
    nuclei = syllables.count_nuclei(frame_dbfs, mask, f0, hop_s=hop_s)
    return Estimate(chosen[0].start_s, chosen[-1].end_s, max(1, int(round(nuclei / SYLLABLES_PER_WORD))), nuclei, group)
