"""The UI's door to speech: a thin adapter over the speech service (kiosk/speech/service.py).

The screen uses the service's own types: ``Heard`` (what was heard, the same type the Listener
returns and ``Session.answer`` is given the words of) and ``VoiceStatus``.
"""

from __future__ import annotations

from kiosk.engine.knowledge import Prompts
from kiosk.speech.protocols import Heard
from kiosk.speech.service import Cancel, SpeechService, VoiceStatus


class VoiceAdapter(SpeechService):
    """The kiosk screen's speech: everything is the service's; nothing here but the name."""


def voice_words(status: VoiceStatus, words: Prompts) -> str:
    """The voice state for patients, in the words of intents/prompts.yaml (staff get the details)."""
    key = {(True, True): "voice_on", (True, False): "voice_no_speaking",
           (False, True): "voice_no_hearing", (False, False): "voice_off"}[(status.hearing, status.speaking)]
    return words[key]


__all__ = ["Cancel", "Heard", "VoiceAdapter", "VoiceStatus", "voice_words"]
