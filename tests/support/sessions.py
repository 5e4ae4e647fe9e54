"""Sessions brought to a given question the plain way: what the engine tests write before the
part they are about."""

from __future__ import annotations

from kiosk.engine.knowledge import KnowledgeBase
from kiosk.engine.session import Session

# The plain answer to each question before the one a test is about ("no" to any other).
PLAIN = {"red_flags_now": "no", "warning_signs": "none of those", "age": "sixty", "duration": "two weeks"}


def session_at(kb: KnowledgeBase, question_id: str) -> Session:
    """A session whose current question is ``question_id`` (answering the ones before plainly)."""
    session = Session(kb)
    session.start()
    while session.current is not None and session.current.id != question_id:
        session.answer(PLAIN.get(session.current.id, "no"))
    assert session.current is not None and session.current.id == question_id
    return session


def started(kb: KnowledgeBase) -> Session:
    """A new session with its first question asked."""
    session = Session(kb)
    session.start()
    return session
