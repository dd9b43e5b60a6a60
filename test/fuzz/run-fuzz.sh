#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the request-parser fuzz target with clang's libFuzzer (ASan and
# UBSan on) and runs it for a bounded time from the seed corpus. Any crash,
# leak or undefined behaviour fails the test; the input is kept in the
# build folder (crash-*) to reproduce it: ./fuzz_request crash-...
# Usage: run-fuzz.sh SOURCE_ROOT BUILTIN_PROFILES_C OUT_DIR [SECONDS]
set -uo pipefail
src=$1 profiles_c=$2 out=$3 seconds=${4:-60}
echo "1..1"
clang=$(command -v clang || true)
if [ -z "$clang" ]; then
	echo "not ok 1 - clang is missing (scripts/setup.sh installs it)"
	exit 1
fi
mkdir -p "$out/corpus"
cp "$src"/test/fuzz/corpus/* "$out/corpus/"
if ! "$clang" -g -O1 -std=c11 -D_GNU_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$src/lib/request" -I"$src/lib/config" -I"$src/lib/profile" \
	"$src/test/fuzz/fuzz_request.c" "$src/lib/request/vunet_request.c" \
	"$src/lib/config/vunet_config.c" "$src"/lib/profile/vunet_profile*.c \
	"$profiles_c" \
	$(pkg-config --cflags --libs jansson) -o "$out/fuzz_request" 2>&1 |
	sed 's/^/# /'; then
	echo "not ok 1 - the fuzz target does not build"
	exit 1
fi
cd "$out"
./fuzz_request -max_total_time="$seconds" -max_len=2048 -timeout=10 \
	-rss_limit_mb=1024 -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
tail -25 fuzz.log | sed 's/^/# /'
if [ "$rc" -ne 0 ]; then
	echo "not ok 1 - fuzz_request found a failure (see $out/fuzz.log, crash-*)"
	exit 1
fi
echo "ok 1 - fuzz_request ran ${seconds} s from $(ls corpus | wc -l) inputs: no crash"
