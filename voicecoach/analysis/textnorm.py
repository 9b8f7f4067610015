"""Word normalisation for phrase matching, so that Whisper's renderings of one utterance compare equal.

"I'm", "I am" and "i AM," all become ``i am``; "12" and "twelve" both become ``twelve``; "can't"
and "cannot" become ``can not``; fillers ("um", "uh") vanish; punctuation goes. Each token keeps
the index of the transcript word it came from, so a match can quote the exact words and times.
"""

from __future__ import annotations

import re

FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm", "eh"})
GAP = "..."  # in a cue phrase: up to GAP_MAX_TOKENS tokens of anything
GAP_MAX_TOKENS = 4

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_WHOLE = {
    "won't": "will not", "can't": "can not", "cannot": "can not", "shan't": "shall not", "ain't": "is not",
    "let's": "let us", "y'all": "you all", "o'clock": "oclock", "gonna": "going to", "wanna": "want to",
    "gotta": "got to", "ok": "okay", "alright": "all right",
}
_PRONOUN_S = frozenset({"it", "that", "there", "here", "what", "he", "she", "who", "where", "how", "this", "everything"})
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ll", " will"), ("'ve", " have"), ("'m", " am"), ("'d", " would"))


def number_words(n: int) -> str:
    """English words for 0-999999 ("twenty four"); larger numbers stay digits."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    if n < 1_000_000:
        return number_words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + number_words(n % 1000))
    return str(n)


def _expand_digits(token: str) -> str:
    """'12' -> 'twelve'; '12:00' -> 'twelve'; '12:30' -> 'twelve thirty'; '5pm' -> 'five pm';
    '2nd' -> 'two'; '100%' -> 'one hundred percent'; '$15.99' -> 'fifteen ninety nine'."""
    token = token.replace("%", " percent ").replace("$", " ")
    token = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", token)
    token = re.sub(r"(\d)([a-z])", r"\1 \2", token)
    token = re.sub(r"(\d+):00\b", r"\1", token)
    token = re.sub(r"(\d)[:.,](\d)", r"\1 \2", token)
    return re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", token)


def normalize_word(text: str) -> list[str]:
    """Tokens for one transcript word (usually one; "I'm" gives two, a filler gives none)."""
    t = text.lower().replace("\u2019", "'").replace("\u2018", "'").strip()
    t = t.strip(".,!?;:\"()[]{}\u201c\u201d-")
    if t in _WHOLE:
        t = _WHOLE[t]
    elif "'" in t:
        for suffix, repl in _SUFFIXES:
            if t.endswith(suffix):
                t = t[: -len(suffix)] + repl
                break
        else:
            if t.endswith("'s"):
                base = t[:-2]
                t = base + " is" if base in _PRONOUN_S else base  # possessive: "Alex's" -> alex
            t = t.replace("'", "")
    if any(c.isdigit() for c in t):
        t = _expand_digits(t)
    t = re.sub(r"[^a-z0-9' ]+", " ", t).replace("'", "")
    out = []
    for tok in t.split():
        tok = _WHOLE.get(tok, tok)
        out += [x for x in tok.split() if x not in FILLERS]
    return out


def normalize_phrase(phrase: str) -> list[str]:
    """Tokens of a cue phrase, written like speech; '...' stays as a gap of up to four tokens."""
    out: list[str] = []
    for part in phrase.split():
        if part == GAP:
            out.append(GAP)
        else:
            out += normalize_word(part)
    return out


def tokenize(texts: list[str]) -> tuple[list[str], list[int]]:
    """Tokens of a word list and, per token, the index of the word it came from."""
    tokens: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        for tok in normalize_word(text):
            tokens.append(tok)
            owner.append(i)
    return tokens, owner


def find_all(tokens: list[str], phrase: list[str]) -> list[tuple[int, int]]:
    """Every (first, last) token index where ``phrase`` occurs; greedy-left, non-overlapping."""
    if not phrase:
        return []
    hits: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        end = _match_at(tokens, i, phrase, 0)
        if end is not None:
            hits.append((i, end))
            i = end + 1
        else:
            i += 1
    return hits


def _match_at(tokens: list[str], i: int, phrase: list[str], k: int) -> int | None:
    """Index of the last token matched when phrase[k:] matches starting at tokens[i], else None."""
    if k == len(phrase):
        return i - 1
    if phrase[k] == GAP:
        for skip in range(GAP_MAX_TOKENS + 1):
            if i + skip > len(tokens):
                break
            if any(t == "|" for t in tokens[i : i + skip]):
                break
            end = _match_at(tokens, i + skip, phrase, k + 1)
            if end is not None:
                return end
        return None
    if i < len(tokens) and tokens[i] == phrase[k]:
        return _match_at(tokens, i + 1, phrase, k + 1)
    return None
