"""Decode settings side by side on real speech: word accuracy (WER) and seconds per minute of audio.

Calls of real voices with known text (tests/realspeech.py: Asterisk's telephone voice as the agent,
LibriVox readers as the caller; the three stereo calls of `make accuracy` and calls built like
bench/words.py's), both channels, clean and in the 8 kHz phone band. Each setting decodes every
channel from the same speech activity (computed once, not timed) and its words are placed on the
signal's segments as analyze places them (pacing.assign_words); WER against the channel's text
(bench/words.py's normalisation: voicecoach.analysis.wer).

Settings: strategy (decode.STRATEGIES: "channel" = one sequential decode per span plus empty
stretches decoded again, today's; "stretch" = every stretch decoded alone, sequentially; "batched" =
every stretch's window decoded alone by faster-whisper's BatchedInferencePipeline; "batched-vad" =
the same pipeline with its own Silero VAD chunks) x beam size 1 / 5. Timings: repeats alternate
over the settings (the cores are shared); each figure is the median, with min-max.

Usage: .venv/bin/python bench/decode.py [--calls 4] [--repeats 3] [--settings channel/5,batched/1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "samples"), str(ROOT / "bench")]

import realspeech  # noqa: E402
from words import load, make_call  # noqa: E402
from voicecoach import activity, decode, transcribe, vad  # noqa: E402
from voicecoach.analysis import pacing  # noqa: E402
from voicecoach.analysis.wer import word_errors  # noqa: E402

SR = 16000
SETTINGS = ("channel/5", "channel/1", "stretch/5", "stretch/1", "batched/1", "packed/5", "packed/1", "batched-vad/1")
TODAY = "channel/5"


def _text(truth: dict, speaker: str) -> str:
    return " ".join(s["text"] for ln in truth["lines"] if ln["speaker"] == speaker for s in ln["sentences"])


def channels(n_calls: int) -> list[tuple[str, np.ndarray, str]]:
    """(name, 16 kHz channel, its text) for both parties of each call, clean and phone band."""
    import soxr

    built = [(name, c, a, t) for name, c, a, t in realspeech.calls()]
    built += [(f"built{seed}", c, a, t) for seed in range(n_calls) for c, a, t in [make_call(seed)]]
    out = []
    for name, customer, agent, truth in built:
        for who, y in (("customer", customer), ("agent", agent)):
            band, sr8 = realspeech.phone_band(y)
            out.append((f"{name}/{who}/clean", y, _text(truth, who)))
            out.append((f"{name}/{who}/phone", soxr.resample(band, sr8, SR).astype(np.float32), _text(truth, who)))
    return out


def decode_words(model, y: np.ndarray, segments, setting: str) -> list:
    strategy, beam = setting.split("/")
    if strategy == "batched-vad":
        got = transcribe.transcribe_own_vad(model, y, beam_size=int(beam))
    else:
        got = decode.channel_words(lambda: model, y, SR, segments, beam_size=int(beam), strategy=strategy).words
    return pacing.assign_words(got, segments, "x")


def cued_take(folder: Path, minutes: float = 2.0) -> tuple[Path, list[dict]]:
    """About ``minutes`` of a cued practice take as the mic hears it without a headset: the real-voice
    calls (customer lines and agent replies) mixed to mono, and the customer lines as cues."""
    import soundfile as sf

    parts, cues, at = [], [], 0.0
    seed = 0
    while at < minutes * 60:
        customer, agent, truth = make_call(seed)
        seed += 1
        for ln in truth["lines"]:
            if ln["speaker"] == "customer":
                cues.append({"start_s": round(at + ln["start_s"], 3), "end_s": round(at + ln["end_s"], 3),
                             "text": " ".join(x["text"] for x in ln["sentences"])})
        parts.append(customer + agent)
        at += len(agent) / SR
    path = folder / "cued-take.wav"
    sf.write(path, np.concatenate(parts), SR, subtype="PCM_16")
    return path, cues


def bench_stop_to_debrief(folder: Path, minutes: float = 2.0) -> dict:
    """Record a cued take played through the (virtual) audio device with the incremental
    transcriber fed by the recorder; time from the stop to the Analysis, against analyze after the
    stop with today's settings (channel, beam 5) and with the new default, on the same file."""
    import subprocess

    import soundfile as sf

    from voicecoach import record as rec
    from voicecoach.incremental import Incremental
    from voicecoach.pipeline import Options, analyze
    from voicecoach.results import to_dict
    from voicecoach.sidecar import read_sidecar, write_sidecar

    played, cues = cued_take(folder, minutes)
    take = folder / "take.wav"
    inc = Incremental(Options(), sr=SR, channels=1)
    length_s = sf.info(str(played)).duration
    player = subprocess.Popen(["paplay", str(played)])
    rec.record(take, seconds=length_s + 1.0, on_block=[inc.feed], force=True)
    player.wait()
    lag_s = 0.05  # the null sink's loopback (tests/audio_support.py); cue times need not be exact here
    write_sidecar(take, {**(read_sidecar(take) or {}), "cues": [{**c, "start_s": c["start_s"] + lag_s, "end_s": c["end_s"] + lag_s} for c in cues]})
    stopped = time.perf_counter()
    result, stats = inc.finish(take)
    incremental_s = time.perf_counter() - stopped
    t1 = time.perf_counter()
    today = analyze(take, Options(decode="channel", beam_size=5))
    today_s = time.perf_counter() - t1
    t1 = time.perf_counter()
    offline = analyze(take, Options())
    offline_s = time.perf_counter() - t1
    same = to_dict(result) == to_dict(offline)
    del today
    return {"take_s": round(length_s, 1), "stop_to_debrief_s": round(incremental_s, 2), "units_ready": stats.units_ready,
            "units_after_stop": stats.units_at_finish, "analyze_today_s": round(today_s, 2),
            "analyze_new_default_s": round(offline_s, 2), "ratio_vs_today": round(incremental_s / today_s, 3),
            "equals_offline_analyze": same}


