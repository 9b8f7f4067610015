"""The live pace line (voicecoach/live.py) fed real speech block by block, without a device; the nudge
outcome in every report format; the calm terminal. tests/test_live_device.py plays the same speech
through the (virtual) audio device.

Speech at known rates: held-out Asterisk prompts time-stretched by sox tempo (tests/live_speech.py);
the truth of each rolling window is the CMU dictionary syllables of the speech inside it over its
speaking time.
"""

from __future__ import annotations

import dataclasses
import io
import re

import numpy as np
import pytest
from realspeech import require_real_speech

from voicecoach import activity, live
from voicecoach.norms import DEFAULT
from voicecoach.results import NudgeOutcome, Segment

SR = live.SR
BLOCK = 800  # 50 ms blocks, as the tick of record()
CALM_SPS, FAST_SPS = 3.5, 5.3  # 140 and 212 wpm at 1.5 syllables per word: in the band, far above it
# The rolling rate against the dictionary truth of its own window, over every window after 5 s of
# speech (sampled each second), calm then fast then calm: the 10%. Measured here 7.7% mean
# (8.8% through the audio device); single windows reach 20-25% where a few prompts overcount, and the
# first calm stretch reads about 10% high on the whole (the offline detector on the same audio errs alike: +11.5% at tempo 0.85
# over these prompts; the live line runs the same steps).
MEAN_ERROR = 0.10
P90_ERROR = 0.20  # a regression guard: 15.0% measured (15.2% through the device) (the offline detector's p90 on 5 s turns is 11%;
# here windows also start and end inside prompts)


def _feed(analyser: live.LiveAnalyser, y: np.ndarray, *, every: int = BLOCK):
    states = []
    for i in range(0, len(y), every):
        analyser.feed(y[i : i + every].reshape(-1, 1), i)
        states.append(analyser.update())
    return states


@pytest.fixture(scope="module")
def speech():
    require_real_speech()
    import live_speech as ls
    from test_syllables_real import require_dictionary

    require_dictionary()
    calm, fast = ls.tempo_for(CALM_SPS), ls.tempo_for(FAST_SPS)
    return {
        "tempos": (calm, fast),
        "calm": ls.passage([(calm, 30.0)]),
        "mixed": ls.passage([(calm, 15.0), (fast, 15.0), (calm, 15.0)]),
    }


def window_errors(states, passage, *, offset_s: float = 0.0, every_s: float = 1.0):
    """(at_s, live sps, truth sps) each ``every_s`` once the window holds 5 s of speech."""
    rows, next_at = [], 0.0
    for s in states:
        if s.window_s is None or s.articulation_sps is None or s.at_s < next_at:
            continue
        a, b = s.window_s
        truth = passage.truth_sps(a - offset_s, b - offset_s)
        if truth and b - a >= live.ROLL_SPEECH_S:
            rows.append((s.at_s, s.articulation_sps, truth))
            next_at = s.at_s + every_s
    return rows


def test_frame_levels_are_the_pipelines(speech):
    y = speech["calm"].samples[: 8 * SR]
    a = live.LiveAnalyser()
    _feed(a, y, every=333)  # blocks that do not line up with the 10 ms hop
    offline = activity.speech_levels(y, sr=SR)
    n = len(a._db)
    assert n >= len(offline) - 2
    np.testing.assert_allclose(a._db[:n], offline[:n], atol=1e-3)


def test_rolling_rate_follows_speech_at_known_rates(speech):
    passage = speech["mixed"]
    a = live.LiveAnalyser()
    rows = window_errors(_feed(a, passage.samples), passage)
    errors = np.array([abs(sps / truth - 1) for _, sps, truth in rows])
    print(f"tempos {speech['tempos']}: {len(rows)} windows, mean error {errors.mean():.1%}, p90 {np.percentile(errors, 90):.1%}")
    assert len(rows) >= 30
    assert errors.mean() <= MEAN_ERROR and np.percentile(errors, 90) <= P90_ERROR


def test_a_fast_stretch_fires_exactly_one_slower(speech):
    passage = speech["mixed"]
    a = live.LiveAnalyser()
    states = _feed(a, passage.samples)
    assert [n["kind"] for n in a.fired] == ["slower"], a.fired
    at = a.fired[0]["at_s"]
    fast_start = passage.sections[1][0]
    # the 5 s window fills with fast speech, then stays above the band for nudge_slower_after_s
    assert fast_start + DEFAULT.nudge_slower_after_s <= at <= fast_start + 13.0
    shown = [s.at_s for s in states if s.nudge == "slower"]
    assert shown[0] == pytest.approx(at, abs=0.06) and shown[-1] - shown[0] <= live.NUDGE_SHOW_S


