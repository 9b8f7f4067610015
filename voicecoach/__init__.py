"""voicecoach: pacing practice for phone agents, transcribed locally with Whisper."""

__version__ = "0.1.0"
