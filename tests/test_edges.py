"""Speech edges on real voices in noise and the phone band, and sound that is not speech.

The call is tests/realspeech.long_hold_call (a LibriVox reader as the caller, Asterisk's telephone
voice as the agent), so every latency, word count and speaking time is known by construction.
Non-speech is made by construction too: sox plucked-string arpeggios and chords, a piano-like tone
sequence, DTMF digits, North American ringback (440+480 Hz, 2 s on 4 s off), Asterisk's beep, pink
and brown noise, and real hold music (Debian's asterisk-moh-opsound-wav, CC-BY-SA Opsound tracks).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from realspeech import SR, long_hold_call, phone_band, require_real_speech, with_noise, write_stereo

from voicecoach import activity, vad
from voicecoach.pipeline import Options, analyze

LATENCY_TOL_S = 0.12  # issue 11: latency within 0.12 s clean and in the phone band...
NOISE_LATENCY_TOL_S = 0.15  # ...0.15 s in line noise
RATE_TOL = 0.08  # ...rate within 8%
HOLD_MUSIC = Path("/usr/share/asterisk/moh")
BEEP = Path("/usr/share/asterisk/sounds/en/beep.wav")

CONDITIONS = {
    # name: (agent level, caller level, phone band, line noise dBFS, latency tolerance)
    "clean": (-20.0, -18.0, False, None, LATENCY_TOL_S),
    "phone_band_ulaw": (-20.0, -18.0, True, None, LATENCY_TOL_S),
    "noise_minus_45_dbfs": (-20.0, -18.0, False, -45.0, NOISE_LATENCY_TOL_S),
    "agent_12_db_quieter": (-30.0, -18.0, False, None, LATENCY_TOL_S),
    # both at once: latencies hold; speaking time does not (decays sink under the hiss: rate +9%
    # in the band with hiss, +15% with the quiet agent in hiss), so these stay out of the rate test
    "phone_band_and_noise": (-20.0, -18.0, True, -45.0, NOISE_LATENCY_TOL_S),
    "agent_12_db_quieter_in_noise": (-30.0, -18.0, False, -45.0, NOISE_LATENCY_TOL_S),
}
RATE_CONDITIONS = ["clean", "phone_band_ulaw", "noise_minus_45_dbfs", "agent_12_db_quieter"]


def call_file(folder: Path, name: str) -> tuple[Path, dict]:
    require_real_speech()
    agent_dbfs, customer_dbfs, band, noise_dbfs, _ = CONDITIONS[name]
    customer, agent, truth = long_hold_call(agent_level_dbfs=agent_dbfs, customer_level_dbfs=customer_dbfs)
    y, sr = np.stack([customer, agent], axis=1), SR
    if band:
        y, sr = phone_band(y)
    if noise_dbfs is not None:
        y = with_noise(y, noise_dbfs)
    path = write_stereo(folder / f"{name}.wav", y[:, 0], y[:, 1], sr=sr, subtype="ULAW" if band else "PCM_16")
    return path, truth


def signal_latencies(path: Path) -> list[float]:
    """Latencies from the signal alone (every agent turn here is an answer, none a backchannel)."""
    from voicecoach import audio
    from voicecoach.analysis import turns

    clip = audio.load(path)
    segs = {
        name: activity.detect(ch, sr=clip.sr, voice_prob=vad.speech_probability(ch, sr=clip.sr)).segments
        for name, ch in (("customer", clip.channels[0]), ("agent", clip.channels[1]))
    }
    raw = turns.build_turns(segs)
    return [v for v in turns.latencies(raw, [False] * len(raw)) if v is not None]


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_signal_latencies_on_real_voices(tmp_path, name):
    path, truth = call_file(tmp_path, name)
    assert signal_latencies(path) == pytest.approx(truth["latencies_s"], abs=CONDITIONS[name][4])


@pytest.mark.slow
@pytest.mark.parametrize("name", RATE_CONDITIONS)
def test_real_voice_call_latencies_and_rate(tmp_path, name):
    path, truth = call_file(tmp_path, name)
    a = analyze(path, Options(agent_channel="right"))
    assert a.latency.values_s == pytest.approx(truth["latencies_s"], abs=CONDITIONS[name][4])
    assert a.agent.rate_wpm == pytest.approx(truth["agent_rate_wpm"], rel=RATE_TOL)


# --- sound that is not speech ------------------------------------------------------------------


def at_dbfs(y: np.ndarray, dbfs: float) -> np.ndarray:
    return (y / np.sqrt(np.mean(y**2)) * 10 ** (dbfs / 20)).astype(np.float32)


def sox_synth(*effects: str) -> np.ndarray:
    out = subprocess.run(
        ["sox", "-n", "-r", str(SR), "-c", "1", "-b", "16", "-t", "raw", "-e", "signed", "-", *effects],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float32) / 32768


def arpeggio() -> np.ndarray:
    notes = ["C4", "E4", "G4", "C5", "G4", "E4"]
    chain = [x for k, n in enumerate(notes) for x in ([":"] if k else []) + ["synth", "0.3", "pluck", n]]
    return at_dbfs(np.tile(sox_synth(*chain), 3), -20)


def chord() -> np.ndarray:
    return at_dbfs(np.tile(sox_synth("synth", "3", "pluck", "C4", "pluck", "E4", "pluck", "G4", "remix", "-"), 2), -20)


def piano_tones() -> np.ndarray:
    """Struck notes: seven decaying harmonics, 0.4 s each, a C-major figure twice."""
    t = np.arange(int(0.4 * SR)) / SR
    notes = [261.6, 329.6, 392.0, 523.3, 392.0, 329.6, 293.7, 349.2, 440.0, 349.2, 293.7, 246.9] * 2
    tones = [sum(np.sin(2 * np.pi * f * k * t) * 0.6**k for k in range(1, 8)) * np.exp(-3 * t) for f in notes]
    return at_dbfs(np.concatenate(tones), -20)


def dtmf() -> np.ndarray:
    """Eight digits, 100 ms tone and 100 ms gap each (ITU-T Q.23 frequency pairs)."""
    t = np.arange(int(0.1 * SR)) / SR
    pairs = [(697, 1209), (697, 1336), (770, 1477), (852, 1336), (941, 1336), (770, 1209), (697, 1477), (852, 1209)]
    gap = np.zeros(len(t))
    digits = [np.concatenate([np.sin(2 * np.pi * lo * t) + np.sin(2 * np.pi * hi * t), gap]) for lo, hi in pairs]
    return at_dbfs(np.concatenate([np.zeros(SR // 2), *digits, np.zeros(SR // 2)]), -20)


def ringback() -> np.ndarray:
    """North American ringback: 440 + 480 Hz, 2 s on, 4 s off."""
    t = np.arange(2 * SR) / SR
    ring = np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t)
    return at_dbfs(np.concatenate([ring, np.zeros(4 * SR), ring, np.zeros(SR)]), -20)


def beep() -> np.ndarray:
    import soxr

    y, sr = sf.read(BEEP, dtype="float32")
    quiet = np.zeros(SR // 2, np.float32)
    return np.concatenate([quiet, soxr.resample(y, sr, SR).astype(np.float32), quiet])


def coloured_noise(exponent: float) -> np.ndarray:
    """Noise whose power falls as 1/f**exponent (1: pink, 2: brown), 6 s at -30 dBFS."""
    spectrum = np.fft.rfft(np.random.default_rng(3).standard_normal(6 * SR))
    f = np.fft.rfftfreq(6 * SR, 1 / SR)
    spectrum[1:] /= f[1:] ** (exponent / 2)
    spectrum[0] = 0
    return at_dbfs(np.fft.irfft(spectrum, n=6 * SR), -30)


def hold_music(name: str, seconds: float = 30.0, offset_s: float = 20.0) -> np.ndarray:
    import soxr

    path = HOLD_MUSIC / f"{name}.wav"
    if not path.is_file():
        pytest.fail("hold music missing: apt-get install asterisk-moh-opsound-wav (make test installs it)")
    y, sr = sf.read(path, dtype="float32", frames=int((offset_s + seconds) * 8000), always_2d=True)
    y = soxr.resample(y.mean(axis=1)[int(offset_s * sr) :], sr, SR).astype(np.float32)
    return at_dbfs(y, -20)


MUSIC_TRACKS = ["macroform-cold_day", "macroform-robot_dity", "macroform-the_simplicity", "manolo_camp-morning_coffee", "reno_project-system"]
NOT_SPEECH = {
    "arpeggio": arpeggio,
    "chord": chord,
    "piano_tones": piano_tones,
    "dtmf": dtmf,
    "ringback": ringback,
    "beep": beep,
    "pink_noise": lambda: coloured_noise(1.0),
    "brown_noise": lambda: coloured_noise(2.0),
    **{f"hold_{m.split('-')[0]}_{m.split('-')[1][:6]}": (lambda m=m: hold_music(m)) for m in MUSIC_TRACKS},
}


@pytest.mark.parametrize("name", list(NOT_SPEECH))
def test_music_tones_and_noise_are_not_speech(name):
    y = NOT_SPEECH[name]()
    assert activity.detect(y, sr=SR, voice_prob=vad.speech_probability(y, sr=SR)).segments == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["arpeggio", "dtmf", "ringback", "brown_noise", "hold_macroform_cold_d", "hold_reno_project_system"])
def test_non_speech_clip_is_a_report_without_words(tmp_path, name):
    path = tmp_path / f"{name}.wav"
    sf.write(path, NOT_SPEECH[name](), SR, subtype="PCM_16")
    a = analyze(path)
    assert a.agent.words == 0 and a.words == [] and a.agent.speaking_s == 0 and a.agent.rate_wpm is None
    assert "no speech found on the agent channel: nothing to measure" in a.warnings


@pytest.mark.slow
@pytest.mark.parametrize("gap_s", [0.6, 0.1])
def test_hold_music_before_the_call_is_not_speech(tmp_path, gap_s):
    """8 s of hold music on both channels, ending ``gap_s`` before the caller's first word."""
    require_real_speech()
    customer, agent, truth = long_hold_call()
    music = hold_music("macroform-cold_day", seconds=8.0)
    first_word_s = truth["lines"][0]["start_s"]
    pad = len(music) + int(round((gap_s - first_word_s) * SR))
    customer, agent = (np.concatenate([np.zeros(pad, np.float32), y]) for y in (customer, agent))
    customer[: len(music)] += music
    agent[: len(music)] += music * 0.5  # the agent's leg hears it too, 6 dB down
    path = write_stereo(tmp_path / "hold.wav", customer, agent)
    a = analyze(path, Options(agent_channel="right"))
    shift = pad / SR
    assert a.latency.values_s == pytest.approx(truth["latencies_s"], abs=LATENCY_TOL_S)
    assert a.segments["agent"][0].start_s == pytest.approx(truth["lines"][1]["start_s"] + shift, abs=LATENCY_TOL_S)
    # music may reach at most 0.75 s into the caller's first segment (activity.VOICE_REACH_S)
    assert a.segments["customer"][0].start_s >= first_word_s + shift - activity.VOICE_REACH_S - 0.01
    # nothing heard in the music reaches the caller's words (Whisper may still drop a short agent
    # turn, "One moment, please.", when its window starts in music: issue 11 item 2, not timed here)
    caller_words = sum(s["words"] for ln in truth["lines"] if ln["speaker"] == "customer" for s in ln["sentences"])
    assert 0.9 * caller_words <= a.customer.words <= caller_words
    assert a.customer.fillers.items == [] and a.agent.fillers.items == []  # a held note is not an "um"


