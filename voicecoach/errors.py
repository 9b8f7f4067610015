"""One family of errors. The CLI turns these (and only these) into ``Error: ...`` and exit 1.

A message names the input and says what was wrong and what to do about it.
"""


class VoicecoachError(Exception):
    """Base of every error the user can fix."""


class AudioError(VoicecoachError):
    """A clip could not be read, decoded or used."""


class ModelError(VoicecoachError):
    """A Whisper model could not be found or loaded."""


class DeviceError(VoicecoachError):
    """An audio device could not be found or used."""


class ScenarioError(VoicecoachError):
    """A scenario card is missing or malformed."""


class Interrupted(VoicecoachError):
    """The user stopped a long run (Ctrl-C); what was finished is kept."""

    exit_code = 130  # 128 + SIGINT, as a shell reports a process stopped by Ctrl-C
