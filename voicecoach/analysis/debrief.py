"""The debrief: exactly two strengths and one micro-adjustment, plus a tiny commitment.

Every candidate point rests on a checked target (a number) or a quoted phrase with its time. Each
has a weight for how much it shows and is scored by how close its skill is to the card: the
card's one skill x3, its other skill tags x2, anything else x1. The best candidate wins; the
second strength prefers another skill (x0.6 for the same one) so the agent hears two different
things that worked. Ties break on a fixed order, so a clip always gets the same debrief.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import metrics
from ..clock import mmss as _at
from ..results import Analysis, Debrief, DebriefPoint, EvidenceItem, TargetCheck
from . import judge
from .evidence import found

SAME_SKILL_FACTOR = 0.6
CLOSE_FACTOR = 0.5

TARGET_SKILL = "pacing"
# How much each met target shows, how much each miss costs and what to commit to: the registry's
# Check of each target metric (voicecoach/metrics.py).
EVIDENCE_SKILL = {
    "acknowledgment": "acknowledgment", "options": "options", "next_steps": "expectation-setting",
    "risks.blame": "acknowledgment", "risks.jargon": "expectation-setting", "risks.vague": "expectation-setting",
    "risks.overpromise": "expectation-setting", "ace.curiosity": "acknowledgment", "ace.empowerment": "options",
}
RISK_COST = {"overpromise": 2.2, "blame": 2.0, "vague": 1.6, "jargon": 1.0}
MISSING_COST = {
    ("options", "offer"): 1.7, ("options", "second_option"): 1.7, ("acknowledgment", "impact"): 1.6,
    ("next_steps", "expectation"): 1.6, ("acknowledgment", "apology"): 1.5, ("next_steps", "summary"): 1.2,
    ("acknowledgment", "validation"): 1.0, ("ace", "curiosity"): 0.9, ("next_steps", "ownership"): 0.8,
    ("acknowledgment", "name"): 0.5,
}
COMMITMENT = {
    "risks.overpromise": "I'll promise only what I control, with a time I can keep.",
    "risks.blame": "I'll own the problem instead of placing it.",
    "risks.vague": "I'll name who will do what, and by when.",
    "risks.jargon": "I'll say it in the caller's words, not ours.",
    "acknowledgment.apology": "I'll open with a sincere apology before anything else.",
    "acknowledgment.impact": "I'll name what the wait cost the caller in my first sentence.",
    "acknowledgment.validation": "I'll name the feeling I hear before I solve.",
    "acknowledgment.name": "I'll use the caller's name once, early.",
    "options.offer": "I'll pause a beat before offering two options.",
    "options.second_option": "I'll pause a beat before offering two options.",
    "next_steps.expectation": "I'll give one explicit time the caller can plan around.",
    "next_steps.summary": "I'll close with a one-sentence summary of what happens next.",
    "next_steps.ownership": "I'll say what I will do next, in the first person.",
    "ace.curiosity": "I'll ask one open question before I offer options.",
    "rewind": "I'll rerun my opening line once, a beat slower, and listen to how it lands.",
}
SUGGEST = {
    ("acknowledgment", "apology"): "open with a sincere apology",
    ("acknowledgment", "impact"): "name what the wait cost the caller",
    ("acknowledgment", "validation"): "name the feeling you hear ('that is stressful')",
    ("acknowledgment", "name"): "use the caller's name once",
    ("options", "offer"): "offer two concrete options the caller can choose between",
    ("options", "second_option"): "add a second option so the caller has a real choice",
    ("next_steps", "expectation"): "give a time the caller can plan around ('by noon tomorrow')",
    ("next_steps", "summary"): "close with a one-sentence summary ('to sum up, ...')",
    ("next_steps", "ownership"): "say what you will do next ('I will...')",
    ("ace", "curiosity"): "ask one open question ('What would help most today?')",
}


# Where a missing behaviour belonged: acknowledgment opens the call, options answer the problem,
# expectations and the summary close it.
ANCHOR = {"offer": "middle", "second_option": "middle", "expectation": "last", "summary": "last", "ownership": "middle"}
ANCHOR_WORDS = 8


def _anchor(a: Analysis, which: str) -> tuple[str, float | None]:
    """'your first answer '...' (0:07.4)' for the agent turn where a missing behaviour belonged."""
    answers = [t for t in a.turns if t.speaker == "agent" and not t.backchannel and t.text]
    if not answers:
        return "your next take", None
    pick = {"first": 0, "middle": min(1, len(answers) - 1), "last": len(answers) - 1}[which]
    t = answers[pick]
    words = t.text.split()
    quote = " ".join(words[:ANCHOR_WORDS]) + (" ..." if len(words) > ANCHOR_WORDS else "")
    role = {0: "your first answer"}.get(pick, "your last answer" if pick == len(answers) - 1 else "your next answer")
    return f"{role} '{quote}' ({_at(t.start_s)})", t.start_s


@dataclass(frozen=True)
class _Candidate:
    score: float
    order: int  # fixed tie-break: earlier candidates win ties
    point: DebriefPoint
    commitment: str


def _quote(item: EvidenceItem) -> str:
    return f"'{item.quote}' ({_at(item.start_s)})"


def _weight(skill: str, card) -> float:
    return 3.0 if skill == card.skill else 2.0 if skill in card.skill_tags else 1.0


def _skill(category: str, label: str) -> str:
    return EVIDENCE_SKILL.get(f"{category}.{label}", EVIDENCE_SKILL.get(category, "acknowledgment"))


def _target_commitment(t: TargetCheck, a: Analysis, card) -> str:
    """The commitment for a missed target, on the side of the goal the measured number lies
    (the judge's Verdict.side against the card's norms: a latency under the calm band asks for a
    breath, over it for saying what you are doing)."""
    m = metrics.target_metric(t.name)
    side = judge.assess(m, a, card.norms).side
    return m.check.commitment.get(side) or next(iter(m.check.commitment.values()))


def _strengths(a: Analysis, card, targets: list[TargetCheck], ev, softened_at: float | None, tone_note: str) -> list[_Candidate]:
    out: list[_Candidate] = []
    add = lambda w, skill, text, source, t=None: out.append(  # noqa: E731
        _Candidate(w * _weight(skill, card), len(out), DebriefPoint(text, skill, source, t), "")
    )
    op = a.agent.opening
    for t in targets:
        if t.status == "met":
            c = metrics.target_metric(t.name).check
            if c.quotes_opening and op is not None:
                add(c.strength, TARGET_SKILL, f"{c.lead} '{op.text}' ({_at(op.start_s)}): {t.reason}.", f"target.{t.name}", op.start_s)
            else:
                add(c.strength, TARGET_SKILL, f"{c.lead} {t.reason}.", f"target.{t.name}")
    apology, impact = found(ev, "acknowledgment", "apology"), found(ev, "acknowledgment", "impact")
    if apology and impact:
        first = min(apology + impact, key=lambda i: i.start_s)
        text = f"You apologised and named the impact: {_quote(first)}"
        if impact[0].quote != first.quote:
            text += f", then {_quote(impact[0])}"
        add(2.1, "acknowledgment", text + ".", "acknowledgment.impact", first.start_s)
    elif apology:
        add(1.6, "acknowledgment", f"You apologised: {_quote(apology[0])}.", "acknowledgment.apology", apology[0].start_s)
    elif impact:
        add(1.9, "acknowledgment", f"You named the impact on the caller: {_quote(impact[0])}.", "acknowledgment.impact", impact[0].start_s)
    if val := found(ev, "acknowledgment", "validation"):
        add(1.5, "acknowledgment", f"You validated the feeling: {_quote(val[0])}.", "acknowledgment.validation", val[0].start_s)
    if name := found(ev, "acknowledgment", "name"):
        add(1.0, "acknowledgment", f"You used the caller's name {len(name)}x, first at {_at(name[0].start_s)}.", "acknowledgment.name", name[0].start_s)
    offers, second = found(ev, "options", "offer"), found(ev, "options", "second_option")
    if offers and second:
        add(2.0, "options", f"You offered two options: {_quote(offers[0])} and {_quote(second[0])}.", "options.second_option", offers[0].start_s)
    elif offers:
        add(1.0, "options", f"You offered an option: {_quote(offers[0])}.", "options.offer", offers[0].start_s)
    for label, w, lead in (("expectation", 1.8, "You set an explicit expectation"), ("summary", 1.6, "You closed with a summary"),
                           ("ownership", 0.8, "You owned the next step")):
        if hits := found(ev, "next_steps", label):
            add(w, "expectation-setting", f"{lead}: {_quote(hits[-1] if label == 'expectation' else hits[0])}.", f"next_steps.{label}", hits[0].start_s)
    if cur := found(ev, "ace", "curiosity"):
        add(1.3, "acknowledgment", f"You asked an open question: {_quote(cur[0])}.", "ace.curiosity", cur[0].start_s)
    if softened_at is not None:
        add(1.7, "acknowledgment", tone_note[:1].upper() + tone_note[1:] + ": what you said there landed.", "customer_tone", softened_at)
    # Always-available, low-weight facts so there are two strengths on any clip with words.
    lat = a.latency
    if lat is not None and lat.values_s and lat.jump_ins == 0 and lat.stalls == 0 and lat.confidence == "high":  # edges in doubt: no praise
        n = len(lat.values_s)
        add(0.2, TARGET_SKILL, f"You let the caller finish and answered without stalling: {n} answer{'s' if n != 1 else ''}, "
            f"the first {lat.values_s[0]:.2f} s after they stopped.", "latency.answers")
    if op is not None and op.basis == "sentence end" and op.words and op.confidence == "high":  # no praise for words in doubt
        add(0.15, TARGET_SKILL, f"You opened with a complete sentence: '{op.text}' ({_at(op.start_s)}).", "opening", op.start_s)
    add(0.1, TARGET_SKILL, f"You carried the scene: {a.agent.words} word{'s' if a.agent.words != 1 else ''} over {a.agent.speaking_s:.1f} s of speech.", "agent.words")
    return out


def _adjustments(a: Analysis, card, targets: list[TargetCheck], ev) -> list[_Candidate]:
    out: list[_Candidate] = []

    def add(w, skill, text, source, commitment, t=None):
        out.append(_Candidate(w * _weight(skill, card), len(out), DebriefPoint(text, skill, source, t), commitment))

    op = a.agent.opening
    for t in targets:
        if t.status in ("missed", "close"):
            c = metrics.target_metric(t.name).check
            w = c.miss * (CLOSE_FACTOR if t.status == "close" else 1.0)
            quote = c.quotes_opening and op is not None
            start = op.start_s if quote else None
            text = f"Slow the opening '{op.text}' ({_at(start)}): {t.reason}." if quote else t.reason[:1].upper() + t.reason[1:] + "."
            add(w, TARGET_SKILL, text, f"target.{t.name}", _target_commitment(t, a, card), start)
    boundary = "boundary-setting" if "boundary-setting" in card.skill_tags else "expectation-setting"
    for label, cost in RISK_COST.items():
        if hits := found(ev, "risks", label):
            skill = boundary if label == "overpromise" else _skill("risks", label)
            what = {"overpromise": "Drop the overpromise", "blame": "Leave out the blame", "vague": "Replace the vague hand-off",
                    "jargon": "Swap the jargon for plain words"}[label]
            quotes = " and ".join(_quote(h) for h in hits[:2])
            add(cost, skill, f"{what}: {quotes}; {card.constraint[:1].lower() + card.constraint[1:]}"
                if label == "overpromise" else f"{what}: {quotes}.", f"risks.{label}", COMMITMENT[f"risks.{label}"], hits[0].start_s)
    has_offer = bool(found(ev, "options", "offer"))
    for (category, label), cost in MISSING_COST.items():
        if label == "second_option" and not has_offer:
            continue  # "no option at all" already says it
        if label == "name" and not card.customer_name:
            continue
        items = [i for i in ev.get(category, []) if i.label == label]
        if items and not any(i.found for i in items):
            note = items[0].note
            where, start = _anchor(a, ANCHOR.get(label, "first"))
            add(cost, _skill(category, label), f"{note[:1].upper() + note[1:]}; in {where}, {SUGGEST[(category, label)]}.",
                f"{category}.{label}", COMMITMENT[f"{category}.{label}"], start)
    return out


def _clashes(source: str) -> set[str]:
    """Strength sources an adjustment contradicts: the fix of a target that quotes the opening
    sentence, and the praise of that same sentence."""
    m = metrics.target_metric(source.removeprefix("target.")) if source.startswith("target.") else None
    if m is not None and m.check.quotes_opening:
        return {"opening"}
    return set()


def _best(cands: list[_Candidate]) -> _Candidate:
    return max(cands, key=lambda c: (round(c.score, 6), -c.order))


def build(a: Analysis, card, targets: list[TargetCheck], ev: dict[str, list[EvidenceItem]],
          softened_at: float | None = None, tone_note: str = "") -> Debrief:
    """Two strengths, one micro-adjustment and its tiny commitment for one clip against one card.

    With no agent words there is nothing to praise or fix: no strengths, and a note saying why.
    """
    if a.agent.words == 0:
        why = ("no agent speech was found in this clip" if a.agent.speaking_s == 0
               else "speech was found but Whisper recognised no agent words")
        return Debrief([], None, None, note=f"Nothing to debrief: {why}. Check --agent-channel and the recording level, then record again.")
    fixes = _adjustments(a, card, targets, ev)
    strong = _strengths(a, card, targets, ev, softened_at, tone_note)
    if fixes:  # never praise the very line the adjustment asks to change
        clash = _clashes(_best(fixes).point.source)
        kept = [c for c in strong if c.point.source not in clash]
        strong = kept if len(kept) >= 2 else strong
    first = _best(strong)
    rest = [c for c in strong if c is not first]
    rest = [_Candidate(c.score * (SAME_SKILL_FACTOR if c.point.skill == first.point.skill else 1.0), c.order, c.point, c.commitment) for c in rest]
    points = [first.point] + ([_best(rest).point] if rest else [])
    # a take of a line or two can hold a single thing worth praising: say so rather than invent one
    note = None if rest else (f"Only one strength to name: {a.agent.words} agent word{'s' if a.agent.words != 1 else ''} "
                              f"in {a.duration_s:.1f} s is too little of the scene for a second; record the whole scene.")
    if fixes:
        fix = _best(fixes)
        return Debrief(points, fix.point, fix.commitment, note=note)
    op = a.agent.opening
    quote = f"'{op.text}' ({_at(op.start_s)})" if op and op.text else "your opening line"
    point = DebriefPoint(f"Every target and cue on this card was met; for the rewind, retry {quote} a touch slower and listen to how it lands.",
                         TARGET_SKILL, "rewind", op.start_s if op else None)
    return Debrief(points, point, COMMITMENT["rewind"], note=note)
