"""The customer's lines played during a mono take (``voicecoach practice --cues``): their times
from the take's sidecar, and the agent's speech with the cues' bleed into the mic cut out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import activity
from .analysis import pacing
from .errors import AudioError
from .results import Segment

if TYPE_CHECKING:
    from .parties import Party

CUE_TAIL_S = 0.15  # a played cue still rings in the room (and the mic) this long after it ends
CUE_BLEED_WARN_S = 0.5


@dataclass(frozen=True)
class Cue:
    """A customer line played during a mono take, on the recording's clock."""

    start_s: float
    end_s: float
    text: str = ""


def sidecar_cues(path: str | Path) -> tuple[Cue, ...] | None:
    """The customer cues logged by ``voicecoach practice --cues`` in the take's sidecar, if any."""
    from .sidecar import read_sidecar

    data = read_sidecar(path) or {}
    cues = data.get("cues")
    if not isinstance(cues, list) or not cues:
        return None
    try:
        return tuple(Cue(float(c["start_s"]), float(c["end_s"]), str(c.get("text", ""))) for c in cues)
    except (TypeError, KeyError, ValueError) as e:
        raise AudioError(f"{path}: the sidecar's cues are malformed ({e}); each needs start_s and end_s") from e


def without_cue_bleed(party: Party, cues: tuple[Cue, ...], warnings: list[str]) -> Party:
    """The agent with every stretch that overlaps a played cue (plus its echo tail) cut out.
    Without a headset the cue plays into the mic and would count as agent speech; the price is
    that talking over a cue cannot be timed on a mono take. A warning in ``warnings`` when
    ``CUE_BLEED_WARN_S`` or more was cut (the cues reached the mic)."""
    windows = [Segment(c.start_s, c.end_s + CUE_TAIL_S) for c in cues]
    kept = activity.subtract(party.act.segments, windows)
    removed = party.act.speaking_s - sum(seg.duration_s for seg in kept)
    words = [p.word for p in party.placed if not any(w.start_s <= (p.word.start_s + p.word.end_s) / 2 <= w.end_s for w in windows)]
    placed = pacing.assign_words(words, kept, party.name)
    own = tuple(f for f in party.fillers if not any(w.start_s < f["end_s"] and f["start_s"] < w.end_s for w in windows))
    if removed >= CUE_BLEED_WARN_S:
        warnings.append(
            f"{removed:.1f} s of sound while the caller's lines played was not counted as the agent "
            "(the cues reached the mic): practise with a headset so talking over the caller can be timed"
        )
    return replace(party, act=replace(party.act, segments=kept), placed=placed, fillers=own)
