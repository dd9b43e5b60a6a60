# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""The Linux guest of the end-to-end tests, made from Debian packages only:
the kernel of Debian's linux-image-amd64 (its uncompressed vmlinux, which
QEMU boots through the PVH entry in about 5 s under TCG) and an initramfs
of busybox-static with the virtio-net and 802.1Q modules, and iperf3 with
the libraries it links (taken from the host's iperf3 package, which
scripts/setup.sh installs). Cached in build/guest/ by kernel version; run as
a script to build it by hand."""

import hashlib
import io
import lzma
import os
import re
import stat
import subprocess
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, "build", "guest")
BUSYBOX = "/bin/busybox"
# dynamically linked programs copied in with their libraries and loader
PROGRAMS = ["/usr/bin/iperf3"]

# load order matters: each needs the ones before it
MODULES = ["drivers/virtio/virtio_ring", "drivers/virtio/virtio", "drivers/virtio/virtio_pci_modern_dev",
           "drivers/virtio/virtio_pci_legacy_dev", "drivers/virtio/virtio_pci", "net/core/failover",
           "drivers/net/net_failover", "drivers/net/virtio_net",
           # 802.1Q subinterfaces: a guest on a trunk
           "net/llc/llc", "net/802/stp", "net/802/garp", "net/802/mrp", "net/8021q/8021q"]

# /init: the test drives the guest over its serial console (a shell on
# ttyS0, no echo, no prompt); "vunet-guest: ready" says eth0 exists.
INIT = """#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# no IPv6: the tests count every frame a guest sends
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for m in %s; do insmod /lib/modules/$m.ko || echo "vunet-guest: insmod $m failed"; done
ip link set lo up
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
stty -echo -onlcr 2>/dev/null
export PS1='' PS2=''
echo "vunet-guest: ready"
# a guest no one talks to (libvirt's) is told on the kernel command line,
# with "_" for ".": vunetip=10_0_0_1 vunetping=10_0_0_2
if [ -n "$vunetip" ]; then
    ip addr add $(echo $vunetip | tr _ .)/24 dev eth0 && ip link set eth0 up
fi
if [ -n "$vunetping" ]; then
    a=$(echo $vunetping | tr _ .)
    i=0
    until ping -c 1 -W 1 $a >/dev/null || [ $i -ge 120 ]; do i=$((i+1)); done
    ping -c 10 -i 0.2 -W 1 $a
    echo "vunet-guest: pinged"
fi
# not exec'd: ash as PID 1 inherits every orphan, and a child's SIGCHLD
# while it reads a line cuts the line (or ends ash: the kernel panics). A
# test's background jobs are started detached, "(cmd &)", so this init
# reaps them, not the shell the test types into.
sh
echo "vunet-guest: the shell ended"
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def shared_objects(program):
    """program's libraries and loader, as ldd resolves them here."""
    out = run(["ldd", program]).stdout
    found = re.findall(r"(?:=> )?(/\S+) \(0x", out)
    if not found:
        raise RuntimeError("ldd %s: no libraries in:\n%s" % (program, out))
    return found


def add_programs(c, log):
    """PROGRAMS and what they link, at the paths the host has them, with
    every folder on the way (the loader's path is compiled in)."""
    made = {"bin", "sbin", "dev", "proc", "sys", "tmp", "lib", "lib/modules", "usr", "usr/bin", "usr/sbin"}
    for prog in PROGRAMS:
        if not os.access(prog, os.X_OK):
            raise RuntimeError("%s is missing (scripts/setup.sh installs it)" % prog)
        for path in [prog] + shared_objects(prog):
            parts = path.strip("/").split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in made:
                    made.add(d)
                    c.dir(d)
            with open(os.path.realpath(path), "rb") as f:
                c.file(path.strip("/"), f.read(), 0o755)
    log("guest: with %s" % ", ".join(PROGRAMS))


def kernel_package():
    """linux-image-amd64's dependency: the package that has the kernel."""
    out = run(["apt-cache", "depends", "linux-image-amd64"]).stdout
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Depends: linux-image-"):
            return line.split()[1]
    raise RuntimeError("apt-cache: linux-image-amd64 depends on no kernel package:\n" + out)


