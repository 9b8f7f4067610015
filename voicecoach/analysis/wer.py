"""Word error rate of a transcript against known text, for accuracy figures on real speech."""

from __future__ import annotations

from .textnorm import normalize_word

# Titles as read aloud: LibriVox transcripts spell "mister", Whisper writes "Mr."
_SPOKEN = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint"}


def tokens(text: str) -> list[str]:
    """Comparable words: lowercase, punctuation gone, digits as number words, contractions expanded
    and fillers dropped (textnorm.normalize_word), hyphenated words split."""
    out: list[str] = []
    # keypad keys as read aloud: Asterisk's prompt texts write "press *", the voice says "star"
    text = text.replace("*", " star ").replace("#", " pound ")
    for word in text.replace("-", " ").split():
        out.extend(_SPOKEN.get(t, t) for t in normalize_word(word))
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, words in the reference): Levenshtein distance over
    normalised words. WER over a corpus is the sum of the first over the sum of the second."""
    ref, hyp = tokens(reference), tokens(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1], len(ref)
