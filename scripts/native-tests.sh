#!/usr/bin/env bash
# Builds the pure C++ core (no Node-API glue) with native/test/reader_tests.cc under AddressSanitizer and
# UndefinedBehaviorSanitizer and runs it: round trips, typed errors and a mutation fuzzer over both readers
# (RPL_FUZZ_ITERATIONS per seed file, default 2000), plus the real recordings when ../shared is present.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-asan
mkdir -p "$out"
srcs=$(node scripts/list-native-sources.cjs --core)
echo "native-tests: compiling with -fsanitize=address,undefined"
# shellcheck disable=SC2086
g++ -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
  -Wall -Wextra -Inative/src -Inative/test $srcs native/test/reader_tests.cc -o "$out/reader_tests"

real=()
for f in ../shared/data/real/TEST_UN001.ns2 ../shared/data/real/datafile001.nev ../shared/data/real/test.nf3; do
  if [ -f "$f" ]; then real+=("$f"); else echo "!!! native-tests: SKIPPED real file $f (no ../shared here)"; fi
done
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  RPL_FUZZ_ITERATIONS=${RPL_FUZZ_ITERATIONS:-2000} "$out/reader_tests" "${real[@]}"
