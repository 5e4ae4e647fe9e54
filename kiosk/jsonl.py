"""`kiosk --jsonl`: the interview with no screen and no audio (docs/jsonl-protocol.md).

Standard input: one answer a line, as a patient would say it, or a JSON object for an answer
button, silence or the idle timer ({"choose": N}, {"noinput": true}, {"idle": true}), or for a
transcript with its recognizer's confidence ({"text": "yes", "confidence": 0.4}). Standard output: one JSON event a
line, flushed at once so a program can hold a conversation with it.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO, Iterable

from kiosk.engine import KnowledgeBaseError, Session, load_knowledge_base
from kiosk.engine.events import Event, RepromptEvent
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
        emit(respond(session, line))
        if session.finished:
            return 0
    emit(session.abort())
    return 0


def respond(session: Session, line: str) -> list[Event]:
    """A line is an answer in words, or one of the objects for keys, silence and the idle timer."""
    heard = _heard(line)
    if heard is not None:  # words with the recognizer's confidence, as the speech loop gives them
        return session.answer(heard[0][:MAX_ANSWER_CHARS], heard[1])
    action = _action(line)
    if action is None:
        return session.answer(line[:MAX_ANSWER_CHARS])
    name, value = action
    if name == "noinput":
        return session.noinput()
    if name == "idle":
        return session.idle()
    events = session.choose(value)
    if not events and session.current is not None:  # no such button: say so, lose nothing
        waiting = session.read_back  # "Is that right?" has its own two buttons
        if waiting is not None:
            qid, asked, options = waiting.question, waiting.text, waiting.options
        else:
            qid, asked, options = session.current.id, session.current.text, ()
        events = [RepromptEvent(qid, "no_such_key", f"{session.kb.prompts['no_such_key']} {asked}", options=options)]
    return events


def _object(line: str) -> dict | None:
    """The line as a JSON object, or None when it is not one (then it is an answer in words)."""
    if not line.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _heard(line: str) -> tuple[str, float] | None:
    """{"text": "yes", "confidence": 0.4}: a transcript and how sure the recognizer was (0 to 1)."""
    data = _object(line)
    if data is None or set(data) != {"text", "confidence"}:
        return None
    text, confidence = data["text"], data["confidence"]
    if not isinstance(text, str) or isinstance(confidence, bool) or not isinstance(confidence, (int, float)) \
            or not 0 <= confidence <= 1:
        return None
    return text, float(confidence)


def _action(line: str) -> tuple[str, int] | None:
    """{"choose": N}, {"noinput": true} or {"idle": true}; anything else is an answer in words."""
    data = _object(line)
    if data is None or len(data) != 1:
        return None
    (name, value), = data.items()
    if name == "choose" and isinstance(value, int) and not isinstance(value, bool):
        return name, value
    if name in ("noinput", "idle") and value is True:
        return name, 0
    return None


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



