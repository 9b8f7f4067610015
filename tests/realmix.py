"""Real two-person conversations on one channel, with who-spoke-when known by construction.

Each party's lines are real recordings placed on their own track by ``make_samples.build_scene``
(see realspeech.py); summing the two tracks gives what one mic between two people records, and the
line times give the truth. Voices:

- "asterisk": the Asterisk telephone voice (one professional female voice, F0 about 200 Hz);
- "librivox": the LibriVox reader of pocketsphinx-testdata (male, F0 about 100 Hz);
- "cards": the pocketsphinx "cards" speaker (male, F0 about 100 Hz; card names);
- "sphinx": pocketsphinx's goforward/numbers/something recordings (male, F0 about 110 Hz).

Two male voices a few hertz apart ("cards" as the agent, "librivox" as the caller) is the hard
case: pitch cannot tell them apart.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import realspeech as rs
import soundfile as sf

POCKETSPHINX = Path("/usr/share/pocketsphinx/test/data")
SR = 16000
# Asterisk prompts the calls use, and others kept apart for enrolment (same voice, other words)
AGENT_PROMPTS = ["queue-thankyou", "sorry-youre-having-problems", "one-moment-please", "pls-hold-while-try", "queue-youarenext"]
ENROL_PROMPTS = ["vm-intro", "vm-options", "agent-loginok", "queue-callswaiting", "vm-goodbye", "pbx-transfer"]


@functools.cache
def _cards() -> list[tuple[np.ndarray, str]]:
    texts = {}
    for ln in (POCKETSPHINX / "cards" / "cards.transcription").read_text().splitlines():
        text, _, utt = ln.rpartition("(")
        texts[utt.strip(" )")] = " ".join(text.replace("<s>", "").replace("</s>", "").split())
    return [(rs._load(POCKETSPHINX / "cards" / f"{u}.wav"), texts[u]) for u in sorted(texts)]


@functools.cache
def _sphinx() -> list[tuple[np.ndarray, str]]:
    from make_samples import trim

    out = []
    for name, text in [("goforward", "go forward ten meters"), ("numbers", "numbers"), ("something", "something")]:
        y = np.fromfile(POCKETSPHINX / f"{name}.raw", dtype="<i2").astype(np.float32) / 32768
        out.append((trim(y), text))
    return out


def utterances(voice: str, *, enrol: bool = False) -> list[tuple[np.ndarray, str]]:
    """Recordings of one voice: those the calls use, or (enrol=True) others of the same voice."""
    if voice == "asterisk":
        names = [n for n in (ENROL_PROMPTS if enrol else AGENT_PROMPTS) if n in rs.prompt_texts()]
        return [rs.prompt(n) for n in names]
    if voice == "librivox":
        return [rs.reading(u) for u in rs.librivox_ids()]
    if voice == "cards":
        cards = _cards()
        return cards[3:] if enrol else cards[:3]
    if voice == "sphinx":
        return _sphinx()
    raise ValueError(voice)


def conversation(agent: str = "asterisk", caller: str = "librivox", *, agent_level_dbfs: float = -20.0,
                 caller_level_dbfs: float = -18.0, rotate: int = 0, gaps_s: list[float] | None = None, agent_opens: bool = False):
    """Caller opens, then the two alternate (three exchanges), with the given gaps before each
    line (quick exchanges: 0.1 s or less). Returns (customer, agent, truth)."""
    from make_samples import build_scene

    if agent == "asterisk" and caller == "long-hold":  # realspeech's scene, as issue 11 tried it
        return rs.long_hold_call(agent_level_dbfs=agent_level_dbfs, customer_level_dbfs=caller_level_dbfs)
    a = utterances(agent)
    c = utterances(caller)
    c = c[rotate % len(c):] + c[: rotate % len(c)]
    a = a[rotate % len(a):] + a[: rotate % len(a)]
    gaps = gaps_s or [0.9, 0.7, 1.2, 0.5, 1.1, 0.8]
    lines, ai, ci = [], 0, 0
    for k in range(6):
        if (k % 2 == 0) != agent_opens:
            take = [c[ci % len(c)]] if len(c) > 3 else [c[ci % len(c)], c[(ci + 1) % len(c)]]
            ci += len(take)
            lines.append(rs.line("customer", take, gap_s=gaps[k], level_dbfs=caller_level_dbfs, sentence_gap_s=0.4))
        else:
            take = [a[ai % len(a)]]
            ai += 1
            lines.append(rs.line("agent", take, gap_s=gaps[k], level_dbfs=agent_level_dbfs))
    return build_scene(lines)


def mix(customer: np.ndarray, agent: np.ndarray, *, noise_dbfs: float | None = None, phone: bool = False) -> tuple[np.ndarray, int]:
    """Both voices on one channel, optionally in line noise and the phone band (8 kHz)."""
    y = (customer + agent).astype(np.float32)
    sr = SR
    if phone:
        y, sr = rs.phone_band(y)
    if noise_dbfs is not None:
        y = rs.with_noise(y, noise_dbfs)
    return y, sr


def write(path: Path, y: np.ndarray, sr: int) -> Path:
    sf.write(path, y, sr, subtype="PCM_16")
    return path


def diarization_error(truth: dict, agent_segments, customer_segments, *, hop_s: float = 0.01) -> dict:
    """Share of speech time attributed to the wrong party: over the frames inside a party's line
    (truth by construction) that the diarizer gave to either party, those given to the other one.
    Also the share of line time given to nobody (missed: pauses between sentences count here)."""
    end_s = truth["duration_s"]
    n = int(end_s / hop_s) + 1
    t = np.full(n, -1)
    for ln in truth["lines"]:
        t[int(ln["start_s"] / hop_s): int(ln["end_s"] / hop_s)] = 0 if ln["speaker"] == "agent" else 1
    h = np.full(n, -1)
    for lab, segs in ((0, agent_segments), (1, customer_segments)):
        for s in segs:
            h[int(s.start_s / hop_s): int(s.end_s / hop_s)] = lab
    scored = (t >= 0) & (h >= 0)
    wrong = scored & (t != h)
    return {"error": float(wrong.sum() / max(1, scored.sum())), "missed": float(((t >= 0) & (h < 0)).sum() / max(1, (t >= 0).sum()))}
