"""`kiosk` with no sub-command: read the settings and the knowledge base, open the voice, run the
screen, and make sure a crash is logged for staff (never shown with the patient's words)."""

from __future__ import annotations

import argparse
import signal
import sys

from kiosk.config import SettingsError, settings_from_args
from kiosk.engine.loader import KnowledgeBaseError, load_knowledge_base
from kiosk.stafflog import StaffLog, default_path
from kiosk.ui.app import KioskApp
from kiosk.ui.voice import VoiceAdapter


def run_app(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
    except SettingsError as error:
        print(f"kiosk: the settings have problems:\n{error}", file=sys.stderr)
        return 2
    try:
        kb = load_knowledge_base(settings.intents)
    except KnowledgeBaseError as error:
        print(f"kiosk: the knowledge base has problems:\n{error}", file=sys.stderr)
        return 1
    staff_log = StaffLog(settings.staff_log or default_path())
    voice = VoiceAdapter(settings)
    stopped_by: list[str] = []
    try:
        app = KioskApp(settings, kb, voice, staff_log=staff_log)
        _exit_on_stop_signals(app, stopped_by)
        code = app.run() or app.return_code  # return_code is 1 after a crash Textual caught
    except Exception as error:  # noqa: BLE001 - outside Textual's own handler: report, exit 1, restart
        staff_log.crash(error)
        code = 1
    finally:
        voice.close()
    staff_log.event("stopped", f"exit code {code or 0}" + "".join(f" ({name})" for name in stopped_by))
    staff_log.close()
    return code or 0


def _exit_on_stop_signals(app: KioskApp, stopped_by: list[str]) -> None:
    """`systemctl stop` (SIGTERM) or a terminal that went away (SIGHUP): leave as a staff quit does,
    through the app's own exit, so the staff log says "stopped" (Python's default would end the
    process at once with nothing logged). Only the signal's name is kept: logging inside a signal
    handler could deadlock."""

    def stop(signum: int, _frame: object) -> None:
        stopped_by.append(signal.Signals(signum).name)
        loop = app._loop  # Textual sets it while the app runs; call_soon_threadsafe wakes the loop
        if loop is None:
            raise SystemExit(0)  # not running yet (or any more): nothing to close but the process
        loop.call_soon_threadsafe(app.exit, 0)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
