"""The one road from a clip to an Analysis, used alike by analyze, compare and batch.

``analyze_clip`` also hands back what a report draws besides the numbers (the decoded audio and
each party's level and pitch track), so the renderers never decode or measure anything again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from . import activity, audio, decode, scenarios, transcribe, vad
from .analysis.coach import coach
from .clock import mmss
from .errors import AudioError
from .analysis import diarize, fillers, judge, loudness, nudges, pacing, pitch, roles, syllables, turns
from .analysis.tracks import party_track
from .cues import Cue, sidecar_cues, without_cue_bleed
from .results import AgentChannel, Analysis, NudgeOutcome, Recording, Segment, SpeakerStats, Track, Turn, VoiceSplit

CHANNELS = {"left": 0, "right": 1}
AGENT_CHANNELS = ("auto", *CHANNELS)  # auto: the sidecar's agent_channel, else decided from the call (analysis.roles)
QUIET_LOUD_DBFS = -40.0  # loudest speech below this: too quiet to trust the pitch and nuclei
CLIPPED_SHARE = 0.0005  # more than 0.05% of samples at full scale is audible distortion
DUPLICATE_CORRELATION = 0.99  # a "stereo" file whose channels are this alike is mono saved twice


@dataclass(frozen=True)
class Options:
    agent_channel: str = "auto"  # stereo: "left", "right", or "auto" (the sidecar's, else decided from the call: analysis.roles)
    model: str | None = None  # a CTranslate2 folder or a name under models/; None: bundled tiny.en
    allow_download: bool = False
    language: str = "en"
    beam_size: int = decode.DEFAULT_BEAM_SIZE  # bench/decode.py chose it (README "Decode settings")
    decode: str = decode.DEFAULT_STRATEGY  # how a channel is handed to Whisper: decode.STRATEGIES
    cues: tuple[Cue, ...] | None = None
    layout: str = "auto"  # "auto": stereo = one party per channel, mono = agent only; "mixed": two voices on one channel
    agent_speaks: str = "second"  # "mixed": is the agent the first or the second voice heard?
    agent: str | None = None  # "mixed": the agent's enrolled voice (voicecoach enrol); None: the sidecar's agent, if enrolled
    scenario: str | None = None  # a shipped card id ("long-hold") or a path to a .toml card
    cpu_threads: int = 0  # Whisper's threads; 0: CTranslate2's default. Batch workers set their share


@dataclass(frozen=True)
class Analyzed:
    """One clip's Analysis plus what its HTML report draws besides the numbers: the audio as
    decoded for the analysis (to embed) and each party's level and pitch track (to plot)."""

    analysis: Analysis
    tracks: tuple[Track, ...]
    audio: audio.Audio


@dataclass(frozen=True)
class _Party:
    """Everything measured on one channel, before it is turned into result blocks."""

    name: str
    samples: np.ndarray
    act: activity.ChannelActivity
    placed: list[pacing.Placed]
    f0: np.ndarray
    fillers: tuple[dict, ...] = ()  # filled pauses (analysis.fillers), not among ``placed``
    estimates: tuple[decode.Estimate, ...] = ()  # stretches Whisper left empty, words counted from the signal


