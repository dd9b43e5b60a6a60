#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs what vunet needs on Debian 12 (run as root), reserves hugepages,
# mounts hugetlbfs, and builds into build/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

HUGEPAGES=${VUNET_HUGEPAGES:-1024}   # 2 MiB pages: 2 GiB
PACKAGES=(build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk dpdk-dev libjansson-dev libnuma-dev libbpf-dev
	libxdp-dev iperf3 ethtool python3 python3-pytest python3-pytest-timeout iproute2 procps
	coreutils util-linux clang libclang-rt-14-dev valgrind
	qemu-system-x86 busybox-static iputils-ping tcpdump openvswitch-switch
	libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients systemd
	man-db groff-base libmnl-dev frr)

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (apt-get, hugepages, mounts)" >&2
	exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

# Hugepages: vunetd runs without them (--no-huge) but DPDK guests in tests
# and production workloads want them.
cur=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
if [ "$cur" -lt "$HUGEPAGES" ]; then
	echo "$HUGEPAGES" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	got=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
	[ "$got" -ge "$HUGEPAGES" ] ||
		echo "setup.sh: only $got of $HUGEPAGES hugepages could be reserved" >&2
fi
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages
fi

if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
echo "setup.sh: built build/app/vunetd/vunetd"
