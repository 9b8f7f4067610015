"""When did the customer's tone soften? Their level and pitch per turn against their first turn.

Observers note the moment the caller calms down. On a stereo clip the customer's own channel gives
each turn's median level (dBFS) and median F0; a turn is softer when its level is clearly below
the first turn's or its pitch clearly lower. A calmer caller speaks more quietly and lower; a
tense one is louder and higher (Scherer 2003 on vocal affect).
"""

from __future__ import annotations

import math

from ..results import CustomerTurnTone, Turn

SOFTER_LEVEL_DB = 3.0  # 3 dB is a clear, audible drop (well above the ~1 dB loudness JND)
SOFTER_PITCH_SEMITONES = 2.0  # wider than a speaker's sentence-to-sentence F0 wander


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
        softer = t is not first and ((dl is not None and dl <= -SOFTER_LEVEL_DB) or (dp is not None and dp <= -SOFTER_PITCH_SEMITONES))
        rows.append(CustomerTurnTone(t.start_s, t.level_dbfs, t.pitch_hz, dl, dp, softer))
        if softer and softened_at is None:
            softened_at = t.start_s
    if len(mine) < 2:
        note = "only one customer turn: nothing to compare with"
    elif softened_at is None:
        note = f"the customer's tone did not soften: no later turn was {SOFTER_LEVEL_DB:g} dB quieter or {SOFTER_PITCH_SEMITONES:g} semitones lower than the first"
    else:
        row = next(r for r in rows if r.softer)
        bits = []
        if row.level_vs_first_db is not None:
            bits.append(f"{row.level_vs_first_db:+.1f} dB")
        if row.pitch_vs_first_semitones is not None:
            bits.append(f"{row.pitch_vs_first_semitones:+.1f} semitones")
        note = f"the customer's tone softened at {softened_at:.1f} s ({', '.join(bits)} vs their first turn)"
    return rows, softened_at, note
