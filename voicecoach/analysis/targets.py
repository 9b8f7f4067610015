"""A scenario card's pacing targets checked against one Analysis: met, close or missed, in words.

One TargetCheck per registry metric with a ``check`` (voicecoach/metrics.py), in the table's order,
each the judge's Verdict (analysis/judge.py) against the card's norms: "close" is a miss the
listener would barely hear (the norms' close_* tolerances); ``n/a`` (with the reason) where the
clip cannot measure it or the number is in doubt.
"""

from __future__ import annotations

from ..norms import Norms
from ..results import Analysis, TargetCheck
from . import judge


def check(a: Analysis, norms: Norms) -> list[TargetCheck]:
    """Every target of a card (its ``Norms``) against the clip, in a fixed order."""
    from .. import metrics

    out = []
    for m in metrics.checks():
        v = judge.assess(m, a, norms)
        out.append(TargetCheck(m.check.name, v.measured, m.unit, v.target, v.status, v.reason))
    return out
