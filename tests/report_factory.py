"""Hand-built Analyses and a matching stereo clip for the report and compare tests (no model)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import soundfile as sf

from voicecoach.results import (
    Analysis, Debrief, DebriefPoint, EvidenceItem, Latency, Level, Opening, Pauses, Pitch, ScenarioResult,
    Segment, SpeakerStats, Turn, Word,
)

HOSTILE = "<script>alert(1)</script>"
SR = 16000
CLIP_S = 6.0
# (speaker, start_s, end_s): where the clip below has tone bursts, and where the turns lie
BURSTS = [("customer", 0.5, 2.0), ("agent", 2.6, 4.0), ("agent", 4.4, 5.5)]


def burst_clip(path: Path, *, level_dbfs: float = -20.0) -> Path:
    """Stereo clip, customer LEFT and agent RIGHT: 220/180 Hz bursts at BURSTS, silence between."""
    x = np.zeros((2, int(CLIP_S * SR)), dtype=np.float32)
    for speaker, start, end in BURSTS:
        t = np.arange(int((end - start) * SR)) / SR
        f = 180.0 if speaker == "agent" else 220.0
        x[1 if speaker == "agent" else 0, int(start * SR): int(start * SR) + len(t)] = (
            np.sqrt(2) * 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * f * t))
    sf.write(str(path), x.T, SR)
    return path


def _stats(words: int, rate_wpm: float, opening: Opening | None, level_dbfs: float = -20.0, pitch_hz: float = 180.0) -> SpeakerStats:
    return SpeakerStats(words, words / rate_wpm * 60.0, rate_wpm, 4.0, opening, Level(level_dbfs, level_dbfs - 4, level_dbfs + 3, 0.5),
                        Pitch(pitch_hz, 3.0), Pauses(1, 0.4, 0.4))


def hand_analysis(source: str = "take.wav", *, customer_text: str = f"Hi {HOSTILE} I waited twelve minutes",
                  agent_text: str = "Thanks for calling. Let me check your account now.", rate_wpm: float = 150.0,
                  opening_rate_wpm: float = 130.0, latency_s: float = 0.6, level_dbfs: float = -20.0, scenario=None) -> Analysis:
    """An Analysis shaped like ``burst_clip``: one customer turn, one agent answer."""
    opening = Opening("Thanks for calling.", 2.6, 4.0, 3, opening_rate_wpm, 100.0 * (opening_rate_wpm / rate_wpm - 1))
    agent_start = 2.0 + latency_s
    turns = [
        Turn("customer", 0.5, 2.0, customer_text, len(customer_text.split()), None, -20.0, None, 220.0),
        Turn("agent", agent_start, 5.5, agent_text, len(agent_text.split()), rate_wpm, level_dbfs, latency_s, 180.0),
    ]
    words = [Word(w, 0.5 + 0.1 * i, 0.6 + 0.1 * i, "customer", 0.9) for i, w in enumerate(customer_text.split())]
    lat = Latency([latency_s], latency_s, latency_s, latency_s, int(latency_s < 0.2), int(latency_s > 3.0))
    return Analysis(
        source=source, duration_s=CLIP_S, model="hand-built", layout="stereo",
        agent=_stats(len(agent_text.split()), rate_wpm, opening, level_dbfs), customer=_stats(6, 160.0, None, pitch_hz=220.0),
        latency=lat, first_response_s=latency_s, talk_ratio=0.5, overtalk_s=0.0, turns=turns, words=words,
        warnings=[f"a warning that quotes {HOSTILE}"], scenario=scenario,
        segments={who: [Segment(a, b) for w, a, b in BURSTS if w == who] for who in ("customer", "agent")},
    )


def hostile_scenario() -> ScenarioResult:
    """A coaching block whose quote, debrief and title all carry hostile markup."""
    item = EvidenceItem("acknowledgment", "impact", "twelve minutes", "customer", 0.5, 2.0, True)
    missing = EvidenceItem("options", "offer", "", "agent", None, None, False, note=f"no offer heard {HOSTILE}")
    point = DebriefPoint(f"You named the wait {HOSTILE}", "acknowledgment", "acknowledgment.impact", 0.5)
    return ScenarioResult(
        id="long-hold", title=f"The long hold {HOSTILE}", skill="pacing", skill_tags=["pacing"], targets=[],
        evidence={"acknowledgment": [item], "options": [missing]}, options_offered=0, customer_tone=[],
        customer_softened_at_s=None, customer_tone_note="", debrief=Debrief([point, point], point, "Ask one question."),
    )


def replace_agent(a: Analysis, **changes) -> Analysis:
    return dataclasses.replace(a, agent=dataclasses.replace(a.agent, **changes))


def burst_media(clip: Path, a: Analysis):
    """The report media of ``burst_clip`` as the pipeline hands it over (the decoded audio and each
    party's level and pitch track), measured over the hand-built Analysis's segments: the pipeline
    itself would find no speech in tone bursts. Customer LEFT, agent RIGHT."""
    from voicecoach import activity, audio
    from voicecoach.analysis import pitch
    from voicecoach.analysis.tracks import party_track
    from voicecoach.report import media

    decoded = audio.load(clip)
    tracks = []
    for who, channel in (("customer", 0), ("agent", 1)):
        x = decoded.channels[channel]
        db = activity.speech_levels(x, sr=decoded.sr)
        mask = activity.segments_mask(a.segments[who], len(db), activity.HOP_S)
        f0 = pitch.track(x, sr=decoded.sr, hop_s=activity.HOP_S, frame_dbfs=db, speech=mask)
        tracks.append(party_track(who, db, mask, f0, hop_s=activity.HOP_S))
    return media.embed(decoded.channels, decoded.sr, tracks)
