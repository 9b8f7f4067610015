"""One source of truth: norms (norms.py), the metric registry (metrics.py) and the one judge.

A metric added through the registry alone shows in every format; a scenario card's norms reach the
headline; display strings follow the numbers; the debrief's commitment follows the data it cites.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from report_factory import hand_analysis, replace_agent
from voicecoach import batch, metrics, norms
from voicecoach.analysis import debrief, evidence, judge, progression, targets
from voicecoach.analysis.coach import coach
from voicecoach.batch.manifest import Manifest
from voicecoach.batch.run import ClipOutcome, _on_result
from voicecoach.batch.walk import ClipMeta
from voicecoach.cli import main
from voicecoach.compare import compare
from voicecoach.report import batch_index, compare_report, html, html_compare, json_report, markdown, text
from voicecoach.results import BatchSummary, Latency, to_dict
from voicecoach.scenarios import load_card

# hand_analysis: 9 agent words over 3.6 s of speech (150 wpm) -> 2.5 words per second
WPS = metrics.Metric(
    "agent_words_per_s", "Words per second", "w/s", "{:.2f}", get=lambda r: r("agent.words") / r("agent.speaking_s"),
    direction="in-band", goal=lambda n: (2.0, 3.0), noticeable=lambda n: judge.by_pct(n.tempo_noticeable_pct),
    places=metrics.EVERYWHERE,
)


def _outcome_row(out: Path, a, rel: str, take: int):
    meta = ClipMeta("ann", "long-hold", take, f"2026-11-2{take}T09:00:00", None)
    outcome = ClipOutcome(rel, None, batch._metrics(a), (), json_report.render(a), None)
    return _on_result(Manifest(out), outcome, meta, ("c", "s"))


def test_a_metric_added_through_the_registry_alone_shows_in_every_format(tmp_path):
    first, later = hand_analysis("one.wav"), hand_analysis("two.wav", rate_wpm=200.0)  # 2.5 and 3.33 w/s
    with metrics.registered(WPS):
        # text and Markdown headline, against its own goal
        assert "Words per second" in text.render(first) and "2.50 w/s" in text.render(first)
        assert "| Words per second | 2.50 w/s | target 2-3 w/s (in band) |" in markdown.render(first)
        # read back from the JSON report by the same registry entry, and flattened for a history store
        assert WPS.read(json.loads(json_report.render(later))) == pytest.approx(3.333, abs=1e-3)
        assert metrics.flatten(first)["agent_words_per_s"] == pytest.approx(2.5)
        # compare: a row in JSON, text and Markdown, judged worse (out of its 2-3 band)
        c = compare([first, later])
        row = next(m for m in json.loads(json_report.render(c))["metrics"] if m["name"] == "agent_words_per_s")
        assert row["values"] == pytest.approx([2.5, 3.333], abs=1e-3) and row["direction"] == "worse" and row["target"] == "2-3 w/s"
        assert "Words per second (w/s)" in compare_report.render_text(c)
        assert "| Words per second (w/s) | 2.50 | 3.33 | +0.83 | worse |" in compare_report.render_markdown(c)
        # HTML: a headline card of the single report, a row of the compare page, a bar chart of 3 takes
        assert _card("Words per second", "2.50 w/s", "target 2-3 w/s (in band)", "ok") in html.render(first)
        page = html_compare.render(c, analyses=[first, later])
        html_row = '<tr><td>Words per second (w/s)<br><small>target 2-3 w/s</small></td><td class="num">2.50</td><td class="num">3.33</td>'
        assert html_row in page
        assert '<td class="worse">worse</td>' in page.split("Words per second (w/s)")[1].split("</tr>")[0]
        bars = html_compare.render(compare([first, later, later]))
        charts = bars.split('<div class="fig">')[1:]
        assert len(charts) == 5 and sum(">Words per second<" in f for f in charts) == 1  # rate, opening, latency, level and it
        # batch: the row, summary.json, a summary.csv column and the agent's progression
        rows = [_outcome_row(tmp_path, first, "one.wav", 1), _outcome_row(tmp_path, later, "two.wav", 2)]
        # every batch metric without a schema-1 column goes into extra_metrics, the new one among them
        schema_1 = {f.name for f in dataclasses.fields(rows[0])}
        assert set(rows[0].extra_metrics) == {m.name for m in metrics.where(metrics.BATCH)} - schema_1
        assert rows[0].extra_metrics["agent_words_per_s"] == pytest.approx(2.5)
        summary = batch.summarize(tmp_path, {}, rows, {}, [], processed=2, elapsed_s=0.0)
        batch.write_summary(Manifest(tmp_path), summary)
        data = json.loads((tmp_path / "summary.json").read_text())
        assert data["rows"][1]["extra_metrics"]["agent_words_per_s"] == pytest.approx(3.333, abs=1e-3)
        table = list(csv.DictReader(io.StringIO((tmp_path / "summary.csv").read_text())))
        assert [r["agent_words_per_s"] for r in table] == ["2.5", "3.333"]
        change = next(c for c in summary.agents[0].scenarios[0].changes if c.metric == "agent_words_per_s")
        assert (change.first, change.verdict) == (pytest.approx(2.5), "worse")
        # the batch index: a column of the clip table (as in summary.csv) and a row of the progression
        index = batch_index.render(summary)
        clips = index.split('id="clips"')[1].split("</table>")[0]
        assert "<th>Words per second (w/s)</th><th>warnings / error</th>" in clips
        last_cells = [row.split('<td class="num"')[-1] for row in clips.split("<tr")[2:]]  # each clip's last number
        assert [c.split(">")[1].split("<")[0] for c in last_cells] == ["2.50", "3.33"]
        assert "<tr><td>Words per second (w/s)</td><td>2.50</td><td>3.33</td><td>+0.83</td><td class=\"worse\">worse</td></tr>" in index
    # gone again: no format lists it
    assert "Words per second" not in text.render(first) and "Words per second" not in html.render(first)
    assert "agent_words_per_s" not in batch.csv_fields()


def test_the_headline_judges_against_the_scenario_cards_bands():
    card = load_card("long-hold")
    slow_card = dataclasses.replace(card, norms=card.norms.replace(rate_wpm=(120.0, 140.0), latency_s=(1.0, 2.0)))
    a = hand_analysis()  # 150 wpm, 0.6 s latency
    coached = dataclasses.replace(a, scenario=coach(a, slow_card))
    assert coached.scenario.norms["rate_wpm"] == [120.0, 140.0]
    for page in (text.render(coached), markdown.render(coached)):
        assert "target 120-140 wpm" in page and "140-160" not in page
        assert "calm 1-2 s after the caller (quick)" in page
    # the HTML headline too: the same rows, coloured by the same status (close: warn, missed: bad)
    page = html.render(coached)
    cards = page.split("<h2>Headline</h2>")[1].split("</div>\n\n")[0]
    assert "target 120-140 wpm (neutral)" in cards and "140-160" not in cards
    assert _card("Latency (median)", "0.60 s", "calm 1-2 s after the caller (quick)", "bad") in cards
    assert '<div class="card warn"><div class="k">Speaking rate</div>' in cards
    assert ">target 120-140 wpm<" in page  # the pace chart's band is the card's
    # the headline's status is the target table's: one judge
    rows = {r.label: r for r in metrics.headline_rows(coached)}
    checks = {t.name: t for t in coached.scenario.targets}
    assert rows["Speaking rate"].status == checks["rate"].status == "close"
    assert rows["Latency (median)"].status == checks["latency"].status == "missed"
    # the same clip without a card: the default phone bands
    assert "target 140-160 wpm (target)" in text.render(a)
    # and the JSON carries the card's numbers, so a report redrawn from it judges the same
    assert json.loads(json_report.render(coached))["scenario"]["norms"]["latency_s"] == [1.0, 2.0]


def _card(label: str, value: str, note: str, status: str) -> str:
    return f'<div class="card {status}"><div class="k">{label}</div><div class="v">{value}</div><div class="n">{note}</div></div>'


def test_display_strings_follow_the_norms():
    n = norms.DEFAULT.replace(level_trend_max_db_per_min=3.0, jump_in_s=0.25, stall_s=4.0)
    assert n.trend_target() == "within +/-3 dB/min" and n.jump_stall_limits() == "under 0.25 s / over 4 s"
    assert norms.DEFAULT.rate_target() == "140-160 wpm" and norms.DEFAULT.latency_target() == "0.5-1.5 s"
    for name, _default, unit, source in norms.describe():  # every norm has its unit and its source
        assert unit and source, name
    assert set(norms.CARD_FIELDS) == {"rate_wpm", "opening_max_wpm", "opening_vs_rest_max_pct", "latency_s", "level_trend_max_db_per_min"}


@pytest.mark.parametrize(
    "band, latency_s, commitment",
    [
        ((0.5, 1.5), 0.3, "breath"),  # under the calm band: pause a beat longer
        ((0.5, 1.5), 2.4, "what I'm checking"),  # over it: say what you are doing
        ((1.5, 2.5), 1.2, "breath"),  # under a slower card's band, though over the old fixed 1.0 s
        ((0.2, 0.8), 0.9, "what I'm checking"),  # over a quicker card's band, though under 1.0 s
    ],
)
def test_the_commitment_follows_the_side_of_the_band_the_latency_lies(band, latency_s, commitment):
    card = load_card("long-hold")
    card = dataclasses.replace(card, norms=card.norms.replace(latency_s=band))
    a = hand_analysis(latency_s=latency_s)
    a = dataclasses.replace(a, latency=Latency([latency_s], latency_s, latency_s, latency_s, 0, 0))
    checks = [t for t in targets.check(a, card.norms) if t.name == "latency"]
    assert checks[0].status in ("close", "missed")
    ev, _ = evidence.collect(a.words)
    fixes = debrief._adjustments(a, card, checks, ev)
    fix = next(f for f in fixes if f.point.source == "target.latency")
    assert commitment in fix.commitment


def test_no_metric_name_is_matched_outside_the_registry():
    """The consumers iterate the registry: no metric's name is written into them as a string."""
    root = Path(metrics.__file__).parent
    consumers = ["report/text.py", "report/markdown.py", "compare.py", "report/compare_report.py", "batch.py", "batch/*.py",
                 "analysis/progression.py", "analysis/debrief.py", "analysis/targets.py", "report/html.py", "report/html_compare.py",
                 "report/batch_index.py", "report/figures.py", "report/scenario_view.py", "report/templates/*",
                 "history/*.py", "history/templates/*", "web/*.py", "web/templates/*"]
    # history/schema.py's v1 -> v2 migration is frozen: it names the metrics v1 stored, as v1 named them
    files = [p for pattern in consumers for p in sorted(root.glob(pattern)) if p.name != "schema.py"]
    assert len(files) >= len(consumers) - 1  # batch.py or the batch/ package
    for path in files:
        source = path.read_text()
        for m in metrics.REGISTRY + [metrics.TURN_LATENCY]:
            assert f'"{m.name}"' not in source and f"'{m.name}'" not in source, (path.name, m.name)


def test_every_metric_in_the_registry_reads_the_same_from_the_result_and_its_json():
    a = replace_agent(hand_analysis(), words=12)
    data = json.loads(json_report.render(a))
    for m in metrics.REGISTRY:
        got, want = m.read(data), m.read(a)
        assert got == pytest.approx(want, abs=1e-3) if want is not None else got is None, m.name
        assert m.direction in ("in-band", "lower", "higher", "none") and m.label and m.unit, m.name


def test_record_takes_rate_hz_and_hides_the_old_rate_flag():
    out = CliRunner().invoke(main, ["record", "--help"]).output
    assert "--rate-hz" in out and "--rate " not in out and "--rate\n" not in out


def test_batch_row_of_schema_1_keeps_its_columns():
    fields = batch.csv_fields()
    assert fields[:8] == ["path", "agent", "scenario", "take", "kind", "started_at", "duration_s", "rate_wpm"]
    assert to_dict(BatchSummary("f", {}, 0, 0, 0, 0, 0, 0.0, [], [], [], []))["schema_version"] == 1
    assert progression.metric_change("rate_wpm", 200.0, 155.0).verdict == "better"
