"""Scenario cards: every shipped card loads and validates; bad user cards give one line naming the
file and the field, from the library and from the CLI."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach import scenarios
from voicecoach.cli import main
from voicecoach.errors import ScenarioError
from voicecoach.scenarios import CARDS_DIR, SKILLS, list_cards, load_card

SHIPPED = sorted(p.stem for p in CARDS_DIR.glob("*.toml"))
REQUIRED_IDS = {"long-hold", "billing-surprise"}


def test_at_least_four_phone_cards_including_the_required_two():
    ids = [c.id for c in list_cards()]
    assert len(ids) >= 4 and len(set(ids)) == len(ids)
    assert REQUIRED_IDS <= set(ids)
    assert all(c.channel == "phone" for c in list_cards())


@pytest.mark.parametrize("card_id", SHIPPED)
def test_every_shipped_card_loads_and_validates(card_id):
    card = load_card(card_id)
    assert card.id == card_id
    assert card.skill in SKILLS and card.skill in card.skill_tags
    assert all(tag in SKILLS for tag in card.skill_tags)
    for text in (card.title, card.trigger, card.setup, card.constraint, card.fears_losing, card.matters_now, card.why_timing):
        assert isinstance(text, str) and len(text) > 10 or text == card.title
    assert len(card.customer_lines) >= 2 and all(line.strip() for line in card.customer_lines)
    lo, hi = card.norms.rate_wpm
    assert 100 <= lo < hi <= 200
    assert card.norms.opening_max_wpm <= hi
    assert card.norms.latency_s[0] < card.norms.latency_s[1]
    heads = [h for h, _ in card.brief_lines()]
    assert heads[:6] == ["Scene", "Trigger", "Customer fears losing", "What matters now", "Why timing is sensitive", "Constraint"]


def test_long_hold_is_the_flagship_scene():
    card = load_card("long-hold")
    assert card.skill == "pacing" and card.customer_name == "Alex"
    brief = " ".join(t for _, t in card.brief_lines()).lower()
    assert "twelve minutes" in brief and "tomorrow" in brief
    assert "self-help" in brief or "self-service" in brief
    # the caller's lines are the ones in the bundled samples (cued solo practice plays them)
    assert card.customer_lines[0].startswith("Hi, this is Alex. I have been on hold for twelve minutes.")


def test_billing_surprise_is_prorated_and_cannot_be_waived():
    card = load_card("billing-surprise")
    assert "prorated" in card.setup.lower()
    assert "cannot be waived" in card.constraint.lower()
    assert "boundary-setting" in card.skill_tags


def card_text(card_id: str = "long-hold") -> str:
    """A shipped card's text, with its recorded cue audio made absolute so the copy still finds it."""
    return (CARDS_DIR / f"{card_id}.toml").read_text(encoding="utf-8").replace('"cues/', f'"{CARDS_DIR.as_posix()}/cues/')


