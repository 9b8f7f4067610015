"""``voicecoach devices``, ``record``, ``practice`` and ``enrol``: takes from a microphone."""

from __future__ import annotations

import os

from .base import (
    CONTEXT,
    _model_option,
    _nudges_option,
    _options,
    click,
    history_options,
    main,
)


@main.command(context_settings=CONTEXT)
def devices():
    """List audio input and output devices; '>' marks the default input, '<' the default output.

    \b
    Example:
      voicecoach devices
    """
    from ..errors import DeviceError
    from ..record import NO_INPUT, list_devices

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
    from ..console import LevelMeter, StdinLines
    from ..live import LiveAnalyser
    from ..record import record as run_record

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

    from ..history import resolve
    from ..practice import PracticeOptions, Session
    from ..scenarios import load_card

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
    from ..voices import enrol as store

    path, profile = store(agent, clip)
    pitch = f"median pitch {profile.pitch_hz:.0f} Hz" if profile.pitch_hz else "no voiced speech found"
    click.echo(f"enrolled {agent}: {profile.speech_s:.1f} s of speech, {pitch}; wrote {path}", err=True)
