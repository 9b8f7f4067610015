"""Two voices on one channel: who spoke when, or an honest "cannot tell".

A pair practising at one laptop records both voices on one mic. Each speech segment (speech
between pauses of 0.25 s or more) gets its median pitch; the medians are split into two groups
(weighted 2-means), and the split is kept only when the groups are MIN_GAP_ST or more apart
(a woman and a man are about an octave apart; one voice's utterances stay within about 5
semitones). Inside a segment, a lasting move to the other group's pitch is a change of speaker.
Medians per segment, not single frames, are clustered: on a phone line (300-3400 Hz) a man's
fundamental is filtered out and YIN sometimes tracks his second harmonic, an octave up where a
woman's voice is, for a frame or a syllable but not for a whole utterance. Frame-level 2-means
put 84% of speech time on the wrong party of a real phone-band call; segment medians 1%
(bench/mixed_voices.py). Two voices of similar pitch (two men, two women) are declined, not
guessed: the spectrum (MFCC) alone did not separate one voice from two reliably on real speech.

With an enrolled profile of the agent's voice (``enrol``: a short solo take), the group nearer
its pitch, and whose spectrum it fits better, is the agent; without one the caller is taken to
open the scene (``agent_speaks``). Automatic diarization of telephone speech is error-prone
(pyannote reports about 30% error on CALLHOME), so a split that is kept still carries a
low-confidence warning, with its separation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..results import Segment

N_MFCC = 20  # c0 (overall level) is dropped: a quiet agent is not another person
BAND_HZ = (300.0, 3400.0)  # telephone band: the features mean the same on a phone line and a laptop mic
N_FFT = 512  # 32 ms at 16 kHz
MIN_VOICED_FRAMES = 5
MIN_SHARE = 0.1  # each voice needs a tenth of the speech; less is a cough or a noise, not a party
# Pitch groups closer than this are one voice (or two too alike to split). Measured on
# bench/mixed_voices.py: one real voice's utterance medians spread up to 4.6 semitones (a
# LibriVox reader, phone band), real female/male pairs sit 10-13 semitones apart.
MIN_GAP_ST = 7.0
MAX_PROFILE_ST = 3.5  # an enrolled voice this close in pitch to one group (half of MIN_GAP_ST) is that group
# A speaker change inside a segment (quick exchanges leave no 0.25 s pause) must last this long:
# 0.3 s let YIN octave slips in phone-band speech cut 1-4% of speech time off to the wrong voice
# on bench/mixed_voices.py, 0.5 s none; a turn this short is a backchannel, which is not timed anyway.
MIN_PART_S = 0.5
MIN_ENROL_S = 3.0  # speech needed for a voice profile


@dataclass(frozen=True)
class Speakers:
    """Segments of the first voice heard and of the other, with each voice's median pitch."""

    first: list[Segment]
    second: list[Segment]
    first_hz: float | None
    second_hz: float | None


@dataclass(frozen=True)
class Diarization:
    """The split (None when declined), why it was declined, and how sure it is.

    separation: semitones between the two pitch groups (MIN_GAP_ST or more to be kept).
    agent: "first" or "second" when an enrolled profile decided which voice is the agent, with
    profile_margin how much nearer in pitch (semitones) the profile is to the agent than to the
    other voice; None when no profile was given or its spectrum disagreed with its pitch."""

    speakers: Speakers | None
    reason: str | None
    separation: float | None
    agent: str | None = None
    profile_margin: float | None = None


@dataclass(frozen=True)
class VoiceProfile:
    """A voice's spectrum in the phone band: per-coefficient mean and variance of its MFCCs
    (c1..c19) over speech frames, and its median pitch in Hz."""

    mean: tuple[float, ...]
    var: tuple[float, ...]
    pitch_hz: float | None
    speech_s: float

    def to_dict(self) -> dict:
        return {"mean": list(self.mean), "var": list(self.var), "pitch_hz": self.pitch_hz, "speech_s": self.speech_s}

    @classmethod
    def from_dict(cls, d: dict) -> VoiceProfile:
        mean, var = tuple(float(v) for v in d["mean"]), tuple(float(v) for v in d["var"])
        if len(mean) != N_MFCC - 1 or len(var) != N_MFCC - 1 or min(var) <= 0:
            raise ValueError(f"a voice profile needs {N_MFCC - 1} means and positive variances")
        pitch_hz = d.get("pitch_hz")
        return cls(mean, var, None if pitch_hz is None else float(pitch_hz), float(d.get("speech_s", 0.0)))


