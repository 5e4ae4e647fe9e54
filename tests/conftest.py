"""Shared fixtures, written once: the real knowledge base, the real PocketSphinx recognizers, one
folder of synthesized clips, and a helper to run the real `kiosk` command."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from kiosk.engine.knowledge import KnowledgeBase
from kiosk.printing import load_escpos
from tests.support.knowledge import shipped_kb

REPO = Path(__file__).resolve().parent.parent
# python-escpos leaves a folder in /tmp in every process that imports it (kiosk.printing.load_escpos
# says why): the tests import it through load_escpos, first here, with its printer-list cache in a
# folder of this test process that goes when the process ends, not in the user's own cache.
_ESCPOS_CACHE = tempfile.TemporaryDirectory(prefix="kiosk-tests-escpos-")
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", _ESCPOS_CACHE.name)
load_escpos()


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return shipped_kb()  # the one the UI tests' kiosk() uses: loaded once per process


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every speech test's clips: make_clip names a clip by all its settings, so
    tests that ask for the same clip share one file, synthesized once per run. With pytest-xdist
    the workers share it too (the folder above each worker's own; make_clip writes atomically)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return tmp_path_factory.mktemp("clips")
    shared = tmp_path_factory.getbasetemp().parent / "clips"
    shared.mkdir(exist_ok=True)
    return shared


@pytest.fixture(scope="session")
def _loaded_sphinx():
    from kiosk.speech.recognizers.pocketsphinx_recognizer import PocketSphinxRecognizer

    return PocketSphinxRecognizer()  # loading takes about a second: once per run


class FreshFrontEnds:
    """New DeepFilterNet states, each made in a thread while the previous test runs: making one
    takes about 0.6 s, nearly all inside the C library (ctypes lets go of the interpreter lock)."""

    def __init__(self) -> None:
        self._made: object = None
        self._start()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._make, daemon=True)
        self._thread.start()

    def _make(self) -> None:
        from kiosk.speech import deepfilter

        self._made, _ = deepfilter.load()

    def take(self):
        self._thread.join()
        fresh = self._made
        self._start()
        return fresh


@pytest.fixture(scope="session")
def _fresh_front_ends() -> FreshFrontEnds:
    return FreshFrontEnds()


@pytest.fixture
def sphinx(_loaded_sphinx, _fresh_front_ends):
    """The kiosk's PocketSphinx with DeepFilterNet in front, as a new patient meets it: the
    recognizer is loaded once, but a test that played audio through it leaves the decoders with
    the voice they adapted to and DeepFilterNet with the room it learned (the kiosk wipes both
    between patients, Listener.forget), so the next test gets them fresh: reset() for the
    decoders, a new DeepFilterNet state (made ahead, in a thread) for the front end. Without
    that, a test's result depended on the tests before it."""
    recognizer = _loaded_sphinx
    used = recognizer.front_end
    if used is not None and used.learned_s > 0:  # (a test that wiped it, Listener.forget, left it new)
        recognizer.front_end = _fresh_front_ends.take()
        used.close()
    recognizer.reset()
    recognizer.last = None
    return recognizer


@pytest.fixture(scope="session")
def _loaded_gate_sphinx():
    from kiosk.speech.recognizers.pocketsphinx_recognizer import PocketSphinxRecognizer

    return PocketSphinxRecognizer(denoise="gate")


@pytest.fixture
def gate_sphinx(_loaded_gate_sphinx):
    """PocketSphinx with the spectral gate only (DeepFilterNet's fallback), loaded once; the gate
    keeps no state between answers, the decoders do, so they are reset for each test."""
    _loaded_gate_sphinx.reset()
    _loaded_gate_sphinx.last = None
    return _loaded_gate_sphinx


def run_kiosk(*args: str, stdin: str = "", cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """The kiosk as a user runs it: a separate process, `python -m kiosk ARGS`. The time limit only
    ends a hang (the run returns the moment the kiosk exits): `kiosk hear` on three files is about
    5 s of CPU, and took more than 120 s at load 40 with the tests at nice 19."""
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=timeout)


@pytest.fixture(scope="session")
def whisper():
    """The real Whisper tiny.en recognizer, loaded once (about 0.5 s and 100 MB)."""
    from kiosk.speech.recognizers.whisper_recognizer import WhisperRecognizer

    return WhisperRecognizer()
