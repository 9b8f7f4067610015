"""``voicecoach batch``: a folder of takes in, one row per clip and a summary out.

``walk`` finds the clips and what each one is; ``plan`` reuses those unchanged and intact and lists
the work for the rest; ``run`` hands it to ``local`` worker processes or a ``distributed`` Dask
cluster, writes each result as it comes back (``run._on_result``) and the summaries at the end; ``manifest`` records every file written, so
nothing else in ``--out`` is ever touched; ``progress`` draws it on stderr.
"""

from .progress import Progress
from .run import (
    csv_fields,
    BatchSettings,
    Listeners,
    _metrics,
    analyze_clip,
    run_batch,
    summarize,
    write_summary,
)

__all__ = ["csv_fields", "BatchSettings", "Listeners", "Progress", "_metrics", "analyze_clip", "run_batch", "summarize", "write_summary"]
