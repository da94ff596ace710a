#!/usr/bin/env bash
# The model suite beside the editor suites (extension host, then UI), after one build: the model
# suite spends most of its ten minutes waiting on processes it started (restarts with backoff,
# start and hang timeouts, a 1,000-request soak), the editor suites on code-server and Chromium,
# so side by side they take about as long as the longer one instead of the sum. The model suite
# prints as it runs; the editor suites' output is kept and printed whole after it, so the log
# reads one suite at a time. Exits non-zero when any suite failed.
#
#   PHI2_SUITES_ONE_BY_ONE=1   run them one after another instead (e.g. to time one alone)
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
npm run -s build || exit 1

model_suite() { npx mocha --import=tsx --timeout 120000 'test/model/**/*.test.ts'; }
editor_suites='status=0; npx tsx test/vscode/run.ts || status=1; npx tsx test/ui/run.ts || status=1; exit "$status"'

if [ "${PHI2_SUITES_ONE_BY_ONE:-0}" = "1" ]; then
  model_suite; model_status=$?
  bash -c "$editor_suites"; editor_status=$?
else
  editor_log="$(mktemp "${TMPDIR:-/tmp}/phi2-editor-suites.XXXXXX")"
  # Both in the background, each in a process group of its own (job control: no setsid, which
  # macOS lacks), so that a TERM or Ctrl-C of this script stops both at once, with the model
  # hosts, code-servers and browsers they started (nothing can catch a KILL). Neither reads the
  # terminal: a background group that did would be stopped.
  set -m
  bash -c "$editor_suites" </dev/null >"$editor_log" 2>&1 &
  editor_pid=$!
  model_suite </dev/null &
  model_pid=$!
  set +m
  trap 'kill -- -"$editor_pid" -"$model_pid" 2>/dev/null; rm -f "$editor_log"' EXIT
  trap 'exit 130' INT TERM
  echo "(the extension-host and UI suites run beside the model suite; their output follows it)"
  wait "$model_pid"; model_status=$?
  wait "$editor_pid"; editor_status=$?
  cat "$editor_log"
fi
[ "$model_status" -eq 0 ] && [ "$editor_status" -eq 0 ]
