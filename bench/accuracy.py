"""`make accuracy`: voicecoach against ground truth on real human speech, per recording condition.

Three stereo calls of real voices (tests/realspeech.py: Asterisk's telephone voice as the agent,
LibriVox readers as the caller, placed with known gaps) are analysed as they are and as a user's
recordings arrive: MP3, the 8 kHz phone band, line noise at -45 dBFS, the agent 12 dB quieter,
the channels swapped, each with the default `--agent-channel auto`. Each figure is the worst error
over the calls; the tolerances are issue 11's.
Prints a markdown table (the README's "Accuracy on real speech") and writes
bench-results/accuracy-<timestamp>.json.

Usage: .venv/bin/python bench/accuracy.py
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "samples")]

import realspeech as rs  # noqa: E402

from voicecoach.pipeline import Options, analyze  # noqa: E402

TOLERANCE = {"rate": 0.08, "opening": 0.10, "latency_s": 0.12, "latency_noise_s": 0.15, "level_db": 0.7}


def conditions(folder: Path):
    """(condition, path, agent_channel, calls' truth) for every recording condition."""
    built = {}
    for name, customer, agent, t in rs.calls():
        built[name] = (customer, agent, t)
        clean = rs.write_stereo(folder / f"{name}.wav", customer, agent)
        yield "clean", name, clean, "right", t
        yield "MP3 64 kbps", name, rs.mp3_copy(clean, folder / f"{name}.mp3"), "right", t
        y8, sr8 = rs.phone_band(np.stack([customer, agent], axis=1))
        phone = folder / f"{name}-phone.wav"
        sf.write(phone, y8, sr8, subtype="ULAW")
        yield "8 kHz phone band", name, phone, "right", t
        noisy = rs.write_stereo(folder / f"{name}-noise.wav", *rs.with_noise(np.stack([customer, agent]), -45.0))
        yield "noise -45 dBFS", name, noisy, "right", t
        swapped = rs.write_stereo(folder / f"{name}-swapped.wav", agent, customer)
        yield "channels swapped", name, swapped, "left", t
    for name, customer, agent, t in rs.calls(agent_level_dbfs=-30.0):
        yield "agent 12 dB quieter", name, rs.write_stereo(folder / f"{name}-quiet.wav", customer, agent), "right", t
        y8, sr8 = rs.phone_band(np.stack([customer, agent], axis=1))
        both = rs.write_stereo(folder / f"{name}-quiet-phone-noise.wav", *rs.with_noise(y8, -45.0).T, sr=sr8)
        yield "quiet agent, phone band, noise -45 dBFS", name, both, "right", t


def errors(a, t) -> dict:
    rate = a.agent.rate_wpm
    opening = a.agent.opening
    lat = a.latency.values_s if a.latency else []
    lat_err = max((abs(x - y) for x, y in zip(lat, t["latencies_s"])), default=None) if len(lat) == len(t["latencies_s"]) else None
    return {
        "words": a.agent.words,
        "words_truth": t["agent_words"],
        "rate_err": None if rate is None else rate / t["agent_rate_wpm"] - 1,
        "rate_trusted": a.agent.rate_confidence == "high",
        "opening_err": None if opening is None or opening.rate_wpm is None else opening.rate_wpm / t["opening"]["rate_wpm"] - 1,
        "opening_trusted": opening is not None and opening.confidence == "high",
        "latency_count": f"{len(lat)}/{len(t['latencies_s'])}",
        "latency_err_s": lat_err,
        "level_dbfs": a.agent.level.median_dbfs,
        "warnings": a.warnings,
    }


def worst(rows: list[dict], key: str) -> float | None:
    values = [abs(r[key]) for r in rows if r[key] is not None]
    return max(values) if values and len(values) == len(rows) else None


def main() -> int:
    rs.require_real_speech = lambda: None  # noqa: E731 - only pytest's fail() in it
    out: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for cond, name, path, channel, t in conditions(Path(tmp)):
            a = analyze(path, Options())  # the default: --agent-channel auto
            chosen = a.agent_channel.channel if a.agent_channel else None
            out.setdefault(cond, []).append({"call": name, "channel_ok": chosen == channel, **errors(a, t)})
            print(f"  {cond:22s} {name}: {out[cond][-1]['words']}/{t['agent_words']} words", file=sys.stderr)
    clean_level = {r["call"]: r["level_dbfs"] for r in out["clean"]}
    print("| recording | agent channel (auto) | agent words found | rate_wpm error | opening rate error (confidence) | latencies found | latency error | level |")
    print("|---|---|---|---|---|---|---|---|")
    for cond, rows in out.items():
        found = sum(r["words"] for r in rows), sum(r["words_truth"] for r in rows)
        lat_n = ", ".join(r["latency_count"] for r in rows)
        fmt = lambda v, pct=True: "n/a" if v is None else (f"{v * 100:.1f}%" if pct else f"{v:.2f} s")  # noqa: E731
        level = ""
        if cond == "agent 12 dB quieter":
            shifts = [r["level_dbfs"] - clean_level[r["call"]] for r in rows if r["level_dbfs"] is not None]
            level = f"{min(shifts):+.1f} to {max(shifts):+.1f} dB (truth -10.0)" if shifts else "n/a"
        right = sum(r["channel_ok"] for r in rows)
        trusted = [r for r in rows if r["opening_trusted"]]
        opening = (f"{fmt(worst(trusted, 'opening_err'))} ({len(trusted)} high)" if trusted else "none high") + (
            f", {len(rows) - len(trusted)} marked low (worst {fmt(worst([r for r in rows if not r['opening_trusted']], 'opening_err'))})"
            if len(trusted) < len(rows) else "")
        low = sum(not r["rate_trusted"] for r in rows)
        rate = fmt(worst(rows, "rate_err")) + (f" ({low} marked low)" if low else "")
        print(f"| {cond} | {right}/{len(rows)} right | {found[0]}/{found[1]} | {rate} | {opening} | "
              f"{lat_n} | {fmt(worst(rows, 'latency_err_s'), pct=False)} | {level} |")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = ROOT / "bench-results"
    folder.mkdir(exist_ok=True)
    (folder / f"accuracy-{stamp}.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
