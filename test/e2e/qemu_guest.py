# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""A Linux guest under QEMU with one vhost-user NIC on vunetd, driven over
its serial console, and its QMP socket for migration. The NIC's options
are what `vunetctl profile qemu` prints for the port's profile, as they
are: the e2e tests are also the test that that command line works."""

import json
import os
import re
import socket
import subprocess

import guest_image
import harness

QEMU = "qemu-system-x86_64"
MEMORY_MB = 256


def kvm_works():
    """KVM only where a stock kernel can use it: these machines' /dev/kvm
    is kvm_pvm, which runs only PVM-enlightened guests."""
    if os.path.exists("/sys/module/kvm_pvm") or not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    return os.path.exists("/sys/module/kvm_intel") or os.path.exists("/sys/module/kvm_amd")


class QemuGuest:
    """port_mode is the vunetd port's: "client" (QEMU owns the socket,
    the recommended set-up) or "server" (vunetd's socket)."""

    def __init__(self, workdir, name, sock, mac, profile="latest", port_mode="client",
                 mtu=0, incoming=False, cpu=harness.TRAFFIC_CPU):
        self.workdir, self.name, self.sock, self.mac = workdir, name, sock, mac
        self.profile, self.port_mode, self.mtu = profile, port_mode, mtu
        self.incoming = incoming
        self.cpu = cpu
        self.qmp_path = os.path.join(workdir, name + ".qmp")
        self.log_path = os.path.join(workdir, name + ".console")
        self.proc = None
        self.out = None
        self.qmp_sock = None
        self.qmp_buf = b""
        self._seq = 0
        self.last_rtt = None   # (min, avg, max) ms of the last ping

    def nic_args(self):
        cmd = [harness.VUNETCTL, "profile", "qemu", self.profile, "--socket", self.sock,
               "--mac", self.mac, "--port-mode", self.port_mode, "--memory", "%dM" % MEMORY_MB]
        if self.mtu:
            cmd += ["--mtu", str(self.mtu)]
        r = subprocess.run(cmd, capture_output=True, text=True, check=True)
        return r.stdout.split()

    def start(self, wait=True):
        vmlinux, initrd = guest_image.build()
        accel = ["-accel", "kvm", "-cpu", "host"] if kvm_works() else \
            ["-accel", "tcg,tb-size=128", "-cpu", "qemu64"]
        args = ["taskset", "-c", self.cpu, QEMU] + accel + [
            "-smp", "1", "-machine", "q35", "-nodefaults", "-display", "none",
            "-kernel", vmlinux, "-initrd", initrd,
            "-append", "console=ttyS0 quiet panic=-1",
            "-serial", "stdio", "-monitor", "none",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            # QEMU 7.2 under TCG crashes on a vhost-user NIC with MSI-X
            "-global", "virtio-net-pci.vectors=0", "-global", "virtio-net-pci.romfile=",
        ] + self.nic_args()
        if self.incoming:
            args += ["-incoming", "defer"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out = harness.Output(self.proc.stdout, self.log_path)
        if wait and not self.incoming:
            self.wait_ready()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, start=0, timeout=120):
        harness.wait_for(lambda: "vunet-guest: ready" in self.out.text(start) or not self.alive(),
                         timeout, "guest %s to boot" % self.name, interval=0.2)
        if not self.alive():
            raise AssertionError("guest %s: QEMU exited %s:\n%s" % (
                self.name, self.proc.returncode, self.out.text()[-3000:]))

    def sh(self, line, timeout=60, check=True):
        """Runs one shell line in the guest; returns (exit code, output)."""
        self._seq += 1
        tag = "__vunet_%d__" % self._seq
        mark = self.out.count()
        self.proc.stdin.write(("%s; echo %s$?\n" % (line, tag)).encode())
        self.proc.stdin.flush()
        pat = re.compile(re.escape(tag) + r"(\d+)")
        m = harness.wait_for(lambda: pat.search(self.out.text(mark)) or
                             (not self.alive() and "exited"), timeout,
                             "guest %s to run '%s'" % (self.name, line), interval=0.05)
        if m == "exited":
            raise AssertionError("guest %s: QEMU exited during '%s'" % (self.name, line))
        text = self.out.text(mark)[:m.start()]
        code = int(m.group(1))
        if check and code != 0:
            raise AssertionError("guest %s: '%s' exited %d:\n%s" % (self.name, line, code, text))
        return code, text

    def ip(self, addr, mtu=None):
        self.sh("ip addr add %s/24 dev eth0" % addr)
        if mtu:
            self.sh("ip link set eth0 mtu %d" % mtu)
        self.sh("ip link set eth0 up")

    def ping(self, addr, count, interval=0.2, size=None, wait=1, timeout=None):
        """busybox ping; returns (transmitted, received)."""
        opts = "-c %d -i %s -W %d" % (count, interval, wait)
        if size:
            opts += " -s %d" % size
        _, text = self.sh("ping %s %s" % (opts, addr), check=False,
                          timeout=timeout or count * interval + 60)
        m = re.search(r"(\d+) packets transmitted, (\d+) packets received", text)
        assert m, "guest %s: no ping summary in:\n%s" % (self.name, text)
        rtt = re.search(r"round-trip min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms", text)
        self.last_rtt = tuple(float(v) for v in rtt.groups()) if rtt else None
        return int(m.group(1)), int(m.group(2))

    def features(self):
        """The virtio feature bits the guest's driver negotiated."""
        _, text = self.sh("cat /sys/bus/virtio/devices/*/features")
        return text.strip()

    def reboot(self):
        mark = self.out.count()
        self.proc.stdin.write(b"reboot -f\n")
        self.proc.stdin.flush()
        self.wait_ready(start=mark)

    # QMP
    def qmp(self, command, **arguments):
        if self.qmp_sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(60)
            harness.wait_for(lambda: os.path.exists(self.qmp_path), 30, "QMP socket")
            s.connect(self.qmp_path)
            self.qmp_sock = s
            self._qmp_read()                       # greeting
            self._qmp_send("qmp_capabilities", {})
        return self._qmp_send(command, arguments)

    def _qmp_send(self, command, arguments):
        self.qmp_sock.sendall(json.dumps({"execute": command, "arguments": arguments}).encode())
        while True:
            msg = self._qmp_read()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise AssertionError("QMP %s: %s" % (command, msg["error"]))

    def _qmp_read(self):
        while b"\n" not in self.qmp_buf:
            chunk = self.qmp_sock.recv(65536)
            if not chunk:
                raise AssertionError("guest %s: QMP closed" % self.name)
            self.qmp_buf += chunk
        line, self.qmp_buf = self.qmp_buf.split(b"\n", 1)
        return json.loads(line)

    def stop(self):
        if self.qmp_sock is not None:
            self.qmp_sock.close()
            self.qmp_sock = None
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        if self.out is not None:
            self.out.thread.join(5)
