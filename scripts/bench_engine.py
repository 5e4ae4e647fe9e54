#!/usr/bin/env python3
"""How well does the triage engine do on the patient stories? A report, not a test.

Runs every story in tests/cases/stories.yaml through a real ``python -m kiosk --jsonl``
subprocess (the simulated patient in tests/support) and prints: expected cause in the top 3 and
ranked first, exact urgency, under-triage (advice less urgent than expected, listed), emergencies
caught, questions asked, wall time per interview, and a per-story table; then the safety probes
(tests/cases/safety_probes.yaml): emergencies caught, false emergencies from denials, unresolved
paths handled. Always exits 0.

    python scripts/bench_engine.py [--variant 0|1] [--own-words] [--workers N] [--stories FILE] [--intents DIR]

--own-words: the patients describe their findings in their own words (tests/support/own_words.yaml)
instead of reading the kiosk's labels back.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

# Benchmarks are developer tools run from a checkout: the repository root on the path gives this
# copy of kiosk/ and tests/support/ (the simulated patient), which the wheel does not ship.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import StoryOutcome, load_stories, run_stories, urgency_rank
from tests.support.stories import FINDINGS, Story


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", type=int, choices=[0, 1], default=0,
                        help="0 = everyday phrasings, 1 = alternative phrasings")
    parser.add_argument("--own-words", action="store_true",
                        help="patients describe findings in their own words, not the kiosk's labels")
    parser.add_argument("--phrases", type=Path, default=None,
                        help="with --own-words: another phrase book (e.g. tests/support/own_words_heldout.yaml)")
    parser.add_argument("--workers", type=int, default=1,
                        help="interviews at a time (1 gives the cleanest timings)")
    parser.add_argument("--stories", type=Path, default=None, help="story file (default: tests/cases/stories.yaml)")
    parser.add_argument("--intents", type=Path, default=None, help="knowledge base folder passed to the kiosk")
    args = parser.parse_args(argv)

    stories = load_stories(args.stories)
    kiosk_args = ["--intents", str(args.intents)] if args.intents else []
    patient_class = None
    if args.own_words:
        from tests.support.own_words import OwnWordsPatient  # test support: the bench runs from a checkout
        patient_class = OwnWordsPatient.with_book(args.phrases) if args.phrases else OwnWordsPatient
    outcomes = run_stories(stories, args.variant, workers=args.workers, kiosk_args=kiosk_args,
                           patient_class=patient_class)
    mode = f"own words ({(args.phrases or Path('tests/support/own_words.yaml')).name})" if args.own_words \
        else f"phrasing variant {args.variant}"
    print_report(stories, outcomes, mode)
    print_safety_probes(args.intents)
    return 0


def print_safety_probes(intents: Path | None) -> None:
    """The safety probes (tests/cases/safety_probes.yaml) through the kiosk --jsonl line handling."""
    from kiosk.engine import load_knowledge_base
    from tests.support.probes import load_probes, run_probe

    kb = load_knowledge_base(intents)
    outcomes = [run_probe(kb, probe) for probe in load_probes()]
    alarms = [o for o in outcomes if o.probe.expect in ("emergency", "staff_check")]
    denials = [o for o in outcomes if o.probe.expect == "no_emergency"]
    unresolved = [o for o in outcomes if o.probe.expect == "staff_check"]
    pending = sum(1 for o in outcomes if o.probe.pending)
    print()
    print(f"Safety probes: {len(outcomes)} ({pending} in own words the understanding work is adding)")
    print(f"  emergencies caught        : {sum(o.alerted for o in alarms)}/{len(alarms)}"
          f" (as the expected kind: {sum(o.passed for o in alarms)})")
    print(f"  false emergencies (denial): {sum(o.alerted for o in denials)}/{len(denials)}")
    print(f"  unresolved paths handled  : {sum(o.passed for o in unresolved)}/{len(unresolved)}")
    for o in outcomes:
        if not o.passed:
            print(f"      {o.probe.id}: expected {o.probe.expect}, got {o.emergency or 'no emergency'}"
                  f" (last question {o.next_question})")


def print_report(stories: list[Story], outcomes: dict[str, StoryOutcome], mode: str) -> None:
    with_causes = [s for s in stories if s.expect.causes]
    in_top3 = [s for s in with_causes if set(s.expect.causes) & set(outcomes[s.id].top_causes(3))]
    first = [s for s in with_causes if outcomes[s.id].top_causes(1)[:1] and
             outcomes[s.id].top_causes(1)[0] in s.expect.causes]
    exact = [s for s in stories if outcomes[s.id].urgency == s.expect.urgency]
    under = [s for s in stories if urgency_rank(outcomes[s.id].urgency) < urgency_rank(s.expect.urgency)]
    over = [s for s in stories if urgency_rank(outcomes[s.id].urgency) > urgency_rank(s.expect.urgency)]
    emergencies = [s for s in stories if s.expect.urgency == "emergency"]
    caught = [s for s in emergencies if outcomes[s.id].urgency == "emergency" and outcomes[s.id].emergency]
    broken = [s for s in stories if outcomes[s.id].problems or not outcomes[s.id].completed]
    misunderstood = sum(len(o.misunderstood) for o in outcomes.values())
    questions = [o.questions_asked for o in outcomes.values() if o.completed]
    seconds = sorted(o.seconds for o in outcomes.values())

    said = sum(len(o.said) for o in outcomes.values())
    finished = [s for s in stories if outcomes[s.id].completed and not outcomes[s.id].problems]
    print(f"Engine benchmark: {len(stories)} stories, {mode}")
    print(f"  interviews finished     : {len(finished)}/{len(stories)}")
    print(f"  expected cause in top 3 : {_pct(in_top3, with_causes)}")
    print(f"  expected cause ranked 1st: {_pct(first, with_causes)}")
    print(f"  urgency exact           : {_pct(exact, stories)}")
    print(f"  under-triage            : {len(under)}" + _list(under, outcomes))
    print(f"  over-triage             : {len(over)}" + _list(over, outcomes))
    print(f"  emergencies caught      : {len(caught)}/{len(emergencies)}")
    print(f"  answers misunderstood   : {misunderstood}")
    print(f"  answers understood      : {100 * (said - misunderstood) / said:.1f}% ({said - misunderstood}/{said})"
          if said else "  answers understood      : n/a")
    print(f"  interviews that broke   : {len(broken)}" + "".join(f"\n      {s.id}: {outcomes[s.id].problems[:1]}"
                                                             for s in broken))
    for o in outcomes.values():
        for m in o.misunderstood:
            print(f"      misunderstood {o.story_id}/{m.question}: {m.said!r} meant {m.meant}, got {m.understood}")
    if questions:
        print(f"  questions asked         : median {statistics.median(questions):g}, max {max(questions)}")
    asked = {f for o in outcomes.values() for q in o.questions for f in q.get("findings", [])}
    never = sorted(FINDINGS - asked)
    print(f"  findings never asked    : {len(never)}" + (f" ({', '.join(never)})" if never else ""))
    print(f"  time per interview      : median {statistics.median(seconds):.2f} s, "
          f"p95 {_p95(seconds):.2f} s (wall, including process start)")
    print()
    print(f"{'story':34} {'expected':38} {'got':44} {'Qs':>3}")
    for s in stories:
        o = outcomes[s.id]
        expected = f"{s.expect.urgency} {'/'.join(s.expect.causes) or '-'}"
        got = f"{o.urgency or 'NO RESULT'} {','.join(o.top_causes(3)) or '-'}"
        mark = "" if s in exact and (not s.expect.causes or s in in_top3) else " <-"
        print(f"{s.id:34} {expected[:38]:38} {got[:44]:44} {o.questions_asked:>3}{mark}")


def _pct(hits: list[Story], of: list[Story]) -> str:
    return f"{100 * len(hits) / len(of):.0f}% ({len(hits)}/{len(of)})" if of else "n/a"


def _p95(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))] if values else 0.0


def _list(stories: list[Story], outcomes: dict[str, StoryOutcome]) -> str:
    return "".join(f"\n      {s.id}: expected {s.expect.urgency}, got {outcomes[s.id].urgency}" for s in stories)


if __name__ == "__main__":
    raise SystemExit(main())
