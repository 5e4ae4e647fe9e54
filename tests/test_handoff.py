"""The summary for the clinician: built by the engine from findings (never the patient's words),
carried by JSONL, shown as a QR code that a real decoder (zxing-cpp) reads back from a picture of
the screen's half blocks, and printed through python-escpos (its Dummy printer) or CUPS `lp`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import segno
import zxingcpp
from escpos.printer import Dummy
from PIL import Image

from kiosk.engine import Session
from kiosk.engine.events import ResultEvent
from kiosk.engine.handoff import CODE_CHARSET, CODE_MAX_CHARS, CauseLine, ClinicianSummary
from kiosk.printing import CupsPrinter, EscposPrinter, make_printer, parse_printer, wrap
from kiosk.ui.widgets.qr import HALF_BLOCKS, qr_lines
from tests.conftest import run_kiosk

PIXELS_PER_MODULE = 6
# said in the patient's own words: none of these words may reach the summary
NUMB = "yes my fingers keep going numb and tingly when I knit"
ANSWERS = {"age": "I'm sixty seven", "duration": "about three months", "numbness": NUMB, "tingling": NUMB,
           "nerve_signs": "my fingers keep going numb and tingly when I knit"}


def answer_for(question) -> str:
    if question.id in ANSWERS:
        return ANSWERS[question.id]
    return NUMB if {"numbness", "tingling"} & set(question.findings) else "nope not me"


def interview(kb, answers: dict[str, str] = ANSWERS) -> ResultEvent:
    session = Session(kb)
    events = session.start()
    for _ in range(60):
        if session.finished:
            break
        question = session.current
        events = session.answer(answers.get(question.id) or answer_for(question) if answers else
                                {"age": "67", "duration": "3 months"}.get(question.id, "no"))
    return next(e for e in events if isinstance(e, ResultEvent))


def screen_picture(lines: list[str], other_chars_dark: bool = False) -> Image.Image:
    """The half-block lines as a phone camera sees them: blocks light, spaces dark (and, for a
    whole screen, the cells of its words dark too: thin letters on the black background)."""
    light = {char: pair for pair, char in HALF_BLOCKS.items()}
    rows = []
    for line in lines:
        pairs = [light.get(char, (False, False)) if other_chars_dark else light[char] for char in line]
        rows += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    modules = np.array(rows, dtype=np.uint8) * 255
    pixels = np.kron(modules, np.ones((PIXELS_PER_MODULE, PIXELS_PER_MODULE), dtype=np.uint8))
    return Image.fromarray(pixels, mode="L")


def decode(picture: Image.Image) -> str:
    # try_invert=False: the screen must show ordinary dark-on-light, not rely on a lenient decoder
    found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False)
    assert len(found) == 1, found
    return found[0].text


def test_the_summary_names_findings_causes_urgency_and_time_but_not_the_patients_words(kb):
    result = interview(kb)
    summary = result.summary
    text = result.clinician_summary()
    assert summary is not None and text.startswith("Hand cramp kiosk: summary for the clinician. Not a diagnosis.")
    assert f"Urgency: {result.urgency.level.upper()}" in text
    assert all(f"because: {b}" in text for b in summary.because) and summary.because
    assert f"rules: {', '.join(result.urgency.reasons)}" in text
    assert "age: 67" in text and "how long: 90 days" in text
    assert "numbness" in summary.yes  # a finding, in clinical words
    for rank, cause in enumerate(result.causes, start=1):
        assert f"{rank}. {cause.name} {cause.score:.0%}" in text
    assert summary.when.strftime("%Y-%m-%d %H:%M UTC") in text
    words = {w.strip(",.:;%()").lower() for w in text.split()}
    # words only the patient used (the findings' own labels share some, like "numb fingers")
    assert not words & {"knit", "tingly", "sixty", "seven", "three", "nope", "keep", "going", "i'm"}
    assert not any(answer.lower() in text.lower() for answer in ANSWERS.values())


def test_jsonl_result_carries_the_clinician_summary(kb):
    answers = ["no", "no", ANSWERS["age"], ANSWERS["duration"]] + [NUMB] * 30
    done = run_kiosk("--jsonl", stdin="\n".join(answers) + "\n")
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["type"] == "result"
    summary = result["clinician_summary"]
    assert summary.startswith("Hand cramp kiosk: summary for the clinician.") and "Possible causes" in summary
    assert "Urgency:" in summary and "knit" not in summary and "tingly" not in summary


def test_the_qr_code_on_screen_decodes_back_to_the_summary(kb):
    result = interview(kb)
    code = result.summary.compact()
    lines = qr_lines(code)
    assert set("".join(lines)) <= set(HALF_BLOCKS.values())
    assert len(lines) <= 23 and len(lines[0]) <= 45  # fits an 80x24 terminal beside its words
    assert decode(screen_picture(lines)) == code
    assert "YES: NUMBNESS/TINGLING" in code and f"URGENCY {result.urgency.level.upper()}" in code
    assert "NOT A DIAGNOSIS" in code and result.causes[0].id.upper().replace("_", "-") in code


def every_finding_summary(kb, answer) -> ClinicianSummary:
    """The longest summary the knowledge base allows: every finding given the same answer."""
    labels = tuple(finding.label for finding in kb.findings.values())
    causes = tuple(CauseLine(cid, cause.name, 0.5, (), ()) for cid, cause in kb.causes.items())
    return ClinicianSummary(
        yes=labels if answer is True else (), no=labels if answer is False else (),
        unsure=labels if answer is None else (), values=(("age", "104 years"), ("how long", "3650 days")),
        red_flags_all_no=answer is False, level="emergency", level_label="now",
        because=("reason",), rules=tuple(rule.id for rule in kb.rules), causes=causes,
        when=datetime(2026, 12, 1, 13, 44, tzinfo=UTC))


def test_the_code_of_the_longest_summary_still_fits_80x24_and_names_what_matters_most(kb):
    for answer in (True, None, False):
        summary = every_finding_summary(kb, answer)
        code = summary.compact()
        made = segno.make(code, error="l", micro=False)
        assert made.mode == "alphanumeric" and made.version <= 6, (made.mode, made.version, code)
        assert len(code) <= CODE_MAX_CHARS and set(code) <= CODE_CHARSET
        assert decode(screen_picture(qr_lines(code))) == code
        assert code.startswith("HAND CRAMPS 13:44Z NOT A DIAGNOSIS. URGENCY EMERGENCY: ")
        assert "CAUSES: " in code and "+" in code  # fewer items named, and it says so
    assert "YES: " in every_finding_summary(kb, True).compact()


def test_a_long_summary_still_round_trips(kb):
    text = interview(kb, {}).clinician_summary()
    assert decode(screen_picture(qr_lines(text))) == text


def test_the_receipt_printer_gets_the_summary_its_code_and_a_cut():
    text = "Hand cramp kiosk: summary for the clinician. Not a diagnosis.\n  yes: numbness, tingling"
    dummy = Dummy()
    outcome = EscposPrinter(dummy).print_summary(text, "CODE 123")
    assert outcome.ok, outcome.problem
    out = dummy.output
    for line in wrap(text):
        assert line.encode() in out
    assert b"\x1dV" in out  # ESC/POS paper cut (GS V)
    assert b"\x1dv0" in out  # the short code, printed as a raster image (GS v 0)
    assert all(len(line) <= 42 for line in wrap(text))


def test_a_broken_receipt_printer_says_why_and_does_not_raise(tmp_path):
    printer = make_printer(f"escpos:{tmp_path}/no-such-dir/lp0")
    outcome = printer.print_summary("summary")
    assert not outcome.ok and "receipt printer" in outcome.problem and "summary" not in outcome.problem


def test_a_receipt_printer_leaves_no_folder_in_tmp_at_each_start(tmp_path):
    # python-escpos, left to itself, makes a new temporary folder in every process that imports it
    # (its printer list, pickled) and never removes it: one more in /tmp at every kiosk start
    tmp, cache, device = tmp_path / "tmp", tmp_path / "cache", tmp_path / "lp0"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env.update(TMPDIR=str(tmp), XDG_CACHE_HOME=str(cache))
    program = f"from kiosk.printing import make_printer; print(make_printer('escpos:{device}').print_summary('x').ok)"
    for _start in range(2):
        done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.stdout.strip() == "True", done.stderr
    assert list(tmp.iterdir()) == []
    assert [p.name for p in (cache / "hand-cramp-kiosk" / "escpos").iterdir()][0].endswith(".capabilities.pickle")


def test_cups_gets_the_summary_on_standard_input(tmp_path, monkeypatch):
    got = tmp_path / "lp-got.txt"
    lp = tmp_path / "lp"
    lp.write_text(f'#!/bin/sh\necho "$@" > {got}.args\ncat > {got}\n')
    lp.chmod(lp.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert CupsPrinter("FrontDesk").print_summary("line one\nline two").ok
    assert got.read_text() == "line one\nline two"
    assert "-d FrontDesk" in (tmp_path / "lp-got.txt.args").read_text()
    lp.write_text("#!/bin/sh\necho 'no default destination' >&2\nexit 1\n")
    failed = CupsPrinter().print_summary("x")
    assert not failed.ok and "no default destination" in failed.problem


def test_printer_settings_are_checked():
    assert parse_printer("escpos:/dev/usb/lp0") == ("escpos", "/dev/usb/lp0")
    assert parse_printer("cups") == ("cups", "")
    for bad in ("escpos", "laser:/dev/lp0"):
        try:
            parse_printer(bad)
        except ValueError as error:
            assert "escpos" in str(error)
        else:
            raise AssertionError(bad)


def test_an_age_or_duration_chosen_on_a_key_is_summarised_as_its_band_not_a_made_up_number(kb):
    session = Session(kb)
    session.start()
    events = []
    for key in (2, 2, 4, 6):  # no, no, "65 to 74", "3 months or longer"
        events = session.choose(key)
    for _ in range(60):
        if session.finished:
            break
        events = session.choose(2)
    result = next(e for e in events if isinstance(e, ResultEvent))
    assert dict(result.summary.values) == {"age": "65 to 74", "how long": "3 months or longer"}
    assert "age: 65 to 74" in result.clinician_summary()
    assert "AGE 65 TO 74. HOW LONG 3 MONTHS OR LONGER." in result.summary.compact()
    said = interview(kb)  # said aloud: the number itself
    assert dict(said.summary.values) == {"age": "67", "how long": "90 days"}
