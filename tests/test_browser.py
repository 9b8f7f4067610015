"""The HTML report in real headless Chromium: it paints, and clicks play from the right moment."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

from cdp import Browser, chromium_path
from report_factory import BURSTS, burst_clip, burst_media, hand_analysis, hostile_scenario
from voicecoach.report import render

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    binary = chromium_path()
    if binary is None:
        pytest.fail("chromium is missing: run 'make test' (scripts/system-deps.sh installs Debian's chromium)")
    b = Browser(binary)
    yield b
    b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    clip = burst_clip(folder / "take.wav")
    a = hand_analysis(str(clip), scenario=hostile_scenario())
    page = folder / "report.html"
    page.write_text(render(a, "html", media=burst_media(clip, a)), encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def session(browser, report):
    s = browser.open(report.as_uri())
    browser.wait_for(s, "document.readyState === 'complete'")
    browser.send("Emulation.setDeviceMetricsOverride", {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}, s)
    # HAVE_METADATA: the embedded MP3 decoded far enough to know its duration
    browser.wait_for(s, "document.getElementById('audio-0').readyState >= 1")
    return s


def test_page_is_not_blank(browser, session):
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(io.BytesIO(base64.b64decode(shot["data"])), format="png")[..., :3]
    ink = np.mean(pixels.min(axis=2) < 0.8)  # share of pixels clearly darker than the page background
    assert 0.02 < ink < 0.9
    assert browser.eval(session, "document.querySelectorAll('svg').length") >= 3
    assert browser.eval(session, "document.body.innerText.includes('<script>alert(1)</script>')")  # shown as text
    assert browser.eval(session, "document.scripts.length") == 1  # ours; the hostile one stayed text
    duration = browser.eval(session, "document.getElementById('audio-0').duration")
    assert abs(duration - 6.0) < 0.15


def _center(browser, session, selector: str) -> tuple[float, float]:
    rect = browser.eval(
        session,
        f"(() => {{ const el = document.querySelector({selector!r}); el.scrollIntoView({{block: 'center'}});"
        " const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()",
    )
    return rect[0], rect[1]


def test_clicking_a_transcript_line_seeks_the_audio(browser, session):
    browser.eval(session, "(() => { const a = document.getElementById('audio-0'); a.pause(); a.currentTime = 0; })()")
    x, y = _center(browser, session, "li.turn.agent")
    browser.click(session, x, y)
    t = browser.wait_for(session, "(() => { const t = document.getElementById('audio-0').currentTime; return t > 0 ? t : 0; })()")
    start = BURSTS[1][1]  # the agent turn starts 2.6 s in
    assert start - 0.05 <= t < start + 1.0  # it may already be playing on from there
    # the line being heard is highlighted
    assert browser.wait_for(session, "document.querySelector('li.turn.agent').classList.contains('playing')")


def test_clicking_the_timeline_seeks_to_that_time(browser, session):
    browser.eval(session, "(() => { const a = document.getElementById('audio-0'); a.pause(); a.currentTime = 0; })()")
    fig = browser.eval(
        session,
        "(() => { const f = document.querySelector('.fig.seek'); f.scrollIntoView({block: 'center'});"
        " const r = f.getBoundingClientRect(); return [r.left, r.top, r.width, r.height,"
        " +f.dataset.left, +f.dataset.right, +f.dataset.t1]; })()",
    )
    left, top, width, height, fl, fr, t1 = fig
    want_s = 4.5
    x = left + width * (fl + (fr - fl) * want_s / t1)
    browser.click(session, x, top + height * 0.5)
    t = browser.wait_for(session, "(() => { const t = document.getElementById('audio-0').currentTime; return t > 0 ? t : 0; })()")
    assert want_s - 0.1 <= t < want_s + 1.0
