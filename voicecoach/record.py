"""Record a take from a real input device. The only module that imports sounddevice (lazily).

Nothing is ever lost: the audio callback only copies each block into a queue (and, in a cued take,
copies the next cue samples out); a writer thread writes the blocks to a WAV file with soundfile as
they arrive, with libsndfile's automatic header update on (so the RIFF/data sizes on disk always
match the samples written) and an fsync at least once a second. Ctrl-C, SIGTERM, a device that stops
delivering audio or a full disk close the file cleanly with everything captured so far; a kill -9
leaves a valid WAV holding all blocks written (at most the last second is lost to the page cache on a
power cut; a killed process loses only the blocks still queued, about 0.1 s).
"""

from __future__ import annotations

import math
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .errors import AudioError, DeviceError
from .sidecar import sidecar_path, write_sidecar

FLUSH_EVERY_S = 1.0  # fsync cadence: a power cut loses at most this much
STALL_S = 2.0  # no block from the device for this long: it stopped delivering audio
TICK_S = 0.04  # on_tick cadence: the live line redraws every other tick, over 10 times a second
CLIP_LEVEL = 0.999  # a sample at or above this magnitude is at full scale
QUIET_DBFS = -50.0  # a take whose loudest 0.1 s block stays below this is too quiet to analyse
QUIET_AFTER_S = 3.0  # warn about a quiet input only after this much audio
SFC_SET_UPDATE_HEADER_AUTO = 0x1061  # sndfile.h: rewrite the header after every write
INSTALL_PORTAUDIO = "install PortAudio (Debian/Ubuntu: apt-get install libportaudio2; macOS: brew install portaudio)"


def _sd():
    """Import sounddevice on first use, so analyze/compare/batch work on machines without PortAudio."""
    try:
        import sounddevice
    except OSError as e:
        raise DeviceError(f"PortAudio library not found ({e}): {INSTALL_PORTAUDIO}") from e
    return sounddevice


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_rate_hz: float
    default_input: bool
    default_output: bool


def list_devices() -> list[DeviceInfo]:
    """Every device PortAudio sees, with the default input and output marked."""
    sd = _sd()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as e:
        raise DeviceError(f"audio devices could not be listed ({e}); check that the sound system is running") from e
    return [
        DeviceInfo(
            index=int(d["index"]),
            name=str(d["name"]),
            host_api=str(apis[d["hostapi"]]["name"]),
            max_input_channels=int(d["max_input_channels"]),
            max_output_channels=int(d["max_output_channels"]),
            default_rate_hz=float(d["default_samplerate"]),
            default_input=int(d["index"]) == default_in,
            default_output=int(d["index"]) == default_out,
        )
        for d in devices
    ]


NO_INPUT = "no audio input device found: connect a microphone or headset (and check the sound system is running), then run 'voicecoach devices'"


def find_device(spec: str | int | None = None, *, kind: str = "input") -> DeviceInfo:
    """The device to use: the default when ``spec`` is None, else an index or a (part of a) name."""
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    usable = [d for d in list_devices() if getattr(d, channels) > 0]
    if not usable:
        raise DeviceError(NO_INPUT if kind == "input" else f"no audio output device found: connect speakers or a headset to hear the {kind} cues")
    if spec is None or spec == "":
        flag = "default_input" if kind == "input" else "default_output"
        return next((d for d in usable if getattr(d, flag)), usable[0])
    text = str(spec).strip()
    if text.isdigit():
        hit = [d for d in usable if d.index == int(text)]
    else:
        hit = [d for d in usable if d.name.lower() == text.lower()] or [d for d in usable if text.lower() in d.name.lower()]
    names = ", ".join(f"{d.index}: {d.name}" for d in usable)
    if not hit:
        raise DeviceError(f"{text}: no {kind} device matches this number or name; choose one of {names} (see 'voicecoach devices')")
    if len(hit) > 1:
        raise DeviceError(f"{text}: matches several {kind} devices ({', '.join(d.name for d in hit)}); give the number instead")
    return hit[0]


