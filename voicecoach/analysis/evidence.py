"""Observer notes from the transcript: quoted phrases per category, with speaker and time.

Observers track acknowledgment, options and next steps, quote exact phrases and note risks
(overpromising, blame, jargon, vague hand-offs); the ACE lens (acknowledgement, curiosity,
empowerment) is a second view of the same words. Matching runs on normalised tokens
(``textnorm``), so digits vs words, contractions, case, punctuation, fillers and sentence splits
do not matter. Missing evidence is reported too, as an item with ``found=False`` and a note.
"""

from __future__ import annotations

from ..results import EvidenceItem, Word
from . import textnorm

RUN_GAP_S = 2.0  # a phrase never spans a silence this long between two words (a new turn)
QUOTE_MAX_WORDS = 14
QUOTE_BACK_WORDS = 6
MERGE_GAP_TOKENS = 4  # offer cues this close together are one offer ("I can book a technician")
CLAUSE_END = (".", ",", "?", "!", ";", ":")
SENTENCE_END = (".", "?", "!")
WHOLE_SENTENCE = frozenset({"summary"})  # "to sum up," alone says nothing: quote the sentence

# category -> label -> phrases (written like speech; "..." = up to four words of anything).
DEFAULT_CUES: dict[str, dict[str, list[str]]] = {
    "acknowledgment": {
        "apology": ["sorry", "apologize", "apologise", "apologies", "i regret"],
        "impact": ["long wait", "a long time", "your time", "kept you waiting", "you waited", "that is a lot"],
        "validation": [
            "i hear you", "that is stressful", "sounds stressful", "frustrating", "i understand", "makes sense",
            "anyone would", "i can imagine", "that must be", "that sounds hard", "i would be upset",
        ],
    },
    "options": {
        "offer": [
            "i can", "we can", "i could", "we could", "you could", "either", "alternatively", "another option",
            "the other option", "option one", "option two", "would you rather", "or if you prefer",
        ],
    },
    "next_steps": {
        "expectation": [
            "by ... noon", "by tomorrow", "by tonight", "by the end of the day", "by end of day", "by ... oclock",
            "by ... am", "by ... pm", "by monday", "by tuesday", "by wednesday", "by thursday", "by friday",
            "within the hour", "within an hour", "within ... hours", "within ... days", "within ... minutes",
            "in the next hour", "tomorrow morning", "tomorrow afternoon", "tomorrow evening", "before noon",
            "business days",
        ],
        "ownership": ["let me", "i will", "i am going to", "i will make sure", "i have booked", "i have sent"],
        "summary": [
            "to sum up", "to summarize", "to summarise", "in summary", "to recap", "let me recap", "quick recap",
            "just to confirm", "so to confirm", "here is what happens next", "here is the plan",
        ],
    },
    "risks": {
        "overpromise": [
            "i promise", "guarantee", "guaranteed", "definitely", "one hundred percent", "no problem at all",
            "for sure", "never happen again",
        ],
        "blame": [
            "your fault", "you should have", "not my fault", "not our fault", "not my department", "you must have",
            "nothing i can do",
        ],
        "jargon": ["escalation queue", "tier one", "tier two", "backend", "sla", "ticket number"],
        "vague": ["somebody will", "someone will", "as soon as possible", "asap", "at some point", "we will see"],
    },
    "ace": {
        "curiosity": [
            "help me understand", "tell me more", "what happened", "what would help", "what matters most",
            "what works best", "how is that affecting", "what time works", "which would you prefer",
            "what would you like",
        ],
        "empowerment": [
            "let us", "together", "would you like", "which would you prefer", "which works", "does that work",
            "works for you", "up to you", "your choice", "if you prefer", "sound good", "sounds good",
        ],
    },
}

# "I can imagine" is validation, "I can't" is a refusal: neither offers anything.
_NOT_AN_OFFER_NEXT = frozenset({"not", "imagine", "see", "hear", "understand", "only", "tell", "assure", "promise"})
# Stock openers are questions, not curiosity about this caller.
_STOCK_QUESTIONS = (["what", "can", "i", "do"], ["how", "can", "i", "help"], ["how", "may", "i", "help"])
_OPEN_WORDS = frozenset({"what", "how", "which", "why", "when", "where", "who"})