def mfcc_frames(y: np.ndarray, *, sr: int, hop_s: float, n_frames: int, block_frames: int = 6000) -> np.ndarray:
    """MFCC c1..c19 per frame (frame i centred at i * hop_s, zeros beyond the clip), mel bands
    over 300-3400 Hz only. Computed a minute at a time: one STFT of an hour-long call would
    take gigabytes. The log has no top_db clamp, so every block is on the same scale."""
    import librosa

    hop = int(round(hop_s * sr))
    half = N_FFT // 2
    out = np.empty((n_frames, N_MFCC - 1))
    for s in range(0, n_frames, block_frames):
        e = min(n_frames, s + block_frames)
        a, b = s * hop - half, (e - 1) * hop + half  # samples of frames s..e-1, windows uncentred
        block = np.asarray(y[max(a, 0) : max(min(b, len(y)), 0)], dtype=np.float32)
        block = np.pad(block, (max(0, -a), (b - a) - max(0, -a) - len(block)))
        mel = librosa.feature.melspectrogram(y=block, sr=sr, n_fft=N_FFT, hop_length=hop, center=False, n_mels=32,
                                             fmin=BAND_HZ[0], fmax=BAND_HZ[1])  # fmt: skip
        mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel, top_db=None), n_mfcc=N_MFCC)
        out[s:e] = mfcc[1:, : e - s].T
    return out


def _semitones(f0_hz: np.ndarray) -> np.ndarray:
    return 12.0 * np.log2(f0_hz / 100.0)


def _two_means(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted 2-means labels (0/1), the best of several farthest-point starts."""
    best, best_cost = np.zeros(len(x), int), np.inf
    for seed in range(min(len(x), 8)):
        c0 = x[seed]
        c1 = x[int(np.argmax(((x - c0) ** 2).sum(axis=1)))]
        centres = np.stack([c0, c1])
        for _ in range(50):
            lab = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
            if lab.min() == lab.max():
                break
            new = np.stack([np.average(x[lab == k], axis=0, weights=w[lab == k]) for k in (0, 1)])
            if np.allclose(new, centres):
                break
            centres = new
        cost = float((w * ((x - centres[lab]) ** 2).sum(axis=1)).sum())
        if lab.min() != lab.max() and cost < best_cost:
            best, best_cost = lab, cost
    return best


def _gauss_ll(x: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    return -0.5 * (((x - mean) ** 2) / var + np.log(2 * np.pi * var)).sum(axis=1)


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, end exclusive, label) runs of equal labels."""
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(labels)]])
    return [(int(a), int(b), int(labels[a])) for a, b in zip(starts, ends)]


def _cut(seg: Segment, frame_labels: np.ndarray, hop_s: float) -> list[tuple[Segment, int]]:
    """A segment cut where its frame labels change for MIN_PART_S or longer."""
    a = int(np.ceil(seg.start_s / hop_s))
    labels = frame_labels[a : a + max(1, int(np.floor(seg.end_s / hop_s)) + 1 - a)]
    if len(labels) == 0:
        return [(seg, 0)]
    min_frames = int(round(MIN_PART_S / hop_s))
    runs = [list(r) for r in _runs(labels)]
    while len(runs) > 1:  # the shortest run under MIN_PART_S joins its longer neighbour
        k = min(range(len(runs)), key=lambda i: runs[i][1] - runs[i][0])
        if runs[k][1] - runs[k][0] >= min_frames:
            break
        left = runs[k - 1] if k > 0 else None
        right = runs[k + 1] if k + 1 < len(runs) else None
        into = left if right is None or (left is not None and left[1] - left[0] >= right[1] - right[0]) else right
        into[0], into[1] = min(into[0], runs[k][0]), max(into[1], runs[k][1])
        del runs[k]
        merged = [runs[0]]
        for r in runs[1:]:
            if r[2] == merged[-1][2]:
                merged[-1][1] = r[1]
            else:
                merged.append(r)
        runs = merged
    out = []
    for k, (s, e, lab) in enumerate(runs):
        start = seg.start_s if k == 0 else (a + s) * hop_s
        end = seg.end_s if k == len(runs) - 1 else (a + e) * hop_s
        out.append((Segment(round(start, 3), round(end, 3)), lab))
    return out


