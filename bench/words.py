"""Words on real speech: accuracy (word error rate) and cost (seconds per minute of audio).

1. models: tiny.en vs base on real telephone prompts (Asterisk, each decoded alone) and LibriVox
   readings (pocketsphinx-testdata), against their known text; also the syllable nuclei per word
   of the prompts (decode.SYLLABLES_PER_WORD).
2. strategies: calls built from real speech (tests/realspeech.py), agent channel: one decode per
   span, span + recovery of empty stretches (the default), or every stretch decoded alone.

WER = (substitutions + deletions + insertions) / reference words, over the whole set, after
normalising (lowercase, no punctuation, digits as words: voicecoach.analysis.wer). Timings are wall
time of the decode alone on this machine, model loaded beforehand.

Usage: .venv/bin/python bench/words.py [--models tiny.en,base] [--prompts 60] [--calls 6] [--skip-calls]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "samples")]

import realspeech  # noqa: E402
from make_samples import build_scene  # noqa: E402
from voicecoach import activity, decode, transcribe  # noqa: E402
from voicecoach.analysis import pacing, pitch, syllables  # noqa: E402
from voicecoach.analysis.wer import word_errors  # noqa: E402

SR = 16000
PAD = np.zeros(int(0.5 * SR), np.float32)


def prompt_set(n: int) -> list[str]:
    """n prompts of 2-16 words, spread evenly over the alphabetical list (deterministic)."""
    names = [
        k for k, v in sorted(realspeech.prompt_texts().items())
        if 2 <= realspeech.word_count(v) <= 16 and "(" not in v  # "(1 second of silence)", "IAX (note: ...)"
    ]
    step = max(1, len(names) // n)
    return names[::step][:n]


def load(name: str):
    return transcribe.load_model(transcribe.resolve_model(name).location)


def decode_clip(model, y: np.ndarray) -> str:
    words = transcribe.transcribe(model, np.concatenate([PAD, y, PAD]))
    return " ".join(w.text for w in words)


def nuclei_of(y: np.ndarray) -> int:
    act = activity.detect(y, sr=SR)
    f0 = pitch.track(y, sr=SR, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    return syllables.count_nuclei(act.frame_dbfs, act.frame_mask(), f0, hop_s=act.hop_s)


def bench_models(models: list[str], n_prompts: int) -> dict:
    clips = [("prompts", name, *realspeech.prompt(name)) for name in prompt_set(n_prompts)]
    clips += [("librivox", utt, *realspeech.reading(utt)) for utt in realspeech.librivox_ids()]
    out = {}
    nuc = sum(nuclei_of(y) for kind, _, y, _ in clips if kind == "prompts")
    ref_words = sum(realspeech.word_count(t) for kind, _, _, t in clips if kind == "prompts")
    out["prompt_nuclei_per_word"] = round(nuc / ref_words, 3)
    for name in models:
        model = load(name)
        decode_clip(model, clips[0][2])  # warm-up
        for kind in ("prompts", "librivox"):
            errs = refs = 0
            seconds = audio_s = 0.0
            for k, _, y, text in clips:
                if k != kind:
                    continue
                t0 = time.perf_counter()
                hyp = decode_clip(model, y)
                seconds += time.perf_counter() - t0
                audio_s += len(y) / SR
                e, r = word_errors(text, hyp)
                errs, refs = errs + e, refs + r
            out[f"{name}/{kind}"] = {
                "clips": sum(1 for c in clips if c[0] == kind),
                "words": refs,
                "wer": round(errs / refs, 4),
                "s_per_audio_min": round(seconds / (audio_s / 60), 2),
            }
            print(name, kind, out[f"{name}/{kind}"], file=sys.stderr)
    return out


def make_call(seed: int):
    """A call of real voices: 4-6 agent lines of 1-2 prompts, answered by LibriVox readings."""
    rng = random.Random(seed)
    names = prompt_set(120)
    lv = realspeech.librivox_ids()
    scene = []
    for k in range(rng.randint(4, 6)):
        scene.append(realspeech.line("customer", [realspeech.reading(rng.choice(lv))], gap_s=rng.uniform(0.6, 1.4)))
        chosen = rng.sample(names, rng.randint(1, 2))
        scene.append(
            realspeech.line("agent", [realspeech.prompt(n) for n in chosen], gap_s=rng.uniform(0.5, 1.5),
                            sentence_gap_s=rng.uniform(0.4, 0.8))
        )
    return build_scene(scene)


def run_strategy(model_fn, y: np.ndarray, strategy: str):
    act = activity.detect(y, sr=SR)
    f0 = pitch.track(y, sr=SR, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    if strategy == "span-only":
        saved, decode.CLEAR_SPEECH_S = decode.CLEAR_SPEECH_S, float("inf")  # no recovery
        try:
            got = decode.channel_words(model_fn, y, SR, act.segments, strategy="channel", beam_size=5)
        finally:
            decode.CLEAR_SPEECH_S = saved
    else:
        got = decode.channel_words(model_fn, y, SR, act.segments, strategy="stretch" if strategy == "per-stretch" else "channel", beam_size=5,
                                   frame_dbfs=act.frame_dbfs, f0=f0, hop_s=act.hop_s)
    placed = pacing.assign_words(got.words, act.segments, "agent")
    return " ".join(p.word.text for p in placed), len(placed) + sum(e.words for e in got.estimates), got


def bench_strategies(models: list[str], n_calls: int) -> dict:
    calls = []
    for seed in range(n_calls):
        _, agent, truth = make_call(seed)
        text = " ".join(s["text"] for ln in truth["lines"] if ln["speaker"] == "agent" for s in ln["sentences"])
        calls.append(("clean", agent, truth, text))
        band, sr8 = realspeech.phone_band(agent)
        import soxr

        calls.append(("phone", soxr.resample(band, sr8, SR).astype(np.float32), truth, text))
    out = {}
    for name in models:
        model = load(name)
        for strategy in ("span-only", "span+recover", "per-stretch"):
            for variant in ("clean", "phone"):
                errs = refs = 0
                count_err = []
                seconds = audio_s = 0.0
                recovered = estimated = 0
                for v, y, truth, text in calls:
                    if v != variant:
                        continue
                    t0 = time.perf_counter()
                    hyp, n_words, got = run_strategy(lambda: model, y, strategy)
                    seconds += time.perf_counter() - t0
                    audio_s += len(y) / SR
                    e, r = word_errors(text, hyp)
                    errs, refs = errs + e, refs + r
                    count_err.append(abs(n_words - truth["agent_words"]) / truth["agent_words"])
                    recovered += got.redecoded
                    estimated += len(got.estimates)
                key = f"{name}/{strategy}/{variant}"
                out[key] = {
                    "wer": round(errs / refs, 4),
                    "words": refs,
                    "worst_count_err_pct": round(100 * max(count_err), 1),
                    "mean_count_err_pct": round(100 * float(np.mean(count_err)), 1),
                    "redecoded": recovered,
                    "estimated": estimated,
                    "s_per_audio_min": round(seconds / (audio_s / 60), 2),
                }
                print(key, out[key], file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="tiny.en,base")
    ap.add_argument("--prompts", type=int, default=60)
    ap.add_argument("--calls", type=int, default=6)
    ap.add_argument("--skip-calls", action="store_true")
    ap.add_argument("--skip-models", action="store_true")
    args = ap.parse_args()
    models = args.models.split(",")
    result = {}
    if not args.skip_models:
        result["models"] = bench_models(models, args.prompts)
    if not args.skip_calls:
        result["strategies"] = bench_strategies(models, args.calls)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
