#!/usr/bin/env python3
"""Regenerate the bundled sample takes and their ground truth (samples/truth.json).

Every line is spoken by espeak-ng at a chosen rate, trimmed to its first and last audible sample,
and placed on the timeline with an exact gap, so word counts, speaking time, latencies and levels
are known by construction rather than measured by the code under test.

    python samples/make_samples.py            # writes samples/*.wav and samples/truth.json

Tests import ``synth_line``, ``build_scene`` and ``Line`` from here to make their own clips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
HERE = Path(__file__).resolve().parent
AGENT_VOICE = "en-us"
CUSTOMER_VOICE = "en-gb+f3"
TRUTH_FRAME_S = 0.010
SILENT_DBFS = -60.0  # on clean synthetic audio, frames below this are silence (truth detector)
TRUTH_MIN_PAUSE_S = 0.25


def espeak(text: str, *, voice: str, wpm: int, pitch: int = 50) -> np.ndarray:
    """Speak ``text`` with espeak-ng, return 16 kHz float32 mono trimmed to audible samples."""
    import librosa

    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        y, sr = sf.read(wav, dtype="float32")
    y = librosa.resample(y, orig_sr=sr, target_sr=SR, res_type="soxr_hq")
    return trim(y)


def _frame_dbfs(y: np.ndarray) -> np.ndarray:
    hop = int(TRUTH_FRAME_S * SR)
    n = len(y) // hop
    frames = y[: n * hop].reshape(n, hop)
    return 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-10)


def trim(y: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence at 10 ms resolution (relative to the line's peak)."""
    db = _frame_dbfs(y)
    loud = np.flatnonzero(db > db.max() + SILENT_DBFS)
    hop = int(TRUTH_FRAME_S * SR)
    return y[loud[0] * hop : (loud[-1] + 1) * hop]


def phonation_s(y: np.ndarray) -> float:
    """Truth speaking time of a trimmed line: its length minus internal silences >= 0.25 s."""
    db = _frame_dbfs(y)
    silent = db <= db.max() + SILENT_DBFS
    total = len(db)
    gaps, run = 0, 0
    for s in silent:
        if s:
            run += 1
        else:
            if run * TRUTH_FRAME_S >= TRUTH_MIN_PAUSE_S:
                gaps += run
            run = 0
    return (total - gaps) * TRUTH_FRAME_S


def set_level(y: np.ndarray, dbfs: float) -> np.ndarray:
    """Scale so the RMS over audible frames is ``dbfs``."""
    db = _frame_dbfs(y)
    hop = int(TRUTH_FRAME_S * SR)
    active = np.repeat(db > db.max() - 30, hop)
    rms = np.sqrt(np.mean(y[: len(active)][active] ** 2))
    return (y * (10 ** (dbfs / 20) / rms)).astype(np.float32)


@dataclass
class Line:
    speaker: str  # "agent" or "customer"
    sentences: list[str]
    wpm: int = 160  # espeak-ng rate setting (nominal)
    gap_s: float = 0.8  # silence before this line: from the previous line's end (negative = overlap)
    level_dbfs: float = -20.0
    pitch: int = 50
    sentence_gap_s: float = 0.4
    opening_gap_s: float | None = None  # gap after the first sentence, if different
    opening_wpm: int | None = None  # rate of the first sentence, if different
    voice: str | None = None  # espeak-ng voice, if not the speaker's usual one
    clips: list[np.ndarray] | None = None  # recorded audio per sentence (trimmed, 16 kHz) instead of espeak-ng


def words_in(text: str) -> int:
    return len(text.split())


