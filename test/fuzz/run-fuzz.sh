#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds one fuzz target with clang's libFuzzer (ASan and UBSan on) and
# runs it for a bounded time from its seed corpus. Any crash, leak or
# undefined behaviour fails the test; the input is kept in the build
# folder (crash-*) to reproduce it: ./fuzz_NAME crash-...
# Usage: run-fuzz.sh NAME SOURCE_ROOT BUILTIN_PROFILES_C OUT_DIR [SECONDS]
# NAME: request (control requests), config (configuration files),
# profile (profile definitions), vhu (vhost-user bytes from a front-end),
# seg (a guest's TSO frame and segment size).
set -uo pipefail
name=$1 src=$2 profiles_c=$3 out=$4 seconds=${5:-60}
echo "1..1"
clang=$(command -v clang || true)
if [ -z "$clang" ]; then
	echo "not ok 1 - clang is missing (scripts/setup.sh installs it)"
	exit 1
fi
json=(-I"$src/lib/config" -I"$src/lib/profile" -I"$src/lib/util" "$src/lib/config/vunet_config.c"
	"$src/lib/util/vunet_err.c" "$src/lib/util/vunet_strbuf.c"
	"$src"/lib/profile/vunet_profile*.c "$profiles_c" $(pkg-config --cflags --libs jansson))
case $name in
request) sources=(-I"$src/lib/request" "$src/lib/request/vunet_request.c" "${json[@]}") ;;
config | profile) sources=("${json[@]}") ;;
vhu) sources=(-I"$src/lib/relay" "$src/lib/relay/vunet_vhu_msg.c"
	"$src/lib/relay/vunet_vhu_fds.c" "$src/lib/relay/vunet_memguard.c"
	-I"$src/lib/util" "$src/lib/util/vunet_fd.c") ;;
seg) sources=(-I"$src/lib/offload" "$src/lib/offload/vunet_seg.c") ;;
*) echo "not ok 1 - no fuzz target '$name'"; exit 1 ;;
esac
dir=$out/$name
mkdir -p "$dir/corpus"
cp "$src"/test/fuzz/corpus/"$name"/* "$dir/corpus/"
if ! "$clang" -g -O1 -std=c11 -D_GNU_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	"$src/test/fuzz/fuzz_$name.c" "${sources[@]}" -o "$dir/fuzz_$name" 2>&1 |
	sed 's/^/# /'; then
	echo "not ok 1 - fuzz_$name does not build"
	exit 1
fi
cd "$dir"
./fuzz_"$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
	-rss_limit_mb=1024 -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
tail -25 fuzz.log | sed 's/^/# /'
if [ "$rc" -ne 0 ]; then
	echo "not ok 1 - fuzz_$name found a failure (see $dir/fuzz.log, crash-*)"
	exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz.log)
echo "ok 1 - fuzz_$name ran ${seconds} s, ${runs:-?} inputs from $(ls corpus | wc -l) in its corpus: no failure"