MISSING = {
    ("acknowledgment", "apology"): "no apology heard",
    ("acknowledgment", "impact"): "the impact on the customer was not named",
    ("acknowledgment", "validation"): "no validation of the customer's feeling",
    ("acknowledgment", "name"): "the customer's name was not used",
    ("options", "offer"): "no option offered",
    ("options", "second_option"): "no second option offered",
    ("next_steps", "expectation"): "no expectation with a time (e.g. 'by noon tomorrow')",
    ("next_steps", "summary"): "no summarized close",
    ("next_steps", "ownership"): "the agent never owned a next step ('let me...', 'I will...')",
    ("risks", "overpromise"): "no overpromising heard",
    ("risks", "blame"): "no blame heard",
    ("risks", "jargon"): "no jargon heard",
    ("risks", "vague"): "no vague hand-off heard",
    ("ace", "acknowledgement"): "no acknowledgement (apology, impact or validation)",
    ("ace", "curiosity"): "no open question about the customer's situation",
    ("ace", "empowerment"): "no collaborative next step or choice for the customer",
}


def merge_cues(extra: dict[str, dict[str, list[str]]] | None) -> dict[str, dict[str, list[str]]]:
    """The built-in cues plus a card's own phrases (same labels extend, new labels are added)."""
    out = {cat: {label: list(p) for label, p in labels.items()} for cat, labels in DEFAULT_CUES.items()}
    for cat, labels in (extra or {}).items():
        for label, phrases in labels.items():
            have = out.setdefault(cat, {}).setdefault(label, [])
            have += [p for p in phrases if p not in have]
    return out


class _Stream:
    """One speaker's words as normalised tokens, split into runs at long silences."""

    def __init__(self, words: list[Word]):
        self.words = words
        self.runs: list[tuple[list[str], list[int]]] = []
        start = 0
        for i in range(1, len(words) + 1):
            if i == len(words) or words[i].start_s - words[i - 1].end_s > RUN_GAP_S:
                tokens, owner = textnorm.tokenize([w.text for w in words[start:i]])
                self.runs.append((tokens, [start + o for o in owner]))
                start = i

    def find(self, phrase: str) -> list[tuple[int, int, int]]:
        """(first word, last word, first token, the token after the match) per match."""
        pattern = textnorm.normalize_phrase(phrase)
        out = []
        for tokens, owner in self.runs:
            for a, b in textnorm.find_all(tokens, pattern):
                nxt = tokens[b + 1] if b + 1 < len(tokens) else ""
                out.append((owner[a], owner[b], a, nxt))
        return out

    def quote_span(self, first: int, last: int, ends: tuple[str, ...] = CLAUSE_END) -> tuple[int, int]:
        """Widen a match to its clause: back to the previous clause end (at most six words), forward
        to the next clause end, at most 14 words in all."""
        lo = first
        while lo > 0 and first - lo < QUOTE_BACK_WORDS and not self.words[lo - 1].text.endswith(ends):
            lo -= 1
        hi = last
        while hi + 1 < len(self.words) and hi - lo + 1 < QUOTE_MAX_WORDS and not self.words[hi].text.endswith(ends):
            if self.words[hi + 1].start_s - self.words[hi].end_s > RUN_GAP_S:
                break
            hi += 1
        return lo, hi

    def item(self, category: str, label: str, first: int, last: int, *, widen: bool = True) -> EvidenceItem:
        ends = SENTENCE_END if label in WHOLE_SENTENCE else CLAUSE_END
        lo, hi = self.quote_span(first, last, ends) if widen else (first, last)
        ws = self.words[lo : hi + 1]
        return EvidenceItem(
            category, label, " ".join(w.text for w in ws), ws[0].speaker, ws[0].start_s, ws[-1].end_s, True
        )


def _missing(category: str, label: str, speaker: str) -> EvidenceItem:
    return EvidenceItem(category, label, "", speaker, None, None, False, MISSING.get((category, label), f"no {label} heard"))


def _spans(stream: _Stream, phrases: list[str], *, offer: bool = False) -> list[tuple[int, int]]:
    """Word spans where any phrase matched, in time order, overlapping or adjacent spans merged."""
    hits = []
    for phrase in phrases:
        for first, last, _tok, nxt in stream.find(phrase):
            if offer and phrase.endswith((" can", " could")) and nxt in _NOT_AN_OFFER_NEXT:
                continue
            hits.append((first, last))
    hits.sort()
    merged: list[tuple[int, int]] = []
    gap = MERGE_GAP_TOKENS if offer else 0
    for first, last in hits:
        if merged and first <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _items(stream: _Stream, category: str, label: str, phrases: list[str]) -> list[EvidenceItem]:
    """One item per quoted clause: matches whose widened quotes overlap are quoted once, together."""
    ends = SENTENCE_END if label in WHOLE_SENTENCE else CLAUSE_END
    quoted: list[tuple[int, int]] = []
    for first, last in _spans(stream, phrases):
        lo, hi = stream.quote_span(first, last, ends)
        if quoted and lo <= quoted[-1][1]:
            quoted[-1] = (quoted[-1][0], max(quoted[-1][1], hi))
        else:
            quoted.append((lo, hi))
    return [stream.item(category, label, lo, hi, widen=False) for lo, hi in quoted]