def build_scene(lines: list[Line], *, lead_s: float = 0.5, tail_s: float = 0.8):
    """Place lines on two tracks. Returns (customer, agent, truth dict)."""
    placed = []
    t = lead_s
    for line in lines:
        voice = line.voice or (AGENT_VOICE if line.speaker == "agent" else CUSTOMER_VOICE)
        parts, part_truth = [], []
        for k, sentence in enumerate(line.sentences):
            wpm = line.opening_wpm if (k == 0 and line.opening_wpm) else line.wpm
            spoken = line.clips[k] if line.clips is not None else espeak(sentence, voice=voice, wpm=wpm, pitch=line.pitch)
            y = set_level(spoken, line.level_dbfs)
            if k:
                gap = line.opening_gap_s if (k == 1 and line.opening_gap_s is not None) else line.sentence_gap_s
                parts.append(np.zeros(int(round(gap * SR)), np.float32))
            parts.append(y)
            part_truth.append({"text": sentence, "words": words_in(sentence), "speaking_s": round(phonation_s(y), 3)})
        audio = np.concatenate(parts)
        start = t + line.gap_s if placed else t
        placed.append((line, start, audio, part_truth))
        t = start + len(audio) / SR
    duration = t + tail_s
    n = int(round(duration * SR))
    tracks = {"agent": np.zeros(n, np.float32), "customer": np.zeros(n, np.float32)}
    truth_lines = []
    for line, start, audio, part_truth in placed:
        i = int(round(start * SR))
        tracks[line.speaker][i : i + len(audio)] += audio
        truth_lines.append(
            {
                "speaker": line.speaker,
                "start_s": round(i / SR, 3),
                "end_s": round((i + len(audio)) / SR, 3),
                "sentences": part_truth,
                "level_dbfs": line.level_dbfs,
            }
        )
    return tracks["customer"], tracks["agent"], _truth(truth_lines, duration)


def _truth(lines: list[dict], duration_s: float) -> dict:
    agent = [ln for ln in lines if ln["speaker"] == "agent"]
    words = sum(s["words"] for ln in agent for s in ln["sentences"])
    speaking = sum(s["speaking_s"] for ln in agent for s in ln["sentences"])
    latencies = []
    customer_end = None  # end of the caller's speech since the last real agent turn
    for ln in lines:
        if ln["speaker"] == "customer":
            customer_end = max(customer_end or 0.0, ln["end_s"])
        elif not _is_backchannel(ln):
            if customer_end is not None:
                latencies.append(round(ln["start_s"] - customer_end, 3))
            customer_end = None
    opening = agent[0]["sentences"][0] if agent else None
    return {
        "duration_s": round(duration_s, 3),
        "agent_words": words,
        "agent_speaking_s": round(speaking, 3),
        "agent_rate_wpm": round(words / (speaking / 60), 1) if speaking else None,
        "opening": None
        if opening is None
        else {
            "text": opening["text"],
            "words": opening["words"],
            "start_s": agent[0]["start_s"],
            "rate_wpm": round(opening["words"] / (opening["speaking_s"] / 60), 1),
        },
        "latencies_s": latencies,
        "lines": lines,
    }


def _is_backchannel(line: dict) -> bool:
    words = sum(s["words"] for s in line["sentences"])
    return line["end_s"] - line["start_s"] <= 1.0 and words <= 2


C1 = ["Hi, this is Alex.", "I have been on hold for twelve minutes.", "I already tried the website and it did not help."]


def long_hold_take1() -> list[Line]:
    """Rushed: fast opening, no apology, a jump-in over the caller, a stall, an overpromise."""
    return [
        Line("customer", C1, wpm=175, level_dbfs=-16, pitch=70),
        Line("agent", ["Thanks for calling, what can I do for you today?", "Let me pull up your account."],
             wpm=140, opening_wpm=150, gap_s=0.3, level_dbfs=-18, opening_gap_s=0.6),
        Line("customer", ["My internet has been down since last night."], wpm=175, gap_s=0.9, level_dbfs=-16, pitch=70),
        Line("agent", ["Okay."], wpm=180, gap_s=0.35, level_dbfs=-22),
        Line("customer", ["And I work from home every day."], wpm=175, gap_s=0.35, level_dbfs=-16, pitch=70),
        Line("agent", ["I promise we will definitely fix it today, no problem at all."],
             wpm=140, gap_s=-0.4, level_dbfs=-16),
        Line("customer", ["Can you tell me when exactly?"], wpm=175, gap_s=0.5, level_dbfs=-15, pitch=72),
        Line("agent", ["Somebody will call you."], wpm=140, gap_s=3.6, level_dbfs=-15),
    ]


