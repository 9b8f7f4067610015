"""The practice history: a local SQLite file by default, or a shared PostgreSQL database.

``open_store(target)`` takes a path (SQLite) or a ``postgresql://`` URL and returns a ``Store``
migrated to the current schema (schema.py). The same SQL runs on both: it is written with ``?``
placeholders and the PostgreSQL connection turns them into psycopg's ``%s`` (``_Pg.execute``).

SQLite runs in WAL mode with a 30 s busy timeout and every write in one ``BEGIN IMMEDIATE``
transaction, so several writers at once (a batch with ``--jobs 4`` and a practice session) queue
for the write lock rather than fail, and a writer killed mid-transaction leaves the previous state
(SQLite's journal rolls it back on the next open). On PostgreSQL each write is one transaction and
the migration holds an advisory lock, so two first writers do not both create the tables.

Where: ``--history PATH|URL``, else ``$VOICECOACH_HISTORY``, else ``history.sqlite`` in the data
folder (voices.data_dir: $VOICECOACH_DATA, else $XDG_DATA_HOME/voicecoach, else
~/.local/share/voicecoach). ``--no-history`` records nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import VoicecoachError
from . import schema

BUSY_TIMEOUT_S = 30.0
_PG_LOCK = 0x766F6963  # "voic": the advisory lock the migration holds on PostgreSQL

TAKE_COLUMNS = (
    "content_sha256", "source_path", "agent", "scenario", "skill", "kind", "take_number", "taken_at", "taken_ts",
    "model", "settings", "duration_s", "status", "status_reason", "targets_met", "targets_checked",
    "rate_confidence", "opening_confidence", "fillers_confidence", "targets", "debrief", "warnings",
    "report_path", "recorded_at",
)  # fmt: skip


class HistoryError(VoicecoachError):
    """The history database cannot be opened, read or written."""


def is_url(target: str | os.PathLike) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def default_location() -> Path:
    from ..voices import data_dir

    return data_dir() / "history.sqlite"


def resolve(option: str | None, *, disabled: bool = False) -> str | None:
    """Where the history lives (None: not recorded): --no-history, --history, $VOICECOACH_HISTORY, default."""
    if disabled:
        return None
    return option or os.environ.get("VOICECOACH_HISTORY") or str(default_location())


class _Sqlite:
    dialect = "sqlite"

    def __init__(self, path: Path):
        import sqlite3

        self.errors = (sqlite3.Error,)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self._wal(sqlite3.OperationalError)
        self.conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
        self.conn.execute("PRAGMA foreign_keys = ON")

    def _wal(self, busy: type[Exception]) -> None:
        """Switch to WAL. Two writers opening a new file at once: the switch can fail with "database
        is locked" at once, without SQLite's busy handler (seen on CI), so it is retried until the
        busy timeout."""
        import time

        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                if self.conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except busy as e:
                if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def execute(self, sql: str, params: tuple | list = ()):
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: list) -> None:
        self.conn.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock later
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def lock_schema(self) -> None:
        pass  # BEGIN IMMEDIATE already serialises writers

    def tables(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def close(self) -> None:
        self.conn.close()


class _Pg:
    dialect = "postgresql"

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError as e:
            raise HistoryError(f"{_safe_url(url)}: PostgreSQL needs psycopg: pip install 'voicecoach[postgres]'") from e
        self.errors = (psycopg.Error,)
        self.conn = psycopg.connect(url, connect_timeout=10, autocommit=True)  # transaction() opens each one

    def execute(self, sql: str, params: tuple | list = ()):
        return self.conn.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows: list) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def lock_schema(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?)", (_PG_LOCK,))

    def tables(self) -> set[str]:
        rows = self.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
        return {r[0] for r in rows}

    def close(self) -> None:
        self.conn.close()


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


class Store:
    """One open history. Use as a context manager, or call ``close()``."""

    def __init__(self, target: str | os.PathLike):
        self.target = str(target)
        self.name = _safe_url(self.target) if is_url(target) else self.target
        try:
            self.db = _Pg(self.target) if is_url(target) else _Sqlite(Path(target).expanduser())
        except HistoryError:
            raise
        except Exception as e:  # sqlite3/psycopg errors, OSError on the folder
            raise HistoryError(f"{self.name}: cannot open the history ({_line(e)}); pass --history PATH or --no-history") from e
        try:
            self._migrate()
        except self.db.errors as e:
            self.db.close()
            raise HistoryError(f"{self.name}: cannot open the history ({_line(e)}); pass --history PATH or --no-history") from e

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @property
    def dialect(self) -> str:
        return self.db.dialect

    def version(self) -> int:
        return int(self.db.execute("SELECT version FROM schema_version").fetchone()[0])

    def _migrate(self) -> None:
        if "schema_version" in self.db.tables() and self.version() == schema.CURRENT:
            return  # the usual case: no write lock just to look
        with self.db.transaction():
            self.db.lock_schema()
            tables = self.db.tables()
            if "schema_version" not in tables:
                if tables - {"sqlite_sequence"}:
                    raise HistoryError(f"{self.name}: holds other tables, not a voicecoach history; choose another --history")
                for stmt in schema.statements(schema.V1_DDL, self.dialect):
                    self.db.execute(stmt)
            version = self.version()
            if version > schema.CURRENT:
                raise HistoryError(f"{self.name}: history schema v{version} is newer than this voicecoach (v{schema.CURRENT}); upgrade voicecoach")
            for target in range(version + 1, schema.CURRENT + 1):
                schema.MIGRATIONS[target](self.db)
                self.db.execute("UPDATE schema_version SET version = ?", (target,))

    def record(self, take: dict[str, Any]) -> int:
        """Insert or update one take (keyed by its content sha256) with its metrics; returns its id.
        ``take["metrics"]`` maps a metric name to (value, noise); those named in ``take["unsure"]``
        (in doubt on this take) are stored but not usable for trends."""
        cols = ", ".join(TAKE_COLUMNS)
        marks = ", ".join("?" * len(TAKE_COLUMNS))
        update = ", ".join(f"{c} = excluded.{c}" for c in TAKE_COLUMNS if c != "content_sha256")
        sql = f"INSERT INTO takes ({cols}) VALUES ({marks}) ON CONFLICT (content_sha256) DO UPDATE SET {update} RETURNING id"
        ok = take.get("status") == "ok" and take.get("kind", "take") == "take"
        low = set(take.get("unsure") or ())
        rows = [(name, _num(v), _num(n), take.get("agent"), take.get("skill"), take.get("scenario"), take["taken_ts"],
                 int(ok and v is not None and name not in low)) for name, (v, n) in sorted(take["metrics"].items())]
        try:
            with self.db.transaction():
                take_id = int(self.db.execute(sql, tuple(take.get(c) for c in TAKE_COLUMNS)).fetchone()[0])
                self.db.execute("DELETE FROM metrics WHERE take_id = ?", (take_id,))
                if rows:
                    self.db.executemany("INSERT INTO metrics (take_id, metric, value, noise, agent, skill, scenario, taken_ts, usable) "
                                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                        [(take_id, *r) for r in rows])
        except self.db.errors as e:
            raise HistoryError(f"{self.name}: cannot record {take.get('source_path')} ({_line(e)}); pass --no-history to skip") from e
        return take_id

    def takes(self, *, agent: str | None = None, scenario: str | None = None, since_ts: float | None = None,
              metrics: list[str] | None = None) -> list[dict[str, Any]]:
        """Takes in time order, each a dict of its columns plus ``metrics``: {name: (value, noise)}."""
        where, params = ["1 = 1"], []
        for col, value in (("agent", agent), ("scenario", scenario)):
            if value is not None:
                where.append(f"t.{col} = ?")
                params.append(value)
        if since_ts is not None:
            where.append("t.taken_ts >= ?")
            params.append(since_ts)
        cond = " AND ".join(where)
        cols = ", ".join(f"t.{c}" for c in ("id",) + TAKE_COLUMNS)
        try:
            out = {}
            for row in self.db.execute(f"SELECT {cols} FROM takes t WHERE {cond} ORDER BY t.taken_ts, t.id", params):
                take = dict(zip(("id",) + TAKE_COLUMNS, row))
                take["metrics"] = {}
                out[take["id"]] = take
            mcond, mparams = cond, list(params)
            if metrics:
                mcond += f" AND m.metric IN ({', '.join('?' * len(metrics))})"
                mparams += list(metrics)
            sql = f"SELECT m.take_id, m.metric, m.value, m.noise, m.usable FROM metrics m JOIN takes t ON t.id = m.take_id WHERE {mcond}"
            for take_id, metric, value, noise, usable in self.db.execute(sql, mparams):
                out[take_id]["metrics"][metric] = (value, noise)
                if usable:
                    out[take_id].setdefault("usable", set()).add(metric)
        except self.db.errors as e:
            raise HistoryError(f"{self.name}: cannot read the history ({_line(e)})") from e
        return list(out.values())

    def count(self) -> tuple[int, int]:
        """(takes, metric rows)."""
        takes = self.db.execute("SELECT COUNT(*) FROM takes").fetchone()[0]
        rows = self.db.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]
        return int(takes), int(rows)


def _line(e: Exception) -> str:
    """A driver's message on one line (libpq's span several)."""
    return " ".join(str(e).split())


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def open_store(target: str | os.PathLike) -> Store:
    return Store(target)
