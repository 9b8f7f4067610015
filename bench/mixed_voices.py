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

import realmix  # noqa: E402

from voicecoach import activity, audio  # noqa: E402
from voicecoach.analysis import diarize, pitch  # noqa: E402

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
]
CONDITIONS = [("clean", {}), ("noise -45 dBFS", {"noise_dbfs": -45.0}), ("phone band", {"phone": True, "noise_dbfs": -45.0})]


def run_case(agent_voice, caller_voice, scene_kw, mix_kw, *, enrol: bool):
    customer, agent, truth = realmix.conversation(agent_voice, caller_voice, **scene_kw)
    y, sr = realmix.mix(customer, agent, **mix_kw)
    if sr != 16000:
        y = audio.resample(y, sr, 16000) if hasattr(audio, "resample") else __import__("soxr").resample(y, sr, 16000).astype(np.float32)
    profile = None
    if enrol:
        solo = np.concatenate([u for u, _ in realmix.utterances(agent_voice, enrol=True)])
        profile = diarize.enrol(solo, sr=16000)
    act = activity.detect(y, sr=16000)
    f0 = pitch.track(y, sr=16000, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    if hasattr(diarize, "diarize"):
        res = diarize.diarize(y, act.segments, f0, sr=16000, hop_s=act.hop_s, profile=profile)
        if res.speakers is None:
            return None, res
        sp = res.speakers
    else:
        sp = diarize.split_speakers(act.segments, f0, hop_s=act.hop_s)
        res = None
        if sp is None:
            return None, None
    if profile is not None and res is not None and res.agent is not None:
        agent_segs, customer_segs = (sp.first, sp.second) if res.agent == "first" else (sp.second, sp.first)
    else:  # caller opens: the agent is the second voice heard
        agent_segs, customer_segs = sp.second, sp.first
    return realmix.diarization_error(truth, agent_segs, customer_segs), res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enrol", action="store_true", help="label with an enrolled agent profile")
    args = ap.parse_args()
    errors, declined, total = [], 0, 0
    for name, a, c, kw in CASES:
        for cond, mkw in CONDITIONS:
            err, res = run_case(a, c, kw, mkw, enrol=args.enrol)
            total += 1
            extra = "" if res is None else f"  [{res.reason}]"
            if err is None:
                declined += 1
                print(f"{name:42s} {cond:16s} declined{extra}")
            else:
                errors.append(err["error"])
                print(f"{name:42s} {cond:16s} error {err['error'] * 100:5.1f}%  missed {err['missed'] * 100:4.1f}%{extra}")
    if errors:
        print(f"accepted {len(errors)}/{total}: mean error {np.mean(errors) * 100:.1f}%, worst {max(errors) * 100:.1f}%, "
              f"over 25%: {sum(e > 0.25 for e in errors)}; declined {declined}")


if __name__ == "__main__":
    main()
