"""Scenario cards: one hard phone moment each, as a TOML data file, and their loader.

A card names the spark (``trigger``), the customer's lens (what they fear losing, what matters now,
why timing is sensitive), the policy boundary (``constraint``), the one ``skill`` practised, its
``skill_tags``, the caller's lines for cued solo practice, the pacing ``targets`` and extra phrase
cues per observer category. The ``[targets]`` table sets the card's norms (norms.py: the
fields marked ``card``; the rest keep their defaults). Shipped cards live beside this file; a user card is any path to a
``.toml`` file with the same fields. Every problem is a ScenarioError naming the file and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..norms import BAND_FIELDS, CARD_FIELDS, DEFAULT, Norms, card_values

CARDS_DIR = Path(__file__).parent
SKILLS = ("acknowledgment", "options", "boundary-setting", "expectation-setting", "pacing")
CUE_CATEGORIES = ("acknowledgment", "options", "next_steps", "risks", "ace")
CHANNELS = ("phone",)
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    channel: str
    trigger: str
    setup: str
    skill: str
    skill_tags: list[str]
    customer_name: str | None
    customer_lines: list[str]
    constraint: str
    fears_losing: str
    matters_now: str
    why_timing: str
    norms: Norms = DEFAULT  # what good looks like: the default phone norms with the card's [targets] over them
    # category -> label -> phrases; added to the built-in cues of analysis/evidence.py
    cues: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    source: str = ""
    # recorded audio of each customer line (absolute paths), played by `practice --cues`;
    # empty: practice speaks the lines with espeak-ng
    cue_audio: list[str] = field(default_factory=list)

    def brief_lines(self) -> list[tuple[str, str]]:
        """The one-minute brief as (heading, text) pairs, in reading order."""
        n = self.norms
        return [
            ("Scene", self.setup),
            ("Trigger", self.trigger),
            ("Customer fears losing", self.fears_losing),
            ("What matters now", self.matters_now),
            ("Why timing is sensitive", self.why_timing),
            ("Constraint", self.constraint),
            ("Skill", f"{self.skill} (tags: {', '.join(self.skill_tags)})"),
            (
                "Targets",
                f"rate {n.rate_target()}; opening {n.opening_target()}; pause {n.latency_target()} after the caller; "
                f"level trend {n.trend_target()}",
            ),
        ]

    def as_dict(self) -> dict[str, Any]:
        """The card as JSON values, its norms as the [targets] table writes them."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "norms"}
        return {**data, "targets": card_values(self.norms)}


_TEXT_FIELDS = ("id", "title", "channel", "trigger", "setup", "skill", "constraint")
_LENS_FIELDS = {"fears_losing": "fears_losing", "matters_now": "matters_now", "why_timing": "why_timing"}
_KNOWN = set(_TEXT_FIELDS) | {"skill_tags", "customer_name", "customer_lines", "lens", "targets", "cues", "cue_audio"}


def _fail(src: str, name: str, what: str) -> ScenarioError:
    return ScenarioError(f"{src}: {name}: {what}")


