"""Who is the agent on a stereo call: which channel, decided from what each channel said and when.

Pure functions over both channels' transcripts and speech onsets (both are transcribed anyway), so
the decision costs no second Whisper pass. Evidence, each a signed vote for "the right channel is
the agent" (negative: the left one):

- the scenario card's caller lines: the channel whose transcript repeats the card's
  ``customer_lines`` (shared word pairs) is the caller (a strong vote, 3);
- agent and caller phrases: greetings, apologies, "thank you for calling/holding/your patience",
  "how can I help", options, "let me ..." mark the agent; "I have been on hold", "I already tried",
  "my internet" mark the caller (one vote per net phrase, at most 3);
- who opens: in a roleplay the caller opens the scene (a weak vote, 1);
- played cues (a practice take's sidecar): the channel that carries the cues is the caller (3);
- one silent channel: the channel with words is taken as the agent (a weak vote, 1).

The decision is high confidence when the votes add up to 2 or more and no more than 1 points the
other way; otherwise low (and the report says so). Without any evidence the left channel stays the
agent, as it did before ``auto`` existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from ..results import AgentChannel, Segment
from . import textnorm

CHANNELS = ("left", "right")
CARD_STRONG_SHARE = 0.30  # the caller repeats the card's lines: most of its word pairs come back
CARD_STRONG_MARGIN = 0.20  # ...and clearly more of them than the agent echoes ("twelve minutes")
CARD_WEAK_SHARE = 0.15
CARD_WEAK_MARGIN = 0.10
CARD_VOTE = 3
PHRASE_VOTE_MAX = 3
OPENER_LEAD_S = 0.5  # the first channel to speak must lead by this much to count as the opener
OPENER_VOTE = 1
CUE_VOTE = 3
CUE_SHARE_MARGIN = 0.3  # share of each channel's speech inside the played cues
SILENT_VOTE = 1
HIGH_SCORE = 2
HIGH_AGAINST_MAX = 1

AGENT_PHRASES = (
    "thank you for calling", "thanks for calling", "thank you for holding", "thanks for holding",
    "thank you for waiting", "thanks for waiting", "thank you for your patience", "thanks for your patience",
    "how can i help", "how may i help", "how can i assist", "what can i do for you", "i am sorry", "sorry you",
    "sorry for the wait", "i apologize", "i apologise", "apologies", "let me", "one moment", "please hold",
    "bear with me", "i can offer", "i can send", "i can book", "i can arrange", "would you like",
    "would you prefer", "two options", "another option", "anything else", "my name is", "your account",
    "your call", "i understand",
)  # fmt: skip
CALLER_PHRASES = (
    "i have been on hold", "i have been waiting", "i already tried", "i tried", "i called", "my internet",
    "my bill", "my order", "my refund", "my account", "my appointment", "i want to speak",
)  # fmt: skip


@dataclass(frozen=True)
class Heard:
    """What one channel said: its transcript words (in order) and when its first worded speech began."""

    words: tuple[str, ...]
    first_onset_s: float | None  # None: no words on this channel
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class Vote:
    """One piece of evidence: positive points say the right channel is the agent."""

    points: int
    reason: str


def _phrase_hits(tokens: list[str], phrases: tuple[str, ...]) -> int:
    return sum(len(textnorm.find_all(tokens, textnorm.normalize_phrase(p))) for p in phrases)


def _pairs(tokens: list[str]) -> set[tuple[str, str]]:
    return set(pairwise(tokens))


def card_vote(left: Heard, right: Heard, customer_lines: list[str] | tuple[str, ...]) -> Vote | None:
    """Share of the card's caller word pairs heard on each channel; the caller repeats them."""
    card: set[tuple[str, str]] = set()
    for line in customer_lines:
        card |= _pairs(textnorm.tokenize(line.split())[0])
    if not card:
        return None
    share = [len(card & _pairs(textnorm.tokenize(list(h.words))[0])) / len(card) for h in (left, right)]
    hi, lo = max(share), min(share)
    caller = CHANNELS[share.index(hi)]
    sign = 1 if caller == "left" else -1  # the caller on the left: the agent is on the right
    how = f"the card's caller lines are heard on the {caller} channel ({hi:.0%} of their word pairs vs {lo:.0%})"
    if hi >= CARD_STRONG_SHARE and hi - lo >= CARD_STRONG_MARGIN:
        return Vote(sign * CARD_VOTE, how)
    if hi >= CARD_WEAK_SHARE and hi - lo >= CARD_WEAK_MARGIN:
        return Vote(sign, how)
    return None


def phrase_vote(left: Heard, right: Heard) -> Vote | None:
    """Net agent phrases (greeting, apology, options, "let me") minus caller phrases per channel."""
    lean = []
    for h in (left, right):
        tokens = textnorm.tokenize(list(h.words))[0]
        lean.append((_phrase_hits(tokens, AGENT_PHRASES), _phrase_hits(tokens, CALLER_PHRASES)))
    net = (lean[1][0] - lean[1][1]) - (lean[0][0] - lean[0][1])
    if net == 0:
        return None
    agent = "right" if net > 0 else "left"
    points = max(-PHRASE_VOTE_MAX, min(PHRASE_VOTE_MAX, net))
    (la, lc), (ra, rc) = lean
    return Vote(points, f"agent's lines on the {agent} channel (agent/caller phrases: left {la}/{lc}, right {ra}/{rc})")


