"""The library calls the pages share: where things live under the data folder, one analysis at a
time (Whisper uses every core), a take analysed into its report and the history, a comparison, and
batch jobs running in a background thread with their progress.

Layout of the data folder (``--data``): ``takes/AGENT/SCENARIO/take-NN.wav`` (as ``voicecoach
practice`` writes them, with sidecars), ``uploads/<random>.ext``, ``reports/<random>.html``,
``batches/<n>/`` (a batch's --out). Every name in it is chosen here, never by a client.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import VoicecoachError

_ANALYSIS = threading.Lock()  # one analysis at a time: a second would only halve the speed of both
_CACHE_TAKES = 6  # recent Analyzed kept for compare (a 30 s stereo take holds ~4 MB of audio)


@dataclass
class Engine:
    data: Path
    history: str | None  # the practice history (None: off)
    model: str | None = None
    _recent: OrderedDict = field(default_factory=OrderedDict)
    jobs: dict[str, BatchJob] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = Path(self.data).resolve()
        for sub in ("takes", "uploads", "reports", "batches"):
            (self.data / sub).mkdir(parents=True, exist_ok=True)

    def options(self, scenario: str | None = None):
        from ..pipeline import Options

        return Options(model=self.model, scenario=scenario)

    def inside(self, path: str | Path, sub: str = "") -> Path | None:
        """``path`` resolved, when it lies inside the data folder (``sub`` of it); else None."""
        root = (self.data / sub).resolve()
        p = Path(path).resolve()
        return p if p.is_relative_to(root) and p.is_file() else None

    def analyzed(self, path: Path, scenario: str | None = None):
        """pipeline.analyze_clip, under the one-analysis lock, remembered for a later compare."""
        from ..pipeline import analyze_clip

        key = (str(path), path.stat().st_mtime_ns, scenario)
        if key in self._recent:
            self._recent.move_to_end(key)
            return self._recent[key]
        with _ANALYSIS:
            result = analyze_clip(path, self.options(scenario))
        self._recent[key] = result
        while len(self._recent) > _CACHE_TAKES:
            self._recent.popitem(last=False)
        return result

    def analyse_take(self, path: Path, *, agent: str | None, scenario: str | None) -> dict[str, Any]:
        """Analyse one take, write its HTML report, record it in the history; the debrief as a dict."""
        from ..files import atomic_write_text
        from ..history import HistoryError, record
        from ..report import render_clip

        analyzed = self.analyzed(path, scenario)
        report = self.data / "reports" / f"{uuid.uuid4().hex}.html"
        atomic_write_text(report, render_clip(analyzed, "html"))
        warnings = list(analyzed.analysis.warnings)
        take_id = None
        try:
            take_id = record(self.history, analyzed.analysis, path, agent=agent, scenario=scenario, report_path=str(report))
        except HistoryError as e:  # the take and its report are safe on disk: 'history import' adds it later
            warnings.append(f"not recorded in the history: {e}")
        return {**debrief(analyzed.analysis), "take_id": take_id, "report": f"/reports/{report.stem}", "warnings": warnings}

    def takes(self, *, agent: str | None = None, scenario: str | None = None, since_ts: float | None = None,
              until_ts: float | None = None) -> list[dict[str, Any]]:
        from ..history import Store

        if self.history is None:
            return []
        with Store(self.history) as store:
            rows = store.takes(agent=agent, scenario=scenario, since_ts=since_ts, metrics=[m.name for m in table_metrics()])
        return [r for r in rows if until_ts is None or r["taken_ts"] < until_ts]

    def compare(self, take_ids: list[int]) -> str:
        """The compare report (HTML) of takes from the history, first taken first."""
        from ..compare import compare as compare_takes
        from ..report import render
        from ..report.media import of
        from ..scenarios import load_card

        chosen = {t["id"]: t for t in self.takes() if t["id"] in set(take_ids)}
        if len(chosen) < 2:
            raise VoicecoachError("compare needs at least two takes from the history; tick two or more")
        ordered = sorted(chosen.values(), key=lambda t: (t["taken_ts"], t["id"]))
        missing = [t["source_path"] for t in ordered if not Path(t["source_path"]).is_file()]
        if missing:
            raise VoicecoachError(f"{missing[0]}: the take's audio is gone; compare needs the recordings")
        scenarios = {t["scenario"] for t in ordered}
        card = load_card(scenarios.pop()) if len(scenarios) == 1 and None not in scenarios else None
        analyzed = [self.analyzed(Path(t["source_path"]), card.id if card else None) for t in ordered]
        analyses = [a.analysis for a in analyzed]
        result = compare_takes(analyses, card.norms if card else None, scenario=card.id if card else None)
        return render(result, "html", analyses=analyses, media=[of(a) for a in analyzed])

    def start_batch(self, folder: str) -> BatchJob:
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise VoicecoachError(f"{folder}: not a folder on this machine; give the folder holding the session's takes")
        job = BatchJob(str(len(self.jobs) + 1), root.resolve(), self.data / "batches" / str(len(self.jobs) + 1))
        self.jobs[job.id] = job
        threading.Thread(target=job.run, args=(self,), daemon=True, name=f"batch-{job.id}").start()
        return job


@dataclass
class BatchJob:
    """One 'analyse a folder' run; the dashboard polls ``state()``."""

    id: str
    folder: Path
    out: Path
    total: int | None = None
    reused: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    summary: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: bool = False

    def run(self, engine: Engine) -> None:
        from dataclasses import asdict

        from ..batch import BatchSettings, Listeners, run_batch
        from ..history.recording import BatchRecorder

        def start(total: int, reused: int) -> None:
            self.total, self.reused = total, reused

        recorder = BatchRecorder(engine.history, engine.history is None, str(self.folder), str(self.out),
                                 then=lambda row: self.rows.append(asdict(row)))
        try:
            with _ANALYSIS:
                s = run_batch(self.folder, self.out, engine.options(), BatchSettings(), Listeners(start, recorder))
            self.summary = f"{s.total} clips: {s.ok} ok, {s.failed} failed ({s.processed} analysed, {s.cached} reused)"
        except VoicecoachError as e:
            self.error = f"Error: {e}"
        finally:
            recorder.close()
            self.finished = True

    def state(self) -> dict[str, Any]:
        done = self.reused + len(self.rows)
        return {"id": self.id, "folder": str(self.folder), "total": self.total, "done": done, "finished": self.finished,
                "error": self.error, "summary": self.summary, "index": f"/batches/{self.id}/index.html",
                "rows": [{k: r.get(k) for k in ("path", "agent", "scenario", "status", "error", _rate_name())} for r in self.rows],
                "elapsed_s": round(time.monotonic() - self.started, 1)}


def table_metrics():
    """The numbers of the Takes table: the team table's (metrics.TEAM), as 'voicecoach progress' shows them."""
    from .. import metrics

    return metrics.where(metrics.TEAM)


