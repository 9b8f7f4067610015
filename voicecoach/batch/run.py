"""Running a batch: plan the clips, send the work out, write each result as it comes back.

Every clip goes through ``pipeline.analyze`` (the one road) in local worker processes (``local``)
or on a Dask cluster (``distributed``), whose workers load the Whisper model once and keep it for
every clip. Results are written only by this process, atomically and recorded in the folder's
manifest first (``manifest``), so a killed batch leaves no half file and nothing voicecoach did not
write is replaced; a clip whose content and settings are unchanged and whose files are intact is
not analysed again.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from .. import metrics, pipeline, transcribe
from ..errors import AudioError, Interrupted, VoicecoachError
from ..files import folder_lock, remove_stale_temporaries
from ..results import BatchRow, BatchSummary, to_dict
from .manifest import Manifest
from .walk import ClipMeta

CLIPS_DIR = "clips"
ROW_SUFFIX = ".row.json"
CSV_HEAD = ["path", "agent", "scenario", "take", "kind", "started_at", "duration_s"]
CSV_TAIL = ["targets_met", "adjustment", "unsure", "agent_channel", "warnings", "status", "error", "report"]
SUMMARY_FILES = ("summary.json", "summary.csv", "index.html")


@dataclass(frozen=True)
class BatchSettings:
    """How a batch runs (not what it measures: that is ``pipeline.Options``)."""

    jobs: int = 1  # local worker processes
    dask_scheduler: str | None = None  # a Dask cluster instead, e.g. tcp://host:8786
    scenario: str | None = None  # for clips whose sidecar or folder names none
    reanalyse: bool = False  # analyse every clip again, even when unchanged and intact
    force: bool = False  # write into an --out that holds files voicecoach did not write (never touching them)
    wait: bool = False  # wait for another batch writing into --out instead of stopping


@dataclass(frozen=True)
class Listeners:
    """``on_start(total, reused)`` once the work is planned; ``on_row(row)`` per clip as it
    finishes (reused clips are not reported one by one); ``on_wait(holder)`` when waiting for
    another batch's lock; ``trends(agents)`` at the end: each agent's trend over every take in the
    practice history (``history.progress.team`` rows), shown in index.html."""

    on_start: Callable[[int, int], None] | None = None
    on_row: Callable[[BatchRow], None] | None = None
    on_wait: Callable[[str], None] | None = None
    trends: Callable[[list[str]], list[dict[str, Any]]] | None = None


@dataclass(frozen=True)
class ClipTask:
    """One clip's work, sent to a worker (picklable: plain values only)."""

    path: str  # as the user gave it; absolute for Dask workers, which run in folders of their own
    rel: str
    options: pipeline.Options
    content_sha256: str = ""  # lets a Dask worker check that it sees the client's file
    sidecar_sha256: str | None = None
    source: str | None = None  # when ``path`` is not as the user gave it: that, for reports and errors


@dataclass(frozen=True)
class ClipOutcome:
    rel: str
    error: str | None = None
    metrics: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    json_text: str | None = None
    html_text: str | None = None
    missing: bool = False  # a Dask worker cannot see the clip: the client sends its bytes


def csv_fields() -> list[str]:
    """summary.csv's columns: the clip, every metric the registry puts in the CSV, then the outcome."""
    return CSV_HEAD + [m.name for m in metrics.where(metrics.CSV)] + CSV_TAIL


def _metrics(result) -> dict[str, Any]:
    """The row's values: duration, every batch metric of the registry (a number in doubt withheld as
    None, its reason in the clip's warnings and in ``unsure``), the agent's channel, and with a
    scenario card the targets met and the debrief's micro-adjustment."""
    scen = result.scenario
    judged = [t for t in scen.targets if t.status != "n/a"] if scen is not None else []
    adjustment = scen.debrief.adjustment if scen is not None else None
    return {
        "duration_s": result.duration_s,
        **metrics.batch_values(result),
        "agent_channel": result.agent_channel.channel if result.agent_channel else None,
        "targets_met": sum(t.status == "met" for t in judged) if scen is not None else None,
        "targets_checked": len(judged) if scen is not None else None,
        "adjustment": adjustment.text if adjustment is not None else None,
        "unsure": metrics.marks(result),
    }


_ROW_FIELDS = frozenset(f.name for f in dataclasses.fields(BatchRow))


