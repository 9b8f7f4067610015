"""The opening sentence: titles and abbreviations never end it, and an opening resting on weak
evidence carries its basis and a confidence (or a withheld rate) with the reason.

Pure rules on hand-written words and syllable nuclei first; then the real tiny.en model on speech
whose opening is known by construction (espeak-ng, Asterisk's telephone voice, a LibriVox reader).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from conftest import require_espeak
from report_factory import hand_analysis, replace_agent

from voicecoach.analysis import pacing, syllables
from voicecoach.analysis.coach import coach
from voicecoach.compare import compare
from voicecoach.report import render
from voicecoach.results import Opening, Segment
from voicecoach.scenarios import load_card
from voicecoach.transcribe import RawWord

OPENING_TOL = 0.10  # issue 11: opening rate within 10% of truth


def placed(text: str, segs: list[Segment], *, word_s: float = 0.3):
    """Words of ``text`` laid end to end from each segment's start: '|' moves on to the next segment."""
    spec = []
    for seg, part in zip(segs, text.split("|")):
        for i, w in enumerate(part.split()):
            spec.append(RawWord(w, seg.start_s + i * word_s, seg.start_s + (i + 1) * word_s, 0.9))
    return pacing.assign_words(spec, segs, "agent")


def nuclei(segs: list[Segment], counts: list[int]) -> np.ndarray:
    """``counts[i]`` syllable nuclei spread evenly over segment i."""
    return np.concatenate([np.linspace(s.start_s + 0.05, s.end_s - 0.05, n) for s, n in zip(segs, counts)])


# --- the abbreviation rule ---------------------------------------------------------------------


@pytest.mark.parametrize("word", ["Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Prof.", "vs.", "e.g.", "i.e.", "J.", "J.R.", '"Dr.'])
def test_titles_abbreviations_and_initials_do_not_end_a_sentence(word):
    assert not pacing.ends_sentence(word)


@pytest.mark.parametrize("word", ["Alvarez.", "today?", "now!", 'wait."', "patience.)", "I.", "Dr?"])
def test_sentence_final_punctuation_ends_a_sentence(word):
    assert pacing.ends_sentence(word)


def test_am_and_pm_end_a_sentence_only_before_a_capital():
    assert pacing.ends_sentence("p.m.", "I") and pacing.ends_sentence("a.m.")
    assert not pacing.ends_sentence("p.m.", "tomorrow")


@pytest.mark.parametrize("word", ["holding,", "Mr", "wait"])
def test_no_final_punctuation_is_no_sentence_end(word):
    assert not pacing.ends_sentence(word)


@pytest.mark.parametrize("title", ["Mr.", "Mrs.", "Dr.", "Ms."])
def test_opening_runs_through_the_title_to_the_name(title):
    segs = [Segment(0.0, 3.0), Segment(3.6, 6.0)]
    words = placed(f"Thank you for holding, {title} Alvarez. I am sorry about the wait.|Let me look now.", segs)
    op = pacing.opening(words, segs, 5.4)
    assert op.text == f"Thank you for holding, {title} Alvarez." and op.words == 6
    assert op.basis == "sentence end" and op.end_s == pytest.approx(1.8)  # Whisper's end of "Alvarez."


def test_a_name_stamped_after_the_pause_belongs_with_its_title():
    # "Thanks for holding, Mrs. Chen." then a 0.33 s pause; Whisper stamps "Chen," after the pause
    segs = [Segment(0.0, 2.25), Segment(2.58, 5.0)]
    words = placed("Thanks for holding, Mrs.|Chen, I know it was a long wait.", segs)
    op = pacing.opening(words, segs, 4.67)
    assert op.text == "Thanks for holding, Mrs. Chen," and op.end_s == 2.25 and op.basis == "pause"
    assert op.rate_wpm == pytest.approx(5 / 2.25 * 60)


def test_a_pause_after_a_comma_ends_the_opening():
    segs = [Segment(0.0, 1.5), Segment(1.8, 3.0)]  # 0.3 s: Whisper joined two sentences with a comma
    op = pacing.opening(placed("Thank you for holding,|I found your order.", segs), segs, 2.7)
    assert op.text == "Thank you for holding," and op.basis == "pause" and op.end_s == 1.5


