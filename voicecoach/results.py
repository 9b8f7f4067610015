"""Frozen result types for everything voicecoach measures.

Ground floor: imports nothing of ours but ``results_coaching`` (the coaching layer's types, itself
ground floor, re-exported here). Every time is in seconds from the clip start, every level in
dBFS. A metric that cannot be measured is ``None`` and a line in ``warnings`` says why; NaN never
leaves this module (``to_dict`` turns any stray NaN/inf into ``None``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

# the coaching layer's types live in their own module; re-exported so every result type is importable from here
from .results_coaching import (  # noqa: F401
    CustomerTurnTone,
    Debrief,
    DebriefPoint,
    EvidenceItem,
    ScenarioResult,
    TargetCheck,
)

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
    rate_wpm: float | None  # None: withheld, ``reason`` says why
    vs_rest_pct: float | None
    basis: str = "sentence end"  # what ended it: "sentence end", "pause" or "turn end"
    confidence: str = "high"  # "low": the words or the boundary are in doubt, ``reason`` says why
    reason: str | None = None
    syllables_heard: int | None = None  # syllable nuclei on the signal over its span (None: not counted)
    syllables_implied: int | None = None  # syllables its transcribed words imply

    @property
    def trusted_rate_wpm(self) -> float | None:
        """The rate to judge, compare and praise: None unless measured with high confidence."""
        return self.rate_wpm if self.confidence == "high" else None


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
class Fillers:
    """Filled pauses ("um", "uh", "er", "erm", "hmm"): count, per minute of speaking time, and each
    one as {"text", "start_s", "end_s"}. Not counted in ``words`` or ``rate_wpm``."""

    count: int
    per_min: float | None
    items: list[dict] = field(default_factory=list)
    confidence: str = "high"  # "low": line noise hides some filled pauses, the count is a lower bound
    reason: str | None = None


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
    fillers: Fillers | None = None  # None where not measured
    # words estimated from syllable nuclei where Whisper found none in clear speech (decode.py);
    # included in ``words`` and ``rate_wpm``, each such turn flagged in ``Turn.words_source``
    words_from_signal: int = 0
    # "low" when line noise drowns word ends: speaking time reads short, so rate_wpm reads high
    rate_confidence: str = "high"
    rate_reason: str | None = None


@dataclass(frozen=True)
class Latency:
    values_s: list[float]
    median_s: float | None
    p10_s: float | None
    p90_s: float | None
    jump_ins: int
    stalls: int
    confidence: str = "high"  # "low": the pause edges are in doubt (``reason``); not judged then
    reason: str | None = None


@dataclass(frozen=True)
class VoiceSplit:
    """--layout mixed: how two voices on one channel were told apart, or why they were not.

    split: False when declined (the report then covers the agent alone; ``reason`` says why).
    separation_st: semitones between the two voices' median pitch (7 or more to split).
    agent_by: "enrolled voice" (the profile named in ``agent_voice``) or "agent_speaks" (the
    first or second voice heard). confidence is "low" even when split: automatic diarization of
    phone speech errs about 30% of the time (pyannote on CALLHOME)."""

    split: bool
    basis: str  # "pitch": each stretch of speech's median pitch
    separation_st: float | None
    agent_by: str | None
    agent_voice: str | None
    confidence: str
    reason: str | None


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
    rate_flag: str | None = None  # "too slow" / "too fast": a turn of 8+ words outside 110-190 wpm
    words_source: str = "whisper"  # "whisper"; "signal": estimated from syllable nuclei; "cue": the logged line


@dataclass(frozen=True)
class AgentChannel:
    """Which channel of a stereo clip was measured as the agent, and why. chosen_by: "auto" (from
    what each channel said), "option" (--agent-channel) or "sidecar" (the take's agent_channel);
    confidence "low" when the evidence is thin or contradicts the setting (a warning says so)."""

    channel: str  # "left" or "right"
    chosen_by: str
    basis: str
    confidence: str  # "high" or "low"


@dataclass(frozen=True)
class Recording:
    """What limits the precision of a clip's numbers (analysis/noise.py turns it into per-metric noise)."""

    source_sr_hz: int  # the file's own rate: 8000 Hz or less is a telephone line's band
    snr_db: dict[str, float]  # per party: loud level (0.99 quantile of frame dBFS) minus noise floor (0.05 quantile)


@dataclass(frozen=True)
class NudgeOutcome:
    """A live nudge the take's recorder fired (the sidecar's ``nudges``) and whether the agent followed it.

    kind "slower": ``rate_before_wpm`` / ``rate_after_wpm`` over the ``nudge_follow_s`` of speaking time
    before and after ``at_s`` (words per minute estimated from syllable nuclei, as the live line shows
    them); followed when the rate after is slower by at least the tempo JND (norms.tempo_noticeable_pct).
    kind "breathe": ``pause_after_s`` is how long after the nudge the agent's next pause began; followed
    when within ``nudge_follow_s``. ``followed`` None: too little speech after the nudge to tell."""

    kind: str  # "slower" or "breathe"
    at_s: float
    followed: bool | None
    rate_before_wpm: float | None = None
    rate_after_wpm: float | None = None
    pause_after_s: float | None = None


@dataclass(frozen=True)
class Analysis:
    """Everything ``voicecoach analyze`` reports for one clip (JSON schema_version 1)."""

    source: str
    duration_s: float
    model: str
    layout: str  # "stereo", "mono", "mono-cued", "mixed"
    agent: SpeakerStats
    customer: SpeakerStats | None
    latency: Latency | None
    first_response_s: float | None
    talk_ratio: float | None
    overtalk_s: float | None
    turns: list[Turn]
    words: list[Word]
    warnings: list[str] = field(default_factory=list)
    # The speech activity every number was measured from, per party ("customer" on mono-cued
    # takes: the cues as played), so a timeline can be drawn exactly as the numbers saw the call.
    segments: dict[str, list[Segment]] = field(default_factory=dict)
    voices: VoiceSplit | None = None  # --layout mixed only: how the voices were told apart, or why not
    # Filled by the coaching layer when a scenario card is given; None otherwise.
    scenario: ScenarioResult | None = None
    agent_channel: AgentChannel | None = None  # stereo clips measured one party per channel; None otherwise
    recording: Recording | None = None
    # the live line's nudges and whether each was followed; None: the take was not recorded with --nudges on
    nudges: list[NudgeOutcome] | None = None
    schema_version: int = SCHEMA_VERSION


@dataclass(frozen=True, eq=False)
class Track:
    """One party's level and pitch over the clip, the series the HTML report plots.

    Not part of the JSON: ``pipeline.analyze_clip`` returns the tracks beside the Analysis, computed
    from the very frames the numbers came from. Point i lies at ``times_s[i]`` (numpy arrays); level
    is NaN outside the party's speech, pitch NaN there and on unvoiced frames.
    """

    speaker: str  # "agent" or "customer"
    times_s: Any
    level_dbfs: Any
    pitch_hz: Any


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


# --- batch (voicecoach batch): one row per clip, then the folder's summary -----------------------


@dataclass(frozen=True)
class BatchRow:
    """One clip of a batch. Metrics are the agent's; None when the clip failed or the metric is
    not measurable (the clip's own warnings say why)."""

    path: str  # relative to the batch folder, "/"-separated
    agent: str | None
    scenario: str | None
    take: int | None
    started_at: str | None  # ISO 8601: the sidecar's started_at, else the file's modification time
    status: str  # "ok" or "failed"
    error: str | None
    duration_s: float | None
    rate_wpm: float | None
    opening_rate_wpm: float | None
    latency_median_s: float | None
    latency_p90_s: float | None
    level_median_dbfs: float | None
    jump_ins: int | None
    stalls: int | None
    warnings: list[str]
    report_json: str | None  # relative to --out
    report_html: str | None
    content_sha256: str
    settings_sha256: str
    cached: bool = False  # True when this run reused an earlier result (same content and settings)
    kind: str = "take"  # "rewind": a re-recorded opening line; listed, but not a step in progression
    agent_channel: str | None = None  # stereo: the channel measured as the agent (the clip's JSON says why)
    # metrics of the registry (voicecoach/metrics.py) shown in batches that have no column above
    extra_metrics: dict[str, float | None] = field(default_factory=dict)
    targets_met: int | None = None  # the scenario card's targets met, of targets_checked judged (None: no card)
    targets_checked: int | None = None
    adjustment: str | None = None  # the debrief's one micro-adjustment
    unsure: dict[str, str] = field(default_factory=dict)  # metric name -> why its number is in doubt (metrics.marks)


@dataclass(frozen=True)
class MetricChange:
    """First take vs latest take of one metric. verdict: "better", "worse", "about the same"
    (inside the measurement's resolution) or "changed" (no better direction is defined)."""

    metric: str
    first: float | None
    last: float | None
    change: float | None
    verdict: str


@dataclass(frozen=True)
class ScenarioProgress:
    scenario: str | None
    takes: int
    first_path: str
    last_path: str
    changes: list[MetricChange]


@dataclass(frozen=True)
class AgentProgress:
    """One agent across the batch: takes per scenario in date/take order, and practice streaks
    (runs of consecutive calendar days with at least one processed take)."""

    agent: str | None
    takes: int
    failed: int
    practice_days: int
    longest_streak_days: int
    current_streak_days: int  # the run that ends on the agent's latest practice day
    last_practice: str | None  # ISO date
    scenarios: list[ScenarioProgress]


@dataclass(frozen=True)
class GroupStats:
    """Aggregate over the processed clips of one scenario or one skill tag (medians of clip values)."""

    name: str
    clips: int
    failed: int
    agents: int
    rate_wpm_median: float | None
    opening_rate_wpm_median: float | None
    latency_median_s: float | None
    in_band_share: float | None  # share of clips whose rate_wpm is in the 130-175 wpm neutral band


@dataclass(frozen=True)
class BatchSummary:
    """Everything ``voicecoach batch`` writes to summary.json (index.html renders the same data)."""

    folder: str
    settings: dict[str, Any]
    total: int
    ok: int
    failed: int
    processed: int  # analysed in this run
    cached: int  # reused from an earlier run
    elapsed_s: float
    rows: list[BatchRow]
    agents: list[AgentProgress]
    scenarios: list[GroupStats]
    skills: list[GroupStats]
    warnings: list[str] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION


# --- compare (voicecoach compare, issue 4): reruns of one scene side by side ---------------------


@dataclass(frozen=True)
class TakeSummary:
    """One take of a comparison, with its opening sentence quoted."""

    label: str  # the file name (the full path where two takes share a name)
    source: str
    duration_s: float
    layout: str
    opening_text: str | None
    opening_start_s: float | None
    opening_rate_wpm: float | None
    opening_vs_rest_pct: float | None


@dataclass(frozen=True)
class MetricComparison:
    """One metric across takes. ``change`` is last minus first; ``noticeable`` says whether it is
    bigger than a listener (or the measurement) can tell apart, None when a take lacks the value;
    ``direction`` is better / worse / same against the targets, or changed where no better exists."""

    name: str
    unit: str
    values: list[float | None]
    change: float | None
    change_pct: float | None
    noticeable: bool | None
    direction: str
    target: str  # what "better" means for this metric ("" where none is defined)
    steps: list[str] = field(default_factory=list)  # 3+ takes: direction of each take-to-take step
    progression: str | None = None  # 3+ takes: improving, worsening, steady, mixed or changed
    # The measurement's own noise (analysis/noise.py): +/- per take in the metric's unit, what limits
    # it, and the noise of the change (root sum of squares of the first and last take's).
    noise: list[float | None] = field(default_factory=list)
    noise_basis: list[str] = field(default_factory=list)
    noise_change: float | None = None
    within_noise: bool = False  # a listener would notice the change, but it is no larger than the noise


@dataclass(frozen=True)
class TurnComparison:
    """The k-th answer (customer -> agent turn change) of every take, aligned turn by turn."""

    index: int  # 1-based
    customer_text: list[str | None]
    agent_text: list[str | None]
    start_s: list[float | None]
    latency_s: list[float | None]
    change_s: float | None
    noticeable: bool | None
    direction: str
    noise_s: list[float | None] = field(default_factory=list)  # +/- per take: the two edges a latency spans
    noise_change_s: float | None = None
    within_noise: bool = False


@dataclass(frozen=True)
class Comparison:
    """Everything ``voicecoach compare`` reports (JSON: takes, metrics, turns)."""

    takes: list[TakeSummary]
    metrics: list[MetricComparison]
    turns: list[TurnComparison]
    scenario: str | None = None
    warnings: list[str] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION
