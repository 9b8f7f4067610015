"""`make bench`: what voicecoach costs on top of transcription, measured side by side in one run.

Prints each figure as a ratio against its target and writes bench-results/<timestamp>.json.
Clips are built from the bundled samples (samples/long_hold_take*.wav) into a temporary folder:

1. analyze on a 2-minute stereo clip vs faster-whisper alone on the same two channels, same model
   and settings (both as fresh processes, best of N alternating runs);       target <= 1.2x
2. the analysis stages alone, seconds per minute of audio, stage by stage;
3. `voicecoach --help` wall time (median of 7);                             target < 0.3 s
4. `voicecoach batch` of 20 clips vs 20 separate `voicecoach analyze` runs;  target >= 2x faster
5. peak RSS of `voicecoach analyze` on a 60-minute stereo clip;              target < 1.5 GB
6. the HTML page of the 2-minute clip beyond its analysis (CPU seconds): MP3 encoding and drawing
   only, since the pipeline hands over its decoded audio and level/pitch tracks.
7. own signal code vs the scipy/librosa call it stands in for (per minute of audio, plus what the
   library's import costs a process) and F0 trackers on synthetic voices of known pitch
   (bench/libraries.py): the figures the comments on the kept pieces cite.
8. Ctrl-C during a batch (--jobs 1 and --jobs <cores>) to its exit;          target < 2 s
9. the practice history at 300,000 takes: progress for one agent and for the team, and the cost
   of recording a take (bench/history.py);                                  targets < 1 s, < 5 ms
10. the live pace line of record/practice (bench/live.py): its CPU share while a take plays through
    the audio device in real time, target < 0.2 of one core; the line's redraws a second, >= 10.
11. decode settings on real speech (bench/decode.py: WER and seconds per audio minute per setting;
    with an audio device, stop-to-debrief of a 2-minute cued take vs analyze after the stop)

Usage: .venv/bin/python bench/run.py [--repeats N] [--skip-long] [--skip-libraries] [--skip-history] [--skip-live] [--skip-decode]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VOICECOACH = str(BIN / "voicecoach")
SR = 16000

TARGET_ANALYZE_RATIO = 1.2
TARGET_HELP_S = 0.3
TARGET_BATCH_SPEEDUP = 2.0
TARGET_PEAK_GB = 1.5
TARGET_STOP_S = 2.0

# faster-whisper alone, as voicecoach called it before issue 15 (each channel whole, sequential,
# beam 5): one process, model loaded once, every channel transcribed, segments and words consumed.
BASELINE = r"""
import sys, soundfile as sf, numpy as np
from faster_whisper import WhisperModel
path, location = sys.argv[1], sys.argv[2]
data, sr = sf.read(path, dtype="float32", always_2d=True)
model = WhisperModel(location, device="cpu", compute_type="int8", local_files_only=True)
n = 0
for ch in data.T:
    segments, _ = model.transcribe(np.ascontiguousarray(ch), language=None, beam_size=5, word_timestamps=True,
                                   condition_on_previous_text=False, vad_filter=False)
    for seg in segments:
        n += len(seg.words or [])