def check_output_path(out: str | os.PathLike, *, force: bool = False) -> Path:
    """Refuse to overwrite a take without ``force``; make the folder; fail early when it is unwritable."""
    path = Path(out)
    if path.suffix.lower() != ".wav":
        raise AudioError(f"{path}: takes are recorded as WAV; give a name ending in .wav")
    if path.exists() and not force:
        raise AudioError(f"{path}: already exists; pass --force to overwrite it or choose another name")
    for parent in (path.parent, *path.parent.parents):
        if parent.exists() and not parent.is_dir():
            raise AudioError(f"{parent}: is a file, not a folder; choose another folder for the take")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.parent / f".{path.name}.probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise AudioError(f"{path.parent}: cannot write here ({e.strerror or e}); choose another folder") from e
    return path


@dataclass
class Playback:
    """Cue audio for a full-duplex take: the main thread queues clips, the callback copies them out.

    ``log`` gets (output frame of the block start, DAC minus ADC time of the block) per callback, so
    cue times can be put on the recording's clock afterwards.
    """

    rate_hz: int
    pending: "queue.SimpleQueue[tuple[int, np.ndarray]]" = field(default_factory=queue.SimpleQueue)
    current: tuple[int, np.ndarray, int] | None = None  # (cue id, samples, next index)
    started: dict[int, int] = field(default_factory=dict)  # cue id -> output frame of its first sample
    ended: dict[int, int] = field(default_factory=dict)  # cue id -> output frame after its last sample
    log: list[tuple[int, float]] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    out_frames: int = 0

    def play(self, cue_id: int, samples: np.ndarray, text: str = "") -> None:
        self.texts[cue_id] = text
        self.pending.put((cue_id, np.asarray(samples, dtype=np.float32)))

    @property
    def busy(self) -> bool:
        return self.current is not None or not self.pending.empty()

    def fill(self, outdata: np.ndarray, frames: int) -> None:
        """Called from the audio callback: copy cue samples (or silence) into ``outdata``."""
        outdata.fill(0)
        pos = 0
        while pos < frames:
            if self.current is None:
                try:
                    cue_id, samples = self.pending.get_nowait()
                except queue.Empty:
                    break
                self.current = (cue_id, samples, 0)
                self.started[cue_id] = self.out_frames + pos
            cue_id, samples, i = self.current
            n = min(frames - pos, len(samples) - i)
            outdata[pos : pos + n, 0] = samples[i : i + n]
            pos += n
            if i + n >= len(samples):
                self.ended[cue_id] = self.out_frames + pos
                self.current = None
            else:
                self.current = (cue_id, samples, i + n)
        self.out_frames += frames

    def to_recording_s(self, out_frame: int, fallback_delay_s: float) -> float:
        """Where an output frame is heard on the recording's clock: frame + the DAC-ADC offset then."""
        near = [d for f, d in self.log if abs(f - out_frame) <= self.rate_hz and 0.0 <= d < 1.0]
        delay_s = float(np.median(near)) if near else fallback_delay_s
        return out_frame / self.rate_hz + delay_s


@dataclass(frozen=True)
class Take:
    """What one recording produced."""

    path: str
    device: str
    sample_rate_hz: int
    channels: int
    started_at: str
    duration_s: float
    stopped_by: str  # "seconds", "enter", "ctrl-c", "sigterm", "device-error", "disk-error"
    peak_dbfs: float | None
    clipped_blocks: int
    overflows: int
    cues: list[dict[str, Any]]
    warnings: list[str]


@dataclass
class Meter:
    """Live figures the writer thread updates and the main thread reads (floats: atomic under the GIL)."""

    frames: int = 0
    level_dbfs: float = -math.inf
    peak: float = 0.0
    loudest_dbfs: float = -math.inf
    clipped_blocks: int = 0
    overflows: int = 0
    last_block_at: float = field(default_factory=time.monotonic)


def _dbfs(x: float) -> float:
    return 20 * math.log10(x) if x > 0 else -math.inf


BlockListener = Callable[[np.ndarray, int], None]  # (block: frames x channels float32, its first frame in the take)


