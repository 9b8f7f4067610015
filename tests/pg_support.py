"""A throwaway PostgreSQL server for the history tests: Debian's postgresql (initdb + pg_ctl) in a
temporary folder, a unix socket only, trust auth, stopped at the end. As root it runs as the
``postgres`` user (PostgreSQL refuses to run as root). On CI (.ci/run installs postgresql) a
missing server fails the tests; elsewhere they are skipped with the reason."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

import pytest


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must provide it: scripts/system-deps.sh installs postgresql)")
    pytest.skip(reason)


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            _missing("psycopg missing: pip install 'voicecoach[postgres]' (make install does)")
        bindir = _bindir()
        if bindir is None:
            _missing("PostgreSQL server missing: apt-get install postgresql")
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="voicecoach-pg-")
        self.data, self.sock = os.path.join(self.dir, "data"), os.path.join(self.dir, "sock")
        os.makedirs(self.sock)
        self.port = _free_port()
        self.prefix = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.sock, "postgres")
            os.chmod(self.dir, 0o755)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "voicecoach", "--no-sync")
        self._run("pg_ctl", "-D", self.data, "-w", "-l", os.path.join(self.data, "log"), "-o",
                  f"-p {self.port} -k {self.sock} -c listen_addresses='' -c fsync=off", "start")

    def _run(self, tool: str, *args: str) -> None:
        r = subprocess.run([*self.prefix, os.path.join(self.bindir, tool), *args], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            pytest.fail(f"{tool} failed: {r.stderr.strip() or r.stdout.strip()}")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://voicecoach@/{db}?host={self.sock}&port={self.port}"

    def new_database(self) -> str:
        """A fresh, empty database on this server; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.prefix, os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)