def opener_vote(left: Heard, right: Heard) -> Vote | None:
    """The caller usually opens a roleplay scene; the channel that speaks clearly first is the caller."""
    a, b = left.first_onset_s, right.first_onset_s
    if a is None or b is None or abs(a - b) < OPENER_LEAD_S:
        return None
    opener = "left" if a < b else "right"
    return Vote(OPENER_VOTE if opener == "left" else -OPENER_VOTE, f"the {opener} channel opens the call (the caller usually does)")


def silent_vote(left: Heard, right: Heard) -> Vote | None:
    if (left.first_onset_s is None) == (right.first_onset_s is None):
        return None
    talker = "left" if right.first_onset_s is None else "right"
    return Vote(SILENT_VOTE if talker == "right" else -SILENT_VOTE, f"only the {talker} channel has words")


def _overlap_s(segments: tuple[Segment, ...], windows: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(s.end_s, b) - max(s.start_s, a)) for s in segments for a, b in windows)


def cue_vote(left: Heard, right: Heard, cues: list[tuple[float, float]] | tuple[tuple[float, float], ...]) -> Vote | None:
    """A practice take's played customer lines: the channel whose speech falls inside them is the caller."""
    if not cues:
        return None
    share = []
    for h in (left, right):
        total = sum(s.end_s - s.start_s for s in h.segments)
        share.append(_overlap_s(h.segments, list(cues)) / total if total > 0 else 0.0)
    if abs(share[0] - share[1]) < CUE_SHARE_MARGIN:
        return None
    caller = "left" if share[0] > share[1] else "right"
    return Vote(CUE_VOTE if caller == "left" else -CUE_VOTE, f"the played caller cues are on the {caller} channel")


def evidence(left: Heard, right: Heard, *, customer_lines=(), cues=()) -> list[Vote]:
    """Every vote the two channels give (see the module docstring for the weights)."""
    votes = [
        card_vote(left, right, customer_lines),
        cue_vote(left, right, cues),
        phrase_vote(left, right),
        opener_vote(left, right),
        silent_vote(left, right),
    ]
    return [v for v in votes if v is not None]


@dataclass(frozen=True)
class Verdict:
    """What the evidence says: the agent's channel (None: no evidence), its confidence and why."""

    channel: str | None
    confidence: str  # "high" or "low"
    basis: str


def weigh(votes: list[Vote]) -> Verdict:
    """Sum the votes: high confidence at 2 or more points with at most 1 point against."""
    score = sum(v.points for v in votes)
    if score == 0:
        why = "; ".join(v.reason for v in votes) if votes else "no words on either channel"
        return Verdict(None, "low", f"no evidence either way ({why})")
    channel = "right" if score > 0 else "left"
    against = sum(abs(v.points) for v in votes if (v.points > 0) != (score > 0))
    high = abs(score) >= HIGH_SCORE and against <= HIGH_AGAINST_MAX
    ordered = sorted(votes, key=lambda v: -abs(v.points))
    return Verdict(channel, "high" if high else "low", "; ".join(v.reason for v in ordered))


def choose(requested: str, sidecar: str | None, verdict: Verdict) -> tuple[AgentChannel, list[str]]:
    """The agent's channel by precedence (an explicit left/right > the sidecar's > the evidence)
    and the warnings to show: a setting the evidence contradicts with high confidence (channels look
    swapped), an automatic choice with low confidence."""
    warnings: list[str] = []
    if requested in CHANNELS or sidecar in CHANNELS:
        channel, by = (requested, "option") if requested in CHANNELS else (sidecar, "sidecar")
        setting = f"--agent-channel {channel}" if by == "option" else f"the sidecar's agent_channel {channel}"
        if requested in CHANNELS and sidecar in CHANNELS and sidecar != requested:
            warnings.append(f"--agent-channel {requested} overrides the sidecar's agent_channel {sidecar}")
        if verdict.channel is not None and verdict.channel != channel and verdict.confidence == "high":
            other = verdict.channel
            warnings.append(
                f"channels look swapped: {setting} was used, but the recording says the agent is on the {other} "
                f"channel ({verdict.basis}); if so, the caller was coached as the agent: rerun with "
                f"--agent-channel {other} (or --agent-channel auto)"
            )
            return AgentChannel(channel, by, f"contradicted by the recording: {verdict.basis}", "low"), warnings
        agrees = "the recording agrees" if verdict.channel == channel else "the recording does not say otherwise"
        return AgentChannel(channel, by, f"{agrees}: {verdict.basis}", "high"), warnings
    if verdict.channel is None:
        warnings.append(
            f"could not tell which channel is the agent ({verdict.basis}): the left channel was taken as the agent "
            "(low confidence); pass --agent-channel left or right if that is wrong"
        )
        return AgentChannel("left", "auto", f"default: {verdict.basis}", "low"), warnings
    if verdict.confidence == "low":
        warnings.append(
            f"agent channel chosen automatically with low confidence: {verdict.channel} ({verdict.basis}); "
            f"pass --agent-channel {verdict.channel} or {'left' if verdict.channel == 'right' else 'right'} to be sure"
        )
    return AgentChannel(verdict.channel, "auto", verdict.basis, verdict.confidence), warnings


def describe(choice: AgentChannel) -> str:
    """One line for every report format: which channel is the agent, chosen how, how sure."""
    how = {"auto": "chosen automatically", "option": "set by --agent-channel", "sidecar": "set by the take's sidecar"}
    return f"agent on the {choice.channel} channel ({how.get(choice.chosen_by, choice.chosen_by)}, {choice.confidence} confidence: {choice.basis})"
