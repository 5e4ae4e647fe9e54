"""Re-run issue 13's faults and PRINT what each one does now (figures, not a test).

    .venv/bin/python scripts/fault_table.py

Each fault is injected for real: the real speech child with a stand-in speaker, real alert
commands, hostile YAML, a local HTTP server on 127.0.0.1. Nothing is asserted here; the tests
(tests/test_tts.py, test_ui_alert.py, test_yaml_limits.py, test_models.py, test_ui_reliability.py)
assert; this prints the measured figures for the closing note.
"""

from __future__ import annotations

import io
import os
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.config import SettingsError, load_settings
from kiosk.engine.loader import KnowledgeBaseError, load_knowledge_base
from kiosk.paths import intents_dir
from kiosk.speech.models import ModelError, download_model, plan_download
from kiosk.speech.tts import Pyttsx3Speech
from kiosk.ui.alert import StaffAlert
from kiosk.ui.dialogs.pin import PinGuard
from tests.support.speaker import stand_in_speaker

LONG = "Do your hands cramp when you write, when you hold a cup, or when you grip a steering wheel for a long time?"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def shm() -> set[str]:
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def speech(folder: Path) -> None:
    stand_in_speaker(folder)
    code = (f"import sys; sys.path.insert(0, {str(folder)!r}); from kiosk.speech.tts import _worker_main; "
            "sys.exit(_worker_main(sys.argv[1:]))")
    before = shm()
    voice = Pyttsx3Speech(command=[sys.executable, "-c", code, '{"voice": "en-us"}'])
    stopped = 0
    started = folder / "played.started"  # the stand-in speaker notes each play it starts here
    os.environ["FAKE_SPEAKER_LOG"] = str(folder / "played")
    for n in range(4):
        def stop(n: int = n) -> None:  # a key press while the sentence plays
            while not started.exists() or started.read_text().count("\n") <= n:
                time.sleep(0.05)
            time.sleep(0.5)
            voice.stop()
        threading.Thread(target=stop, daemon=True).start()
        stopped += voice.say(LONG) is False
    spoke = voice.say("Yes.")
    voice.close()
    print(f"1/3 speech: {stopped} of 4 long questions cut off by a key; then a sentence spoken: {spoke}; "
          f"gave up: {voice.gave_up and not voice._closed}; new files in /dev/shm: {len(shm() - before)}")
    empty = 0
    for n in range(5):
        fresh = Pyttsx3Speech(command=[sys.executable, "-c", code, '{"voice": "en-us"}'])
        path = folder / f"r{n}.wav"
        empty += not (fresh.save(LONG, path) and path.stat().st_size > 44)
        fresh.close()
    print(f"1   first render of the long question in 5 fresh speech processes: {empty} empty")


HANG = """
import os, sys, time
sys.path.insert(0, {folder!r})
from pyttsx3.drivers import _espeak
real = _espeak.Synchronize
def synchronize():  # a stand-in for a hung espeak-ng: while the flag file exists it never returns
    if os.path.exists({flag!r}):
        time.sleep(3600)
    return real()
_espeak.Synchronize = synchronize
from kiosk.speech.tts import _worker_main
sys.exit(_worker_main(sys.argv[1:]))
"""


def hung_espeak(folder: Path) -> None:
    stand_in_speaker(folder)
    flag = folder / "espeak-hangs"
    code = HANG.format(folder=str(folder), flag=str(flag))
    voice = Pyttsx3Speech(command=[sys.executable, "-c", code, '{"voice": "en-us"}'])
    flag.touch()
    costs = []
    for _ in range(4):
        started = time.monotonic()
        voice.say(LONG)
        costs.append(time.monotonic() - started)
    voice.wait_for_check(60)
    flag.unlink()
    voice.say(LONG)  # shown only; starts a check, which passes now
    voice.wait_for_check(60)
    back = voice.say("Yes.")
    flag.touch()
    voice.say("Yes.")  # the second hang this session
    flag.unlink()
    voice.say("Yes.")
    waits = voice.gave_up and not voice.checking
    voice.try_again()  # the next session
    voice.wait_for_check(60)
    next_session = voice.say("Yes.")
    voice.close()
    print(f"1   hung espeak: the first long question cost {costs[0]:.1f} s (its time limit), the next 3 "
          f"{sum(costs[1:]):.2f} s in all (shown only, checked in the background); espeak well again: "
          f"speaking after the next question's check: {back}; after a second hang it waits for the next "
          f"session: {waits}; speaking in the next session: {next_session}")


