"""The HTML and Markdown reports: parse, self-contained, escaped, audio embedded (no model)."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from report_factory import BURSTS, CLIP_S, HOSTILE, burst_clip, burst_media, hand_analysis, hostile_scenario
from voicecoach.report import render

URL_ATTRS = {"src", "href", "xlink:href", "action", "poster", "data", "srcset", "formaction", "background"}
EXTERNAL = re.compile(r"^\s*(https?:|ftp:|//)", re.I)


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "input", "link", "img", "path", "use", "rect"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.scripts.append(data)
        else:
            self.text.append(data)


def parse(page: str) -> Collector:
    c = Collector()
    c.feed(page)
    c.close()
    return c


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return burst_clip(tmp_path_factory.mktemp("html") / "take <i>1.wav")


@pytest.fixture(scope="module")
def page(clip):
    a = hand_analysis(str(clip), scenario=hostile_scenario())
    return render(a, "html", media=burst_media(clip, a))


def test_page_parses_with_the_report_sections(page):
    doc = parse(page)
    names = [t for t, _ in doc.tags]
    assert names[0] == "html" and "body" in names
    assert names.count("svg") >= 3  # timeline, level and pitch, pace
    headings = [h for h in "".join(doc.text).split("\n")]
    for section in ("Headline", "Timeline", "Level and pitch", "Pace per turn", "Transcript", "Debrief"):
        assert section in "".join(headings)


def test_page_has_no_external_url(page):
    doc = parse(page)
    for tag, attrs in doc.tags:
        for name, value in attrs.items():
            if name in URL_ATTRS and value:
                assert not EXTERNAL.match(value), f"<{tag} {name}={value[:60]}> loads from the network"
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page, re.I)
    assert "@import" not in page and "<link" not in page.lower()


def test_hostile_text_is_shown_as_text(page):
    doc = parse(page)
    assert [t for t, _ in doc.tags].count("script") == 1  # ours, at the end
    assert HOSTILE not in page
    assert "alert(1)" not in "".join(doc.scripts)
    visible = "".join(doc.text)
    assert visible.count(HOSTILE) >= 5  # file name, warning, customer turn, debrief point, missing-evidence note
    assert "take &lt;i&gt;1.wav" in page and "<i>1" not in page  # the file name too


def test_audio_is_embedded_and_decodes_to_the_clip(page):
    audios = [attrs for tag, attrs in parse(page).tags if tag == "audio"]
    assert len(audios) == 1
    src = audios[0]["src"]
    mime, _, payload = src.partition(";base64,")
    assert mime in ("data:audio/mpeg", "data:audio/wav")
    data, sr = sf.read(io.BytesIO(base64.b64decode(payload)), always_2d=True)
    assert data.shape[1] == 2
    # MP3 frames pad the start and end by a few tens of ms; the clip is CLIP_S long
    assert abs(len(data) / sr - CLIP_S) < 0.1


def test_transcript_lines_and_evidence(page):
    doc = parse(page)
    lines = [attrs for tag, attrs in doc.tags if tag == "li" and "turn" in attrs.get("class", "")]
    assert [float(a["data-start"]) for a in lines] == [BURSTS[0][1], 2.6]
    marks = [attrs.get("class") for tag, attrs in doc.tags if tag == "mark"]
    assert "opening" in marks and "evidence" in marks
    assert '<mark class="evidence" title="acknowledgment / impact">twelve minutes</mark>' in page


def test_media_series_follow_the_signal_over_the_analysis_segments(clip):
    """Level and pitch are plotted exactly where the Analysis found speech, from the clip itself:
    the -20 dBFS bursts read -20 dB and their 180/220 Hz tones as pitch."""
    a = hand_analysis(str(clip))
    m = burst_media(clip, a)
    for s in m.series:
        inside = np.zeros(len(s.times_s), bool)
        for seg in a.segments[s.speaker]:
            inside |= (s.times_s >= seg.start_s + 0.05) & (s.times_s <= seg.end_s - 0.05)
        assert np.all(np.isnan(s.level_dbfs[~np.any([(s.times_s >= g.start_s - 0.02) & (s.times_s <= g.end_s + 0.02)
                                                      for g in a.segments[s.speaker]], axis=0)]))  # fmt: skip
        assert np.nanmedian(s.level_dbfs[inside]) == pytest.approx(-20.0, abs=0.5)
        f0 = 180.0 if s.speaker == "agent" else 220.0
        assert np.nanmedian(s.pitch_hz[inside]) == pytest.approx(f0, rel=0.02)


def test_html_without_media_still_renders():
    page = render(hand_analysis("x.wav"), "html")
    doc = parse(page)
    assert not [t for t, _ in doc.tags if t == "audio"]
    assert [t for t, _ in doc.tags].count("svg") == 2  # timeline and pace


def test_markdown_escapes_and_tabulates():
    md = render(hand_analysis("a|b.wav", scenario=hostile_scenario()), "markdown")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "a\\|b.wav" in md
    assert "| 0:02.6 | agent | +0.60 s | 150 |" in md
    assert "## Debrief" in md and "Micro-adjustment" in md


def test_cli_analyze_html_option_is_listed():
    from voicecoach.cli import main

    out = CliRunner().invoke(main, ["analyze", "--help"]).output
    assert "html" in out and "markdown" in out
    out = CliRunner().invoke(main, ["compare", "--help"]).output
    assert "--agent-channel" in out and "--scenario" in out
