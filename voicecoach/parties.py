"""Who speaks on which audio: every party of a call measured once, before any result is built.

A stereo call is one party per channel (both measured, then the agent's channel chosen by
analysis.roles); ``--layout mixed`` is two voices on one channel told apart by pitch
(analysis.diarize); a mono take is the agent alone, with the customer's cues when the sidecar
logged them. Each party is its speech activity (Silero decides what is a voice, energy times the
edges), its F0, its words (Whisper, placed on the signal's segments), its fillers and the
stretches whose words were estimated from the signal. pipeline.py turns the parties into an
Analysis.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from . import activity, audio, decode, transcribe, vad
from .analysis import diarize, fillers, pacing, pitch, roles, syllables
from .cues import Cue, sidecar_cues, without_cue_bleed
from .results import AgentChannel, Segment, VoiceSplit

if TYPE_CHECKING:
    from .pipeline import Options

CHANNELS = {"left": 0, "right": 1}
AGENT_CHANNELS = ("auto", *CHANNELS)  # auto: the sidecar's agent_channel, else decided from the call (analysis.roles)
DUPLICATE_CORRELATION = 0.99  # a "stereo" file whose channels are this alike is mono saved twice


@dataclass(frozen=True)
class Party:
    """Everything measured on one channel, before it is turned into result blocks."""

    name: str
    samples: np.ndarray
    act: activity.ChannelActivity
    placed: list[pacing.Placed]
    f0: np.ndarray
    fillers: tuple[dict, ...] = ()  # filled pauses (analysis.fillers), not among ``placed``
    estimates: tuple[decode.Estimate, ...] = ()  # stretches Whisper left empty, words counted from the signal

    @functools.cached_property
    def nuclei_s(self) -> np.ndarray:
        """Times of the syllable nuclei in the party's speech (analysis.syllables), found once for the
        articulation rate, the opening's cross-check and the nudges' outcomes."""
        return syllables.nucleus_times(self.act.frame_dbfs, self.act.frame_mask(), self.f0, hop_s=self.act.hop_s)


def _speech_and_pitch(samples: np.ndarray, sr: int) -> tuple[activity.ChannelActivity, np.ndarray]:
    """The channel's speech (Silero decides what is a voice: music and tones are not) and its F0."""
    act = activity.detect(samples, sr=sr, voice_prob=vad.speech_probability(samples, sr=sr))
    return act, pitch.track(samples, sr=sr, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())


def _measure_channel(name, samples, sr, model, options, on_progress, words_cache=None) -> Party:
    """``words_cache``: {channel name: decode.Cache}, words already decoded (incremental.py)."""
    act, f0 = _speech_and_pitch(samples, sr)
    placed: list[pacing.Placed] = []
    raw: list[transcribe.RawWord] = []
    estimates: tuple[decode.Estimate, ...] = ()
    if act.segments:
        got = _decode(model, samples, sr, act.segments, options, on_progress, frame_dbfs=act.frame_dbfs, f0=f0,
                      hop_s=act.hop_s, cache=None if words_cache is None else words_cache.setdefault(name, {}))
        raw = got.words
        placed = pacing.assign_words(without_fillers(raw), act.segments, name)
        estimates = tuple(got.estimates)
    found = tuple(fillers.find(samples, _filler_f0(samples, sr, act, f0), raw, sr=sr, hop_s=act.hop_s))
    return Party(name, samples, act, placed, f0, found, estimates)


FILLER_REACH_S = 1.0  # a filled pause sits next to speech: "um ... let me check"


def _filler_f0(samples, sr, act: activity.ChannelActivity, f0: np.ndarray) -> np.ndarray:
    """F0 also over sound the VAD did not score as a voice in a short gap (2 x FILLER_REACH_S or
    less) between two stretches of speech: a lone held "uh" between two pauses often is not one
    to Silero (bench/fillers.py: recall 79% on the tuning takes without this), yet it is exactly
    what a filler is. Sound before the first word or after the last (hold music running into the
    call, a tone) stays out."""
    if not act.segments:
        return f0
    near = [s for s in activity.detect(samples, sr=sr).segments
            if any(s.start_s - FILLER_REACH_S <= v.end_s and v.start_s <= s.end_s + FILLER_REACH_S for v in act.segments)]
    gaps = [Segment(a.end_s, b.start_s) for a, b in zip(act.segments, act.segments[1:]) if b.start_s - a.end_s <= 2 * FILLER_REACH_S]
    reach = activity.segments_mask(gaps, len(act.frame_dbfs), act.hop_s)
    extra = activity.segments_mask(near, len(act.frame_dbfs), act.hop_s) & reach & ~act.frame_mask()
    if not extra.any():
        return f0
    beside = pitch.track(samples, sr=sr, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=extra)
    return np.where(np.isfinite(f0), f0, beside)


