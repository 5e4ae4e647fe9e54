"""The shipped knowledge base for the tests, loaded on first use and then shared in the process.

Not at import: collecting the tests, or running ones that need none, skips the load. conftest's
``kb`` fixture and the UI tests' ``kiosk()`` hand out this same one.
"""

from __future__ import annotations

import functools

from kiosk.engine.knowledge import KnowledgeBase
from kiosk.engine.loader import load_knowledge_base


@functools.cache
def shipped_kb() -> KnowledgeBase:
    return load_knowledge_base()
