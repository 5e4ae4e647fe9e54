"""How fast does a patient see the first question?

Two measurements, printed (the target is 1.5 s from starting the kiosk to the first question):

* terminal: starts ``python -m kiosk`` in a real terminal (tmux), polls the screen until the
  welcome is drawn, presses Space, and polls until "Question 1" is drawn. Includes Python start-up,
  imports, loading the knowledge base and opening speech in the background.
* in-process: imports the app, loads the knowledge base and runs it headless (App.run_test),
  timing until the first question is rendered.

Usage: python scripts/bench_startup.py [--runs 5] [--mode terminal|in-process|both] [-- kiosk flags]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.5
WELCOME_MARK = "Hand cramp check"
QUESTION_MARK = "Question 1 of"


def _pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def _wait_for(session: str, mark: str, timeout_s: float) -> float | None:
    end = time.perf_counter() + timeout_s
    while time.perf_counter() < end:
        if mark in _pane(session):
            return time.perf_counter()
        time.sleep(0.01)
    return None


def terminal_run(kiosk_flags: list[str]) -> tuple[float, float]:
    """(seconds to the welcome, seconds to the first question) from launching the process."""
    session = f"bench-{uuid.uuid4().hex[:8]}"
    command = " ".join([sys.executable, "-m", "kiosk", *kiosk_flags])
    started = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", str(ROOT), command],
                   check=True)
    try:
        welcome = _wait_for(session, WELCOME_MARK, 20)
        if welcome is None:
            raise RuntimeError(f"the welcome never appeared:\n{_pane(session)}")
        subprocess.run(["tmux", "send-keys", "-t", session, "Space"], check=True)
        question = _wait_for(session, QUESTION_MARK, 20)
        if question is None:
            raise RuntimeError(f"the first question never appeared:\n{_pane(session)}")
        return welcome - started, question - started
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def in_process_run() -> float:
    """Seconds from importing the app to the first question rendered (headless), in a fresh process."""
    code = (
        "import time, asyncio; t0 = time.perf_counter()\n"
        "from kiosk.config import Settings\n"
        "from kiosk.ui.app import create_app\n"
        "async def main():\n"
        "    app = create_app(Settings(mute=True))\n"
        "    async with app.run_test(size=(100, 30)) as pilot:\n"
        "        await pilot.press('space'); await pilot.pause()\n"
        "        assert app.screen.query_one('#progress-words').render()\n"
        "        print(time.perf_counter() - t0)\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def summary(name: str, values: list[float]) -> str:
    verdict = "OK" if max(values) <= TARGET_S else "OVER TARGET"
    return (f"{name}: median {statistics.median(values):.3f} s, worst {max(values):.3f} s "
            f"over {len(values)} runs (target {TARGET_S} s) {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mode", choices=["terminal", "in-process", "both"], default="both")
    parser.add_argument("kiosk_flags", nargs="*", default=["--mute"], help="flags for `kiosk` (default: --mute)")
    args = parser.parse_args()
    if args.mode in ("terminal", "both"):
        if shutil.which("tmux") is None:
            print("terminal: skipped, tmux is not installed")
        else:
            runs = [terminal_run(args.kiosk_flags) for _ in range(args.runs)]
            print(summary("terminal, launch to welcome drawn", [w for w, _ in runs]))
            print(summary("terminal, launch to first question drawn (incl. one key press)", [q for _, q in runs]))
    if args.mode in ("in-process", "both"):
        print(summary("in-process, import to first question rendered", [in_process_run() for _ in range(args.runs)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
