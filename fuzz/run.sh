#!/usr/bin/env bash
# Builds the libFuzzer targets (ORCHD_FUZZ=ON, clang) in a folder of their
# own and runs each for SECONDS (default 20) from its checked-in seed corpus
# (fuzz/corpus/<target>/, copied: the run's finds do not grow it). Prints
# each target's executions and coverage (libFuzzer's cov: and ft:), and
# fails, keeping the input that broke a property, if any target crashes.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Exits 77 (skipped) without clang++ or libFuzzer. ORCHD_FUZZ_BUILD sets
# the build folder (default: build-fuzz in the source tree).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FrameCodecFuzz JsonScanFuzz MoneyFuzz DispatcherFuzz)
build=${ORCHD_FUZZ_BUILD:-$root/build-fuzz}

if ! command -v clang++ >/dev/null || ! command -v clang >/dev/null; then
  echo "fuzz: clang is not installed (apt-get install clang): skipped"
  exit 77
fi
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
    | clang++ -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "fuzz: clang++ cannot link libFuzzer (-fsanitize=fuzzer): skipped"
  exit 77
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Quiet when it works; the end of its output when it does not.
buildlog=$(mktemp)
if ! { CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DORCHD_FUZZ=ON "${launcher[@]}" \
    && cmake --build "$build" -j2; } >"$buildlog" 2>&1; then
  echo "fuzz: the fuzz targets do not build:"
  grep -E 'error|undefined reference|FAILED' "$buildlog" | head -n 30 || tail -n 30 "$buildlog"
  rm -f "$buildlog"
  exit 1
fi
rm -f "$buildlog"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for target in "${targets[@]}"; do
  mkdir -p "$work/$target"
  cp "$root/fuzz/corpus/$target/"* "$work/$target/"
  log="$work/$target.log"
  if "$build/bin/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work/$target" >"$log" 2>&1; then
    coverage=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $target: $execs executions in ${seconds} s, no crash; $coverage"
  else
    failed=1
    echo "fuzz: $target FAILED:"
    grep -E 'property failed|ERROR|SUMMARY|Test unit written' "$log" || tail -20 "$log"
    keep="$build/crashes"
    mkdir -p "$keep"
    cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$keep/" 2>/dev/null || true
    echo "fuzz: the failing input is kept in $keep (replay: $build/bin/$target FILE)"
  fi
done
exit $failed
