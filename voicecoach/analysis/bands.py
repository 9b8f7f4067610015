"""The default phone bands under their older names (norms.py holds the numbers, judge.py the words).

Kept so modules not yet moved to ``norms``/``judge`` keep importing them; new code reads
``norms.DEFAULT`` and ``judge.rate_word``/``latency_word``/``rate_flag``.
"""

from ..norms import DEFAULT
from . import judge

RATE_TARGET_WPM = DEFAULT.rate_wpm
RATE_NEUTRAL_WPM = DEFAULT.rate_neutral_wpm
RATE_FLAG_WPM = DEFAULT.rate_flag_wpm
OPENING_MAX_WPM = DEFAULT.opening_max_wpm
LATENCY_CALM_S = DEFAULT.latency_s
LEVEL_TREND_MAX_DB_PER_MIN = DEFAULT.level_trend_max_db_per_min


def rate_flag(rate_wpm: float | None, word_count: int) -> str | None:
    """'too slow' / 'too fast' for a sustained run outside the default flag band."""
    return judge.rate_flag(rate_wpm, word_count)


def rate_band(rate_wpm: float | None) -> str:
    """The default bands' word for a words-per-minute value (judge.rate_word)."""
    return judge.rate_word(rate_wpm)


def latency_band(latency_s: float | None) -> str:
    """The default bands' word for a response latency (judge.latency_word)."""
    return judge.latency_word(latency_s)