# The floor for batch: one process, the model loaded once, faster-whisper alone transcribing every
# channel of every clip the library's fastest standard way (batched pipeline, its own VAD, beam 5).
FLOOR = r"""
import sys, soundfile as sf, numpy as np
from faster_whisper import WhisperModel, BatchedInferencePipeline
location, paths = sys.argv[1], sys.argv[2:]
pipe = BatchedInferencePipeline(WhisperModel(location, device="cpu", compute_type="int8", local_files_only=True))
n = 0
for path in paths:
    data, sr = sf.read(path, dtype="float32", always_2d=True)
    for ch in data.T:
        segments, _ = pipe.transcribe(np.ascontiguousarray(ch), beam_size=5, word_timestamps=True, vad_filter=True)
        n += sum(len(seg.words or []) for seg in segments)
print(n)
"""


def bench_batch_floor(folder: Path, n: int = 20, repeats: int = 2) -> dict:
    """`voicecoach batch` on n clips (the long-hold take at n gains, as bench/run.py builds them)
    against the floor: faster-whisper alone on the same clips in one process (FLOOR)."""
    import os
    import subprocess

    import soundfile as sf

    take, sr = sf.read(str(ROOT / "samples" / "long_hold_take1.wav"), dtype="float32", always_2d=True)
    clips = folder / "clips"
    clips.mkdir()
    for i in range(n):
        sf.write(str(clips / f"take-{i:02d}.wav"), take * 10 ** (-0.1 * i / 20), sr, subtype="PCM_16")
    paths = sorted(str(p) for p in clips.glob("*.wav"))
    voicecoach = str(Path(sys.executable).parent / "voicecoach")
    batch_cmd = [voicecoach, "batch", str(clips), "--out", str(folder / "out"), "--agent-channel", "right", "--force",
                 "--jobs", str(os.cpu_count() or 1)]
    floor_cmd = [sys.executable, "-c", FLOOR, transcribe.resolve_model(None).location, *paths]
    b, f = [], []
    for _ in range(repeats):  # alternating
        for cmd, out in ((floor_cmd, f), (batch_cmd, b)):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.append(round(time.perf_counter() - t0, 2))
    return {"clips": n, "batch_s": b, "floor_s": f, "ratio": round(min(b) / min(f), 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=4, help="calls built like bench/words.py, besides the three of make accuracy")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--settings", default=",".join(SETTINGS))
    ap.add_argument("--model", default=None)
    ap.add_argument("--stop", action="store_true", help="also time stop-to-debrief on a cued take through the audio device")
    ap.add_argument("--only-stop", action="store_true", help="only that")
    ap.add_argument("--stop-minutes", type=float, default=2.0)
    ap.add_argument("--batch-floor", action="store_true", help="only: voicecoach batch vs faster-whisper alone in one process")
    args = ap.parse_args()
    if args.batch_floor:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="voicecoach-floor-") as d:
            r = bench_batch_floor(Path(d))
        print(f"batch of {r['clips']} clips: {min(r['batch_s']):.1f} s vs faster-whisper alone, model loaded once "
              f"(batched pipeline, own VAD, beam 5) {min(r['floor_s']):.1f} s: {r['ratio']:.2f}x the floor (best of {len(r['batch_s'])})")
        print(json.dumps(r))
        return 0
    if args.stop or args.only_stop:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="voicecoach-stop-") as d:
            r = bench_stop_to_debrief(Path(d), args.stop_minutes)
        print(f"stop to debrief, {r['take_s']:.0f} s cued take through the audio device: {r['stop_to_debrief_s']:.2f} s "
              f"(incremental; {r['units_ready']} units decoded during the take, {r['units_after_stop']} after) vs "
              f"{r['analyze_today_s']:.2f} s analyze after the stop with today's settings: {r['ratio_vs_today']:.2f}x; "
              f"new default without incremental {r['analyze_new_default_s']:.2f} s; equal to analyze: {r['equals_offline_analyze']}")
        print(json.dumps(r))
        if args.only_stop:
            return 0
    settings = args.settings.split(",")
    realspeech.require_real_speech = lambda: None  # noqa: E731 - only pytest's fail() in it
    data = []
    for name, y, text in channels(args.calls):
        act = activity.detect(y, sr=SR, voice_prob=vad.speech_probability(y, sr=SR))  # as analyze does
        data.append((name, y, text, act.segments))
    audio_min = sum(len(y) for _, y, _, _ in data) / SR / 60
    model = load(args.model or transcribe.DEFAULT_MODEL)
    decode_words(model, data[0][1], data[0][3], "batched/1")  # warm-up: both code paths loaded
    decode_words(model, data[0][1], data[0][3], "channel/1")
    seconds: dict[str, list[float]] = {s: [] for s in settings}
    wer: dict[str, dict] = {}
    for rep in range(args.repeats):
        for setting in settings if rep % 2 == 0 else settings[::-1]:  # alternate the order too
            t0 = time.perf_counter()
            hyps = [(name, text, decode_words(model, y, segs, setting)) for name, y, text, segs in data]
            seconds[setting].append(time.perf_counter() - t0)
            if rep == 0:
                per = {}
                for cond in ("clean", "phone"):
                    errs = refs = words = truth_words = 0
                    for name, text, placed in hyps:
                        if name.endswith(cond):
                            e, r = word_errors(text, " ".join(p.word.text for p in placed))
                            errs, refs = errs + e, refs + r
                            words, truth_words = words + len(placed), truth_words + realspeech.word_count(text)
                    per[cond] = {"wer": round(errs / refs, 4), "words": f"{words}/{truth_words}"}
                wer[setting] = per
            print(f"  {setting:14s} run {rep + 1}: {seconds[setting][-1]:.1f} s", file=sys.stderr, flush=True)
    rows = {}
    for s in settings:
        per_min = [x / audio_min for x in seconds[s]]
        rows[s] = {**wer[s], "s_per_audio_min": round(statistics.median(per_min), 2),
                   "spread": [round(min(per_min), 2), round(max(per_min), 2)]}
    today = rows.get(TODAY, {}).get("s_per_audio_min")
    print(f"{len(data)} channels, {audio_min:.1f} min of real speech, {args.repeats} alternating runs, model {args.model or transcribe.DEFAULT_MODEL}")
    print("| strategy / beam | WER clean | WER phone band | words found (clean) | s per audio min (median, min-max) | vs today |")
    print("|---|---|---|---|---|---|")
    for s, r in rows.items():
        vs = f"{r['s_per_audio_min'] / today:.2f}x" if today else ""
        print(f"| {s} | {r['clean']['wer'] * 100:.1f}% | {r['phone']['wer'] * 100:.1f}% | {r['clean']['words']} | "
              f"{r['s_per_audio_min']:.2f} ({r['spread'][0]:.2f}-{r['spread'][1]:.2f}) | {vs} |")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / f"decode-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
