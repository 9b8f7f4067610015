"""Articulation rate from syllable nuclei (de Jong & Wempe 2009), independent of Whisper's words."""

from __future__ import annotations

import re

import numpy as np

MIN_DIP_DB = 1.5  # a nucleus must stand this far above the dips around it (de Jong & Wempe use 2 dB
# on Praat's intensity; on this smoother envelope 1.5 dB fits the dictionary counts best)
NUCLEUS_BELOW_LOUD_DB = 15.0  # peaks further below the speech's loud level are consonants or breath
VOICED_REACH_S = 0.1  # a nucleus lies within this of a frame pitch.track calls voiced
# 15 dB and 0.1 s against de Jong & Wempe's 25 dB and 20 ms took the dictionary-count error of 222
# real prompts and readings from 11.0% to 9.0% on average and the bias from -6.5% to +0.9%; in the
# phone band (300-3400 Hz, where pitch.track misses more voiced frames) held-out turns from 13.7%
# to 7.8% (tests/test_syllables_real.py)
SMOOTH_S = 0.05  # intensity smoothing (Hann), close to Praat's intensity window at 100 Hz min pitch


def _peaks(x: np.ndarray, *, height: float, prominence: float) -> np.ndarray:
    """Indices of local maxima (a plateau counts once, at its middle) at least ``height`` high whose
    topographic prominence is at least ``prominence``: scipy.signal.find_peaks' definitions (the
    same peaks, tests/test_reference.py). Kept by `make bench` (bench/libraries.py): 0.005 s per
    minute of audio against find_peaks' 0.0001, but importing scipy.signal costs each analyze
    process 0.57 s of CPU.

    Prominence >= p holds when, on each side, the signal dips to x[peak] - p before it first rises
    above x[peak] (or the clip ends): searched outward in growing windows, so each peak costs about
    the width of its syllable."""
    if len(x) < 3:
        return np.zeros(0, dtype=int)
    starts = np.flatnonzero(np.concatenate(([True], np.diff(x) != 0)))
    ends = np.concatenate((starts[1:], [len(x)])) - 1
    vals = x[starts]
    top = np.flatnonzero((vals[1:-1] > vals[:-2]) & (vals[1:-1] > vals[2:])) + 1
    peaks = (starts[top] + ends[top]) // 2
    peaks = peaks[x[peaks] >= height]

    def dips_first(p: int, direction: int) -> bool:
        dip, high = x[p] - prominence, x[p]
        width, pos = 32, p
        while True:
            lo, hi = (pos + 1, min(len(x), pos + 1 + width)) if direction > 0 else (max(0, pos - width), pos)
            if lo >= hi:
                return False
            seg = x[lo:hi] if direction > 0 else x[lo:hi][::-1]
            is_dip, is_high = seg <= dip, seg > high
            if is_dip.any() or is_high.any():
                first_dip = int(np.argmax(is_dip)) if is_dip.any() else len(seg)
                first_high = int(np.argmax(is_high)) if is_high.any() else len(seg)
                return first_dip < first_high
            pos = hi - 1 if direction > 0 else lo
            width *= 2

    keep = [p for p in peaks if dips_first(int(p), -1) and dips_first(int(p), 1)]
    return np.asarray(keep, dtype=int)


def nucleus_times(frame_dbfs: np.ndarray, speech: np.ndarray, f0: np.ndarray, *, hop_s: float) -> np.ndarray:
    """Times (s, frame centres) of the syllable nuclei: peaks of the smoothed intensity inside
    speech, within 0.1 s of a voiced frame, at most 15 dB below the speech's loud level (its 0.99 quantile) and standing
    at least 1.5 dB above the dips on either side (topographic prominence, as scipy.signal.find_peaks).

    A pure function of one window of frames: the loudness reference is the window's own, so a
    span's nuclei are counted exactly as the clip's are when the whole clip is passed, and a live
    rolling window can call it alike."""
    if not speech.any():
        return np.zeros(0)
    width = max(1, int(round(SMOOTH_S / hop_s)))
    kernel = np.hanning(width + 2)[1:-1]
    power = 10.0 ** (np.asarray(frame_dbfs, dtype=np.float64) / 10.0)
    smooth = 10.0 * np.log10(np.maximum(np.convolve(power, kernel / kernel.sum(), mode="same"), 1e-20))
    loud = np.quantile(smooth[speech], 0.99)
    peaks = _peaks(smooth, prominence=MIN_DIP_DB, height=loud - NUCLEUS_BELOW_LOUD_DB)
    reach = int(round(VOICED_REACH_S / hop_s))
    near_voiced = np.convolve(np.isfinite(f0).astype(float), np.ones(2 * reach + 1), mode="same") > 0
    keep = peaks[speech[peaks] & near_voiced[peaks]]
    return keep * hop_s


def count_nuclei(frame_dbfs: np.ndarray, speech: np.ndarray, f0: np.ndarray, *, hop_s: float) -> int:
    """Syllable nuclei: intensity peaks inside speech that are voiced, loud enough and separated by
    dips of at least 2 dB."""
    return len(nucleus_times(frame_dbfs, speech, f0, hop_s=hop_s))


def articulation_sps(nuclei: int, phonation_s: float) -> float | None:
    """Syllables per second of phonation (speaking time with pauses >= 0.25 s removed)."""
    return nuclei / phonation_s if phonation_s > 0 and nuclei > 0 else None


# Spoken syllables of the abbreviations Whisper writes; the rest is spelled out by the vowel rule.
_SPOKEN_SYLLABLES = {"mr": 2, "mrs": 2, "ms": 1, "mx": 1, "dr": 2, "st": 1, "jr": 3, "sr": 3, "prof": 2, "vs": 2, "eg": 3,
                     "ie": 2, "etc": 4, "ok": 2, "okay": 2, "am": 1, "pm": 2}


def word_syllables(text: str) -> int:
    """Syllables a transcribed word is spoken with, estimated without a dictionary: vowel groups
    (y counts as a vowel), less a silent final -e, a silent -ed and a silent -es; digits are
    read as number words ("12" -> "twelve": 2), a lone letter as its name (1; W is 3). About 90%
    of English words come out exact, and over a sentence the misses largely cancel, which is all a
    cross-check against counted syllable nuclei needs."""
    from .textnorm import number_words

    w = re.sub(r"[^a-z0-9]", "", text.lower())
    if not w:
        return 0
    if w.isdigit():
        return sum(word_syllables(part) for part in number_words(int(w)).split()) if len(w) <= 6 else len(w)
    if re.fullmatch(r"[a-z0-9]*\d[a-z0-9]*", w):  # "3rd", "24th": the digits plus a suffix
        return sum(word_syllables(d) for d in re.findall(r"\d+", w))
    if w in _SPOKEN_SYLLABLES:
        return _SPOKEN_SYLLABLES[w]
    if len(w) == 1:
        return 3 if w == "w" else 1
    n = len(re.findall(r"[aeiouy]+", w))
    if n > 1 and w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        n -= 1
    elif n > 1 and re.search(r"[^aeiouytd]ed$", w):
        n -= 1
    elif n > 1 and re.search(r"[^aeiouy]es$", w) and not re.search(r"(s|x|z|ch|sh|c|g)es$", w):
        n -= 1
    return max(1, n)
