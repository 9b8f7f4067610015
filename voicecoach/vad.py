"""Speech probability from the Silero VAD model that faster-whisper ships in its package assets.

The only module that touches the VAD model (loaded lazily, once per process, no download). It
answers one question energy cannot: is this sound a voice, or music, a tone, noise? Edges are
still timed from the signal's energy in ``activity.detect``; Silero's 32 ms windows only decide
which stretches are speech.
"""

from __future__ import annotations

import numpy as np

from .errors import ModelError

SR = 16000  # Silero's 512-sample windows are defined at 16 kHz (faster_whisper/vad.py)
WINDOW = 512
HOP_S = WINDOW / SR  # one probability per 32 ms window; window k covers [k * HOP_S, (k + 1) * HOP_S)
LEVEL_DBFS = -20.0  # the channel's loud windows are scaled to this before scoring: Silero scores
# whispers lower than the same speech spoken up, and a quiet agent is still speaking
MAX_GAIN_DB = 40.0  # ...but digital near-silence is not raised into the model's range
# Silero is recurrent: carried across a whole call its state drifts, and in the 8 kHz phone band a
# real caller line after 7 s of silence scored at most 0.46 (never speech) where the same line
# alone scored 0.87. Restarted every 4 s (warmed up on the 1 s before), that line scores 0.88, but
# fillers held in line noise and a mixed two-voice call lost windows the carried state had kept.
# So each window gets the higher of the two: hold music, piano tones, DTMF and arpeggios, wideband
# or phone band, still reach 0.5 in at most one 32 ms window of 30 s. Cost about 2.2x one pass.
RUN_S = 4.0
WARM_S = 1.0
BLOCK_WINDOWS = 10000  # windows per call of the carried pass (5.3 min): bounded memory on long calls


def _model():
    from .transcribe import vad_model  # the one module that imports faster_whisper

    try:
        return vad_model()  # lru_cached by faster-whisper: one ONNX session per process
    except ModelError:
        raise
    except Exception as e:  # onnxruntime missing or the asset unreadable
        raise ModelError(f"could not load the Silero VAD model from faster-whisper's assets ({str(e).splitlines()[0]})") from e


def speech_probability(x: np.ndarray, *, sr: int) -> np.ndarray:
    """Silero's speech probability (0-1) per 32 ms window of one channel.

    The channel is resampled to 16 kHz if needed and scaled so its loud windows (0.99 quantile
    of window RMS) sit at -20 dBFS, at most +40 dB; each window scored with the state carried
    and restarted every RUN_S, the higher kept. Cost: about 0.45 s per minute of audio per
    channel on one CPU core, plus about 1 s to load the model once per process (bench/run.py,
    stage "voice (Silero VAD)").
    """
    y = np.asarray(x, dtype=np.float32)
    if sr != SR:
        import soxr

        y = soxr.resample(y, sr, SR, quality="HQ").astype(np.float32)
    n = -(-len(y) // WINDOW)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    padded = np.zeros(n * WINDOW, dtype=np.float32)  # the one copy of the channel made here
    padded[: len(y)] = y
    y = padded
    frames = y.reshape(n, WINDOW)
    rms = np.concatenate([np.sqrt(np.mean(np.square(frames[k : k + BLOCK_WINDOWS], dtype=np.float64), axis=1))
                          for k in range(0, n, BLOCK_WINDOWS)])  # blockwise: an hour in float64 is 460 MB
    loud = float(np.quantile(rms, 0.99))
    if loud <= 0.0:
        return np.zeros(n, dtype=np.float32)  # digital silence: nothing to score
    gain = min(10 ** ((LEVEL_DBFS - 20 * np.log10(loud)) / 20), 10 ** (MAX_GAIN_DB / 20))
    np.multiply(y, np.float32(gain), out=y)
    np.clip(y, -1.0, 1.0, out=y)
    model = _model()
    carried = [np.asarray(model(y[k * WINDOW : (k + BLOCK_WINDOWS) * WINDOW]), dtype=np.float32).reshape(-1)
               for k in range(0, n, BLOCK_WINDOWS)]  # fmt: skip
    run, warm = int(RUN_S * SR) // WINDOW, int(WARM_S * SR) // WINDOW
    restarted = []
    for k in range(0, n, run):
        a = max(0, k - warm)
        restarted.append(np.asarray(model(y[a * WINDOW : (k + run) * WINDOW]), dtype=np.float32).reshape(-1)[k - a :])
    return np.maximum(np.concatenate(carried)[:n], np.concatenate(restarted)[:n])


SPEECH_PROB = 0.5  # Silero's own default threshold for a speech window


def voiced_s(x: np.ndarray, *, sr: int) -> float:
    """Seconds of ``x`` that Silero hears as a voice (windows scoring 0.5 or more): the check that a
    sound is speech before its words are estimated from the signal, since energy and syllable
    peaks alone also fire on tones and music."""
    return float(np.count_nonzero(speech_probability(x, sr=sr) >= SPEECH_PROB)) * HOP_S
