"""Real human speech with known text, placed into calls whose timing is known by construction.

Agent lines are Asterisk's telephone prompts (a professional telephone voice, Debian's
asterisk-core-sounds-en-wav; their text is in core-sounds-en.txt of asterisk-core-sounds-en),
caller lines are LibriVox readers (pocketsphinx-testdata). Each recording is trimmed to its
audible samples and placed with an exact gap by ``make_samples.build_scene``, so word counts,
speaking time, latencies and levels come from the construction, not from the code under test.
The degradations a real practice recording suffers (phone band, line noise, MP3, a quiet agent)
are made here too, all from fixed seeds.
"""

from __future__ import annotations

import functools
import gzip
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ASTERISK = Path("/usr/share/asterisk/sounds/en")
ASTERISK_TEXT = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
SR = 16000


def require_real_speech() -> None:
    if not (ASTERISK.is_dir() and ASTERISK_TEXT.is_file() and LIBRIVOX.is_dir()):
        pytest.fail(
            "real speech test data missing: run 'make test' (installs it) or apt-get install "
            "asterisk-core-sounds-en-wav asterisk-core-sounds-en pocketsphinx-testdata"
        )


@functools.cache
def prompt_texts() -> dict[str, str]:
    """Prompt name -> its spoken text, for the prompts whose text is plain words."""
    texts = {}
    for line in gzip.decompress(ASTERISK_TEXT.read_bytes()).decode("utf-8", "replace").splitlines():
        name, sep, text = line.partition(":")
        text = text.strip()
        if not sep or line.startswith(";") or not text or "[" in text or "..." in text:
            continue
        if (ASTERISK / f"{name.strip()}.wav").is_file():
            texts[name.strip()] = text
    return texts


@functools.cache
def librivox_texts() -> dict[str, str]:
    texts = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        text, _, utt = line.rpartition("(")
        texts[utt.strip(" )")] = " ".join(text.replace("<s>", "").replace("</s>", "").split())
    return texts


def word_count(text: str) -> int:
    """Spoken words of a prompt's text: digits and hyphenated words as one each."""
    return len(re.findall(r"[A-Za-z0-9']+(?:[-'][A-Za-z0-9']+)*", text))


