"""Where the test suite's time goes: runs the whole suite (as `./setup.sh test` does, two
workers) with a small plugin, then prints its wall time, the CPU time of each test file, the
time the workers sat idle inside tests, and what the costly steps cost in all.

    .venv/bin/python scripts/suite_cost.py            # the whole suite
    .venv/bin/python scripts/suite_cost.py tests/test_ui_app.py   # or some files

It prints figures; it asserts nothing. Run it on a quiet machine: CPU seconds hold under load,
wall seconds do not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="suite-cost-") as folder:
        env = dict(os.environ, SUITE_COST_DIR=folder,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO / "scripts"), os.environ.get("PYTHONPATH")])))
        began = time.perf_counter()
        before = os.times()
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "suite_cost_plugin",
                              *args], cwd=REPO, env=env, capture_output=True, text=True)
        after = os.times()
        wall = time.perf_counter() - began
        tests = [json.loads(line) for path in Path(folder).glob("tests-*.jsonl") for line in path.read_text().splitlines()]
        steps: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        for path in Path(folder).glob("steps-*.json"):
            for name, (count, seconds) in json.loads(path.read_text()).items():
                steps[name][0] += count
                steps[name][1] += seconds
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    print(f"wall {wall:.1f} s; CPU {cpu:.1f} s (user + system, every process); 2 cores give at best {cpu / 2:.1f} s")
    in_tests = sum(t["cpu"] + t["child"] for t in tests)
    idle = sum(max(0.0, t["wall"] - t["cpu"] - t["child"]) for t in tests)
    print(f"inside tests: {in_tests:.1f} CPU-s; outside (start, collection, session ends): {cpu - in_tests:.1f} CPU-s; "
          f"workers idle inside tests (waits, time limits): {idle:.1f} s")
    by_file: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for t in tests:
        row = by_file[t["id"].split("::")[0]]
        row[0] += t["cpu"] + t["child"]
        row[1] += max(0.0, t["wall"] - t["cpu"] - t["child"])
        row[2] += 1
    print("\nCPU-s  idle-s  tests  file")
    for name, (spent, waited, count) in sorted(by_file.items(), key=lambda item: -item[1][0])[:20]:
        print(f"{spent:5.1f}  {waited:6.1f}  {count:5d}  {name}")
    print("\ncalls  CPU-s  step (CPU of the process while the step ran: a thread beside it counts too)")
    for name, (count, seconds) in sorted(steps.items(), key=lambda item: -item[1][1]):
        print(f"{int(count):5d}  {seconds:5.1f}  {name}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
