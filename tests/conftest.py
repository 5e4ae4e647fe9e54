"""Shared fixtures, written once: the real knowledge base, the real PocketSphinx recognizers, one
folder of synthesized clips, and a helper to run the real `kiosk` command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.engine import load_knowledge_base
from kiosk.engine.knowledge import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every speech test's clips: make_clip names a clip by all its settings, so
    tests that ask for the same clip share one file."""
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def _loaded_sphinx():
    from kiosk.speech.recognizers.pocketsphinx_recognizer import PocketSphinxRecognizer

    return PocketSphinxRecognizer()  # loading takes about a second: once per run


@pytest.fixture(scope="module")
def _sphinx_for_module(_loaded_sphinx) -> Iterator:
    """DeepFilterNet learns the room over a session's answers: wiped after each test module (as a
    session is wiped) so no module's results depend on which modules ran before it. (Per test it
    would cost a model load, about 0.6 s, for each of some fifty tests.)"""
    yield _loaded_sphinx
    if _loaded_sphinx.front_end is not None:
        _loaded_sphinx.front_end.reset()
    _loaded_sphinx.last = None


@pytest.fixture
def sphinx(_sphinx_for_module):
    """The kiosk's PocketSphinx, with DeepFilterNet in front when it loads."""
    return _sphinx_for_module


@pytest.fixture(scope="session")
def gate_sphinx():
    """PocketSphinx with the spectral gate only (DeepFilterNet's fallback); the gate keeps no
    state between answers, so one is shared."""
    from kiosk.speech.recognizers.pocketsphinx_recognizer import PocketSphinxRecognizer

    return PocketSphinxRecognizer(denoise="gate")


def run_kiosk(*args: str, stdin: str = "", cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """The kiosk as a user runs it: a separate process, `python -m kiosk ARGS`."""
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=timeout)
