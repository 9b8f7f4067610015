"""Frozen result types for everything voicecoach measures.

Ground floor: imports nothing of ours. Every time is in seconds from the clip start, every level in
dBFS. A metric that cannot be measured is ``None`` and a line in ``warnings`` says why; NaN never
leaves this module (``to_dict`` turns any stray NaN/inf into ``None``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Word:
    """One transcribed word. Times come from Whisper and are used for ordering and text only,
    never for onsets or offsets (those come from the signal)."""

    text: str
    start_s: float
    end_s: float
    speaker: str  # "agent" or "customer"
    probability: float


@dataclass(frozen=True)
class Segment:
    """A stretch of speech activity on one channel, separated from the next by a pause >= 0.25 s."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Opening:
    text: str
    start_s: float
    end_s: float
    words: int
    rate_wpm: float | None
    vs_rest_pct: float | None


@dataclass(frozen=True)
class Level:
    median_dbfs: float | None
    p10_dbfs: float | None
    p90_dbfs: float | None
    trend_db_per_min: float | None


@dataclass(frozen=True)
class Pitch:
    median_hz: float | None
    spread_semitones: float | None


@dataclass(frozen=True)
class Pauses:
    count: int
    mean_s: float | None
    longest_s: float | None


@dataclass(frozen=True)
class SpeakerStats:
    """Pacing of one party (the agent, or the customer on stereo clips)."""

    words: int
    speaking_s: float
    rate_wpm: float | None
    articulation_sps: float | None
    opening: Opening | None
    level: Level
    pitch: Pitch
    pauses: Pauses


@dataclass(frozen=True)
class Latency:
    values_s: list[float]
    median_s: float | None
    p10_s: float | None
    p90_s: float | None
    jump_ins: int
    stalls: int


@dataclass(frozen=True)
class Turn:
    speaker: str
    start_s: float
    end_s: float
    text: str
    words: int
    rate_wpm: float | None
    level_dbfs: float | None
    latency_s: float | None
    pitch_hz: float | None = None
    backchannel: bool = False


@dataclass(frozen=True)
class Analysis:
    """Everything ``voicecoach analyze`` reports for one clip (JSON schema_version 1)."""

    source: str
    duration_s: float
    model: str
    layout: str  # "stereo", "mono", "mono-cued"
    agent: SpeakerStats
    customer: SpeakerStats | None
    latency: Latency | None
    first_response_s: float | None
    talk_ratio: float | None
    overtalk_s: float | None
    turns: list[Turn]
    words: list[Word]
    warnings: list[str] = field(default_factory=list)
    # Filled by the coaching layer when a scenario card is given; None otherwise.
    scenario: Any = None
    schema_version: int = SCHEMA_VERSION


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def to_dict(result: Any) -> dict[str, Any]:
    """Plain JSON-ready dict of a result dataclass; non-finite floats become None."""
    data = dataclasses.asdict(result)
    if "schema_version" in data:
        data = {"schema_version": data.pop("schema_version"), **data}
    return _clean(data)