def enrol(y: np.ndarray, *, sr: int, segments: list[Segment], hop_s: float, f0: np.ndarray) -> VoiceProfile:
    """A voice profile from a solo take: MFCC mean and variance over its speech frames, median
    pitch over its voiced frames. Raises ValueError with less than MIN_ENROL_S of speech."""
    speech_s = sum(s.duration_s for s in segments)
    if speech_s < MIN_ENROL_S:
        raise ValueError(f"only {speech_s:.1f} s of speech; a voice profile needs {MIN_ENROL_S:.0f} s or more")
    mfcc = mfcc_frames(y, sr=sr, hop_s=hop_s, n_frames=len(f0))
    mask = np.zeros(len(f0), bool)
    for s in segments:
        mask[int(np.ceil(s.start_s / hop_s)) : int(np.floor(s.end_s / hop_s)) + 1] = True
    x = mfcc[mask]
    voiced = f0[mask & np.isfinite(f0)]
    return VoiceProfile(
        tuple(round(float(v), 4) for v in x.mean(axis=0)),
        tuple(round(float(v), 4) for v in x.var(axis=0) + 1e-3),
        round(float(np.median(voiced)), 1) if voiced.size else None,
        round(speech_s, 2),
    )


def _segment_pitch(segments: list[Segment], st: np.ndarray, hop_s: float) -> list[float | None]:
    """Median pitch (semitones) of each segment's voiced frames; None with fewer than MIN_VOICED_FRAMES."""
    out = []
    for seg in segments:
        v = st[int(np.ceil(seg.start_s / hop_s)) : int(np.floor(seg.end_s / hop_s)) + 1]
        v = v[np.isfinite(v)]
        out.append(float(np.median(v)) if v.size >= MIN_VOICED_FRAMES else None)
    return out


def _pieces(segments: list[Segment], seg_label: dict[int, int], st: np.ndarray, centres: np.ndarray,
            hop_s: float) -> list[tuple[Segment, int]]:
    """Each segment with its voice (0/1), cut where its frames (semitones ``st``, NaN unvoiced) move
    to the other centre for MIN_PART_S or longer; a segment without voicing takes its nearest
    labelled neighbour's voice."""
    n = len(st)
    ok = np.isfinite(st)
    frame_labels = np.full(n, -1)
    frame_labels[ok] = np.abs(st[ok][:, None] - centres[None, :]).argmin(axis=1)
    pieces: list[tuple[Segment, int]] = []
    for i, seg in enumerate(segments):
        own = seg_label.get(i)
        if own is None:  # no voicing to go by: the nearer labelled neighbour's voice
            near = min(seg_label, key=lambda j: abs(j - i))
            pieces.append((seg, seg_label[near]))
            continue
        a = int(np.ceil(seg.start_s / hop_s))
        b = int(np.floor(seg.end_s / hop_s)) + 1
        fl = frame_labels[a:b].copy()
        fl[fl < 0] = own  # unvoiced frames (consonants, pauses in a word) belong to the segment's voice
        local = np.full(n, own)
        local[a:b] = fl
        pieces.extend(_cut(seg, local, hop_s))
    return pieces


