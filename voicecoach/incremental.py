"""Transcription while a take is recorded, so the debrief is there the moment it ends (issue 15).

The recorder hands every block of audio to ``Incremental.feed`` (from its callback or writer
thread; feed only queues a copy). A background thread keeps the take as analyze will read it back
(16-bit WAV samples, resampled to 16 kHz as audio.load does), finds its speech every second
(activity.detect with Silero VAD, as analyze does) and decodes each unit of speech windows
(decode.stretch_clips, decode.packs) as soon as it is final, with the model loaded once. When the
take ends, ``finish(path)`` runs the ordinary pipeline.analyze on the saved file with those words
in its cache: a unit whose windows came out the same on the whole file is not decoded again, any
other is. Only the scheduling differs from ``voicecoach analyze``: the words and every number are
those of the same function on the same samples.

    inc = Incremental(options, sr=16000, channels=1)   # before the stream starts
    inc.feed(block)                                    # (frames, channels) float32, per block
    analysis, stats = inc.finish("take-01.wav")        # after the WAV file is closed
"""

from __future__ import annotations

import io
import queue
import threading
from dataclasses import dataclass

import numpy as np

from . import activity, audio, decode, transcribe, vad
from .pipeline import Options, analyze

EVERY_S = 1.0  # speech activity and decoding at most this often (a 2-minute buffer: ~0.1 s each)


@dataclass(frozen=True)
class Stats:
    """How much of the transcription was done before the stop."""

    units_ready: int  # decode units in the cache when the take ended
    units_at_finish: int  # units decoded after the stop (bounds moved, or speech up to the end)
    finish_s: float  # seconds from finish() to the Analysis
    error: str | None = None  # why the background decoding stopped early, if it did


def as_saved(block: np.ndarray, rate_hz: int) -> np.ndarray:
    """``block`` (frames, channels) as it reads back from the recorder's 16-bit WAV: written and
    read through libsndfile, so the rounding is the file's own."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, block, rate_hz, subtype="PCM_16", format="WAV")
    buf.seek(0)
    return sf.read(buf, dtype="float32", always_2d=True)[0]


class Incremental:
    """Words decoded during the take; ``finish`` returns the take's Analysis and Stats."""

    def __init__(self, options: Options | None = None, sr: int = 16000, channels: int = 1, *, every_s: float = EVERY_S):
        self.options = options or Options()
        self.rate_hz, self.channels, self.every_s = sr, channels, every_s
        self.names = ("agent",) if channels == 1 else ("left", "right")
        self.cache: dict[str, decode.Cache] = {name: {} for name in self.names}
        # audio.load's own streaming decoder (NaN zeroed, soxr resampling as the blocks stream,
        # clipped to [-1, 1]): the samples analyze will read from the file, block by block
        self._sink = audio._Sink(channels, sr, audio.SAMPLE_RATE_HZ, None)
        self._blocks: queue.SimpleQueue = queue.SimpleQueue()
        self._choice = transcribe.resolve_model(self.options.model, allow_download=self.options.allow_download)
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="voicecoach-incremental", daemon=True)
        self._thread.start()

    def _model(self):
        return transcribe.load_model(self._choice.location, download=self._choice.download, cpu_threads=self.options.cpu_threads)

    def feed(self, block: np.ndarray, first_frame: int | None = None) -> None:
        """One block of the take, (frames, channels) float32; cheap enough for an audio callback.
        A recorder listener (record.BlockListener): blocks come in order, so ``first_frame`` is not needed."""
        self._blocks.put(np.array(block, dtype=np.float32, copy=True).reshape(len(block), -1))

    def _run(self) -> None:
        try:
            self._model()  # loaded while the agent reads the brief, not after the stop
            pending = 0
            while True:
                block = self._blocks.get()
                if block is None:
                    return
                self._sink.add(as_saved(block, self.rate_hz).T)
                pending += len(block)
                if pending >= self.every_s * self.rate_hz and self._blocks.empty():
                    pending = 0
                    self._decode_ready()
        except Exception as e:  # noqa: BLE001 - finish() decodes whatever is missing, and says why in Stats
            self._error = e
            while self._blocks.get() is not None:  # drain, so feed never blocks
                pass

    def _decode_ready(self) -> None:
        """Decode every unit of closed stretches not yet in the cache (the last one too: if no
        speech follows before the stop, it is final)."""
        if self.options.decode not in ("packed", "batched"):
            return  # decoded per span: only the whole take's channel can be decoded
        sr = audio.SAMPLE_RATE_HZ
        for name, y in zip(self.names, self._sink.out[:, : self._sink.n_out]):
            duration_s = len(y) / sr
            act = activity.detect(y, sr=sr, voice_prob=vad.speech_probability(y, sr=sr))
            if not act.segments:
                continue
            clips = decode.stretch_clips(act.segments, duration_s)
            if duration_s - act.segments[-1].end_s < decode.STRETCH_GAP_S:  # the last stretch may go on
                last = clips[-1][0]
                clips = [c for c in clips if c[0] != last]
            o = self.options
            units = decode.packs(clips) if o.decode == "packed" else [(b,) for _, b in clips]
            decode.batched_words(self._model, y, sr, units, language=o.language, beam_size=o.beam_size, cache=self.cache[name])

    def finish(self, path) -> tuple:
        """The take's Analysis (pipeline.analyze on ``path`` with the words decoded so far) and Stats.
        Call once, after the recorder has closed the file."""
        import time

        t0 = time.perf_counter()
        self._blocks.put(None)
        self._thread.join()
        ready = sum(len(c) for c in self.cache.values())
        result = analyze(path, self.options, words_cache=self.cache)
        after = sum(len(c) for c in self.cache.values()) - ready
        error = None if self._error is None else f"{type(self._error).__name__}: {self._error}"
        return result, Stats(ready, after, round(time.perf_counter() - t0, 3), error)