class _Writer(threading.Thread):
    def __init__(self, sf_file, blocks: queue.Queue, meter: Meter, max_frames: int | None, done: threading.Event,
                 listeners: Sequence[BlockListener] = ()):  # fmt: skip
        super().__init__(name="voicecoach-writer", daemon=True)
        self.file, self.blocks, self.meter, self.max_frames, self.done = sf_file, blocks, meter, max_frames, done
        self.listeners = list(listeners)
        self.error: Exception | None = None
        self.listener_errors: list[str] = []

    def run(self) -> None:
        last_flush = time.monotonic()
        try:
            while True:
                block = self.blocks.get()
                if block is None:
                    break
                data, overflow = block
                if self.max_frames is not None:
                    data = data[: max(0, self.max_frames - self.meter.frames)]
                if len(data):
                    self.file.write(data)
                    start = self.meter.frames
                    self._measure(data, overflow)
                    self._tell(data, start)
                if time.monotonic() - last_flush >= FLUSH_EVERY_S:
                    self.file.flush()
                    last_flush = time.monotonic()
                if self.max_frames is not None and self.meter.frames >= self.max_frames:
                    self.done.set()
        except Exception as e:  # disk full, I/O error: keep what is on disk, report it
            self.error = e
            self.done.set()
        finally:
            try:
                self.file.close()
            except Exception as e:  # the header update itself can fail on a full disk
                self.error = self.error or e

    def _tell(self, data: np.ndarray, start: int) -> None:
        """Hand the block, once it is on its way to disk, to each ``on_block`` listener (the live
        line, a background transcriber); a listener that fails is dropped, the take goes on."""
        for listener in list(self.listeners):
            try:
                listener(data, start)
            except Exception as e:  # a bug in a listener must never cost audio
                self.listeners.remove(listener)
                self.listener_errors.append(f"{getattr(listener, '__qualname__', listener)} stopped: {type(e).__name__}: {e}")

    def _measure(self, data: np.ndarray, overflow: bool) -> None:
        m = self.meter
        m.frames += len(data)
        peak = float(np.max(np.abs(data)))
        level = _dbfs(float(np.sqrt(np.mean(np.square(data, dtype=np.float64)))))
        m.level_dbfs, m.peak = level, peak
        m.loudest_dbfs = max(m.loudest_dbfs, level)
        m.clipped_blocks += peak >= CLIP_LEVEL
        m.overflows += bool(overflow)
        m.last_block_at = time.monotonic()


def record(
    out: str | os.PathLike,
    *,
    seconds: float | None = None,
    device: str | int | None = None,
    rate_hz: int = 16000,
    channels: int = 1,
    force: bool = False,
    stop: threading.Event | None = None,
    playback: Playback | None = None,
    on_tick: Callable[[Meter, float], None] | None = None,
    sidecar: dict[str, Any] | None = None,
    on_block: Sequence[BlockListener] = (),
    sidecar_at_end: Callable[[], dict[str, Any]] | None = None,
) -> Take:
    """Record from an input device to ``out`` (16-bit WAV) until ``seconds``, ``stop`` is set, Ctrl-C
    or SIGTERM. ``on_tick(meter, elapsed_s)`` runs about 25 times a second in the calling thread
    (for a live meter; with ``playback``, also to schedule cues). Each listener in ``on_block`` gets
    every block (frames x channels float32) and its first frame, on the writer thread right after
    the block is written: the one place the live analyser and a background transcriber subscribe.
    Writes the sidecar at the start and again at the end, with ``sidecar_at_end()``'s keys added
    (the live line's nudges). Returns a Take; raises DeviceError/AudioError after saving what was
    captured."""
    _sd()  # no PortAudio: say so before anything else
    path = check_output_path(out, force=force)
    dev, out_dev = _devices(device, channels=channels, rate_hz=rate_hz, duplex=playback is not None)
    started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    meta = {**(sidecar or {}), "device": dev.name, "sample_rate_hz": rate_hz, "channels": channels,
            "started_at": started_at, "duration_s": None}  # fmt: skip
    sf_file = _open_wav(path, rate_hz=rate_hz, channels=channels)
    header_live = _update_header_on_every_write(sf_file)
    write_sidecar(path, meta)
    blocks: queue.Queue = queue.Queue()
    meter = Meter()
    writer = _Writer(sf_file, blocks, meter, None if seconds is None else int(round(seconds * rate_hz)), threading.Event(), on_block)
    writer.start()
    try:
        stopped_by, stream = _capture(dev, out_dev, blocks, writer, rate_hz=rate_hz, channels=channels, playback=playback,
                                      stop=stop or threading.Event(), on_tick=on_tick)  # fmt: skip
    finally:
        blocks.put(None)
        writer.join()
    duration_s = meter.frames / rate_hz
    warnings = _take_warnings(meter, duration_s, header_live=header_live) + writer.listener_errors
    cues = _cue_times(playback, stream) if playback is not None else []
    meta.update(duration_s=round(duration_s, 3), stopped_by=stopped_by)
    if playback is not None:
        meta["cues"] = cues
    if sidecar_at_end is not None:
        meta.update(sidecar_at_end())
    try:
        write_sidecar(path, meta)
    except OSError as e:  # a full disk: the audio matters more than the final sidecar
        warnings.append(f"{sidecar_path(path)}: could not be updated ({e.strerror or e})")
    _raise_if_cut_short(path, dev, writer.error, stopped_by, duration_s)
    peak = _dbfs(meter.peak) if meter.frames else None
    return Take(str(path), dev.name, rate_hz, channels, started_at, round(duration_s, 3), stopped_by,
                None if peak is None or math.isinf(peak) else round(peak, 1), meter.clipped_blocks, meter.overflows, cues, warnings)  # fmt: skip


