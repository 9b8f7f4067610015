"""The Jinja2 environment of the HTML reports: templates in ``templates/``, every value autoescaped.

Imported only by the HTML renderers, and Jinja2 itself only on the first render, so ``voicecoach
--help`` never pays for it.
"""

from __future__ import annotations

import functools
import html
from typing import Any


def _entities(value: Any) -> Any:
    """Every printed value as escaped text with html.escape's named entities (``&quot;``), the
    spelling the reports have always written (markupsafe would write ``&#34;``): the same safety,
    pages byte-stable across the move to templates. Markup (our SVG figures) passes as it is;
    None prints nothing."""
    from markupsafe import Markup

    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


@functools.cache
def environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("voicecoach.report", "templates"),
        autoescape=True,
        finalize=_entities,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, **context: Any) -> str:
    """The template ``templates/<name>`` rendered with ``context``."""
    return environment().get_template(name).render(**context)


def trusted(markup: str) -> Any:
    """Markup we produced ourselves (matplotlib's SVG, its text already escaped by matplotlib): inserted as is."""
    from markupsafe import Markup

    return Markup(markup)