@pytest.mark.parametrize("band", [False, True], ids=["wideband", "phone_band_ulaw"])
def test_every_line_of_every_real_call_is_speech(tmp_path, band):
    """Each party's every line, on each of the three real-voice calls, is found as speech. In the
    phone band Silero's state, carried across a whole channel, once scored a caller line after 7 s
    of silence under 0.5 throughout, and the line (and its latency) vanished."""
    from realspeech import calls

    require_real_speech()
    for name, customer, agent, truth in calls():
        y, sr = np.stack([customer, agent], axis=1), SR
        if band:
            y, sr = phone_band(y)
        path = write_stereo(tmp_path / f"{name}.wav", y[:, 0], y[:, 1], sr=sr, subtype="ULAW" if band else "PCM_16")
        from voicecoach import audio

        clip = audio.load(path)
        for party, ch in (("customer", clip.channels[0]), ("agent", clip.channels[1])):
            segs = activity.detect(ch, sr=clip.sr, voice_prob=vad.speech_probability(ch, sr=clip.sr)).segments
            for ln in (ln for ln in truth["lines"] if ln["speaker"] == party):
                heard = sum(max(0.0, min(s.end_s, ln["end_s"]) - max(s.start_s, ln["start_s"])) for s in segs)
                assert heard >= 0.8 * (ln["end_s"] - ln["start_s"]), (name, party, ln["start_s"], segs)


