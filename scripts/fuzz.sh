#!/usr/bin/env bash
# Fuzzes transaction decoding, check-on-entry and block application (Sources/ProvaTesting/FuzzHarness.swift) with
# libFuzzer and AddressSanitizer for FUZZ_SECONDS (default 60), starting from the committed seed corpus. Exits non-zero
# on any crash, leak or timeout; the input that caused it is kept as fuzz-artifacts/crash-… to replay with
# `prova-fuzz FILE` from a normal build. (lld links it: gold stumbles over the sanitizer runtime's symbols.)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${FUZZ_SECONDS:-60}"
SCRATCH=.build-fuzz
echo "==> building prova-fuzz with -sanitize=fuzzer,address"
swift build -c debug --product prova-fuzz --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
    -Xswiftc -use-ld=lld 2>&1 \
    | grep -E "error|warning: |Build complete" || true
BINARY="$SCRATCH/debug/prova-fuzz"
[ -x "$BINARY" ] || { echo "the fuzz build failed; run the swift build line above to see why" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p fuzz-artifacts
echo "==> fuzzing for ${SECONDS_TO_RUN}s"
"$BINARY" -max_total_time="$SECONDS_TO_RUN" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix=fuzz-artifacts/ "$WORK" Tests/Fuzz/corpus
