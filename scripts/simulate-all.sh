#!/usr/bin/env bash
# Plays every scenario in every mode the simulator supports, the modes side by side (audio calls run in
# real time and mostly wait, so they overlap well even on two cores). Fails if any scenario fails in any mode.
# Usage: scripts/simulate-all.sh [frontdesk binary]   (default .build/debug/frontdesk)
set -uo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/frontdesk}
[ -x "$binary" ] || { echo "no $binary: build first (swift build)" >&2; exit 1; }
logs=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-simulate.XXXXXX")

modes=(
  "text telnyx|"
  "text telnyx llm|--llm"
  "text twilio|--provider twilio"
  "text twilio llm|--provider twilio --llm"
  "text retell|--provider retell"
  "text retell llm|--provider retell --llm"
  "audio telnyx pcmu|--audio"
  "audio telnyx opus|--audio --audio-codec opus"
  "audio telnyx llm|--audio --llm"
  "audio twilio noisy|--audio --provider twilio --line-noise 20 --echo=-25"
  "audio twilio llm|--audio --provider twilio --llm"
)

started=$(date +%s)
pids=()
for index in "${!modes[@]}"; do
  flags=${modes[$index]#*|}
  # shellcheck disable=SC2086 # the flags are words
  "$binary" simulate --quiet $flags Scenarios/*.yaml >"$logs/$index.log" 2>&1 &
  pids+=($!)
done

failed=0
printf '%-20s %7s %7s %7s  %s\n' mode passed failed skipped result
for index in "${!modes[@]}"; do
  name=${modes[$index]%%|*}
  if wait "${pids[$index]}"; then result=ok; else result=FAILED; failed=1; fi
  log=$logs/$index.log
  passed=$(grep -c '  ✔ ' "$log" || true)
  broken=$(grep -c '  ✘ ' "$log" || true)
  skipped=$(grep -c '  – skipped' "$log" || true)
  printf '%-20s %7s %7s %7s  %s\n' "$name" "$passed" "$broken" "$skipped" "$result"
done
echo "all modes: $(( $(date +%s) - started )) s"
if [ "$failed" -ne 0 ]; then
  for index in "${!modes[@]}"; do
    if grep -q '  ✘ ' "$logs/$index.log" || ! grep -q '✔' "$logs/$index.log"; then
      echo "--- ${modes[$index]%%|*} (${modes[$index]#*|})"; cat "$logs/$index.log"
    fi
  done
  exit 1
fi
rm -rf "$logs"
