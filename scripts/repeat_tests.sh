#!/usr/bin/env bash
# Run test files many times in a row, under load, and PRINT pass counts per file (issue 13's
# evidence: "every test passes 20 runs in a row under load"). Figures, not a test.
#
#   scripts/repeat_tests.sh                      # 20 runs of each timing-sensitive file, loaded
#   RUNS=5 scripts/repeat_tests.sh tests/test_tts.py tests/test_ui_app.py
#   LOAD=0 scripts/repeat_tests.sh ...           # without the busy loops
#   SIDE_BY_SIDE=0 scripts/repeat_tests.sh ...   # one file at a time (default: all files at once)
#   NICE=19 scripts/repeat_tests.sh ...          # busy loops and test runs at this niceness (default 0)
#   PYTEST_ARGS="-n 0" scripts/repeat_tests.sh ...  # more pytest options for every run
#   OUT=/tmp/repeat-tests.XXX scripts/repeat_tests.sh --show [files]   # the table so far, while it runs
#
# How a file is repeated: one pytest process runs the whole file RUNS times in a row
# (pytest-repeat, --count=CHUNK --repeat-scope=session: run 1 of every test, then run 2, ...;
# RUNS/CHUNK such processes in a row), and a run passes when every test of that run passed. A file named as FILE:process is instead run by
# RUNS fresh pytest processes one after another (the snapshot tests: their snapshot files are
# named after the test, and pytest-repeat renames the test).
#
# Load: LOAD busy loops (default: one per core, `nproc`) run the whole time, each a plain Python
# `while True: pass`, so every test competes for the CPU. By default the files also run side by
# side (each file's runs still in a row), which is more load: speech children, Textual apps and
# recognizers of other files compete with each test. NICE runs the busy loops and the tests at a
# lower priority: on a machine others work on, the tests then compete with each other, the busy
# loops AND everybody else's work, without slowing that work down.
# The 1-minute load average is sampled every 10 s into $OUT/load.log; the table gives its range
# over each file's runs. Logs and JUnit XML of every file are kept in $OUT.
set -u
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
LOAD=${LOAD:-$(nproc)}
SIDE_BY_SIDE=${SIDE_BY_SIDE:-1}
CHUNK=${CHUNK:-5}  # runs per pytest process; the table is updated after each chunk
NICE=${NICE:-0}
read -r -a PYTEST_ARGS <<<"${PYTEST_ARGS:-}"  # more pytest options for every run, e.g. "-n 0"
PY=${PYTHON:-python}
if [ -z "${PYTHON:-}" ] && [ -x .venv/bin/python ]; then PY=.venv/bin/python; fi
OUT=${OUT:-$(mktemp -d /tmp/repeat-tests.XXXXXX)}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