def _devices(device: str | int | None, *, channels: int, rate_hz: int, duplex: bool) -> tuple[DeviceInfo, DeviceInfo | None]:
    """The input device (and the default output for a cued take), checked for these settings."""
    sd = _sd()
    dev = find_device(device, kind="input")
    if channels > dev.max_input_channels:
        raise DeviceError(f"{dev.name}: has {dev.max_input_channels} input channel(s), not {channels}; use --channels {dev.max_input_channels}")
    out_dev = find_device(None, kind="output") if duplex else None
    try:
        sd.check_input_settings(device=dev.index, channels=channels, samplerate=rate_hz, dtype="float32")
        if out_dev is not None:
            sd.check_output_settings(device=out_dev.index, channels=1, samplerate=rate_hz, dtype="float32")
    except sd.PortAudioError as e:
        raise DeviceError(
            f"{dev.name}: cannot record {channels} channel(s) at {rate_hz} Hz ({e}); try --rate 16000, 44100 or 48000 "
            f"(its default is {dev.default_rate_hz:.0f} Hz)"
        ) from e
    return dev, out_dev


def _open_wav(path: Path, *, rate_hz: int, channels: int):
    import soundfile as sf

    try:
        return sf.SoundFile(str(path), "w", samplerate=rate_hz, channels=channels, subtype="PCM_16", format="WAV")
    except (sf.LibsndfileError, RuntimeError, OSError) as e:
        raise AudioError(f"{path}: cannot create the file ({e}); choose another folder") from e


def _capture(dev, out_dev, blocks: queue.Queue, writer: _Writer, *, rate_hz: int, channels: int, playback: Playback | None,
             stop: threading.Event, on_tick) -> tuple[str, Any]:  # fmt: skip
    """Run the stream until the take ends; returns (what stopped it, the closed stream or None).
    The callbacks only copy blocks into ``blocks`` (and cue samples out); SIGTERM is caught while
    recording so the file is closed cleanly."""
    sd = _sd()

    def on_input(indata, frames, t, status):
        blocks.put((indata.copy(), bool(status.input_overflow)))

    def on_duplex(indata, outdata, frames, t, status):
        blocks.put((indata.copy(), bool(status.input_overflow)))
        playback.log.append((playback.out_frames, t.outputBufferDacTime - t.inputBufferAdcTime))
        playback.fill(outdata, frames)

    stopped_by = "seconds"
    got_sigterm = threading.Event()
    old_term = None
    if threading.current_thread() is threading.main_thread():
        old_term = signal.signal(signal.SIGTERM, lambda *_: got_sigterm.set())
    stream = None
    try:
        try:
            if playback is None:
                stream = sd.InputStream(device=dev.index, channels=channels, samplerate=rate_hz, dtype="float32", callback=on_input)
            else:
                stream = sd.Stream(device=(dev.index, out_dev.index), channels=(channels, 1), samplerate=rate_hz,
                                   dtype="float32", callback=on_duplex)  # fmt: skip
            stream.start()
        except sd.PortAudioError as e:
            raise DeviceError(f"{dev.name}: could not start recording ({e}); check the device is connected and not in use") from e
        stopped_by = _wait_for_the_end(stream, writer, rate_hz=rate_hz, stop=stop, sigterm=got_sigterm, on_tick=on_tick)
    except KeyboardInterrupt:
        stopped_by = "ctrl-c"
    finally:
        if stream is not None:
            try:
                stream.abort() if stopped_by != "seconds" else stream.stop()
                stream.close()
            except Exception:  # the device may be gone already; the file matters more
                pass
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
    return stopped_by, stream


