"""Real speech at known rates for the live pace line (voicecoach/live.py).

A passage is held-out Asterisk telephone prompts (tests/syllable_truth.py: never used to tune the
nucleus detector) in name order, each time-stretched by sox ``tempo -s`` (WSOLA: the timing changes,
the pitch and the words do not) and joined with short silences. Each prompt's truth is its CMU
dictionary syllables and its speaking time as the pipeline measures it (activity with Silero VAD,
as syllable_truth.measure), placed where it sits in the passage; ``truth_sps(a, b)`` is the
syllables of the speech inside [a, b) (each prompt's share by its speaking time there) over that
speaking time: the truth for a rolling window whatever its edges cut.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import syllable_truth as st
from realspeech import SR, prompt, prompt_texts

GAP_S = 0.5  # silence between prompts: a pause (>= 0.25 s) at every tempo used here


@functools.cache
def held_out_prompts() -> list[tuple[str, int]]:
    """(name, dictionary syllables) of the held-out prompts of 6 syllables or more, in name order."""
    out = []
    for name, text in sorted(prompt_texts().items()):
        if re.search(r"[<>()]", text) or not st.is_held_out(name):
            continue
        n = st.dictionary_syllables(text)
        if n is not None and n >= 6:
            out.append((name, n))
    return out


def stretched(y: np.ndarray, tempo: float) -> np.ndarray:
    """``y`` spoken ``tempo`` times as fast (sox tempo -s), same pitch."""
    if tempo == 1.0:
        return y
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        sf.write(str(src), y, SR, subtype="FLOAT")
        subprocess.run(["sox", str(src), str(dst), "tempo", "-s", f"{tempo}"], check=True, capture_output=True)
        return sf.read(str(dst), dtype="float32")[0]


@dataclass(frozen=True)
class Piece:
    name: str
    syllables: int
    segments: tuple[tuple[float, float], ...]  # speech, in seconds of the passage

    @property
    def speech_s(self) -> float:
        return sum(b - a for a, b in self.segments)


@dataclass(frozen=True)
class Passage:
    samples: np.ndarray
    pieces: tuple[Piece, ...]
    sections: tuple[tuple[float, float, float], ...]  # (start_s, end_s, tempo) of each known-rate stretch

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SR

    def truth_sps(self, a: float, b: float) -> float | None:
        """Dictionary syllables per second of speech inside [a, b) of the passage."""
        syl = speech = 0.0
        for p in self.pieces:
            inside = sum(max(0.0, min(e, b) - max(s, a)) for s, e in p.segments)
            if inside > 0:
                syl += p.syllables * inside / p.speech_s
                speech += inside
        return syl / speech if speech > 0 else None

    def truth_overall_sps(self) -> float:
        return sum(p.syllables for p in self.pieces) / sum(p.speech_s for p in self.pieces)


def passage(sections: list[tuple[float, float]], *, lead_s: float = 0.5) -> Passage:
    """Consecutive held-out prompts, section by section: (tempo, seconds of audio at least) each."""
    from voicecoach import activity, vad

    pool = iter(held_out_prompts())
    parts, pieces, t, spans = [np.zeros(int(lead_s * SR), np.float32)], [], lead_s, []
    for tempo, seconds in sections:
        start, end = t, t + seconds
        while t < end:
            name, syllables = next(pool)
            y = stretched(prompt(name)[0], tempo)
            act = activity.detect(y, sr=SR, voice_prob=vad.speech_probability(y, sr=SR))
            if act.segments:
                pieces.append(Piece(name, syllables, tuple((t + s.start_s, t + s.end_s) for s in act.segments)))
            parts += [y, np.zeros(int(GAP_S * SR), np.float32)]
            t += len(y) / SR + GAP_S
        spans.append((start, t, tempo))
    return Passage(np.concatenate(parts), tuple(pieces), tuple(spans))


def tempo_for(target_sps: float, probe_s: float = 20.0) -> float:
    """The sox tempo that brings the held-out prompts' own dictionary rate to ``target_sps``."""
    return round(target_sps / passage([(1.0, probe_s)]).truth_overall_sps(), 3)
