"""The staff alert: a real shell command and a real file; failures are reported, privacy kept."""

from __future__ import annotations

import shlex
from datetime import datetime, timezone

from kiosk.ui.alert import StaffAlert, reason_category

NOON = datetime(2026, 1, 2, 12, 0, 0, tzinfo=timezone.utc)


def test_command_and_file_both_run(tmp_path):
    out = tmp_path / "command-ran.txt"
    log = tmp_path / "alerts.log"
    command = f'printf "%s|%s" "$KIOSK_ALERT_REASON" "$KIOSK_ALERT_TIME" > {shlex.quote(str(out))}'
    outcome = StaffAlert(command, log).send("stroke_signs", now=NOON)
    assert outcome.ok and outcome.configured
    assert out.read_text() == "stroke_signs|2026-01-02T12:00:00Z"
    assert log.read_text() == "2026-01-02T12:00:00Z EMERGENCY at the hand-cramp kiosk: tell the front desk. reason: stroke_signs\n"


def test_a_failing_command_is_reported_not_lost(tmp_path):
    outcome = StaffAlert("echo 'pager offline' >&2; exit 3", None).send("x")
    assert not outcome.ok
    assert outcome.problems == ("alert command failed (exit 3): pager offline",)


def test_an_unwritable_file_is_reported(tmp_path):
    outcome = StaffAlert(None, tmp_path / "no-such-dir" / "alerts.log").send("x")
    assert not outcome.ok and "alert file" in outcome.problems[0]


def test_nothing_configured_is_ok_but_marked(tmp_path):
    outcome = StaffAlert(None, None).send("x")
    assert outcome.ok and not outcome.configured


def test_the_category_is_reduced_to_rule_id_characters():
    # the category comes from urgency rule ids (written by staff in intents/), never from speech;
    # it is still reduced so that no sentence, quote or shell character can reach the alert
    assert reason_category(["rule_a", "Rule-B"]) == "rule_a,rule-b"
    assert reason_category(["a b; rm -rf $HOME"]) == "abrm-rfhome"
    assert reason_category([]) == "emergency"
