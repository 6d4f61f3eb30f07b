#!/usr/bin/env bash
# Builds the libFuzzer targets (address sanitizer on) and fuzzes each one, starting from the
# seed corpus in Tests/Fuzz/corpus (copied: the repository's seeds are never rewritten).
#
#   Tests/Fuzz/run.sh [--time SECONDS | --runs N] [--seed N] [target ...]
#
# `make test` runs a short, reproducible pass (--runs 4000 --seed 20261130); `make fuzz`
# a long one (FUZZ_TIME seconds per target, 300 by default).
#
# Prints one line per target (executions, crashes) and a table; exits 1 when any target
# crashed, leaked or timed out (the input is kept in .build/fuzz-artifacts/<target>/).
set -uo pipefail
cd "$(dirname "$0")/../.."
limit=(-max_total_time=20); seed=(); targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    --seed) seed=(-seed="$2"); shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(html robots sitemap sitemap-gzip url chunker tokenizer plan multipart markdown docx document)

# Debug configuration (bounds and overflow checks stay on) optimised with -O, so the fuzzer
# gets through more inputs.
swift build --scratch-path .build/fuzz --product NexFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -O 2>&1 \
  | grep -v "Cannot export local symbol" | tail -n 1
binary=.build/fuzz/debug/NexFuzz
[ -x "$binary" ] || { echo "fuzz build failed"; exit 1; }
export NEX_MODEL_DIR=${NEX_MODEL_DIR:-$PWD/Data/models/all-MiniLM-L6-v2}

failed=0
rows=()
for target in "${targets[@]}"; do
  corpus=.build/fuzz-corpus/$target artifacts=.build/fuzz-artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  cp -n Tests/Fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  log=.build/fuzz-artifacts/$target.log
  NEX_FUZZ_TARGET=$target "$binary" "${limit[@]}" "${seed[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" > "$log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  [ "$status" = 0 ] && [ "$crashes" = 0 ] || failed=1
  rows+=("$(printf '| %-13s | %12s | %7s | %s |' "$target" "${runs:-?}" "$crashes" "$([ "$status" = 0 ] && echo ok || echo "exit $status, see $log")")")
  echo "${rows[-1]}"
done
echo
echo "| target        |   executions | crashes | result |"
echo "|---------------|--------------|---------|--------|"
printf '%s\n' "${rows[@]}"
exit $failed
