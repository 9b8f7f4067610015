"""Command line: parse, call the library, render, echo. click is imported once, in ``base``; the other modules take it from there.

``base`` holds the ``voicecoach`` group and what commands share; each other module adds its
commands to it: ``analyze`` (analyze, compare), ``capture`` (devices, record, practice, enrol),
``batch``, ``catalog`` (models, scenarios), ``history`` (progress, history import|export) and
``serve``. Every library import inside a command is lazy, so ``voicecoach --help`` stays fast.
"""

from . import analyze, batch, capture, catalog, history, serve  # noqa: F401  (each adds its commands)
from .base import main

__all__ = ["main"]
