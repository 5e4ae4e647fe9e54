"""The medical engine: knowledge base, interview, scoring and urgency.

Pure Python by design: it imports neither Textual nor any audio library (tests/test_architecture.py
checks), so it runs the same under the UI, the JSON-lines mode and the tests.
"""

from .events import Event, Intent, QuestionEvent, ResultEvent
from .loader import KnowledgeBaseError, load_knowledge_base
from .session import Session

__all__ = ["Event", "Intent", "KnowledgeBaseError", "QuestionEvent", "ResultEvent", "Session", "load_knowledge_base"]
