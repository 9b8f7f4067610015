"""The one road from a clip to an Analysis, used alike by analyze, compare and batch.

parties.py measures who speaks on which audio; this module turns those parties into turns,
latencies, each speaker's numbers and the warnings that say what they cannot vouch for.

``analyze_clip`` also hands back what a report draws besides the numbers (the decoded audio and
each party's level and pitch track), so the renderers never decode or measure anything again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from . import audio, decode, scenarios, transcribe
from .analysis import fillers, judge, loudness, nudges, pacing, pitch, syllables, turns
from .analysis.coach import coach
from .analysis.tracks import party_track
from .clock import mmss
from .cues import Cue
from .errors import AudioError
from .parties import AGENT_CHANNELS, Call, Party, measure_call
from .results import (
    Analysis,
    NudgeOutcome,
    Recording,
    Segment,
    SpeakerStats,
    Track,
    Turn,
)

QUIET_LOUD_DBFS = -40.0  # loudest speech below this: too quiet to trust the pitch and nuclei
CLIPPED_SHARE = 0.0005  # more than 0.05% of samples at full scale is audible distortion


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


def _speaker_stats(party: Party, others: list[Segment], first_turn: turns.RawTurn | None) -> SpeakerStats:
    act = party.act
    mask = act.frame_mask()
    speaking = act.speaking_s
    nuclei_s = party.nuclei_s
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


def _turn_rows(raw_turns, parties: dict[str, Party], cues: tuple[Cue, ...] | None) -> tuple[list[Turn], list[float | None]]:
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
        # a turn's rate is flagged only where the take's rate is sure (line noise makes it read high)
        flagged = t.speaker == "agent" and pacing.rate_confidence(party.act.loud_dbfs - party.act.floor_dbfs)[0] == "high"
        rows.append(
            Turn(
                speaker=t.speaker,
                start_s=t.start_s,
                end_s=t.end_s,
                text=" ".join(w.text for w in words),
                words=n_words,
                rate_wpm=pacing.rate_wpm(n_words, spoken),
                rate_flag=judge.rate_flag(pacing.rate_wpm(n_words, spoken), n_words) if flagged else None,
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


def _tracks(parties: dict[str, Party]) -> tuple[Track, ...]:
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

    call = measure_call(path, clip, card, model, options, on_progress, warnings, words_cache)
    result = _result(path, clip, choice.label, call, warnings)
    result = result if card is None else replace(result, scenario=coach(result, card))
    return Analyzed(result, _tracks(call.parties), clip)


def _result(path, clip: audio.Audio, model_label: str, call: Call, warnings: list[str]) -> Analysis:
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
    if latency is not None:  # the pause edges of every party with speech
        snr = min((p.act.loud_dbfs - p.act.floor_dbfs for p in parties.values() if p.act.segments), default=None)
        sure, why = turns.latency_confidence(snr, lossy=clip.lossy)
        latency = replace(latency, confidence=sure, reason=why)
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


def _nudge_outcomes(path, agent: Party) -> list[NudgeOutcome] | None:
    """The live line's nudges logged in the take's sidecar, each judged on the take (analysis/nudges.py);
    None when the take was not recorded with nudges on."""
    from .sidecar import read_sidecar

    fired = (read_sidecar(path) or {}).get("nudges") if Path(path).exists() else None
    if not isinstance(fired, list):
        return None
    try:
        return nudges.outcomes(fired, agent.act.segments, agent.nuclei_s, syllables_per_word=decode.SYLLABLES_PER_WORD)
    except (TypeError, KeyError, ValueError) as e:
        raise AudioError(f"{path}: the sidecar's nudges are malformed ({e}); each needs kind and at_s") from e


def _measure_warnings(call: Call, agent_stats: SpeakerStats, latency, warnings: list[str]) -> None:
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
    if latency is not None and latency.reason:
        warnings.append(f"response latencies unsure: {latency.reason}")
    if latency is None and call.layout != "mono" and agent.act.segments:
        warnings.append("response latency not measurable: no customer turn is followed by an agent turn")
    elif call.layout == "mono" and agent.act.segments:
        warnings.append("agent-only clip without cues: response latency not measurable (first_response_s is time to first word)")
    for name, party in call.parties.items():
        if party.act.segments and party.act.loud_dbfs < QUIET_LOUD_DBFS:
            warnings.append(
                f"{name} speech is very quiet (peaks at {party.act.loud_dbfs:.0f} dBFS): move closer to the mic or raise the input gain"
            )


def _clipping_warnings(clip: audio.Audio, call: Call, warnings: list[str]) -> None:
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