def _open_questions(stream: _Stream) -> list[EvidenceItem]:
    """Agent sentences ending in '?' that open with what/how/which/... and are not stock openers."""
    out, start = [], 0
    for i, w in enumerate(stream.words):
        if not w.text.endswith((".", "?", "!")):
            continue
        sentence = stream.words[start : i + 1]
        start = i + 1
        if not w.text.endswith("?"):
            continue
        tokens, _ = textnorm.tokenize([x.text for x in sentence])
        if not tokens or tokens[0] not in _OPEN_WORDS and tokens[:2] != ["tell", "me"]:
            continue
        if any(tokens[: len(s)] == s for s in _STOCK_QUESTIONS):
            continue
        out.append(
            EvidenceItem("ace", "curiosity", " ".join(x.text for x in sentence), sentence[0].speaker,
                         sentence[0].start_s, sentence[-1].end_s, True)
        )
    return out


def collect(
    words: list[Word],
    *,
    cues: dict[str, dict[str, list[str]]] | None = None,
    customer_name: str | None = None,
    speaker: str = "agent",
) -> tuple[dict[str, list[EvidenceItem]], int]:
    """Evidence per category (acknowledgment, options, next_steps, risks, ace) for one speaker's
    words, and the number of distinct options offered. Every label appears: found items in time
    order, or one ``found=False`` item whose note says what is missing."""
    cues = merge_cues(None) if cues is None else cues
    mine = sorted((w for w in words if w.speaker == speaker), key=lambda w: w.start_s)
    stream = _Stream(mine)
    out: dict[str, list[EvidenceItem]] = {}

    def put(category: str, label: str, items: list[EvidenceItem]) -> None:
        out.setdefault(category, []).extend(items or [_missing(category, label, speaker)])

    for label, phrases in cues.get("acknowledgment", {}).items():
        put("acknowledgment", label, _items(stream, "acknowledgment", label, phrases))
    if customer_name:
        spans = _spans(stream, [customer_name])
        put("acknowledgment", "name", [stream.item("acknowledgment", "name", a, b, widen=False) for a, b in spans])

    offers = _spans(stream, cues.get("options", {}).get("offer", []), offer=True)
    offer_items = [stream.item("options", "offer", a, b) for a, b in offers]
    put("options", "offer", offer_items[:1])
    second = [EvidenceItem(**{**i.__dict__, "label": "second_option"}) for i in offer_items[1:]]
    put("options", "second_option", second)
    for label, phrases in cues.get("options", {}).items():
        if label != "offer":
            put("options", label, _items(stream, "options", label, phrases))

    for category in ("next_steps", "risks"):
        for label, phrases in cues.get(category, {}).items():
            put(category, label, _items(stream, category, label, phrases))

    ack = sorted((i for i in out.get("acknowledgment", []) if i.found and i.label != "name"), key=lambda i: i.start_s)
    put("ace", "acknowledgement", [EvidenceItem(**{**ack[0].__dict__, "category": "ace", "label": "acknowledgement"})] if ack else [])
    ace = cues.get("ace", {})
    curious = _items(stream, "ace", "curiosity", ace.get("curiosity", [])) + _open_questions(stream)
    put("ace", "curiosity", _dedupe(curious))
    empower = _items(stream, "ace", "empowerment", ace.get("empowerment", []))
    if len(offer_items) >= 2:  # handing the customer a real choice is empowerment too
        empower.append(EvidenceItem(**{**offer_items[0].__dict__, "category": "ace", "label": "empowerment"}))
    put("ace", "empowerment", _dedupe(empower))
    return out, len(offer_items)


def _dedupe(items: list[EvidenceItem]) -> list[EvidenceItem]:
    out: list[EvidenceItem] = []
    for item in sorted(items, key=lambda i: (i.start_s, i.end_s)):
        if out and item.start_s < out[-1].end_s:
            continue
        out.append(item)
    return out


def found(evidence: dict[str, list[EvidenceItem]], category: str, label: str) -> list[EvidenceItem]:
    """The found items of one label (empty when it was missing)."""
    return [i for i in evidence.get(category, []) if i.label == label and i.found]
