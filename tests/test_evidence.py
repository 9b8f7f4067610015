"""Observer evidence from hand-written transcripts: found and not found, through Whisper's variations
(digits vs words, contractions, case, punctuation, fillers, split sentences). Pure and fast."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voicecoach.analysis import evidence, textnorm
from voicecoach.results import Word
from voicecoach.scenarios import load_card

WORD_S = 0.3  # every hand-written word lasts 0.3 s, back to back


def say(text: str, *, start_s: float = 0.0, speaker: str = "agent") -> list[Word]:
    """Whisper-like words: one per space-separated token, punctuation attached, 0.3 s each."""
    return [
        Word(tok, round(start_s + i * WORD_S, 3), round(start_s + (i + 1) * WORD_S, 3), speaker, 0.9)
        for i, tok in enumerate(text.split())
    ]


LONG_HOLD = load_card("long-hold")


def collect(words, card=LONG_HOLD):
    return evidence.collect(words, cues=evidence.merge_cues(card.cues), customer_name=card.customer_name)


def hits(ev, category, label):
    return evidence.found(ev, category, label)


def missing_note(ev, category, label):
    items = [i for i in ev[category] if i.label == label]
    assert len(items) == 1 and not items[0].found, items
    return items[0].note


@pytest.mark.parametrize(
    "word, tokens",
    [
        ("I'm", ["i", "am"]),
        ("can't", ["can", "not"]),
        ("cannot", ["can", "not"]),
        ("Let's", ["let", "us"]),
        ("should've", ["should", "have"]),
        ("12", ["twelve"]),
        ("12:00", ["twelve"]),
        ("12:30", ["twelve", "thirty"]),
        ("24", ["twenty", "four"]),
        ("5pm", ["five", "pm"]),
        ("100%", ["one", "hundred", "percent"]),
        ("Alex's", ["alex"]),
        ("it's", ["it", "is"]),
        ("NOON.", ["noon"]),
        ("Um,", []),
        ("uh", []),
        ("follow-up", ["follow", "up"]),
    ],
)
def test_normalize_word(word, tokens):
    assert textnorm.normalize_word(word) == tokens


@pytest.mark.parametrize(
    "transcript",
    [
        "I'm so sorry you waited twelve minutes on hold, Alex.",
        "I am so sorry you waited 12 minutes on hold Alex",
        "i'M SO SORRY YOU WAITED 12 MINUTES ON HOLD, ALEX!",
        "I'm, um, so sorry. You waited, uh, twelve minutes. On hold. Alex.",
    ],
    ids=["words", "digits-no-punctuation", "shouting-case", "fillers-and-split-sentences"],
)
def test_apology_impact_and_name_survive_whisper_variations(transcript):
    ev, _ = collect(say(transcript, start_s=8.0))
    apology = hits(ev, "acknowledgment", "apology")
    impact = hits(ev, "acknowledgment", "impact")
    name = hits(ev, "acknowledgment", "name")
    assert len(apology) == 1 and apology[0].start_s >= 8.0 and "orry" in apology[0].quote.lower()
    assert impact and any("minutes" in i.quote.lower() for i in impact)
    assert name and name[0].quote.lower().startswith("alex")
    assert all(i.speaker == "agent" for i in apology + impact + name)
    # the quote is the exact transcript words, timed by them
    words = transcript.split()
    first = words.index(apology[0].quote.split()[0])
    assert apology[0].start_s == pytest.approx(8.0 + first * WORD_S)


def test_quote_times_span_the_quoted_words():
    ev, _ = collect(say("Thanks for holding. That is a long wait, and I am sorry.", start_s=2.0))
    impact = hits(ev, "acknowledgment", "impact")[0]
    assert impact.quote == "That is a long wait,"
    assert impact.start_s == pytest.approx(2.0 + 3 * WORD_S)
    assert impact.end_s == pytest.approx(2.0 + 8 * WORD_S)


def test_two_options_counted_and_quoted():
    words = say(
        "I hear you, that is stressful. I have two options for you. I can book a technician for tomorrow morning, "
        "or I can send a mobile hotspot today."
    )
    ev, offers = collect(words)
    assert offers == 2
    first, second = hits(ev, "options", "offer"), hits(ev, "options", "second_option")
    assert first[0].quote.startswith("I can book a technician")
    assert second[0].quote.startswith("or I can send a mobile hotspot")
    assert hits(ev, "acknowledgment", "validation")
    assert hits(ev, "ace", "empowerment"), "a real choice is empowerment"


def test_one_option_reports_the_missing_second():
    ev, offers = collect(say("Okay. I can send a technician tomorrow. Anything else?"))
    assert offers == 1
    assert missing_note(ev, "options", "second_option") == "no second option offered"


@pytest.mark.parametrize("transcript", ["I can imagine how that feels.", "I can't do that today.", "I cannot change it."])
def test_non_offers_are_not_options(transcript):
    ev, offers = collect(say(transcript))
    assert offers == 0
    assert missing_note(ev, "options", "offer") == "no option offered"


def test_rushed_take_has_no_acknowledgment_and_flags_overpromise_and_vague_handoff():
    words = (
        say("Thanks for calling, what can I do for you today? Let me pull up your account.", start_s=7.4)
        + say("I promise we will definitely fix it today, no problem at all.", start_s=18.6)
        + say("Somebody will call you.", start_s=28.5)
        + say("I am sorry, I have been on hold for twelve minutes.", start_s=0.5, speaker="customer")
    )
    ev, offers = collect(words)
    assert offers == 0
    for label in ("apology", "impact", "validation", "name"):
        assert not hits(ev, "acknowledgment", label), f"{label} taken from the customer's words?"
    assert missing_note(ev, "acknowledgment", "apology") == "no apology heard"
    assert "no expectation with a time" in missing_note(ev, "next_steps", "expectation")
    over = hits(ev, "risks", "overpromise")
    assert over[0].quote.startswith("I promise") and over[0].start_s == pytest.approx(18.6)
    assert hits(ev, "risks", "vague")[0].quote == "Somebody will call you."
    assert not hits(ev, "ace", "curiosity"), "a stock opener is not curiosity"
    assert missing_note(ev, "ace", "acknowledgement").startswith("no acknowledgement")


def test_expectation_and_summary_across_split_sentences_and_digits():
    ev, _ = collect(say("Great. To, uh, sum up. The technician will be there tomorrow. By 12:00 noon. I'll text you within the hour."))
    summary = hits(ev, "next_steps", "summary")
    assert summary and summary[0].quote.startswith("To, uh, sum up.")
    expect = hits(ev, "next_steps", "expectation")
    quotes = " | ".join(i.quote for i in expect)
    assert "within the hour." in quotes
    assert "By 12:00 noon." in quotes or "noon" in quotes.lower()
    assert hits(ev, "next_steps", "ownership"), "I'll -> I will owns the next step"


def test_contractions_in_blame_and_empowerment():
    ev, _ = collect(say("You should've restarted the router. Let's look at it together."))
    assert hits(ev, "risks", "blame")[0].quote.startswith("You should've")
    assert hits(ev, "ace", "empowerment")


def test_open_question_is_curiosity():
    ev, _ = collect(say("What would help most today? How is this affecting your work?"))
    cur = hits(ev, "ace", "curiosity")
    assert [c.quote for c in cur] == ["What would help most today?", "How is this affecting your work?"]


def test_card_cues_extend_the_defaults():
    billing = load_card("billing-surprise")
    words = say("Priya, I can see this is higher than you expected. The proration covers the days after the change.")
    ev, _ = collect(words, billing)
    assert hits(ev, "acknowledgment", "impact")[0].quote.lower().startswith("i can see this is higher")
    assert hits(ev, "risks", "jargon")[0].quote.startswith("The proration")
    assert hits(ev, "acknowledgment", "name")[0].quote.startswith("Priya")
    # the same words against the long-hold card: its cues have no proration
    ev2, _ = collect(words)
    assert not hits(ev2, "risks", "jargon")


def test_every_label_appears_even_on_silence():
    ev, offers = collect([])
    assert offers == 0
    assert set(ev) == {"acknowledgment", "options", "next_steps", "risks", "ace"}
    for items in ev.values():
        assert items and not any(i.found for i in items)
        assert all(i.note and i.start_s is None for i in items)


def test_a_long_silence_breaks_a_phrase():
    words = say("Let me book it by") + say("noon is busy, sorry.", start_s=10.0)
    ev, _ = collect(words)
    assert not any("by" in i.quote.split()[0:1] for i in hits(ev, "next_steps", "expectation"))


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
    punct=st.sampled_from(["", ",", ".", "!", "?", "..."]),
    filler=st.sampled_from(["", "um", "uh,", "Um..."]),
    digits=st.booleans(),
)
def test_impact_phrase_found_under_any_rendering(case, punct, filler, digits):
    number = "12" if digits else "twelve"
    parts = ["you", "waited", number + punct, filler, "minutes" + punct]
    ev, _ = collect(say(case(" ".join(p for p in parts if p))))
    assert any("minutes" in i.quote.lower() for i in hits(ev, "acknowledgment", "impact"))
