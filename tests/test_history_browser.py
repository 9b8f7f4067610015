"""The HTML progress page in real headless Chromium: one chart per metric, each take a link to its
report, the team table's arrows, and it fits a 1280 px window."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cdp import Browser, chromium_path
from history_support import RATES, fill, real_analysis

from voicecoach.history import Store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(tmp_path_factory, analyses):
    folder = tmp_path_factory.mktemp("progress")
    report = folder / "reports" / "take.html"
    report.parent.mkdir()
    report.write_text("<!doctype html><title>take report</title><p id=mark>the take's report</p>", encoding="utf-8")
    target = folder / "history.sqlite"
    with Store(target) as store:
        fill(store, *real_analysis(analyses), folder / "sessions", report_path=str(report))
    cmd = [sys.executable, "-m", "voicecoach.cli", "progress", "--history", str(target)]
    out = folder / "site" / "progress.html"
    r = subprocess.run([*cmd, "--format", "html", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    again = subprocess.run([*cmd, "--format", "html"], capture_output=True, text=True, timeout=300).stdout
    data = json.loads(subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True, timeout=300).stdout)
    return out, data, again


@pytest.fixture(scope="module")
def session(page):
    binary = chromium_path()
    if binary is None:
        pytest.fail("chromium is missing: run 'make test' (scripts/system-deps.sh installs Debian's chromium)")
    b = Browser(binary)
    s = b.open(page[0].as_uri())
    b.wait_for(s, "location.protocol === 'file:' && document.readyState === 'complete' && !!document.querySelector('figure.chart')")
    b.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, s)
    yield b, s
    b.close()


def test_one_chart_per_metric(page, session):
    b, s = session
    (group,) = page[1]["groups"]
    metrics = [m["metric"] for m in group["metrics"]]
    shown = b.eval(s, "[...document.querySelectorAll('section.group figure.chart')].map(f => f.dataset.metric)")
    assert shown == metrics and len(metrics) >= 8
    assert b.eval(s, "[...document.querySelectorAll('figure.chart')].every(f => f.querySelector('svg') && f.getBoundingClientRect().height > 100)")
    assert b.eval(s, "document.body.innerText.includes('too short')")  # the fragment, listed as left out


def test_each_take_links_to_its_report(page, session):
    b, s = session
    links = b.eval(s, "[...document.querySelectorAll('figure[data-metric=rate_wpm] svg a')].map(a => a.href.baseVal || a.getAttribute('xlink:href'))")
    assert len(links) == len(RATES)
    assert set(links) == {"../reports/take.html"}  # relative to the page: the folder can move as a whole


def test_team_table_arrows_and_width(page, session):
    b, s = session
    cells = b.eval(s, "[...document.querySelectorAll('#team tr')].map(r => [...r.cells].map(c => c.innerText.trim()))")
    header, row = cells[0], cells[1]
    assert row[:3] == ["agent01", "pacing", "5"]
    assert row[header.index("rate_wpm")] == "↑"
    assert b.eval(s, "document.documentElement.scrollWidth") <= 1280


def test_page_is_the_same_every_time(page):
    out, _, again = page
    # the same history renders the same page (deterministic SVG), apart from the links' base
    assert again.replace((out.parent.parent / "reports" / "take.html").as_uri(), "../reports/take.html") == out.read_text(encoding="utf-8")