def alerts(folder: Path) -> None:
    rss = rss_mb()
    started = time.monotonic()
    outcome = StaffAlert("yes", None).send("x")
    print(f"2   alert command `yes`: {outcome.status} after {time.monotonic() - started:.1f} s; "
          f"peak memory of the kiosk process +{rss_mb() - rss:.0f} MB")
    fifo = folder / "alerts.fifo"
    os.mkfifo(fifo)
    ran = folder / "ran"
    started = time.monotonic()
    outcome = StaffAlert(f"touch {ran}", fifo).send("x")
    print(f"2   alert_file is a FIFO nobody reads: {outcome.status} in {time.monotonic() - started:.2f} s; "
          f"command ran: {ran.exists()}")
    pids = folder / "pids"
    StaffAlert(f"(trap '' TERM; sleep 300) & echo $! > {pids}; wait", None, command_timeout_s=1).send("x")
    time.sleep(1.5)
    pid = int(pids.read_text())
    alive = os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    print(f"2   timed-out command's child that ignores SIGTERM still running: {alive}")


def bomb(levels: int, width: int) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def yaml_faults(folder: Path) -> None:
    settings = folder / "kiosk.yaml"
    settings.write_text(bomb(9, 9))
    tracemalloc.start()
    started = time.monotonic()
    try:
        load_settings(settings)
        message = "loaded"
    except SettingsError as error:
        message = str(error).replace(str(folder), "")
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"5   kiosk.yaml alias bomb ({settings.stat().st_size} bytes): {time.monotonic() - started:.2f} s, "
          f"peak {peak:.1f} MB: {message}")
    import shutil

    intents = folder / "intents"
    shutil.copytree(intents_dir(), intents)
    (intents / "causes.yaml").write_text(bomb(10, 9) + "x: " + "y" * 200 + "\n")
    started = time.monotonic()
    try:
        load_knowledge_base(intents)
    except KnowledgeBaseError as error:
        first = str(error.problems[0])
    print(f"5   intents/ alias bomb ({(intents / 'causes.yaml').stat().st_size} bytes): "
          f"{time.monotonic() - started:.2f} s: {first}")
    (intents / "causes.yaml").write_bytes(b"a: [" + b"1, " * 15_000_000 + b"1]\n")
    started = time.monotonic()
    try:
        load_knowledge_base(intents)
    except KnowledgeBaseError as error:
        first = str(error.problems[0])
    print(f"5   a 45 MB causes.yaml: {time.monotonic() - started:.2f} s, peak RSS {rss_mb():.0f} MB: {first}")


def pin() -> None:
    guard = PinGuard()
    total = sum(guard.delay_s(n) for n in range(1, 39))
    print(f"6   38 wrong PINs in a row now wait at least {total / 60:.0f} min in all (was 19 s)")


def downloads(folder: Path) -> None:
    body = bytes(300_000)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            try:
                if self.path == "/trickle":
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.5)
                else:
                    self.wfile.write(body)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    cache = folder / "cache"
    for path, kwargs, what in (("/trickle", {"deadline_s": 3.0}, "1 byte every 0.5 s, deadline 3 s"),
                               ("/big", {}, "300 kB sent for a pinned 40 kB")):
        started = time.monotonic()
        try:
            download_model(plan_download("vosk-model-x", base + path, "0" * 64, size=40_000), cache=cache,
                           progress_stream=io.StringIO(), **kwargs)
        except ModelError as error:
            result = str(error)[:90]
        left = sorted(os.listdir(cache))
        print(f"7   download, {what}: stopped after {time.monotonic() - started:.1f} s: {result}...; left: {left}")
    server.shutdown()


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        speech(folder)
        hung_espeak(folder)
        alerts(folder)
        yaml_faults(folder)
        pin()
        downloads(folder)


if __name__ == "__main__":
    main()
