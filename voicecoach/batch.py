"""``voicecoach batch``: a folder of takes in, one row per clip and a summary out.

Every clip goes through ``pipeline.analyze`` (the one road). Work runs in this process (``jobs=1``),
in a pool of local worker processes that each load the Whisper model once and are reused for every
clip, or on a Dask distributed cluster whose workers do the same. Results are written only by this
process, atomically (temporary file, then ``os.replace``), so a killed batch leaves no half file,
and a clip whose content hash and settings match its earlier result is not analysed again.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from . import __version__, metrics, pipeline, transcribe
from .batch_progress import Progress  # noqa: F401  (re-exported for the CLI)
from .batch_walk import ClipMeta, clip_meta, discover, file_sha256
from .errors import AudioError, VoicecoachError
from .files import atomic_write_text as atomic_write, folder_lock, remove_stale_temporaries
from .results import SCHEMA_VERSION, BatchRow, BatchSummary, to_dict

CLIPS_DIR = "clips"
ROW_SUFFIX = ".row.json"
CSV_HEAD = ["path", "agent", "scenario", "take", "kind", "started_at", "duration_s"]
CSV_TAIL = ["agent_channel", "warnings", "status", "error", "report"]


def csv_fields() -> list[str]:
    """summary.csv's columns: the clip, every metric the registry puts in the CSV, then the outcome."""
    return CSV_HEAD + [m.name for m in metrics.where(metrics.CSV)] + CSV_TAIL
DASK_HINT = "pip install 'voicecoach[dask]'"


@dataclass(frozen=True)
class ClipTask:
    """One clip's work, sent to a worker (picklable: plain values only)."""

    path: str
    rel: str
    options: pipeline.Options


@dataclass(frozen=True)
class ClipOutcome:
    rel: str
    error: str | None = None
    metrics: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    json_text: str | None = None
    html_text: str | None = None


def _metrics(result) -> dict[str, Any]:
    """The row's values: duration, every batch metric of the registry (a number in doubt withheld as
    None, its reason in the clip's warnings) and the agent's channel."""
    return {
        "duration_s": result.duration_s,
        **metrics.batch_values(result),
        "agent_channel": result.agent_channel.channel if result.agent_channel else None,
    }


_ROW_FIELDS = frozenset(f.name for f in dataclasses.fields(BatchRow))


def _row_values(values: dict[str, Any]) -> dict[str, Any]:
    """BatchRow keyword arguments: schema-1 columns as fields, later registry metrics in extra_metrics."""
    extra = {k: v for k, v in values.items() if k not in _ROW_FIELDS}
    return {**{k: v for k, v in values.items() if k in _ROW_FIELDS}, "extra_metrics": extra}


def analyze_clip(task: ClipTask) -> ClipOutcome:
    """The per-clip work on a worker: never raises, a failure comes back as ``error``."""
    from .report import render, render_clip

    try:
        analyzed = pipeline.analyze_clip(task.path, task.options)
        result = analyzed.analysis
    except VoicecoachError as e:
        return ClipOutcome(task.rel, error=str(e))
    except Exception as e:  # one bad clip never stops the batch; the message keeps the bug's type
        return ClipOutcome(task.rel, error=f"{task.path}: internal error {type(e).__name__}: {e}")
    warnings = list(result.warnings)
    html_text = None
    try:
        html_text = render_clip(analyzed, "html")  # the decoded audio and tracks: nothing decoded twice
    except Exception as e:  # the JSON result stands even when the page cannot be drawn
        warnings.append(f"HTML report not written: {type(e).__name__}: {e}")
    return ClipOutcome(task.rel, None, _metrics(result), tuple(warnings), render(result, "json"), html_text)


# --- writing -----------------------------------------------------------------------------------


def _outputs(out: Path, rel: str) -> tuple[Path, Path, Path]:
    base = out / CLIPS_DIR / rel
    return base.with_name(base.name + ".json"), base.with_name(base.name + ".html"), base.with_name(base.name + ROW_SUFFIX)


def _cached_row(out: Path, rel: str, content: str, settings: str) -> BatchRow | None:
    json_path, _, row_path = _outputs(out, rel)
    try:
        data = json.loads(row_path.read_text(encoding="utf-8"))
        row = BatchRow(**data)
    except (OSError, ValueError, TypeError):
        return None
    if row.status != "ok" or row.content_sha256 != content or row.settings_sha256 != settings or not json_path.is_file():
        return None
    return dataclasses.replace(row, cached=True)


