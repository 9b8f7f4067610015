"""Speaking rate, opening-sentence pace and pauses, from signal segments and Whisper's words."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..norms import DEFAULT
from ..results import Opening, Pauses, Segment, Word
from .syllables import word_syllables

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
        inside = np.flatnonzero((starts <= w.start_s) & (w.start_s <= ends))  # a zero-length stamp overlaps nothing
        if overlap[best] > 0:
            idx = best
        elif inside.size:
            idx = int(inside[0])
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


# Speech this close to the line's noise floor loses its word ends under the noise, so speaking
# time reads short and the rate high: on three real-voice calls (bench/accuracy.py, tests/
# test_truth.py) rate_wpm read up to 9% high at 30 dB and up to 21% high at 20 dB; above 35 dB
# (clean, MP3, 8 kHz band, a quiet agent on a clean line) within 5%.
NOISY_RATE_SNR_DB = 35.0


def rate_confidence(snr_db: float | None) -> tuple[str, str | None]:
    """("high", None), or ("low", reason) when speech stands under NOISY_RATE_SNR_DB above the
    channel's noise floor (its loud level minus its floor)."""
    if snr_db is None or snr_db >= NOISY_RATE_SNR_DB:
        return "high", None
    return "low", (f"speech only {snr_db:.0f} dB above the line noise: word ends drown, so speaking time reads short "
                   f"and rate_wpm reads high (up to 9% at 30 dB, 21% at 20 dB)")


def rate_wpm(word_count: int, speaking_s: float) -> float | None:
    """Words per minute of speaking time (speech activity with pauses >= 0.25 s removed)."""
    return word_count / (speaking_s / 60.0) if speaking_s > 0 and word_count > 0 else None


def speaking_within(segments: list[Segment], start_s: float, end_s: float) -> float:
    """Seconds of speech activity inside [start_s, end_s]."""
    return float(sum(max(0.0, min(s.end_s, end_s) - max(s.start_s, start_s)) for s in segments))


# Words whose full stop is an abbreviation's, not a sentence's: a title is always followed by a name.
ABBREVIATIONS = frozenset(
    "mr mrs ms mx dr prof st sr jr mt rev fr hon gen capt lt col sgt gov sen rep vs cf e.g i.e".split()
)
TITLES = frozenset("mr mrs ms mx dr prof rev fr hon gen capt lt col sgt gov sen rep".split())
COMMA_END = re.compile(r"[,;:\u2014-][\"')\]]*$")
MIN_PAUSE_S = DEFAULT.pause_min_s  # a silent pause (norms.py)
LOST_SPEECH_S = 0.5  # wordless speech this long before the first word is a lost sentence, not a click or breath
SHORT_OPENING_WORDS = 4  # below this one word more or less moves the rate by 25% or more (tolerance: 10%)
# Syllable nuclei counted on the signal vs what Whisper's words lead to expect (their syllables at
# the speaker's own nuclei per syllable). Over a few words de Jong & Wempe's count is off by a
# syllable or two (measured on espeak and Asterisk openings here), so only a larger mismatch says
# that words are missing or extra: more than 2 and 25% is doubt; more than 4 and 50% too many
# nuclei withholds the rate. The ratio is the speaker's own over 20 syllables or more, clipped:
# beyond 0.6-1.4 the counter, not the words, is off.
SYLLABLE_DOUBT = (2, 0.25)
SYLLABLE_WITHHOLD = (4, 0.5)
CALIBRATE_MIN_SYLLABLES = 20
NUCLEI_PER_SYLLABLE_RANGE = (0.6, 1.4)
# Whisper's own word probability: correct words of the test openings here scored 0.29 or more (names
# included); a name split in two on an MP3 ("Alber es,") scored 0.08 for its fragment. Below 0.15 a
# word is likely a fragment or a mishearing, and the word count of a short opening is in doubt.
UNSURE_WORD_P = 0.15
# Activity holds speech only down to 6 dB above the noise floor: under 31 dB between the loud level
# and the floor that leaves less than the 25 dB below the peak where weak consonants and word ends
# lie (a -25 dB cut already ends words 0.1 s early: DOMAIN.md), so the speaking time reads short
# and the rate fast (phone band, -45 dBFS line noise, agent 12 dB quieter: 13-63% fast).
MIN_SNR_DB = 31.0


