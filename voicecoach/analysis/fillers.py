"""Filled pauses ("um", "uh", "er", "erm", "hmm"): found in the signal, named from the transcript.

Whisper drops filled pauses (it was trained on cleaned transcripts), so they are found in the
signal: a filled pause is a sustained vowel (or a hummed nasal), voiced, on a steady pitch and a
steady spectrum for 0.2 s or more. Fluent speech changes its spectrum every 50-100 ms (one
phoneme to the next), so a held, unchanging voiced sound is the hesitation's own mark (Shriberg
1994; O'Shaughnessy 1992 measured filled pauses as long, flat-F0, centralised vowels).
Where Whisper did write a filler word, that word names the sound ("um" rather than "uh").
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from .. import activity
from ..results import Fillers

# Filled pauses as DOMAIN.md names them, with Whisper's spellings; "mm-hm" and "uh-huh" are
# backchannels (answers), not hesitations, and "like" / "you know" are words.
FILLER_WORDS = frozenset({"um", "umm", "uhm", "uh", "uhh", "er", "erm", "hmm", "hm", "ah"})

MIN_FILLER_S = 0.2  # a held vowel this long is a hesitation, not a syllable (the lead; Shriberg 1994)
NOISY_SNR_DB = 40.0  # speech less than this above the noise floor: fillers are missed (clean: 60+ dB)
STEADY_SEMITONES = 1.0  # F0 within a semitone of the run's running median: level, not intonation
MAX_SPECTRAL_CHANGE_DB = 8.0  # cepstral distance (dB) across 60 ms: a vowel held, not a phoneme sequence (measured: README)
SPECTRAL_SPAN_S = 0.06  # compare frames this far apart: phoneme transitions take 40-80 ms
BRIDGE_S = 0.04  # a steady run broken for 40 ms or less (a frame of jitter, the vowel-to-/m/ join) stays one
N_BANDS = 24  # mel bands of the log spectrum the cepstrum is taken from
N_CEPS = 12  # cepstral coefficients 1-12 (0, the level, left out: fillers are often softer)
FRAME_S = 0.025  # spectral analysis window (the usual 25 ms of speech front ends)
SMOOTH_S = 0.1  # spectral change as the running median over 0.1 s: one noisy frame neither makes nor breaks a run
MAX_SLOPE_ST_PER_S = 10.0  # F0 glides slower than this: a question's rise or a statement's fall is faster
WORD_SLACK_S = 0.35  # a Whisper word at most this much longer than its part on a held sound is an ordinary word
WORD_COVER_SHARE = 0.8  # ordinary words over this share of a held sound: it is their vowel, not a filler
OPENING_LEAD_S = 1.0  # an "um" this close before the first word is heard as how the opening starts
UNNAMED = "um/uh"  # a filled pause heard in the signal that Whisper did not write down


def is_filler_word(text: str) -> bool:
    """True for Whisper's rendering of a filled pause ("Um,", "uh", "Hmm...")."""
    return re.sub(r"[^a-z]", "", text.lower()) in FILLER_WORDS


def _mel_filterbank(sr: int, n_fft: int, n_bands: int, fmin_hz: float = 100.0, fmax_hz: float = 3800.0) -> np.ndarray:
    """Triangular mel filters (HTK mel scale) up to 3.8 kHz, so phone-band audio is read alike."""

    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(fmin_hz), mel(min(fmax_hz, sr / 2 * 0.95)), n_bands + 2))
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    bank = np.zeros((n_bands, len(freqs)))
    for b in range(n_bands):
        lo, mid, hi = edges[b : b + 3]
        bank[b] = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0.0, None)
    return bank


