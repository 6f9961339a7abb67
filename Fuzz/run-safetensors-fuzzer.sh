#!/usr/bin/env bash
# Builds the libFuzzer target for the safetensors and checkpoint readers and runs it on a copy of the
# seed corpus. Usage: Fuzz/run-safetensors-fuzzer.sh [SECONDS] [extra libFuzzer flags...]
# Needs a Linux Swift toolchain (which ships libFuzzer) and libopenblas-dev. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
work="${FUZZ_WORK:-.build-fuzz}"
mkdir -p "$work/corpus"
cp -n Tests/SafetensorsCorpus/*.safetensors "$work/corpus/"
swiftc -sanitize=fuzzer,address -parse-as-library -O -I Sources/COpenBLAS -I Sources/CKernels/include \
    Sources/NeuralNet/*.swift Fuzz/SafetensorsFuzzer.swift -o "$work/fuzz-safetensors"
# Swift's own backtracer would intercept the crashes libFuzzer needs to see.
SWIFT_BACKTRACE=enable=no "$work/fuzz-safetensors" "$work/corpus" -dict=Fuzz/safetensors.dict \
    -max_len=8192 -max_total_time="$seconds" -rss_limit_mb=2048 -artifact_prefix="$work/" "$@"