# The files whose tests wait on real threads, child processes, timers, sound devices or
# workers: the ones that could pass or fail with the machine's load.
DEFAULT_FILES=(
  tests/test_tts.py tests/test_ui_reliability.py tests/test_ui_alert.py tests/test_ui_app.py
  tests/test_ui_handoff_touch.py tests/test_ui_spoken.py tests/test_ui_config.py
  tests/test_ui_snapshots.py:process tests/test_microphone.py tests/test_speech_listening.py
  tests/test_cli_errors.py tests/test_deploy.py tests/test_models.py tests/test_jsonl_protocol.py
  tests/test_speech_select.py tests/test_handoff.py tests/test_safety.py
)
SHOW_ONLY=0
if [ "${1:-}" = "--show" ]; then SHOW_ONLY=1; shift; fi  # OUT=<dir> ... --show: the table so far
if [ $# -gt 0 ]; then FILES=("$@"); else FILES=("${DEFAULT_FILES[@]}"); fi

load_range() {  # "min-max" of the sampled 1-minute load average between two epoch seconds
  awk -v from="$1" -v to="$2" '$1 >= from && $1 <= to { if (n++ == 0 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
    END { if (n) printf "%.1f-%.1f", lo, hi; else printf "-" }' "$OUT/load.log" 2>/dev/null
}

show_table() {
  printf '%-32s %11s %8s %10s  %s\n' file "runs passed" seconds load "failed tests (x how many runs)"
  bad=0
  for file in "${FILES[@]}"; do
    name=$(basename "${file%:process}" .py)
    if [ ! -f "$OUT/$name.result" ]; then printf '%-32s %11s\n' "$name.py" "(not yet)"; bad=$((bad + 1)); continue; fi
    read -r passed runs seconds failed <"$OUT/$name.result"
    read -r first last <"$OUT/$name.window"
    printf '%-32s %11s %8s %10s  %s\n' "$name.py" "$passed/$runs" "$seconds" "$(load_range "$first" "$last")" "${failed:-}"
    [ "$passed" = "$runs" ] && [ "$runs" = "$RUNS" ] || bad=$((bad + 1))
  done
  return $((bad > 0))
}
if [ "$SHOW_ONLY" = 1 ]; then show_table; exit; fi

loaders=()
stop_load() { for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop_load EXIT
trap "exit 130" INT TERM
for _ in $(seq 1 "$LOAD"); do
  nice -n "$NICE" "$PY" -c 'while True: pass' &
  loaders+=($!)
done
while :; do echo "$(date +%s) $(cut -d' ' -f1 /proc/loadavg)" >>"$OUT/load.log"; sleep 10; done &
loaders+=($!)

# Which runs failed, from pytest-repeat's JUnit XML: every test id ends in [..RUN-RUNS].
COUNT_RUNS='
import re, sys, xml.etree.ElementTree as ET
runs = int(sys.argv[2])
failed_runs, failed_tests = set(), {}
for case in ET.parse(sys.argv[1]).iter("testcase"):
    if case.find("failure") is None and case.find("error") is None:
        continue
    match = re.search(r"(\d+)-" + str(runs) + r"\]$", case.get("name", ""))
    failed_runs.add(int(match.group(1)) if match else 0)
    name = re.sub(r"-?\d+-" + str(runs) + r"\]$", "]", case.get("name", "")).replace("[]", "")
    failed_tests[name] = failed_tests.get(name, 0) + 1
print(runs - len(failed_runs), " ".join(f"{n}x{k}" for n, k in failed_tests.items()))
'

repeat_file() {  # one file; writes "<runs passed> <runs> <seconds> <failed tests>" to $OUT/<name>.result
  local file=${1%:process} name passed=0 failed="" started
  name=$(basename "$file" .py)
  started=$(date +%s)
  echo "$started $started" >"$OUT/$name.window"
  if [ "$1" != "$file" ]; then
    for run in $(seq 1 "$RUNS"); do
      if nice -n "$NICE" "$PY" -m pytest -q -p no:cacheprovider "${PYTEST_ARGS[@]}" "$file" >"$OUT/$name.$run.log" 2>&1; then
        passed=$((passed + 1))
      else
        failed="$failed run$run:$(grep -oE '^(FAILED|ERROR) [^ ]+' "$OUT/$name.$run.log" | sed 's/^[A-Z]* //; s/.*:://' | tr '\n' ',')"
      fi
      echo "$started $(date +%s)" >"$OUT/$name.window"
    done
  else
    local done_runs=0 chunk_passed chunk_failed count
    while [ "$done_runs" -lt "$RUNS" ]; do  # in chunks, so a run cut short still reports what it did
      count=$(( RUNS - done_runs < CHUNK ? RUNS - done_runs : CHUNK ))
      nice -n "$NICE" "$PY" -m pytest -q -p no:cacheprovider "${PYTEST_ARGS[@]}" --count="$count" --repeat-scope=session \
        --junitxml="$OUT/$name.$done_runs.xml" "$file" >"$OUT/$name.$done_runs.log" 2>&1
      if [ -s "$OUT/$name.$done_runs.xml" ]; then
        read -r chunk_passed chunk_failed < <("$PY" -c "$COUNT_RUNS" "$OUT/$name.$done_runs.xml" "$count")
      else
        chunk_passed=0 chunk_failed="(no report: see $OUT/$name.$done_runs.log)"
      fi
      passed=$((passed + chunk_passed)) failed="$failed ${chunk_failed:-}" done_runs=$((done_runs + count))
      echo "$passed $done_runs $(( $(date +%s) - started )) $failed" >"$OUT/$name.result"
      echo "$started $(date +%s)" >"$OUT/$name.window"
    done
  fi
  [ "$1" != "$file" ] && echo "$passed $RUNS $(( $(date +%s) - started )) $failed" >"$OUT/$name.result"
}

echo "runs: $RUNS per file; load: $LOAD busy loop(s) on $(nproc) core(s), nice $NICE; files side by side: $([ "$SIDE_BY_SIDE" = 1 ] && echo yes || echo no); logs: $OUT"
started_jobs=()
for file in "${FILES[@]}"; do
  if [ "$SIDE_BY_SIDE" = 1 ]; then repeat_file "$file" & started_jobs+=($!); else repeat_file "$file"; fi
done
for pid in "${started_jobs[@]}"; do wait "$pid"; done

show_table