# --- executors -----------------------------------------------------------------------------------


def _run_here(tasks: list[ClipTask]) -> Iterator[ClipOutcome]:
    for t in tasks:
        yield analyze_clip(t)


def _run_pool(tasks: list[ClipTask], jobs: int) -> Iterator[ClipOutcome]:
    import multiprocessing

    # spawn: a clean interpreter per worker (no forked threads or locks); each worker then keeps
    # its process, and with it the lru_cached Whisper model, for every clip it is given
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(analyze_clip, t): t for t in tasks}
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                yield fut.result()
            except Exception as e:  # a worker died (out of memory, killed): the clip fails, the batch goes on
                yield ClipOutcome(task.rel, error=f"{task.path}: worker process failed ({type(e).__name__}: {e})")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_client(address: str):
    """Connect before any work starts, so a wrong address or a missing extra fails at once."""
    try:
        from dask.distributed import Client
    except ImportError as e:
        raise VoicecoachError(f"--dask-scheduler {address}: Dask is not installed; run {DASK_HINT}") from e
    try:
        return Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError) as e:
        raise VoicecoachError(
            f"--dask-scheduler {address}: cannot reach the Dask scheduler ({e}); check the address "
            "(e.g. tcp://host:8786) and that the scheduler is running"
        ) from e