@pytest.mark.slow
def test_rate_in_line_noise_is_right_or_marked_unsure(tmp_path):
    """Line noise at -45 dBFS, alone or through the phone band, with the agent at a normal level or
    12 dB quieter: word ends drown and rate_wpm reads high (up to 21% measured). Every rate is
    within 8% of the truth or carries rate_confidence "low", its reason and a warning; the clean
    call's rate is trusted."""
    from realspeech import calls

    from voicecoach.pipeline import Options, analyze

    require_real_speech()
    marked = 0
    for agent_dbfs in (-20.0, -30.0):
        for name, customer, agent, truth in calls(agent_level_dbfs=agent_dbfs):
            for band in (False, True):
                y, sr = np.stack([customer, agent], axis=1), SR
                if band:
                    y, sr = phone_band(y)
                path = write_stereo(tmp_path / f"{name}.wav", *with_noise(y, -45.0).T, sr=sr)
                ag = analyze(path, Options(agent_channel="right")).agent
                if ag.rate_confidence == "low":
                    marked += 1
                    assert "line noise" in ag.rate_reason
                else:
                    assert ag.rate_wpm == pytest.approx(truth["agent_rate_wpm"], rel=0.08), (name, agent_dbfs, band)
    assert marked >= 6  # the -30 dBFS agent in noise at least
    customer, agent, truth = next(calls())[1:]
    a = analyze(write_stereo(tmp_path / "clean.wav", customer, agent), Options(agent_channel="right"))
    assert a.agent.rate_confidence == "high" and not any(w.startswith("speaking rate unsure") for w in a.warnings)


