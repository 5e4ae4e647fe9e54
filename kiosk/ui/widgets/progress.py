"""'Question 3 of about 8' and a bar, from QuestionEvent.progress."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from kiosk.engine.events import Progress
from kiosk.engine.knowledge import Prompts


def progress_words(progress: Progress, words: Prompts) -> str:
    estimate = max(progress.estimate, progress.asked)
    key = "progress" if estimate == progress.asked else "progress_about"
    return words[key].format(asked=progress.asked, estimate=estimate)


class QuestionProgress(Horizontal):
    def __init__(self, words: Prompts, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._words = words

    def compose(self) -> ComposeResult:
        yield Label("", id="progress-words", markup=False)
        yield ProgressBar(total=1, show_eta=False, show_percentage=False, id="progress-bar")

    def show(self, progress: Progress) -> None:
        self.query_one("#progress-words", Label).update(progress_words(progress, self._words))
        bar = self.query_one("#progress-bar", ProgressBar)
        bar.update(total=max(progress.estimate, progress.asked, 1), progress=progress.asked)