def _load(path: Path) -> np.ndarray:
    import soxr
    from make_samples import trim

    y, sr = sf.read(path, dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    if sr != SR:
        y = soxr.resample(y, sr, SR, quality="HQ").astype(np.float32)
    return trim(y)


def prompt(name: str) -> tuple[np.ndarray, str]:
    """An Asterisk prompt at 16 kHz, trimmed to its audible samples, with its text."""
    return _load(ASTERISK / f"{name}.wav"), prompt_texts()[name]


ROOM_TONE_MARGIN_DB = 15.0  # speech starts and ends where the reading rises this far above its own room tone


def trim_room_tone(y: np.ndarray) -> np.ndarray:
    """Cut a reading's leading and trailing room tone (10 ms frames), keeping the speech.

    LibriVox readings carry 0.2-0.35 s of room tone at each end, about 37 dB below the speech:
    the -60 dB trim keeps it, so a line's truth would end 0.3 s after its last word, a silence
    nobody hears (and line noise at -45 dBFS buries). Frames 15 dB above the reading's own floor
    (its 0.05 quantile) are speech and breath; the floor itself is not."""
    from make_samples import TRUTH_FRAME_S, _frame_dbfs

    db = _frame_dbfs(y)
    speech = np.flatnonzero(db > np.quantile(db, 0.05) + ROOM_TONE_MARGIN_DB)
    hop = int(TRUTH_FRAME_S * SR)
    return y[speech[0] * hop : (speech[-1] + 1) * hop]


def reading(utt: str) -> tuple[np.ndarray, str]:
    """A LibriVox utterance (e.g. 'sense_and_sensibility_01_austen_64kb-0880'), trimmed to its
    speech (room tone at the ends cut), with its text."""
    return trim_room_tone(_load(LIBRIVOX / f"{utt}.wav")), librivox_texts()[utt]


def librivox_ids() -> list[str]:
    return sorted(librivox_texts())


def line(speaker: str, recordings: list[tuple[np.ndarray, str]], **kw):
    """A make_samples.Line spoken by real recordings (one per sentence)."""
    from make_samples import Line

    return Line(speaker, [text for _, text in recordings], clips=[y for y, _ in recordings], **kw)


def long_hold_call(*, agent_level_dbfs: float = -20.0, customer_level_dbfs: float = -18.0):
    """The long-hold scene with real voices: a LibriVox reader as the tense caller, the telephone
    voice as the agent. Returns (customer, agent, truth) like make_samples.build_scene."""
    from make_samples import build_scene

    lv = librivox_ids()
    a, c = agent_level_dbfs, customer_level_dbfs
    scene = [
        line("customer", [reading(lv[1]), reading(lv[2])], level_dbfs=c, sentence_gap_s=0.4),
        line("agent", [prompt("queue-thankyou"), prompt("sorry-youre-having-problems")], gap_s=0.9,
             level_dbfs=a, sentence_gap_s=0.6),
        line("customer", [reading(lv[4])], gap_s=0.8, level_dbfs=c),
        line("agent", [prompt("one-moment-please")], gap_s=0.7, level_dbfs=a),
        line("customer", [reading(lv[0])], gap_s=1.2, level_dbfs=c),
        line("agent", [prompt("pls-hold-while-try"), prompt("queue-youarenext")], gap_s=1.1, level_dbfs=a,
             sentence_gap_s=0.5),
    ]
    return build_scene(scene)


def calls(agent_level_dbfs: float = -20.0, customer_level_dbfs: float = -18.0):
    """(name, customer, agent, truth) for each of three real-voice calls (A is ``long_hold_call``)."""
    from make_samples import build_scene

    lv = librivox_ids()
    a, c = agent_level_dbfs, customer_level_dbfs
    L, P, R = line, prompt, reading
    yield ("A", *long_hold_call(agent_level_dbfs=a, customer_level_dbfs=c))
    yield ("B", *build_scene([
        L("customer", [R(lv[0])], level_dbfs=c),
        L("agent", [P("followme/sorry"), P("one-moment-please")], gap_s=0.8, level_dbfs=a, sentence_gap_s=0.7),
        L("customer", [R(lv[3])], gap_s=1.0, level_dbfs=c),
        L("agent", [P("vm-nobodyavail"), P("please-try-call-later")], gap_s=0.6, level_dbfs=a),
    ]))
    yield ("C", *build_scene([
        L("customer", [R(lv[2]), R(lv[4])], level_dbfs=c, sentence_gap_s=0.5),
        L("agent", [P("sorry-youre-having-problems"), P("pls-hold-while-try")], gap_s=1.3, level_dbfs=a, sentence_gap_s=0.5),
        L("customer", [R(lv[1])], gap_s=0.9, level_dbfs=c),
        L("agent", [P("queue-thankyou"), P("check-number-dial-again")], gap_s=0.5, level_dbfs=a, sentence_gap_s=0.6),
    ]))


# --- degradations ---------------------------------------------------------------------------


def phone_band(y: np.ndarray, sr: int = SR) -> tuple[np.ndarray, int]:
    """8 kHz, band-limited to 300-3400 Hz, as a phone line delivers it (write it as ULAW)."""
    import soxr
    from scipy.signal import butter, sosfilt

    y8 = soxr.resample(y, sr, 8000, quality="HQ")
    sos = butter(6, [300, 3400], btype="bandpass", fs=8000, output="sos")
    return sosfilt(sos, y8, axis=0).astype(np.float32), 8000


def with_noise(y: np.ndarray, dbfs: float, *, seed: int = 11) -> np.ndarray:
    """White line noise at an RMS of ``dbfs`` added to every channel."""
    rng = np.random.default_rng(seed)
    return (y + rng.standard_normal(y.shape).astype(np.float32) * 10 ** (dbfs / 20)).astype(np.float32)


def write_stereo(path: Path, customer: np.ndarray, agent: np.ndarray, *, sr: int = SR, subtype: str = "PCM_16") -> Path:
    """Customer left, agent right."""
    sf.write(path, np.stack([customer, agent], axis=1), sr, subtype=subtype)
    return path


def mp3_copy(wav: Path, mp3: Path, *, kbps: int = 64) -> Path:
    """An MP3 of ``wav`` made by sox (libsox-fmt-mp3), as a phone app or a share would save it."""
    subprocess.run(["sox", str(wav), "-C", str(kbps), str(mp3)], check=True, capture_output=True)
    return mp3
