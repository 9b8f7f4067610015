"""compare: change, noticeability and direction per metric; openings; latencies turn by turn."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from report_factory import hand_analysis, replace_agent
from voicecoach.cli import main
from voicecoach.analysis import noise
from voicecoach.norms import Norms
from voicecoach.compare import compare
from voicecoach.report import render
from voicecoach.results import Recording, Turn


def metric(c, name):
    return next(m for m in c.metrics if m.name == name)


def with_opening(a, rate_wpm):
    return replace_agent(a, opening=dataclasses.replace(a.agent.opening, rate_wpm=rate_wpm))


def long_take(source: str = "take.wav", *, agent_words: int = 400, opening_words: int = 12, **kw):
    """A hand-built take long enough that its measurement noise is small (400 words: +/-1 word is
    0.25%; a 12-word opening), so what a listener notices decides: the listener rule on its own."""
    a = hand_analysis(source, **kw)
    op = dataclasses.replace(a.agent.opening, words=opening_words)
    return replace_agent(a, words=agent_words, speaking_s=agent_words / a.agent.rate_wpm * 60.0, opening=op)


@pytest.mark.parametrize(
    "first, last, noticeable, direction",
    [
        (150.0, 157.0, False, "same"),  # +4.7%: under the ~5% listeners notice (Quene)
        (150.0, 158.0, True, "same"),  # +5.3%, both inside the 140-160 band
        (150.0, 142.0, True, "same"),  # -5.3%
        (150.0, 170.0, True, "worse"),  # out of the band
        (180.0, 160.0, True, "better"),  # into the band
    ],
)
def test_rate_change_is_noticeable_from_five_percent(first, last, noticeable, direction):
    c = compare([long_take(rate_wpm=first), long_take(rate_wpm=last)])
    m = metric(c, "rate_wpm")
    assert m.values == [first, last]
    assert m.change == pytest.approx(last - first)
    assert m.change_pct == pytest.approx(100 * (last - first) / first)
    assert m.noticeable is noticeable
    assert m.direction == direction


@pytest.mark.parametrize(
    "first, last, noticeable, direction",
    [
        (0.5, 0.6, False, "same"),  # 0.1 s exactly: not more than 0.1 s
        (0.3, 1.0, True, "better"),  # jump-in-ish to calm
        (1.0, 3.6, True, "worse"),  # calm to stall
        (0.6, 1.2, True, "same"),  # both inside the calm 0.5-1.5 s band
    ],
)
def test_latency_change_over_a_tenth_of_a_second(first, last, noticeable, direction):
    c = compare([hand_analysis(latency_s=first), hand_analysis(latency_s=last)])
    m = metric(c, "latency_median_s")
    assert (m.noticeable, m.direction) == (noticeable, direction)
    assert c.turns[0].latency_s == [first, last]
    assert (c.turns[0].noticeable, c.turns[0].direction) == (noticeable, direction)


def test_level_needs_one_decibel_and_has_no_better_direction():
    a = hand_analysis()
    quieter = replace_agent(a, level=dataclasses.replace(a.agent.level, median_dbfs=-20.9))
    much = replace_agent(a, level=dataclasses.replace(a.agent.level, median_dbfs=-21.0))
    assert metric(compare([a, quieter]), "level_median_dbfs").noticeable is False
    m = metric(compare([a, much]), "level_median_dbfs")
    assert (m.noticeable, m.direction, m.change) == (True, "changed", pytest.approx(-1.0))


def test_opening_judged_against_scenario_targets():
    a = long_take()
    fast, calm = with_opening(a, 190.0), with_opening(a, 125.0)
    m = metric(compare([fast, calm]), "opening_rate_wpm")
    assert (m.noticeable, m.direction) == (True, "better")
    # a card that wants openings under 200 wpm sees both inside its band
    loose = Norms(opening_max_wpm=200.0)
    assert metric(compare([fast, calm], loose), "opening_rate_wpm").direction == "same"
    assert metric(compare([calm, fast]), "opening_rate_wpm").direction == "worse"


def test_progression_of_three_takes():
    takes = [long_take(rate_wpm=r) for r in (190.0, 170.0, 150.0)]
    m = metric(compare(takes), "rate_wpm")
    assert m.steps == ["better", "better"] and m.progression == "improving"
    takes = [long_take(rate_wpm=r) for r in (150.0, 190.0, 150.0)]
    m = metric(compare(takes), "rate_wpm")
    assert m.steps == ["worse", "better"] and m.progression == "mixed" and m.direction == "same"
    assert metric(compare([hand_analysis()] * 3), "rate_wpm").progression == "steady"


def test_json_schema_and_text_and_html_renderers():
    c = compare([long_take("one.wav", opening_rate_wpm=190.0), long_take("two.wav", opening_rate_wpm=125.0)])
    data = json.loads(render(c, "json"))
    assert {"takes", "metrics", "turns"} <= set(data)
    assert [t["label"] for t in data["takes"]] == ["one.wav", "two.wav"]
    for m in data["metrics"]:
        assert {"name", "unit", "values", "change", "noticeable", "direction", "noise", "noise_change", "within_noise"} <= set(m)
    text = render(c, "text")
    assert 'take 1 (190 wpm): "Thanks for calling."' in text and 'take 2 (125 wpm)' in text
    page = render(c, "html", analyses=[hand_analysis("one.wav"), hand_analysis("two.wav")], media=None)
    assert page.count("<svg") == 1 and "&lt;script&gt;" in page and "<script>alert" not in page
    assert "| Opening pace (wpm) | 190 | 125 | -65 (-34%) | better |" in render(c, "markdown")
    assert "<th>noise</th>" in page


def test_time_to_first_word_of_a_mono_take_is_not_compared_as_a_response():
    stereo = hand_analysis(latency_s=1.0)
    mono = dataclasses.replace(hand_analysis(latency_s=0.3), layout="mono", latency=None, customer=None)
    c = compare([stereo, mono])
    m = metric(c, "first_response_s")
    assert m.values == [1.0, None] and m.noticeable is None and m.direction == "n/a"
    assert any("different layouts" in w for w in c.warnings)


def test_compare_needs_two_takes():
    with pytest.raises(ValueError):
        compare([hand_analysis()])
    result = CliRunner().invoke(main, ["compare", "only.wav"])
    assert result.exit_code != 0


def _speech_clip(tmp_path):
    """Stereo espeak-ng clip: customer LEFT (0.3 s in), agent RIGHT starting 0.8 s after it ends."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: run 'make test' (installs it)")
    parts = {}
    for name, text in (("c", "Hi, this is Alex. I have been on hold for twelve minutes."),
                       ("a", "I am so sorry you waited so long, Alex. Let me pull up your account right now.")):
        wav = tmp_path / f"{name}.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), text], check=True)
        data, sr = sf.read(str(wav), dtype="float32")
        voiced = np.flatnonzero(np.abs(data) > 1e-3)  # espeak pads its output with silence: trim it
        parts[name] = data[voiced[0]: voiced[-1] + 1]
    gap = np.zeros(int(0.8 * sr), np.float32)
    lead = np.zeros(int(0.3 * sr), np.float32)
    cust = np.concatenate([lead, parts["c"], gap, np.zeros(len(parts["a"]) + int(0.3 * sr), np.float32)])
    agent = np.concatenate([np.zeros(len(lead) + len(parts["c"]), np.float32), gap, parts["a"], np.zeros(int(0.3 * sr), np.float32)])
    loud = tmp_path / "take.wav"
    stereo = np.stack([cust, agent], axis=1) * 0.5
    sf.write(str(loud), stereo, sr)
    quiet = tmp_path / "take_minus9db.wav"
    sf.write(str(quiet), stereo * 10 ** (-9 / 20), sr)
    return loud, quiet


