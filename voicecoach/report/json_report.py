"""JSON: the Analysis as a dict (schema_version first), no NaN."""

from __future__ import annotations

import json
from typing import Any

from ..results import to_dict


def render(result: Any) -> str:
    return json.dumps(to_dict(result), indent=2, allow_nan=False) + "\n"