def test_an_opening_without_any_punctuation_ends_at_the_turn_end():
    segs = [Segment(0.0, 1.5)]
    op = pacing.opening(placed("thank you for your patience", segs), segs, 1.5)
    assert op.basis == "turn end" and op.words == 5


# --- confidence: the syllable cross-check and the weak-evidence cases -----------------------------


def test_words_that_match_the_syllables_heard_give_high_confidence():
    segs = [Segment(0.0, 2.0), Segment(2.6, 4.0)]
    words = placed("Thank you for holding, Mr. Alvarez.|I am sorry.", segs)
    implied = sum(syllables.word_syllables(w) for w in "Thank you for holding, Mr. Alvarez.".split())
    op = pacing.opening(words, segs, 3.4, nuclei_s=nuclei(segs, [implied, 4]))
    assert (op.confidence, op.reason, op.syllables_heard, op.syllables_implied) == ("high", None, implied, implied)
    assert op.trusted_rate_wpm == op.rate_wpm


def test_more_syllables_than_the_words_imply_means_a_word_was_dropped():
    # "Thank you so much for holding, Mr. Alvarez." with "so much" lost: 12 syllables heard, 10 implied
    segs = [Segment(0.0, 2.4), Segment(3.0, 4.0)]
    op = pacing.opening(placed("Thank you for holding, Mr. Alvarez.|I am sorry.", segs), segs, 3.4, nuclei_s=nuclei(segs, [13, 4]))
    assert op.confidence == "low" and op.rate_wpm is not None and "missing" in op.reason
    assert op.trusted_rate_wpm is None


def test_far_more_syllables_than_the_words_imply_withholds_the_rate():
    segs = [Segment(0.0, 3.5), Segment(4.0, 5.0)]
    op = pacing.opening(placed("Thank you.|I am sorry.", segs), segs, 4.5, nuclei_s=nuclei(segs, [14, 4]))
    assert op.rate_wpm is None and op.vs_rest_pct is None and op.confidence == "low"
    assert "14 syllable nuclei" in op.reason and "words are missing" in op.reason


def test_far_fewer_syllables_than_the_words_imply_casts_doubt_but_keeps_the_rate():
    # the nuclei counter fails on noisy or quiet voices as often as Whisper invents a word
    segs = [Segment(0.0, 2.4), Segment(3.0, 4.0)]
    op = pacing.opening(placed("Thank you for holding, Mr. Alvarez.|I am sorry.", segs), segs, 3.4, nuclei_s=nuclei(segs, [3, 4]))
    assert op.rate_wpm is not None and op.confidence == "low" and "hard to count" in op.reason


def test_the_speakers_own_nuclei_per_syllable_sets_what_is_expected():
    # a voice whose syllables the counter merges: 0.65 nuclei per syllable over all its speech
    segs = [Segment(0.0, 2.4), Segment(3.0, 9.0)]
    rest = "Conferences currently exist and the conference is now unlocked for everybody here today."
    words = placed(f"No empty conferences currently exist.|{rest} {rest}", segs, word_s=0.2)
    implied = [sum(syllables.word_syllables(w) for w in part.split()) for part in ("No empty conferences currently exist.", f"{rest} {rest}")]
    heard = [round(0.65 * n) for n in implied]
    op = pacing.opening(words, segs, 8.4, nuclei_s=nuclei(segs, heard))
    assert op.confidence == "high", op.reason
    alone = pacing.opening(words[:5], segs[:1], 2.4, nuclei_s=nuclei(segs[:1], heard[:1]))  # nothing to calibrate on
    assert alone.confidence == "low" and "hard to count" in alone.reason


def test_speech_close_to_the_noise_floor_is_low_confidence():
    segs = [Segment(0.0, 2.4), Segment(3.0, 4.0)]
    words = placed("Thank you for holding, Mr. Alvarez.|I am sorry.", segs)
    implied = sum(syllables.word_syllables(w) for w in "Thank you for holding, Mr. Alvarez.".split())
    quiet = pacing.opening(words, segs, 3.4, nuclei_s=nuclei(segs, [implied, 4]), snr_db=18.0)
    assert quiet.confidence == "low" and "18 dB above the background noise" in quiet.reason
    assert pacing.opening(words, segs, 3.4, nuclei_s=nuclei(segs, [implied, 4]), snr_db=45.0).confidence == "high"


