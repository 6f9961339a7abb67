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
# NeuralNet first, as a module of its own (FileFormats imports it), instrumented the same way.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name NeuralNet \
    -I Sources/COpenBLAS -I Sources/CKernels/include -emit-module -emit-module-path "$work/NeuralNet.swiftmodule" \
    -emit-library -static Sources/NeuralNet/*.swift -o "$work/libNeuralNet.a"
swiftc -sanitize=fuzzer,address -parse-as-library -O -I "$work" -I Sources/COpenBLAS -I Sources/CKernels/include \
    Sources/FileFormats/*.swift Fuzz/SafetensorsFuzzer.swift "$work/libNeuralNet.a" -lopenblas \
    -o "$work/fuzz-safetensors"
# Swift's own backtracer would intercept the crashes libFuzzer needs to see.
SWIFT_BACKTRACE=enable=no "$work/fuzz-safetensors" "$work/corpus" -dict=Fuzz/safetensors.dict \
    -max_len=8192 -max_total_time="$seconds" -rss_limit_mb=2048 -artifact_prefix="$work/" "$@"
