"""``voicecoach history export``: every take as one row (its columns, then one column per metric),
to CSV or Parquet (pyarrow, the optional extra ``history``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from .store import TAKE_COLUMNS, HistoryError, Store


def table(store: Store) -> tuple[list[str], list[dict[str, Any]]]:
    """(column names, rows): take columns, then the metrics in name order (empty where not measured)."""
    takes = store.takes()
    names = sorted({m for t in takes for m in t["metrics"]})
    base = ["id", *TAKE_COLUMNS]
    rows = [{**{c: t[c] for c in base}, **{m: t["metrics"][m][0] if m in t["metrics"] else None for m in names}} for t in takes]
    return base + names, rows


def to_csv(store: Store) -> str:
    cols, rows = table(store)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def write_parquet(store: Store, out: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise HistoryError(f"{out}: Parquet export needs pyarrow: pip install 'voicecoach[history]' (or use --format csv)") from e
    import os

    from ..files import temp_path

    cols, rows = table(store)
    tmp = temp_path(out)
    try:
        pq.write_table(pa.Table.from_pylist(rows) if rows else pa.table({c: [] for c in cols}), str(tmp))
        os.replace(tmp, out)  # atomic: a reader never sees half a file
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise HistoryError(f"{out}: cannot write ({e.strerror}); choose another --out") from e
