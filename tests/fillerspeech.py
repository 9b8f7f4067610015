"""Real speech with filled pauses ("um", "uh", "erm") inserted at known times, and real speech without any.

The words are real human speech with known text (Asterisk's telephone voice, LibriVox readers:
see realspeech.py). The filled pauses are made two ways, so a detector is not tuned to one source:
espeak-ng saying "um"/"uh"/"erm" in several voices and pitches, stretched to a chosen length
(0.25-0.8 s, the range of filled pauses in conversational English: Shriberg 1994 puts most between
0.2 and 0.8 s), and a synthetic sustained schwa (a glottal pulse train through schwa formants,
with jitter and a slow pitch fall, as a hesitating speaker's "uhh" falls). Every filler's start and
end, and the word count and speaking time of the words around them, are known by construction.
"""

from __future__ import annotations

import functools

import numpy as np

import realspeech
from realspeech import SR, librivox_ids, prompt, prompt_texts, reading, word_count

FILLER_LEVEL_DBFS = -24.0  # a filled pause is usually softer than the words around it
WORDS_LEVEL_DBFS = -20.0

# (espeak-ng phoneme input, label): [[V:m]] is "um", [[V:]] "uh", [[3:m]] "erm", [[@:]] a schwa "uh"
ESPEAK_FILLERS = [("[[V:m]]", "um"), ("[[V:]]", "uh"), ("[[3:m]]", "erm"), ("[[@:]]", "uh")]
VOICES = [("en-us", 50), ("en-gb+f3", 60), ("en-us+m3", 30), ("en-us+f2", 70), ("en-us", 25), ("en-gb", 45)]


def stretch_to(y: np.ndarray, duration_s: float) -> np.ndarray:
    """``y`` time-stretched (pitch kept: phase vocoder) to ``duration_s``."""
    import librosa

    out = librosa.effects.time_stretch(y, rate=len(y) / (duration_s * SR))
    return fade(out[: int(round(duration_s * SR))].astype(np.float32))