def _rate_name() -> str:
    from ..metrics import RATE

    return RATE.name


def debrief(analysis) -> dict[str, Any]:
    """What the practice room shows after Stop: every registered number as measured (by its name),
    the big figures (``figures``: the headline rows of the scenario targets,
    judged against the card's norms, each unsure one marked with its reason) and the scenario's debrief."""
    from .. import metrics
    from ..norms import for_analysis

    n = for_analysis(analysis)
    targets = {m.name for m in metrics.checks()}
    values = {k: None if v is None else round(v, 2) for k, v in metrics.flatten(analysis, trusted=False).items()}
    figures = [{"label": r.label, "value": r.value_text, "note": r.note, "status": r.status, "unsure": r.unsure,
                "why": metrics.get(r.metric).doubt(analysis, n) if r.unsure else None}
               for r in metrics.headline_rows(analysis, n) if r.metric in targets]
    lat = analysis.latency
    out: dict[str, Any] = {
        **values, "figures": figures, "duration_s": round(analysis.duration_s, 2), "layout": analysis.layout,
        "opening_text": None if analysis.agent.opening is None else analysis.agent.opening.text,
        "latencies_s": [] if lat is None else [round(v, 2) for v in lat.values_s],
        "first_word_s": None if analysis.first_response_s is None else round(analysis.first_response_s, 2),
        "strengths": [], "adjustment": None, "commitment": None, "note": None,
    }
    if analysis.scenario is not None:
        d = analysis.scenario.debrief
        out.update(strengths=[p.text for p in d.strengths], adjustment=d.adjustment.text if d.adjustment else None,
                   commitment=d.commitment, note=d.note)
    return out
