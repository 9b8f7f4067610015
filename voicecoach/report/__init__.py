"""Renderers: a result in, a string out. One writer per format, picked from a dict."""

from __future__ import annotations

from typing import Any, Callable

from . import compare_report, html, html_compare, json_report, markdown, text

RENDERERS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json_report.render,
    "markdown": markdown.render,
    "html": html.render,  # html.render(analysis, media=report.media.load(...)) adds audio and plots
}

COMPARE_RENDERERS: dict[str, Callable[..., str]] = {
    "text": compare_report.render_text,
    "json": json_report.render,
    "markdown": compare_report.render_markdown,
    "html": html_compare.render,  # takes analyses=[...] and media=[...] for timelines and audio
}

CONTEXT_FORMATS = {"html"}  # renderers that accept extra keyword context (media, analyses)


def render_clip(result: Any, fmt: str, clip: str, *, agent_channel: str = "left") -> str:
    """Render one clip's Analysis; the HTML page also embeds the clip's audio and plots its level
    and pitch (decoded again from ``clip``, which must be the file the Analysis came from)."""
    if fmt != "html":
        return render(result, fmt)
    from . import media

    return render(result, fmt, media=media.load(clip, result, agent_channel=agent_channel))


def render(result: Any, fmt: str, **context: Any) -> str:
    """Render ``result`` (an Analysis or a Comparison) as ``fmt``; ``context`` reaches only the
    renderers in CONTEXT_FORMATS."""
    from ..results import Comparison

    table = COMPARE_RENDERERS if isinstance(result, Comparison) else RENDERERS
    if fmt in CONTEXT_FORMATS:
        return table[fmt](result, **context)
    return table[fmt](result)
