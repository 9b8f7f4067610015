"""Renderers: a result in, a string out. One writer per format, picked from a dict."""

from __future__ import annotations

from typing import Any, Callable

from . import json_report, text

RENDERERS: dict[str, Callable[[Any], str]] = {
    "text": text.render,
    "json": json_report.render,
}


def render(result: Any, fmt: str) -> str:
    return RENDERERS[fmt](result)
