"""``voicecoach analyze`` and ``voicecoach compare``: one take, or reruns of one scene side by side."""

from __future__ import annotations

import sys

from ..history.recording import record_clip
from .base import (
    CONTEXT,
    FORMATS,
    _layout_options,
    _model_option,
    _options,
    _progress_printer,
    _recorded_scenario,
    _write,
    click,
    history_options,
    main,
)


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

    from ..pipeline import analyze_clip
    from ..report import render_clip

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

    from ..compare import compare as compare_takes
    from ..pipeline import analyze_clip
    from ..report import render

    if len(clips) < 2:
        raise click.UsageError("compare needs at least two clips (take 1 first)")
    card = None
    if scenario:
        from ..scenarios import load_card

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
            from ..report.media import of

            media.append(of(analyzed))
    result = compare_takes(analyses, card.norms if card else None, scenario=card.id if card else None)
    if fmt == "html":
        _write(render(result, fmt, analyses=analyses, media=media), out)
        return
    _write(render(result, fmt), out)
