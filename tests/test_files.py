"""Writing files: atomic replacement, and clean-up that deletes only a dead voicecoach's leftovers
(a batch with --out in a home folder once removed .bashrc.tmp and a file inside .git/)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from voicecoach.batch import run_batch
from voicecoach.files import atomic_write_text, remove_stale_temporaries, temp_path
from voicecoach.pipeline import Options


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "deep" / "report.html"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_clean_up_removes_only_our_dead_temporaries(tmp_path):
    users = [tmp_path / ".bashrc.tmp", tmp_path / "docs" / ".thesis.docx.tmp", tmp_path / ".git" / ".index.tmp",
             tmp_path / ".notes.voicecoach-x.tmp"]
    dead = tmp_path / "clips" / f".a.wav.json.voicecoach-{_dead_pid()}.tmp"
    live = temp_path(tmp_path / "summary.json")  # this process: a writer still at work
    for p in [*users, dead, live]:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("keep me")
    link = tmp_path / f".link.voicecoach-{_dead_pid()}.tmp"
    os.symlink(users[0], link)
    assert remove_stale_temporaries(tmp_path) == [dead]
    assert all(p.exists() for p in [*users, live, link])


def test_batch_keeps_files_it_did_not_write_in_its_out_folder(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.wav").write_bytes(b"")  # fails fast: no model run needed
    out = tmp_path / "home"
    mine = [out / ".bashrc.tmp", out / "docs" / ".thesis.docx.tmp", out / ".git" / ".ORIG_HEAD.tmp"]
    for p in mine:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("user data")
    leftover = out / f".summary.json.voicecoach-{_dead_pid()}.tmp"
    leftover.write_text("{")
    summary = run_batch(tmp_path / "in", out, Options())
    assert summary.failed == 1
    assert all(p.read_text() == "user data" for p in mine)
    assert not leftover.exists()


HOLD = """
import sys, time
from voicecoach.files import folder_lock
with folder_lock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def _holder(folder: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_batch_into_a_locked_folder_is_one_line_naming_the_holder(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.wav").write_bytes(b"")
    out = tmp_path / "out"
    out.mkdir()
    holder = _holder(out)
    try:
        cmd = [sys.executable, "-m", "voicecoach.cli", "batch", str(tmp_path / "in"), "--out", str(out)]
        busy = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert busy.returncode != 0 and "Traceback" not in busy.stderr
        lines = busy.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {out}: voicecoach batch (pid {holder.pid}, started ")
        assert "--wait" in busy.stderr and not (out / "summary.json").exists()
        waiting = subprocess.Popen(cmd + ["--wait"], stderr=subprocess.PIPE, text=True)
        assert "waiting for voicecoach batch" in waiting.stderr.readline()
    finally:
        holder.communicate("\n", timeout=30)
    waiting.wait(timeout=120)
    assert waiting.returncode == 1  # the one clip failed, as it should; the batch itself ran
    assert (out / "summary.json").exists()
