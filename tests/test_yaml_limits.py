"""Hostile YAML (issue 13, fault 5), built here: every file gives file:line problems, never a
traceback, a frozen start or a full memory; the kiosk keeps its exit codes (2: settings, 1: knowledge)."""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import SettingsError, load_settings
from kiosk.engine.loader import KnowledgeBaseError, load_knowledge_base
from kiosk.paths import intents_dir
from kiosk.yamlread import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, read_yaml


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Each level repeats the one before ``width`` times: width**levels values once expanded."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


HOSTILE: dict[str, bytes] = {
    "alias bomb": alias_bomb().encode(),
    "many aliases": ("a: &a x\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n").encode(),
    "recursive alias": b"a: &a [1, *a]\n",
    "recursive mapping alias": b"a: &a\n  b: *a\n",
    "list as a key": b"? [a, b]\n: 1\n",
    "mapping as a key": b"? {a: 1}\n: 1\n",
    "deep nesting": (b"x: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
    "deep block nesting": "".join(f"{'  ' * n}k{n}:\n" for n in range(200)).encode(),
    "stray non-UTF-8 byte": b"a: 1\nb: caf\xe9\n",
    "control character": b"a: 1\nb: bell\x07\n",
    "control character after accents": "a: café\nb: éé bell\x07\n".encode(),
    "python tag": b"a: !!python/object/apply:os.system ['echo hi']\n",
    "bad date": b"a: 2026-13-45\n",
    "tab indentation": b"a:\n\tb: 1\n",
    "unclosed quote": b'a: "open\nb: 2\n',
    "two documents": b"a: 1\n---\nb: 2\n",
}
LINES = {"stray non-UTF-8 byte": 2, "control character": 2, "control character after accents": 2,
         "list as a key": 1}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_reader_turns_every_hostile_file_into_a_problem(tmp_path, name):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(HOSTILE[name])
    problems: list = []
    tracemalloc.start()
    try:
        data = read_yaml(path, problems)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if name == "bad date":  # a date that cannot be: reported, or kept as text; never a traceback
        assert problems or data is not None
        return
    assert problems, f"{name}: no problem reported (data: {str(data)[:80]})"
    assert data is None
    problem = problems[0]
    assert str(problem).startswith("hostile.yaml:")
    if name in LINES:
        assert problem.line == LINES[name], str(problem)
    assert len(str(problem)) < 300, "the message never prints an expanded value"
    assert peak < 50_000_000, f"{name}: {peak / 1e6:.0f} MB to read {len(HOSTILE[name])} bytes"


def test_the_limits_are_far_above_the_shipped_files():
    for path in intents_dir().glob("*.yaml"):
        problems: list = []
        assert read_yaml(path, problems) is not None and problems == []
        assert path.stat().st_size < MAX_FILE_BYTES / 10
    assert MAX_DEPTH >= 16 and MAX_NODES >= 100_000


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as out:
        out.write(b"a: [")
        out.write(b"1, " * (MAX_FILE_BYTES // 3 + 10))
        out.write(b"1]\n")
    problems: list = []
    assert read_yaml(path, problems) is None
    assert "limit is 1,000,000" in str(problems[0])


# ---------------------------------------------------------------- kiosk.yaml


@pytest.mark.parametrize("name", ["alias bomb", "recursive alias", "list as a key", "stray non-UTF-8 byte",
                                  "deep nesting", "python tag"])
def test_a_hostile_kiosk_yaml_is_a_settings_error_and_exit_code_2(tmp_path, name, capsys):
    path = tmp_path / "kiosk.yaml"
    path.write_bytes(HOSTILE[name])
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    assert str(error.value).startswith(f"{path}:")
    assert main(["--config", str(path)]) == 2
    assert "the settings have problems" in capsys.readouterr().err


def test_booleans_agree_in_settings_and_knowledge(tmp_path):
    path = tmp_path / "kiosk.yaml"
    path.write_text("mute: yes\n")
    with pytest.raises(SettingsError, match=r"kiosk.yaml:1: mute: must be true or false, got 'yes' \(write true"):
        load_settings(path)
    path.write_text("mute: true\n")
    assert load_settings(path).mute is True
    problems: list = []
    (tmp_path / "k.yaml").write_text("yes: [a]\nmute: yes\nflag: true\n")
    data = read_yaml(tmp_path / "k.yaml", problems)
    assert data == {"yes": ["a"], "mute": "yes", "flag": True}


# ---------------------------------------------------------------- intents/


def broken_intents(tmp_path: Path, file: str, text: bytes | None = None, old: str = "", new: str = "") -> Path:
    folder = tmp_path / "intents"
    shutil.copytree(intents_dir(), folder)
    target = folder / file
    if text is not None:
        target.write_bytes(text)
    else:
        original = target.read_text()
        assert old in original, old
        target.write_text(original.replace(old, new, 1))
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as error:
        load_knowledge_base(folder)
    return [str(p) for p in error.value.problems]


@pytest.mark.parametrize("name", ["alias bomb", "recursive alias", "list as a key", "deep nesting",
                                  "stray non-UTF-8 byte", "python tag"])
def test_a_hostile_intents_file_is_a_problem_and_exit_code_1(tmp_path, name, capsys):
    folder = broken_intents(tmp_path, "causes.yaml", HOSTILE[name])
    problems = problems_of(folder)
    assert problems and all(p.startswith("causes.yaml:") for p in problems), problems
    assert main(["validate", str(folder)]) == 1
    assert "causes.yaml:" in capsys.readouterr().err


SHAPES = [
    # (file, old, new, expected start of the problem)
    ("findings.yaml", "findings:\n", "findings:\n  bad_keys:\n    keys: 5\n", "findings.yaml:"),
    ("findings.yaml", "findings:\n", "findings:\n  bad_keys:\n    keys: [5, {label: x}]\n", "findings.yaml:"),
    ("prompts.yaml", "prompts:\n", "prompts:\nunused:\n", "prompts.yaml:"),
    ("causes.yaml", "causes:\n", "causes: [1, 2]\nold_causes:\n", "causes.yaml:"),
    ("questions.yaml", "questions:\n", "questions: 5\nold_questions:\n", "questions.yaml:"),
    ("urgency.yaml", "rules:\n", "rules: {a: 1}\nold_rules:\n", "urgency.yaml:"),
    ("answers.yaml", "screens:\n", "screens: [start]\nold_screens:\n", "answers.yaml:"),
]


@pytest.mark.parametrize("file,old,new,start", SHAPES)
def test_a_value_of_the_wrong_shape_is_a_problem_not_a_traceback(tmp_path, file, old, new, start):
    folder = broken_intents(tmp_path, file, old=old, new=new)
    problems = problems_of(folder)
    assert any(p.startswith(start) for p in problems), problems
    assert all(":0:" not in p for p in problems if p.startswith(start)), problems


def test_an_empty_prompts_file_and_an_empty_prompts_key(tmp_path):
    problems = problems_of(broken_intents(tmp_path / "a", "prompts.yaml", b"prompts:\n"))
    assert any(p.startswith("prompts.yaml:1: prompts") for p in problems), problems
    problems = problems_of(broken_intents(tmp_path / "b", "prompts.yaml", b""))
    assert any(p.startswith("prompts.yaml:") for p in problems), problems


def test_red_flag_must_be_a_real_boolean(tmp_path):
    """`red_flag: no` used to read as the word "no", and bool("no") is True: a red flag."""
    folder = broken_intents(tmp_path, "findings.yaml", old="    red_flag: true\n", new="    red_flag: no\n")
    problems = problems_of(folder)
    assert any("red_flag: must be true or false, not 'no'" in p for p in problems), problems
