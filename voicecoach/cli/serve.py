"""``voicecoach serve``: the practice room, takes and the trainer's dashboard in a local web page."""

from __future__ import annotations

from .base import CONTEXT, click, main


@main.command(context_settings=CONTEXT)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs the access token printed at start.")
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=str),
              help="Folder for takes, uploads, reports and batch outputs. Default: the data folder's serve/ "
                   "($VOICECOACH_DATA, else ~/.local/share/voicecoach).")
@click.option("--history", "history", metavar="PATH|URL",
              help="The practice history. Default: $VOICECOACH_HISTORY, else history.sqlite in the data folder.")
@click.option("--max-upload-mb", type=click.FloatRange(min=1), default=200, show_default=True, help="Largest upload accepted.")
@click.option("--model", metavar="PATH|NAME", help="Whisper model (as for analyze). Default: $VOICECOACH_MODEL, else tiny.en.")
def serve(port, host, data, history, max_upload_mb, model):
    """Practise, review takes, follow progress and analyse folders in a local web page.

    Nothing leaves the machine: the page talks only to this server, which uses the same engine as
    the commands. Binds to 127.0.0.1 by default.

    \b
    Examples:
      voicecoach serve
      voicecoach serve --port 9000 --data ~/practice
      voicecoach serve --host 0.0.0.0   # other machines: open the printed address with its token
    """
    import os
    from pathlib import Path

    from ..errors import VoicecoachError
    from ..history import resolve
    from ..voices import data_dir

    try:
        from ..web.app import serve as run
    except ImportError as e:
        raise VoicecoachError(f"serve needs the web extra ({e.name} is missing): pip install 'voicecoach[web]'") from e
    from ..web.engine import Engine
    from ..web.security import Guard

    folder = Path(data).expanduser() if data else data_dir() / "serve"
    engine = Engine(folder, resolve(history), model=model or os.environ.get("VOICECOACH_MODEL") or None)
    guard = Guard(host=host, max_upload_bytes=int(max_upload_mb * 1e6))
    _check_port(host, port)
    run(engine, guard, port, echo=lambda line: click.echo(line, err=True))


def _check_port(host: str, port: int) -> None:
    """A port in use or a host not on this machine: one line now, not uvicorn's log later."""
    import socket

    from ..errors import VoicecoachError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            s.bind(infos[0][4])
    except OSError as e:
        raise VoicecoachError(f"{host}:{port}: cannot listen there ({e.strerror or e}); choose another --port or --host") from e
