"""Shared fixtures: the real knowledge base, and a helper to run the real `kiosk` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.engine import load_knowledge_base
from kiosk.engine.knowledge import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def run_kiosk(*args: str, stdin: str = "", cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """The kiosk as a user runs it: a separate process, `python -m kiosk ARGS`."""
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=timeout)


@pytest.fixture(scope="session")
def speech_clips(tmp_path_factory) -> Path:
    """One folder of synthesized clips for the whole test session (tests.speech_audio.make_clip
    caches by its settings, so a clip two test files use is synthesized once)."""
    return tmp_path_factory.mktemp("speech_clips")


@pytest.fixture(scope="session")
def whisper():
    """The real Whisper tiny.en recognizer, loaded once (about 0.5 s and 100 MB)."""
    from kiosk.speech.recognizers.whisper_recognizer import WhisperRecognizer

    return WhisperRecognizer()