def ends_sentence(text: str, next_text: str | None = None) -> bool:
    """Sentence-final punctuation on a transcribed word, unless the full stop is an abbreviation's
    ("Mr.", "Dr.", "St.", "vs.", "e.g.", "i.e.") or an initial ("J.", "J.R."). "a.m."/"p.m." end
    one only before a capitalised word ("by 5 p.m. I will call" but "at 5 p.m. tomorrow")."""
    if not SENTENCE_END.search(text):
        return False
    core = text.rstrip("\"')]")
    if not core.endswith("."):
        return True  # "?" and "!" end a sentence even after an abbreviation
    token = core.lstrip("\"'([").rstrip(".").lower()
    if token in ABBREVIATIONS:
        return False
    if token in ("a.m", "p.m"):
        return next_text is None or next_text.lstrip("\"'([")[:1].isupper()
    return not re.fullmatch(r"(?:[a-z]\.)*[a-z]", token) or token in ("i", "a")


def _nuclei_within(nuclei_s: np.ndarray, segments: list[Segment], start_s: float, end_s: float) -> int:
    inside = [s for s in segments if s.end_s > start_s and s.start_s < end_s]
    return int(sum(((nuclei_s >= max(s.start_s, start_s)) & (nuclei_s <= min(s.end_s, end_s))).sum() for s in inside))


def _nuclei_per_syllable(nuclei_s: np.ndarray, segments: list[Segment], placed: list[Placed]) -> float:
    """This voice's nuclei per syllable its words imply, over the segments that have words: the
    counter merges syllables in fast or band-limited speech (0.75-0.9 on the telephone voice
    here), so the opening is judged against the speaker's own ratio. 1.0 below 20 syllables."""
    implied: dict[int, int] = {}
    for p in placed:
        implied[p.segment] = implied.get(p.segment, 0) + word_syllables(p.word.text)
    total = sum(implied.values())
    if total < CALIBRATE_MIN_SYLLABLES:
        return 1.0
    heard = sum(_nuclei_within(nuclei_s, [segments[i]], 0.0, float("inf")) for i in implied)
    return float(np.clip(heard / total, *NUCLEI_PER_SYLLABLE_RANGE))


def _mark(word_count: int, heard: int | None, expected: float, basis: str) -> tuple[str, str | None, bool]:
    """(confidence, reason, withhold) for an opening of ``word_count`` words whose span holds ``heard``
    syllable nuclei where its words lead to expect ``expected`` (their syllables at this voice's
    nuclei per syllable)."""
    implied = round(expected)
    diff = None if heard is None else heard - expected
    said = f"the signal holds {heard} syllable nuclei where Whisper's {word_count} words lead to expect about {implied}"
    if diff is not None and diff > max(SYLLABLE_WITHHOLD[0], SYLLABLE_WITHHOLD[1] * implied):
        return "low", f"{said}: words are missing", True
    if diff is not None and abs(diff) > max(SYLLABLE_DOUBT[0], SYLLABLE_DOUBT[1] * implied):
        # too few nuclei is as often the counter failing (noise, a quiet or band-limited voice) as a
        # word Whisper invented, so it casts doubt but does not withhold
        what = "a word or a filler may be missing" if diff > 0 else "a word may be extra, or the syllables are hard to count here"
        return "low", f"{said}: {what}", False
    if word_count < SHORT_OPENING_WORDS:
        return "low", f"only {word_count} word{'s' if word_count != 1 else ''}: one word more or less moves its rate by {100 / word_count:.0f}%", False
    if heard is None and basis != "sentence end":
        return "low", f"it ends at a {basis} with no full stop, and the signal could not cross-check its words", False
    return "high", None, False


def _names_after_titles(turn: list[Placed]) -> list[Placed]:
    """Nobody pauses between a title and the name it introduces ("Mrs. | Chen"): a name Whisper
    stamped after the pause that follows a title was spoken before it, in the title's segment."""
    out = list(turn)
    for i in range(1, len(out)):
        prev = out[i - 1]
        token = prev.word.text.strip("\"'()[]").rstrip(".").lower()
        if token in TITLES and prev.word.text.endswith(".") and out[i].segment > prev.segment:
            out[i] = Placed(out[i].word, prev.segment)
    return out


