"""Sending the staff alert when an emergency shows: in a thread (a hung command must not freeze the
screen), then the outcome on the emergency screen, the staff screen and in the staff log."""

from __future__ import annotations

from textual.app import App

from kiosk.stafflog import StaffLog
from kiosk.ui.alert import AlertOutcome, StaffAlert, failed_outcome, reason_category
from kiosk.ui.screens.emergency import EmergencyScreen
from kiosk.ui.screens.staff import StaffScreen


class AlertDispatch:
    def __init__(self, app: App[int], sender: StaffAlert, staff_log: StaffLog) -> None:
        self._app = app
        self.sender = sender
        self._staff_log = staff_log
        self.log: list[AlertOutcome] = []  # every alert since start, for the staff screen

    def send(self, rule_ids: tuple[str, ...]) -> None:
        category = reason_category(rule_ids)
        self._app.run_worker(lambda: self._send(category), thread=True, group="alert", exit_on_error=False)

    def _send(self, category: str) -> None:
        try:
            outcome = self.sender.send(category)
        except Exception as error:  # noqa: BLE001 - an alert that broke must still be reported
            outcome = failed_outcome(category, f"the alert could not be sent ({type(error).__name__})")
        self._app.call_from_thread(self._sent, outcome)

    def _sent(self, outcome: AlertOutcome) -> None:
        self.log.append(outcome)
        self._staff_log.event(f"alert {outcome.status}", f"reason {outcome.category}"
                              + "".join(f"; {problem}" for problem in outcome.problems))
        for screen in self._app.screen_stack:
            if isinstance(screen, EmergencyScreen):
                screen.show_alert(outcome.ok, outcome.configured)
            if isinstance(screen, StaffScreen):
                screen.refresh_status()
        if not outcome.ok:
            self._app.bell()
