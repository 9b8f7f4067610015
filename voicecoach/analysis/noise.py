"""How precisely each compared metric is measured on one clip: its noise, from what limits it.

``compare`` calls a change noticeable only when it is larger than what a listener hears (judge.py)
and larger than the two takes' noise together (root sum of squares: the two measurements err
independently). The same take saved as WAV, MP3 or through a phone line must never read as a
change. Pure: an Analysis in, one ``Noise`` (a +/- half-width in the metric's own unit, and the
reason in words) per metric out.

What limits each number, and the formula (W words, S seconds of speech, e the edge resolution):

- word counts: Whisper keeps or drops a word between copies of one take: +/-1 word, plus every word
  a turn with speech but no recognised words may hold (its speech time x the speaker's rate).
- edges (onsets/offsets): e = sqrt(EDGE_CLEAN_S^2 + shift^2); shift = the dB by which the noise
  floor lifts the hold threshold (activity.py: floor + 6 dB over loud - 45 dB) / EDGE_FADE_DB_PER_S.
- rate_wpm: R * sqrt((dW / W)^2 + (e * sqrt(2 n_segments) / S)^2)
- opening_rate_wpm: the same on the opening's words and span (2 edges): a 5-word opening is +/-20%.
- opening_vs_rest_pct: 100 (R_open / R_rest) * sqrt(rel_open^2 + rel_rest^2)
- articulation_sps: +/-1 syllable nucleus, +/-10% of them in the telephone band or line noise.
- latencies: two edges of two parties: sqrt(e_agent^2 + e_customer^2).
- jump_ins / stalls: the number of latencies within their noise of the 0.2 s / 3 s thresholds.
- level_median_dbfs: 0.5 dB, plus 0.05 dB per dB of lifted threshold (quiet frames drop out), plus
  8 dB for a clip at 8 kHz or less (a phone line's 300-3400 Hz band removes F0 and low harmonics).
- level_trend_db_per_min: the slope's standard error, wander / sqrt(sum (t - mean t)^2) over the
  2 s windows the trend is fitted to (wander 3 dB; 4.2 dB in the telephone band).
- pitch: 0.2 semitones; in the telephone band 2 semitones for the median (F0 below 300 Hz is
  tracked from its harmonics) and the whole spread for the spread (octave jumps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..norms import DEFAULT
from ..results import Analysis, Segment
from . import loudness, turns

SNR_CLEAN_DB = 60.0  # a floor of digital silence reads -200 dBFS: cap the SNR where it stops mattering
EDGE_CLEAN_S = 0.05  # onsets/offsets move this much between WAV, MP3 and 8 kHz copies of one real call
# (0.04 s on the real-voice test call); activity frames are 20 ms at a 10 ms hop
HOLD_MARGIN_DB = 51.0  # activity.HOLD_BELOW_LOUD_DB + HOLD_ABOVE_FLOOR_DB: below this SNR the floor lifts the hold level
EDGE_FADE_DB_PER_S = 100.0  # word edges fade about 10 dB per 100 ms: in -45 dBFS line noise (SNR 33 dB)
# this gives 0.18 s per edge, as the 0.16-0.40 s late latencies of issue 11 on real speech
WORDS_FLIP = 1.0  # Whisper keeps or drops one word between copies of a take
LEVEL_BASE_DB = 0.5  # the median level moved 0.5 dB between a WAV and its 64 kbit/s MP3 (real-voice call)
LEVEL_DB_PER_LIFTED_DB = 0.05  # quiet frames drop out of speech as the floor lifts: +0.9 dB at 17.6 dB lifted
NARROWBAND_MAX_HZ = 8000  # a file at 8 kHz or less came through a telephone line (300-3400 Hz)
NARROWBAND_LEVEL_DB = 8.0  # the line's band removed 5.4 dB (agent, 200 Hz voice) and 6.7 dB (caller, 96 Hz)
NARROWBAND_PITCH_SEMITONES = 2.0  # median F0 moved 1.1 and 1.6 st through the phone band (real-voice call)
PITCH_BASE_SEMITONES = 0.2
NUCLEI_FLIP = 1.0
FILLER_FLIP = 1.0  # one borderline filler is found in a WAV and missed in its MP3 (bench/fillers.py)
FILLER_MISS_SHARE = 0.08  # the detector finds 92-94% of filled pauses (bench/fillers.py)
NUCLEI_DEGRADED_SHARE = 0.10  # nuclei count moved 9% through the phone band and in -45 dBFS line noise
LEVEL_WINDOW_SD_DB = 3.0  # the median level of 2 s windows of running speech wanders about 3 dB
NARROWBAND_WINDOW_SD_DB = 3.0  # ...and the phone band takes a share of each window that varies with its
# words (the trend of the real-voice call moved 9 dB/min through the phone band)


@dataclass(frozen=True)
class Noise:
    """A metric's noise on one clip: +/- ``value`` in the metric's unit, and why (``basis``)."""

    value: float
    basis: str


def _snr(a: Analysis, party: str) -> float:
    if a.recording is None or party not in a.recording.snr_db:
        return SNR_CLEAN_DB  # hand-built analyses and old results: assume a clean recording
    return min(a.recording.snr_db[party], SNR_CLEAN_DB)


def lifted_db(a: Analysis, party: str) -> float:
    """How far the noise floor lifts the level that holds speech open (0 on a clean recording)."""
    return max(0.0, HOLD_MARGIN_DB - _snr(a, party))


def edge_s(a: Analysis, party: str) -> float:
    """Resolution of one onset or offset of ``party`` on this clip, in seconds."""
    return math.hypot(EDGE_CLEAN_S, lifted_db(a, party) / EDGE_FADE_DB_PER_S)


def narrowband(a: Analysis) -> bool:
    return a.recording is not None and a.recording.source_sr_hz <= NARROWBAND_MAX_HZ


def _unheard_words(a: Analysis, party: str, rate_wpm: float | None) -> tuple[float, float]:
    """(speech seconds in turns with no recognised words, the words they may hold at this rate)."""
    segs = a.segments.get(party, [])
    silent_s = sum(
        max(0.0, min(seg.end_s, t.end_s) - max(seg.start_s, t.start_s))
        for t in a.turns if t.speaker == party and t.words == 0 and not t.backchannel for seg in segs
    )
    return silent_s, (silent_s * rate_wpm / 60.0 if rate_wpm else 0.0)


def _rate_rel(word_count: float, speech_s: float, edges: int, e: float, extra_words: float = 0.0) -> float:
    if word_count <= 0 or speech_s <= 0:
        return float("inf")
    return math.hypot((WORDS_FLIP + extra_words) / word_count, e * math.sqrt(edges) / speech_s)


def _trend_windows(segments: list[Segment]) -> list[float]:
    """Centres (minutes) of the 2 s windows holding 0.5 s of speech or more: the points the level
    trend is fitted to (loudness.level_stats)."""
    speech: dict[int, float] = {}
    centre: dict[int, float] = {}
    for seg in segments:
        t = seg.start_s
        while t < seg.end_s:
            w = int(t // loudness.TREND_WINDOW_S)
            end = min(seg.end_s, (w + 1) * loudness.TREND_WINDOW_S)
            speech[w] = speech.get(w, 0.0) + end - t
            centre[w] = centre.get(w, 0.0) + (end - t) * (t + end) / 2
            t = end
    return [centre[w] / speech[w] / 60.0 for w in sorted(speech) if speech[w] >= loudness.MIN_WINDOW_SPEECH_S]


def _pitch_noise(hz: float, narrow: bool) -> Noise:
    st = math.hypot(PITCH_BASE_SEMITONES, NARROWBAND_PITCH_SEMITONES if narrow else 0.0)
    why = f"{st:.1f} st" + (" (telephone band: F0 under 300 Hz is tracked from its harmonics)" if narrow else " (F0 tracking)")
    return Noise(hz * (2 ** (st / 12) - 1), why)


def _level_noise(a: Analysis, party: str) -> Noise:
    lifted = lifted_db(a, party)
    parts = [LEVEL_BASE_DB, LEVEL_DB_PER_LIFTED_DB * lifted]
    why = [f"{LEVEL_BASE_DB:g} dB frame choice"]
    if lifted:
        why.append(f"noise floor {_snr(a, party):.0f} dB under the speech drops quiet frames")
    if narrowband(a):
        parts.append(NARROWBAND_LEVEL_DB)
        why.append(f"{a.recording.source_sr_hz} Hz telephone band removes up to {NARROWBAND_LEVEL_DB:g} dB of the voice")
    return Noise(math.sqrt(sum(p * p for p in parts)), "; ".join(why))


def estimate(a: Analysis) -> dict[str, Noise]:
    """Noise of each metric ``compare`` reports, for one clip; a metric left out has none to state
    (its value is missing on this clip)."""
    e_a = edge_s(a, "agent")
    narrow = narrowband(a)
    out: dict[str, Noise] = {}
    out.update(_speech_rate_noise(a, e_a, narrow))
    out.update(_latency_noise(a, e_a))
    out.update(_voice_noise(a, narrow))
    out.update(_parties_noise(a, e_a, narrow))
    return out


def _speech_rate_noise(a: Analysis, e_a: float, narrow: bool) -> dict[str, Noise]:
    """Noise of the agent's rate_wpm, opening_rate_wpm, opening_vs_rest_pct, articulation_sps and
    fillers_per_min (``e_a``: the agent's edge error in s; ``narrow``: telephone band)."""
    out: dict[str, Noise] = {}
    ag = a.agent
    segs = a.segments.get("agent", [])
    edge_why = f"edges +/-{e_a:.2f} s" + (f" (noise floor {_snr(a, 'agent'):.0f} dB under the speech)" if lifted_db(a, "agent") else "")
    rest_rel = None
    if ag.rate_wpm and ag.words:
        silent_s, unheard = _unheard_words(a, "agent", ag.rate_wpm)
        rel = _rate_rel(ag.words, ag.speaking_s, 2 * max(len(segs), 1), e_a, unheard)
        rest_rel = rel
        why = f"+/-1 word of {ag.words}"
        if unheard:
            why += f", up to {unheard:.0f} more in {silent_s:.1f} s of speech without recognised words"
        out["rate_wpm"] = Noise(ag.rate_wpm * rel, f"{why}; {edge_why} over {ag.speaking_s:.1f} s")
    op = ag.opening
    if op is not None and op.rate_wpm and op.words:
        rel = _rate_rel(op.words, op.end_s - op.start_s, 2, e_a)
        out["opening_rate_wpm"] = Noise(op.rate_wpm * rel, f"+/-1 word of {op.words} ({100 / op.words:.0f}%); {edge_why}")
        if op.vs_rest_pct is not None and rest_rel is not None:
            ratio = 1.0 + op.vs_rest_pct / 100.0
            out["opening_vs_rest_pct"] = Noise(100.0 * ratio * math.hypot(rel, rest_rel),
                                               f"opening rate +/-{100 * rel:.0f}% ({op.words} words), the rest +/-{100 * rest_rel:.0f}%")
    if ag.articulation_sps and ag.speaking_s > 0:
        nuclei = ag.articulation_sps * ag.speaking_s
        degraded = narrow or lifted_db(a, "agent") > 0
        flips = math.hypot(NUCLEI_FLIP, NUCLEI_DEGRADED_SHARE * nuclei if degraded else 0.0)
        rel = math.hypot(flips / nuclei, e_a * math.sqrt(2 * max(len(segs), 1)) / ag.speaking_s)
        out["articulation_sps"] = Noise(ag.articulation_sps * rel, f"+/-{flips:.0f} of {nuclei:.0f} syllable nuclei" +
                                        ("; telephone band or line noise" if degraded else ""))
    if ag.fillers is not None and ag.speaking_s > 0:
        minutes = ag.speaking_s / 60.0
        out["fillers_per_min"] = Noise(math.hypot(FILLER_FLIP, FILLER_MISS_SHARE * ag.fillers.count) / minutes,
                                       f"+/-{FILLER_FLIP:g} borderline filler and {FILLER_MISS_SHARE:.0%} missed, over {ag.speaking_s:.0f} s of speech")
    return out


def _latency_noise(a: Analysis, e_a: float) -> dict[str, Noise]:
    """Noise of the latencies, jump-in and stall counts and overtalk, on layouts that measure the
    caller's turns: the agent's onset and the caller's offset errors combined."""
    out: dict[str, Noise] = {}
    if a.layout in ("stereo", "mixed", "mono-cued"):
        e_c = edge_s(a, "customer") if a.layout != "mono-cued" else 0.0  # cue times are exact: the program played them
        lat_noise = math.hypot(e_a, e_c)
        lat_why = f"agent onset +/-{e_a:.2f} s, caller offset +/-{e_c:.2f} s"
        for name in ("latency_median_s", "first_response_s", "turn_latency_s"):
            out[name] = Noise(lat_noise, lat_why)
        if a.latency is not None:
            for name, limit in (("jump_ins", turns.JUMP_IN_S), ("stalls", turns.STALL_S)):
                near = sum(1 for v in a.latency.values_s if abs(v - limit) <= lat_noise)
                out[name] = Noise(float(near), f"{near} answer{'s' if near != 1 else ''} within +/-{lat_noise:.2f} s of {limit:g} s")
        if a.overtalk_s is not None:
            out["overtalk_s"] = Noise(math.sqrt(2) * max(e_a, e_c), f"edges +/-{max(e_a, e_c):.2f} s")
    return out


def _voice_noise(a: Analysis, narrow: bool) -> dict[str, Noise]:
    """Noise of the agent's level, level trend, pitch and pitch spread."""
    out: dict[str, Noise] = {}
    ag = a.agent
    if ag.level.median_dbfs is not None:
        out["level_median_dbfs"] = _level_noise(a, "agent")
    trend = level_trend_noise(a)
    if trend is not None:
        out["level_trend_db_per_min"] = trend
    if ag.pitch.median_hz:
        out["pitch_median_hz"] = _pitch_noise(ag.pitch.median_hz, narrow)
    if ag.pitch.spread_semitones is not None:
        out["pitch_spread_semitones"] = (
            Noise(max(ag.pitch.spread_semitones, 2 * PITCH_BASE_SEMITONES), "telephone band: octave jumps of the F0 tracker can double it")
            if narrow else Noise(2 * PITCH_BASE_SEMITONES, "F0 tracking at both ends of the range"))
    return out


def _parties_noise(a: Analysis, e_a: float, narrow: bool) -> dict[str, Noise]:
    """Noise of the talk ratio (both parties' edges) and of the caller's level and pitch."""
    out: dict[str, Noise] = {}
    ag, cust = a.agent, a.customer
    if a.talk_ratio is not None and cust is not None and ag.speaking_s + cust.speaking_s > 0:
        e_c = edge_s(a, "customer")
        total = ag.speaking_s + cust.speaking_s
        d_ag = e_a * math.sqrt(2 * max(len(a.segments.get("agent", [])), 1))
        d_cu = e_c * math.sqrt(2 * max(len(a.segments.get("customer", [])), 1))
        # r = A / (A + C): dr = (C dA - A dC) / (A + C)^2, the two errors independent
        out["talk_ratio"] = Noise(math.hypot(cust.speaking_s * d_ag, ag.speaking_s * d_cu) / total**2, "edges of both parties' speech")
    if cust is not None:
        if cust.level.median_dbfs is not None:
            out["customer_level_dbfs"] = _level_noise(a, "customer")
        if cust.pitch.median_hz:
            out["customer_pitch_hz"] = _pitch_noise(cust.pitch.median_hz, narrow)
    return out


def level_trend_noise(a: Analysis) -> Noise | None:
    """The standard error of the agent's level trend: the 2 s windows' level wander over the
    spread of their times. On a take of a minute or less it is several dB/min, far more than the
    +/-2 dB/min a calm voice keeps to; three real-voice calls with every line at one level read
    -3.6 to +7.2 dB/min."""
    if a.agent.level.trend_db_per_min is None:
        return None
    centres = _trend_windows(a.segments.get("agent", []))
    if len(centres) < 3:
        return None
    mean = sum(centres) / len(centres)
    spread = math.sqrt(sum((c - mean) ** 2 for c in centres))
    narrow = narrowband(a)
    wander = math.hypot(LEVEL_WINDOW_SD_DB, NARROWBAND_WINDOW_SD_DB if narrow else 0.0)
    if spread <= 0:
        return None
    return Noise(wander / spread, f"slope error of {len(centres)} windows of 2 s ({wander:.1f} dB wander each{', telephone band' if narrow else ''})")


def trend_in_doubt(a: Analysis, max_db_per_min: float = DEFAULT.level_trend_max_db_per_min) -> Noise | None:
    """The level trend's noise when it exceeds the +/- band the trend is judged by (the take is
    too short to tell), else None: the one test targets and every report use."""
    trend = level_trend_noise(a)
    return trend if trend is not None and trend.value > max_db_per_min else None


def combined(a: Noise | None, b: Noise | None) -> float:
    """Noise of the difference of two independent measurements (root sum of squares)."""
    return math.hypot(a.value if a else 0.0, b.value if b else 0.0)
