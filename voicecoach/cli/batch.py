"""``voicecoach batch``: a trainer's session folder into one table."""

from __future__ import annotations

import sys
from pathlib import Path

from ..history.recording import BatchRecorder
from .base import (
    CONTEXT,
    _layout_options,
    _model_option,
    _options,
    click,
    history_options,
    main,
)


@main.command(context_settings=CONTEXT)
@click.argument("folder", type=click.Path(file_okay=False, path_type=str))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the reports and summaries.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Local worker processes (each loads the model once).")
@click.option("--dask-scheduler", metavar="ADDRESS", help="Send the clips to a Dask cluster, e.g. tcp://host:8786 (needs voicecoach[dask]).")
@click.option("--scenario", metavar="ID", help="Scenario for clips whose sidecar or folder does not name one.")
@_layout_options
@click.option("--reanalyse", "--reanalyze", "reanalyse", is_flag=True,
              help="Analyse every clip again, even when its content and settings are unchanged.")
@click.option("--force", is_flag=True,
              help="Write into an --out folder that holds files voicecoach did not write (they are never touched).")
@click.option("--wait", is_flag=True, help="If another batch is writing into --out, wait for it instead of stopping.")
@_model_option
@history_options
def batch(folder, out_dir, jobs, dask_scheduler, scenario, agent_channel, layout, agent_speaks, reanalyse, force, wait, model,
          allow_download, history, no_history):
    """Analyse every take in FOLDER (recursively) into --out: per-clip JSON/HTML reports,
    summary.csv, summary.json and index.html (progression per agent, aggregates per scenario and
    skill). Agent/scenario/take come from each clip's sidecar, else from AGENT/SCENARIO/take-NN.ext.
    A rerun reuses clips whose content and settings are unchanged and whose reports are intact.
    Ctrl-C stops at once, keeping every finished clip. Exit 1 when any clip failed.

    \b
    Examples:
      voicecoach batch sessions/2026-11-23 --out reports/2026-11-23 --scenario long-hold --agent-channel right
      voicecoach batch sessions/ --out reports/all --jobs 2
      voicecoach batch sessions/ --out reports/all --dask-scheduler tcp://scheduler.example:8786
    """
    from ..batch import BatchSettings, Listeners, Progress, run_batch

    progress = Progress(sys.stderr)
    recorder = BatchRecorder(history, no_history, folder, out_dir, then=progress.row)  # each clip into the history
    settings = BatchSettings(jobs=jobs, dask_scheduler=dask_scheduler, scenario=scenario, reanalyse=reanalyse, force=force,
                             wait=wait)  # fmt: skip
    listeners = Listeners(progress.start, recorder,
                          lambda holder: click.echo(f"waiting for {holder} to finish with {out_dir}", err=True),
                          recorder.trends)  # fmt: skip
    try:
        summary = run_batch(folder, out_dir, _options(agent_channel, model, allow_download, layout, agent_speaks), settings, listeners)
    finally:
        progress.close()
        recorder.close()
    click.echo(
        f"{summary.total} clips: {summary.ok} ok, {summary.failed} failed "
        f"({summary.processed} analysed, {summary.cached} reused); see {Path(out_dir) / 'index.html'}",
        err=True,
    )
    return 1 if summary.failed else 0