def _row_values(values: dict[str, Any]) -> dict[str, Any]:
    """BatchRow keyword arguments: schema-1 columns as fields, later registry metrics in extra_metrics."""
    extra = {k: v for k, v in values.items() if k not in _ROW_FIELDS}
    return {**{k: v for k, v in values.items() if k in _ROW_FIELDS}, "extra_metrics": extra}


def _as_typed(task: ClipTask, message: str) -> str:
    """A worker's message names the clip as the user gave it, not by a worker's path."""
    return message.replace(task.path, task.source) if task.source is not None else message


def analyze_clip(task: ClipTask) -> ClipOutcome:
    """The per-clip work on a worker: never raises, a failure comes back as ``error``."""
    from ..report import render, render_clip

    try:
        analyzed = pipeline.analyze_clip(task.path, task.options)
        result = analyzed.analysis
        if task.source is not None:
            result = dataclasses.replace(result, source=task.source)
    except VoicecoachError as e:
        return ClipOutcome(task.rel, error=_as_typed(task, str(e)))
    except Exception as e:  # one bad clip never stops the batch; the message keeps the bug's type
        return ClipOutcome(task.rel, error=_as_typed(task, f"{task.path}: internal error {type(e).__name__}: {e}"))
    warnings = list(result.warnings)
    html_text = None
    try:
        html_text = render_clip(dataclasses.replace(analyzed, analysis=result), "html")  # decoded audio and tracks: nothing decoded twice
    except Exception as e:  # the JSON result stands even when the page cannot be drawn
        warnings.append(f"HTML report not written: {type(e).__name__}: {e}")
    return ClipOutcome(task.rel, None, _metrics(result), tuple(warnings), render(result, "json"), html_text)


# --- writing -----------------------------------------------------------------------------------


def _outputs(out: Path, rel: str) -> tuple[Path, Path, Path]:
    base = out / CLIPS_DIR / rel
    return base.with_name(base.name + ".json"), base.with_name(base.name + ".html"), base.with_name(base.name + ROW_SUFFIX)


def _cached_row(manifest: Manifest, rel: str, content: str, settings: str) -> BatchRow | None:
    """The clip's earlier row, when its content and settings are unchanged and every file it names
    (row, JSON, HTML) is still as voicecoach wrote it; else None: the clip is analysed again."""
    json_path, html_path, row_path = _outputs(manifest.folder, rel)
    if not manifest.intact(row_path):
        return None
    try:
        data = json.loads(row_path.read_text(encoding="utf-8"))
        row = BatchRow(**data)
    except (OSError, ValueError, TypeError):
        return None
    if row.status != "ok" or row.content_sha256 != content or row.settings_sha256 != settings:
        return None
    if not manifest.intact(json_path) or (row.report_html is not None and not manifest.intact(html_path)):
        return None  # a report deleted or edited: the index must not link to a missing page
    return dataclasses.replace(row, cached=True)


def _check_folder(manifest: Manifest, force: bool) -> None:
    """A folder holding files voicecoach did not write is refused unless ``force``."""
    foreign = manifest.foreign_file()
    if foreign is not None and not force:
        raise VoicecoachError(
            f"{manifest.folder}: holds files voicecoach did not write (e.g. {foreign}); choose an empty folder or pass --force"
        )


# --- rows and cards (for plan.py) ----------------------------------------------------------------


