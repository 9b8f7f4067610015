"""``voicecoach progress`` and ``voicecoach history import|export``: the practice history."""

from __future__ import annotations

from pathlib import Path

from ..history.store import resolve
from .base import CONTEXT, _options, _write, click, main


@main.command(context_settings=CONTEXT)
@click.option("--agent", metavar="NAME", help="Only this agent.")
@click.option("--scenario", metavar="ID", help="Only takes of this scenario.")
@click.option("--metric", "metrics", multiple=True, metavar="NAME", help="Only this metric (repeat for more), e.g. rate_wpm.")
@click.option("--since", metavar="DATE|30d|6w", help="Only takes from this date on.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--history", "history", metavar="PATH|URL", help="The practice history (default: $VOICECOACH_HISTORY, else the data folder's).")
def progress(agent, scenario, metrics, since, fmt, out, history):
    """Progress over weeks from the practice history: per agent and skill, each metric's personal
    baseline (median of the first 3 takes), the change from it (only when bigger than a
    listener notices and than the measurement's noise), first/best/latest, the trend per week,
    practice days and streaks; broken, too short or silent takes are listed and left out.
    Without --agent: the team table (agents x skills, trend arrows), and the charts when the
    history holds at most 12 agents.

    \b
    Examples:
      voicecoach progress --agent agent01
      voicecoach progress --format html --out progress.html
      voicecoach progress --metric rate_wpm --since 6w --format csv
    """
    from ..history import HistoryError
    from ..history.progress import tracked
    from ..history.views import parse_since, progress_report

    unknown = [m for m in metrics if m not in tracked()]
    if unknown:  # a usage error (exit 2), as for any bad option value
        raise click.BadParameter(f"{', '.join(unknown)}: not a tracked metric (one of {', '.join(tracked())})", param_hint="--metric")
    try:
        parse_since(since)
    except HistoryError as e:
        raise click.BadParameter(str(e).removeprefix("--since "), param_hint="--since") from None
    _write(progress_report(resolve(history), agent=agent, scenario=scenario, metrics=metrics, since=since, fmt=fmt, out=out), out)


@main.group(context_settings=CONTEXT)
def history():
    """The practice history every analysed take lands in: import existing takes, export all of it.

    \b
    Examples:
      voicecoach history import sessions/
      voicecoach history export --format parquet --out history.parquet
    """

@history.command("import", context_settings=CONTEXT)
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--agent", metavar="NAME", help="Agent of takes whose sidecar and folder do not name one.")
@click.option("--scenario", metavar="ID", help="Scenario of takes whose sidecar and folder do not name one.")
@click.option("--history", "target", metavar="PATH|URL", help="The practice history (default: $VOICECOACH_HISTORY, else the data folder's).")
def history_import(folder, agent, scenario, target):
    """Fill the history from FOLDER: a batch output (summary.json: its reports go in as they are)
    or a folder of takes (each analysed; AGENT/SCENARIO/take-NN.wav and sidecars say who and when).

    \b
    Examples:
      voicecoach history import sessions/
      voicecoach history import reports/2026-11-23
    """
    from ..history.imports import import_batch_output, import_takes
    from ..history.store import Store

    def shown(path: str) -> None:
        click.echo(f"recorded {path}", err=True)

    with Store(resolve(target)) as store:
        if (folder / "summary.json").is_file():
            n = import_batch_output(store, folder, shown)
        else:
            n = import_takes(store, folder, _options("auto", None, False), agent=agent, scenario=scenario, on_take=shown)
        click.echo(f"{n} takes recorded in {store.name}", err=True)

@history.command("export", context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Output file (CSV: default stdout; Parquet: required).")
@click.option("--history", "target", metavar="PATH|URL", help="The practice history (default: $VOICECOACH_HISTORY, else the data folder's).")
def history_export(fmt, out, target):
    """Write every take of the history, one row each with every metric, as CSV or Parquet.

    \b
    Examples:
      voicecoach history export --out history.csv
      voicecoach history export --format parquet --out history.parquet
    """
    from ..history import export
    from ..history.store import Store

    if fmt == "parquet" and out is None:
        raise click.UsageError("--format parquet needs --out FILE")
    with Store(resolve(target)) as store:
        if fmt == "csv":
            _write(export.to_csv(store), out)
        else:
            export.write_parquet(store, Path(out))
            click.echo(f"wrote {out}", err=True)
