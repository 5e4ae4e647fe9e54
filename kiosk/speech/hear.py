"""``kiosk hear --question ID FILE.wav...``: the live listening path, run on recordings.

Each file is streamed in real-time-sized chunks through the same Listener the kiosk uses, and
one JSON line per file says what was heard and understood, where the end of speech was decided
and how long decoding took after that. A file that cannot be read gives an error line; the
other files still run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from kiosk.engine.understanding import grammar_for, understand

from .listener import Listener
from .microphone import MicrophoneError, read_wav_16k
from .protocols import SAMPLE_RATE
from .select import create_recognizer, missing_words_report

CHUNK_S = 0.03  # what a sound card hands over at a time
TAIL_S = 1.0  # silence after the recording, as a microphone would hear after the answer


class _WavChunks:
    """A WAV file as a microphone would deliver it: 16 kHz mono int16, in 30 ms chunks. It is
    read and resampled by the virtual microphone's own reader (``--mic-file``), so what `kiosk
    hear` reports is what the kiosk hears from the same file."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self._pcm = read_wav_16k(path)
        self.level = 0.0

    def chunks(self) -> Iterator[bytes]:
        step = int(SAMPLE_RATE * CHUNK_S)
        audio = np.concatenate([self._pcm, np.zeros(int(SAMPLE_RATE * TAIL_S), dtype=np.int16)])
        for start in range(0, len(audio), step):
            yield audio[start : start + step].tobytes()

    def mute(self, muted: bool) -> None:
        pass

    def close(self) -> None:
        pass


def run_hear(args: argparse.Namespace) -> int:
    from kiosk.engine.loader import KnowledgeBaseError, load_knowledge_base

    try:
        kb = load_knowledge_base(getattr(args, "intents", None))
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        return 2
    question = kb.questions.get(args.question)
    if question is None:
        print(f"No question {args.question!r}. Questions: {', '.join(sorted(kb.questions))}", file=sys.stderr)
        return 2
    choice = create_recognizer(args.engine, args.model)
    print(choice.message, file=sys.stderr)
    if choice.recognizer is None:
        return 2
    grammar = grammar_for(kb, question)
    missing = missing_words_report(choice.recognizer, [grammar])
    if missing:
        print(missing, file=sys.stderr)
    listener = Listener(choice.recognizer)
    failures = 0
    for path in args.files:
        line: dict[str, Any] = {"file": str(path), "question": question.id, "engine": choice.recognizer.name}
        try:
            heard = listener.listen(_WavChunks(path), grammar)
        except MicrophoneError as error:
            failures += 1
            print(json.dumps(line | {"error": str(error)}), flush=True)
            continue
        except ValueError as error:  # the recognizer knows no answer word at all: every file would fail
            print(f"kiosk hear: {choice.recognizer.name} cannot listen for question {question.id!r}: {error}. "
                  "Is the model for another language? The kiosk's questions are in English.", file=sys.stderr)
            return 2
        intent = understand(kb, question, heard.transcript)
        line |= {
            "transcript": heard.transcript,
            "intent": "noinput" if heard.noinput else intent.name,
            "value": intent.value,
            "confidence": heard.confidence,
            "endpoint_s": None if heard.endpoint_s is None else round(heard.endpoint_s, 3),
            "decode_ms": heard.decode_ms,  # the wait after the endpoint
            "compute_ms": heard.compute_ms,  # the whole decode, speculative part included
        }
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failures else 0