def _sha(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _failed_row(rel: str, meta: ClipMeta | None, error: str, content: str = "", settings: str = "") -> BatchRow:
    m = meta or ClipMeta(None, None, None, None, None)
    return BatchRow(
        rel, m.agent, m.scenario, m.take, m.started_at, "failed", error, None, None, None, None, None, None,
        None, None, [], None, None, content, settings, kind=m.kind,
    )  # fmt: skip


def _cards(scenarios: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The card of each scenario that names one; a note for each that does not (its clips are
    analysed without coaching and left out of the skill-tag aggregates)."""
    from ..scenarios import load_card

    cards: dict[str, Any] = {}
    notes = []
    for s in sorted(scenarios):
        try:
            card = load_card(s)
        except VoicecoachError:
            notes.append(f"scenario {s}: no scenario card of that name, so no coaching and no skill tags for its clips")
            continue
        cards[s] = card
    return cards, notes


# --- the batch -----------------------------------------------------------------------------------


def run_batch(
    folder: str | os.PathLike,
    out: str | os.PathLike,
    options: pipeline.Options = pipeline.Options(),
    settings: BatchSettings = BatchSettings(),
    listeners: Listeners = Listeners(),
) -> BatchSummary:
    """Analyse every clip under ``folder`` into ``out`` and write summary.csv/json and index.html.

    One batch at a time writes into ``out``: a second gets a VoicecoachError naming the first, or
    with ``settings.wait`` waits for it. Ctrl-C (KeyboardInterrupt) stops the workers at once and
    raises ``Interrupted``; every clip finished by then is kept and reused by the next run.
    """
    t0 = time.monotonic()
    root, out_dir = Path(folder), Path(out)
    if not root.is_dir():
        raise AudioError(f"{root}: not a folder; give the folder holding the session's takes")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise VoicecoachError(f"{out_dir}: cannot create the output folder ({e.strerror}); choose another --out") from e
    choice = transcribe.resolve_model(options.model, allow_download=options.allow_download)
    run = _Run(root, options, choice, settings, listeners, t0)
    try:
        with folder_lock(out_dir, wait=settings.wait, on_wait=listeners.on_wait):
            remove_stale_temporaries(out_dir)  # only a killed voicecoach's own leftovers
            manifest = Manifest(out_dir)
            _check_folder(manifest, settings.force)
            with _cluster(settings.dask_scheduler) as client:  # before any work: a wrong address fails at once
                return _run(run, manifest, client)
    except KeyboardInterrupt:
        raise Interrupted(
            f"{out_dir}: interrupted; kept {_clips(run.done)} finished in this run; the same command goes on from there"
        ) from None


@dataclass
class _Run:
    root: Path
    options: pipeline.Options
    choice: Any  # transcribe.ModelChoice
    settings: BatchSettings
    listeners: Listeners
    t0: float
    done: int = 0  # clips finished in this run


def _clips(n: int) -> str:
    return f"{n} clip" if n == 1 else f"{n} clips"


def _run(run: _Run, manifest: Manifest, client) -> BatchSummary:
    from .plan import plan_batch

    settings, listeners = run.settings, run.listeners
    # local workers share this machine's cores: one Whisper thread each by default is ~20% more
    # clips per minute than every worker starting CTranslate2's 4 (see README, Benchmark)
    local_jobs = settings.jobs if client is None else 1
    threads = run.options.cpu_threads or (max(1, (os.cpu_count() or 1) // local_jobs) if local_jobs > 1 else 0)
    plan = plan_batch(run.root, manifest, run.options, run.choice, settings, threads)
    if listeners.on_start is not None:
        failed = sum(r.status == "failed" for r in plan.rows.values())
        listeners.on_start(plan.total, plan.total - len(plan.tasks) - failed)
    for row in plan.rows.values():  # metadata/read failures found while planning
        if row.status == "failed" and listeners.on_row is not None:
            listeners.on_row(row)
    with contextlib.closing(_outcomes(plan.tasks, settings.jobs, client)) as outcomes:
        for outcome in outcomes:
            row = _on_result(manifest, outcome, plan.metas[outcome.rel], plan.keys[outcome.rel])
            plan.rows[outcome.rel] = row
            run.done += 1
            if listeners.on_row is not None:
                listeners.on_row(row)

    ordered = [plan.rows[k] for k in sorted(plan.rows)]
    tags = {name: list(card.skill_tags) for name, card in plan.cards.items()}
    targets = {name: card.norms for name, card in plan.cards.items()}
    summary = summarize(run.root, plan.settings, ordered, tags, plan.notes, processed=len(plan.tasks),
                        elapsed_s=time.monotonic() - run.t0, targets=targets)  # fmt: skip
    agents = sorted({r.agent for r in ordered if r.agent})
    write_summary(manifest, summary, listeners.trends(agents) if listeners.trends is not None and agents else None)
    manifest.compact()
    return summary


def _lost(task: ClipTask, e: BaseException) -> ClipOutcome:
    return ClipOutcome(task.rel, error=f"{task.path}: worker process failed ({type(e).__name__}: {e})")


@contextlib.contextmanager
def _cluster(address: str | None):
    """A Dask client for the run (None: local workers), closed quickly even after a Ctrl-C."""
    if not address:
        yield None
        return
    from . import distributed

    client = distributed.connect(address)
    try:
        yield client
    finally:
        client.close(timeout=2)


def _outcomes(tasks: list[ClipTask], jobs: int, client) -> Iterator[ClipOutcome]:
    """The clips' outcomes as they finish, on the Dask cluster or in local worker processes.
    Closing it early (Ctrl-C) stops the workers at once."""
    if not tasks:
        return (o for o in ())  # closable, like the others
    if client is not None:
        from .distributed import run_dask

        return run_dask(client, tasks)
    from .local import run_pool

    return run_pool(analyze_clip, tasks, jobs, _lost)


def _on_result(manifest: Manifest, outcome: ClipOutcome, meta: ClipMeta, key: tuple[str, str]) -> BatchRow:
    """A finished clip, on the client: the one place its result is handled. Writes its files
    (JSON, HTML, then the row that marks it done), each recorded in the manifest, and returns its row."""
    content, settings = key
    out = manifest.folder
    json_path, html_path, row_path = _outputs(out, outcome.rel)
    if outcome.error is not None:
        for stale in (row_path, json_path, html_path):  # no earlier result may pass for this content
            manifest.remove(stale)
        return _failed_row(outcome.rel, meta, outcome.error, content, settings)
    manifest.write(json_path, outcome.json_text or "")
    if outcome.html_text is not None:
        manifest.write(html_path, outcome.html_text)
    else:
        manifest.remove(html_path)
    m = outcome.metrics or {}
    row = BatchRow(
        path=outcome.rel,
        agent=meta.agent,
        scenario=meta.scenario,
        take=meta.take,
        started_at=meta.started_at,
        kind=meta.kind,
        status="ok",
        error=None,
        warnings=list(outcome.warnings),
        report_json=json_path.relative_to(out).as_posix(),
        report_html=html_path.relative_to(out).as_posix() if outcome.html_text is not None else None,
        content_sha256=content,
        settings_sha256=settings,
        **_row_values(m),
    )
    manifest.write(row_path, json.dumps(to_dict(row), indent=2) + "\n")  # last: the clip counts as done
    return row


def summarize(
    root: Path, settings: dict[str, Any], rows: list[BatchRow], tags: dict[str, list[str]], notes: list[str], *,
    processed: int, elapsed_s: float, targets: dict[str, Any] | None = None,
) -> BatchSummary:
    """``tags``: each scenario's skill tags (from its card); ``notes``: batch-level warnings;
    ``targets``: each scenario's card norms, what progression's better/worse is judged against."""
    from ..analysis import progression

    return BatchSummary(
        folder=str(root),
        settings=settings,
        total=len(rows),
        ok=sum(r.status == "ok" for r in rows),
        failed=sum(r.status != "ok" for r in rows),
        processed=processed,
        cached=sum(r.cached for r in rows),
        elapsed_s=round(elapsed_s, 3),
        rows=rows,
        agents=progression.agent_progress(rows, targets),
        scenarios=progression.by_scenario(rows),
        skills=progression.by_skill(rows, tags),
        warnings=notes,
    )


def _csv(rows: list[BatchRow]) -> str:
    buf = io.StringIO()
    fields = csv_fields()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        d = to_dict(r)
        d.update(d.pop("extra_metrics", None) or {})  # metrics added after schema 1 get columns too
        d["warnings"] = " | ".join(r.warnings)
        d["report"] = r.report_html or r.report_json or ""
        d["started_at"] = _iso(r.started_at)
        d["targets_met"] = None if r.targets_checked is None else f"{r.targets_met}/{r.targets_checked}"
        d["unsure"] = " | ".join(f"{name}: {why}" for name, why in r.unsure.items())
        w.writerow({k: ("" if d.get(k) is None else d[k]) for k in fields})
    return buf.getvalue()


def _iso(value: str | None) -> str | None:
    """summary.csv's one time format: ISO 8601 to the second with its zone (sidecar or file time alike)."""
    from ..clock import iso_with_zone

    try:
        return iso_with_zone(value) if value else value
    except ValueError:
        return value


def write_summary(manifest: Manifest, summary: BatchSummary, trends: list[dict[str, Any]] | None = None) -> None:
    """summary.json, summary.csv and index.html; ``trends``: the agents' rows of the history's team
    table (``history.progress.team``), shown in the index over every recorded take."""
    from ..report import batch_index

    out = manifest.folder
    manifest.write(out / "summary.json", json.dumps(to_dict(summary), indent=2, allow_nan=False) + "\n")
    manifest.write(out / "summary.csv", _csv(summary.rows))
    manifest.write(out / "index.html", batch_index.render(summary, trends))