def without_fillers(words: list[transcribe.RawWord]) -> list[transcribe.RawWord]:
    """Words to count: filled pauses are reported as fillers, never counted as words (rate_wpm)."""
    return [w for w in words if not fillers.is_filler_word(w.text)]


def _renamed(party: Party, name: str) -> Party:
    placed = [pacing.Placed(replace(p.word, speaker=name), p.segment) for p in party.placed]
    return replace(party, name=name, placed=placed)


def _heard(party: Party) -> roles.Heard:
    first = min((p.segment for p in party.placed), default=None)
    onset = None if first is None else party.act.segments[first].start_s
    return roles.Heard(tuple(p.word.text for p in party.placed), onset, tuple(party.act.segments))


def _sidecar_channel(path, warnings: list[str]) -> str | None:
    from .sidecar import read_sidecar

    value = (read_sidecar(path) or {}).get("agent_channel")
    if value is None or value in CHANNELS:
        return value
    warnings.append(f"the sidecar's agent_channel {value!r} is not left or right: ignored")
    return None


def _measure_pair(path, clip, card, model, options, progress, warnings, words_cache=None) -> tuple[Party, Party, AgentChannel]:
    """Both channels of a stereo call measured once, then the agent's picked by roles.choose
    (an explicit left/right, else the sidecar's, else what each channel said), so ``auto`` costs
    no second Whisper pass."""
    left, right = (_measure_channel(side, clip.channels[i], clip.sr, model, options, progress(i * clip.duration_s), words_cache)
                   for i, side in enumerate(CHANNELS))  # fmt: skip
    cues = options.cues if options.cues is not None else sidecar_cues(path)
    votes = roles.evidence(
        _heard(left), _heard(right), customer_lines=card.customer_lines if card else (),
        cues=tuple((c.start_s, c.end_s) for c in cues or ()),
    )  # fmt: skip
    chosen, notes = roles.choose(options.agent_channel, _sidecar_channel(path, warnings), roles.weigh(votes))
    warnings += notes
    agent, customer = (right, left) if chosen.channel == "right" else (left, right)
    return _renamed(agent, "agent"), _renamed(customer, "customer"), chosen


def _split_mixed(samples, sr, model, options, on_progress, profile=None) -> tuple[Party, Party, diarize.Diarization] | diarize.Diarization:
    """Both parties from one channel carrying two voices (analysis.diarize); the declined
    Diarization (with its reason) when they cannot be told apart."""
    act, f0 = _speech_and_pitch(samples, sr)
    found = diarize.diarize(samples, act.segments, f0, sr=sr, hop_s=act.hop_s, profile=profile)
    voices = found.speakers
    if voices is None:
        return found
    agent_is = found.agent or options.agent_speaks
    agent_segs, customer_segs = (voices.first, voices.second) if agent_is == "first" else (voices.second, voices.first)
    every = sorted(agent_segs + customer_segs, key=lambda seg: seg.start_s)
    raw = _decode(model, samples, sr, every, options, on_progress).words
    placed = pacing.assign_words(without_fillers(raw), every, "agent")
    heard = fillers.find(samples, f0, raw, sr=sr, hop_s=act.hop_s)

    def party(name: str, segs: list[Segment]) -> Party:
        index = {seg: i for i, seg in enumerate(segs)}
        mine = [
            pacing.Placed(replace(p.word, speaker=name), index[every[p.segment]]) for p in placed if every[p.segment] in index
        ]
        own = tuple(f for f in heard if any(seg.start_s <= (f["start_s"] + f["end_s"]) / 2 <= seg.end_s for seg in segs))
        return Party(name, samples, replace(act, segments=segs), mine, f0, own)

    return party("agent", agent_segs), party("customer", customer_segs), found


def _decode(model, samples, sr, segments, options: Options, on_progress, **more) -> decode.ChannelWords:
    """Whisper over the channel's speech spans (activity.transcription_spans: long silences
    skipped, at most 10 minutes at once, so hour-long calls stay in bounded memory), words put
    back on the channel's clock; a stretch of clear speech left empty is decoded again alone
    (decode.channel_words; ``more``: its frames for the signal estimate, and the words cache)."""
    return decode.channel_words(model, samples, sr, segments, language=options.language, beam_size=options.beam_size,
                                strategy=options.decode, on_progress=on_progress, **more)


@dataclass(frozen=True)
class Call:
    """Who was measured on which audio: the parties (agent, and the customer when heard on their
    own channel or voice), the customer's speech (their segments, or the cues as played)."""

    layout: str  # "stereo", "mono", "mono-cued", "mixed"
    parties: dict[str, Party]
    customer_segments: list[Segment]
    cues: tuple[Cue, ...] | None
    agent_idx: int  # the agent's channel in the file (0 unless stereo)
    chosen: AgentChannel | None
    voices: VoiceSplit | None


