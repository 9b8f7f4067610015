"""Compare reruns of one scene: what changed between takes, and is the change big enough to hear?

Pure: Analyses in (each from ``pipeline.analyze``, the one road), a Comparison out. ``change`` is
the latest take minus the first; the direction is judged against the scenario card's targets
(or the default phone bands). A change is noticeable when a listener would hear it (judge.py) and it
is larger than the two takes' measurement noise (analysis/noise.py): the same take saved as WAV and
as MP3 never differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .analysis import bands, judge, noise
from .analysis.judge import Targets
from .results import Analysis, Comparison, MetricComparison, TakeSummary, Turn, TurnComparison


@dataclass(frozen=True)
class _Metric:
    name: str  # a key of judge.NOTICEABLE: the judge decides noticeable and better/worse
    unit: str
    get: Callable[[Analysis], float | None]
    target: str = ""
    relative: bool = False  # report change_pct


def _opening(attr: str) -> Callable[[Analysis], float | None]:
    """An opening figure, None unless the opening was measured with high confidence (its reason
    is in the take's warnings): a change built on a dropped word is not a change."""
    return lambda a: None if a.agent.opening is None or a.agent.opening.trusted_rate_wpm is None else getattr(a.agent.opening, attr)


def _metrics(t: Targets) -> list[_Metric]:
    lo, hi = t.rate_wpm
    llo, lhi = t.latency_s
    flo = bands.RATE_FLAG_WPM[0]
    cust = lambda f: (lambda a: None if a.customer is None else f(a.customer))  # noqa: E731
    lat = lambda f: (lambda a: None if a.latency is None else f(a.latency))  # noqa: E731
    return [
        _Metric("rate_wpm", "wpm", lambda a: a.agent.rate_wpm, f"{lo:.0f}-{hi:.0f} wpm", True),
        _Metric("opening_rate_wpm", "wpm", _opening("rate_wpm"), f"{flo:.0f}-{t.opening_max_wpm:.0f} wpm", True),
        _Metric("opening_vs_rest_pct", "%", _opening("vs_rest_pct"), f"{t.opening_vs_rest_max_pct:+.0f}% or slower"),
        _Metric("articulation_sps", "syl/s", lambda a: a.agent.articulation_sps, "", True),
        _Metric("fillers_per_min", "/min", lambda a: None if a.agent.fillers is None else a.agent.fillers.per_min, "fewer"),
        _Metric("latency_median_s", "s", lat(lambda x: x.median_s), f"{llo:g}-{lhi:g} s"),
        # on agent-only clips without cues first_response_s is time to first word, not a response
        _Metric("first_response_s", "s", lambda a: None if a.layout == "mono" else a.first_response_s, f"{llo:g}-{lhi:g} s"),
        _Metric("jump_ins", "count", lat(lambda x: x.jump_ins), "none"),
        _Metric("stalls", "count", lat(lambda x: x.stalls), "none"),
        _Metric("level_median_dbfs", "dBFS", lambda a: a.agent.level.median_dbfs),
        _Metric("level_trend_db_per_min", "dB/min", lambda a: a.agent.level.trend_db_per_min,
                f"within +/-{t.level_trend_max_db_per_min:g} dB/min"),
        _Metric("pitch_median_hz", "Hz", lambda a: a.agent.pitch.median_hz),
        _Metric("pitch_spread_semitones", "st", lambda a: a.agent.pitch.spread_semitones),
        _Metric("talk_ratio", "share", lambda a: a.talk_ratio),
        _Metric("overtalk_s", "s", lambda a: a.overtalk_s, "none"),
        _Metric("customer_level_dbfs", "dBFS", cust(lambda c: c.level.median_dbfs)),
        _Metric("customer_pitch_hz", "Hz", cust(lambda c: c.pitch.median_hz)),
    ]


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


def _compare_metric(m: _Metric, analyses: list[Analysis], t: Targets, noises: list[dict[str, noise.Noise]]) -> MetricComparison | None:
    values = [m.get(a) for a in analyses]
    if all(v is None for v in values):
        return None
    first, last = values[0], values[-1]
    per_take = [n.get(m.name) for n in noises]
    both = _noise_of(noises, m.name, 0, -1)
    noticeable, direction = judge.step(m.name, first, last, t, noise=both)
    heard = judge.step(m.name, first, last, t)[0]  # what a listener alone would say
    change = None if first is None or last is None else last - first
    pct = None
    if m.relative and change is not None and first:
        pct = 100.0 * change / abs(first)
    steps, progression = [], None
    if len(values) >= 3:
        steps = [judge.step(m.name, a, b, t, noise=_noise_of(noises, m.name, k, k + 1))[1] for k, (a, b) in enumerate(zip(values, values[1:]))]
        progression = _progression(steps)
    stated = any(n is not None for n in per_take)
    return MetricComparison(
        m.name, m.unit, values, change, pct, noticeable, direction, m.target, steps, progression,
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


def _turns(analyses: list[Analysis], t: Targets, noises: list[dict[str, noise.Noise]]) -> list[TurnComparison]:
    per_take = [_answers(a) for a in analyses]
    edge = [n.get("turn_latency_s") for n in noises]
    rows = []
    for k in range(max((len(p) for p in per_take), default=0)):
        pairs = [p[k] if k < len(p) else (None, None) for p in per_take]
        lat = [None if agent is None else agent.latency_s for _, agent in pairs]
        both = noise.combined(edge[0], edge[-1])
        noticeable, direction = judge.step("turn_latency_s", lat[0], lat[-1], t, noise=both)
        heard = judge.step("turn_latency_s", lat[0], lat[-1], t)[0]
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


def compare(analyses: list[Analysis], targets: Targets | None = None, *, scenario: str | None = None) -> Comparison:
    """Compare two or more takes of one scene, in the order given (first = baseline)."""
    if len(analyses) < 2:
        raise ValueError("compare needs at least two takes")
    t = targets or Targets()
    takes = []
    for label, a in zip(_labels(analyses), analyses):
        op = a.agent.opening
        takes.append(
            TakeSummary(label, a.source, a.duration_s, a.layout, None if op is None else op.text or None, None if op is None else op.start_s,
                        _opening("rate_wpm")(a), _opening("vs_rest_pct")(a))
        )
    noises = [noise.estimate(a) for a in analyses]
    metrics = [c for c in (_compare_metric(m, analyses, t, noises) for m in _metrics(t)) if c is not None]
    warnings = []
    if len({a.layout for a in analyses}) > 1:
        warnings.append("the takes have different layouts (" + ", ".join(a.layout for a in analyses) + "): latency and level may not compare")
    if len({a.model for a in analyses}) > 1:
        warnings.append("the takes were transcribed with different models: word counts and rates may differ for that reason")
    for label, a in zip(_labels(analyses), analyses):
        warnings += [f"{label}: {w}" for w in a.warnings]
    return Comparison(takes, metrics, _turns(analyses, t, noises), scenario, warnings)