def test_a_very_short_opening_is_low_confidence_with_its_reason():
    segs = [Segment(0.0, 1.2), Segment(2.0, 4.0)]
    op = pacing.opening(placed("One moment, please.|Thank you for waiting today.", segs), segs, 3.2, nuclei_s=nuclei(segs, [4, 7]))
    assert op.words == 3 and op.rate_wpm is not None and op.confidence == "low" and "only 3 words" in op.reason


def test_a_weak_boundary_that_cannot_be_cross_checked_is_low_confidence():
    segs = [Segment(0.0, 1.5), Segment(2.2, 3.0)]
    op = pacing.opening(placed("Thanks for holding today|I am here", segs), segs, 2.3)
    assert op.basis == "pause" and op.confidence == "low" and "could not cross-check" in op.reason


def test_running_on_over_a_pause_without_punctuation_is_low_confidence():
    segs = [Segment(0.0, 1.6), Segment(1.9, 3.4)]  # 0.3 s pause after "today": a sentence end Whisper missed?
    words = placed("thanks for holding today|I found your order.", segs)
    op = pacing.opening(words, segs, 3.1, nuclei_s=nuclei(segs, [5, 5]))
    assert op.words == 8 and op.confidence == "low" and "two sentences may be joined" in op.reason


def test_speech_without_words_before_the_first_word_is_a_lost_opening():
    segs = [Segment(0.0, 1.4), Segment(2.0, 4.0)]  # Whisper heard nothing in the first 1.4 s
    words = [p for p in placed("One moment please.|Thank you for waiting today.", segs) if p.segment == 1]
    op = pacing.opening(words, segs, 3.4)
    assert op.words == 0 and op.rate_wpm is None and op.start_s == 0.0 and op.end_s == 1.4
    assert "no words in the first 1.4 s" in op.reason


def test_a_first_turn_with_speech_and_no_words_withholds_the_rate():
    segs = [Segment(0.0, 1.4)]
    op = pacing.opening([], segs, 1.4)
    assert op.words == 0 and op.rate_wpm is None and "no words in the agent's first turn" in op.reason


def test_a_word_whisper_was_unsure_of_lowers_confidence():
    # an MP3 of "Thank you for holding, Mr. Alvarez.": tiny.en wrote "Alber es," with "es," at p 0.09
    segs = [Segment(0.0, 2.4), Segment(3.0, 4.0)]
    words = placed("Thank you for holding, Mr. Alber es,|I am sorry.", segs)
    words[6] = pacing.Placed(dataclasses.replace(words[6].word, probability=0.085), words[6].segment)
    op = pacing.opening(words, segs, 3.4, nuclei_s=nuclei(segs, [10, 4]))
    assert op.words == 7 and op.confidence == "low" and "'es,' (p 0.09)" in op.reason


@pytest.mark.parametrize(
    ("word", "count"),
    [("Thank", 1), ("holding,", 2), ("Mr.", 2), ("Alvarez.", 3), ("patience", 2), ("minutes", 2), ("twelve", 1),
     ("12", 1), ("24", 3), ("waited", 2), ("stopped", 1), ("houses", 2), ("make", 1), ("people", 2), ("I'm", 1)],
)
def test_word_syllables_without_a_dictionary(word, count):
    assert syllables.word_syllables(word) == count


# --- the mark in every format, and nothing downstream built on an unsure opening ----------------

UNSURE = Opening("One moment, please.", 2.6, 4.0, 3, 128.6, -14.0, "sentence end", "low",
                 "only 3 words: one word more or less moves its rate by 33%", 4, 4)


