"""Speaking rate, opening-sentence pace and pauses, from signal segments and Whisper's words."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..results import Opening, Pauses, Segment, Word

EARLY_STAMP_S = 2.0  # Whisper may stamp a word after a silence early (faster-whisper issue 125)
LATE_STAMP_S = 0.5
OPENING_PAUSE_S = 0.5  # a clear pause ends the opening sentence even without a full stop
MIN_REST_WORDS = 5
SENTENCE_END = re.compile(r"[.?!][\"')\]]*$")


@dataclass(frozen=True)
class Placed:
    """A word and the index of the activity segment it was spoken in."""

    word: Word
    segment: int


def assign_words(words: list, segments: list[Segment], speaker: str) -> list[Placed]:
    """Attach each Whisper word to the activity segment it was spoken in.

    A word overlapping segments belongs to the one it overlaps most; one stamped in silence belongs to the next segment if
    that starts within 2 s (early stamps after silence) or to the previous one if that ended within
    0.5 s; anything else lies on silence and is dropped (Whisper's "Thank you." on silence). Each
    word's times are clamped to its segment, so a quote is never timed before its speech began.
    """
    placed: list[Placed] = []
    if not segments:
        return placed
    starts = np.array([s.start_s for s in segments])
    ends = np.array([s.end_s for s in segments])
    for w in words:
        overlap = np.minimum(ends, w.end_s) - np.maximum(starts, w.start_s)
        best = int(np.argmax(overlap))
        nxt = int(np.searchsorted(starts, w.end_s))  # first segment starting after the word
        if overlap[best] > 0:
            idx = best
        elif nxt < len(segments) and segments[nxt].start_s - w.end_s <= EARLY_STAMP_S:
            idx = nxt
        elif nxt > 0 and w.start_s - segments[nxt - 1].end_s <= LATE_STAMP_S:
            idx = nxt - 1
        else:
            continue
        if placed and idx < placed[-1].segment:  # keep Whisper's word order monotonic
            idx = placed[-1].segment
        seg = segments[idx]  # a word is heard inside its speech segment: clamp Whisper's times to it
        start = min(max(w.start_s, seg.start_s), seg.end_s)
        end = min(max(w.end_s, start), seg.end_s)
        placed.append(Placed(Word(w.text, round(start, 3), round(end, 3), speaker, round(w.probability, 3)), idx))
    return placed


def rate_wpm(words: int, speaking_s: float) -> float | None:
    """Words per minute of speaking time (speech activity with pauses >= 0.25 s removed)."""
    return words / (speaking_s / 60.0) if speaking_s > 0 and words > 0 else None


def speaking_within(segments: list[Segment], start_s: float, end_s: float) -> float:
    """Seconds of speech activity inside [start_s, end_s]."""
    return float(sum(max(0.0, min(s.end_s, end_s) - max(s.start_s, start_s)) for s in segments))


def opening(
    placed: list[Placed],
    segments: list[Segment],
    total_speaking_s: float,
    *,
    first_segment: int = 0,
    last_segment: int | None = None,
) -> Opening | None:
    """The agent's first sentence: its words from the first turn's first word up to sentence-final
    punctuation or a clear pause (>= 0.5 s; Whisper sometimes joins two sentences with a comma).

    Start is the signal onset of its first segment; end is the signal offset when a pause ends it,
    else Whisper's end of the last word (the only boundary inside continuous speech). Its rate_wpm
    uses speaking time within [start, end]; vs_rest_pct compares it with the rest of the agent's
    speech: (opening - rest) / rest * 100.
    """
    last_segment = len(segments) - 1 if last_segment is None else last_segment
    turn = [p for p in placed if first_segment <= p.segment <= last_segment]
    if not turn:
        return None
    chosen = [turn[0]]
    for prev, nxt in zip(turn, turn[1:]):
        if SENTENCE_END.search(prev.word.text):
            break
        if nxt.segment != prev.segment and segments[nxt.segment].start_s - segments[prev.segment].end_s >= OPENING_PAUSE_S:
            break
        chosen.append(nxt)
    last = chosen[-1]
    start = segments[chosen[0].segment].start_s
    is_last_in_segment = len(chosen) == len(turn) or turn[len(chosen)].segment != last.segment
    end = segments[last.segment].end_s if is_last_in_segment else max(last.word.end_s, start)
    spoken = speaking_within(segments, start, end)
    rate = rate_wpm(len(chosen), spoken)
    rest_words = len(placed) - len(chosen)
    rest_rate = rate_wpm(rest_words, total_speaking_s - spoken) if rest_words >= MIN_REST_WORDS else None
    vs_rest = (rate - rest_rate) / rest_rate * 100.0 if rate and rest_rate else None
    return Opening(
        text=" ".join(p.word.text for p in chosen),
        start_s=round(start, 3),
        end_s=round(end, 3),
        words=len(chosen),
        rate_wpm=rate,
        vs_rest_pct=vs_rest,
    )


def pauses(segments: list[Segment], others: list[Segment]) -> tuple[Pauses, list[Segment]]:
    """Silent gaps (>= 0.25 s, by construction of the segments) between a speaker's own segments,
    counted only where the other party did not speak in the gap (that is a turn, not a pause)."""
    gaps = []
    for a, b in zip(segments, segments[1:]):
        if not any(o.start_s < b.start_s and o.end_s > a.end_s for o in others):
            gaps.append(Segment(a.end_s, b.start_s))
    if not gaps:
        return Pauses(0, None, None), []
    lengths = [g.duration_s for g in gaps]
    return Pauses(len(gaps), float(np.mean(lengths)), float(max(lengths))), gaps
