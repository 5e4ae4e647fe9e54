"""`kiosk` with no sub-command: read the settings and the knowledge base, open the voice, run the
screen, and make sure a crash is logged for staff (never shown with the patient's words)."""

from __future__ import annotations

import argparse
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
    try:
        app = KioskApp(settings, kb, voice, staff_log=staff_log)
        code = app.run() or app.return_code  # return_code is 1 after a crash Textual caught
    except Exception as error:  # noqa: BLE001 - outside Textual's own handler: report, exit 1, restart
        staff_log.crash(error)
        code = 1
    finally:
        voice.close()
    staff_log.event("stopped", f"exit code {code or 0}")
    staff_log.close()
    return code or 0