def long_hold_take2() -> list[Line]:
    """Calm: slow apologetic opening naming the wait, deliberate pauses, two options, a clear close."""
    return [
        Line("customer", C1, wpm=175, level_dbfs=-16, pitch=70),
        Line("agent", ["I'm so sorry you waited twelve minutes on hold, Alex.",
                       "That is a long wait, and your time matters.", "Let me pull up your account right now."],
             wpm=115, opening_wpm=105, gap_s=1.0, level_dbfs=-20, opening_gap_s=0.7),
        Line("customer", ["My internet has been down since last night and I work from home."],
             wpm=170, gap_s=0.9, level_dbfs=-17, pitch=62),
        Line("agent", ["I hear you, that is stressful.", "The system is slow today, so I have two options for you.",
                       "I can book a technician for tomorrow morning, or I can send you a mobile modem today."],
             wpm=115, gap_s=1.2, level_dbfs=-20),
        Line("customer", ["Okay.", "The technician tomorrow sounds good."], wpm=160, gap_s=0.9, level_dbfs=-23, pitch=40),
        Line("agent", ["Great.", "To sum up, the technician will be there tomorrow by noon, and I will text you the confirmation within the hour.",
                       "Thank you for your patience, Alex."], wpm=115, gap_s=0.8, level_dbfs=-20),
    ]


def write_stereo(path: Path, customer: np.ndarray, agent: np.ndarray) -> None:
    """Customer on the left channel, agent on the right (as a two-channel call recorder would)."""
    sf.write(path, np.stack([customer, agent], axis=1), SR, subtype="PCM_16")


def write_long_hold_cues() -> None:
    """The long-hold card's recorded caller lines (the same voice as the samples), for practice --cues."""
    import tomllib

    cards = HERE.parent / "voicecoach" / "scenarios"
    card = tomllib.loads((cards / "long-hold.toml").read_text())
    (cards / "cues").mkdir(exist_ok=True)
    for i, line in enumerate(card["customer_lines"], 1):
        sentences = [s.strip() + "." for s in line.split(".") if s.strip()]
        parts = []
        for k, sentence in enumerate(sentences):
            if k:
                parts.append(np.zeros(int(0.4 * SR), np.float32))
            parts.append(set_level(espeak(sentence, voice=CUSTOMER_VOICE, wpm=175, pitch=70), -18))
        sf.write(cards / "cues" / f"long-hold-{i}.ogg", np.concatenate(parts), SR, format="OGG", subtype="VORBIS")


def main() -> None:
    truth = {}
    for name, scene in (("long_hold_take1", long_hold_take1()), ("long_hold_take2", long_hold_take2())):
        customer, agent, t = build_scene(scene)
        write_stereo(HERE / f"{name}.wav", customer, agent)
        truth[name] = {"layout": "stereo", "agent_channel": "right", **t}
    # Agent only: take 2's agent lines, the caller's turns left as silence.
    mono_lines = [ln for ln in long_hold_take2() if ln.speaker == "agent"]
    for ln in mono_lines[1:]:
        ln.gap_s = 2.5
    _, agent, t = build_scene(mono_lines)
    sf.write(HERE / "long_hold_mono.wav", agent, SR, subtype="PCM_16")
    t["latencies_s"] = []
    truth["long_hold_mono"] = {"layout": "mono", **t}
    (HERE / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    write_long_hold_cues()
    for name, t in truth.items():
        print(f"{name}: {t['duration_s']:.1f} s, agent {t['agent_words']} words, {t['agent_rate_wpm']} wpm, "
              f"opening {t['opening']['rate_wpm']} wpm, latencies {t['latencies_s']}")


if __name__ == "__main__":
    main()
