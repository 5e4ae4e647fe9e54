"""Reading grade of every patient-facing sentence in a knowledge base (Flesch-Kincaid, textstat).

Prints the figures the plain-language test enforces (max, count over 8 and over 6, median) and,
with --worst N, the N hardest sentences with where they are, so staff know what to rewrite.

Usage: python scripts/readability.py [--intents DIR] [--worst 10]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.engine.loader import load_knowledge_base
from tests.support.plain_language import figures, graded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=Path, help="knowledge base folder (default: the shipped one)")
    parser.add_argument("--worst", type=int, default=10, metavar="N", help="list the N hardest sentences")
    args = parser.parse_args()
    sentences = graded(load_knowledge_base(args.intents))
    for line in figures(sentences).lines():
        print(line)
    for s in sorted(sentences, key=lambda s: -s.grade)[: args.worst]:
        print(f"{s.grade:5.1f}  {s.where}: {s.text}")


if __name__ == "__main__":
    main()
