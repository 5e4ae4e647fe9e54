"""A plain (non-editable) install carries the knowledge base and sounds, and works from any folder."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# With `--dist loadgroup` (pyproject addopts) this file's tests run on one worker: the wheel is built once
pytestmark = pytest.mark.xdist_group("packaging")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel from the project's own build backend, called as pip calls it (PEP 517
    build_wheel in the checkout). In-process: `pip wheel` would first make a fresh build
    environment and install hatchling into it, ~8 s each run, to build the same wheel."""
    from hatchling.build import build_wheel

    out = tmp_path_factory.mktemp("wheel")
    with contextlib.chdir(REPO):
        name = build_wheel(str(out))
    return out / name


def test_wheel_contains_every_intents_yaml_and_the_audio_assets(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (REPO / "intents").rglob("*.yaml"):
        assert f"kiosk/intents/{path.relative_to(REPO / 'intents').as_posix()}" in names
    assert any(n.startswith("kiosk/audio/") for n in names)
    assert "kiosk/engine/session.py" in names
    assert "kiosk/speech/hallucinations.yaml" in names  # the recognizer stage's list of invented phrases
    # Test support (simulated patient, stories, test audio) lives in tests/support/, not the product.
    assert [n for n in names if n.startswith(("kiosk/testing/", "tests/"))] == []


def test_installed_wheel_validates_and_interviews_from_another_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, text=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = "import kiosk.paths as p; print(p.intents_dir())"
    where = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(target))
    validate = subprocess.run([sys.executable, "-m", "kiosk", "validate"], cwd=elsewhere, env=env,
                              capture_output=True, text=True)
    assert validate.returncode == 0, validate.stderr
    assert "15 causes" in validate.stdout
    interview = subprocess.run([sys.executable, "-m", "kiosk", "--jsonl"], input="no\n", cwd=elsewhere, env=env,
                               capture_output=True, text=True)
    assert '"type": "question"' in interview.stdout and '"type": "aborted"' in interview.stdout
