#!/bin/sh
# Fuzzes one parser with libFuzzer for a bounded time (docs/security.md#fuzzing).
#
#     scripts/fuzz/run.sh TARGET SECONDS [libFuzzer options...]
#
# TARGET: jpeg png inflate safetensors zip pickle torchscript npy pilot csv (FuzzTarget).
# Builds the harness once into .build/fuzz (Swift's -sanitize=fuzzer,address; about 6 minutes on
# two cores), seeds a working corpus in .build/fuzz/corpus/TARGET with the target's fixtures, runs
# libFuzzer for SECONDS with 4 GB of RSS allowed and 10 s per input, and prints its summary. A crash,
# leak, timeout or out-of-memory input is written to Tests/FuzzTests/Fixtures/crashes/TARGET/, where
# `swift test --filter FuzzTests` replays it from then on (add it to git with the fix).
set -eu
if [ $# -lt 2 ]; then
    echo "usage: scripts/fuzz/run.sh TARGET SECONDS [libFuzzer options...]" >&2
    exit 2
fi
target=$1
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

SHIFTLENS_FUZZ=1 swift build -c debug --build-path .build/fuzz -Xswiftc -sanitize=fuzzer,address --product shiftlens-fuzz >&2
binary=.build/fuzz/debug/shiftlens-fuzz
corpus=.build/fuzz/corpus/$target
crashes=Tests/FuzzTests/Fixtures/crashes/$target
mkdir -p "$corpus" "$crashes"

export SHIFTLENS_FUZZ_TARGET="$target"
# Swift's crash backtracer would wait on libFuzzer's pipes; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"
SHIFTLENS_FUZZ_SEEDS_TO="$corpus" "$binary"

case $target in
    safetensors|zip|pickle|torchscript) max_len=262144 ;;
    *) max_len=65536 ;;
esac
"$binary" "$corpus" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=4096 -timeout=20 \
    -artifact_prefix="$crashes/" -print_final_stats=1 "$@"
