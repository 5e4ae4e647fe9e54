"""The UI's door to speech: a thin adapter over the speech service (kiosk/speech/service.py).

The screen uses the service's own types: ``Heard`` (what was heard, the same type the Listener
returns and ``Session.answer`` is given the words of) and ``VoiceStatus``.
"""

from __future__ import annotations

from kiosk.speech.protocols import Heard
from kiosk.speech.service import Cancel, SpeechService, VoiceStatus


class VoiceAdapter(SpeechService):
    """The kiosk screen's speech: everything is the service's; nothing here but the name."""


__all__ = ["Cancel", "Heard", "VoiceAdapter", "VoiceStatus"]