def _run_dask(tasks: list[ClipTask], client) -> Iterator[ClipOutcome]:
    from dask.distributed import as_completed as dask_completed

    if tasks:
        futures = client.map(analyze_clip, tasks, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        for fut in dask_completed(futures):
            task = by_key[fut.key]
            try:
                yield fut.result()
            except Exception as e:  # KilledWorker, lost connection: this clip fails, the batch goes on
                yield ClipOutcome(task.rel, error=f"{task.path}: Dask worker failed ({type(e).__name__}: {e})")


# --- the batch -----------------------------------------------------------------------------------


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
    from .scenarios import load_card

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


def run_batch(
    folder: str | os.PathLike,
    out: str | os.PathLike,
    options: pipeline.Options = pipeline.Options(),
    *,
    jobs: int = 1,
    dask_scheduler: str | None = None,
    scenario: str | None = None,
    force: bool = False,
    wait: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_row: Callable[[BatchRow], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> BatchSummary:
    """Analyse every clip under ``folder`` into ``out`` and write summary.csv/json and index.html.

    ``on_start(total, cached)`` is called once the work is planned, ``on_row`` once per clip as it
    finishes (cached clips are not reported one by one). One batch at a time writes into ``out``:
    a second gets a VoicecoachError naming the first, or with ``wait`` waits for it (``on_wait``).
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
    with folder_lock(out_dir, wait=wait, on_wait=on_wait):
        remove_stale_temporaries(out_dir)  # only a killed voicecoach's own leftovers
        client = _dask_client(dask_scheduler) if dask_scheduler else None
        try:
            return _run(root, out_dir, options, choice, client, jobs=jobs, scenario=scenario, force=force,
                        on_start=on_start, on_row=on_row, t0=t0)  # fmt: skip
        finally:
            if client is not None:
                client.close()


def _run(root, out_dir, options, choice, client, *, jobs, scenario, force, on_start, on_row, t0) -> BatchSummary:
    # local workers share this machine's cores: one Whisper thread each by default is ~20% more
    # clips per minute than every worker starting CTranslate2's 4 (see README, Benchmark)
    threads = options.cpu_threads or (max(1, (os.cpu_count() or 1) // jobs) if client is None and jobs > 1 else 0)
    settings = {
        "voicecoach": __version__,
        "schema_version": SCHEMA_VERSION,
        "model": choice.label,
        "agent_channel": options.agent_channel,
        "layout": options.layout,
        "agent_speaks": options.agent_speaks,
        "language": options.language,
        "beam_size": options.beam_size,
    }
    clips = discover(root, exclude=out_dir)
    if not clips:
        raise AudioError(f"{root}: no audio files found (WAV, FLAC, OGG, MP3, M4A); check the folder")

    rows: dict[str, BatchRow] = {}
    metas: dict[str, ClipMeta] = {}
    keys: dict[str, tuple[str, str]] = {}
    hashes: dict[str, str] = {}
    tasks: list[ClipTask] = []
    for path in clips:
        rel = path.relative_to(root).as_posix()
        try:
            metas[rel] = clip_meta(path, root, default_scenario=scenario)
            hashes[rel] = file_sha256(path)
        except (VoicecoachError, OSError) as e:
            metas.pop(rel, None)
            rows[rel] = _failed_row(rel, None, str(e) if isinstance(e, VoicecoachError) else f"{path}: cannot be read ({e})")
    cards, notes = _cards({m.scenario for m in metas.values() if m.scenario})
    for rel, meta in metas.items():
        path, content = root / rel, hashes[rel]
        card = cards.get(meta.scenario or "")
        # each clip's own channel: the sidecar's, over the batch-wide --agent-channel (then auto)
        channel = meta.agent_channel or options.agent_channel
        clip_settings = _sha({**settings, "location": choice.location, "scenario": meta.scenario,
                              "card": repr(card), "sidecar": meta.sidecar_sha256, "agent_channel": channel})  # fmt: skip
        keys[rel] = (content, clip_settings)
        cached = None if force else _cached_row(out_dir, rel, content, clip_settings)
        if cached is not None:
            rows[rel] = dataclasses.replace(
                cached, agent=meta.agent, scenario=meta.scenario, take=meta.take, started_at=meta.started_at, kind=meta.kind
            )
            continue
        coached = meta.scenario if card is not None else None  # coach against the card when there is one
        # "auto" lets the pipeline read the sidecar's channel and report it as chosen by the sidecar
        clip_channel = "auto" if meta.agent_channel else options.agent_channel
        tasks.append(ClipTask(str(path), rel, dataclasses.replace(options, scenario=coached, cpu_threads=threads,
                                                                  agent_channel=clip_channel)))  # fmt: skip

    if on_start is not None:
        on_start(len(clips), len(clips) - len(tasks) - sum(r.status == "failed" for r in rows.values()))
    for rel, row in rows.items():  # metadata/read failures found while planning
        if row.status == "failed" and on_row is not None:
            on_row(row)

    if not tasks:
        outcomes: Iterator[ClipOutcome] = iter(())
    elif client is not None:
        outcomes = _run_dask(tasks, client)
    elif jobs > 1 and len(tasks) > 1:
        outcomes = _run_pool(tasks, jobs)
    else:
        outcomes = _run_here(tasks)
    for outcome in outcomes:
        row = _finish(out_dir, outcome, metas[outcome.rel], *keys[outcome.rel])
        rows[outcome.rel] = row
        if on_row is not None:
            on_row(row)

    ordered = [rows[k] for k in sorted(rows)]
    tags = {name: list(card.skill_tags) for name, card in cards.items()}
    targets = {name: card.norms for name, card in cards.items()}
    summary = summarize(root, settings, ordered, tags, notes, processed=len(tasks), elapsed_s=time.monotonic() - t0,
                        targets=targets)  # fmt: skip
    write_summary(out_dir, summary)
    return summary


def _finish(out: Path, outcome: ClipOutcome, meta: ClipMeta, content: str, settings: str) -> BatchRow:
    """Write one clip's files (JSON, HTML, then the row that marks it done) and return its row."""
    json_path, html_path, row_path = _outputs(out, outcome.rel)
    if outcome.error is not None:
        for stale in (row_path, json_path, html_path):  # no earlier result may pass for this content
            stale.unlink(missing_ok=True)
        return _failed_row(outcome.rel, meta, outcome.error, content, settings)
    atomic_write(json_path, outcome.json_text or "")
    if outcome.html_text is not None:
        atomic_write(html_path, outcome.html_text)
    else:
        html_path.unlink(missing_ok=True)
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
    atomic_write(row_path, json.dumps(to_dict(row), indent=2) + "\n")  # last: the clip counts as done
    return row


def summarize(
    root: Path, settings: dict[str, Any], rows: list[BatchRow], tags: dict[str, list[str]], notes: list[str], *,
    processed: int, elapsed_s: float, targets: dict[str, Any] | None = None,
) -> BatchSummary:
    """``tags``: each scenario's skill tags (from its card); ``notes``: batch-level warnings;
    ``targets``: each scenario's card norms, what progression's better/worse is judged against."""
    from .analysis import progression

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
        w.writerow({k: ("" if d.get(k) is None else d[k]) for k in fields})
    return buf.getvalue()


def write_summary(out: Path, summary: BatchSummary) -> None:
    from .report import batch_index

    atomic_write(out / "summary.json", json.dumps(to_dict(summary), indent=2, allow_nan=False) + "\n")
    atomic_write(out / "summary.csv", _csv(summary.rows))
    atomic_write(out / "index.html", batch_index.render(summary))