def opening(
    placed: list[Placed],
    segments: list[Segment],
    total_speaking_s: float,
    *,
    first_segment: int = 0,
    last_segment: int | None = None,
    nuclei_s: np.ndarray | None = None,
    snr_db: float | None = None,
) -> Opening | None:
    """The agent's first sentence: its words from the first turn's first word up to sentence-final
    punctuation (an abbreviation's full stop does not count: ``ends_sentence``), a clear pause
    (>= 0.5 s; Whisper sometimes joins two sentences with a comma), a pause (>= 0.25 s) after a
    comma, or the end of the turn: its ``basis`` is "sentence end", "pause" or "turn end".

    Start is the signal onset of its first segment; end is the signal offset when a pause ends it,
    else Whisper's end of the last word (the only boundary inside continuous speech). Its rate_wpm
    uses speaking time within [start, end]; vs_rest_pct compares it with the rest of the agent's
    speech: (opening - rest) / rest * 100.

    Confidence: ``nuclei_s`` (syllable nuclei times, de Jong & Wempe) inside the span are counted
    and compared with the syllables its words imply (``syllables.word_syllables``) at the
    speaker's own nuclei per syllable: a mismatch says Whisper dropped or invented words, which
    moves a short opening's rate by 20% unseen. "low" with a reason when they disagree, when the
    opening has under 4 words, when a weak boundary cannot be cross-checked, when the speech
    stands less than 31 dB above the channel's noise floor (``snr_db``: loud level - floor),
    when Whisper gave one of its words a probability under 0.15, or when it runs on over a pause
    with no punctuation there. The rate is withheld (None) when the signal holds more than half
    again the nuclei the words lead to expect, or when the first turn starts with 0.5 s or more
    of speech without words (the opening was lost; the next sentence is not it).
    """
    last_segment = len(segments) - 1 if last_segment is None else last_segment
    if not segments or first_segment > last_segment:
        return None
    turn = [p for p in placed if first_segment <= p.segment <= last_segment]
    lost = _lost_opening(turn, segments, first_segment, last_segment)
    if lost is not None:
        return lost
    turn = _names_after_titles(turn)
    chosen, basis, run_on = _first_sentence(turn, segments)
    start, end = _span(chosen, turn, segments)
    spoken = speaking_within(segments, start, end)
    heard, implied, expected = _syllables(chosen, placed, segments, start, end, nuclei_s)
    confidence, reason, withhold = _mark(len(chosen), heard, expected, basis)
    confidence, reason = _doubt_high_confidence(confidence, reason, chosen, snr_db, run_on)
    rate = None if withhold else rate_wpm(len(chosen), spoken)
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
        basis=basis,
        confidence=confidence,
        reason=reason,
        syllables_heard=heard,
        syllables_implied=implied,
    )


def _span(chosen: list[Placed], turn: list[Placed], segments: list[Segment]) -> tuple[float, float]:
    """(start_s, end_s) of the chosen words: the signal onset of the first one's segment; the
    signal offset of the last one's segment when a pause ends the opening there, else Whisper's end
    of the last word (the only boundary inside continuous speech)."""
    last = chosen[-1]
    start = segments[chosen[0].segment].start_s
    is_last_in_segment = len(chosen) == len(turn) or turn[len(chosen)].segment != last.segment
    end = segments[last.segment].end_s if is_last_in_segment else max(last.word.end_s, start)
    return start, end


def _syllables(
    chosen: list[Placed],
    placed: list[Placed],
    segments: list[Segment],
    start: float,
    end: float,
    nuclei_s: np.ndarray | None,
) -> tuple[int | None, int, float]:
    """(heard, implied, expected): syllable nuclei inside [start, end] (None without ``nuclei_s``),
    the syllables the chosen words imply, and those implied scaled by the speaker's own nuclei per
    syllable (the implied count itself without ``nuclei_s``)."""
    heard = None
    implied = sum(word_syllables(p.word.text) for p in chosen)
    expected = float(implied)
    if nuclei_s is not None:
        heard = _nuclei_within(nuclei_s, segments, start, end)
        expected = implied * _nuclei_per_syllable(nuclei_s, segments, placed)
    return heard, implied, expected


