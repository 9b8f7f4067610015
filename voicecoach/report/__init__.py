"""Renderers: a result in, a string out. One writer per format, picked from a dict."""

from __future__ import annotations

from typing import Any, Callable

from . import compare_report, html, html_compare, json_report, markdown, text

RENDERERS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json_report.render,
    "markdown": markdown.render,
    "html": html.render,  # html.render(analysis, media=report.media.of(analyzed)) adds audio and plots
}

COMPARE_RENDERERS: dict[str, Callable[..., str]] = {
    "text": compare_report.render_text,
    "json": json_report.render,
    "markdown": compare_report.render_markdown,
    "html": html_compare.render,  # takes analyses=[...] and media=[...] (report.media.of) for timelines and audio
}

CONTEXT_FORMATS = {"html"}  # renderers that accept extra keyword context (media, analyses)


def render_clip(analyzed: Any, fmt: str) -> str:
    """Render one clip (a ``pipeline.Analyzed``); the HTML page also embeds the audio the pipeline
    decoded and plots the level and pitch tracks it measured (nothing is decoded again)."""
    if fmt != "html":
        return render(analyzed.analysis, fmt)
    from . import media

    return render(analyzed.analysis, fmt, media=media.of(analyzed))


def render(result: Any, fmt: str, **context: Any) -> str:
    """Render ``result`` (an Analysis or a Comparison) as ``fmt``; ``context`` reaches only the
    renderers in CONTEXT_FORMATS."""
    from ..results import Comparison

    table = COMPARE_RENDERERS if isinstance(result, Comparison) else RENDERERS
    if fmt in CONTEXT_FORMATS:
        return table[fmt](result, **context)
    return table[fmt](result)
