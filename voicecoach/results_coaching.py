"""Frozen result types of the scenario coaching layer (issue 3): card targets, quoted evidence,
the customer's tone and the debrief; ``Analysis.scenario`` holds a ``ScenarioResult``.

Ground floor like ``results.py`` (which re-exports every name here): imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# --- Scenario coaching layer (issue 3): targets, quoted evidence, customer tone, debrief ---------


@dataclass(frozen=True)
class EvidenceItem:
    """One observer note: the exact transcript words (or their absence) for one cue label.

    ``found`` means the behaviour was heard; for the ``risks`` category that is a problem.
    When nothing was found, ``quote`` is empty, times are None and ``note`` says what is missing.
    """

    category: str  # acknowledgment, options, next_steps, risks, ace
    label: str  # apology, impact, validation, name, offer, second_option, expectation, summary, ...
    quote: str
    speaker: str
    start_s: float | None
    end_s: float | None
    found: bool
    note: str = ""


@dataclass(frozen=True)
class TargetCheck:
    """One card target against its measured value: status is met, close, missed or n/a."""

    name: str  # rate, opening_pace, latency, jump_ins_stalls, level_trend
    measured: float | None
    unit: str
    target: str
    status: str
    reason: str


@dataclass(frozen=True)
class CustomerTurnTone:
    """The customer's level and pitch in one turn, relative to their first turn."""

    start_s: float
    level_dbfs: float | None
    pitch_hz: float | None
    level_vs_first_db: float | None
    pitch_vs_first_semitones: float | None
    softer: bool


@dataclass(frozen=True)
class DebriefPoint:
    """A strength or a micro-adjustment, tied to a number or a quoted phrase with its time."""

    text: str
    skill: str  # the skill tag it belongs to
    source: str  # the target name or "category.label" of the evidence it rests on
    start_s: float | None = None


@dataclass(frozen=True)
class Debrief:
    """Two strengths, one micro-adjustment and a one-line tiny commitment; on a clip without agent
    speech, no strengths and a ``note`` that says so."""

    strengths: list[DebriefPoint]
    adjustment: DebriefPoint | None
    commitment: str | None
    note: str | None = None


@dataclass(frozen=True)
class ScenarioResult:
    """The coaching layer for one clip against one scenario card (``Analysis.scenario``)."""

    id: str
    title: str
    skill: str
    skill_tags: list[str]
    targets: list[TargetCheck]
    evidence: dict[str, list[EvidenceItem]]
    options_offered: int
    customer_tone: list[CustomerTurnTone]
    customer_softened_at_s: float | None
    customer_tone_note: str
    debrief: Debrief
    warnings: list[str] = field(default_factory=list)
    # the card's targets the clip was judged by, as its [targets] table writes them (norms.py);
    # every format's headline judges against these, so a card's band shows the same everywhere
    norms: dict[str, Any] = field(default_factory=dict)
