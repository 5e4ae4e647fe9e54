"""The tests' own YAML data (stories, probes, phrase books, corpora, intent cases), read with
libyaml's C parser where PyYAML has it: the same data as ``yaml.safe_load`` (same resolver and
constructor) for about an eighth of the CPU. Most of it is read at collection, by every test
worker. (The kiosk's files go through kiosk.yamlread, which keeps every line number.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_data(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
