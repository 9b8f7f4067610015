"""Who-spoke-when on real two-voice recordings on one channel: diarization error per mix.

The mixes are built by tests/realmix.py from real recordings (Asterisk telephone voice, LibriVox
and pocketsphinx readers) with known line times. Signal only (no Whisper), so it runs in seconds.
The error is the share of speech time given to the wrong party; "declined" means the diarizer
said it could not tell the voices apart (the report then covers the agent alone).

Usage: .venv/bin/python bench/mixed_voices.py [--enrol]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "samples"), str(ROOT)]

import realmix

from voicecoach import activity
from voicecoach.analysis import diarize, pitch

CASES = [  # name, agent voice, caller voice, options
    ("long-hold call (realspeech)", "asterisk", "long-hold", {}),
    ("long-hold call, agent 12 dB quieter", "asterisk", "long-hold", {"agent_level_dbfs": -30.0}),
    ("female agent, male caller", "asterisk", "librivox", {}),
    ("same, rotated lines", "asterisk", "librivox", {"rotate": 2}),
    ("same, agent 12 dB quieter", "asterisk", "librivox", {"agent_level_dbfs": -30.0}),
    ("female agent, cards caller", "asterisk", "cards", {}),
    ("female agent, sphinx caller", "asterisk", "sphinx", {}),
    ("two men (cards agent, librivox caller)", "cards", "librivox", {}),
    ("two men (sphinx agent, cards caller)", "sphinx", "cards", {}),
    ("agent opens the call (--agent-speaks left second)", "asterisk", "librivox", {"agent_opens": True}),
    ("quick exchanges (gaps 0.05-0.15 s)", "asterisk", "librivox", {"gaps_s": [0.1, 0.05, 0.15, 0.1, 0.05, 0.1]}),
    ("some turns with no pause at all", "asterisk", "librivox", {"gaps_s": [0.8, 0.0, 0.9, 0.02, 0.7, 0.0]}),
    ("one voice: telephone agent alone", "asterisk", "librivox", {"solo": "agent"}),
    ("one voice: LibriVox reader alone", "asterisk", "librivox", {"solo": "customer"}),
    ("one voice: cards speaker alone", "asterisk", "cards", {"solo": "customer"}),
]
CONDITIONS = [("clean", {}), ("noise -45 dBFS", {"noise_dbfs": -45.0}), ("phone band", {"phone": True, "noise_dbfs": -45.0})]


def _signal(y):
    act = activity.detect(y, sr=16000)
    f0 = pitch.track(y, sr=16000, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    return act, f0


def run_case(agent_voice, caller_voice, scene_kw, mix_kw, *, enrol: bool):
    """(error dict or None when declined, Diarization)."""
    import soxr

    scene_kw = dict(scene_kw)
    solo = scene_kw.pop("solo", None)
    customer, agent, truth = realmix.conversation(agent_voice, caller_voice, **scene_kw)
    if solo:  # one voice only: the right answer is to decline
        customer, agent = (0 * customer, agent) if solo == "agent" else (customer, 0 * agent)
    y, sr = realmix.mix(customer, agent, **mix_kw)
    if sr != 16000:  # audio.load resamples every file to 16 kHz
        y = soxr.resample(y, sr, 16000).astype(np.float32)
    profile = None
    if enrol:
        take = np.concatenate([np.concatenate([u, np.zeros(8000, np.float32)]) for u, _ in realmix.utterances(agent_voice, enrol=True)])
        act, f0 = _signal(take)
        profile = diarize.enrol(take, sr=16000, segments=act.segments, hop_s=act.hop_s, f0=f0)
    act, f0 = _signal(y)
    res = diarize.diarize(y, act.segments, f0, sr=16000, hop_s=act.hop_s, profile=profile)
    if res.speakers is None:
        return None, res
    if solo:
        return {"error": 1.0, "missed": 0.0}, res  # a split of one voice is all wrong
    sp = res.speakers
    agent_is = res.agent or "second"  # without a profile: the caller opens the scene
    agent_segs, customer_segs = (sp.first, sp.second) if agent_is == "first" else (sp.second, sp.first)
    return realmix.diarization_error(truth, agent_segs, customer_segs), res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enrol", action="store_true", help="label with an enrolled agent profile")
    args = ap.parse_args()
    errors, declined, total = [], 0, 0  # the agent-opens case is left out: only --enrol can get it right
    for name, a, c, kw in CASES:
        for cond, mkw in CONDITIONS:
            err, res = run_case(a, c, kw, mkw, enrol=args.enrol)
            total += 1
            extra = f"  gap {res.separation} st" + (f" agent={res.agent} margin {res.profile_margin}" if args.enrol else "")
            extra += f"  [{res.reason}]" if res.reason else ""
            if err is None:
                declined += 1
                print(f"{name:42s} {cond:16s} declined{extra}")
            else:
                if "agent opens" not in name or args.enrol:
                    errors.append(err["error"])
                print(f"{name:42s} {cond:16s} error {err['error'] * 100:5.1f}%  missed {err['missed'] * 100:4.1f}%{extra}")
    if errors:
        print(f"accepted {len(errors)}/{total} (agent-opens case not counted without --enrol): mean error {np.mean(errors) * 100:.1f}%, worst {max(errors) * 100:.1f}%, "
              f"over 25%: {sum(e > 0.25 for e in errors)}; declined {declined}")


if __name__ == "__main__":
    main()
