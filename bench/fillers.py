"""Filled-pause detection measured on real speech: recall, false fillers per minute, and what a
filler-laden Whisper ``initial_prompt`` would cost in word accuracy.

Takes come from tests/fillerspeech.py: Asterisk's telephone voice with "um"/"uh"/"erm" inserted at
known times (espeak-ng voices and a synthetic schwa, 0.25-0.8 s), and Asterisk + LibriVox speech
without any filler. Takes 0-7 are the ones the detector's thresholds were chosen on; 8-11 are
held out (tests/test_fillers.py asserts on those).

1. ``voicecoach.pipeline.analyze`` (the detector as shipped): recall on the filled takes, false
   fillers per minute of speaking time on the clean takes;
2. Whisper (tiny.en unless --model) over the same activity spans the pipeline uses, without and with
   each prompt: word error rate (fillers left out of both sides, textnorm spelling) and the share
   of inserted fillers it wrote down.

``--line phone|noise|phone+noise`` sends the takes through the 8 kHz 300-3400 Hz band and/or
white line noise at -45 dBFS first (realspeech.phone_band, with_noise).

Usage: .venv/bin/python bench/fillers.py [--takes 0-11] [--no-prompts] [--line phone+noise]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "samples")]

from fillerspeech import clean_take, filled_take  # noqa: E402

from voicecoach import activity, transcribe  # noqa: E402
from voicecoach.analysis import fillers  # noqa: E402
from voicecoach.analysis.textnorm import normalize_word  # noqa: E402
from voicecoach.pipeline import Options, analyze  # noqa: E402

SR = 16000
PROMPTS = {
    "none": None,
    "fillers": "Um, so, uh, I was, um, thinking. Uh, hmm, er, okay.",
    "openai-cookbook": "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking.",
}


def _edits(ref: list[str], hyp: list[str]) -> int:
    d = np.arange(len(hyp) + 1)
    for i in range(1, len(ref) + 1):
        nd = np.empty_like(d)
        nd[0] = i
        for j in range(1, len(hyp) + 1):
            nd[j] = min(d[j] + 1, nd[j - 1] + 1, d[j - 1] + (ref[i - 1] != hyp[j - 1]))
        d = nd
    return int(d[-1])


def _tokens(words: list[str]) -> list[str]:
    return [t for w in words for t in normalize_word(w)]  # textnorm drops fillers and punctuation


def _overlaps(a: dict, b: dict, slack_s: float = 0.0) -> bool:
    return a["start_s"] < b["end_s"] + slack_s and a["end_s"] > b["start_s"] - slack_s


def _takes(spec: str) -> list[int]:
    lo, _, hi = spec.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", default="0-11")
    parser.add_argument("--model", default=None)
    parser.add_argument("--no-prompts", action="store_true", help="skip the Whisper prompt comparison")
    parser.add_argument("--line", choices=["phone", "noise", "phone+noise"], help="degrade the takes as a phone line would")
    args = parser.parse_args()
    takes = _takes(args.takes)
    with tempfile.TemporaryDirectory() as tmp:
        clips = []
        for k in takes:
            for kind, make in (("filled", filled_take), ("clean", clean_take)):
                y, truth = make(k)
                path, sr = Path(tmp) / f"{kind}{k}.wav", SR
                if args.line:
                    import realspeech

                    if "phone" in args.line:
                        y, sr = realspeech.phone_band(y)
                    if "noise" in args.line:
                        y = realspeech.with_noise(y, -45.0)
                sf.write(path, y, sr)
                clips.append((kind, k, path, y, truth))

        print("1. detector (pipeline.analyze)")
        rows = {}
        for kind, k, path, _, truth in clips:
            a = analyze(path, Options(model=args.model))
            items = a.agent.fillers.items
            hit = sum(any(_overlaps(i, f) for i in items) for f in truth["fillers"])
            false = sum(not any(_overlaps(i, f) for f in truth["fillers"]) for i in items)
            row = rows.setdefault((kind, "held-out" if k >= 8 else "tuning"), [0, 0, 0, 0.0])
            row[0] += hit
            row[1] += len(truth["fillers"])
            row[2] += false
            row[3] += a.agent.speaking_s / 60
        for (kind, part), (hit, said, false, minutes) in sorted(rows.items()):
            recall = f"recall {hit}/{said} = {hit / said:.0%}, " if said else ""
            print(f"  {kind:<7} {part:<9} {recall}false {false} in {minutes:.1f} speaking-min = {false / minutes:.2f}/min")

        if args.no_prompts or args.line:  # the prompt comparison runs on the clean 16 kHz takes
            return
        print("2. Whisper alone, with and without an initial prompt")
        choice = transcribe.resolve_model(args.model)
        model = transcribe.load_model(choice.location, download=choice.download)
        for name, prompt in PROMPTS.items():
            errors = ref_words = heard = said = invented = 0
            for kind, _, _, y, truth in clips:
                act = activity.detect(y, sr=SR)
                words = []
                for start_s, end_s in activity.transcription_spans(act.segments, len(y) / SR):
                    part = transcribe.transcribe(model, y[int(start_s * SR) : int(end_s * SR)], initial_prompt=prompt)
                    words += [(w.text, w.start_s + start_s, w.end_s + start_s) for w in part]
                ref = _tokens(truth["text"].split())
                errors += _edits(ref, _tokens([w for w, _, _ in words if not fillers.is_filler_word(w)]))
                ref_words += len(ref)
                named = [{"start_s": s, "end_s": e} for w, s, e in words if fillers.is_filler_word(w)]
                said += len(truth["fillers"])
                heard += sum(any(_overlaps(n, f, 0.3) for n in named) for f in truth["fillers"])
                invented += sum(not any(_overlaps(n, f, 0.3) for f in truth["fillers"]) for n in named)
            print(f"  prompt {name:<16} WER {errors}/{ref_words} = {errors / ref_words:.1%}, "
                  f"fillers written {heard}/{said} = {heard / said:.0%}, fillers invented {invented}")


if __name__ == "__main__":
    main()