def _text(data: dict, src: str, name: str, where: str = "") -> str:
    key = f"{where}{name}"
    if name not in data:
        return _raise(src, key, "missing (add it to the card)")
    value = data[name]
    if not isinstance(value, str):
        return _raise(src, key, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        return _raise(src, key, "must not be empty")
    return value.strip()


def _raise(src: str, name: str, what: str):
    raise _fail(src, name, what)


def _strings(data: dict, src: str, name: str, *, min_len: int = 1) -> list[str]:
    if name not in data:
        _raise(src, name, "missing (add it to the card)")
    value = data[name]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        _raise(src, name, "must be a list of non-empty strings")
    if len(value) < min_len:
        _raise(src, name, f"needs at least {min_len} entr{'y' if min_len == 1 else 'ies'}")
    return [v.strip() for v in value]


def _number(value: Any, src: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _raise(src, name, f"must be a number, got {type(value).__name__}")
    return float(value)


def _band(value: Any, src: str, name: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        _raise(src, name, "must be a list of two numbers [low, high]")
    lo, hi = (_number(v, src, name) for v in value)
    if not 0 <= lo < hi:
        _raise(src, name, f"low must be below high and not negative, got [{lo:g}, {hi:g}]")
    return lo, hi


_SIGNED = frozenset({"opening_vs_rest_max_pct"})  # a percentage difference: negative is slower


def _norms(data: Any, src: str) -> Norms:
    """The card's [targets] over the default norms: bands as [low, high], limits above zero."""
    if data is None:
        return DEFAULT
    if not isinstance(data, dict):
        _raise(src, "targets", "must be a table ([targets])")
    for key in data:
        if key not in CARD_FIELDS:
            _raise(src, f"targets.{key}", f"unknown field (known: {', '.join(sorted(CARD_FIELDS))})")
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = f"targets.{key}"
        values[key] = _band(value, src, name) if key in BAND_FIELDS else _number(value, src, name)
        if key not in BAND_FIELDS and key not in _SIGNED and values[key] <= 0:
            _raise(src, name, "must be above zero")
    return DEFAULT.replace(**values)


def _cues(data: Any, src: str) -> dict[str, dict[str, list[str]]]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        _raise(src, "cues", "must be a table of categories ([cues.acknowledgment] ...)")
    out: dict[str, dict[str, list[str]]] = {}
    for category, labels in data.items():
        if category not in CUE_CATEGORIES:
            _raise(src, f"cues.{category}", f"unknown category (known: {', '.join(CUE_CATEGORIES)})")
        if not isinstance(labels, dict):
            _raise(src, f"cues.{category}", "must be a table of label = [phrases]")
        out[category] = {}
        for label, phrases in labels.items():
            name = f"cues.{category}.{label}"
            if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
                _raise(src, name, "must be a non-empty list of phrases (strings)")
            out[category][label] = [p.strip() for p in phrases]
    return out


def parse_card(data: dict, src: str) -> Card:
    """Validate a card's parsed TOML; ``src`` names the file in error messages."""
    for key in data:
        if key not in _KNOWN:
            _raise(src, key, f"unknown field (known: {', '.join(sorted(_KNOWN))})")
    text = {name: _text(data, src, name) for name in _TEXT_FIELDS}
    if not ID_PATTERN.match(text["id"]):
        _raise(src, "id", f"'{text['id']}' must be lower-case words joined by hyphens (e.g. long-hold)")
    if text["channel"] not in CHANNELS:
        _raise(src, "channel", f"'{text['channel']}' is not supported (use one of: {', '.join(CHANNELS)})")
    if text["skill"] not in SKILLS:
        _raise(src, "skill", f"'{text['skill']}' is not a known skill (use one of: {', '.join(SKILLS)})")
    tags = _strings(data, src, "skill_tags")
    for tag in tags:
        if tag not in SKILLS:
            _raise(src, "skill_tags", f"'{tag}' is not a known skill (use: {', '.join(SKILLS)})")
    if text["skill"] not in tags:
        _raise(src, "skill_tags", f"must include the card's skill '{text['skill']}'")
    name = data.get("customer_name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        _raise(src, "customer_name", "must be a non-empty string (or leave it out)")
    lines = _strings(data, src, "customer_lines")
    lens = data.get("lens")
    if not isinstance(lens, dict):
        _raise(src, "lens", "missing or not a table: add [lens] with fears_losing, matters_now, why_timing")
    for key in lens:
        if key not in _LENS_FIELDS:
            _raise(src, f"lens.{key}", f"unknown field (known: {', '.join(_LENS_FIELDS)})")
    lens_text = {attr: _text(lens, src, key, "lens.") for key, attr in _LENS_FIELDS.items()}
    cue_audio = []
    if "cue_audio" in data:
        cue_audio = _strings(data, src, "cue_audio")
        if len(cue_audio) != len(lines):
            _raise(src, "cue_audio", f"has {len(cue_audio)} file(s) for {len(lines)} customer line(s); give one per line")
        base = Path(src).parent
        cue_audio = [str((base / p).resolve()) for p in cue_audio]
        for p in cue_audio:
            if not Path(p).is_file():
                _raise(src, "cue_audio", f"{p} does not exist (paths are relative to the card)")
    return Card(
        **text,
        skill_tags=tags,
        customer_name=name.strip() if name else None,
        customer_lines=lines,
        **lens_text,
        norms=_norms(data.get("targets"), src),
        cues=_cues(data.get("cues"), src),
        source=src,
        cue_audio=cue_audio,
    )


def _read(path: Path) -> Card:
    src = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError(f"{src}: cannot read the card ({e.strerror})") from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{src}: not UTF-8 text; save the card as UTF-8") from e
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{src}: not valid TOML ({e})") from e
    return parse_card(data, src)


def _shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(CARDS_DIR.glob("*.toml"))}


def list_cards() -> list[Card]:
    """Every shipped card, sorted by id."""
    return sorted((_read(p) for p in _shipped().values()), key=lambda c: c.id)


def load_card(ref: str) -> Card:
    """A shipped card by id ("long-hold") or a user card by path ("my_cards/late_refund.toml")."""
    shipped = _shipped()
    if ref in shipped:
        card = _read(shipped[ref])
        if card.id != ref:
            raise _fail(str(shipped[ref]), "id", f"'{card.id}' does not match the file name '{ref}'")
        return card
    path = Path(ref)
    if path.suffix.lower() == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError(f"{ref}: no such card file; check the path")
        return _read(path)
    raise ScenarioError(f"{ref}: unknown scenario id (shipped: {', '.join(shipped)}); or pass a path to a .toml card")
