#!/usr/bin/env bash
# Fuzzes every parser of outside input with libFuzzer (-sanitize=fuzzer) and AddressSanitizer.
# Usage: scripts/fuzz-parsers.sh [runs per target] [target …]
#   runs: libFuzzer's -runs (default 1000000); targets: json telnyx twilio retell media sse speech http instant
#   (default: all). Seeds are in Fuzz/corpus/<target>; what a run learns goes to .build-fuzz/corpus/<target>;
#   a crash is saved as .build-fuzz/crashes/<target>/crash-… and replays with
#   `swift build --product FrontdeskFuzz && .build/debug/FrontdeskFuzz <target> <file>`.
# Environment:
#   FUZZ_CONFIGURATION=debug|release  how the fuzz build is compiled (default debug: quicker to build;
#                                     release runs several times more inputs per second, for long runs)
#   FUZZ_JOBS=N                       targets fuzzed at once (default: the number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(json telnyx twilio retell media sse speech http instant)
configuration=${FUZZ_CONFIGURATION:-debug}
jobs=${FUZZ_JOBS:-$(nproc)}

scripts/ensure-system-packages.sh
# Its own build folder: every module is instrumented for coverage and checked by AddressSanitizer.
mkdir -p .build-fuzz
echo "building the fuzz targets ($configuration, libFuzzer + AddressSanitizer) in .build-fuzz/ …"
# The targets reach internal parsers (`@testable import`): release builds need -enable-testing.
testing=()
[ "$configuration" = release ] && testing=(-Xswiftc -enable-testing)
if ! swift build -c "$configuration" --product FrontdeskFuzz --scratch-path .build-fuzz "${testing[@]}" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFRONTDESK_FUZZING >.build-fuzz/build.log 2>&1; then
  grep -E "error:" .build-fuzz/build.log | head -20 >&2
  echo "the fuzz build failed (.build-fuzz/build.log)" >&2
  exit 1
fi
binary=.build-fuzz/$configuration/FrontdeskFuzz

# One target: libFuzzer's exit status; its log in .build-fuzz/<target>.log.
fuzz() {
  local target=$1 corpus=.build-fuzz/corpus/$1 crashes=.build-fuzz/crashes/$1
  mkdir -p "$corpus" "$crashes"
  local started
  started=$(date +%s)
  # -rss_limit_mb and -timeout: a memory blow-up or a hang (> 10 s on one input) is a failure too.
  local status=0
  FRONTDESK_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 "$binary" -runs="$runs" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "Fuzz/corpus/$target" \
    >".build-fuzz/$target.log" 2>&1 || status=$?
  echo "$(( $(date +%s) - started ))" >".build-fuzz/$target.seconds"
  return $status
}

# Up to $jobs targets at once; the table is printed in the targets' order once all are done.
declare -A pids
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz "$target" &
  pids[$target]=$!
done

failed=()
printf '%-8s %10s %10s %8s  %s\n' target runs "exec/s" seconds result
for target in "${targets[@]}"; do
  log=.build-fuzz/$target.log
  if wait "${pids[$target]}"; then result=ok; else result="FAILED (see $log)"; failed+=("$target"); fi
  done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  printf '%-8s %10s %10s %8s  %s\n' "$target" "$done_runs" "$rate" "$(cat ".build-fuzz/$target.seconds")" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  for target in "${failed[@]}"; do echo "--- $target"; grep -E "ERROR|invariant broken|Fatal error|SUMMARY|Test unit written|==[0-9]+==" ".build-fuzz/$target.log" | head -20; done
  exit 1
fi