print(n)
"""


def _read(name: str) -> np.ndarray:
    data, sr = sf.read(str(ROOT / "samples" / f"{name}.wav"), dtype="float32", always_2d=True)
    assert sr == SR, f"{name}: expected {SR} Hz"
    return data  # (n, 2): customer left, agent right


def two_minute_clip(path: Path) -> float:
    """Take 2 + take 1 + take 1 of the long-hold scene: about 122 s of two-party speech."""
    data = np.concatenate([_read("long_hold_take2"), _read("long_hold_take1"), _read("long_hold_take1")])
    sf.write(str(path), data, SR, subtype="PCM_16")
    return len(data) / SR


def hour_clip(path: Path, minutes: float = 60.0) -> float:
    """A long call written block by block (never whole in memory): take 1 every 3 minutes, quiet
    line hiss between, like a long hold. Mostly silence keeps the transcription time sane."""
    take = _read("long_hold_take1")
    period = int(180 * SR)
    total = int(minutes * 60 * SR)
    rng = np.random.default_rng(7)
    with sf.SoundFile(str(path), "w", SR, 2, subtype="PCM_16") as f:
        for start in range(0, total, period):
            n = min(period, total - start)
            block = (rng.standard_normal((n, 2)) * 10 ** (-65 / 20)).astype(np.float32)
            k = min(len(take), n)
            block[:k] += take[:k]
            f.write(block)
    return total / SR


def timed(cmd: list[str], **kw) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t0


def peak_rss_bytes(cmd: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS of one child process (os.wait4 reports that child alone)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit {proc.returncode}")
    return time.perf_counter() - t0, usage.ru_maxrss * 1024  # Linux: kilobytes


def bench_analyze(tmp: Path, repeats: int) -> dict:
    from voicecoach.transcribe import resolve_model

    clip = tmp / "two_minutes.wav"
    duration_s = two_minute_clip(clip)
    location = resolve_model(None).location
    analyze_cmd = [VOICECOACH, "analyze", str(clip), "--agent-channel", "right", "--format", "json"]
    baseline_cmd = [sys.executable, "-c", BASELINE, str(clip), location]
    a, b = [], []
    for _ in range(repeats):  # alternate, so a burst of load elsewhere hits both alike
        b.append(timed(baseline_cmd))
        a.append(timed(analyze_cmd))
    ratio = min(a) / min(b)
    return {
        "clip_s": round(duration_s, 2),
        "analyze_s": [round(x, 3) for x in a],
        "whisper_alone_s": [round(x, 3) for x in b],
        "ratio": round(ratio, 3),
        "target": f"<= {TARGET_ANALYZE_RATIO}",
        "ok": ratio <= TARGET_ANALYZE_RATIO,
    }


def bench_stages(tmp: Path) -> dict:
    """Each stage in-process on the 2-minute clip, after one warm-up (imports excluded)."""
    from voicecoach import activity, audio, vad
    from voicecoach.analysis import loudness, pitch, syllables, turns
    from voicecoach.pipeline import Options, analyze

    clip = tmp / "two_minutes.wav"
    result = analyze(clip, Options(agent_channel="right"))  # warm-up; its words feed evidence
    timings: dict[str, float] = {}

    def stage(name, fn):
        t0 = time.perf_counter()
        out = fn()
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0
        return out

    loaded = stage("decode+resample", lambda: audio.load(clip))
    segments = {}
    for name, ch in zip(("customer", "agent"), loaded.channels):
        prob = stage("voice (Silero VAD)", lambda: vad.speech_probability(ch, sr=loaded.sr))
        act = stage("activity", lambda: activity.detect(ch, sr=loaded.sr, voice_prob=prob))
        mask = act.frame_mask()
        stage("level", lambda: loudness.level_stats(act.frame_dbfs, mask, hop_s=act.hop_s))
        f0 = stage("pitch", lambda: pitch.track(ch, sr=loaded.sr, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=mask))
        stage("syllables", lambda: syllables.count_nuclei(act.frame_dbfs, mask, f0, hop_s=act.hop_s))
        segments[name] = act.segments

    def latency():
        raw = turns.build_turns(segments)
        return turns.latencies(raw, [False] * len(raw))

    stage("latency", latency)
    try:
        from voicecoach.analysis import evidence

        stage("evidence", lambda: evidence.collect(result.words))
    except ImportError:
        timings["evidence"] = float("nan")
    minutes = loaded.duration_s / 60.0
    per_min = {k: round(v / minutes, 4) for k, v in timings.items()}
    return {"audio_min": round(minutes, 3), "s_per_audio_min": per_min, "total_s_per_audio_min": round(sum(timings.values()) / minutes, 4)}


def bench_report(tmp: Path, runs: int = 3) -> dict:
    """CPU seconds (best of ``runs``) of the 2-minute clip's HTML page beyond its analysis: the
    media (the pipeline's decoded audio encoded to MP3) and the page (figures and template)."""
    from voicecoach.pipeline import Options, analyze_clip
    from voicecoach.report import media, render

    got = analyze_clip(tmp / "two_minutes.wav", Options(agent_channel="right"))

    def best(fn) -> float:
        spent = []
        for _ in range(runs):
            t0 = time.process_time()
            fn()
            spent.append(time.process_time() - t0)
        return min(spent)

    embedded = media.of(got)
    media_s = best(lambda: media.of(got))
    page_s = best(lambda: render(got.analysis, "html", media=embedded))
    minutes = got.analysis.duration_s / 60.0
    return {"media_s": round(media_s, 3), "page_s": round(page_s, 3), "s_per_audio_min": round((media_s + page_s) / minutes, 3)}


def bench_help(runs: int = 7) -> dict:
    times = sorted(timed([VOICECOACH, "--help"]) for _ in range(runs))
    median = times[len(times) // 2]
    return {"median_s": round(median, 3), "runs_s": [round(t, 3) for t in times], "target": f"< {TARGET_HELP_S}", "ok": median < TARGET_HELP_S}


def _batch_folder(tmp: Path, n: int) -> Path:
    """``n`` distinct clips (take 1 at ``n`` gains, so no two share a content hash), built once."""
    folder = tmp / "batch_in"
    if not folder.is_dir():
        folder.mkdir()
        take = _read("long_hold_take1")
        for i in range(n):
            sf.write(str(folder / f"take-{i:02d}.wav"), take * 10 ** (-0.1 * i / 20), SR, subtype="PCM_16")
    return folder


def bench_batch(tmp: Path, n: int = 20) -> dict:
    """20 distinct clips, as one batch vs 20 analyze runs."""
    folder = _batch_folder(tmp, n)
    take = _read("long_hold_take1")
    clips = sorted(folder.glob("*.wav"))
    t0 = time.perf_counter()
    for c in clips:
        subprocess.run([VOICECOACH, "analyze", str(c), "--agent-channel", "right", "--format", "json"], check=True, stdout=subprocess.DEVNULL)
    separate = time.perf_counter() - t0
    jobs = os.cpu_count() or 1
    cmd = [VOICECOACH, "batch", str(folder), "--out", str(tmp / "batch_out"), "--agent-channel", "right", "--reanalyse", "--jobs", str(jobs)]
    batch = timed(cmd, stderr=subprocess.DEVNULL)
    speedup = separate / batch
    return {
        "clips": n,
        "clip_s": round(len(take) / SR, 2),
        "jobs": jobs,
        "separate_analyze_s": round(separate, 2),
        "batch_s": round(batch, 2),
        "speedup": round(speedup, 2),
        "target": f">= {TARGET_BATCH_SPEEDUP}",
        "ok": speedup >= TARGET_BATCH_SPEEDUP,
    }


def _stop_s(cmd: list[str], out: Path) -> float:
    """Seconds from a Ctrl-C (SIGINT to the whole process group, as a terminal sends it) to the
    batch's exit, sent once its first clip is written."""
    import signal

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while not list(out.rglob("*.row.json")) and proc.poll() is None:
        time.sleep(0.01)
    sent = time.perf_counter()
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait()
    return time.perf_counter() - sent


def bench_interrupt(tmp: Path, n: int = 20) -> dict:
    """Ctrl-C during a batch, with --jobs 1 and --jobs <cores>: the worst of both."""
    folder = _batch_folder(tmp, n)
    runs = {}
    for jobs in sorted({1, os.cpu_count() or 1}):
        out = tmp / f"interrupt_out_{jobs}"
        runs[jobs] = round(_stop_s([VOICECOACH, "batch", str(folder), "--out", str(out), "--agent-channel", "right", "--jobs", str(jobs)], out), 3)
    worst = max(runs.values())
    return {"stop_s_by_jobs": runs, "worst_s": worst, "target": f"< {TARGET_STOP_S}", "ok": worst < TARGET_STOP_S}


def bench_long(tmp: Path, minutes: float) -> dict:
    clip = tmp / "hour.wav"
    duration_s = hour_clip(clip, minutes)
    wall, peak = peak_rss_bytes([VOICECOACH, "analyze", str(clip), "--agent-channel", "right", "--format", "json"])
    gb = peak / 1e9
    return {
        "clip_min": round(duration_s / 60, 1),
        "wall_s": round(wall, 1),
        "peak_rss_gb": round(gb, 3),
        "target": f"< {TARGET_PEAK_GB}",
        "ok": gb < TARGET_PEAK_GB,
    }


def bench_decode() -> dict:
    """bench/decode.py in its own process (it prints the README's "Decode settings" table); the
    stop-to-debrief part only where PortAudio sees an input device and paplay exists."""
    import shutil

    cmd = [sys.executable, str(ROOT / "bench" / "decode.py"), "--calls", "2", "--repeats", "3"]
    try:
        import sounddevice as sd

        if shutil.which("paplay") and any(d["max_input_channels"] > 0 for d in sd.query_devices()):
            cmd.append("--stop")
    except OSError:
        pass
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    print(out, end="", flush=True)
    return {"command": " ".join(cmd[1:]), "output": out.splitlines()}


def _mark(ok: bool) -> str:
    return "ok  " if ok else "OVER"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="alternating runs of analyze vs faster-whisper alone")
    ap.add_argument("--long-minutes", type=float, default=60.0)
    ap.add_argument("--skip-long", action="store_true", help="skip the 60-minute peak-memory run")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--skip-libraries", action="store_true", help="skip own code vs scipy/librosa (about 40 s)")
    ap.add_argument("--skip-history", action="store_true", help="skip the 300,000-take history (about two minutes)")
    ap.add_argument("--skip-live", action="store_true", help="skip the live pace line (60 s in real time)")
    ap.add_argument("--skip-decode", action="store_true", help="skip bench/decode.py (decode settings, stop-to-debrief)")
    args = ap.parse_args()
    results: dict = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as d:
        tmp = Path(d)
        h = results["startup"] = bench_help()
        print(f"[{_mark(h['ok'])}] start-up  voicecoach --help  {h['median_s']:.3f} s  ({h['median_s'] / TARGET_HELP_S:.2f} of the {TARGET_HELP_S} s budget)", flush=True)
        a = results["analyze_vs_whisper"] = bench_analyze(tmp, args.repeats)
        print(
            f"[{_mark(a['ok'])}] analyze {a['clip_s']:.0f} s stereo  {min(a['analyze_s']):.2f} s vs faster-whisper alone "
            f"{min(a['whisper_alone_s']):.2f} s  ratio {a['ratio']:.3f}x  (target <= {TARGET_ANALYZE_RATIO}x)",
            flush=True,
        )
        s = results["stages"] = bench_stages(tmp)
        print(f"       stages, seconds per minute of audio ({s['audio_min']:.2f} min, both channels):", flush=True)
        for k, v in s["s_per_audio_min"].items():
            print(f"         {k:<16} {v:8.4f}", flush=True)
        print(f"         {'total':<16} {s['total_s_per_audio_min']:8.4f}", flush=True)
        r = results["html_report"] = bench_report(tmp)
        print(f"       HTML page beyond the analysis: media {r['media_s']:.3f} s + page {r['page_s']:.3f} s CPU  "
              f"({r['s_per_audio_min']:.3f} s per minute of audio)", flush=True)  # fmt: skip
        if not args.skip_libraries:
            import libraries

            results["libraries"] = libraries.bench_libraries()
            print("\n".join(libraries.report(results["libraries"])), flush=True)
        if not args.skip_live:
            import live

            results["live"] = live.bench_live()
            print("\n".join(live.report(results["live"])), flush=True)
        if not args.skip_batch:
            b = results["batch"] = bench_batch(tmp)
            print(
                f"[{_mark(b['ok'])}] batch of {b['clips']} x {b['clip_s']:.0f} s  {b['batch_s']:.1f} s (--jobs {b['jobs']}) vs "
                f"{b['separate_analyze_s']:.1f} s separately  speedup {b['speedup']:.2f}x  (target >= {TARGET_BATCH_SPEEDUP}x)",
                flush=True,
            )
            i = results["interrupt"] = bench_interrupt(tmp)
            print(
                f"[{_mark(i['ok'])}] Ctrl-C during a batch  stopped in {i['worst_s']:.2f} s at worst "
                f"({', '.join(f'--jobs {j}: {v:.2f} s' for j, v in i['stop_s_by_jobs'].items())}; target < {TARGET_STOP_S} s)",
                flush=True,
            )
        if not args.skip_long:
            m = results["long_clip"] = bench_long(tmp, args.long_minutes)
            print(
                f"[{_mark(m['ok'])}] {m['clip_min']:.0f}-minute stereo clip  peak RSS {m['peak_rss_gb']:.3f} GB  "
                f"({m['peak_rss_gb'] / TARGET_PEAK_GB:.2f} of the {TARGET_PEAK_GB} GB budget; took {m['wall_s']:.0f} s)",
                flush=True,
            )
        if not args.skip_history:
            from history import bench_history, report

            results["history"] = bench_history(tmp)
            print(report(results["history"]), flush=True)
    if not args.skip_decode:
        results["decode"] = bench_decode()
    results["bench_wall_s"] = round(time.perf_counter() - started, 1)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / f"{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)} (bench took {results['bench_wall_s']:.0f} s)")
    checks = [v.get("ok", True) for v in results.values() if isinstance(v, dict)]
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
