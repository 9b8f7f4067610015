"""The metric registry: every number voicecoach reports for a clip, described once.

Each ``Metric`` names its JSON/CSV key (``name``), ``label``, ``unit``, display ``fmt``,
``direction`` ("in-band", "lower", "higher" or "none": which way is better), ``path`` (dotted path
into the Analysis JSON dict; the same path reads an Analysis object), its ``goal`` and
``noticeable`` rule as functions of the norms (norms.py), ``doubt`` (why the number is unsure on
this clip, if it is), its noise (analysis/noise.py, keyed by ``name``) and the ``places`` it shows:

- ``headline``: text, Markdown and HTML headline (``headline_rows``),
- ``compare``: ``voicecoach compare`` (text, Markdown, JSON, HTML),
- ``batch``: each batch row in summary.json, ``csv``: a column of summary.csv and of index.html's clip
  table (every headline metric, jump-ins and stalls),
- ``progression``: first-vs-latest take per agent in a batch,
- ``chart``: a bar chart per metric on the HTML compare page of three or more takes,
- ``team``: a default column of the practice history's team table (``voicecoach progress``).

A metric with a ``check`` is a scenario target (analysis/targets.py) and carries what the debrief
says about it. Adding a metric touches this table and the code that measures it, nothing else:
``register(Metric(...))`` (or ``with registered(...)``) and every format lists it.

For a history store: ``flatten(analysis)`` is ``{name: value}`` over every take-level metric
(values in doubt withheld as None where the metric says so), ``flatten(analysis, trusted=False)``
the numbers as shown, and ``marks(analysis)`` ``{name: reason}`` for those in doubt.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .analysis import judge
from .clock import mmss, mmss_whole
from .norms import DEFAULT, Norms, for_analysis, span
from .results import Analysis

HEADLINE, COMPARE, BATCH, CSV, PROGRESSION, CHART = "headline", "compare", "batch", "csv", "progression", "chart"
TEAM = "team"  # a default column of the history's team table (voicecoach progress)
EVERYWHERE = frozenset({HEADLINE, COMPARE, BATCH, CSV, PROGRESSION, CHART})


@dataclass(frozen=True)
class Check:
    """A scenario target on a metric: its TargetCheck name, its place in the TARGETS table (and the
    debrief's tie-break order), and what the debrief says about it."""

    name: str  # TargetCheck.name in JSON
    title: str  # in the TARGETS table
    order: int
    strength: float  # debrief weight when met
    miss: float  # debrief cost when missed
    lead: str  # the strength's first words
    commitment: dict[str, str]  # the verdict's side ("low", "high") -> the tiny commitment
    quotes_opening: bool = False  # the point quotes the opening sentence


@dataclass(frozen=True)
class Row:
    """One headline line: label, value with unit, what it is judged against, status (met, close,
    missed, n/a; "" where there is no target) and whether the number is in doubt."""

    label: str
    value_text: str
    note: str
    status: str = ""
    unsure: bool = False
    metric: str = ""  # the name of the metric it shows (headline_rows fills it in)


Reader = Callable[[str], Any]


def read_path(x: Any, path: str) -> Any:
    """The value at dotted ``path`` of an Analysis object or its JSON dict (None where absent)."""
    for part in path.split("."):
        if x is None:
            return None
        x = x.get(part) if isinstance(x, dict) else getattr(x, part, None)
    return x


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    fmt: str = "{:.0f}"
    path: str = ""
    direction: str = "none"  # "in-band", "lower", "higher", "none"
    goal: Callable[[Norms], Any] | None = None  # (lo, hi) for in-band, a limit for lower/higher
    noticeable: Callable[[Norms], judge.Noticeable] | None = None
    get: Callable[[Reader], Any] | None = None  # instead of ``path``: computed from other paths
    unsure: Callable[[Analysis, Norms], str | None] | None = None
    withhold: bool = False  # compare, batch and flatten get None while the number is unsure
    relative: bool = False  # compare reports the change in percent too
    places: frozenset[str] = frozenset({HEADLINE, COMPARE})
    target: Callable[[Norms], str] | None = None  # the goal in words, where the default would not do
    note: Callable[[Analysis], str] | None = None  # the headline's note where there is no goal
    assess: Callable[[Analysis, Norms], judge.Verdict] | None = None  # a target's own judge (judge.py)
    check: Check | None = None
    row: Callable[[Analysis, Metric, Norms], Row | None] | None = None  # a headline line of its own

    def read(self, x: Any) -> float | None:
        """The number as measured, from an Analysis or its JSON dict."""
        if self.get is not None:
            return self.get(lambda p: read_path(x, p))
        return read_path(x, self.path)

    def doubt(self, a: Analysis | dict[str, Any], n: Norms | None = None) -> str | None:
        """Why this clip's number is unsure (None: it is not); an Analysis or its JSON dict."""
        return None if self.unsure is None else self.unsure(a, n or for_analysis(a))

    def value(self, a: Analysis | dict[str, Any], n: Norms | None = None) -> float | None:
        """The number to compare, store and judge: None where it is withheld while in doubt."""
        v = self.read(a)
        return None if v is None or self.withhold and self.doubt(a, n) else v

    def text(self, v: float | None) -> str:
        """'150 wpm', '0.60 s', 'n/a'."""
        return "n/a" if v is None else self.fmt.format(v) + (f" {self.unit}" if self.unit and self.unit not in ("count", "share") else "")

    def signed(self, change: float) -> str:
        """A change in this metric's format with its sign: '+5', '-0.20', '+0.0' (never '-0.0')."""
        return signed(change, self.fmt)

    def target_text(self, n: Norms = DEFAULT) -> str:
        if self.target is not None:
            return self.target(n)
        if self.goal is None:
            return ""
        goal = self.goal(n)
        if self.direction == "in-band":
            return span(*goal, self.unit)
        if goal == 0:
            return "none"
        return f"{goal:g} {self.unit} or {'less' if self.direction == 'lower' else 'more'}"


def signed(change: float, fmt: str) -> str:
    """``change`` in the display format ``fmt`` ('{:.1f}', '{:+.1f}') with its sign, zero as '+0'."""
    spec = fmt.removeprefix("{").removesuffix("}").lstrip(":").lstrip("+")
    text = f"{change:+{spec}}"
    return "+" + text[1:] if float(text) == 0 else text


# --- the table -----------------------------------------------------------------------------------


# the doubts read an Analysis or its JSON dict alike (read_path), so a history import of batch
# reports marks the same numbers as a fresh analysis does


def _latency_unsure(a: Any, n: Norms) -> str | None:
    """Every number timed on the pause edges between the parties (turns.latency_confidence)."""
    lat = read_path(a, "latency")
    return None if lat is None or read_path(lat, "confidence") in ("high", None) else (read_path(lat, "reason") or "pause edges in doubt")


def answer_latency(a: Analysis, latency_s: float) -> str:
    """One answer's latency as the transcript shows it, "?" where the clip's pause edges are in doubt."""
    return f"{latency_s:+.2f} s" + ("?" if _latency_unsure(a, None) else "")


def _opening_unsure(a: Any, n: Norms) -> str | None:
    op = read_path(a, "agent.opening")
    return None if op is None or read_path(op, "confidence") == "high" else (read_path(op, "reason") or "low confidence")


def _rate_unsure(a: Any, n: Norms) -> str | None:
    return None if read_path(a, "agent.rate_confidence") in ("high", None) else (read_path(a, "agent.rate_reason") or "line noise")


def _articulation_unsure(a: Any, n: Norms) -> str | None:
    """In doubt where the rate is (speech near the line noise): on the real-voice calls with -45 dBFS
    line noise it read up to 12% high in the phone band (its error on clean turns: 6.5%)."""
    if read_path(a, "agent.rate_confidence") in ("high", None):
        return None
    snr = (read_path(a, "recording.snr_db") or {}).get("agent")
    return f"speech only {snr:.0f} dB above the line noise: noise adds nuclei" if snr is not None else "line noise adds nuclei"


def _fillers_unsure(a: Any, n: Norms) -> str | None:
    f = read_path(a, "agent.fillers")
    return None if f is None or read_path(f, "confidence") == "high" else (read_path(f, "reason") or "line noise hides some")


def _trend_unsure(a: Any, n: Norms) -> str | None:
    """Needs the agent's speech segments (noise.level_trend_noise): a JSON report without them, as a
    history import reads it, is not marked."""
    from .analysis import noise

    if isinstance(a, dict):
        return None
    doubt = noise.trend_in_doubt(a, n.level_trend_max_db_per_min)
    return None if doubt is None else f"+/-{doubt.value:.0f} dB/min on a take this short"


def _rate_row(a: Analysis, m: Metric, n: Norms) -> Row:
    v = judge.assess(m, a, n)
    sure = m.doubt(a, n) is None
    value = m.text(a.agent.rate_wpm) + ("" if sure or a.agent.rate_wpm is None else "?")
    return Row(m.label, value, f"target {v.target} ({v.word})" if sure else "unsure: line noise, reads high", v.status, not sure)


def _opening_row(a: Analysis, m: Metric, n: Norms) -> Row | None:
    op = a.agent.opening
    if op is None:
        return None
    v = judge.assess(m, a, n)
    sure = op.confidence == "high"
    value = m.text(op.rate_wpm) + ("" if sure or op.rate_wpm is None else "?")
    rest = "" if op.vs_rest_pct is None else f"; {op.vs_rest_pct:+.0f}% vs the rest"
    note = f"aim {v.target}{rest} ({v.status})" if sure else "low confidence: see the opening"
    return Row(m.label, value, note, v.status, not sure)


def _fillers_row(a: Analysis, m: Metric, n: Norms) -> Row | None:
    f = a.agent.fillers
    if f is None:
        return None
    at = ", ".join(mmss(i["start_s"]) for i in f.items)
    least = "" if f.confidence == "high" else "at least (line noise); "
    per_min = "n/a" if f.per_min is None else m.fmt.format(f.per_min)
    return Row(m.label, f"{f.count} ({per_min}{m.unit})", least + (f"at {at}" if at else "none heard"), "", f.confidence != "high")


def _latency_row(a: Analysis, m: Metric, n: Norms) -> Row | None:
    if a.latency is None:
        return None
    v = judge.assess(m, a, n)
    if (why := m.doubt(a, n)) is not None:
        return Row(m.label, m.text(a.latency.median_s) + "?", f"unsure: {why}", v.status, True)
    return Row(m.label, m.text(a.latency.median_s), f"calm {v.target} after the caller ({v.word})", v.status)


def _first_response_row(a: Analysis, m: Metric, n: Norms) -> Row:
    where = "from the clip start" if a.layout == "mono" else "after the caller's first words"
    if m.doubt(a, n) is not None and a.first_response_s is not None:
        return Row(m.label, m.text(a.first_response_s) + "?", f"{where}; unsure: pause edges in doubt", "", True)
    return Row(m.label, m.text(a.first_response_s), where)


def _jumps_row(a: Analysis, m: Metric, n: Norms) -> Row | None:
    if a.latency is None:
        return None
    v = judge.assess(m, a, n)
    counts = f"{a.latency.jump_ins} / {a.latency.stalls}"
    if m.doubt(a, n) is not None:
        return Row("Jump-ins / stalls", counts + "?", "unsure: pause edges in doubt", v.status, True)
    return Row("Jump-ins / stalls", counts, n.jump_stall_limits(), v.status)


def _trend_row(a: Analysis, m: Metric, n: Norms) -> Row:
    v = judge.assess(m, a, n)
    doubt = m.doubt(a, n)
    note = f"unsure: {doubt}" if doubt else f"keep {v.target}"
    return Row(m.label, m.text(a.agent.level.trend_db_per_min), note, v.status, doubt is not None)


def _talk_row(a: Analysis, m: Metric, n: Norms) -> Row | None:
    if a.talk_ratio is None:
        return None
    over = "n/a" if a.overtalk_s is None else f"{a.overtalk_s:.1f} s"
    return Row(m.label, f"{a.talk_ratio * 100:.0f}% agent", f"overtalk {over}")


def _nudges_row(a: Analysis, m: Metric, n: Norms) -> Row | None:
    """'1/2 followed' and, per nudge, when it fired and what followed (analysis/nudges.py)."""
    if not a.nudges:
        return None
    parts = []
    for x in a.nudges:
        verdict = {True: "followed", False: "not followed", None: "too little speech after to tell"}[x.followed]
        if x.kind == "breathe":
            what = "no pause before the take ended" if x.pause_after_s is None else f"paused {x.pause_after_s:.1f} s later"
        else:
            what = f"{_num(x.rate_before_wpm, '{:.0f}')} to {_num(x.rate_after_wpm, '{:.0f}')} wpm (from syllables)"
        parts.append(f"{x.kind} at {mmss_whole(x.at_s)}: {what}, {verdict}")
    return Row(m.label, f"{m.read(a)}/{len(a.nudges)} followed", "; ".join(parts))


def _followed(r: Reader) -> int | None:
    fired = r("nudges")
    if not fired:
        return None
    return sum(bool(x.get("followed") if isinstance(x, dict) else x.followed) for x in fired)


def _num(v: float | None, fmt: str) -> str:
    return "n/a" if v is None else fmt.format(v)


def _flag_low(n: Norms) -> float:
    return n.rate_flag_wpm[0]


RATE = Metric(
    "rate_wpm", "Speaking rate", "wpm", path="agent.rate_wpm", direction="in-band", goal=lambda n: n.rate_wpm,
    noticeable=lambda n: judge.by_pct(n.tempo_noticeable_pct), unsure=_rate_unsure, relative=True, places=EVERYWHERE | {TEAM},
    assess=judge.rate, row=_rate_row,
    check=Check("rate", "speaking rate", 3, 1.4, 1.5, "Your pace sat in the band:",
                {"high": "I'll slow down and let each sentence land.", "low": "I'll keep my sentences short and moving."}),
)
OPENING = Metric(
    "opening_rate_wpm", "Opening pace", "wpm", path="agent.opening.rate_wpm", direction="in-band",
    goal=lambda n: (_flag_low(n), n.opening_max_wpm), noticeable=lambda n: judge.by_pct(n.tempo_noticeable_pct),
    unsure=_opening_unsure, withhold=True, relative=True, places=EVERYWHERE | {TEAM}, assess=judge.opening, row=_opening_row,
    check=Check("opening_pace", "opening pace", 0, 2.0, 2.0, "Your opening was unhurried:",
                {"high": "I'll slow my first sentence and let it land before I ask for anything."}, quotes_opening=True),
)
REGISTRY: list[Metric] = [
    RATE,
    OPENING,
    Metric("opening_vs_rest_pct", "Opening vs rest", "%", path="agent.opening.vs_rest_pct", direction="lower",
           goal=lambda n: n.opening_vs_rest_max_pct, noticeable=lambda n: judge.by_abs(n.tempo_noticeable_pct),
           unsure=_opening_unsure, withhold=True, places=frozenset({COMPARE}),
           target=lambda n: f"{n.opening_vs_rest_max_pct:+g}% or slower"),
    Metric("articulation_sps", "Articulation", "syl/s", "{:.1f}", path="agent.articulation_sps", unsure=_articulation_unsure,
           noticeable=lambda n: judge.by_pct(n.tempo_noticeable_pct), relative=True, note=lambda a: "syllables per second of speech",
           places=frozenset({HEADLINE, COMPARE, BATCH, CSV})),
    Metric("fillers_per_min", "Fillers (um, uh)", "/min", "{:.1f}", path="agent.fillers.per_min", direction="lower", goal=lambda n: 0.0,
           noticeable=lambda n: judge.by_abs(n.fillers_noticeable_per_min), unsure=_fillers_unsure, target=lambda n: "fewer",
           places=frozenset({HEADLINE, COMPARE, BATCH, CSV, TEAM}), row=_fillers_row),
    Metric("latency_median_s", "Latency (median)", "s", "{:.2f}", path="latency.median_s", direction="in-band",
           goal=lambda n: n.latency_s, noticeable=lambda n: judge.by_abs(n.latency_noticeable_s, strict=True),
           unsure=_latency_unsure, places=EVERYWHERE | {TEAM}, assess=judge.latency, row=_latency_row,
           check=Check("latency", "pause before answering", 1, 1.8, 1.8, "You paused calmly before answering:",
                       {"low": "I'll take one quiet breath after the caller stops before I answer.",
                        "high": "I'll say what I'm checking so the line never goes quiet."})),
    Metric("latency_p90_s", "Latency (p90)", "s", "{:.2f}", path="latency.p90_s", unsure=_latency_unsure, places=frozenset({BATCH, CSV})),
    # on agent-only clips without cues first_response_s is time to first word, not a response
    Metric("first_response_s", "First response", "s", "{:.2f}", direction="in-band", goal=lambda n: n.latency_s,
           get=lambda r: None if r("layout") == "mono" else r("first_response_s"),
           noticeable=lambda n: judge.by_abs(n.latency_noticeable_s, strict=True), places=frozenset({HEADLINE, COMPARE, BATCH, CSV}),
           unsure=_latency_unsure, row=_first_response_row),
    Metric("jump_ins", "Jump-ins", "count", path="latency.jump_ins", direction="lower", goal=lambda n: 0.0,
           noticeable=lambda n: judge.by_abs(1), places=frozenset({HEADLINE, COMPARE, BATCH, CSV, PROGRESSION}),
           unsure=_latency_unsure, assess=judge.jumps_stalls, row=_jumps_row,
           check=Check("jump_ins_stalls", "jump-ins/stalls", 2, 1.5, 1.9, "You let the caller finish every time:",
                       {"low": "I'll let the caller finish and count one beat before I speak.",
                        "high": "I'll say what I'm checking instead of going silent."})),
    Metric("stalls", "Stalls", "count", path="latency.stalls", direction="lower", goal=lambda n: 0.0, unsure=_latency_unsure,
           noticeable=lambda n: judge.by_abs(1), places=frozenset({COMPARE, BATCH, CSV, PROGRESSION})),
    Metric("level_median_dbfs", "Level (median)", "dBFS", "{:.1f}", path="agent.level.median_dbfs",
           noticeable=lambda n: judge.by_abs(n.level_noticeable_db), places=EVERYWHERE,
           note=lambda a: f"p10 {_num(a.agent.level.p10_dbfs, '{:.1f}')} / p90 {_num(a.agent.level.p90_dbfs, '{:.1f}')}"),
    Metric("level_trend_db_per_min", "Level trend", "dB/min", "{:+.1f}", path="agent.level.trend_db_per_min", direction="in-band",
           goal=lambda n: (-n.level_trend_max_db_per_min, n.level_trend_max_db_per_min),
           noticeable=lambda n: judge.by_abs(n.trend_noticeable_db_per_min), unsure=_trend_unsure,
           target=lambda n: n.trend_target(), assess=judge.trend, row=_trend_row, places=frozenset({HEADLINE, COMPARE, BATCH, CSV}),
           check=Check("level_trend", "level trend", 4, 1.0, 1.2, "Your voice stayed level:",
                       {"high": "I'll keep my voice low and level when the caller pushes.",
                        "low": "I'll keep my voice up through the close."})),
    Metric("pitch_median_hz", "Pitch (median)", "Hz", path="agent.pitch.median_hz",
           noticeable=lambda n: judge.by_semitones(n.pitch_noticeable_semitones),
           note=lambda a: f"spread {_num(a.agent.pitch.spread_semitones, '{:.1f}')} st (p10-p90)", places=frozenset({HEADLINE, COMPARE, BATCH, CSV})),
    Metric("pitch_spread_semitones", "Pitch spread", "st", "{:.1f}", path="agent.pitch.spread_semitones",
           noticeable=lambda n: judge.by_abs(n.spread_noticeable_semitones), places=frozenset({COMPARE})),
    Metric("talk_ratio", "Talk ratio", "share", "{:.2f}", path="talk_ratio", noticeable=lambda n: judge.by_abs(n.talk_ratio_noticeable),
           places=frozenset({HEADLINE, COMPARE, BATCH, CSV}), row=_talk_row),
    Metric("overtalk_s", "Overtalk", "s", "{:.2f}", path="overtalk_s", direction="lower", goal=lambda n: 0.0,
           noticeable=lambda n: judge.by_abs(n.overtalk_min_s), places=frozenset({COMPARE})),
    Metric("customer_level_dbfs", "Customer level", "dBFS", "{:.1f}", path="customer.level.median_dbfs",
           noticeable=lambda n: judge.by_abs(n.level_noticeable_db), places=frozenset({COMPARE})),
    Metric("customer_pitch_hz", "Customer pitch", "Hz", path="customer.pitch.median_hz",
           noticeable=lambda n: judge.by_semitones(n.pitch_noticeable_semitones), places=frozenset({COMPARE})),
    # the live line's nudges (issue 15): how many the agent followed; shown only on takes that had some
    Metric("nudges_followed", "Live nudges", "count", get=_followed, places=frozenset({HEADLINE, BATCH, CSV}), row=_nudges_row),
]
# one answer's latency (compare, turn by turn): judged like the median, not a take-level number
TURN_LATENCY = Metric("turn_latency_s", "Answer latency", "s", "{:.2f}", direction="in-band", goal=lambda n: n.latency_s,
                      noticeable=lambda n: judge.by_abs(n.latency_noticeable_s, strict=True), places=frozenset())


# --- lookup and registration ---------------------------------------------------------------------


def where(place: str) -> list[Metric]:
    """The registered metrics shown in ``place`` (HEADLINE, COMPARE, ...), in table order."""
    return [m for m in REGISTRY if place in m.places]


def get(name: str) -> Metric:
    """A registered metric (or the per-answer TURN_LATENCY) by name."""
    for m in REGISTRY + [TURN_LATENCY]:
        if m.name == name:
            return m
    raise KeyError(f"no metric named {name!r} in the registry")


def checks() -> list[Metric]:
    """The metrics that are scenario targets, in the TARGETS table's order."""
    return sorted((m for m in REGISTRY if m.check is not None), key=lambda m: m.check.order)


def target_metric(name: str) -> Metric | None:
    """The metric behind a target, by its TargetCheck name (None: no such target)."""
    return next((m for m in checks() if m.check.name == name), None)


def register(metric: Metric) -> None:
    if any(m.name == metric.name for m in REGISTRY):
        raise ValueError(f"a metric named {metric.name!r} is already registered")
    REGISTRY.append(metric)


def unregister(name: str) -> None:
    REGISTRY[:] = [m for m in REGISTRY if m.name != name]


@contextlib.contextmanager
def registered(metric: Metric) -> Iterator[Metric]:
    """``with registered(Metric(...)):`` the metric is in every format, then gone again."""
    register(metric)
    try:
        yield metric
    finally:
        unregister(metric.name)


# --- what consumers iterate ----------------------------------------------------------------------


def flatten(a: Analysis | dict[str, Any], *, trusted: bool = True) -> dict[str, float | None]:
    """{name: value} of every registered metric for one clip (an Analysis or its JSON dict);
    ``trusted``: withheld values None."""
    n = for_analysis(a)
    return {m.name: (m.value(a, n) if trusted else m.read(a)) for m in REGISTRY}


def marks(a: Analysis | dict[str, Any]) -> dict[str, str]:
    """{name: why it is unsure} for the metrics in doubt on this clip (an Analysis or its JSON dict:
    the level trend's doubt needs the Analysis)."""
    n = for_analysis(a)
    return {m.name: why for m in REGISTRY if (why := m.doubt(a, n))}


def headline_rows(a: Analysis, norms: Norms | None = None) -> list[Row]:
    """The headline, one Row per metric shown there, judged against ``norms`` (default: the clip's
    scenario card's norms when it was coached, else the default phone bands)."""
    n = norms or for_analysis(a)
    rows = []
    for m in where(HEADLINE):
        row = m.row(a, m, n) if m.row is not None else _default_row(a, m, n)
        if row is not None:
            rows.append(dataclasses.replace(row, metric=m.name))
    return rows


def _default_row(a: Analysis, m: Metric, n: Norms) -> Row:
    v = m.read(a)
    doubt = m.doubt(a, n)
    value = m.text(v) + ("?" if doubt and v is not None else "")
    if m.goal is None:
        return Row(m.label, value, f"unsure: {doubt}" if doubt else m.note(a) if m.note else "", "", doubt is not None)
    verdict = judge.assess(m, a, n)
    note = f"unsure: {doubt}" if doubt else f"target {verdict.target}" + (f" ({verdict.word or verdict.status})" if verdict.status else "")
    return Row(m.label, value, note, verdict.status, doubt is not None)


def row_value(row: Any, name: str) -> float | None:
    """A batch row's value of metric ``name``: its own column (schema 1) or ``extra_metrics``."""
    if name in {f.name for f in dataclasses.fields(row)}:
        return getattr(row, name)
    return (getattr(row, "extra_metrics", None) or {}).get(name)


def batch_values(a: Analysis) -> dict[str, float | None]:
    """{name: value} of the metrics a batch row carries (withheld values None)."""
    n = for_analysis(a)
    return {m.name: m.value(a, n) for m in where(BATCH)}

