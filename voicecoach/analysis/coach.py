"""The coaching layer: one Analysis against one scenario card -> ScenarioResult.

Applied at the end of ``pipeline.analyze`` when ``Options.scenario`` is set, so analyze, compare
and batch all carry it. Pure: the card is data, the Analysis is already measured.
"""

from __future__ import annotations

from ..norms import card_values
from ..results import Analysis, ScenarioResult
from . import debrief, evidence, targets, tone


def coach(result: Analysis, card) -> ScenarioResult:
    """Targets checked, quoted evidence per observer category, customer tone and the debrief."""
    checks = targets.check(result, card.norms)
    ev, offers = evidence.collect(result.words, cues=evidence.merge_cues(card.cues), customer_name=card.customer_name)
    rows, softened_at, note = tone.customer_tone(result.turns)
    warnings = []
    if result.agent.words and result.layout == "mono":
        warnings.append("agent-only clip: latency targets and customer tone need stereo or a cue track")
    return ScenarioResult(
        id=card.id,
        title=card.title,
        skill=card.skill,
        skill_tags=list(card.skill_tags),
        targets=checks,
        evidence=ev,
        options_offered=offers,
        customer_tone=rows,
        customer_softened_at_s=softened_at,
        customer_tone_note=note,
        debrief=debrief.build(result, card, checks, ev, softened_at, note),
        warnings=warnings,
        norms=card_values(card.norms),
    )