def _measure_channel(name, samples, sr, model, options, on_progress, words_cache=None) -> _Party:
    """``words_cache``: {channel name: decode.Cache}, words already decoded (incremental.py)."""
    act = activity.detect(samples, sr=sr, voice_prob=vad.speech_probability(samples, sr=sr))  # music, tones: no speech
    f0 = pitch.track(samples, sr=sr, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    placed: list[pacing.Placed] = []
    raw: list[transcribe.RawWord] = []
    estimates: tuple[decode.Estimate, ...] = ()
    if act.segments:
        got = decode.channel_words(
            model, samples, sr, act.segments, language=options.language, beam_size=options.beam_size,
            strategy=options.decode, frame_dbfs=act.frame_dbfs, f0=f0, hop_s=act.hop_s, on_progress=on_progress,
            cache=None if words_cache is None else words_cache.setdefault(name, {}),
        )
        raw = got.words
        placed = pacing.assign_words(_without_fillers(raw), act.segments, name)
        estimates = tuple(got.estimates)
    found = tuple(fillers.find(samples, _filler_f0(samples, sr, act, f0), raw, sr=sr, hop_s=act.hop_s))
    return _Party(name, samples, act, placed, f0, found, estimates)


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


def _without_fillers(words: list[transcribe.RawWord]) -> list[transcribe.RawWord]:
    """Words to count: filled pauses are reported as fillers, never counted as words (rate_wpm)."""
    return [w for w in words if not fillers.is_filler_word(w.text)]


def _renamed(party: _Party, name: str) -> _Party:
    placed = [pacing.Placed(replace(p.word, speaker=name), p.segment) for p in party.placed]
    return replace(party, name=name, placed=placed)


def _heard(party: _Party) -> roles.Heard:
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


def _measure_pair(path, clip, card, model, options, progress, warnings, words_cache=None) -> tuple[_Party, _Party, AgentChannel]:
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


def _split_mixed(samples, sr, model, options, on_progress, profile=None) -> tuple[_Party, _Party, diarize.Diarization] | diarize.Diarization:
    """Both parties from one channel carrying two voices (analysis.diarize); the declined
    Diarization (with its reason) when they cannot be told apart."""
    act = activity.detect(samples, sr=sr, voice_prob=vad.speech_probability(samples, sr=sr))  # music, tones: no speech
    f0 = pitch.track(samples, sr=sr, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    found = diarize.diarize(samples, act.segments, f0, sr=sr, hop_s=act.hop_s, profile=profile)
    voices = found.speakers
    if voices is None:
        return found
    agent_is = found.agent or options.agent_speaks
    agent_segs, customer_segs = (voices.first, voices.second) if agent_is == "first" else (voices.second, voices.first)
    every = sorted(agent_segs + customer_segs, key=lambda seg: seg.start_s)
    raw = _transcribe_spans(model, samples, sr, every, options, on_progress)
    placed = pacing.assign_words(_without_fillers(raw), every, "agent")
    heard = fillers.find(samples, f0, raw, sr=sr, hop_s=act.hop_s)

    def party(name: str, segs: list[Segment]) -> _Party:
        index = {seg: i for i, seg in enumerate(segs)}
        mine = [
            pacing.Placed(replace(p.word, speaker=name), index[every[p.segment]]) for p in placed if every[p.segment] in index
        ]
        own = tuple(f for f in heard if any(seg.start_s <= (f["start_s"] + f["end_s"]) / 2 <= seg.end_s for seg in segs))
        return _Party(name, samples, replace(act, segments=segs), mine, f0, own)

    return party("agent", agent_segs), party("customer", customer_segs), found


def _transcribe_spans(model, samples, sr, segments, options, on_progress) -> list[transcribe.RawWord]:
    """Whisper over the channel's speech spans (activity.transcription_spans: long silences
    skipped, at most 10 minutes at once, so hour-long calls stay in bounded memory), words put
    back on the channel's clock; a stretch of clear speech left empty is decoded again alone
    (decode.channel_words)."""
    return decode.channel_words(
        model, samples, sr, segments, language=options.language, beam_size=options.beam_size, strategy=options.decode,
        on_progress=on_progress,
    ).words


def _speaker_stats(party: _Party, others: list[Segment], first_turn: turns.RawTurn | None) -> SpeakerStats:
    act = party.act
    mask = act.frame_mask()
    speaking = act.speaking_s
    nuclei_s = syllables.nucleus_times(act.frame_dbfs, mask, party.f0, hop_s=act.hop_s)
    nuclei = len(nuclei_s)
    estimated = sum(e.words for e in party.estimates)
    words = len(party.placed) + estimated  # signal estimates included, and flagged (words_from_signal)
    opening = None
    if first_turn is not None:
        opening = pacing.opening(
            party.placed, act.segments, speaking, first_segment=first_turn.segments[0], last_segment=first_turn.segments[-1],
            nuclei_s=nuclei_s, snr_db=act.loud_dbfs - act.floor_dbfs,
        )
    pause_block, _ = pacing.pauses(act.segments, others)
    rate_sure, rate_why = pacing.rate_confidence(act.loud_dbfs - act.floor_dbfs if act.segments else None)
    if opening is not None and rate_sure != "high" and opening.confidence == "high":  # timed on the same edges
        opening = replace(opening, confidence="low", reason=f"its speaking time is in doubt as the rate's: {rate_why}")
    return SpeakerStats(
        words=words,
        speaking_s=round(speaking, 3),
        rate_wpm=pacing.rate_wpm(words, speaking),
        articulation_sps=syllables.articulation_sps(nuclei, speaking),
        opening=opening,
        level=loudness.level_stats(act.frame_dbfs, mask, hop_s=act.hop_s),
        pitch=pitch.pitch_stats(party.f0, mask),
        pauses=pause_block,
        fillers=fillers.fillers_block(list(party.fillers), speaking, snr_db=act.loud_dbfs - act.floor_dbfs if act.segments else None),
        words_from_signal=estimated,
        rate_confidence=rate_sure,
        rate_reason=rate_why,
    )


def _turn_rows(raw_turns, parties: dict[str, _Party], cues: tuple[Cue, ...] | None) -> tuple[list[Turn], list[float | None]]:
    rows, backchannel = [], []
    for t in raw_turns:
        party = parties.get(t.speaker)
        if party is None:  # a cue: the customer line the program played
            text = cues[t.segments[0]].text if cues else ""
            rows.append(Turn(t.speaker, t.start_s, t.end_s, text, len(text.split()), None, None, None, words_source="cue"))
            backchannel.append(False)
            continue
        segs = set(t.segments)
        words = [p.word for p in party.placed if p.segment in segs]
        estimated = sum(e.words for e in party.estimates if segs & set(e.segments))
        n_words = len(words) + estimated
        spoken = sum(party.act.segments[i].duration_s for i in t.segments)
        mask = party.act.frame_mask(t.start_s, t.end_s)
        bc = turns.is_backchannel(t, n_words)
        backchannel.append(bc)
        rows.append(
            Turn(
                speaker=t.speaker,
                start_s=t.start_s,
                end_s=t.end_s,
                text=" ".join(w.text for w in words),
                words=n_words,
                rate_wpm=pacing.rate_wpm(n_words, spoken),
                rate_flag=judge.rate_flag(pacing.rate_wpm(n_words, spoken), n_words) if t.speaker == "agent" else None,
                level_dbfs=loudness.median_dbfs(party.act.frame_dbfs, mask),
                latency_s=None,
                pitch_hz=pitch.median_hz(party.f0, mask),
                backchannel=bc,
                words_source="signal" if estimated else "whisper",
            )
        )
    lat = turns.latencies(raw_turns, backchannel)
    rows = [Turn(**{**r.__dict__, "latency_s": v}) for r, v in zip(rows, lat)]
    return rows, lat


def _tracks(parties: dict[str, _Party]) -> tuple[Track, ...]:
    """Each party's plotted level and pitch, from its own frames, mask and F0 (customer first, so
    the agent's line is drawn on top)."""
    order = sorted(parties.values(), key=lambda p: p.name != "customer")
    return tuple(party_track(p.name, p.act.frame_dbfs, p.act.frame_mask(), p.f0, hop_s=p.act.hop_s) for p in order)


def analyze(
    path: str | Path,
    options: Options = Options(),
    *,
    on_progress: Callable[[float, float], None] | None = None,
    words_cache: dict[str, decode.Cache] | None = None,
) -> Analysis:
    """Analyze one clip: decode, time speech from the signal, transcribe locally, measure pacing.

    ``words_cache``: words already decoded per channel ("agent" on a mono take, "left"/"right" on
    a stereo one) and decode window (incremental.py fills it while a take is recorded); windows
    not in it are decoded here, so the result is the same with or without it."""
    return analyze_clip(path, options, on_progress=on_progress, words_cache=words_cache).analysis


def analyze_clip(
    path: str | Path,
    options: Options = Options(),
    *,
    on_progress: Callable[[float, float], None] | None = None,
    words_cache: dict[str, decode.Cache] | None = None,
) -> Analyzed:
    """``analyze``, keeping the decoded audio and the parties' level and pitch tracks for a report."""
    if options.agent_channel not in AGENT_CHANNELS:
        raise ValueError(f"agent_channel must be one of {AGENT_CHANNELS}")
    if options.layout not in ("auto", "mixed") or options.agent_speaks not in ("first", "second"):
        raise ValueError("layout must be auto or mixed, agent_speaks first or second")
    card = scenarios.load_card(options.scenario) if options.scenario else None  # a bad card fails before decoding
    clip = audio.load(path)
    choice = transcribe.resolve_model(options.model, allow_download=options.allow_download)
    warnings = list(clip.warnings)

    def model():
        return transcribe.load_model(choice.location, download=choice.download, cpu_threads=options.cpu_threads)

    call = _measure_call(path, clip, card, model, options, on_progress, warnings, words_cache)
    result = _result(path, clip, choice.label, call, warnings)
    result = result if card is None else replace(result, scenario=coach(result, card))
    return Analyzed(result, _tracks(call.parties), clip)


@dataclass(frozen=True)
class _Call:
    """Who was measured on which audio: the parties (agent, and the customer when heard on their
    own channel or voice), the customer's speech (their segments, or the cues as played)."""

    layout: str  # "stereo", "mono", "mono-cued", "mixed"
    parties: dict[str, _Party]
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


def _measure_call(path, clip, card, model, options: Options, on_progress, warnings: list[str], words_cache=None) -> _Call:
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
            return _Call("mixed", dict(zip(("agent", "customer"), pair)), pair[1].act.segments, None, 0, None, voice_split)
        layout = "mono"
    if layout == "stereo":
        agent, customer, chosen = _measure_pair(path, clip, card, model, options, progress, warnings, words_cache)
        if not customer.act.segments:
            warnings.append("the customer channel is silent: check --agent-channel, or record the customer on the other channel")
        return _Call("stereo", {"agent": agent, "customer": customer}, customer.act.segments, None, CHANNELS[chosen.channel], chosen, None)
    agent = _measure_channel("agent", clip.channels[0], clip.sr, model, options, progress(0.0), words_cache)
    cues = options.cues if options.cues is not None else sidecar_cues(path)
    if not cues:
        return _Call("mono", {"agent": agent}, [], cues, 0, None, voice_split)
    agent = without_cue_bleed(agent, cues, warnings)
    return _Call("mono-cued", {"agent": agent}, [Segment(c.start_s, c.end_s) for c in cues], cues, 0, None, voice_split)


def _measure_mixed(path, mono, sr, model, options: Options, on_progress, warnings: list[str]) -> tuple[tuple[_Party, _Party] | None, VoiceSplit]:
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


def _result(path, clip: audio.Audio, model_label: str, call: _Call, warnings: list[str]) -> Analysis:
    """Turns, latencies and each party's numbers from the measured call, as one Analysis."""
    layout, parties, customer_segments = call.layout, call.parties, call.customer_segments
    agent = parties["agent"]
    split = turns.MONO_TURN_GAP_S if layout == "mono" else None
    raw_turns = turns.build_turns({"agent": agent.act.segments, "customer": customer_segments}, split_gap_s=split)
    turn_rows, lat = _turn_rows(raw_turns, parties, call.cues)
    first_agent = next((t for t, r in zip(raw_turns, turn_rows) if t.speaker == "agent" and not r.backchannel), None)
    first_customer = next((t for t in raw_turns if t.speaker == "customer"), None)
    agent_stats = _speaker_stats(agent, customer_segments, first_agent)
    customer_stats = None
    if "customer" in parties:
        customer_stats = _speaker_stats(parties["customer"], agent.act.segments, first_customer)
    latency = turns.latency_stats([v for v in lat if v is not None])
    _measure_warnings(call, agent_stats, latency, warnings)
    _clipping_warnings(clip, call, warnings)
    words = sorted((p.word for party in parties.values() for p in party.placed), key=lambda w: w.start_s)
    both = layout in ("stereo", "mixed")
    return Analysis(
        source=str(path),
        duration_s=round(clip.duration_s, 3),
        model=model_label,
        layout=layout,
        agent=agent_stats,
        customer=customer_stats,
        latency=latency,
        first_response_s=turns.first_response_s(first_agent.start_s if first_agent else None, customer_segments),
        talk_ratio=turns.talk_ratio(agent.act.speaking_s, parties["customer"].act.speaking_s) if both else None,
        overtalk_s=turns.overtalk_s(agent.act.segments, customer_segments) if layout == "stereo" else None,
        turns=turn_rows,
        words=words,
        warnings=warnings,
        segments={"agent": agent.act.segments, **({"customer": customer_segments} if customer_segments else {})},
        agent_channel=call.chosen,
        voices=call.voices,
        recording=Recording(clip.source_sr, {name: round(p.act.loud_dbfs - p.act.floor_dbfs, 1) for name, p in parties.items()}),
        nudges=_nudge_outcomes(path, agent),
    )


def _nudge_outcomes(path, agent: _Party) -> list[NudgeOutcome] | None:
    """The live line's nudges logged in the take's sidecar, each judged on the take (analysis/nudges.py);
    None when the take was not recorded with nudges on."""
    from .sidecar import read_sidecar

    fired = (read_sidecar(path) or {}).get("nudges") if Path(path).exists() else None
    if not isinstance(fired, list):
        return None
    act = agent.act
    nuclei_s = syllables.nucleus_times(act.frame_dbfs, act.frame_mask(), agent.f0, hop_s=act.hop_s)
    try:
        return nudges.outcomes(fired, act.segments, nuclei_s, syllables_per_word=decode.SYLLABLES_PER_WORD)
    except (TypeError, KeyError, ValueError) as e:
        raise AudioError(f"{path}: the sidecar's nudges are malformed ({e}); each needs kind and at_s") from e


def _measure_warnings(call: _Call, agent_stats: SpeakerStats, latency, warnings: list[str]) -> None:
    """What the numbers cannot vouch for: unsure fillers, rate and opening, no speech or no words,
    word counts estimated from the signal, latency not measurable, speech too quiet."""
    agent = call.parties["agent"]
    if agent_stats.fillers is not None and agent_stats.fillers.reason:
        warnings.append(f"fillers: {agent_stats.fillers.reason}")
    if agent_stats.rate_reason and agent_stats.rate_wpm is not None:
        warnings.append(f"speaking rate unsure: {agent_stats.rate_reason}")
    op = agent_stats.opening
    if op is not None and op.confidence != "high":
        warnings.append(f"opening pace {'withheld' if op.rate_wpm is None else 'unsure'}: {op.reason}")
    if not agent.act.segments:
        warnings.append("no speech found on the agent channel: nothing to measure")
    elif not agent.placed:
        warnings.append("speech activity found but Whisper recognised no words: check the language and the model")
    for name, party in call.parties.items():
        for e in party.estimates:
            warnings.append(
                f"{name} turn at {mmss(e.start_s)}: Whisper found no words in "
                f"{e.end_s - e.start_s:.1f} s of clear speech, even decoded alone; {e.words} words estimated "
                f"from {e.nuclei} syllable nuclei ({decode.SYLLABLES_PER_WORD} per word) and counted in rate_wpm"
            )
    if latency is None and call.layout != "mono" and agent.act.segments:
        warnings.append("response latency not measurable: no customer turn is followed by an agent turn")
    elif call.layout == "mono" and agent.act.segments:
        warnings.append("agent-only clip without cues: response latency not measurable (first_response_s is time to first word)")
    for name, party in call.parties.items():
        if party.act.segments and party.act.loud_dbfs < QUIET_LOUD_DBFS:
            warnings.append(
                f"{name} speech is very quiet (peaks at {party.act.loud_dbfs:.0f} dBFS): move closer to the mic or raise the input gain"
            )


def _clipping_warnings(clip: audio.Audio, call: _Call, warnings: list[str]) -> None:
    """A warning per channel with audible distortion (more than CLIPPED_SHARE at full scale)."""
    if call.layout == "stereo":
        channel_names = {call.agent_idx: "agent channel", 1 - call.agent_idx: "customer channel"}
    elif clip.n_channels == 1:
        channel_names = {0: "the recording" if call.layout == "mixed" else "agent channel"}
    else:  # a stereo file read as one party or as two voices mixed
        channel_names = {0: "left channel", 1: "right channel"}
    for idx, share in enumerate(clip.clipped_fraction):
        if share > CLIPPED_SHARE:
            warnings.append(f"{channel_names[idx]} clips: {share * 100:.1f}% of samples at full scale; lower the input gain")