def _layout(clip: audio.Audio, warnings: list[str]) -> str:
    """stereo (one party per channel) or mono; a stereo file with the same audio twice is mono."""
    if clip.n_channels != 2:
        return "mono"
    alike = audio.channels_alike(*clip.channels)  # blockwise: np.corrcoef copies the whole call twice
    if alike is not None and alike > DUPLICATE_CORRELATION:
        warnings.append("both channels carry the same audio: treated as mono (agent only)")
        return "mono"
    return "stereo"


def measure_call(path, clip, card, model, options: Options, on_progress, warnings: list[str], words_cache=None) -> Call:
    """Measure every party once: two voices on one channel (--layout mixed), one party per
    channel (stereo), or the agent alone (mono, with the customer's cues when logged)."""
    layout = _layout(clip, warnings)
    passes = 2 if layout == "stereo" and options.layout != "mixed" else 1  # Whisper runs once per channel used
    total_s = clip.duration_s * passes

    def progress(offset_s: float) -> Callable[[float], None] | None:
        return None if on_progress is None else (lambda t: on_progress(offset_s + t, total_s))

    voice_split = None
    if options.layout == "mixed":
        mono = clip.channels.mean(axis=0) if clip.n_channels == 2 else clip.channels[0]
        pair, voice_split = _measure_mixed(path, mono, clip.sr, model, options, progress(0.0), warnings)
        if pair is not None:
            return Call("mixed", dict(zip(("agent", "customer"), pair)), pair[1].act.segments, None, 0, None, voice_split)
        layout = "mono"
    if layout == "stereo":
        agent, customer, chosen = _measure_pair(path, clip, card, model, options, progress, warnings, words_cache)
        if not customer.act.segments:
            warnings.append("the customer channel is silent: check --agent-channel, or record the customer on the other channel")
        return Call("stereo", {"agent": agent, "customer": customer}, customer.act.segments, None, CHANNELS[chosen.channel], chosen, None)
    agent = _measure_channel("agent", clip.channels[0], clip.sr, model, options, progress(0.0), words_cache)
    cues = options.cues if options.cues is not None else sidecar_cues(path)
    if not cues:
        return Call("mono", {"agent": agent}, [], cues, 0, None, voice_split)
    agent = without_cue_bleed(agent, cues, warnings)
    return Call("mono-cued", {"agent": agent}, [Segment(c.start_s, c.end_s) for c in cues], cues, 0, None, voice_split)


def _measure_mixed(path, mono, sr, model, options: Options, on_progress, warnings: list[str]) -> tuple[tuple[Party, Party] | None, VoiceSplit]:
    """Both parties from one channel told apart by pitch (agent, customer), or None when the voices
    could not be told apart; how they were split either way, with a warning saying how sure."""
    from . import voices

    agent_name, profile = voices.for_clip(path, options.agent)
    mixed = _split_mixed(mono, sr, model, options, on_progress, profile)
    found = mixed if isinstance(mixed, diarize.Diarization) else mixed[2]
    by = None if found.speakers is None else ("enrolled voice" if found.agent else "agent_speaks")
    voice_split = VoiceSplit(found.speakers is not None, "pitch", found.separation, by,
                             agent_name if found.agent else None, "low", found.reason)  # fmt: skip
    if isinstance(mixed, diarize.Diarization):
        warnings.append(
            f"--layout mixed: could not tell two voices apart ({mixed.reason}); analysed as the agent alone "
            "(every voice on the recording counts as the agent; customer and latency numbers left out)"
        )
        return None, voice_split
    agent, customer, found = mixed
    hz = {"first": found.speakers.first_hz, "second": found.speakers.second_hz}
    agent_is = found.agent or options.agent_speaks
    other = "second" if agent_is == "first" else "first"
    who = (f"the agent is the voice nearer {agent_name}'s enrolled voice" if found.agent
           else f"the agent is the {agent_is} voice heard (--agent-speaks)")  # fmt: skip
    if profile is not None and found.agent is None:
        warnings.append(f"{agent_name}'s enrolled voice did not decide which voice is the agent; used --agent-speaks {agent_is}")
    warnings.append(
        f"two voices on one channel, told apart by pitch (agent {hz[agent_is]:.0f} Hz, customer {hz[other]:.0f} Hz, "
        f"{found.separation:.1f} semitones apart; {who}): low confidence; "
        "automatic speaker separation of phone speech errs about 30% of the time (pyannote on CALLHOME): "
        "record one party per channel for exact numbers"
    )
    return (agent, customer), voice_split
