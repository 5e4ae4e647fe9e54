"""The staff alert: a real shell command and a real file; failures are reported, privacy kept."""

from __future__ import annotations

import os
import shlex
import time
from datetime import datetime, timezone

from kiosk.ui.alert import OUTPUT_LIMIT, StaffAlert, reason_category

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


# ---------------------------------------------------------------- faults of issue 13: alerts that cannot be lost



def gone(pid: int) -> bool:
    """True when ``pid`` has ended (a zombie waiting for a reaper counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_endless_output_is_bounded_and_the_command_is_stopped(tmp_path):
    """`yes` as the alert command: output was buffered without limit (1.23 GB) until the thread died."""
    outcome = StaffAlert("yes 'pager says hello'", None, command_timeout_s=1.0).send("x")
    assert not outcome.ok and outcome.timed_out and outcome.status == "timed out"
    assert "stopped" in outcome.problems[0]
    assert all(len(problem) < 300 for problem in outcome.problems)


def test_a_flood_of_output_before_a_failure_keeps_only_the_end(tmp_path):
    # 50 MB through tr and the kiosk's reader is 0.7 s of work on an idle machine, more than 10 s
    # (the default command time limit) on a loaded one: this test is about the output, not the
    # time limit, so its limit only ends a hang.
    outcome = StaffAlert("head -c 50000000 /dev/zero | tr '\\0' x; echo; echo 'pager offline' >&2; exit 4",
                         None, command_timeout_s=600).send("x")
    assert outcome.status == "failed"
    assert outcome.problems == ("alert command failed (exit 4): pager offline",)
    assert OUTPUT_LIMIT <= 65536


def test_a_timed_out_command_takes_its_children_with_it(tmp_path):
    pids = tmp_path / "pids"
    command = f"sleep 300 & echo $! >> {pids}; (trap '' TERM; sleep 300) & echo $! >> {pids}; wait"
    outcome = StaffAlert(command, None, command_timeout_s=1.0).send("x")
    assert outcome.timed_out
    children = [int(line) for line in pids.read_text().split()]
    assert len(children) == 2
    deadline = time.monotonic() + 10
    while not all(gone(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(gone(pid) for pid in children), "no child of the alert command is left running"


def test_a_fifo_nobody_reads_does_not_stop_the_command(tmp_path):
    fifo = tmp_path / "alerts.fifo"
    os.mkfifo(fifo)
    ran = tmp_path / "ran"
    outcome = StaffAlert(f"touch {ran}", fifo).send("x")
    assert ran.exists(), "the command ran"
    assert outcome.status == "failed" and "alert file" in outcome.problems[0]


def test_a_file_that_hangs_is_given_up_on_and_the_command_still_runs(tmp_path, monkeypatch):
    """A hung network mount (stand-in: a write that never returns) must not block the command."""
    ran = tmp_path / "ran"
    monkeypatch.setattr(StaffAlert, "_append", lambda self, line: time.sleep(3600) or [])
    alert = StaffAlert(f"touch {ran}", tmp_path / "mount" / "alerts.log", file_timeout_s=0.5)
    outcome = alert.send("x")
    assert ran.exists()
    assert outcome.timed_out and "not written within 0.5 s" in outcome.problems[0]


def test_outcome_words_for_the_staff_screen(tmp_path):
    assert StaffAlert(None, None).send("x").status == "bell only"
    assert StaffAlert("true", None).send("x").status == "sent"
    assert StaffAlert("false", None).send("x").status == "failed"
