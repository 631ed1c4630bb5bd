#!/usr/bin/env bash
# Fuzzes every parser of outside input with libFuzzer (-sanitize=fuzzer) and AddressSanitizer.
# Usage: scripts/fuzz-parsers.sh [runs per target] [target …]
#   runs: libFuzzer's -runs (default 1000000); targets: json telnyx twilio retell media sse speech http instant
#   (default: all). Seeds are in Fuzz/corpus/<target>; what a run learns goes to .build-fuzz/corpus/<target>;
#   a crash is saved as .build-fuzz/crashes/<target>/crash-… and replays with
#   `swift run FrontdeskFuzz <target> <file>` (or the fuzz binary with the file as its argument).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(json telnyx twilio retell media sse speech http instant)

scripts/ensure-system-packages.sh
# Its own build folder: every module is instrumented for coverage and checked by AddressSanitizer.
mkdir -p .build-fuzz
echo "building the fuzz targets (libFuzzer + AddressSanitizer) in .build-fuzz/ …"
if ! swift build --product FrontdeskFuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFRONTDESK_FUZZING >.build-fuzz/build.log 2>&1; then
  grep -E "error:" .build-fuzz/build.log | head -20 >&2
  echo "the fuzz build failed (.build-fuzz/build.log)" >&2
  exit 1
fi
binary=.build-fuzz/debug/FrontdeskFuzz

failed=()
printf '%-8s %10s %10s %8s  %s\n' target runs "exec/s" seconds result
for target in "${targets[@]}"; do
  corpus=.build-fuzz/corpus/$target crashes=.build-fuzz/crashes/$target
  mkdir -p "$corpus" "$crashes"
  log=.build-fuzz/$target.log
  started=$(date +%s)
  # -rss_limit_mb and -timeout: a memory blow-up or a hang (> 10 s on one input) is a failure too.
  if FRONTDESK_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 "$binary" -runs="$runs" -max_len=4096 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "Fuzz/corpus/$target" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log)"
    failed+=("$target")
  fi
  seconds=$(( $(date +%s) - started ))
  done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  printf '%-8s %10s %10s %8s  %s\n' "$target" "$done_runs" "$rate" "$seconds" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  for target in "${failed[@]}"; do echo "--- $target"; grep -E "ERROR|invariant broken|Fatal error|SUMMARY|Test unit written|==[0-9]+==" ".build-fuzz/$target.log" | head -20; done
  exit 1
fi