@pytest.mark.slow
def test_latency_in_noise_through_a_lossy_coder_is_right_or_marked_unsure(tmp_path):
    """Line noise saved as a 32 kbps MP3: the coder keeps the noise in some frames and drops it in
    others, and pause edges moved by up to 0.62 s on these calls (the same noise in WAV: 0.08 s).
    Every answer is within the noise tolerance of the truth, or the latencies carry confidence "low"
    with the reason, a warning, and the marks of every number timed on those edges (and
    articulation, which line noise inflates, is marked too); a clean 32 kbps MP3 is trusted."""
    from realspeech import calls, mp3_copy

    from voicecoach import metrics
    from voicecoach.pipeline import Options, analyze

    require_real_speech()
    marked = 0
    for noise_dbfs in (-45.0, -40.0):
        for name, customer, agent, truth in calls():
            wav = write_stereo(tmp_path / f"{name}.wav", *with_noise(np.stack([customer, agent], axis=1), noise_dbfs).T)
            a = analyze(mp3_copy(wav, tmp_path / f"{name}.mp3", kbps=32), Options(agent_channel="right"))
            if a.latency.confidence == "low":
                marked += 1
                assert "lossy-compressed" in a.latency.reason and any(w.startswith("response latencies unsure") for w in a.warnings)
                assert {"latency_median_s", "latency_p90_s", "first_response_s", "jump_ins", "stalls", "articulation_sps"} <= set(metrics.marks(a))
            else:
                assert len(a.latency.values_s) == len(truth["latencies_s"]), (name, noise_dbfs)
                for got, want in zip(a.latency.values_s, truth["latencies_s"]):
                    assert abs(got - want) <= NOISE_LATENCY_TOL_S, (name, noise_dbfs, a.latency.values_s, truth["latencies_s"])
    assert marked >= 3  # the -40 dBFS noise at least
    customer, agent, truth = next(calls())[1:]
    a = analyze(mp3_copy(write_stereo(tmp_path / "clean.wav", customer, agent), tmp_path / "clean.mp3", kbps=32), Options(agent_channel="right"))
    assert a.latency.confidence == "high" and not {"latency_median_s", "articulation_sps"} & set(metrics.marks(a))
    for got, want in zip(a.latency.values_s, truth["latencies_s"]):
        assert abs(got - want) <= 0.12  # the clean tolerance (tests/test_truth.py)