def fade(y: np.ndarray, edge_s: float = 0.02) -> np.ndarray:
    n = min(int(edge_s * SR), len(y) // 2)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))
    y = y.copy()
    y[:n] *= ramp
    y[len(y) - n :] *= ramp[::-1]
    return y


@functools.cache
def _espeak_raw(phonemes: str, voice: str, pitch: int) -> np.ndarray:
    from make_samples import espeak

    return espeak(phonemes, voice=voice, wpm=80, pitch=pitch)


def espeak_filler(phonemes: str, *, voice: str, pitch: int, duration_s: float) -> np.ndarray:
    return stretch_to(_espeak_raw(phonemes, voice, pitch), duration_s)


def schwa(*, f0_hz: float, duration_s: float, seed: int = 0) -> np.ndarray:
    """A sustained schwa: glottal pulses (jittered, pitch falling 2 semitones) through formants at
    500, 1500 and 2500 Hz (the neutral vowel of a 17 cm vocal tract)."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    n = int(round(duration_s * SR))
    f0 = f0_hz * 2 ** (-2 / 12 * np.linspace(0, 1, n)) * (1 + 0.01 * rng.standard_normal(n).cumsum() / np.sqrt(n))
    phase = np.cumsum(f0 / SR)
    pulses = np.diff(np.floor(phase), prepend=0.0)  # one impulse per glottal period
    y = lfilter([1.0], [1.0, -0.95], pulses)  # glottal roll-off
    for formant_hz, bw_hz in ((500, 80), (1500, 100), (2500, 120)):
        r = np.exp(-np.pi * bw_hz / SR)
        theta = 2 * np.pi * formant_hz / SR
        y = lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], y)
    y += 0.002 * rng.standard_normal(n) * np.std(y) / 0.01  # a little breath noise
    return fade(y.astype(np.float32), 0.04)


def filler(k: int, duration_s: float) -> tuple[np.ndarray, str]:
    """The k-th filler of a test set: espeak-ng fillers in turn over the voices, every third a schwa."""
    if k % 3 == 2:
        return schwa(f0_hz=(110, 190, 140, 220, 95)[k % 5], duration_s=duration_s, seed=k), "uh"
    phonemes, label = ESPEAK_FILLERS[k % len(ESPEAK_FILLERS)]
    voice, pitch = VOICES[k % len(VOICES)]
    return espeak_filler(phonemes, voice=voice, pitch=pitch, duration_s=duration_s), label


@functools.cache
def agent_prompt_names(min_words: int = 5) -> tuple[str, ...]:
    """Asterisk prompts that are whole sentences of at least ``min_words`` words, in name order."""
    return tuple(name for name, text in sorted(prompt_texts().items()) if word_count(text) >= min_words and "/" not in name)


def _place(pieces: list[tuple[np.ndarray, float, str | None, str | None]], lead_s: float = 0.5, tail_s: float = 0.8):
    """Concatenate (audio, gap before, text, filler label) pieces; returns audio and truth."""
    from make_samples import phonation_s, set_level

    t = lead_s
    chunks = [np.zeros(int(round(lead_s * SR)), np.float32)]
    fillers, words, speaking_s, texts = [], 0, 0.0, []
    for k, (y, gap_s, text, label) in enumerate(pieces):
        if k:
            chunks.append(np.zeros(int(round(gap_s * SR)), np.float32))
            t += round(gap_s * SR) / SR
        level = FILLER_LEVEL_DBFS if label else WORDS_LEVEL_DBFS
        y = set_level(y, level)
        chunks.append(y)
        if label:
            fillers.append({"text": label, "start_s": round(t, 3), "end_s": round(t + len(y) / SR, 3)})
        else:
            words += word_count(text)
            texts.append(text)
            speaking_s += phonation_s(y)
        t += len(y) / SR
    chunks.append(np.zeros(int(round(tail_s * SR)), np.float32))
    return np.concatenate(chunks), {"fillers": fillers, "words": words, "words_speaking_s": round(speaking_s, 3), "text": " ".join(texts)}


def filled_take(take: int, *, sentences: int = 8, every: int = 1):
    """An agent-only take of Asterisk sentences with a filled pause before every ``every``-th one
    (and one after the last): varied lengths (0.25-0.8 s), voices, and gaps to the words (0.08-0.5 s,
    a filler said right onto the next word as well as one standing alone). Returns (audio, truth)."""
    rng = np.random.default_rng(100 + take)
    names = agent_prompt_names()
    picks = rng.choice(len(names), size=sentences, replace=False)
    pieces = []
    for i, idx in enumerate(picks):
        if i % every == 0:
            k = take * sentences + i
            y, label = filler(k, float(rng.uniform(0.25, 0.8)))
            pieces.append((y, float(rng.uniform(0.3, 0.7)), None, label))
            gap = float(rng.choice([0.08, 0.15, 0.3, 0.5]))
        else:
            gap = float(rng.uniform(0.4, 0.8))
        y, text = prompt(names[idx])
        pieces.append((y, gap, text, None))
    y, label = filler(take * sentences + sentences, float(rng.uniform(0.25, 0.8)))
    pieces.append((y, 0.4, None, label))
    return _place(pieces)


def clean_take(part: int, *, sentences: int = 12):
    """Real speech without any filler: Asterisk sentences, then a LibriVox reading every fourth.
    Returns (audio, truth) with truth["fillers"] empty."""
    rng = np.random.default_rng(200 + part)
    names = agent_prompt_names()
    picks = rng.choice(len(names), size=sentences, replace=False)
    lv = librivox_ids()
    pieces = []
    for i, idx in enumerate(picks):
        y, text = prompt(names[idx])
        pieces.append((y, float(rng.uniform(0.4, 0.9)), text, None))
        if i % 4 == 3:
            y, text = reading(lv[(part * 3 + i // 4) % len(lv)])
            pieces.append((y, float(rng.uniform(0.4, 0.9)), text, None))
    return _place(pieces)


__all__ = ["filled_take", "clean_take", "filler", "schwa", "realspeech"]
