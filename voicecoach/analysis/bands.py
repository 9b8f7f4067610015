"""Default target bands for phone pacing (a scenario card may set its own)."""

from .turns import JUMP_IN_S, STALL_S

RATE_TARGET_WPM = (140.0, 160.0)  # phone target band (Street & Brady; Read.ai methodology)
RATE_NEUTRAL_WPM = (130.0, 175.0)
RATE_FLAG_WPM = (110.0, 190.0)  # sustained runs outside are flagged
OPENING_MAX_WPM = 140.0  # a calm greeting is slower than the target band's floor
LATENCY_CALM_S = (0.5, 1.5)  # deliberate pause after an upset caller (Gong: top reps ~1.5 s)
LEVEL_TREND_MAX_DB_PER_MIN = 2.0  # a calm voice does not climb


MIN_FLAG_WORDS = 8  # a run of fewer words is a phrase, not a sustained pace


def rate_flag(rate_wpm: float | None, words: int) -> str | None:
    """'too slow' / 'too fast' for a sustained run (a turn of 8 words or more) outside 110-190 wpm."""
    if rate_wpm is None or words < MIN_FLAG_WORDS:
        return None
    flo, fhi = RATE_FLAG_WPM
    return "too slow" if rate_wpm < flo else "too fast" if rate_wpm > fhi else None


def rate_band(rate_wpm: float | None) -> str:
    """'target', 'neutral', 'slow', 'fast', 'too slow' or 'too fast' for a words-per-minute value."""
    if rate_wpm is None:
        return "n/a"
    lo, hi = RATE_TARGET_WPM
    if lo <= rate_wpm <= hi:
        return "target"
    nlo, nhi = RATE_NEUTRAL_WPM
    if nlo <= rate_wpm <= nhi:
        return "neutral"
    flo, fhi = RATE_FLAG_WPM
    if rate_wpm < flo:
        return "too slow"
    if rate_wpm > fhi:
        return "too fast"
    return "slow" if rate_wpm < nlo else "fast"


def latency_band(latency_s: float | None) -> str:
    if latency_s is None:
        return "n/a"
    lo, hi = LATENCY_CALM_S
    if latency_s < JUMP_IN_S:
        return "jump-in"
    if latency_s > STALL_S:
        return "stall"
    if lo <= latency_s <= hi:
        return "calm"
    return "quick" if latency_s < lo else "long"