def _lost_opening(
    turn: list[Placed], segments: list[Segment], first_segment: int, last_segment: int
) -> Opening | None:
    """A rate-less, low-confidence Opening when the first turn has no words or starts with
    ``LOST_SPEECH_S`` or more of speech without words (the opening itself was lost: what follows
    is not it); None when the opening was heard."""
    wordless = segments[first_segment : turn[0].segment if turn else last_segment + 1]
    lost_s = sum(s.duration_s for s in wordless)
    if turn and lost_s < LOST_SPEECH_S:
        return None
    start, end = wordless[0].start_s, wordless[-1].end_s
    where = "the agent's first turn" if not turn else f"the first {lost_s:.1f} s of the agent's first turn"
    return Opening("", round(start, 3), round(end, 3), 0, None, None, "turn end" if not turn else "pause", "low",
                   f"Whisper recognised no words in {where} ({start:.1f}-{end:.1f} s): the opening sentence was lost")


def _first_sentence(
    turn: list[Placed], segments: list[Segment]
) -> tuple[list[Placed], str, tuple[float, float] | None]:
    """The turn's words up to the first sentence end or clear pause (see ``opening``), with its
    basis and the first pause it runs over with no punctuation before it as (gap_s, at_s), or None."""
    chosen = [turn[0]]
    basis = "turn end"
    run_on: tuple[float, float] | None = None  # a pause the opening runs over with no punctuation before it
    for prev, nxt in zip(turn, turn[1:]):
        gap_s = 0.0 if nxt.segment == prev.segment else segments[nxt.segment].start_s - segments[prev.segment].end_s
        if ends_sentence(prev.word.text, nxt.word.text):
            basis = "sentence end"
            break
        if gap_s >= OPENING_PAUSE_S or (gap_s >= MIN_PAUSE_S and COMMA_END.search(prev.word.text)):
            basis = "pause"
            break
        if gap_s >= MIN_PAUSE_S and run_on is None:
            run_on = (gap_s, segments[prev.segment].end_s)
        chosen.append(nxt)
    else:
        basis = "sentence end" if ends_sentence(turn[-1].word.text) else "turn end"
    return chosen, basis, run_on


def _doubt_high_confidence(
    confidence: str,
    reason: str | None,
    chosen: list[Placed],
    snr_db: float | None,
    run_on: tuple[float, float] | None,
) -> tuple[str, str | None]:
    """Lowers a "high" confidence, with its reason, for the first of: speech under ``MIN_SNR_DB``
    above the noise floor, a word Whisper gave a probability under ``UNSURE_WORD_P``, or a pause
    the opening runs on over with no punctuation there."""
    if confidence == "high" and snr_db is not None and snr_db < MIN_SNR_DB:
        confidence = "low"
        reason = f"the speech stands only {snr_db:.0f} dB above the background noise: word ends drown in it and the rate reads fast"
    unsure = [p.word for p in chosen if p.word.probability < UNSURE_WORD_P]
    if confidence == "high" and unsure:
        confidence = "low"
        quoted = ", ".join(f"'{w.text}' (p {w.probability:.2f})" for w in unsure[:3])
        reason = f"Whisper was unsure of {quoted}: a split or misheard word changes the word count"
    if confidence == "high" and run_on is not None:
        confidence = "low"
        reason = f"it runs on over a {run_on[0]:.2f} s pause at {run_on[1]:.1f} s with no punctuation there: two sentences may be joined"
    return confidence, reason


def opening_mark(op: Opening) -> str:
    """The opening's basis and confidence in words, the same in every format:
    "ends at a sentence end; high confidence", "ends at a pause; low confidence (only 3 words: ...)",
    or "rate withheld (...)"."""
    if op.rate_wpm is None and op.reason:
        return f"rate withheld ({op.reason})"
    where = "the turn end" if op.basis == "turn end" else f"a {op.basis}"
    return f"ends at {where}; {op.confidence} confidence" + (f" ({op.reason})" if op.reason else "")


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
