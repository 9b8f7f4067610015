"""Pure pacing maths on hand-written words and segments."""

import pytest

from voicecoach.analysis import pacing, turns
from voicecoach.results import Segment
from voicecoach.transcribe import RawWord


def words(spec):
    """spec: (text, start_s, end_s) triples."""
    return [RawWord(t, a, b, 0.9) for t, a, b in spec]


def test_ten_words_over_four_seconds_is_150_wpm():
    assert pacing.rate_wpm(10, 4.0) == pytest.approx(150.0)


def test_no_speech_has_no_rate():
    assert pacing.rate_wpm(0, 0.0) is None and pacing.rate_wpm(3, 0.0) is None


def test_words_on_silence_are_dropped_and_early_stamps_move_to_the_next_segment():
    segs = [Segment(1.0, 2.0), Segment(6.0, 7.0)]
    placed = pacing.assign_words(
        words([("Hello", 1.1, 1.5), ("there.", 1.5, 1.9), ("Thank", 3.0, 3.2), ("you.", 3.2, 3.4), ("Sorry", 4.5, 5.0), ("again.", 6.2, 6.6)]),
        segs,
        "agent",
    )
    assert [(p.word.text, p.segment) for p in placed] == [("Hello", 0), ("there.", 0), ("Sorry", 1), ("again.", 1)]


def test_a_zero_length_word_stays_in_the_segment_it_was_stamped_in():
    """Whisper stamps some words with start == end ("I" at 1.8-1.8 s): such a word overlaps no
    segment, and once pulled into the next one it dragged every later word of its segment along."""
    segs = [Segment(0.0, 3.3), Segment(3.7, 6.0)]
    placed = pacing.assign_words(words([("Thanks", 0.0, 0.6), ("calling.", 0.9, 1.3), ("I", 1.8, 1.8), ("am", 1.8, 1.9),
                                        ("sorry.", 1.9, 2.3), ("Let", 3.96, 4.0)]), segs, "agent")
    assert [p.segment for p in placed] == [0, 0, 0, 0, 0, 1]
    assert placed[2].word.start_s == 1.8


def test_opening_ends_at_the_full_stop_and_is_compared_with_the_rest():
    segs = [Segment(0.0, 4.0), Segment(4.5, 8.5)]
    spec = [(f"w{i}", i * 0.4, i * 0.4 + 0.3) for i in range(10)]
    spec[4] = ("w4.", 1.6, 1.9)
    spec += [(f"r{i}", 4.5 + i * 0.4, 4.8 + i * 0.4) for i in range(10)]
    placed = pacing.assign_words(words(spec), segs, "agent")
    op = pacing.opening(placed, segs, 8.0)
    assert op.words == 5 and op.start_s == 0.0 and op.end_s == pytest.approx(1.9)
    assert op.rate_wpm == pytest.approx(5 / 1.9 * 60)
    rest = 15 / (8.0 - 1.9) * 60
    assert op.vs_rest_pct == pytest.approx((op.rate_wpm - rest) / rest * 100)


def test_opening_ends_at_a_clear_pause_without_punctuation():
    segs = [Segment(0.0, 1.5), Segment(2.1, 3.0)]
    placed = pacing.assign_words(words([("Thanks", 0.1, 0.5), ("for", 0.5, 0.8), ("holding,", 0.8, 1.4), ("I'm", 2.2, 2.5), ("Sam", 2.5, 2.9)]), segs, "agent")
    op = pacing.opening(placed, segs, 2.4)
    assert op.text == "Thanks for holding," and op.end_s == 1.5


def test_pauses_skip_gaps_where_the_other_party_spoke():
    agent = [Segment(0, 1), Segment(1.4, 2), Segment(5, 6)]
    customer = [Segment(2.5, 4.5)]
    block, gaps = pacing.pauses(agent, customer)
    assert block.count == 1 and block.longest_s == pytest.approx(0.4)


def lat(customer, agent, agent_words):
    raw = turns.build_turns({"agent": agent, "customer": customer})
    counts = iter(agent_words)
    bc = [turns.is_backchannel(t, next(counts)) if t.speaker == "agent" else False for t in raw]
    return [v for v in turns.latencies(raw, bc) if v is not None]


def test_latency_per_turn_change_with_overlap_jump_in_and_stall():
    customer = [Segment(0, 2), Segment(4, 6), Segment(9, 10)]
    agent = [Segment(2.8, 3.5), Segment(5.6, 8), Segment(13.5, 15)]
    values = lat(customer, agent, [5, 12, 6])
    assert values == pytest.approx([0.8, -0.4, 3.5])
    stats = turns.latency_stats(values)
    assert (stats.jump_ins, stats.stalls) == (1, 1)
    assert stats.median_s == pytest.approx(0.8)


def test_backchannel_neither_answers_nor_ends_the_customer_turn():
    customer = [Segment(0, 2), Segment(2.6, 4)]
    agent = [Segment(2.1, 2.5), Segment(5, 7)]  # "mm-hm" in the caller's pause, then the answer
    assert lat(customer, agent, [1, 10]) == pytest.approx([1.0])


def test_overtalk_counts_only_overlaps_of_a_quarter_second():
    agent = [Segment(0, 2), Segment(3, 5)]
    customer = [Segment(1.9, 2.5), Segment(4.5, 6)]
    assert turns.overtalk_s(agent, customer) == pytest.approx(0.5)
    assert turns.talk_ratio(4.0, 2.1) == pytest.approx(4 / 6.1)


def test_first_response_from_the_end_of_the_callers_first_words():
    assert turns.first_response_s(3.0, [Segment(0, 2)]) == pytest.approx(1.0)
    assert turns.first_response_s(0.7, []) == pytest.approx(0.7)
    assert turns.first_response_s(None, [Segment(0, 2)]) is None


def test_first_response_skips_a_backchannel_during_the_callers_first_words():
    customer = [Segment(0, 2), Segment(2.6, 5)]
    agent = [Segment(2.1, 2.5), Segment(6.2, 9)]  # "mm-hm" in the caller's pause, then the first answer
    raw = turns.build_turns({"agent": agent, "customer": customer})
    first = next(t for t, n in zip(raw, [0, 1, 0, 12]) if t.speaker == "agent" and not turns.is_backchannel(t, n))
    assert turns.first_response_s(first.start_s, customer) == pytest.approx(1.2)


@pytest.mark.parametrize("rate,words,flag", [(200, 12, "too fast"), (100, 12, "too slow"), (150, 12, None), (200, 5, None), (None, 12, None)])
def test_sustained_runs_outside_110_190_are_flagged(rate, words, flag):
    from voicecoach.analysis.judge import rate_flag

    assert rate_flag(rate, words) == flag
