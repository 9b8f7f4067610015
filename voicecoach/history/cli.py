"""The history's commands and options: ``voicecoach progress``, ``voicecoach history import|export``
and the ``--history``/``--no-history`` options of analyze, compare and practice.

Imports click: kept apart from voicecoach/cli.py to limit edits there while other work lands in it;
voicecoach/cli.py calls ``register(main)`` (to be folded into cli.py, the one click module).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from .store import HistoryError, resolve

DETAIL_MAX_AGENTS = 12  # without --agent, charts for every agent only up to this many; the team table always
_RELATIVE = re.compile(r"^(\d+)([dw])$")


def history_options(f):
    f = click.option("--no-history", is_flag=True, help="Do not record this take in the practice history.")(f)
    return click.option("--history", "history", metavar="PATH|URL",
                        help="Practice history: a SQLite file or a postgresql:// URL. Default: $VOICECOACH_HISTORY, "
                             "else history.sqlite in the data folder (~/.local/share/voicecoach).")(f)  # fmt: skip


def record_clip(history: str | None, no_history: bool, analysis, clip: str, **kw) -> None:
    """Record one analysed take. A history named by --history or $VOICECOACH_HISTORY that fails is an
    error; the default one only warns (a read-only home must not fail an analysis)."""
    from . import record
    from .store import default_location

    target = resolve(history, disabled=no_history)
    if target is None or not Path(clip).is_file():
        return
    try:
        record(target, analysis, clip, **kw)
    except HistoryError as e:
        if target != str(default_location()):
            raise
        click.echo(f"warning: not recorded in the history: {e}", err=True)


class BatchRecorder:
    """``on_row`` of ``voicecoach batch``: passes each finished clip's row on, then records the clip
    (its JSON report as written) in the history, one store held open for the whole batch. A history
    that fails warns once and the batch goes on without it ('history import OUT' fills it later)."""

    def __init__(self, history: str | None, no_history: bool, folder: str, out_dir: str, then=None):
        self.target = resolve(history, disabled=no_history)
        self.folder, self.out_dir, self.then = Path(folder).resolve(), Path(out_dir).resolve(), then
        self.store = None

    def __call__(self, row) -> None:
        from dataclasses import asdict

        from .imports import from_batch_row
        from .store import Store

        if self.then is not None:
            self.then(row)
        if self.target is None:
            return
        try:
            self.store = self.store or Store(self.target)
            self.store.record(from_batch_row(asdict(row), self.folder, self.out_dir))
        except HistoryError as e:
            click.echo(f"warning: the batch is not recorded in the history: {e}", err=True)
            self.target = None

    def trends(self, agents: list[str]) -> list[dict]:
        """Listeners.trends: each agent's rows of the team table over every take in the history
        (this batch's clips and all recorded before, from any folder); none without a history."""
        from .progress import team
        from .store import Store

        if self.target is None:
            return []
        try:
            self.store = self.store or Store(self.target)
            return [row for agent in agents for row in team(self.store, agent=agent)]
        except HistoryError as e:
            click.echo(f"warning: no history trends in the batch index: {e}", err=True)
            return []

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def _since(value: str | None) -> float | None:
    """--since: a date (2026-11-01), an ISO time, or 30d / 6w back from now."""
    if value is None:
        return None
    m = _RELATIVE.match(value.strip())
    if m:
        days = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
        return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).timestamp()
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use a date (2026-11-01), an ISO time or 30d / 6w", param_hint="--since") from None
    return (t if t.tzinfo else t.astimezone()).timestamp()


def _write(text: str, out: str | None) -> None:
    from ..cli import _write as write

    write(text, out)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def register(main: click.Group) -> None:
    """Add ``progress`` and the ``history`` group to the voicecoach command."""
    main.add_command(progress)
    main.add_command(history)



@click.command(context_settings=CONTEXT)
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
    from . import render
    from .progress import build_groups, team, tracked
    from .store import Store

    known = tracked()
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: not a tracked metric (one of {', '.join(known)})", param_hint="--metric")
    since_ts = _since(since)
    with Store(resolve(history)) as store:
        agents = store.db.execute("SELECT COUNT(DISTINCT agent) FROM takes").fetchone()[0]
        note, groups = None, []
        if agent is not None or agents <= DETAIL_MAX_AGENTS:
            groups = build_groups(store.takes(agent=agent, scenario=scenario, since_ts=since_ts, metrics=list(metrics) or None),
                                  list(metrics) or None)
        else:
            note = f"{agents} agents: pass --agent NAME for one agent's baseline, trend and charts"
        table = team(store, metrics=list(metrics) or None, scenario=scenario, since_ts=since_ts, agent=agent)
    if fmt == "json":
        _write(render.to_json(groups, table), out)
    elif fmt == "csv":
        _write(render.to_csv(groups), out)
    elif fmt == "html":
        from .html import render as html

        _write(html(groups, table, out=out, note=note), out)
    else:
        _write(render.text(groups, table, note=note), out)

@click.group(context_settings=CONTEXT)
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
    from ..pipeline import Options
    from .imports import import_batch_output, import_takes
    from .store import Store

    def shown(path: str) -> None:
        click.echo(f"recorded {path}", err=True)

    with Store(resolve(target)) as store:
        if (folder / "summary.json").is_file():
            n = import_batch_output(store, folder, shown)
        else:
            n = import_takes(store, folder, Options(), agent=agent, scenario=scenario, on_take=shown)
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
    from . import export
    from .store import Store

    if fmt == "parquet" and out is None:
        raise click.UsageError("--format parquet needs --out FILE")
    with Store(resolve(target)) as store:
        if fmt == "csv":
            _write(export.to_csv(store), out)
        else:
            export.write_parquet(store, Path(out))
            click.echo(f"wrote {out}", err=True)