def write(tmp_path: Path, text: str, name: str = "my_card.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_long_hold_ships_recorded_caller_lines():
    from voicecoach import audio

    card = load_card("long-hold")
    assert len(card.cue_audio) == len(card.customer_lines) == 3
    durations = [audio.load(p).duration_s for p in card.cue_audio]
    words = [len(line.split()) for line in card.customer_lines]
    assert durations[0] > durations[1] > durations[2] > 0.5  # longer lines take longer to say
    assert all(2.0 <= w / d <= 5.0 for w, d in zip(words, durations))  # 120-300 wpm: speech, not silence


def test_user_card_by_path(tmp_path):
    path = write(tmp_path, card_text().replace('id = "long-hold"', 'id = "late-refund"'), "late_refund.toml")
    card = load_card(str(path))
    assert card.id == "late-refund" and card.source == str(path)


def drop_line(text: str, prefix: str) -> str:
    lines = text.splitlines()
    kept = [ln for ln in lines if not ln.startswith(prefix)]
    assert len(kept) == len(lines) - 1, prefix
    return "\n".join(kept) + "\n"


BAD_CARDS = [
    ("missing-constraint", lambda t: drop_line(t, "constraint ="), "constraint", "missing"),
    ("missing-title", lambda t: drop_line(t, "title ="), "title", "missing"),
    ("tags-not-a-list", lambda t: re.sub(r"skill_tags = \[.*\]", 'skill_tags = "pacing"', t), "skill_tags", "list"),
    ("skill-wrong-type", lambda t: t.replace('skill = "pacing"', "skill = 3"), "skill", "string"),
    ("unknown-skill", lambda t: t.replace('skill = "pacing"', 'skill = "charm"'), "skill", "not a known skill"),
    ("rate-band-reversed", lambda t: t.replace("rate_wpm = [140, 160]", "rate_wpm = [160, 140]"), "targets.rate_wpm", "below"),
    ("rate-band-text", lambda t: t.replace("rate_wpm = [140, 160]", 'rate_wpm = "fast"'), "targets.rate_wpm", "two numbers"),
    ("typo-field", lambda t: t.replace("trigger =", "tirgger ="), "tirgger", "unknown field"),
    ("lens-missing-field", lambda t: drop_line(t, "why_timing ="), "lens.why_timing", "missing"),
    ("bad-cue-category", lambda t: t.replace("[cues.risks]", "[cues.feelings]"), "cues.feelings", "unknown category"),
    ("bad-id", lambda t: t.replace('id = "long-hold"', 'id = "Long Hold!"'), "id", "lower-case"),
    ("cue-audio-count", lambda t: re.sub(r'cue_audio = \[.*?\]', 'cue_audio = ["a.ogg"]', t), "cue_audio", "one per line"),
    ("cue-audio-missing", lambda t: t.replace("long-hold-3.ogg", "long-hold-9.ogg"), "cue_audio", "does not exist"),
    ("customer-lines-empty", lambda t: re.sub(r"customer_lines = \[.*?\]", "customer_lines = []", t, flags=re.S), "customer_lines", "at least"),
]


@pytest.mark.parametrize("edit, field, what", [b[1:] for b in BAD_CARDS], ids=[b[0] for b in BAD_CARDS])
def test_bad_card_error_names_file_and_field(tmp_path, edit, field, what):
    path = write(tmp_path, edit(card_text()))
    with pytest.raises(ScenarioError) as info:
        load_card(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: {field}: "), message
    assert what in message and "\n" not in message


def test_invalid_toml_and_missing_file_and_unknown_id(tmp_path):
    path = write(tmp_path, 'id = "x"\ntitle = \n')
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}: not valid TOML"):
        load_card(str(path))
    with pytest.raises(ScenarioError, match=r"^nowhere/card\.toml: no such card file"):
        load_card("nowhere/card.toml")
    with pytest.raises(ScenarioError, match=r"^long-hol: unknown scenario id \(shipped: .*long-hold"):
        load_card("long-hol")


def one_error_line(result, *needles):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def test_cli_bad_card_is_one_error_line(tmp_path):
    path = write(tmp_path, drop_line(card_text(), "constraint ="))
    one_error_line(CliRunner().invoke(main, ["scenarios", "show", str(path)]), str(path), ": constraint: missing")
    # analyze checks the card before it touches the clip (so the card error is the one reported)
    one_error_line(CliRunner().invoke(main, ["analyze", str(tmp_path / "take.wav"), "--scenario", str(path)]), ": constraint:")
    one_error_line(CliRunner().invoke(main, ["analyze", str(tmp_path / "take.wav"), "--scenario", "no-such-card"]),
                   "no-such-card: unknown scenario id")


def test_cli_lists_cards_with_skill_tags():
    result = CliRunner().invoke(main, ["scenarios"])
    assert result.exit_code == 0
    for card in list_cards():
        line = next(ln for ln in result.output.splitlines() if ln.startswith(card.id + " "))
        assert card.title in line and ", ".join(card.skill_tags) in line
    data = json.loads(CliRunner().invoke(main, ["scenarios", "--format", "json"]).output)
    assert {c["id"] for c in data} == set(SHIPPED)


def test_cli_show_prints_the_brief_and_the_callers_lines():
    result = CliRunner().invoke(main, ["scenarios", "show", "long-hold"])
    assert result.exit_code == 0
    out = result.output
    for heading in ("Trigger:", "Customer fears losing:", "Constraint:", "Skill: pacing", "Targets:", "Caller's lines:"):
        assert heading in out
    assert "1. Hi, this is Alex." in out
    data = json.loads(CliRunner().invoke(main, ["scenarios", "show", "billing-surprise", "--format", "json"]).output)
    assert data["id"] == "billing-surprise" and data["customer_lines"]


def test_shipped_cards_are_valid_toml_with_no_unknown_fields():
    for path in CARDS_DIR.glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        scenarios.parse_card(data, str(path))  # raises on any problem