def diarize(y: np.ndarray, segments: list[Segment], f0: np.ndarray, *, sr: int, hop_s: float,
            profile: VoiceProfile | None = None) -> Diarization:
    """Split the speech segments between two voices by pitch, or decline with a reason.

    Each segment's median pitch (semitones over its voiced frames) is put in one of two groups
    (weighted 2-means); the split is kept when the groups are MIN_GAP_ST or more apart and each
    holds a tenth of the speech. A segment is cut where its frames move to the other group's pitch
    for MIN_PART_S or longer (quick exchanges leave no 0.25 s pause). Medians per segment, not
    frames, are clustered because YIN's octave errors on phone-band speech (a man's fundamental
    below 300 Hz is filtered out) scatter single frames, not whole utterances.
    With a profile, the group nearer the profile's pitch is the agent (``agent``), provided the
    profile's spectrum (MFCC model) also fits that group's frames better; otherwise ``agent`` is
    None and the caller decides (``--agent-speaks``)."""
    n = len(f0)
    st = np.full(n, np.nan)
    ok = np.isfinite(f0) & (f0 > 0)
    st[ok] = _semitones(f0[ok])
    medians = _segment_pitch(segments, st, hop_s)
    idx = [i for i, m in enumerate(medians) if m is not None]
    if len(idx) < 2:
        why = "no pause between turns" if len(segments) < 2 else "too little voiced speech"
        return Diarization(None, f"{why}: two voices cannot be told apart", None)
    x = np.array([medians[i] for i in idx])[:, None]
    w = np.array([segments[i].duration_s for i in idx])
    lab = _two_means(x, w)
    if lab.min() == lab.max():
        return Diarization(None, "one voice only", 0.0)
    centres = [float(np.average(x[lab == k, 0], weights=w[lab == k])) for k in (0, 1)]
    gap = round(abs(centres[1] - centres[0]), 1)
    share = float(w[lab == 0].sum() / w.sum())
    if gap < MIN_GAP_ST:
        return Diarization(None, f"one voice, or two too alike in pitch (groups {gap:.1f} semitones apart, "
                                 f"needs {MIN_GAP_ST:.0f})", gap)
    if not MIN_SHARE <= share <= 1 - MIN_SHARE:
        return Diarization(None, f"a second voice has only {min(share, 1 - share) * 100:.0f}% of the speech", gap)

    centre_arr = np.array(centres)
    pieces = _pieces(segments, {i: int(g) for i, g in zip(idx, lab)}, st, centre_arr, hop_s)
    first_label = pieces[0][1]
    first = [s for s, g in pieces if g == first_label]
    second = [s for s, g in pieces if g != first_label]
    if not second:
        return Diarization(None, "every segment went to one voice", gap)
    hz = [round(100.0 * 2 ** (c / 12.0), 1) for c in centres]
    speakers = Speakers(first, second, hz[first_label], hz[1 - first_label])
    if profile is None or profile.pitch_hz is None:
        return Diarization(speakers, None, gap)
    dist = np.abs(centre_arr - _semitones(np.array([profile.pitch_hz]))[0])
    agent_label = int(dist.argmin())
    if dist[agent_label] > MAX_PROFILE_ST:
        return Diarization(None, f"the enrolled agent voice ({profile.pitch_hz:.0f} Hz) matches neither voice "
                                 f"({hz[0]:.0f} Hz, {hz[1]:.0f} Hz)", gap)
    # The spectrum must agree with the pitch: the profile's MFCC model, against a model of all the
    # recording's speech (a likelihood ratio, as a universal background model is used in speaker
    # verification, Reynolds et al. 2000), fits the agent's frames better than the other voice's.
    mfcc = mfcc_frames(y, sr=sr, hop_s=hop_s, n_frames=n)
    masks = [np.zeros(n, bool), np.zeros(n, bool)]
    for seg, g in pieces:
        masks[g][int(np.ceil(seg.start_s / hop_s)) : int(np.floor(seg.end_s / hop_s)) + 1] = True
    both = masks[0] | masks[1]
    llr = _gauss_ll(mfcc, np.array(profile.mean), np.array(profile.var)) - _gauss_ll(
        mfcc, mfcc[both].mean(axis=0), mfcc[both].var(axis=0) + 1e-3)
    fit = [float(llr[m].mean()) if m.any() else -np.inf for m in masks]
    if fit[agent_label] <= fit[1 - agent_label]:
        return Diarization(speakers, None, gap, None, None)
    return Diarization(speakers, None, gap, "first" if agent_label == first_label else "second",
                       round(float(dist[1 - agent_label] - dist[agent_label]), 1))