def unsure_analysis():
    a = hand_analysis()
    return dataclasses.replace(replace_agent(a, opening=UNSURE), warnings=[f"opening pace unsure: {UNSURE.reason}"])


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_format_shows_the_basis_and_the_confidence(fmt):
    out = render(unsure_analysis(), fmt)
    assert "low confidence" in out and "only 3 words" in out
    sure = render(hand_analysis(), fmt)
    assert "high confidence" in sure and "sentence end" in sure


def test_json_carries_basis_confidence_and_reason():
    op = json.loads(render(unsure_analysis(), "json"))["agent"]["opening"]
    assert (op["basis"], op["confidence"], op["reason"], op["rate_wpm"]) == ("sentence end", "low", UNSURE.reason, 128.6)
    assert op["syllables_heard"] == 4 and op["syllables_implied"] == 4


def test_an_unsure_opening_is_neither_praised_nor_adjusted():
    s = coach(unsure_analysis(), load_card("long-hold"))
    check = next(t for t in s.targets if t.name == "opening_pace")
    assert check.status == "n/a" and "only 3 words" in check.reason
    sources = {p.source for p in s.debrief.strengths} | {s.debrief.adjustment.source}
    assert "target.opening_pace" not in sources


def test_compare_draws_no_change_from_an_unsure_opening():
    c = compare([hand_analysis("a.wav", opening_rate_wpm=170.0), unsure_analysis()])
    m = next(m for m in c.metrics if m.name == "opening_rate_wpm")
    assert m.values == [170.0, None] and m.change is None and m.noticeable is None
    assert c.takes[1].opening_rate_wpm is None
    assert any("opening pace unsure" in w for w in c.warnings)


def test_batch_rows_carry_no_unsure_opening_rate():
    from voicecoach.batch import _metrics

    assert _metrics(unsure_analysis())["opening_rate_wpm"] is None
    assert _metrics(hand_analysis())["opening_rate_wpm"] == 130.0


# --- real model on speech with a known opening ---------------------------------------------------

C_LINES = ["Hi, this is Dana Alvarez.", "I have been on hold for twelve minutes."]


