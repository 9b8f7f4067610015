"""Compare reruns of one scene: what changed between takes, and is the change big enough to hear?

Pure: Analyses in (each from ``pipeline.analyze``, the one road), a Comparison out. ``change`` is
the latest take minus the first; the direction is judged against the scenario card's targets
(or the default phone bands). A change is noticeable when a listener would hear it (judge.py) and it
is larger than the two takes' measurement noise (analysis/noise.py): the same take saved as WAV and
as MP3 never differs.
"""

from __future__ import annotations

from pathlib import Path

from . import metrics
from .analysis import judge, noise
from .norms import DEFAULT, Norms
from .results import Analysis, Comparison, MetricComparison, TakeSummary, Turn, TurnComparison


def _progression(steps: list[str]) -> str:
    known = [s for s in steps if s != "n/a"]
    if not known or all(s == "same" for s in known):
        return "steady"
    if "changed" in known:
        return "changed"
    if "worse" not in known:
        return "improving"
    if "better" not in known:
        return "worsening"
    return "mixed"


def _noise_of(noises: list[dict[str, noise.Noise]], name: str, i: int, j: int) -> float:
    return noise.combined(noises[i].get(name), noises[j].get(name))


def _compare_metric(m: metrics.Metric, analyses: list[Analysis], t: Norms, noises: list[dict[str, noise.Noise]]) -> MetricComparison | None:
    values = [m.value(a, t) for a in analyses]
    if all(v is None for v in values):
        return None
    first, last = values[0], values[-1]
    per_take = [n.get(m.name) for n in noises]
    both = _noise_of(noises, m.name, 0, -1)
    noticeable, direction = judge.step(m, first, last, t, noise=both)
    heard = judge.step(m, first, last, t)[0]  # what a listener alone would say
    change = None if first is None or last is None else last - first
    pct = None
    if m.relative and change is not None and first:
        pct = 100.0 * change / abs(first)
    steps, progression = [], None
    if len(values) >= 3:
        steps = [judge.step(m, a, b, t, noise=_noise_of(noises, m.name, k, k + 1))[1] for k, (a, b) in enumerate(zip(values, values[1:]))]
        progression = _progression(steps)
    stated = any(n is not None for n in per_take)
    return MetricComparison(
        m.name, m.unit, values, change, pct, noticeable, direction, m.target_text(t), steps, progression,
        noise=[None if n is None else n.value for n in per_take],
        noise_basis=["" if n is None else n.basis for n in per_take],
        noise_change=both if stated and change is not None else None,
        within_noise=bool(heard) and not noticeable,
    )


def _answers(a: Analysis) -> list[tuple[Turn | None, Turn]]:
    """Each counted answer (agent turn with a latency) and the customer turn before it."""
    out, last_customer = [], None
    for t in a.turns:
        if t.speaker == "customer":
            last_customer = t
        elif t.latency_s is not None:
            out.append((last_customer, t))
    return out


def _turns(analyses: list[Analysis], t: Norms, noises: list[dict[str, noise.Noise]]) -> list[TurnComparison]:
    per_take = [_answers(a) for a in analyses]
    turn = metrics.TURN_LATENCY
    edge = [n.get(turn.name) for n in noises]
    rows = []
    for k in range(max((len(p) for p in per_take), default=0)):
        pairs = [p[k] if k < len(p) else (None, None) for p in per_take]
        lat = [None if agent is None else agent.latency_s for _, agent in pairs]
        both = noise.combined(edge[0], edge[-1])
        noticeable, direction = judge.step(turn, lat[0], lat[-1], t, noise=both)
        heard = judge.step(turn, lat[0], lat[-1], t)[0]
        rows.append(
            TurnComparison(
                index=k + 1,
                customer_text=[None if c is None else c.text for c, _ in pairs],
                agent_text=[None if agent is None else agent.text for _, agent in pairs],
                start_s=[None if agent is None else agent.start_s for _, agent in pairs],
                latency_s=lat,
                change_s=None if lat[0] is None or lat[-1] is None else lat[-1] - lat[0],
                noticeable=noticeable,
                direction=direction,
                noise_s=[None if e is None or v is None else e.value for e, v in zip(edge, lat)],
                noise_change_s=both if lat[0] is not None and lat[-1] is not None and any(edge) else None,
                within_noise=bool(heard) and not noticeable,
            )
        )
    return rows


def _labels(analyses: list[Analysis]) -> list[str]:
    names = [Path(a.source).name for a in analyses]
    return [a.source if names.count(n) > 1 else n for a, n in zip(analyses, names)]


def compare(analyses: list[Analysis], norms: Norms | None = None, *, scenario: str | None = None) -> Comparison:
    """Compare two or more takes of one scene, in the order given (first = baseline), judged by
    ``norms`` (a scenario card's; default: the phone norms) over every metric the registry shows
    in compare."""
    if len(analyses) < 2:
        raise ValueError("compare needs at least two takes")
    t = norms or DEFAULT
    takes = []
    for label, a in zip(_labels(analyses), analyses):
        op = a.agent.opening
        takes.append(
            TakeSummary(label, a.source, a.duration_s, a.layout, None if op is None else op.text or None, None if op is None else op.start_s,
                        metrics.OPENING.value(a, t), None if op is None or op.trusted_rate_wpm is None else op.vs_rest_pct)
        )
    noises = [noise.estimate(a) for a in analyses]
    rows = [c for c in (_compare_metric(m, analyses, t, noises) for m in metrics.where(metrics.COMPARE)) if c is not None]
    warnings = []
    if len({a.layout for a in analyses}) > 1:
        warnings.append("the takes have different layouts (" + ", ".join(a.layout for a in analyses) + "): latency and level may not compare")
    if len({a.model for a in analyses}) > 1:
        warnings.append("the takes were transcribed with different models: word counts and rates may differ for that reason")
    for label, a in zip(_labels(analyses), analyses):
        warnings += [f"{label}: {w}" for w in a.warnings]
    return Comparison(takes, rows, _turns(analyses, t, noises), scenario, warnings)
