"""When did the customer's tone soften? Their level and pitch per turn against their first turn.

Observers note the moment the caller calms down. On a stereo clip the customer's own channel gives
each turn's median level (dBFS) and median F0; a turn is softer when its level is clearly below
the first turn's or its pitch clearly lower, and neither of them audibly went the other way. A
calmer caller speaks more quietly, lower and slower; a tense one louder, higher and faster
(Scherer 2003 on vocal affect). The words of the note follow the measured signs: a caller who got
louder is never said to have softened.
"""

from __future__ import annotations

import math

from ..clock import mmss
from ..results import CustomerTurnTone, Turn
from ..norms import DEFAULT

LEVEL_NOTICEABLE_DB = DEFAULT.level_noticeable_db
TEMPO_NOTICEABLE_PCT = DEFAULT.tempo_noticeable_pct
SOFTER_LEVEL_DB = DEFAULT.softer_level_db
SOFTER_PITCH_SEMITONES = DEFAULT.softer_pitch_semitones
# Against softening: an audible rise of level or pitch (the listener thresholds of norms.py).
RISE_LEVEL_DB = LEVEL_NOTICEABLE_DB
RISE_PITCH_SEMITONES = DEFAULT.pitch_noticeable_semitones
TENSER_LEVEL_DB = SOFTER_LEVEL_DB  # the mirror image: clearly louder or higher reads as tenser
TENSER_PITCH_SEMITONES = SOFTER_PITCH_SEMITONES


def _rose(dl: float | None, dp: float | None) -> bool:
    return (dl is not None and dl >= RISE_LEVEL_DB) or (dp is not None and dp >= RISE_PITCH_SEMITONES)


def change_words(level_db: float | None, pitch_semitones: float | None, rate_pct: float | None = None) -> str:
    """The measured change in words whose direction is the sign of the number: "4.0 dB louder,
    1.2 semitones lower, 12% faster" (a change under the listener threshold reads "about as loud")."""
    bits = []
    if level_db is not None:
        bits.append(f"{abs(level_db):.1f} dB {'louder' if level_db > 0 else 'quieter'}" if abs(level_db) >= LEVEL_NOTICEABLE_DB
                    else "about as loud")
    if pitch_semitones is not None:
        bits.append(f"{abs(pitch_semitones):.1f} semitones {'higher' if pitch_semitones > 0 else 'lower'}"
                    if abs(pitch_semitones) >= 0.05 else "same pitch")
    if rate_pct is not None and abs(rate_pct) >= TEMPO_NOTICEABLE_PCT:
        bits.append(f"{abs(rate_pct):.0f}% {'faster' if rate_pct > 0 else 'slower'}")
    return ", ".join(bits)


def customer_tone(turns: list[Turn]) -> tuple[list[CustomerTurnTone], float | None, str]:
    """Per customer turn: level and pitch, their change from the first turn (dB, semitones) and
    whether it is softer; plus the start time of the first softer turn (None if none) and a
    sentence saying what happened."""
    mine = [t for t in turns if t.speaker == "customer"]
    if not mine:
        return [], None, "no customer turns: tone softening needs a stereo clip (customer on its own channel)"
    if all(t.level_dbfs is None for t in mine):
        return [], None, "the customer was not recorded (cued practice): tone softening needs a stereo clip"
    first = mine[0]
    rows: list[CustomerTurnTone] = []
    softened_at = None
    for t in mine:
        dl = None if t.level_dbfs is None or first.level_dbfs is None else t.level_dbfs - first.level_dbfs
        dp = None
        if t.pitch_hz and first.pitch_hz:
            dp = 12.0 * math.log2(t.pitch_hz / first.pitch_hz)
        dropped = (dl is not None and dl <= -SOFTER_LEVEL_DB) or (dp is not None and dp <= -SOFTER_PITCH_SEMITONES)
        softer = t is not first and dropped and not _rose(dl, dp)  # quieter but higher (or lower but louder) is not calmer
        rows.append(CustomerTurnTone(t.start_s, t.level_dbfs, t.pitch_hz, dl, dp, softer))
        if softer and softened_at is None:
            softened_at = t.start_s
    if len(mine) < 2:
        return rows, None, "only one customer turn: nothing to compare with"
    if softened_at is not None:
        row = next(r for r in rows if r.softer)
        words = change_words(row.level_vs_first_db, row.pitch_vs_first_semitones, _rate_pct(mine[0], mine[rows.index(row)]))
        return rows, softened_at, f"the customer's tone softened at {mmss(softened_at)} ({words} than their first turn)"
    note = (f"the customer's tone did not soften: no later turn was {SOFTER_LEVEL_DB:g} dB quieter or "
            f"{SOFTER_PITCH_SEMITONES:g} semitones lower than the first without getting louder or higher")
    tense = [r for r in rows[1:] if (r.level_vs_first_db or 0) >= TENSER_LEVEL_DB or (r.pitch_vs_first_semitones or 0) >= TENSER_PITCH_SEMITONES]
    if tense:
        r = tense[0]
        words = change_words(r.level_vs_first_db, r.pitch_vs_first_semitones, _rate_pct(mine[0], mine[rows.index(r)]))
        note = f"the customer's tone did not soften; it rose at {mmss(r.start_s)} ({words} than their first turn)"
    return rows, None, note


def _rate_pct(first: Turn, later: Turn) -> float | None:
    if not first.rate_wpm or later.rate_wpm is None:
        return None
    return 100.0 * (later.rate_wpm - first.rate_wpm) / first.rate_wpm
