"""`kiosk` command line: the kiosk itself, and the tools staff and developers use around it.

Heavy modules (Textual, recognizers) are imported only by the command that needs them, so
`kiosk validate` and `kiosk --jsonl` start fast and work without audio libraries.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    from kiosk.config import SETTINGS_HELP

    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Hand-cramp kiosk: a spoken interview about hand cramps. "
        "With no command it starts the full-screen kiosk.",
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kiosk {kiosk_version()}")
    parser.add_argument("--jsonl", action="store_true",
                        help="no screen, no audio: read one answer a line, write one JSON event a line")
    parser.add_argument("--intents", type=Path, metavar="DIR",
                        help="knowledge base folder (default: the one shipped with the kiosk)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="settings file (default: ./kiosk.yaml if present)")
    _add_speech_options(parser)
    parser.add_argument("--mic", metavar="NAME|INDEX", help="microphone to listen with")
    parser.add_argument("--mic-file", type=Path, metavar="PATH",
                        help="virtual microphone: a WAV, or a folder of WAVs used one per answer")
    parser.add_argument("--mute", action="store_true", default=None, help="do not speak; show text only")
    parser.add_argument("--voice", help="text-to-speech voice (e.g. en-us)")
    parser.add_argument("--rate", type=int, help="speaking rate, words per minute")
    parser.add_argument("--volume", type=float, help="speaking volume, 0.0 to 1.0")
    parser.add_argument("--idle-timeout", type=float, metavar="SECONDS", help="wipe and restart after this long idle")
    parser.add_argument("--result-timeout", type=float, metavar="SECONDS",
                        help="how long an untouched result stays on screen (time to walk to the desk)")

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    validate = commands.add_parser(
        "validate", help="check a knowledge base folder and list every problem",
        description="Check a knowledge base folder (intents/) and list every problem as file:line: key: what is "
        "wrong. Exit 0 when it is usable, 1 when not.")
    validate.add_argument("dir", nargs="?", type=Path, help="folder to check (default: the shipped one)")

    hear = commands.add_parser(
        "hear", help="run the live listening path on WAV files; one JSON line per file",
        description="Run the kiosk's listening path (noise removal, end of speech, recognizer, understanding) "
        "on WAV files as if they came from the microphone, and print what was heard and understood.")
    hear.add_argument("--question", required=True, metavar="ID", help="the question the answers are for")
    _add_speech_options(hear)
    hear.add_argument("files", nargs="+", type=Path, metavar="FILE.wav")

    model = commands.add_parser(
        "model", help="speech models (Vosk, Whisper): download or list",
        description="Speech models: `kiosk model list` shows the installed ones, `kiosk model download` "
        "fetches one (checked against its size and SHA-256) into the kiosk's cache.")
    model_commands = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    download = model_commands.add_parser(
        "download", help="fetch a model into the kiosk's cache",
        description="Fetch a Vosk model zip or the whisper-tiny.en files, check size and SHA-256, and put them "
        "into the kiosk's cache.")
    download.add_argument("name", nargs="?", default=None,
                          help="model name: a Vosk model (default: vosk-model-small-en-us-0.15), or whisper-tiny.en")
    download.add_argument("--url", help="fetch from this address instead of the official model site "
                                        "(for whisper-tiny.en: the folder holding its four files)")
    download.add_argument("--sha256", metavar="HEX",
                          help="expected SHA-256 of the zip (required for models the kiosk has no checksum for)")
    download.add_argument("--size", type=int, metavar="BYTES", help="expected size of the zip in bytes")
    model_commands.add_parser("list", help="show installed models",
                              description="Show the installed speech models and where they are.")
    return parser


def kiosk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hand-cramp-kiosk")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _add_speech_options(parser: argparse.ArgumentParser) -> None:
    from kiosk.speech.registry import engine_names, help_text

    parser.add_argument("--engine", choices=engine_names(), default=None,
                        help=f"speech recognizer (default: auto). {help_text()}")
    parser.add_argument("--model", type=Path, metavar="DIR", help="model folder (a Vosk or a Whisper model)")


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(build_parser().parse_args(argv))
    except BrokenPipeError:
        # the reader went away (`kiosk --jsonl | head -1`): not an error of ours. Point stdout at
        # /dev/null so that Python's own flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        return _validate(args.dir)
    if args.command == "hear":
        from kiosk.speech.hear import run_hear

        return run_hear(args)
    if args.command == "model":
        from kiosk.speech.models import run_model_command

        return run_model_command(args)
    if args.jsonl:
        from kiosk.jsonl import run_jsonl

        return run_jsonl(sys.stdin, sys.stdout, intents=args.intents)
    from kiosk.ui.run import run_app

    return run_app(args)


def _validate(folder: Path | None) -> int:
    from kiosk.engine.loader import KnowledgeBaseError, load_knowledge_base

    try:
        kb = load_knowledge_base(folder)
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"OK: {len(kb.causes)} causes, {len(kb.findings)} findings, "
          f"{len(kb.questions)} questions, {len(kb.rules)} urgency rules")
    return 0
