"""Every threshold, band and tolerance voicecoach judges by, once, with its unit and its source.

``Norms`` is one frozen table; ``DEFAULT`` holds the phone values of DOMAIN.md. A scenario card
overrides the fields marked ``card`` through its ``[targets]`` table (``Norms.replace``), and the
coaching result carries the card's values (``ScenarioResult.norms``) so every format judges the
clip against the same numbers (``for_analysis``). Display strings are formatted from these numbers
(``span``, ``Norms.rate_target`` ...), never retyped: "140-160 wpm" is written here once.

Ground floor: imports nothing of ours.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def _norm(value: Any, unit: str, source: str, *, card: bool = False):
    """A field of Norms: its default, unit, where the number comes from, and whether a card may set it."""
    return field(default=value, metadata={"unit": unit, "source": source, "card": card})


@dataclass(frozen=True)
class Norms:
    """What good pacing is, and what a listener can tell apart. Bands are (low, high) tuples."""

    # --- targets a scenario card may set ([targets] in its TOML) ---
    rate_wpm: tuple[float, float] = _norm((140.0, 160.0), "wpm", "phone target band (Street & Brady; Read.ai methodology)", card=True)
    opening_max_wpm: float = _norm(140.0, "wpm", "a calm greeting is slower than the target band's floor", card=True)
    opening_vs_rest_max_pct: float = _norm(-5.0, "%", "at least the tempo JND (5%, Quene 2007) slower than the rest", card=True)
    latency_s: tuple[float, float] = _norm((0.5, 1.5), "s", "deliberate pause after an upset caller (Gong: top reps about 1.5 s)", card=True)
    level_trend_max_db_per_min: float = _norm(2.0, "dB/min", "a calm voice does not climb (DOMAIN.md)", card=True)
    # --- the rest of the speaking-rate bands ---
    rate_neutral_wpm: tuple[float, float] = _norm((130.0, 175.0), "wpm", "neutral band (Street & Brady; Read.ai methodology)")
    rate_flag_wpm: tuple[float, float] = _norm((110.0, 190.0), "wpm", "sustained runs outside are flagged (Read.ai methodology)")
    rate_flag_min_words: int = _norm(8, "words", "a run of fewer words is a phrase, not a sustained pace")
    # --- what is measured (definitions: the same for every card) ---
    # a greeting alone runs about 2 s; a 17-word answer spoken fast (230 wpm) 4.4 s and is still a take
    min_take_s: float = _norm(3.0, "s", "a shorter clip is no roleplay (a 0.36 s MP3 fragment once became an agent's latest take)")
    pause_min_s: float = _norm(0.25, "s", "minimum silent pause (Goldman-Eisler; de Jong & Bosker 2013)")
    jump_in_s: float = _norm(0.2, "s", "natural gaps are about 0.2 s (Levinson & Torreira 2015); less is jumping in")
    stall_s: float = _norm(3.0, "s", "a silence this long after the caller reads as dead air")
    backchannel_max_s: float = _norm(1.0, "s", "'mm-hm': agent turns this short and few-worded do not count as answers")
    backchannel_max_words: int = _norm(2, "words", "'mm-hm', 'okay sure'")
    overtalk_min_s: float = _norm(0.25, "s", "both channels active this long is overtalk (the pause threshold)")
    # --- live nudges while practising (voicecoach/live.py; issue 15) ---
    nudge_slower_after_s: float = _norm(5.0, "s", "the live rate above the band this long before 'slower': a sustained pace, not one quick phrase")
    # breath groups of adults last about 3-4 s on average in reading and conversation (Wang, Green,
    # Nip, Kent & Kent 2010): 10 s with no 0.25 s pause is over twice that, and leaves the caller no gap
    nudge_breathe_run_s: float = _norm(10.0, "s", "speech with no pause this long before 'breathe' (over twice a breath group)")
    nudge_gap_s: float = _norm(10.0, "s", "at most one nudge in this long: one quiet cue, not a dashboard")
    nudge_follow_s: float = _norm(5.0, "s", "speaking time before and after a nudge that tells whether it was followed")
    # --- what a listener notices (a smaller change is "the same") ---
    tempo_noticeable_pct: float = _norm(5.0, "%", "listeners notice tempo changes of about 5% (Quene 2007)")
    latency_noticeable_s: float = _norm(0.1, "s", "a gap change over 100 ms is audible and beyond activity timing error")
    level_noticeable_db: float = _norm(1.0, "dB", "about the just-noticeable difference for the level of speech")
    trend_noticeable_db_per_min: float = _norm(1.0, "dB/min", "half the level-trend limit")
    pitch_noticeable_semitones: float = _norm(1.5, "st", "smaller F0 differences go unheard in running speech ('t Hart 1981)")
    spread_noticeable_semitones: float = _norm(1.0, "st", "a narrower or wider range by a semitone is audible")
    talk_ratio_noticeable: float = _norm(0.05, "share", "five points of the talk share")
    # one borderline filler flips between a take's WAV and MP3 (8 vs 9 in 1 minute) and the detector
    # may invent up to 1/min: a smaller change is the measurement's own noise
    fillers_noticeable_per_min: float = _norm(2.0, "/min", "bench/fillers.py: WAV vs MP3 flips and false fillers")
    # --- how near a miss is "close" (a miss the listener would barely hear) ---
    close_rate_share: float = _norm(0.10, "share", "within 10% of a rate bound (twice the tempo JND, Quene 2007)")
    close_latency_s: float = _norm(0.3, "s", "within 0.3 s of the calm band")
    close_trend_factor: float = _norm(1.5, "x", "within 1.5x the level-trend limit")
    # --- the customer's tone (analysis/tone.py) ---
    softer_level_db: float = _norm(3.0, "dB", "a clear, audible drop (well above the ~1 dB loudness JND)")
    softer_pitch_semitones: float = _norm(2.0, "st", "wider than a speaker's sentence-to-sentence F0 wander")

    def replace(self, **changes: Any) -> Norms:
        return dataclasses.replace(self, **changes)

    # --- the targets in words, formatted from the numbers ---
    def rate_target(self) -> str:
        return span(*self.rate_wpm, "wpm")

    def opening_target(self) -> str:
        pct = self.opening_vs_rest_max_pct
        rel = f"at least {-pct:g}% slower than the rest" if pct <= 0 else f"no more than {pct:g}% faster than the rest"
        return f"under {self.opening_max_wpm:g} wpm and {rel}"

    def latency_target(self) -> str:
        return span(*self.latency_s, "s")

    def trend_target(self) -> str:
        return f"within +/-{self.level_trend_max_db_per_min:g} dB/min"

    def jump_stall_limits(self) -> str:
        return f"under {self.jump_in_s:g} s / over {self.stall_s:g} s"


def span(lo: float, hi: float, unit: str = "") -> str:
    """'140-160 wpm', '0.5-1.5 s': a band in words."""
    return f"{lo:g}-{hi:g}" + (f" {unit}" if unit else "")


DEFAULT = Norms()
CARD_FIELDS = tuple(f.name for f in dataclasses.fields(Norms) if f.metadata["card"])
BAND_FIELDS = frozenset(f.name for f in dataclasses.fields(Norms) if isinstance(f.default, tuple))


def describe() -> list[tuple[str, Any, str, str]]:
    """(name, default, unit, source) of every norm, in table order (for docs and tests)."""
    return [(f.name, f.default, f.metadata["unit"], f.metadata["source"]) for f in dataclasses.fields(Norms)]


def card_values(n: Norms) -> dict[str, Any]:
    """The card-settable fields as plain JSON values (bands as lists), as a card's [targets] writes them."""
    return {k: list(getattr(n, k)) if k in BAND_FIELDS else getattr(n, k) for k in CARD_FIELDS}


def from_card_values(values: dict[str, Any] | None, base: Norms = DEFAULT) -> Norms:
    """Norms with a card's [targets] values (as ``card_values`` writes them) over ``base``."""
    known = {k: tuple(v) if k in BAND_FIELDS else v for k, v in (values or {}).items() if k in CARD_FIELDS}
    return base.replace(**known)


def for_analysis(a: Any) -> Norms:
    """The norms an Analysis (or its JSON dict) is judged by: its scenario card's (carried in
    ``scenario.norms``), else DEFAULT."""
    if isinstance(a, dict):
        return from_card_values((a.get("scenario") or {}).get("norms"))
    scenario = getattr(a, "scenario", None)
    return from_card_values(getattr(scenario, "norms", None)) if scenario is not None else DEFAULT
