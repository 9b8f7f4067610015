"""index.html for a batch: one self-contained page (no network assets), every string escaped.

A sortable table of clips linking each clip's report, each agent's progression (first take vs
latest take per scenario, practice streaks) and aggregates per scenario and per skill tag.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..analysis.bands import latency_band, rate_band
from ..results import BatchSummary, GroupStats

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2430;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7e2}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e4e8ef;text-align:left;vertical-align:top}
th{background:#f3f5f9;cursor:pointer;user-select:none}
.wide{overflow-x:auto}td.notes{min-width:16rem;overflow-wrap:anywhere}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.failed td{background:#fff1f0}.err{color:#a8071a}.muted{color:#6b7385}
.better{color:#237804;font-weight:600}.worse{color:#a8071a;font-weight:600}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d0d7e2;border-radius:6px;padding:.6rem .9rem}
.card b{font-size:1.3rem;display:block}
"""

# Click a header to sort by it (numbers as numbers, empty cells last); click again to reverse.
_JS = """
document.querySelectorAll('table.sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
  var asc=th.getAttribute('aria-sort')!=='ascending';
  t.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort')});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
  function key(r){var c=r.cells[i];return c?(c.getAttribute('data-v')!==null?c.getAttribute('data-v'):c.textContent.trim()):''}
  rows.sort(function(a,b){var x=key(a),y=key(b);if(x===''||y===''){return x===y?0:(x===''?1:-1)}
   var nx=parseFloat(x),ny=parseFloat(y),r=(!isNaN(nx)&&!isNaN(ny)&&isFinite(x)&&isFinite(y))?nx-ny:x.localeCompare(y);
   return asc?r:-r});
  rows.forEach(function(r){body.appendChild(r)});
 })})});
"""

