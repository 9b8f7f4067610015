"""`make bench`, the live pace line (voicecoach/live.py): its CPU share and the line's update rate.

A take's agent channel is played through the (virtual) audio device in real time and recorded by
``record.record`` with the live analyser subscribed to the blocks and the live line drawn as on a
terminal, exactly as ``voicecoach record`` runs it. CPU share: thread CPU time spent in the
analyser (``feed`` on the writer thread, ``update`` on the main thread) over the seconds of audio,
as a share of one core; target under 0.2. Update rate: redraws of the line per second; target at
least 10. Without an audio device the blocks are fed at real time instead (said in the output).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

TARGET_CPU_SHARE = 0.2
TARGET_UPDATES_PER_S = 10.0
SR = 16000


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Timed:
    """The analyser with the CPU time of each call counted, per thread."""

    def __init__(self, analyser):
        self.analyser, self.cpu_s, self.updates = analyser, 0.0, 0
        self.norms = analyser.norms

    def feed(self, block, start=0):
        t = time.thread_time()
        self.analyser.feed(block, start)
        self.cpu_s += time.thread_time() - t

    def update(self):
        t = time.thread_time()
        state = self.analyser.update()
        self.cpu_s += time.thread_time() - t
        self.updates += 1
        return state

    @property
    def fired(self):
        return self.analyser.fired


def _agent_speech(seconds: float) -> np.ndarray:
    root = Path(__file__).resolve().parent.parent
    parts = [sf.read(str(root / "samples" / f"{n}.wav"), dtype="float32", always_2d=True)[0][:, 1]
             for n in ("long_hold_take2", "long_hold_take1", "long_hold_take1")]  # fmt: skip
    return np.concatenate(parts)[: int(seconds * SR)]


def _device_ok() -> bool:
    try:
        import sounddevice as sd

        return any(d["max_input_channels"] > 0 for d in sd.query_devices()) and shutil.which("paplay") is not None
    except OSError:
        return False


def bench_live(seconds: float = 60.0) -> dict:
    from voicecoach.console import LevelMeter
    from voicecoach.live import LiveAnalyser
    from voicecoach.record import Meter, record

    y = _agent_speech(seconds)
    timed = _Timed(LiveAnalyser())
    line = LevelMeter(_Tty(), limit_s=seconds, live=timed)
    how = "played through the audio device"
    started = time.monotonic()
    if _device_ok():
        with tempfile.TemporaryDirectory(prefix="voicecoach-live-") as d:
            clip, take = Path(d) / "agent.wav", Path(d) / "take.wav"
            sf.write(str(clip), y, SR, subtype="PCM_16")
            player = threading.Thread(target=lambda: subprocess.run(["paplay", str(clip)], check=False))
            player.start()
            record(take, seconds=len(y) / SR, on_block=[timed.feed], on_tick=line)
            player.join()
    else:
        how = "no audio device: fed in 40 ms blocks at real time"
        meter, block = Meter(loudest_dbfs=-20.0), int(0.04 * SR)
        for i in range(0, len(y), block):
            timed.feed(y[i : i + block].reshape(-1, 1))
            meter.frames += block
            line(meter, meter.frames / SR)
            time.sleep(max(0.0, started + meter.frames / SR - time.monotonic()))
    wall_s = time.monotonic() - started
    share = timed.cpu_s / (len(y) / SR)
    rate = line.draws / wall_s
    return {
        "how": how, "audio_s": round(len(y) / SR, 1), "cpu_s": round(timed.cpu_s, 3), "cpu_share": round(share, 4),
        "updates": timed.updates, "draws": line.draws, "updates_per_s": round(rate, 2), "nudges": timed.fired,
        "ok": share < TARGET_CPU_SHARE and rate >= TARGET_UPDATES_PER_S,
    }  # fmt: skip


def report(r: dict) -> list[str]:
    mark = "ok  " if r["ok"] else "OVER"
    return [
        (f"[{mark}] live pace line, {r['audio_s']:.0f} s {r['how']}: CPU {r['cpu_share']:.1%} of one core "
         f"(target < {TARGET_CPU_SHARE:.0%}), line redrawn {r['updates_per_s']:.1f} times a second "
         f"(target >= {TARGET_UPDATES_PER_S:.0f})")
    ]


if __name__ == "__main__":
    print("\n".join(report(bench_live())))
