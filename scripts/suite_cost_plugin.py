"""The pytest plugin of scripts/suite_cost.py: per test, its wall, CPU and child-process CPU
time; per costly step (a DeepFilterNet state made, audio cleaned, a knowledge base loaded, a
PocketSphinx decode, a kiosk app made), how often it ran and the CPU it took. Each worker
writes its own files into $SUITE_COST_DIR. Loaded only by that script (-p suite_cost_plugin)."""

from __future__ import annotations

import atexit
import functools
import json
import os
import resource
import time
from collections import defaultdict
from typing import Any

import pytest

_FOLDER = os.environ.get("SUITE_COST_DIR", "")
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_STEPS: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])


def _timed(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            step = _STEPS[label]
            step[0] += 1
            step[1] += time.process_time() - began

    setattr(owner, name, timed)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pytest_configure(config: pytest.Config) -> None:
    if not _FOLDER:
        return
    from kiosk.engine import loader
    from kiosk.speech import deepfilter
    from kiosk.speech.recognizers import pocketsphinx_recognizer
    from kiosk.ui.app import KioskApp

    _timed(deepfilter.DeepFilter, "__init__", "DeepFilterNet state made")
    _timed(deepfilter.DeepFilter, "_run", "DeepFilterNet cleaning audio")
    _timed(loader, "load_knowledge_base", "knowledge base loaded")
    _timed(pocketsphinx_recognizer.PocketSphinxRecognizer, "finish", "PocketSphinx decode (finish)")
    _timed(KioskApp, "__init__", "kiosk app made (a UI test's run_test; its CPU is in the files above)")
    atexit.register(_write_steps)


def _write_steps() -> None:
    with open(os.path.join(_FOLDER, f"steps-{_WORKER}.json"), "w", encoding="utf-8") as out:
        json.dump(_STEPS, out)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    if not _FOLDER:
        yield
        return
    wall, cpu, child = time.perf_counter(), time.process_time(), _child_cpu()
    yield
    row = {"id": item.nodeid, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
           "child": _child_cpu() - child}
    with open(os.path.join(_FOLDER, f"tests-{_WORKER}.jsonl"), "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