def _espeak_scenes():
    from make_samples import Line

    return {
        "mr": [Line("customer", C_LINES), Line("agent", ["Thank you for holding, Mr. Alvarez.", "I am sorry about the long wait.",
                                                      "Let me look at your account right now."], wpm=150, sentence_gap_s=0.3)],
        "dr": [Line("customer", C_LINES), Line("agent", ["Good morning, Dr. Patel, and thank you for waiting.",
                                                      "I can see the order from Monday.", "It ships tomorrow morning."], wpm=140, sentence_gap_s=0.3)],
        "mrs": [Line("customer", C_LINES), Line("agent", ["Thanks for holding, Mrs. Chen.", "I know twelve minutes is a long time to wait.",
                                                       "Here is what I can do."], wpm=170, sentence_gap_s=0.35)],
        "initial": [Line("customer", C_LINES), Line("agent", ["Thanks for waiting, Dr. J. Smith, I know it was long.", "Here is what I found.",
                                                           "It ships tomorrow."], wpm=140, sentence_gap_s=0.5)],
        # a three-word first turn (the telephone voice says it in "short-real")
        "short-espeak": [Line("customer", C_LINES), Line("agent", ["One moment please."], gap_s=0.8),
                         Line("customer", ["Okay, I will wait."], gap_s=0.6),
                         Line("agent", ["Thank you for waiting.", "I found your order and it ships tomorrow."], gap_s=1.0, sentence_gap_s=0.5)],
    }


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Analyze each scene once: name -> (Analysis, truth)."""
    import realspeech as rs
    from make_samples import build_scene

    from voicecoach.pipeline import Options, analyze

    out = tmp_path_factory.mktemp("opening")
    cache = {}

    def scene(name):
        if name in cache:
            return cache[name]
        if name in _espeak_scenes():
            require_espeak()
        else:
            rs.require_real_speech()
        if name == "long-hold-real":
            cust, agent, truth = rs.long_hold_call()
        elif name in _espeak_scenes():
            cust, agent, truth = build_scene(_espeak_scenes()[name])
        else:
            lv = rs.librivox_ids()
            lines = {
                # a LibriVox reader as the agent: "and mister john dashwood ...", transcribed "And Mr. John Dashwood ..."
                "mr-real": [rs.line("customer", [rs.reading(lv[1])]),
                            rs.line("agent", [rs.reading(lv[0]), rs.prompt("sorry-youre-having-problems")], gap_s=0.9, sentence_gap_s=0.6),
                            rs.line("customer", [rs.reading(lv[4])], gap_s=0.8),
                            rs.line("agent", [rs.prompt("pls-hold-while-try"), rs.prompt("queue-youarenext")], gap_s=1.0, sentence_gap_s=0.5)],
                "patience-real": [rs.line("customer", [rs.reading(lv[1])]),
                                  rs.line("agent", [rs.prompt("queue-thankyou"), rs.prompt("pls-hold-while-try")], gap_s=0.9, sentence_gap_s=0.3),
                                  rs.line("customer", [rs.reading(lv[4])], gap_s=0.8),
                                  rs.line("agent", [rs.prompt("transfer"), rs.prompt("queue-youarenext")], gap_s=1.0, sentence_gap_s=0.5)],
                # a three-word first turn: "One moment, please."
                "short-real": [rs.line("customer", [rs.reading(lv[1]), rs.reading(lv[2])], sentence_gap_s=0.4),
                               rs.line("agent", [rs.prompt("one-moment-please")], gap_s=0.9),
                               rs.line("customer", [rs.reading(lv[4])], gap_s=0.8),
                               rs.line("agent", [rs.prompt("pls-hold-while-try"), rs.prompt("queue-youarenext")], gap_s=1.0, sentence_gap_s=0.5)],
            }[name]
            cust, agent, truth = build_scene(lines)
        path = rs.write_stereo(out / f"{name}.wav", cust, agent)
        cache[name] = (analyze(path, Options(agent_channel="right")), truth)
        return cache[name]

    return scene


@pytest.fixture(scope="module")
def degraded(clips, tmp_path_factory):
    """A scene as an MP3 copy, or in the 8 kHz phone band with line noise at -45 dBFS and the agent
    12 dB quieter (issue 11's hard case)."""
    import realspeech as rs
    import soundfile as sf

    from voicecoach.pipeline import Options, analyze

    out = tmp_path_factory.mktemp("degraded")

    def get(name: str, how: str):
        a, truth = clips(name)
        y, sr = sf.read(a.source, dtype="float32")
        if how == "mp3":
            path = rs.mp3_copy(a.source, out / f"{name}.mp3")
        else:
            (c, _), (g, _) = rs.phone_band(y[:, 0], sr), rs.phone_band(y[:, 1] * 10 ** (-12 / 20), sr)
            path = out / f"{name}-phone.wav"
            sf.write(path, np.stack([rs.with_noise(c, -45, seed=1), rs.with_noise(g, -45, seed=2)], 1), 8000, subtype="ULAW")
        return analyze(path, Options(agent_channel="right")), truth

    return get


def _right_or_unsure(op, truth) -> bool:
    """Issue 11's rule: right within the tolerance, or marked unsure with a reason."""
    right = op.rate_wpm is not None and abs(op.rate_wpm - truth["opening"]["rate_wpm"]) <= OPENING_TOL * truth["opening"]["rate_wpm"]
    return right or (op.confidence == "low" and bool(op.reason))


# The packed greedy decoding (README "Decode settings") may spell a title out ("Doctor Patel") or drop
# its full stop ("Mrs Chen"): the same word, so the name must still follow it inside the opening.
# "initial": greedy tiny.en writes "Dr. Jay Smith." with a full stop of its own after the name, so
# the transcript's first sentence really ends there: a known limit of Whisper's punctuation, kept
# visible as a strict xfail (it fails loudly once a decoding gets it right).
TITLES = {"mr": ("Mr.", "Mister"), "dr": ("Dr.", "Doctor"), "mrs": ("Mrs.", "Mrs"), "initial": ("Dr.", "Doctor")}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mr", "dr", "mrs", pytest.param("initial", marks=pytest.mark.xfail(
    strict=True, reason="greedy tiny.en ends a sentence after 'Dr. Jay Smith.' (its punctuation, not the signal)"))])
