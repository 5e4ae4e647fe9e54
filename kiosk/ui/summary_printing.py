"""Printing the clinician summary from the result screen, in a thread (a printer can hang), with
how it went shown on the result screen. Only offered when staff set up a printer (kiosk.yaml)."""

from __future__ import annotations

from textual.app import App

from kiosk.engine.events import ResultEvent
from kiosk.engine.knowledge import Prompts
from kiosk.printing import PrintOutcome, SummaryPrinter
from kiosk.ui.screens.result import ResultScreen


class SummaryPrinting:
    def __init__(self, app: App[int], printer: SummaryPrinter | None, words: Prompts) -> None:
        self._app = app
        self.printer = printer
        self._words = words
        self.log: list[PrintOutcome] = []

    def print(self, result: ResultEvent) -> bool:
        """Start printing; False (and nothing happens) without a printer or a summary."""
        if result.summary is None or self.printer is None:
            return False
        self._show("print_started")
        printer, text, code = self.printer, result.clinician_summary(), result.summary.compact()
        self._app.run_worker(lambda: self._print(printer, text, code), thread=True, group="print",
                             exit_on_error=False)
        return True

    def _print(self, printer: SummaryPrinter, text: str, code: str) -> None:
        outcome = printer.print_summary(text, code)
        self._app.call_from_thread(self._printed, outcome)

    def _printed(self, outcome: PrintOutcome) -> None:
        self.log.append(outcome)
        self._show("print_done" if outcome.ok else "print_failed", failed=not outcome.ok)
        if not outcome.ok:
            self._app.bell()

    def _show(self, key: str, failed: bool = False) -> None:
        for screen in self._app.screen_stack:
            if isinstance(screen, ResultScreen):
                screen.show_print_status(self._words[key], failed=failed)