def cepstra(x: np.ndarray, frames: np.ndarray, *, sr: int, hop_s: float) -> np.ndarray:
    """Mel cepstra (coefficients 1-12, in dB) of the frames listed in ``frames`` (frame i centred
    at i * hop_s); a row per listed frame."""
    win = int(round(FRAME_S * sr))
    n_fft = 1 << int(np.ceil(np.log2(win)))
    bank = _mel_filterbank(sr, n_fft, N_BANDS)
    k = np.arange(N_BANDS)
    dct = np.cos(np.pi / N_BANDS * (k[None, :] + 0.5) * np.arange(1, N_CEPS + 1)[:, None])  # DCT-II rows 1..12
    window = np.hanning(win)
    out = np.empty((len(frames), N_CEPS))
    hop = hop_s * sr
    for b in range(0, len(frames), 2048):
        centres = np.round(frames[b : b + 2048] * hop).astype(int)
        where = centres[:, None] + np.arange(win)[None, :] - win // 2
        inside = (where >= 0) & (where < len(x))
        block = np.where(inside, x[np.clip(where, 0, len(x) - 1)], 0.0) * window
        power = np.abs(np.fft.rfft(block, n=n_fft, axis=1)) ** 2
        logmel = 10.0 * np.log10(power @ bank.T + 1e-10)
        out[b : b + 2048] = logmel @ dct.T * (2.0 / N_BANDS)
    return out


def held_vowels(
    x: np.ndarray,
    f0: np.ndarray,
    *,
    sr: int,
    hop_s: float,
    min_s: float = MIN_FILLER_S,
    max_change_db: float = MAX_SPECTRAL_CHANGE_DB,
    steady_semitones: float = STEADY_SEMITONES,
    smooth_s: float = SMOOTH_S,
    max_slope_st_per_s: float | None = MAX_SLOPE_ST_PER_S,
) -> list[tuple[float, float]]:
    """Stretches (start_s, end_s) of a held voiced sound: every frame voiced (``f0`` finite, from
    pitch.track), its F0 within ``steady_semitones`` of the median of the surrounding 0.1 s and
    gliding slower than ``max_slope_st_per_s``, and its spectrum (mel cepstrum, coefficients 1-12)
    changed by at most ``max_change_db`` across 60 ms (running median over ``smooth_s``), for
    ``min_s`` or longer.
    """
    voiced = np.isfinite(f0)
    if voiced.sum() < min_s / hop_s:
        return []
    with np.errstate(invalid="ignore", divide="ignore"):
        semis = 12.0 * np.log2(f0 / 100.0)
    half = max(1, int(round(0.05 / hop_s)))
    edge = np.pad(semis, half, mode="edge")
    with warnings.catch_warnings():  # all-unvoiced windows give NaN, as they should
        warnings.simplefilter("ignore", RuntimeWarning)
        local = np.nanmedian(np.lib.stride_tricks.sliding_window_view(edge, 2 * half + 1), axis=1)
    steady_pitch = voiced & (np.abs(semis - local) <= steady_semitones)
    if max_slope_st_per_s is not None:
        ahead = np.concatenate((local[half:], np.full(half, np.nan)))
        behind = np.concatenate((np.full(half, np.nan), local[:-half]))
        with np.errstate(invalid="ignore"):
            steady_pitch &= np.abs(ahead - behind) <= max_slope_st_per_s * 2 * half * hop_s
    # spectral steadiness on voiced frames and the frames SPECTRAL_SPAN_S / 2 either side
    span = max(1, int(round(SPECTRAL_SPAN_S / 2 / hop_s)))
    idx = np.flatnonzero(steady_pitch)
    if len(idx) == 0:
        return []
    need = np.unique(np.clip(np.concatenate([idx - span, idx + span]), 0, len(f0) - 1))
    ceps = np.full((len(f0), N_CEPS), np.nan)
    ceps[need] = cepstra(x, need, sr=sr, hop_s=hop_s)
    change = np.full(len(f0), np.inf)
    lo, hi = np.clip(idx - span, 0, len(f0) - 1), np.clip(idx + span, 0, len(f0) - 1)
    change[idx] = np.sqrt(np.sum((ceps[hi] - ceps[lo]) ** 2, axis=1))
    if smooth_s:
        w = max(1, int(round(smooth_s / 2 / hop_s)))
        padded = np.pad(change, w, mode="edge")
        change = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1), axis=1)
    held = steady_pitch & (change <= max_change_db)
    # one jittery frame, or the join of "u" and "m", must not cut a filler in two
    bridge = int(round(BRIDGE_S / hop_s))
    runs = [(a, b + 1) for a, b in activity.runs(held)]  # [a, b)
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] <= bridge and voiced[merged[-1][1] : a].all():
            merged[-1][1] = b
        else:
            merged.append([a, b])
    out = []
    for a, b in merged:
        if (b - a) * hop_s >= min_s:
            out.append((round(a * hop_s - hop_s / 2, 3), round((b - 1) * hop_s + hop_s / 2, 3)))
    return out


