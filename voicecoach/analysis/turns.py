"""Turns, response latency, talk ratio and overtalk, from both parties' signal segments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..norms import DEFAULT
from ..results import Latency, Segment

# the definitions (with their sources) are norms: norms.py
BACKCHANNEL_MAX_S = DEFAULT.backchannel_max_s
BACKCHANNEL_MAX_WORDS = DEFAULT.backchannel_max_words
JUMP_IN_S = DEFAULT.jump_in_s
STALL_S = DEFAULT.stall_s
OVERTALK_MIN_S = DEFAULT.overtalk_min_s
MONO_TURN_GAP_S = 1.5  # agent-only clips: a silence this long is where the caller would speak


@dataclass(frozen=True)
class RawTurn:
    """A run of one speaker's segments, uninterrupted by the other speaker."""

    speaker: str
    segments: tuple[int, ...]  # indices into that speaker's segment list
    start_s: float
    end_s: float


def build_turns(parties: dict[str, list[Segment]], *, split_gap_s: float | None = None) -> list[RawTurn]:
    """Group segments into turns in time order: a turn ends when the other party starts speaking.

    With one party only, ``split_gap_s`` splits its speech into turns at long silences.
    """
    items = sorted(
        ((seg.start_s, speaker, i, seg) for speaker, segs in parties.items() for i, seg in enumerate(segs)),
        key=lambda t: (t[0], t[1]),
    )
    turns: list[RawTurn] = []
    for start, speaker, i, seg in items:
        last = turns[-1] if turns else None
        same = last is not None and last.speaker == speaker
        if same and split_gap_s is not None and start - last.end_s >= split_gap_s:
            same = False
        if same:
            turns[-1] = RawTurn(speaker, last.segments + (i,), last.start_s, max(last.end_s, seg.end_s))
        else:
            turns.append(RawTurn(speaker, (i,), start, seg.end_s))
    return turns


def is_backchannel(turn: RawTurn, word_count: int) -> bool:
    return turn.speaker == "agent" and turn.end_s - turn.start_s <= BACKCHANNEL_MAX_S and word_count <= BACKCHANNEL_MAX_WORDS


def latencies(turns: list[RawTurn], backchannel: list[bool]) -> list[float | None]:
    """Response latency per turn: agent onset minus the end of the customer's preceding speech, for
    each customer->agent change (negative = overlap); None for every other turn and for backchannels,
    which neither answer nor end the customer's turn."""
    out: list[float | None] = [None] * len(turns)
    customer_end: float | None = None
    for k, turn in enumerate(turns):
        if turn.speaker == "customer":
            customer_end = turn.end_s if customer_end is None else max(customer_end, turn.end_s)
        elif not backchannel[k]:
            if customer_end is not None:
                out[k] = round(turn.start_s - customer_end, 3)
            customer_end = None
    return out


def latency_confidence(snr_db: float | None, *, lossy: bool) -> tuple[str, str | None]:
    """("high", None), or ("low", reason) when a lossy-compressed file carries speech under
    pacing.NOISY_RATE_SNR_DB above line noise (``snr_db``: the lower of the two parties'). The coder
    keeps the noise in some frames and drops it in others, so pause edges move: on the three
    real-voice calls with -40/-45 dBFS noise saved as 32 kbps MP3, answers read up to 0.62 s off
    (0.31 s, 0.25 s, 0.18 s in others), where the same noise in WAV stays within 0.08 s."""
    from .pacing import NOISY_RATE_SNR_DB

    if not lossy or snr_db is None or snr_db >= NOISY_RATE_SNR_DB:
        return "high", None
    return "low", (f"speech only {snr_db:.0f} dB above the line noise in a lossy-compressed file: pause edges "
                   "move by up to 0.6 s there; record WAV, or quieter lines, for exact latencies")


def latency_stats(values: list[float]) -> Latency | None:
    """Median, p10 and p90 of response latencies in seconds; jump-ins (under JUMP_IN_S, overlaps
    included) and stalls (over STALL_S) counted."""
    if not values:
        return None
    arr = np.asarray(values, dtype=float)
    return Latency(
        values_s=[round(float(v), 3) for v in arr],
        median_s=float(np.median(arr)),
        p10_s=float(np.percentile(arr, 10)),
        p90_s=float(np.percentile(arr, 90)),
        jump_ins=int(np.sum(arr < JUMP_IN_S)),
        stalls=int(np.sum(arr > STALL_S)),
    )


def overlaps(a: list[Segment], b: list[Segment]) -> list[Segment]:
    """Stretches where both parties are active."""
    out, j = [], 0
    for seg in a:
        while j < len(b) and b[j].end_s <= seg.start_s:
            j += 1
        k = j
        while k < len(b) and b[k].start_s < seg.end_s:
            lo, hi = max(seg.start_s, b[k].start_s), min(seg.end_s, b[k].end_s)
            if hi > lo:
                out.append(Segment(lo, hi))
            k += 1
    return out


def overtalk_s(agent: list[Segment], customer: list[Segment]) -> float:
    """Seconds both channels are active, counting only overlaps of OVERTALK_MIN_S or more."""
    return float(sum(o.duration_s for o in overlaps(agent, customer) if o.duration_s >= OVERTALK_MIN_S))


def talk_ratio(agent_s: float, customer_s: float) -> float | None:
    """Agent share of all speaking time, 0-1."""
    total = agent_s + customer_s
    return agent_s / total if total > 0 else None


def first_response_s(onset_s: float | None, customer: list[Segment]) -> float | None:
    """From the end of the customer's speech before the agent's first real turn (a backchannel
    does not count) or from the clip start, to that turn's onset ``onset_s``."""
    if onset_s is None:
        return None
    onset = onset_s
    before = [s for s in customer if s.start_s < onset]
    if not before:
        return onset
    return onset - max(s.end_s for s in before)
