"""`kiosk --jsonl`: the interview with no screen and no audio (docs/jsonl-protocol.md).

Standard input: one answer a line, as a patient would say it. Standard output: one JSON event a
line, flushed at once so a program can hold a conversation with it.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO, Iterable

from kiosk.engine import KnowledgeBaseError, Session, load_knowledge_base
from kiosk.engine.events import Event
from kiosk.engine.knowledge import KnowledgeBase

MAX_ANSWER_CHARS = 500  # longer lines are cut: nobody answers a question with a page of text


def run_jsonl(stdin: IO[str], stdout: IO[str], intents: Path | None = None, *,
              kb: KnowledgeBase | None = None) -> int:
    """One interview; ``kb`` is an already loaded knowledge base (the tests run many interviews
    in one process and load it once), otherwise it is loaded from ``intents``."""
    try:
        kb = kb or load_knowledge_base(intents)
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        return 2
    session = Session(kb)
    emit = _emitter(stdout)
    emit(session.start())
    for line in _lines(stdin):
        emit(session.answer(line[:MAX_ANSWER_CHARS]))
        if session.finished:
            return 0
    emit(session.abort())
    return 0


def _emitter(stdout: IO[str]):
    def emit(events: Iterable[Event]) -> None:
        for event in events:
            stdout.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
        stdout.flush()

    return emit


def _lines(stdin: IO[str]) -> Iterable[str]:
    """Lines as text; bytes that are not UTF-8 are replaced, never fatal."""
    if stdin is sys.stdin and hasattr(stdin, "buffer"):
        stdin = io.TextIOWrapper(stdin.buffer, encoding="utf-8", errors="replace")
    while True:
        line = stdin.readline()
        if not line:
            return
        yield line.rstrip("\r\n").replace("\x00", " ")



