"""A partly understood spoken answer, in the real app under run_test: the screen shows what was
understood and the kiosk says it before it asks about the rest (issue 12). The one stand-in is
the speaker (no sound card here): it records what the kiosk says instead of playing it."""

from __future__ import annotations

import asyncio
import threading

from textual.widgets import Static

from kiosk.config import Settings
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.question import QuestionScreen
from kiosk.ui.voice import VoiceAdapter, VoiceStatus
from tests.support.kiosk_app import PIN, hear, shipped_kb, sync, wait_until


class RecordingSpeaker:
    """The sound card's place: what would be played is written down."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.lock = threading.Lock()

    def say(self, text: str) -> bool:
        with self.lock:
            self.said.append(text)
        return True


class SpeakingVoice(VoiceAdapter):
    """The real speech service with the recording speaker and no microphone."""

    def open(self, engine: str | None = None) -> VoiceStatus:
        return self.speak_with(RECORDER, ("No microphone in this test.",))


RECORDER = RecordingSpeaker()


async def _said_after(pilot, count: int, text: str, seconds: float = 10.0) -> list[str]:
    """What was said after the first ``count`` sentences, once ``text`` has been said."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        await pilot.pause(0.05)
        with RECORDER.lock:
            said = RECORDER.said[count:]
        if text in said:
            return said
    raise AssertionError(f"{text!r} was never said; said {said}")


@sync
async def test_a_partly_understood_answer_is_shown_and_said_before_the_rest_is_asked():
    RECORDER.said.clear()
    app = KioskApp(Settings(pin=PIN, idle_timeout=600), shipped_kb(), voice=SpeakingVoice(Settings(mute=False)))
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("space")
        first = app.session.current
        assert first is not None and first.id == "red_flags_now"
        await _said_after(pilot, 0, first.text)
        before = len(RECORDER.said)
        hear(app, "no chest pain")  # the live turn
        understood = "You said you have no chest pain."
        follow_up = shipped_kb().questions["breathing_difficulty"].text
        said = await _said_after(pilot, before, follow_up)
        assert isinstance(app.screen, QuestionScreen) and app.session.current.id == "breathing_difficulty"
        assert understood in said and said.index(understood) < said.index(follow_up), said
        caption = str(app.screen.query_one("#caption", Static).render())
        assert '"no chest pain"' in caption and understood in caption
        # an answer that was understood whole says nothing extra
        before = len(RECORDER.said)
        hear(app, "no")
        moved_on = lambda: app.session.current is not None and app.session.current.id != "breathing_difficulty"
        assert await wait_until(moved_on, 10.0), "the interview did not move on"
        said = await _said_after(pilot, before, app.session.current.text)
        assert not any(s.startswith("You said") for s in said), said