def test_espeak_opening_with_a_title_keeps_the_name_and_its_rate(clips, name):
    a, truth = clips(name)
    op = a.agent.opening
    said = [w.strip(",") for w in op.text.split()]
    at = [i for i, w in enumerate(said) if w in TITLES[name]]
    assert at and at[0] < len(said) - 1, op.text  # the name follows the title inside the opening
    assert op.words == truth["opening"]["words"], op.text
    assert op.rate_wpm == pytest.approx(truth["opening"]["rate_wpm"], rel=OPENING_TOL)
    assert op.confidence == "high", op.reason


@pytest.mark.slow
@pytest.mark.parametrize("name", ["long-hold-real", "patience-real", "mr-real"])
def test_real_speech_opening_rate_within_10_percent(clips, name):
    a, truth = clips(name)
    op = a.agent.opening
    # the whole sentence, titles included; tiny.en may drop one word of a 22-word reading ("them")
    assert abs(op.words - truth["opening"]["words"]) <= (1 if truth["opening"]["words"] >= 20 else 0), op.text
    assert op.rate_wpm == pytest.approx(truth["opening"]["rate_wpm"], rel=OPENING_TOL)
    assert op.confidence == "high", op.reason


@pytest.mark.slow
@pytest.mark.parametrize("name", ["short-real", "short-espeak"])
def test_a_short_or_lost_first_turn_is_low_confidence_or_withheld_with_a_reason(clips, name):
    a, truth = clips(name)
    op = a.agent.opening
    assert op is not None and op.confidence == "low" and op.reason
    assert op.rate_wpm is None or op.words < pacing.SHORT_OPENING_WORDS
    assert op.start_s == pytest.approx(truth["opening"]["start_s"], abs=0.08)  # the first turn, not the next one
    assert any(w.startswith("opening pace") for w in a.warnings)
    assert _right_or_unsure(op, truth)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["mp3", "phone-noise"])
@pytest.mark.parametrize("name", ["mr", "dr", "long-hold-real", "mr-real"])
def test_degraded_opening_is_right_or_marked_unsure(degraded, name, how):
    a, truth = degraded(name, how)
    op = a.agent.opening
    assert op is not None and _right_or_unsure(op, truth), (op.text, op.rate_wpm, truth["opening"]["rate_wpm"], op.reason)



def _one_sentence_prompts(count: int) -> list[str]:
    """Asterisk prompts of one sentence of 4-14 plain words, spread over the alphabet."""
    import re

    import realspeech as rs

    rs.require_real_speech()
    names = [n for n, t in sorted(rs.prompt_texts().items())
             if "/" not in n and 4 <= rs.word_count(t) <= 14 and not re.search(r"\d|[.?!]\s", t.strip())]
    return names[:: max(1, len(names) // count)][:count]


@pytest.mark.slow
def test_correct_real_openings_are_not_marked_unsure(tmp_path):
    """False alarms: one-sentence telephone-voice openings, clean, come out high and within 10%."""
    import realspeech as rs
    from make_samples import build_scene

    from voicecoach.pipeline import Options, analyze

    lv = rs.librivox_ids()
    misses = []
    for name in _one_sentence_prompts(8):
        cust, agent, truth = build_scene([
            rs.line("customer", [rs.reading(lv[1])]),
            rs.line("agent", [rs.prompt(name), rs.prompt("pls-hold-while-try")], gap_s=0.9, sentence_gap_s=0.6),
            rs.line("customer", [rs.reading(lv[4])], gap_s=0.8),
            rs.line("agent", [rs.prompt("queue-youarenext")], gap_s=1.0),
        ])
        op = analyze(rs.write_stereo(tmp_path / f"{name}.wav", cust, agent), Options(agent_channel="right")).agent.opening
        true_wpm = rs.word_count(rs.prompt_texts()[name]) / (truth["lines"][1]["sentences"][0]["speaking_s"] / 60)
        if op.confidence != "high" or abs(op.rate_wpm - true_wpm) > OPENING_TOL * true_wpm:
            misses.append((name, op.text, op.rate_wpm, round(true_wpm, 1), op.reason))
    assert not misses