def _inside_words(start_s: float, end_s: float, words) -> bool:
    """Whether Whisper heard the stretch as part of ordinary words (a drawn-out "how", the vowel
    where "prudently" meets "in"): words of ordinary length cover 80% of it or more. Whisper
    stretches the word next to a filler it drops over the filler, so a word much longer than the
    part of it on the held sound is no evidence against it."""
    covered = 0.0
    for w in words:
        overlap = min(w.end_s, end_s) - max(w.start_s, start_s)
        if overlap > 0 and (w.end_s - w.start_s) - overlap <= WORD_SLACK_S:
            covered += overlap
    return covered >= WORD_COVER_SHARE * (end_s - start_s)


def find(x: np.ndarray, f0: np.ndarray, words, *, sr: int, hop_s: float) -> list[dict]:
    """Filled pauses of one channel as {text, start_s, end_s}, in time order.

    Found in the signal (``held_vowels``) unless Whisper heard that stretch inside an ordinary
    word; named by a Whisper filler word that overlaps it, else "um/uh". A filler word Whisper
    wrote over voiced sound that is not held counts too, with Whisper's times. ``words`` are
    Whisper's words (anything with text, start_s and end_s) on the channel's clock.
    """
    named = [w for w in words if is_filler_word(w.text)]
    plain = [w for w in words if not is_filler_word(w.text)]
    items = []
    used = set()
    for start_s, end_s in held_vowels(x, f0, sr=sr, hop_s=hop_s):
        if _inside_words(start_s, end_s, plain):
            continue
        text = UNNAMED
        for k, w in enumerate(named):
            if w.start_s < end_s and w.end_s > start_s:
                text, _ = _spelled(w.text), used.add(k)
                break
        items.append({"text": text, "start_s": start_s, "end_s": end_s})
    voiced = np.isfinite(f0)
    for k, w in enumerate(named):
        lo, hi = int(np.floor(w.start_s / hop_s)), int(np.ceil(w.end_s / hop_s)) + 1
        if k not in used and voiced[max(0, lo) : hi].any():  # a sound was there: not a word on silence
            items.append({"text": _spelled(w.text), "start_s": round(w.start_s, 3), "end_s": round(w.end_s, 3)})
    return sorted(items, key=lambda item: item["start_s"])


def _spelled(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def fillers_block(items: list[dict], speaking_s: float, *, snr_db: float | None = None) -> Fillers:
    """Count, per minute of speaking time (fillers' own time included, as a listener hears it), and
    each filler as {text, start_s, end_s}. Low confidence when the speech stands less than
    NOISY_SNR_DB above the line's noise floor: there a filler between two pauses is often not
    heard as a voice at all (bench/fillers.py: 86-92% found on clean speech, 81% through a phone
    line with -45 dBFS noise, about 31 dB SNR), so the count is a lower bound."""
    per_min = round(len(items) / (speaking_s / 60.0), 2) if speaking_s > 0 else None
    if snr_db is not None and snr_db < NOISY_SNR_DB:
        reason = f"line noise {snr_db:.0f} dB under the speech hides some filled pauses: the count is a lower bound"
        return Fillers(count=len(items), per_min=per_min, items=items, confidence="low", reason=reason)
    return Fillers(count=len(items), per_min=per_min, items=items)


def in_opening(stats) -> list[dict]:
    """The fillers said in the opening sentence of ``stats`` (a SpeakerStats), or just before its
    first word: worth a mention, since the caller hears the opening first."""
    op, block = stats.opening, stats.fillers
    if op is None or block is None:
        return []
    return [f for f in block.items if f["start_s"] < op.end_s and f["end_s"] > op.start_s - OPENING_LEAD_S]
