"""Filled pauses ("um", "uh"): found on real speech with fillers inserted at known times, not
invented on real speech without any, kept out of the word count, and shown in every format.

The slow tests run the real pipeline (real tiny.en) on takes that fillerspeech.py builds from
Asterisk's telephone voice and LibriVox readers; the take numbers used here (8-11) were not among
those the detector's thresholds were chosen on (0-7), so the figures are a held-out check.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf
from report_factory import hand_analysis

from voicecoach.analysis import fillers
from voicecoach.parties import without_fillers
from voicecoach.pipeline import analyze
from voicecoach.report import html, json_report, markdown, text
from voicecoach.results import Fillers, Opening
from voicecoach.transcribe import RawWord

SR = 16000
RECALL_MIN = 0.80  # issue 11: at least 80% of filled pauses found
FALSE_PER_MIN_MAX = 1.0  # issue 11: at most 1 false filler per minute of clean speech
WORDS_TOL = 0.08  # the usual word-count tolerance on real speech (issue 11)
HELD_OUT_TAKES = (8, 9, 10, 11)


def _overlaps(item: dict, truth: dict) -> bool:
    return item["start_s"] < truth["end_s"] and item["end_s"] > truth["start_s"]


# --- pure parts, hand-made answers ------------------------------------------------------------


@pytest.mark.parametrize("word", ["um", "Um,", "uh", "Uhh...", "er", "erm", "Hmm?", "hm"])
def test_filled_pauses_are_filler_words(word):
    assert fillers.is_filler_word(word)


@pytest.mark.parametrize("word", ["like", "um-hum", "Mm-hmm.", "uh-huh", "you", "umbrella", "her"])
def test_words_and_backchannels_are_not_filler_words(word):
    assert not fillers.is_filler_word(word)


def test_per_minute_is_over_speaking_time():
    items = [{"text": "um", "start_s": t, "end_s": t + 0.4} for t in (1.0, 20.0, 50.0)]
    block = fillers.fillers_block(items, speaking_s=90.0)  # 3 fillers in 1.5 minutes of speech
    assert (block.count, block.per_min, block.items) == (3, 2.0, items)
    assert fillers.fillers_block([], speaking_s=0.0).per_min is None


def test_filler_words_never_count_as_words():
    raw = [RawWord("Um,", 0.5, 0.9, 0.9), RawWord("thank", 1.0, 1.3, 0.9), RawWord("you", 1.3, 1.5, 0.9), RawWord("uh", 2.0, 2.3, 0.5)]
    assert [w.text for w in without_fillers(raw)] == ["thank", "you"]


def _schwa_in_silence(f0_hz: float, duration_s: float, at_s: float = 1.0) -> np.ndarray:
    from fillerspeech import schwa

    y = np.zeros(int((at_s + duration_s + 1.0) * SR), np.float32)
    v = schwa(f0_hz=f0_hz, duration_s=duration_s)
    y[int(at_s * SR) : int(at_s * SR) + len(v)] = v / np.sqrt(np.mean(v**2)) * 0.1
    return y


def _f0(y: np.ndarray):
    from voicecoach import activity
    from voicecoach.analysis import pitch

    act = activity.detect(y, sr=SR)
    return pitch.track(y, sr=SR, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask()), act.hop_s


@pytest.mark.parametrize("f0_hz, duration_s", [(110.0, 0.3), (200.0, 0.6)])
def test_a_held_vowel_is_found_where_it_was_said(f0_hz, duration_s):
    y = _schwa_in_silence(f0_hz, duration_s)
    f0, hop_s = _f0(y)
    found = fillers.find(y, f0, [], sr=SR, hop_s=hop_s)
    assert len(found) == 1 and found[0]["text"] == fillers.UNNAMED
    # YIN's 128 ms frame and the 60 ms spectral span blur the edges by about a frame each side
    assert found[0]["start_s"] == pytest.approx(1.0, abs=0.12)
    assert found[0]["end_s"] == pytest.approx(1.0 + duration_s, abs=0.12)


def test_a_vowel_shorter_than_a_filled_pause_is_not_one():
    y = _schwa_in_silence(150.0, 0.12)
    f0, hop_s = _f0(y)
    assert fillers.find(y, f0, [], sr=SR, hop_s=hop_s) == []


def test_whisper_names_the_filler_and_an_ordinary_word_vetoes_it():
    y = _schwa_in_silence(150.0, 0.4)
    f0, hop_s = _f0(y)
    named = fillers.find(y, f0, [RawWord("Um,", 0.9, 1.5, 0.8)], sr=SR, hop_s=hop_s)
    assert [f["text"] for f in named] == ["um"]
    # heard by Whisper as the vowel of an ordinary-length word ("how"): that word's own vowel
    assert fillers.find(y, f0, [RawWord("how", 0.95, 1.5, 0.9)], sr=SR, hop_s=hop_s) == []
    # a word Whisper stretched over the filler it dropped (1.6 s "is") is no evidence against it
    assert len(fillers.find(y, f0, [RawWord("is", 0.9, 2.5, 0.9)], sr=SR, hop_s=hop_s)) == 1


def _with_fillers(a):
    items = [{"text": "um", "start_s": 2.65, "end_s": 2.95}, {"text": "um/uh", "start_s": 4.5, "end_s": 4.9}]
    agent = replace(a.agent, fillers=Fillers(2, 1.5, items), opening=Opening("Thanks for calling.", 2.6, 4.0, 3, 130.0, -13.0))
    return replace(a, agent=agent)


def test_every_format_shows_the_fillers():
    a = _with_fillers(hand_analysis())
    data = json.loads(json_report.render(a))
    assert data["schema_version"] == 1
    assert data["agent"]["fillers"] == {"count": 2, "per_min": 1.5, "confidence": "high", "reason": None, "items": [
        {"text": "um", "start_s": 2.65, "end_s": 2.95}, {"text": "um/uh", "start_s": 4.5, "end_s": 4.9}]}
    txt = text.render(a)
    assert "FILLERS" in txt and "0:02.6, 0:04.5" in txt and "a filler in the opening: um at 0:02.6" in txt
    md = markdown.render(a)
    assert "| Fillers (um, uh) | 2 (1.5/min) | at 0:02.6, 0:04.5 |" in md and "A filler in the opening: um at 0:02.6" in md
    page = html.render(a)
    assert ">Fillers<" in page and "2 (1.5/min)" in page and "1 in the opening" in page
    assert "[um 0:02.6]" in page and "[um/uh 0:04.5]" in page  # in the agent's transcript line


def test_a_result_without_fillers_still_renders():
    a = hand_analysis()
    assert a.agent.fillers is None
    assert "FILLERS" not in text.render(a) and "Fillers" not in markdown.render(a) and ">Fillers<" not in html.render(a)


# --- the real pipeline on real speech ---------------------------------------------------------


def _analysed(tmp_path_factory, kind: str) -> list:
    """Held-out takes of one kind ("filled": known filled pauses; "clean": several minutes of real
    speech without any), analysed once: [(truth, Analysis)]."""
    import realspeech
    from fillerspeech import clean_take, filled_take

    realspeech.require_real_speech()
    make = filled_take if kind == "filled" else clean_take
    folder = tmp_path_factory.mktemp(kind)
    out = []
    for take in HELD_OUT_TAKES:
        y, truth = make(take)
        sf.write(folder / f"{kind}{take}.wav", y, SR)
        out.append((truth, analyze(folder / f"{kind}{take}.wav")))
    return out


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    return _analysed(tmp_path_factory, "filled")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return _analysed(tmp_path_factory, "clean")


@pytest.mark.slow
def test_recall_of_known_filled_pauses(filled):
    said = [f for truth, _ in filled for f in truth["fillers"]]
    found = [f for truth, a in filled for f in truth["fillers"] if any(_overlaps(i, f) for i in a.agent.fillers.items)]
    assert len(said) == 36
    assert len(found) / len(said) >= RECALL_MIN, f"found {len(found)} of {len(said)}"


@pytest.mark.slow
def test_no_filler_invented_where_the_takes_have_words_only(filled):
    extra = [i for truth, a in filled for i in a.agent.fillers.items if not any(_overlaps(i, f) for f in truth["fillers"])]
    minutes = sum(a.agent.speaking_s for _, a in filled) / 60
    assert len(extra) / minutes <= FALSE_PER_MIN_MAX, extra


@pytest.mark.slow
def test_at_most_one_false_filler_per_minute_of_clean_speech(clean):
    false = [i for _, a in clean for i in a.agent.fillers.items]
    minutes = sum(a.agent.speaking_s for _, a in clean) / 60
    assert minutes >= 4.0  # several minutes of real speech
    assert len(false) / minutes <= FALSE_PER_MIN_MAX, false
    assert all(a.agent.fillers.confidence == "high" for _, a in clean)  # clean speech: no lower-bound mark


@pytest.mark.slow
def test_rate_counts_words_without_fillers(filled):
    for truth, a in filled:
        assert a.agent.words == pytest.approx(truth["words"], rel=WORDS_TOL)
        assert not any(fillers.is_filler_word(w.text) for w in a.words)
        assert a.agent.rate_wpm == pytest.approx(a.agent.words / (a.agent.speaking_s / 60), rel=0.01)
        assert a.agent.fillers.per_min == pytest.approx(a.agent.fillers.count / (a.agent.speaking_s / 60), abs=0.01)


@pytest.mark.slow
def test_json_of_a_real_take_has_the_fillers_block(filled):
    _, a = filled[0]
    block = json.loads(json_report.render(a))["agent"]["fillers"]
    assert block["count"] == len(block["items"]) >= 1
    assert all(set(item) == {"text", "start_s", "end_s"} and item["end_s"] > item["start_s"] for item in block["items"])


def _per_min(per_min: float, minutes: float = 5.0):
    """A take with ``minutes`` of agent speech holding ``per_min`` fillers a minute."""
    a = hand_analysis()
    return replace(a, agent=replace(a.agent, speaking_s=minutes * 60, fillers=Fillers(round(per_min * minutes), per_min, [])))


@pytest.mark.parametrize("first, last, noticeable, direction", [(1.0, 4.0, True, "worse"), (4.0, 1.0, True, "better"), (1.0, 2.5, False, "same")])
def test_compare_lists_fillers_per_minute(first, last, noticeable, direction):
    from voicecoach.compare import compare
    from voicecoach.report import compare_report

    c = compare([_per_min(first), _per_min(last)])
    m = next(m for m in c.metrics if m.name == "fillers_per_min")
    # a change under 2 per minute is within the measurement's own noise: not called a change
    assert (m.values, m.noticeable, m.direction) == ([first, last], noticeable, direction)
    assert "Fillers (um, uh)" in compare_report.render_text(c)


@pytest.fixture(scope="module")
def phone_line(tmp_path_factory):
    """The held-out takes as a phone line delivers them: 8 kHz, 300-3400 Hz, line noise at -45 dBFS."""
    import realspeech
    from fillerspeech import clean_take, filled_take

    realspeech.require_real_speech()
    folder = tmp_path_factory.mktemp("phone")
    out = {"filled": [], "clean": []}
    for take in HELD_OUT_TAKES:
        for kind, make in (("filled", filled_take), ("clean", clean_take)):
            y, truth = make(take)
            y8, sr8 = realspeech.phone_band(y)
            path = folder / f"{kind}{take}.wav"
            sf.write(path, realspeech.with_noise(y8, -45.0), sr8, subtype="PCM_16")
            out[kind].append((truth, analyze(path)))
    return out


NOISY_RECALL_MIN = 0.7  # measured 0.81: in line noise a filler between two pauses is missed more often


@pytest.mark.slow
def test_fillers_on_a_noisy_phone_line_are_a_marked_lower_bound(phone_line):
    said = [f for truth, _ in phone_line["filled"] for f in truth["fillers"]]
    found = [f for truth, a in phone_line["filled"] for f in truth["fillers"] if any(_overlaps(i, f) for i in a.agent.fillers.items)]
    assert len(found) / len(said) >= NOISY_RECALL_MIN, f"found {len(found)} of {len(said)}"
    for _, a in phone_line["filled"]:  # fewer found than said: the count says it is a lower bound
        assert a.agent.fillers.confidence == "low" and "lower bound" in a.agent.fillers.reason
        assert any(w.startswith("fillers: line noise") for w in a.warnings)
    false = [i for _, a in phone_line["clean"] for i in a.agent.fillers.items]
    minutes = sum(a.agent.speaking_s for _, a in phone_line["clean"]) / 60
    assert len(false) / minutes <= FALSE_PER_MIN_MAX, false
