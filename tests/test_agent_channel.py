"""Who is the agent on a stereo call (issue 11, item 3).

Ground truth by construction: the real-voice long-hold call (tests/realspeech.py: Asterisk's
telephone voice as the agent, a LibriVox reader as the caller) written with the agent on the right
and the same call swapped; the bundled takes (agent right, the long-hold card's caller lines on the
left). The decision rules themselves are checked on hand-written transcripts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.analysis import roles
from voicecoach.analysis.roles import Heard
from voicecoach.cli import main
from voicecoach.pipeline import Options, analyze
from voicecoach.report import render
from voicecoach.results import Segment
from voicecoach.sidecar import write_sidecar

RATE_TOL = 0.08  # issue 11 tolerances on real speech
LATENCY_TOL_S = 0.12
CARD_LINES = (
    "Hi, this is Alex. I have been on hold for twelve minutes. I already tried the website and it did not help.",
    "My internet has been down since last night and I work from home.",
)


def heard(text: str, onset_s: float | None = 0.5) -> Heard:
    return Heard(tuple(text.split()), onset_s if text else None, (Segment(onset_s, onset_s + 3.0),) if text else ())


CALLER = heard("Hi, this is Alex. I have been on hold for twelve minutes. I already tried the website and it did not help.", 0.5)
AGENT = heard("Thank you for holding, Alex. I am sorry about the twelve minutes. Let me look at your account.", 7.4)


def decide(left: Heard, right: Heard, **kw):
    return roles.weigh(roles.evidence(left, right, **kw))


# --- the rules, on hand-written transcripts --------------------------------------------------


@pytest.mark.parametrize("swapped", [False, True], ids=["agent-right", "agent-left"])
def test_card_lines_and_agent_phrases_find_the_agent(swapped):
    left, right = (AGENT, CALLER) if swapped else (CALLER, AGENT)
    verdict = decide(left, right, customer_lines=CARD_LINES)
    assert verdict.channel == ("left" if swapped else "right") and verdict.confidence == "high"
    assert "card's caller lines are heard on the" in verdict.basis


def test_without_a_card_agent_phrases_and_the_opener_decide():
    verdict = decide(CALLER, AGENT)
    assert (verdict.channel, verdict.confidence) == ("right", "high")
    assert "left channel opens the call" in verdict.basis


def test_the_opener_alone_is_low_confidence():
    verdict = decide(heard("the weather was fine", 0.5), heard("and then we left", 4.0))
    assert (verdict.channel, verdict.confidence) == ("right", "low")
    choice, warnings = roles.choose("auto", None, verdict)
    assert choice.chosen_by == "auto" and choice.confidence == "low"
    assert len(warnings) == 1 and "low confidence" in warnings[0]


def test_no_words_keeps_left_and_says_so():
    choice, warnings = roles.choose("auto", None, decide(heard(""), heard("")))
    assert (choice.channel, choice.chosen_by, choice.confidence) == ("left", "auto", "low")
    assert "could not tell which channel is the agent" in warnings[0]


def test_only_one_channel_with_words_is_a_weak_vote():
    verdict = decide(heard("and then we left"), heard(""))
    assert (verdict.channel, verdict.confidence) == ("left", "low")


def test_played_cues_mark_the_caller_channel():
    cues = ((0.5, 3.5),)
    verdict = decide(heard("the weather was fine", 0.5), heard("and then we left", 4.0), cues=cues)
    assert (verdict.channel, verdict.confidence) == ("right", "high")
    assert "cues are on the left channel" in verdict.basis


def test_an_explicit_channel_the_call_contradicts_is_kept_with_a_warning():
    verdict = decide(CALLER, AGENT, customer_lines=CARD_LINES)
    choice, warnings = roles.choose("left", None, verdict)
    assert (choice.channel, choice.chosen_by, choice.confidence) == ("left", "option", "low")
    assert len(warnings) == 1 and warnings[0].startswith("channels look swapped: --agent-channel left was used")
    assert "--agent-channel right" in warnings[0]
    agreed, none = roles.choose("right", None, verdict)
    assert (agreed.channel, agreed.chosen_by, agreed.confidence, none) == ("right", "option", "high", [])


def test_precedence_option_then_sidecar_then_auto():
    verdict = decide(CALLER, AGENT)  # the call says right
    by_sidecar, w = roles.choose("auto", "right", verdict)
    assert (by_sidecar.channel, by_sidecar.chosen_by, w) == ("right", "sidecar", [])
    by_option, w = roles.choose("left", "right", verdict)
    assert (by_option.channel, by_option.chosen_by) == ("left", "option")
    assert any("overrides the sidecar's agent_channel right" in x for x in w)
    assert any(x.startswith("channels look swapped") for x in w)
    wrong_sidecar, w = roles.choose("auto", "left", verdict)
    assert wrong_sidecar.chosen_by == "sidecar" and "the sidecar's agent_channel left was used" in w[0]


def test_cli_accepts_auto_and_record_needs_two_channels_for_agent_channel(tmp_path):
    assert "auto" in CliRunner().invoke(main, ["analyze", "--help"]).output
    r = CliRunner().invoke(main, ["record", str(tmp_path / "x.wav"), "--agent-channel", "right"])
    assert r.exit_code == 2 and "--agent-channel needs --channels 2" in r.output


# --- real voices, real tiny.en -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real_call(tmp_path_factory):
    """The real-voice long-hold call, agent right and the same call swapped, with its truth."""
    import realspeech as rs

    rs.require_real_speech()
    folder = tmp_path_factory.mktemp("call")
    customer, agent, truth = rs.long_hold_call()
    right = rs.write_stereo(folder / "agent_right.wav", customer, agent)
    left = rs.write_stereo(folder / "agent_left.wav", agent, customer)  # swapped recording
    return {"right": right, "left": left, "truth": truth, "customer": customer, "agent": agent}


@pytest.mark.slow
@pytest.mark.parametrize("side", ["right", "left"])
def test_auto_finds_the_agent_on_a_real_call_and_measures_it(real_call, side):
    truth = real_call["truth"]
    a = analyze(real_call[side])  # the default: auto
    assert a.agent_channel is not None
    assert (a.agent_channel.channel, a.agent_channel.chosen_by, a.agent_channel.confidence) == (side, "auto", "high")
    assert a.agent.rate_wpm == pytest.approx(truth["agent_rate_wpm"], rel=RATE_TOL)
    assert a.latency.values_s == pytest.approx(truth["latencies_s"], abs=LATENCY_TOL_S)
    assert not [w for w in a.warnings if "channel" in w]


@pytest.mark.slow
def test_a_wrong_explicit_channel_warns_in_every_format(real_call):
    a = analyze(real_call["right"], Options(agent_channel="left"))
    assert (a.agent_channel.channel, a.agent_channel.chosen_by, a.agent_channel.confidence) == ("left", "option", "low")
    swap = [w for w in a.warnings if w.startswith("channels look swapped")]
    assert len(swap) == 1 and "--agent-channel right" in swap[0]
    text = " ".join(render(a, "text").split())  # the report wraps at 80 columns
    assert "channels look swapped" in text and "agent on the left channel (set by --agent-channel" in text
    assert "channels look swapped" in render(a, "markdown") and "channels look swapped" in render(a, "html")
    data = json.loads(render(a, "json"))
    assert data["agent_channel"]["chosen_by"] == "option" and any(w.startswith("channels look swapped") for w in data["warnings"])

    r = CliRunner().invoke(main, ["analyze", str(real_call["right"]), "--agent-channel", "left", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["agent_channel"]["channel"] == "left"
    assert any(w.startswith("channels look swapped") for w in data["warnings"])


@pytest.mark.slow
@pytest.mark.parametrize("take", ["long_hold_take1", "long_hold_take2"])
def test_bundled_takes_with_the_long_hold_card_pick_right(analyses, truth, take):
    a = analyses(take, agent_channel="auto", scenario="long-hold")
    assert (a.agent_channel.channel, a.agent_channel.chosen_by, a.agent_channel.confidence) == ("right", "auto", "high")
    assert "card's caller lines are heard on the left channel" in a.agent_channel.basis
    assert a.agent.words == pytest.approx(truth[take]["agent_words"], rel=0.10)


@pytest.mark.slow
def test_batch_takes_each_clips_own_channel(real_call, tmp_path):
    import realspeech as rs

    folder, out = tmp_path / "in" / "alex" / "long-hold", tmp_path / "out"
    folder.mkdir(parents=True)
    rs.write_stereo(folder / "take-01.wav", real_call["customer"], real_call["agent"])  # agent right: auto
    rs.write_stereo(folder / "take-02.wav", real_call["agent"], real_call["customer"])  # swapped: auto
    rs.write_stereo(folder / "take-03.wav", real_call["agent"], real_call["customer"])  # the sidecar says left
    write_sidecar(folder / "take-03.wav", {"agent": "alex", "take": 3, "agent_channel": "left"})

    def run(*extra: str) -> dict:
        r = CliRunner().invoke(main, ["batch", str(tmp_path / "in"), "--out", str(out), *extra])
        assert r.exit_code == 0, r.output
        return json.loads((out / "summary.json").read_text())

    summary = run()
    rows = {Path(r["path"]).name: r for r in summary["rows"]}
    assert {k: r["agent_channel"] for k, r in rows.items()} == {"take-01.wav": "right", "take-02.wav": "left", "take-03.wav": "left"}
    chosen = {k: json.loads((out / r["report_json"]).read_text())["agent_channel"]["chosen_by"] for k, r in rows.items()}
    assert chosen == {"take-01.wav": "auto", "take-02.wav": "auto", "take-03.wav": "sidecar"}
    for r in rows.values():
        assert r["rate_wpm"] == pytest.approx(real_call["truth"]["agent_rate_wpm"], rel=RATE_TOL)
        assert not [w for w in r["warnings"] if "channel" in w]

    # a batch-wide --agent-channel right: the sidecar's clip keeps its own left; the swapped clip
    # without a sidecar follows the option and is warned about
    summary = run("--agent-channel", "right")
    rows = {Path(r["path"]).name: r for r in summary["rows"]}
    assert (summary["processed"], summary["cached"]) == (2, 1)  # the sidecar's clip: same channel, same key
    assert {k: r["agent_channel"] for k, r in rows.items()} == {"take-01.wav": "right", "take-02.wav": "right", "take-03.wav": "left"}
    assert any(w.startswith("channels look swapped") for w in rows["take-02.wav"]["warnings"])
    assert "take-02.wav" in (out / "summary.csv").read_text() and ",agent_channel," in (out / "summary.csv").read_text()


@pytest.mark.audio
def test_record_two_channels_saves_the_agent_channel_in_the_sidecar(tmp_path):
    import subprocess

    from audio_support import VOICECOACH, require_input_device

    from voicecoach.sidecar import read_sidecar

    require_input_device()
    out = tmp_path / "call.wav"
    r = subprocess.run(VOICECOACH + ["record", str(out), "--channels", "2", "--agent-channel", "right", "--seconds", "1"],
                       capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    meta = read_sidecar(out)
    assert meta["agent_channel"] == "right" and meta["channels"] == 2 and meta["duration_s"] == 1.0
