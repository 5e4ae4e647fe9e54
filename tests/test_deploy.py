"""Boot to kiosk (issue 11 item 1): the systemd unit, checked by systemd-analyze; setup.sh's
Vosk fetch; and a crash that reaches the staff log, not the screen (issue 13 item 6)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.engine.loader import load_knowledge_base
from kiosk.stafflog import StaffLog
from kiosk.ui.app import KioskApp

ROOT = Path(__file__).resolve().parents[1]
UNIT = "hand-cramp-kiosk.service"


def rendered_unit(checkout: Path, user: str = "kiosk") -> str:
    """The unit exactly as `sudo ./setup.sh service` writes it, for a checkout at ``checkout``."""
    shutil.copytree(ROOT / "deploy", checkout / "deploy")
    shutil.copy(ROOT / "setup.sh", checkout / "setup.sh")
    done = subprocess.run(["bash", "setup.sh", "unit"], cwd=checkout, capture_output=True, text=True,
                          env={**os.environ, "KIOSK_USER": user}, check=True)
    return done.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is missing (./setup.sh test installs the systemd package)")
def test_the_service_unit_passes_systemd_analyze_verify(tmp_path):
    checkout = tmp_path / "hand-cramp-kiosk"
    (checkout / ".venv" / "bin").mkdir(parents=True)
    kiosk = checkout / ".venv" / "bin" / "kiosk"
    kiosk.write_text("#!/bin/sh\n")
    kiosk.chmod(0o755)
    unit = tmp_path / UNIT
    unit.write_text(rendered_unit(checkout))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # systemd only warns (exit 0) about settings it ignores, so any word on stderr is a fault
    assert done.stderr.strip() == "", done.stderr

    kiosk.unlink()  # and it does catch a broken unit
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "not executable" in done.stderr


def test_the_unit_runs_on_tty1_unprivileged_restarts_and_shows_no_shell(tmp_path):
    unit = rendered_unit(tmp_path / "checkout")
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["User"] == "kiosk", "never root"
    assert settings["ExecStart"] == f"{tmp_path / 'checkout'}/.venv/bin/kiosk"
    assert settings["TTYPath"] == "/dev/tty1" and settings["StandardOutput"] == "tty"
    assert settings["Conflicts"] == "getty@tty1.service", "it replaces the login prompt on tty1"
    assert settings["Restart"] == "always" and settings["StartLimitIntervalSec"] == "0"
    assert settings["StandardError"] == "journal", "errors never print on the patient's screen"
    assert settings["WantedBy"] == "multi-user.target"
    assert "@DIR@" not in unit and "@USER@" not in unit


def fake_venv(tmp_path: Path) -> tuple[Path, Path]:
    """A venv whose python is the real one (so the kiosk's own model search runs) and whose
    `kiosk` only notes how it was called."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    calls = tmp_path / "calls"
    (venv / "bin" / "kiosk").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (venv / "bin" / "kiosk").chmod(0o755)
    return venv, calls


def run_fetch(tmp_path: Path, venv: Path, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIOSK_VENV": str(venv), "KIOSK_MODEL_CACHE": str(cache), "HOME": str(tmp_path / "home"),
           "PYTHONPATH": str(ROOT)}
    env.pop("KIOSK_VOSK_MODEL", None)
    return subprocess.run(["bash", "-c", "source ./setup.sh && fetch_vosk_model"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_setup_fetches_the_vosk_model_when_none_is_installed_and_not_again(tmp_path):
    """The fetch used to grep `kiosk model list`, whose hint names the model: it never fetched."""
    from tests.test_models import make_model

    venv, calls = fake_venv(tmp_path)
    cache = tmp_path / "cache"
    done = run_fetch(tmp_path, venv, cache)
    assert done.returncode == 0, done.stderr
    assert calls.read_text().split() == ["model", "download"]

    calls.unlink()
    make_model(cache / "vosk-model-small-en-us-0.15")
    done = run_fetch(tmp_path, venv, cache)
    assert done.returncode == 0 and not calls.exists(), "a model is there: nothing fetched"
    assert "a Vosk model is installed" in done.stdout


def test_a_crash_goes_to_the_staff_log_never_to_the_screen(capsys, monkeypatch):
    """Textual prints a crash's traceback with its local variables; a patient's words can be among them."""
    log = StaffLog(None)
    app = KioskApp(Settings(pin="2468"), load_knowledge_base(), staff_log=log)
    said = "my zanzibar hands"

    async def crash(self=None):
        transcript = said  # noqa: F841 - a local a traceback with locals would show
        raise RuntimeError(f"could not handle {said!r}")

    monkeypatch.setattr(app, "start_interview", crash)

    async def press_start(pilot):
        await pilot.press("space")
        await pilot.pause()

    app.run(headless=True, auto_pilot=press_start)
    captured = capsys.readouterr()
    assert app.return_code == 1
    assert "zanzibar" not in captured.out + captured.err
    crash_lines = [line for line in log.recent if " crash: " in line]
    assert crash_lines and "RuntimeError at test_deploy.py:" in crash_lines[0]
    assert "zanzibar" not in " ".join(log.recent)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGHUP"])
def test_systemctl_stop_or_a_lost_terminal_ends_the_kiosk_cleanly_and_the_staff_log_says_so(tmp_path, stop):
    """`systemctl stop` sends SIGTERM; a terminal that goes away sends SIGHUP. The real kiosk, full
    screen on a pseudo-terminal, leaves through its own exit (exit code 0) and logs it."""
    import fcntl
    import pty
    import signal
    import struct
    import termios
    import threading
    import time

    log = tmp_path / "staff.log"
    (tmp_path / "kiosk.yaml").write_text(f"staff_log: {log}\nmute: true\n")
    main, screen = pty.openpty()
    fcntl.ioctl(screen, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "--mic-file", str(tmp_path / "no-answers")],
                             stdin=screen, stdout=screen, stderr=screen, cwd=tmp_path, start_new_session=True,
                             env={**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)})
    os.close(screen)

    def drain() -> None:  # the terminal's side: read what the kiosk draws, so it never blocks
        try:
            while os.read(main, 65536):
                pass
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while " voice: " not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert " voice: " in log.read_text(), "the kiosk did not start"
        kiosk.send_signal(getattr(signal, stop))
        assert kiosk.wait(timeout=30) == 0
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
        os.close(main)
    assert log.read_text().splitlines()[-1].endswith(f"stopped: exit code 0 ({stop})")