def test_a_calm_take_fires_no_nudge(speech):
    a = live.LiveAnalyser()
    states = _feed(a, speech["calm"].samples)
    assert a.fired == []
    assert all(s.nudge is None for s in states)
    rates = [s.rate_wpm for s in states if s.rate_wpm is not None]
    assert DEFAULT.rate_wpm[0] * 0.9 <= np.median(rates) <= DEFAULT.rate_wpm[1]


def test_nudges_off_fires_and_logs_none(speech):
    a = live.LiveAnalyser(nudges=False)
    states = _feed(a, speech["mixed"].samples)
    assert a.fired == [] and all(s.nudge is None for s in states)
    assert any(s.band in ("fast", "too fast") for s in states)  # the rate still shows


def test_breathe_after_a_long_run_without_a_pause(speech):
    """Prompts joined by 0.1 s gaps (not a pause: under 0.25 s) make long runs of speech (the
    prompts' own commas still pause); 'breathe' comes nudge_breathe_run_s into the first run that
    long, and the same prompts with 0.5 s pauses between them fire none."""
    import live_speech as ls
    from realspeech import prompt

    names = [name for name, _ in ls.held_out_prompts()[:14]]
    clips = [ls.stretched(prompt(n)[0], speech["tempos"][0]) for n in names]

    def joined(gap_s):
        gap = np.zeros(int(gap_s * SR), np.float32)
        trimmed = [c[np.flatnonzero(np.abs(c) > 0.01)[0] : np.flatnonzero(np.abs(c) > 0.01)[-1]] for c in clips]
        return np.concatenate([np.zeros(SR // 2, np.float32)] + [x for c in trimmed for x in (c, gap)])

    a = live.LiveAnalyser()
    y = joined(0.1)
    _feed(a, y)
    assert [n["kind"] for n in a.fired] == ["breathe"], a.fired
    # where the pipeline's own speech activity (a pause is 0.25 s of silence) first runs that long
    run = next(s for s in activity.detect(y, sr=SR).segments if s.duration_s >= DEFAULT.nudge_breathe_run_s)
    assert a.fired[0]["at_s"] == pytest.approx(run.start_s + DEFAULT.nudge_breathe_run_s, abs=0.3)
    b = live.LiveAnalyser()
    _feed(b, joined(0.5))
    assert [n["kind"] for n in b.fired if n["kind"] == "breathe"] == []


def test_pause_timer_runs_from_the_cue_end_until_the_agent_speaks(speech):
    """The cue (the caller's line, heard through the mic) is not the agent; the timer starts at its
    end and stops at the agent's first syllable: 1.50 s of silence here."""
    y = speech["calm"].samples
    cue, reply = y[int(0.5 * SR) : int(3.0 * SR)], y[int(5.0 * SR) : int(9.0 * SR)]
    silence = np.zeros(int(1.5 * SR), np.float32)
    a = live.LiveAnalyser()
    a.cue_playing(0.0)
    _feed(a, cue)
    a.cue_ended(len(cue) / SR)
    during = _feed(a, silence)
    assert during[-1].pause_s == pytest.approx(1.5, abs=0.06)
    assert during[-1].rate_wpm is None  # the cue's speech is not the agent's rate
    onset = np.flatnonzero(np.abs(reply) > 0.02)[0] / SR
    after = _feed(a, reply)
    assert after[-1].pause_s is None
    assert after[-1].answered_s == pytest.approx(1.5 + onset, abs=0.1)


def test_clipping_shows_for_a_second():
    a = live.LiveAnalyser()
    t = np.arange(SR // 10) / SR
    states = _feed(a, np.concatenate([np.sin(2 * np.pi * 200 * t).astype(np.float32), np.full(2 * SR, 0.01, np.float32)]))
    assert states[0].clipping and states[int(0.9 * SR) // BLOCK].clipping
    assert not states[-1].clipping


def test_other_rates_and_channels_are_resampled(speech):
    import soxr

    y = speech["calm"].samples[: 12 * SR]
    y48 = soxr.resample(y, SR, 48000).astype(np.float32)
    stereo = np.stack([np.zeros_like(y48), y48], axis=1)
    a, b = live.LiveAnalyser(), live.LiveAnalyser(rate_hz=48000, channel=1)
    _feed(a, y)
    for i in range(0, len(stereo), 2400):
        b.feed(stereo[i : i + 2400])
        last = b.update()
    assert last.rate_wpm == pytest.approx(a.update().rate_wpm, rel=0.1)


# --- the outcome in the report ---------------------------------------------------------------------


def test_nudge_outcomes_from_hand_made_speech():
    from voicecoach.analysis import nudges

    segs = [Segment(0.0, 10.0), Segment(10.5, 20.0)]
    # 5 nuclei a second before 10 s, 4 after: 200 -> 160 wpm at 1.5 syllables a word
    nuclei = np.concatenate([np.arange(0, 10, 0.2), np.arange(10.5, 20, 0.25)])
    fired = [{"kind": "slower", "at_s": 10.2, "rate_wpm": 205.0}, {"kind": "breathe", "at_s": 9.0},
             {"kind": "slower", "at_s": 19.0}]  # fmt: skip
    out = nudges.outcomes(fired, segs, nuclei, syllables_per_word=1.5)
    assert out[0] == NudgeOutcome("breathe", 9.0, True, pause_after_s=1.0)
    assert (out[1].kind, out[1].rate_before_wpm, out[1].rate_after_wpm, out[1].followed) == ("slower", 200.0, 160.0, True)
    assert out[2].followed is None  # 1 s of speech after it: too little to tell
    same = nudges.outcomes([{"kind": "slower", "at_s": 5.0}], segs, nuclei, syllables_per_word=1.5)
    assert same[0].followed is False  # 200 -> 200 wpm


def test_the_outcome_shows_in_every_format(tmp_path):
    from report_factory import hand_analysis

    from voicecoach.report import render

    a = dataclasses.replace(hand_analysis(), nudges=[NudgeOutcome("slower", 23.0, True, 204.0, 162.0),
                                                     NudgeOutcome("breathe", 71.0, False, pause_after_s=7.5)])  # fmt: skip
    line = "slower at 0:23: 204 to 162 wpm (from syllables), followed; breathe at 1:11: paused 7.5 s later, not followed"
    text = render(a, "text")
    assert "Live nudges" in text and "1/2 followed" in text
    assert re.sub(r"\s+", " ", line) in re.sub(r"\s+", " ", text)
    assert line in render(a, "markdown")
    html = render(a, "html")
    assert "1/2 followed" in html and "204 to 162 wpm" in html
    import json

    data = json.loads(render(a, "json"))
    assert data["nudges"][0] == {"kind": "slower", "at_s": 23.0, "followed": True, "rate_before_wpm": 204.0,
                                 "rate_after_wpm": 162.0, "pause_after_s": None}  # fmt: skip
    assert "Live nudges" not in render(hand_analysis(), "text")  # a take without nudges: no line


# --- the terminal ----------------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self):
        return True


def _meter_run(err, analyser, y, seconds):
    from voicecoach.console import LevelMeter
    from voicecoach.record import Meter

    meter = LevelMeter(err, limit_s=seconds, live=analyser)
    m = Meter(loudest_dbfs=-20.0)  # the recorder's own figures: not quiet
    for i in range(0, len(y), BLOCK):
        analyser.feed(y[i : i + BLOCK])
        m.frames += BLOCK
        meter(m, m.frames / SR)
    meter.done()
    return meter


def test_piped_output_is_plain_and_sparse(speech):
    err = io.StringIO()
    y = speech["mixed"].samples
    _meter_run(err, live.LiveAnalyser(), y, len(y) / SR)
    lines = err.getvalue().splitlines()
    assert "\x1b" not in err.getvalue() and "\r" not in err.getvalue()
    assert len(lines) <= len(y) / SR / 10 + 2  # a summary every 10 s and the one nudge, not a line per update
    assert sum("nudge: slower" in ln for ln in lines) == 1
    assert re.search(r"pace ~\s*\d+ wpm \(140-160\)", lines[0])


def test_terminal_colours_only_what_is_judged(speech, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    err = _Tty()
    y = speech["mixed"].samples
    _meter_run(err, live.LiveAnalyser(), y, len(y) / SR)  # faster than real time: few redraws (bench/live.py counts them)
    out = err.getvalue()
    painted = re.findall(r"\x1b\[3[123]m([^\x1b]*)\x1b\[0m", out)
    assert painted and all(re.fullmatch(r"\s*\d+ wpm|CLIP|\d+\.\d s", p) for p in painted)
    assert "> slower" in out
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _Tty()
    _meter_run(plain, live.LiveAnalyser(), y[: 10 * SR], 10)
    assert not re.search(r"\x1b\[3[123]m", plain.getvalue())
