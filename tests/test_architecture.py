"""The medical engine stays pure Python: no Textual, no audio library (Harlequin's rule)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import kiosk.engine

FORBIDDEN = ("textual", "vosk", "pocketsphinx", "sounddevice", "soundfile", "pyttsx3", "pyaudio", "numpy")
ENGINE = Path(kiosk.engine.__file__).parent


def test_engine_sources_import_no_ui_or_audio_library():
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
                assert not name.startswith(("kiosk.ui", "kiosk.speech")), f"{path.name} imports {name}"


def test_running_an_interview_loads_no_ui_or_audio_module():
    """Not only the engine's own files: nothing it pulls in may drag them in either."""
    code = (
        "import sys, io\n"
        "from kiosk.jsonl import run_jsonl\n"
        "run_jsonl(io.StringIO('no\\nnone of those\\n50\\n'), io.StringIO())\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