def download(pkg, where):
    """apt-get download PKG into where; apt-get update once if it fails."""
    for attempt in (0, 1):
        r = subprocess.run(["apt-get", "download", pkg], cwd=where, capture_output=True, text=True)
        if r.returncode == 0:
            break
        if attempt == 0:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
    else:
        raise RuntimeError("apt-get download %s: %s" % (pkg, r.stderr))
    debs = [f for f in os.listdir(where) if f.startswith(pkg + "_") and f.endswith(".deb")]
    return os.path.join(where, sorted(debs)[-1])


def extract_vmlinux(bzimage):
    """The ELF inside a bzImage: Debian compresses it with xz."""
    magic = b"\xfd7zXZ\x00"
    start = bzimage.find(magic)
    while start >= 0:
        try:
            elf = lzma.LZMADecompressor().decompress(bzimage[start:])
            if elf[:4] == b"\x7fELF":
                return elf
        except lzma.LZMAError:
            pass
        start = bzimage.find(magic, start + 1)
    raise RuntimeError("no xz-compressed ELF kernel in the bzImage")


class Cpio:
    """newc archive writer (what the kernel unpacks as an initramfs)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        name_b = name.encode() + b"\0"
        head = "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x" % (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0)
        self.ino += 1
        self.buf.write(head.encode() + name_b)
        self.buf.write(b"\0" * (-(110 + len(name_b)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def link(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor):
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def close(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def build(cache=CACHE, log=print):
    """Returns (vmlinux path, initramfs path), building them if needed."""
    pkg = kernel_package()
    key = (INIT + " ".join(MODULES + PROGRAMS)).encode()
    kdir = os.path.join(cache, "%s-%s" % (pkg, hashlib.sha256(key).hexdigest()[:8]))
    vmlinux = os.path.join(kdir, "vmlinux")
    initrd = os.path.join(kdir, "initramfs.cpio")
    if os.path.exists(vmlinux) and os.path.exists(initrd):
        return vmlinux, initrd
    if not os.access(BUSYBOX, os.X_OK):
        raise RuntimeError("%s is missing (package busybox-static; scripts/setup.sh installs it)" % BUSYBOX)
    os.makedirs(kdir, exist_ok=True)
    log("guest: downloading %s" % pkg)
    deb = download(pkg, kdir)
    tar_bytes = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], check=True,
                               capture_output=True).stdout
    want = {}
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as t:
        for m in t.getmembers():
            base = m.name.lstrip("./")
            if base.startswith("boot/vmlinuz-"):
                want["vmlinuz"] = t.extractfile(m).read()
            for mod in MODULES:
                if base.endswith("/kernel/" + mod + ".ko"):
                    want[mod] = t.extractfile(m).read()
    missing = [m for m in ["vmlinuz"] + MODULES if m not in want]
    if missing:
        raise RuntimeError("%s lacks %s" % (pkg, ", ".join(missing)))
    c = Cpio()
    for d in ("bin", "sbin", "dev", "proc", "sys", "tmp", "lib", "lib/modules", "usr", "usr/bin",
              "usr/sbin"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    with open(BUSYBOX, "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    applets = run([BUSYBOX, "--list-full"]).stdout.split()
    for a in applets:
        if a != "bin/busybox" and a.count("/") <= 2:
            c.link(a, "/bin/busybox")
    names = []
    for mod in MODULES:
        name = os.path.basename(mod)
        names.append(name)
        c.file("lib/modules/%s.ko" % name, want[mod])
    add_programs(c, log)
    c.file("init", (INIT % " ".join(names)).encode(), 0o755)
    tmp = initrd + ".tmp"
    with open(tmp, "wb") as f:
        f.write(c.close())
    with open(vmlinux + ".tmp", "wb") as f:
        f.write(extract_vmlinux(want["vmlinuz"]))
    os.rename(vmlinux + ".tmp", vmlinux)
    os.rename(tmp, initrd)
    os.unlink(deb)  # 70 MB; what we need of it is kept
    log("guest: built %s and %s" % (vmlinux, initrd))
    return vmlinux, initrd


if __name__ == "__main__":
    print(*build())