@pytest.mark.slow
def test_quieter_copy_changes_level_by_nine_db_and_not_the_rate(tmp_path):
    loud, quiet = _speech_clip(tmp_path)
    result = CliRunner().invoke(main, ["compare", str(loud), str(quiet), "--agent-channel", "right", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    m = {x["name"]: x for x in data["metrics"]}
    assert m["level_median_dbfs"]["change"] == pytest.approx(-9.0, abs=0.5)
    assert m["level_median_dbfs"]["noticeable"] is True
    assert m["customer_level_dbfs"]["change"] == pytest.approx(-9.0, abs=0.5)
    assert m["rate_wpm"]["noticeable"] is False and abs(m["rate_wpm"]["change_pct"]) < 5.0
    assert m["latency_median_s"]["noticeable"] is False
    assert abs(m["latency_median_s"]["values"][0] - 0.8) < 0.15  # the gap we put in


@pytest.mark.slow
def test_bundled_take2_opens_slower_and_answers_calmer(analyses, truth):
    a1, a2 = analyses("long_hold_take1"), analyses("long_hold_take2")
    c = compare([a1, a2])
    op = metric(c, "opening_rate_wpm")
    assert op.change < 0 and op.noticeable and op.direction == "better"
    t1, t2 = truth["long_hold_take1"], truth["long_hold_take2"]
    assert op.values[0] == pytest.approx(t1["opening"]["rate_wpm"], rel=0.1)
    assert op.values[1] == pytest.approx(t2["opening"]["rate_wpm"], rel=0.1)
    # latencies aligned turn by turn, against the script's gaps (0.1 s: activity timing)
    assert len(c.turns) == 3
    for row, want1, want2 in zip(c.turns, t1["latencies_s"], t2["latencies_s"]):
        assert row.latency_s[0] == pytest.approx(want1, abs=0.1)
        assert row.latency_s[1] == pytest.approx(want2, abs=0.1)
    assert [t.direction for t in c.turns] == ["better", "better", "better"]
    assert c.takes[1].opening_text.lower().startswith("i'm so sorry")


# --- measurement noise: a change must exceed the listener threshold and both takes' noise -------


def test_rate_noise_is_one_word_and_the_edges():
    """40 words over 16 s (150 wpm) in 2 segments, clean: +/-1 word is 2.5%, 4 edges of +/-0.05 s
    over 16 s are 0.6%: 150 * hypot(1/40, 0.05 * 2 / 16) = 3.87 wpm."""
    a = replace_agent(hand_analysis(), words=40, speaking_s=16.0, rate_wpm=150.0)
    n = noise.estimate(a)["rate_wpm"]
    assert n.value == pytest.approx(150 * math.hypot(1 / 40, 0.05 * 2 / 16), rel=1e-6)
    assert "+/-1 word of 40" in n.basis


def test_a_three_word_opening_is_too_noisy_to_call_a_change():
    """One word of a 3-word opening is 33%: 190 -> 125 wpm (-34%) is within the two takes' noise."""
    first, last = hand_analysis(opening_rate_wpm=190.0), hand_analysis(opening_rate_wpm=125.0)
    m = metric(compare([first, last]), "opening_rate_wpm")
    assert (m.noticeable, m.direction, m.within_noise) == (False, "same", True)
    assert m.noise_change > abs(m.change) and "+/-1 word of 3 (33%)" in m.noise_basis[0]
    c = compare([first, last])
    assert "same (within noise +/-" in render(c, "text") and "WITHIN NOISE" in render(c, "text")
    assert "Opening pace: change -65 (-34%) is within +/-" in render(c, "text").replace("\n    ", " ")
    page = render(c, "html", analyses=None, media=None)
    assert "<h3>Within noise</h3>" in page and "+/-1 word of 3 (33%)" in page
    assert json.loads(render(c, "json"))["metrics"][1]["within_noise"] is True


def test_a_turn_with_speech_but_no_words_widens_the_rate_noise():
    a = replace_agent(hand_analysis(), words=40, speaking_s=16.0, rate_wpm=150.0)
    lost = dataclasses.replace(a, turns=a.turns + [Turn("agent", 4.4, 5.5, "", 0, None, -20.0, None)])
    n = noise.estimate(lost)["rate_wpm"]
    # 1.1 s of speech without words at 150 wpm may hold 2.75 words: +/-(1 + 2.75) words of 40
    assert n.value == pytest.approx(150 * math.hypot(3.75 / 40, 0.05 * 2 / 16), rel=1e-6)
    assert "up to 3 more in 1.1 s of speech without recognised words" in n.basis


def test_telephone_band_level_is_within_noise_but_a_wideband_drop_is_not():
    wide = hand_analysis()
    quieter = replace_agent(wide, level=dataclasses.replace(wide.agent.level, median_dbfs=-25.0))
    assert metric(compare([wide, quieter]), "level_median_dbfs").noticeable is True
    phone = dataclasses.replace(quieter, recording=Recording(8000, {"agent": 60.0, "customer": 60.0}))
    m = metric(compare([wide, phone]), "level_median_dbfs")
    assert (m.noticeable, m.within_noise) == (False, True) and "telephone band" in m.noise_basis[1]
    assert "same (within noise +/-8.0 dB)" in render(compare([wide, phone]), "text")


def test_latency_noise_grows_with_line_noise():
    clean = hand_analysis(latency_s=0.6)
    noisy = dataclasses.replace(hand_analysis(latency_s=0.8), recording=Recording(16000, {"agent": 33.0, "customer": 33.0}))
    # floor lifts the hold level by 51 - 33 = 18 dB: 0.18 s per edge, hypot(0.05, 0.18) each, two parties
    e = math.hypot(0.05, 0.18)
    assert noise.estimate(noisy)["latency_median_s"].value == pytest.approx(math.hypot(e, e))
    c = compare([clean, noisy])
    assert metric(c, "latency_median_s").within_noise and c.turns[0].within_noise and not c.turns[0].noticeable
    assert json.loads(render(c, "json"))["turns"][0]["noise_change_s"] == pytest.approx(math.hypot(0.05 * math.sqrt(2), e * math.sqrt(2)), abs=1e-3)


@pytest.fixture(scope="module")
def real_call_copies(tmp_path_factory):
    """The real-voice long-hold call (customer left, agent right) as WAV, 64 kbit/s MP3 and an 8 kHz
    phone-band copy: one take, three files."""
    import realspeech as rs

    rs.require_real_speech()
    folder = tmp_path_factory.mktemp("copies")
    cust, agent, _ = rs.long_hold_call()
    wav = rs.write_stereo(folder / "call.wav", cust, agent)
    mp3 = rs.mp3_copy(wav, folder / "call.mp3")
    band, sr8 = rs.phone_band(np.stack([cust, agent], axis=1))
    phone = folder / "call_8k.wav"
    sf.write(str(phone), band, sr8, subtype="ULAW")
    from voicecoach.pipeline import Options, analyze

    options = Options(agent_channel="right")
    return {p.name: analyze(p, options) for p in (wav, mp3, phone)}


@pytest.mark.slow
@pytest.mark.parametrize("copy", ["call.mp3", "call_8k.wav"])
def test_the_same_take_as_mp3_or_through_a_phone_line_is_never_different(real_call_copies, copy):
    c = compare([real_call_copies["call.wav"], real_call_copies[copy]])
    loud = [(m.name, m.values, m.noise_change) for m in c.metrics if m.noticeable]
    assert loud == []
    assert [t.noticeable for t in c.turns] == [False, False, False]
    for m in c.metrics:  # every metric states its noise on both takes
        assert all(n is not None for n in m.noise), m.name
    verdicts = [line.split("  ")[-1] for line in render(c, "text").split("METRICS")[1].split("\n  noticeable:")[0].splitlines()[1:]]
    assert len(verdicts) == len(c.metrics) and all(v.startswith("same (") for v in verdicts), verdicts


@pytest.mark.slow
def test_bundled_takes_real_changes_exceed_their_noise(analyses):
    c = compare([analyses("long_hold_take1"), analyses("long_hold_take2")])
    for name in ("rate_wpm", "opening_rate_wpm", "latency_median_s", "level_median_dbfs", "overtalk_s"):
        m = metric(c, name)
        assert m.noticeable and abs(m.change) > m.noise_change, (name, m.change, m.noise_change)
    assert [t.noticeable for t in c.turns] == [True, True, True]
