"""The medical engine stays pure Python: no Textual, no audio library (Harlequin's rule)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import kiosk.engine

FORBIDDEN = ("textual", "vosk", "pocketsphinx", "sounddevice", "soundfile", "pyttsx3", "pyaudio", "numpy")
ENGINE = Path(kiosk.engine.__file__).parent
ROOT = ENGINE.parent.parent


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


def test_every_place_that_names_the_urgency_levels_names_the_one_list():
    """kiosk.engine.events.URGENCY_LEVELS is the list; what must follow it is checked here."""
    from kiosk.engine.events import URGENCY_LEVELS
    from kiosk.engine.knowledge import LEVELS
    from kiosk.engine.loader import load_knowledge_base
    from kiosk.ui.screens.result import LEVEL_ICONS

    levels = set(URGENCY_LEVELS)
    assert LEVELS == URGENCY_LEVELS
    assert set(load_knowledge_base().levels) == levels  # urgency.yaml's words for each level
    assert set(LEVEL_ICONS) == levels  # the result screen's icon
    names = {key.removeprefix("level_") for key in load_knowledge_base().prompts.texts if key.startswith("level_")}
    assert names == levels  # and its name for each level (prompts.yaml level_<id>)
    tcss = (ROOT / "kiosk" / "ui" / "kiosk.tcss").read_text(encoding="utf-8")
    assert set(re.findall(r"#banner\.level-([a-z_]+)", tcss)) == levels  # the banner's colour
    protocol = (ROOT / "docs" / "jsonl-protocol.md").read_text(encoding="utf-8")
    documented = re.search(r"- `urgency\.level`: (.*)\.", protocol)
    assert documented and set(re.findall(r"`([a-z_]+)`", documented.group(1))) == levels