_METRIC_LABELS = {
    "rate_wpm": "speaking rate (wpm)",
    "opening_rate_wpm": "opening rate (wpm)",
    "latency_median_s": "response latency, median (s)",
    "stalls": "stalls (> 3 s)",
    "jump_ins": "jump-ins (< 0.2 s)",
    "level_median_dbfs": "level, median (dBFS)",
}


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _num(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return '<td class="num" data-v=""><span class="muted">n/a</span></td>'
    text = f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return f'<td class="num" data-v="{_e(value)}">{_e(text)}</td>'


def _clip_table(summary: BatchSummary) -> str:
    head = ["clip", "agent", "scenario", "take", "recorded", "status", "duration (s)", "rate (wpm)", "band",
            "opening (wpm)", "latency median (s)", "latency p90 (s)", "level median (dBFS)", "warnings / error"]  # fmt: skip
    out = ['<div class="wide"><table class="sortable" id="clips"><thead><tr>']
    out += [f"<th>{_e(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for r in summary.rows:
        link = r.report_html or r.report_json
        name = f'<a href="{_e(link)}">{_e(r.path)}</a>' if link else _e(r.path)
        notes = f'<span class="err">{_e(r.error)}</span>' if r.error else "<br>".join(_e(w) for w in r.warnings)
        status = _e(r.status) + (' <span class="muted">(reused)</span>' if r.cached else "")
        if r.kind == "rewind":
            status += ' <span class="muted">(rewind)</span>'

        out.append(
            f'<tr class="{_e(r.status)}"><td>{name}</td><td>{_e(r.agent or "unknown")}</td><td>{_e(r.scenario or "")}</td>'
            f"{_num(r.take)}<td>{_e(r.started_at or '')}</td><td>{status}</td>{_num(r.duration_s)}{_num(r.rate_wpm, 0)}"
            f"<td>{_e(rate_band(r.rate_wpm) if r.status == 'ok' else '')}</td>{_num(r.opening_rate_wpm, 0)}"
            f"{_num(r.latency_median_s, 2)}{_num(r.latency_p90_s, 2)}{_num(r.level_median_dbfs)}<td class=\"notes\">{notes}</td></tr>"
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    if metric in ("stalls", "jump_ins"):
        return str(int(value))
    return f"{value:.2f}" if metric.endswith("_s") else f"{value:.0f}" if metric.endswith("_wpm") else f"{value:.1f}"


def _agents(summary: BatchSummary) -> str:
    if not summary.agents:
        return "<p class='muted'>No clips.</p>"
    out = []
    for a in summary.agents:
        who = a.agent or "unknown agent"
        streak = (
            f"{a.practice_days} practice day(s), longest streak {a.longest_streak_days} day(s), "
            f"current streak {a.current_streak_days} day(s), last practice {a.last_practice or 'n/a'}"
        )
        out.append(f"<h3>{_e(who)}</h3><p>{_e(a.takes)} take(s), {_e(a.failed)} failed. {_e(streak)}</p>")
        for s in a.scenarios:
            title = f"{s.scenario or 'no scenario'}: {s.takes} processed take(s)"
            if not s.changes:
                out.append(f"<p><b>{_e(title)}</b>: one take, nothing to compare yet.</p>")
                continue
            out.append(f"<p><b>{_e(title)}</b>, {_e(s.first_path)} &rarr; {_e(s.last_path)}</p>")
            out.append('<table class="sortable"><thead><tr><th>metric</th><th>first</th><th>latest</th><th>change</th><th>verdict</th></tr></thead><tbody>')
            for c in s.changes:
                change = "n/a" if c.change is None else ("+" if c.change > 0 else "") + _fmt(c.change, c.metric)
                out.append(
                    f"<tr><td>{_e(_METRIC_LABELS.get(c.metric, c.metric))}</td><td>{_e(_fmt(c.first, c.metric))}</td>"
                    f"<td>{_e(_fmt(c.last, c.metric))}</td><td>{_e(change)}</td>"
                    f'<td class="{_e(c.verdict)}">{_e(c.verdict)}</td></tr>'
                )
            out.append("</tbody></table>")
    return "".join(out)


def _groups(groups: list[GroupStats], label: str) -> str:
    if not groups:
        return f"<p class='muted'>No {_e(label)} groups.</p>"
    out = [f'<table class="sortable"><thead><tr><th>{_e(label)}</th><th>clips</th><th>failed</th><th>agents</th>'
           "<th>rate median (wpm)</th><th>opening median (wpm)</th><th>latency median (s)</th>"
           "<th>latency band</th><th>% of clips at 130-175 wpm</th></tr></thead><tbody>"]  # fmt: skip
    for g in groups:
        share = None if g.in_band_share is None else round(100 * g.in_band_share)
        out.append(
            f"<tr><td>{_e(g.name)}</td>{_num(g.clips)}{_num(g.failed)}{_num(g.agents)}{_num(g.rate_wpm_median, 0)}"
            f"{_num(g.opening_rate_wpm_median, 0)}{_num(g.latency_median_s, 2)}<td>{_e(latency_band(g.latency_median_s))}</td>"
            f"{_num(share)}</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def render(summary: BatchSummary) -> str:
    """The whole page as one string (inline CSS and JS, no external assets)."""
    s = summary
    cards = (
        f'<div class="cards"><div class="card"><b>{_e(s.total)}</b>clips</div><div class="card"><b>{_e(s.ok)}</b>ok</div>'
        f'<div class="card"><b>{_e(s.failed)}</b>failed</div><div class="card"><b>{_e(s.processed)}</b>analysed this run</div>'
        f'<div class="card"><b>{_e(s.cached)}</b>reused</div></div>'
    )
    settings = ", ".join(f"{k} {v}" for k, v in s.settings.items())
    notes = "".join(f"<li>{_e(w)}</li>" for w in s.warnings)
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{_e('voicecoach batch: ' + s.folder)}</title><style>{_CSS}</style></head><body>"
        f"<h1>voicecoach batch: {_e(s.folder)}</h1><p class='muted'>{_e(settings)}</p>{cards}"
        + (f"<ul>{notes}</ul>" if notes else "")
        + f"<h2>Clips</h2><p class='muted'>Click a column header to sort.</p>{_clip_table(s)}"
        f"<h2>Agents: first take vs latest take</h2>{_agents(s)}"
        f"<h2>By scenario</h2>{_groups(s.scenarios, 'scenario')}"
        f"<h2>By skill tag</h2>{_groups(s.skills, 'skill tag')}"
        f"<script>{_JS}</script></body></html>\n"
    )
