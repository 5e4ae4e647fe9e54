"""Broken knowledge bases: one fixture per kind of error, each message naming file, line and key.

Each fixture is the real intents/ folder copied with one edit, so the tests also prove the real
data is valid and that the line numbers point at the edited line.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.engine.loader import SCHEMA, KnowledgeBaseError, load_knowledge_base
from kiosk.paths import intents_dir
from tests.conftest import REPO, run_kiosk


@dataclass(frozen=True)
class Breakage:
    name: str
    file: str
    old: str  # text to replace (must occur in the file)
    new: str
    marker: str  # a text on the line the error must point at
    expected: str  # "key: message" part of the error
    reported_in: str = ""  # the file the error names, when not the edited one


BREAKAGES = [
    Breakage("syntax", "causes.yaml", "  overuse:\n", "  overuse:\n    name: [unclosed\n", "[unclosed", "(syntax): not valid YAML"),
    Breakage("duplicate key", "findings.yaml", "    label: numbness\n", "    label: numbness\n    label: numb hands\n",
             "label: numb hands", "findings.numbness.label: appears twice (first on line {first})"),
    Breakage("unknown finding id", "causes.yaml", "      night_numbness: usually", "      night_numbnes: usually",
             "night_numbnes: usually", "causes.nerve_compression.findings.night_numbnes: unknown finding 'night_numbnes' "
             "(did you mean 'night_numbness'?)"),
    Breakage("unknown likelihood word", "causes.yaml", "      cold_hands: usually", "      cold_hands: usualy",
             "cold_hands: usualy", "causes.peripheral_artery_disease.findings.cold_hands: unknown word 'usualy' (did you mean 'usually'?)"),
    Breakage("missing field", "causes.yaml",
             "    next_steps: Rest your hands, take short breaks, and stretch your fingers gently. See a clinician if it keeps happening.\n",
             "", "  overuse:", "causes.overuse.next_steps: is missing"),
    Breakage("value out of range", "findings.yaml", "    base_rate: 0.12\n  tingling:", "    base_rate: 1.5\n  tingling:",
             "base_rate: 1.5", "findings.numbness.base_rate: 1.5 is out of range (0.001 to 0.999)"),
    Breakage("duplicate answer phrase", "answers.yaml", '  - "no none"\n', '  - "no none"\n  - "nope"\n', '- "nope"',
             "answers.none: 'nope' (from 'nope') is also an answer under 'no'"),
    Breakage("duplicate choice phrase", "findings.yaml", '      - "(tingle|tingles|tingly|pins and needles|prickly)"\n',
             '      - "(tingle|tingles|tingly|pins and needles|prickly)"\n      - "numbness"\n', "  nerve_signs:",
             "questions.nerve_signs.choices.tingling: phrase 'numbness' also names choice 'numbness'", "questions.yaml"),
    Breakage("bad template", "findings.yaml", '      - "(tingle|tingles|tingly|pins and needles|prickly)"\n',
             '      - "(tingle|tingles|tingly|pins and needles|prickly)"\n      - "{my} {hnad} (tingle"\n', '{hnad} (tingle"',
             "findings.tingling.phrases[3]: a '(' is never closed"),
    Breakage("unknown list in a template", "findings.yaml", '      - "(tingle|tingles|tingly|pins and needles|prickly)"\n',
             '      - "(tingle|tingles|tingly|pins and needles|prickly)"\n      - "{my} {hnad} tingle"\n', '{hnad} tingle"',
             "findings.tingling.phrases[3]: unknown list 'hnad' in template '{my} {hnad} tingle'"),
    Breakage("list item that is not a number", "vocabulary.yaml", '{"a few": 3}', '{"a few": "three"}', '{"a few": "three"}, {"several": 4}, {"half a": 0.5},',
             'lists.count[3]: an item is a template, {"template": number} for the number it stands for, '
             'or {"template": "MM-DD"} for the days since that day of the year'),
    Breakage("a day of the year that no year has", "vocabulary.yaml", '{"[last] christmas": "12-25"}',
             '{"[last] christmas": "12-32"}', '{"[last] christmas": "12-32"},',
             'lists.since[8]: an item is a template, {"template": number} for the number it stands for, '
             'or {"template": "MM-DD"} for the days since that day of the year'),
    Breakage("missing clause list", "vocabulary.yaml", '  still_not: ["now", "anymore", "today", "moment", "currently", "lately", "recently", "really"]\n',
             "", "clauses:", "clauses.still_not: is missing"),
    Breakage("misspelt clause list", "vocabulary.yaml", '  fine: ["fine",', '  fines: ["fine",', '"ace", "champion"]',
             "clauses.fines: unknown key (did you mean 'fine'?)"),
    Breakage("quantity without its rule", "vocabulary.yaml", '  duration: "(<halves>|', '  durations: "(<halves>|', "  duration:",
             "findings.duration: a duration needs the rule 'duration' in vocabulary.yaml: how patients say it",
             "findings.yaml"),
    Breakage("unknown level", "urgency.yaml", "  - id: getting_worse\n    level: routine", "  - id: getting_worse\n    level: routin",
             "level: routin", "rules.getting_worse.level: unknown level 'routin' (did you mean 'routine'?)"),
    Breakage("unknown source", "causes.yaml", "    prevalence: rare\n    source: autoimmune_article\n    findings:\n      joint_pain: usually",
             "    prevalence: rare\n    source: autoimmune_articel\n    findings:\n      joint_pain: usually",
             "source: autoimmune_articel", "causes.lupus.source: unknown source 'autoimmune_articel' (did you mean 'autoimmune_article'?)"),
    Breakage("unknown condition", "urgency.yaml", "      any_of: [mouth_tingling, swallowing_difficulty]",
             "      any_off: [mouth_tingling, swallowing_difficulty]", "any_off: [mouth_tingling, swallowing_difficulty]",
             "rules.mouth_tingling_or_swallowing.when.any_off: unknown condition (did you mean 'any_of'?)"),
    Breakage("missing interview setting", "questions.yaml", "  min_information_gain: 0.12\n", "", "interview:",
             "interview.min_information_gain: is missing (a number from 0 to 2)"),
    Breakage("unknown key", "findings.yaml", "    label: shaking\n", "    label: shaking\n    lable: trembling\n", "lable: trembling",
             "findings.tremor.lable: unknown key (did you mean 'label'?)"),
    Breakage("wrong kind", "questions.yaml", "  nerve_signs:\n", "  nerve_signs:\n    kind: multiple\n", "kind: multiple",
             "questions.nerve_signs.kind: must be multi, choice, yes_no, number or duration, not 'multiple'"),
]


def _broken_copy(tmp_path: Path, breakage: Breakage) -> tuple[Path, int]:
    """The real intents/ with one edit; and the line (in the reported file) the error must name."""
    folder = tmp_path / "intents"
    shutil.copytree(intents_dir(), folder)
    path = folder / breakage.file
    text = path.read_text()
    assert text.count(breakage.old) == 1, f"fixture edit is ambiguous or stale: {breakage.old!r}"
    path.write_text(text.replace(breakage.old, breakage.new))
    reported = (folder / (breakage.reported_in or breakage.file)).read_text()
    lines = [i for i, content in enumerate(reported.splitlines(), 1) if content.rstrip().endswith(breakage.marker)]
    return folder, lines[-1]


def test_the_shipped_knowledge_base_is_valid():
    kb = load_knowledge_base()
    assert len(kb.causes) == 15 and len(kb.rules) > 5


@pytest.mark.parametrize("breakage", BREAKAGES, ids=[b.name for b in BREAKAGES])
def test_each_kind_of_error_names_file_line_and_key(tmp_path, breakage):
    folder, line = _broken_copy(tmp_path, breakage)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(folder)
    messages = [str(p) for p in caught.value.problems]
    if breakage.name == "syntax":
        assert any(m.startswith("causes.yaml:") and breakage.expected in m for m in messages), messages
        return
    expected = breakage.expected.replace("{first}", str(line - 1))  # {first}: the line just above the edit
    assert f"{breakage.reported_in or breakage.file}:{line}: {expected}" in messages, messages


def test_every_problem_is_listed_at_once(tmp_path):
    folder, _ = _broken_copy(tmp_path, BREAKAGES[2])
    urgency = folder / "urgency.yaml"
    urgency.write_text(urgency.read_text().replace("level: soon", "level: sooon", 1))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(folder)
    text = str(caught.value)
    assert "night_numbnes" in text and "sooon" in text and "2 problem(s)" in text


def test_a_missing_file_is_named(tmp_path):
    folder = tmp_path / "intents"
    shutil.copytree(intents_dir(), folder)
    (folder / "prompts.yaml").unlink()
    with pytest.raises(KnowledgeBaseError, match=r"prompts.yaml:0: \(file\): is missing"):
        load_knowledge_base(folder)


def test_kiosk_validate_and_refusal_to_start(tmp_path):
    good = run_kiosk("validate")
    assert good.returncode == 0 and "OK: 15 causes" in good.stdout
    folder, line = _broken_copy(tmp_path, BREAKAGES[3])
    bad = run_kiosk("validate", str(folder))
    assert bad.returncode == 1
    assert f"causes.yaml:{line}:" in bad.stderr and "did you mean 'usually'" in bad.stderr
    refused = run_kiosk("--jsonl", "--intents", str(folder), stdin="yes\n")
    assert refused.returncode == 2 and refused.stdout == "" and "usualy" in refused.stderr


def key_reference() -> dict[str, set[str]]:
    """docs/authoring.md's key reference: `### `section`` headings, each with a table of `key` rows."""
    text = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    reference = text.split("\n## Key reference\n", 1)[1].split("\n## ", 1)[0]
    sections: dict[str, set[str]] = {}
    current = None
    for line in reference.splitlines():
        if heading := re.match(r"^### `(.+)`\s*$", line):
            current = sections.setdefault(heading.group(1), set())
        elif (row := re.match(r"^\| `([a-z_]+)` \|", line)) and current is not None:
            current.add(row.group(1))
    return sections


def test_the_key_reference_in_the_docs_is_the_loaders_schema():
    documented = key_reference()
    assert set(documented) == set(SCHEMA), "sections documented vs in the loader's SCHEMA"
    for section, keys in SCHEMA.items():
        assert documented[section] == set(keys), section
