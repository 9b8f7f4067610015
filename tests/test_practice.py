"""`voicecoach practice` on the real (virtual) audio device: cue times logged in the sidecar must match
where each cue is heard in the recording; takes are numbered; the rewind and the commitment are kept."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess

import pytest
import soundfile as sf

from audio_support import VOICECOACH, find_clip, practise_until_debrief, require_input_device, two_line_card

from voicecoach.sidecar import sidecar_path

CUE_TOLERANCE_S = 0.05
CARD = two_line_card("short-test", "Two short lines")


@pytest.fixture
def card_path(tmp_path):
    require_input_device()
    path = tmp_path / "short-test.toml"
    path.write_text(CARD)
    return path


def _practice(card_path, session, *extra, **kw):
    args = ["practice", str(card_path), "--dir", str(session), "--agent", "a1", "--brief-s", "0", *extra]
    return subprocess.run(VOICECOACH + args, capture_output=True, text=True, timeout=90, **kw)


@pytest.mark.audio
def test_cue_ends_are_logged_where_they_are_heard(card_path, tmp_path):
    from conftest import require_espeak

    require_espeak()
    from voicecoach.practice import cue_clips
    from voicecoach.scenarios import load_card

    session = tmp_path / "s"
    res = _practice(card_path, session, "--cues", "--cue-wait-s", "0.8", "--act-s", "20", "--rewind-s", "0",
                    "--no-debrief", stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stderr
    take = session / "a1" / "short-test" / "take-01.wav"
    meta = json.loads(sidecar_path(take).read_text())
    assert (meta["agent"], meta["scenario"], meta["take"]) == ("a1", "short-test", 1)
    clips = cue_clips(load_card(str(card_path)), 16000)
    assert [c["text"] for c in meta["cues"]] == load_card(str(card_path)).customer_lines
    data, sr = sf.read(str(take), dtype="float32")
    for cue, clip in zip(meta["cues"], clips):
        lo = max(0, int((cue["start_s"] - 1.0) * sr))
        corr, lag = find_clip(data[lo : int((cue["end_s"] + 1.0) * sr)], clip)
        heard_start_s, heard_end_s = (lo + lag) / sr, (lo + lag + len(clip)) / sr
        assert corr > 0.9, f"cue {cue['text']!r} not found in the recording (correlation {corr:.3f})"
        assert abs(cue["end_s"] - heard_end_s) <= CUE_TOLERANCE_S, (cue, heard_end_s)
        assert abs(cue["start_s"] - heard_start_s) <= CUE_TOLERANCE_S, (cue, heard_start_s)
    # The pipeline reads them back as the mono-cued layout's customer turns.
    from voicecoach.cues import sidecar_cues

    assert [c.end_s for c in sidecar_cues(take)] == [c["end_s"] for c in meta["cues"]]


@pytest.mark.audio
def test_takes_are_numbered_and_rewind_is_a_separate_take(card_path, tmp_path):
    session = tmp_path / "s"
    for _ in range(2):
        res = _practice(card_path, session, "--act-s", "1", "--rewind-s", "1", "--no-debrief", stdin=subprocess.DEVNULL)
        assert res.returncode == 0, res.stderr
    folder = session / "a1" / "short-test"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["take-01-rewind.wav", "take-01-rewind.wav.json", "take-01.wav", "take-01.wav.json",
                     "take-02-rewind.wav", "take-02-rewind.wav.json", "take-02.wav", "take-02.wav.json"]
    assert json.loads((folder / "take-02.wav.json").read_text())["take"] == 2
    rewind = json.loads((folder / "take-02-rewind.wav.json").read_text())
    assert rewind["kind"] == "rewind" and rewind["rewind_of"] == "take-02.wav" and "take" not in rewind
    assert sf.info(str(folder / "take-02.wav")).frames == 16000
    assert sf.info(str(folder / "take-02-rewind.wav")).frames == 16000


@pytest.mark.audio
@pytest.mark.slow
def test_debrief_prints_report_and_saves_commitment(card_path, tmp_path):
    """The agent's lines (a bundled sample) are played into the loopback while the act records."""
    from conftest import SAMPLES

    sample = SAMPLES / "long_hold_mono.wav"
    session = tmp_path / "s"
    args = [str(card_path), "--dir", str(session), "--agent", "a1", "--brief-s", "0",
            "--act-s", "6", "--rewind-s", "0", "--history", str(tmp_path / "history.sqlite")]
    proc = practise_until_debrief(args, sample)
    proc.stdin.write("Pause one full second before I answer.\n")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Speaking rate" in out
    meta = json.loads((session / "a1" / "short-test" / "take-01.wav.json").read_text())
    assert meta["commitment"] == "Pause one full second before I answer."
    from voicecoach.history import Store

    with Store(tmp_path / "history.sqlite") as store:  # the debriefed take is in the practice history
        (take,) = store.takes()
    assert (take["agent"], take["scenario"], take["take_number"]) == ("a1", "short-test", 1)
    assert take["taken_at"] == dt.datetime.fromisoformat(meta["started_at"]).isoformat(timespec="seconds")


@pytest.mark.slow
def test_analyze_times_replies_from_sidecar_cues(tmp_path, truth):
    """A mono agent-only clip plus a sidecar of cue times: latency = agent onset (truth) - cue end."""
    from conftest import SAMPLES

    from voicecoach.pipeline import analyze
    from voicecoach.sidecar import write_sidecar

    clip = tmp_path / "take-01.wav"
    shutil.copy(SAMPLES / "long_hold_mono.wav", clip)
    onsets_s = [line["start_s"] for line in truth["long_hold_mono"]["lines"]]
    cue_ends_s = [0.1, 15.0, 32.5]  # each inside the silence before an agent line
    write_sidecar(clip, {"cues": [{"start_s": e - 0.1, "end_s": e, "text": f"line {i}"} for i, e in enumerate(cue_ends_s)]})
    result = analyze(clip)
    assert result.layout == "mono-cued"
    expected = [round(on - end, 3) for on, end in zip(onsets_s, cue_ends_s)]  # 0.4, 0.95, 0.8
    assert result.latency is not None
    assert result.latency.values_s == pytest.approx(expected, abs=0.05)