def _wait_for_the_end(stream, writer: _Writer, *, rate_hz: int, stop: threading.Event, sigterm: threading.Event, on_tick) -> str:
    """Tick every TICK_S until the take ends; returns why it ended."""
    meter = writer.meter
    t0 = time.monotonic()
    if on_tick is not None:
        on_tick(meter, 0.0)
    while True:
        if writer.done.is_set():  # it wrote ``seconds`` of audio, or could not write
            return "disk-error" if writer.error else "seconds"
        if stop.is_set():
            return "enter"
        if sigterm.is_set():
            return "sigterm"
        now = time.monotonic()
        if not stream.active or now - meter.last_block_at > STALL_S and now - t0 > STALL_S:
            return "device-error"
        if on_tick is not None:
            on_tick(meter, meter.frames / rate_hz)
        time.sleep(TICK_S)


def _take_warnings(meter: Meter, duration_s: float, *, header_live: bool) -> list[str]:
    warnings = []
    if not header_live:
        warnings.append("this soundfile version cannot keep the WAV header current while recording: "
                        "a killed recorder leaves a file whose header must be repaired (sox can)")  # fmt: skip
    if meter.clipped_blocks:
        warnings.append(f"the input clipped in {meter.clipped_blocks} block(s): lower the input gain")
    if meter.loudest_dbfs < QUIET_DBFS and duration_s >= QUIET_AFTER_S:
        warnings.append(f"the input is very quiet (loudest {meter.loudest_dbfs:.0f} dBFS): move closer or raise the input gain")
    if meter.overflows:
        warnings.append(f"{meter.overflows} input overflow(s): audio was dropped by the device; close other programs")
    return warnings


def _raise_if_cut_short(path: Path, dev: DeviceInfo, error: Exception | None, stopped_by: str, duration_s: float) -> None:
    """A full disk or a vanished device: say so, after everything captured has been saved."""
    if error is not None:
        import shutil

        full = shutil.disk_usage(path.parent).free < 1 << 16
        raise AudioError(f"{path}: writing stopped after {duration_s:.1f} s ({'the disk is full' if full else error}); "
                         "the audio up to then is saved; free some disk space or record elsewhere")  # fmt: skip
    if stopped_by == "device-error":
        raise DeviceError(f"{dev.name}: the device stopped delivering audio after {duration_s:.1f} s "
                          f"(unplugged?); the take up to then is saved in {path}")  # fmt: skip


def _update_header_on_every_write(sf_file) -> bool:
    """Ask libsndfile to rewrite the WAV header after every write (SFC_SET_UPDATE_HEADER_AUTO), so
    the file on disk is a valid WAV at every moment, even after kill -9. soundfile has no public
    call for it; if its internals ever move, recording goes on and says what is lost."""
    import soundfile as sf

    try:
        sf._snd.sf_command(sf_file._file, SFC_SET_UPDATE_HEADER_AUTO, sf._ffi.NULL, 1)
    except AttributeError:
        return False
    return True


def _cue_times(playback: Playback, stream) -> list[dict[str, Any]]:
    fallback_s = sum(stream.latency) if stream is not None else 0.0
    cues = []
    for cue_id in sorted(playback.started):
        # a cue still playing when the take stopped was heard up to the last frame played
        end = playback.ended.get(cue_id, playback.out_frames)
        cue = {
            "start_s": round(playback.to_recording_s(playback.started[cue_id], fallback_s), 3),
            "end_s": round(playback.to_recording_s(end, fallback_s), 3),
            "text": playback.texts.get(cue_id, ""),
        }
        if cue_id not in playback.ended:
            cue["interrupted"] = True
        cues.append(cue)
    return cues
