"""Staff actions behind the PIN: quit, clear an emergency, switch the engine, test the microphone
and the speaker, and what the staff screen shows about the kiosk.

The staff key (or the corner gesture, kiosk/ui/touch.py) opens the PIN keypad; while staff are in,
the patient's voice turn is cancelled and the idle timer does not wipe anything (it only closes a
staff screen left open). The hardware tests run in threads and answer with StaffTestDone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from kiosk.ui.dialogs.pin import PinDialog, PinGuard
from kiosk.ui.messages import SpeechProblem, StaffTestDone
from kiosk.ui.screens.staff import StaffScreen, StaffStatus, next_engine
from kiosk.ui.touch import CornerGesture
from kiosk.ui.voice import Cancel, VoiceAdapter, VoiceStatus

if TYPE_CHECKING:  # the app owns the desk; imported for the type only (no import cycle at run time)
    from kiosk.ui.app import KioskApp


class StaffDesk:
    def __init__(self, app: KioskApp) -> None:
        self._app = app
        self.open = False  # the PIN keypad or the staff screen is showing
        self.pin_guard = PinGuard(app.clock, on_wrong=lambda n: app.staff_log.event("staff PIN wrong", f"{n} in a row"))
        self._gesture = CornerGesture()

    # -- getting in and out -----------------------------------------------------------------------
    def ask_pin(self) -> None:
        if self.open:
            return
        self.open = True
        self._app.speech.cancel()
        self._app.push_screen(PinDialog(self._app.settings.pin, self.pin_guard), self._pin_checked)

    def _pin_checked(self, correct: bool | None) -> None:
        if correct:
            self._app.staff_log.event("staff screen opened")
            self._app.push_screen(StaffScreen(self.status))
        else:
            self.open = False
            self._app.resume_listening()

    def close(self) -> None:
        while isinstance(self._app.screen, (StaffScreen, PinDialog)):
            self._app.pop_screen()
        self.open = False
        self._app.resume_listening()

    def gesture(self, event: events.Event) -> bool:
        """Taps or a long press in the staff corner (kiosk/ui/touch.py), for touch-only kiosks."""
        now = self._app.clock()
        if isinstance(event, events.MouseDown):
            return self._gesture.down(event.screen_x, event.screen_y, now)
        if isinstance(event, events.MouseUp):
            return self._gesture.up(event.screen_x, event.screen_y, now)
        return False

    # -- the staff screen's buttons ---------------------------------------------------------------
    def act(self, name: str) -> None:
        app, speech = self._app, self._app.speech
        if name == "clear" and not app.emergency_active:
            self.report("There is no emergency to clear.")
        elif name == "quit":
            app.staff_log.event("quit by staff", f"{app.sessions} sessions since start")
            speech.cancel()
            app.session.wipe()
            if speech.voice is not None:
                speech.voice.close()
            app.exit(0)
        elif name == "clear":
            app.run_worker(app.clear_emergency(), group="staff")
        elif name == "close":
            self.close()
        elif name == "engine":
            speech.engine = next_engine(speech.engine)
            if speech.voice is None:
                self.report(f"Engine set to {speech.engine}, but voice is off for this kiosk.")
                return
            self.report(f"Starting the {speech.engine} engine...")
            speech.open(speech.engine)
        elif name in ("test-mic", "test-speaker"):
            if speech.voice is None:
                self.report("Voice is off for this kiosk: nothing to test.")
                return
            self.report("Testing... " + ("say 'testing one two three'." if name == "test-mic" else ""))
            test = self._test_microphone if name == "test-mic" else self._test_speaker
            voice = speech.voice
            app.run_worker(lambda: test(voice), thread=True, group="staff-test", exit_on_error=False)

    def report(self, text: str) -> None:
        """Say how an action went, on the staff screen (if it is still the one showing)."""
        if isinstance(self._app.screen, StaffScreen):
            self._app.screen.report(text)

    def refresh(self) -> None:
        if isinstance(self._app.screen, StaffScreen):
            self._app.screen.refresh_status()

    # -- hardware tests (in threads) --------------------------------------------------------------
    def _test_microphone(self, voice: VoiceAdapter) -> None:
        post = self._app.post_message
        if not voice.status.hearing:
            post(StaffTestDone("Microphone test: listening is off. " + " ".join(voice.status.problems)))
            return
        peak = 0.0

        def level(value: float) -> None:
            nonlocal peak
            peak = max(peak, value)

        with voice.turn():
            heard = voice.listen(self._app.mic_test_grammar, level, Cancel())
        if heard is None:
            post(StaffTestDone("Microphone test failed: " + " ".join(voice.status.problems)))
            return
        words = "nothing" if heard.noinput or not heard.transcript else f'"{heard.transcript}"'
        post(StaffTestDone(f"Microphone test: loudest level {peak:.2f}, heard {words}."))

    def _test_speaker(self, voice: VoiceAdapter) -> None:
        with voice.turn():
            voice.check_speaker()  # a voice that gave up gets a real try when staff ask
            spoke = voice.say("This is the kiosk speaker test.")
        problem = getattr(voice, "speech_problem", None)  # the speaker's own reason, not the microphone's
        report = "Speaker test: the voice spoke." if spoke else (
            "Speaker test failed: " + (problem or "the voice is off or did not speak."))
        self._app.post_message(SpeechProblem(None if spoke else problem))
        self._app.post_message(StaffTestDone(report))

    # -- what the staff screen shows --------------------------------------------------------------
    def status(self) -> StaffStatus:
        app, speech = self._app, self._app.speech
        lines = voice_lines(speech.engine, speech.status, speech.speech_problem)
        guard = self.pin_guard
        if guard.total_wrong:
            lines.append(f"Wrong PIN tries since start: {guard.total_wrong} ({guard.in_a_row} in a row).")
        log = app.staff_log
        if log.problem:
            lines.append(f"WARNING: {log.problem}")
        elif log.path is not None:
            lines.append(f"Staff log: {log.path}")
        if app.settings.default_pin:
            lines.append("WARNING: the default PIN is in use. Set 'pin' in kiosk.yaml.")
        if not (app.settings.alert_command or app.settings.alert_file):
            lines.append("No alert command or alert file is set: emergencies only ring the bell.")
        for outcome in app.alerts.log:
            if outcome.ok:
                lines.append(f"Alert {outcome.when}: {outcome.status} ({outcome.category}).")
            else:
                word = "TIMED OUT" if outcome.timed_out else "FAILED"
                lines += [f"ALERT {word} {outcome.when}: {problem}" for problem in outcome.problems]
        emergency = app.emergency_active
        lines.append("An emergency is showing." if emergency else "No emergency is showing.")
        return StaffStatus(tuple(lines), emergency, speech.engine)


def voice_lines(engine: str, status: VoiceStatus, speech_problem: str | None) -> list[str]:
    """Engine, model, noise removal, microphone and speaker, in staff words (the welcome has the
    patients' words): what runs, and why anything is off."""
    on = {True: "on", False: "OFF"}
    speaking = status.speaking and not speech_problem
    lines = [f"Engine setting: {engine}. Listening {on[status.hearing]}"
             + (f" ({status.engine})" if status.engine else "") + f", speaking {on[speaking]}."]
    if status.running:
        lines.append(f"  {status.running}")  # "Speech: <engine> with the model ... Noise removal: ..."
    lines += [f"  - {problem}" for problem in status.problems]
    if speech_problem:
        lines.append(f"  - Speaker: {speech_problem}")
    return lines
