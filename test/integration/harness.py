# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Real parts standing in for the world: vunetd itself, dpdk-testpmd guests
on net_virtio_user ports, and "physical" NICs as veth pairs whose far end
sits in a network namespace the test creates. Everything started here is
stopped and removed by the fixtures in conftest.py, pass or fail."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VUNETD = os.environ.get("VUNETD", os.path.join(ROOT, "build", "app", "vunetd", "vunetd"))
VUNETCTL = os.path.join(ROOT, "build", "app", "vunetctl", "vunetctl")
TESTPMD = shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd"

# Two cores: the switch's worker has CPU 0; guests and control share CPU 1.
SWITCH_CPU = "0"
TRAFFIC_CPU = "1"

_seq = [0]


def unique(prefix):
    _seq[0] += 1
    return "%s%d_%d" % (prefix, os.getpid() % 100000, _seq[0])


def wait_for(cond, timeout, what, interval=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = cond()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))


class Output:
    """Collects a child's output on a thread, so pipes never fill. Reads
    chunks, not lines: testpmd's prompt ends without a newline."""

    def __init__(self, stream, path):
        self.buf = ""
        self.lock = threading.Lock()
        self.log = open(path, "w")
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        fd = stream.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            text = chunk.decode(errors="replace")
            with self.lock:
                self.buf += text
            self.log.write(text)
            self.log.flush()

    def text(self, start=0):
        with self.lock:
            return self.buf[start:]

    def count(self):
        with self.lock:
            return len(self.buf)


class Vunetd:
    """vunetd with a generated configuration, read through DPDK telemetry."""

    def __init__(self, workdir, config, extra_args=(), name="vunetd", huge=False, binary=VUNETD,
                 netns=None):
        self.workdir = workdir
        self.prefix = unique("vt")
        self.config_path = os.path.join(workdir, name + ".json")
        with open(self.config_path, "w") as f:
            if isinstance(config, str):
                f.write(config)
            else:
                json.dump(config, f, indent=1)
        self.control = os.path.join(workdir, name + ".ctl")
        self.state = os.path.join(workdir, name + ".state.json")
        own = ["--control", self.control, "--state", self.state]
        if binary == VUNETD:   # an older build (e2e upgrade tests) may lack it
            own += ["--socket-dir", workdir]
        if any(a in ("--socket-path", "--fd") for a in extra_args):
            own = []
        # hugepages only where a secondary process must attach (dumpcap)
        mem = ["-m", "256"] if huge else ["--no-huge"]
        # netns: another host's network (its sockets are files, reached
        # from here all the same)
        self.args = (["ip", "netns", "exec", netns] if netns else []) + \
            [binary, "-c", self.config_path] + mem + ["-w", SWITCH_CPU, "--main-cpu",
                                                      TRAFFIC_CPU, "--file-prefix", self.prefix] + \
            own + list(extra_args)
        self.binary = binary
        self.proc = None
        self.out = None
        self.log_path = os.path.join(workdir, name + ".log")
        self.tel = None
        self.expect_exit = False  # the test ends this process itself

    def start(self, wait_ready=True):
        if self.tel is not None:    # a previous process's
            self.tel.close()
            self.tel = None
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.out = Output(self.proc.stdout, self.log_path)
        self.expect_exit = False
        if wait_ready:
            wait_for(lambda: "vunetd: ready" in self.out.text() or self.proc.poll() is not None,
                     30, "vunetd to start")
            if self.proc.poll() is not None:
                raise AssertionError("vunetd exited %d:\n%s" % (self.proc.returncode, self.out.text()))
        return self

    def run_to_exit(self, timeout=30):
        """For configurations that must be refused: returns (code, output)."""
        self.start(wait_ready=False)
        self.expect_exit = True
        code = self.proc.wait(timeout)
        self.out.thread.join(5)
        return code, self.out.text()

    def telemetry(self, cmd):
        if self.tel is None:
            path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % self.prefix
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(path)
            s.recv(1024)
            self.tel = s
        self.tel.send(cmd.encode())
        reply = json.loads(self.tel.recv(65536).decode())
        return reply[cmd.split(",")[0]]

    def port(self, name):
        return self.telemetry("/vunet/port," + name)

    def request(self, req):
        """One request on the control socket, as is (a dict is sent as
        JSON, a str or bytes raw); returns the decoded reply."""
        if isinstance(req, dict):
            req = json.dumps(req)
        if isinstance(req, str):
            req = req.encode()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(self.control)
        s.sendall(req + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return json.loads(data)

    def ctl(self, *args, check=True, json_out=True):
        """vunetctl against this vunetd; the decoded --json output."""
        cmd = [VUNETCTL, "-s", self.control] + (["--json"] if json_out else []) + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError("%s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr))
        if not check:
            return r
        return json.loads(r.stdout) if json_out and r.stdout.strip() else r.stdout

    def wait_port_state(self, name, state, timeout=30):
        wait_for(lambda: self.port(name)["state"] == state, timeout,
                 "port %s to be %s" % (name, state))

    def wait_up(self, *names, timeout=30):
        for name in names:
            self.wait_port_state(name, "up", timeout)

    def stop(self, timeout=20):
        """SIGTERM; returns the output. The daemon must still be running
        (unless the test ended it itself) and must exit 0."""
        if self.tel is not None:
            self.tel.close()
            self.tel = None
        if self.proc is None:
            return ""
        if self.proc.poll() is not None:
            self.out.thread.join(5)
            if not self.expect_exit:
                self.expect_exit = True   # said once
                raise AssertionError("vunetd died before the test ended (exit %d):\n%s" % (
                    self.proc.returncode, self.out.text()[-3000:]))
            return self.out.text()
        self.expect_exit = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("vunetd ignored SIGTERM for %d s" % timeout)
        self.out.thread.join(5)
        assert code == 0, "vunetd exited %d:\n%s" % (code, self.out.text()[-3000:])
        return self.out.text()

    def kill(self):
        self.expect_exit = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


PORT_STATS = re.compile(r"RX-packets:\s+(\d+)\s+RX-missed:\s+(\d+)\s+RX-bytes:\s+(\d+).*?"
                        r"TX-packets:\s+(\d+)\s+TX-errors:\s+(\d+)\s+TX-bytes:\s+(\d+)", re.S)


class Guest:
    """A dpdk-testpmd guest on one net_virtio_user port, driven on stdin.

    It receives in rxonly mode and sends bursts of 32 frames of 64 bytes
    from its own MAC to its eth-peer with 'start tx_first N'."""

    BURST = 32

    def __init__(self, workdir, sock, mac, peer="ff:ff:ff:ff:ff:ff", queues=1, server=False,
                 name=None, devargs="", queue_size=256, args=()):
        self.name = name or unique("g")
        self.sock, self.mac, self.peer, self.queues = sock, mac, peer, queues
        self.server = server
        self.devargs = devargs   # extra virtio_user devargs
        self.queue_size = queue_size
        self.extra = list(args)  # more testpmd arguments
        self.log_path = os.path.join(workdir, self.name + ".log")
        self.proc = None
        self.out = None
        self.started = False

    def start(self, wait_link=True):
        vdev = "net_virtio_user0,path=%s,mac=%s,queue_size=%d,queues=%d" % (
            self.sock, self.mac, self.queue_size, self.queues)
        if self.server:
            vdev += ",server=1"
        vdev += self.devargs
        args = ["stdbuf", "-oL", "-eL", TESTPMD, "--lcores", "0@%s,1@%s" % (TRAFFIC_CPU, TRAFFIC_CPU),
                "--no-pci", "--in-memory", "--single-file-segments", "-m", "256",
                "--file-prefix", self.name, "--log-level=user1,info", "--vdev", vdev, "--",
                "-i", "--nb-cores=1", "--rxq=%d" % self.queues, "--txq=%d" % self.queues,
                "--eth-peer=0,%s" % self.peer, "--burst=%d" % self.BURST, "--txpkts=64",
                "--total-num-mbufs=16384"] + self.extra
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out = Output(self.proc.stdout, self.log_path)
        wait_for(lambda: "testpmd>" in self.out.text() or self.proc.poll() is not None, 60,
                 "guest %s to start" % self.name)
        if self.proc.poll() is not None:
            raise AssertionError("guest %s exited:\n%s" % (self.name, self.out.text()[-3000:]))
        self.cmd("set fwd rxonly")
        self.cmd("start")
        self.started = True
        return self

    def cmd(self, line, expect=None, timeout=15):
        mark = self.out.count()
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        pattern = expect or "testpmd>"
        return wait_for(lambda: self.out.text(mark) if pattern in self.out.text(mark) else None,
                        timeout, "guest %s to answer '%s'" % (self.name, line))

    def send(self, bursts, peer=None):
        """Send bursts x 32 frames (per queue) and wait until they left."""
        before = self.stats()["tx"]
        if self.started:
            self.cmd("stop")
        if peer is not None:
            self.cmd("set eth-peer 0 %s" % peer)
        self.cmd("start tx_first %d" % bursts)
        self.started = True
        want = before + bursts * self.BURST * self.queues
        wait_for(lambda: self.stats()["tx"] >= want, 20,
                 "guest %s to send %d frames" % (self.name, want - before))
        return self.stats()["tx"] - before

    def stats(self):
        text = self.cmd("show port stats 0", expect="Throughput (since last show)")
        m = PORT_STATS.search(text)
        assert m, "no port stats in:\n" + text
        return {"rx": int(m.group(1)), "rx_missed": int(m.group(2)), "rx_bytes": int(m.group(3)),
                "tx": int(m.group(4)), "tx_errors": int(m.group(5)), "tx_bytes": int(m.group(6))}

    def rx(self):
        return self.stats()["rx"]

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.stdin.write(b"quit\n")
            self.proc.stdin.flush()
            self.proc.wait(20)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def sh(cmd, check=True):
    return subprocess.run(cmd, shell=True, check=check, capture_output=True, text=True)


class Wire:
    """A veth pair: 'host' stays here for vunetd's af_packet/af_xdp port,
    'far' lives in a namespace of its own, where frames are sent and counted.
    IPv6 is off on both ends so the kernel sends nothing of its own."""

    def __init__(self):
        tag = unique("")[-8:]
        self.ns = "vuns" + tag
        self.host = "vuh" + tag
        self.far = "vuf" + tag
        try:
            sh("ip netns add %s" % self.ns)
            sh("ip link add %s type veth peer name %s" % (self.host, self.far))
            sh("ip link set %s netns %s" % (self.far, self.ns))
            sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % self.host)
            sh("ip netns exec %s sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % (self.ns, self.far))
            sh("ip link set %s up" % self.host)
            sh("ip netns exec %s ip link set %s up" % (self.ns, self.far))
            sh("ip netns exec %s ip link set lo up" % self.ns)
        except subprocess.CalledProcessError:
            self.remove()   # no half-made namespace or veth left behind
            raise

    def far_rx(self, dev=None):
        """Frames the namespace end (or its interface dev) received."""
        r = sh("ip netns exec %s cat /sys/class/net/%s/statistics/rx_packets" % (
            self.ns, dev or self.far))
        return int(r.stdout)

    def far_send(self, count, src, dst, ethertype=0x88b5, size=60, tci=None):
        """Send count frames from the namespace end; tci: with an 802.1Q
        tag (VLAN, priority), size counted without it."""
        tag = "" if tci is None else "8100%04x" % tci
        code = (
            "import socket,sys\n"
            "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n"
            "s.bind((%r,0))\n"
            "f=bytes.fromhex(%r)+bytes.fromhex(%r)+(%d).to_bytes(2,'big')\n"
            "f=f+bytes(%d-len(f))\n"
            "f=f[:12]+bytes.fromhex(%r)+f[12:]\n"
            "for i in range(%d): s.send(f)\n" % (
                self.far, dst.replace(":", ""), src.replace(":", ""), ethertype, size, tag,
                count))
        sh("ip netns exec %s python3 -c \"%s\"" % (self.ns, code))

    def far_mac(self):
        r = sh("ip netns exec %s cat /sys/class/net/%s/address" % (self.ns, self.far))
        return r.stdout.strip()

    def far_ip(self, ip):
        sh("ip netns exec %s ip addr add %s dev %s" % (self.ns, ip, self.far))

    def ping(self, ip, count=3):
        """Echo replies to count pings from the namespace."""
        r = sh("ip netns exec %s ping -c %d -i 0.2 -W 2 %s" % (self.ns, count, ip),
               check=False)
        m = re.search(r"(\d+) received", r.stdout)
        return int(m.group(1)) if m else 0

    def remove(self):
        sh("ip link del %s" % self.host, check=False)
        sh("ip netns del %s" % self.ns, check=False)


class Capture:
    """tcpdump in namespace ns on dev: the first count frames it receives.
    Returns once tcpdump listens, so nothing sent afterwards is missed."""

    def __init__(self, ns, dev, count, *args, timeout=20):
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", ns, "timeout", str(timeout), "tcpdump", "-i", dev, "-Q", "in",
             "-nn", "-l", "-c", str(count)] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = ""
        while "listening on" not in seen:
            line = self.p.stderr.readline()
            if not line:
                raise AssertionError("tcpdump did not start: " + seen)
            seen += line

    def lines(self):
        """One line per frame: tcpdump's own continuations (hex dumps, an
        inner packet) do not start with a time."""
        out, err = self.p.communicate(30)
        return [line for line in out.splitlines() if re.match(r"\d\d:\d\d:", line)]


class Segment:
    """An L2 segment: a Linux bridge in a namespace of its own (where
    br_netfilter is off, so it forwards any frame as a switch would), with
    veth ends for vunetd's af_packet ports (in this namespace) and for Linux
    hosts (each in a namespace of its own). IPv6 is off everywhere: only
    what the tests send crosses it."""

    def __init__(self):
        self.tag = unique("")[-6:]
        self.ns = "vsn" + self.tag
        self.namespaces = [self.ns]
        self.ours = []
        self.n = 0
        try:
            sh("ip netns add %s" % self.ns)
            self._in(self.ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1")
            self._in(self.ns, "sysctl -qw net.ipv6.conf.default.disable_ipv6=1")
            self._in(self.ns, "sysctl -qw net.bridge.bridge-nf-call-iptables=0", check=False)
            self._in(self.ns, "ip link add br0 type bridge")
            self._in(self.ns, "ip link set br0 up")
        except subprocess.CalledProcessError:
            self.remove()   # no half-made namespace left behind
            raise

    @staticmethod
    def _in(ns, cmd, check=True):
        return sh("ip netns exec %s %s" % (ns, cmd), check=check)

    def _veth(self):
        self.n += 1
        ours, on_br = "vs%s%da" % (self.tag, self.n), "vs%s%db" % (self.tag, self.n)
        sh("ip link add %s type veth peer name %s" % (ours, on_br))
        self.ours.append(ours)
        sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % ours)
        sh("ip link set %s netns %s" % (on_br, self.ns))
        self._in(self.ns, "ip link set %s master br0" % on_br)
        self._in(self.ns, "ip link set %s up" % on_br)
        return ours

    def port(self):
        """A veth end on the segment for vunetd (this namespace)."""
        dev = self._veth()
        sh("ip link set %s up" % dev)
        return dev

    def host(self, ip, ns=None):
        """A Linux host on the segment: (namespace, its interface); ns: an
        existing one (a router's second leg)."""
        dev = self._veth()
        self.ours.remove(dev)
        if ns is None:
            ns = "vsh%s%d" % (self.tag, self.n)
            sh("ip netns add %s" % ns)
            self.namespaces.append(ns)
        sh("ip link set %s netns %s" % (dev, ns))
        self._in(ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1")
        self._in(ns, "sysctl -qw net.ipv6.conf.default.disable_ipv6=1")
        self._in(ns, "ip addr add %s dev %s" % (ip, dev))
        self._in(ns, "ip link set %s up" % dev)
        self._in(ns, "ip link set lo up")
        return ns, dev

    def remove(self):
        for dev in self.ours:
            sh("ip link del %s" % dev, check=False)
        for ns in self.namespaces:
            sh("ip netns del %s" % ns, check=False)


class Ovs:
    """Open vSwitch's own userspace switch (datapath netdev: no kernel
    module, no busy polling) with a private database and run directory, as
    a peer 802.1Q switch: bridge 'obr', ports on veth ends in this
    namespace."""

    def __init__(self, workdir):
        self.d = os.path.join(workdir, unique("ovs"))
        os.makedirs(self.d)
        self.env = dict(os.environ, OVS_RUNDIR=self.d, OVS_DBDIR=self.d, OVS_LOGDIR=self.d)
        self.veths = []
        db = os.path.join(self.d, "conf.db")
        try:
            self._run("ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema")
            self._run("ovsdb-server", db, "--remote=punix:%s/db.sock" % self.d,
                      "--pidfile=%s/ovsdb.pid" % self.d, "--unixctl=%s/ovsdb.ctl" % self.d,
                      "--detach", "--log-file=%s/ovsdb.log" % self.d)
            self.vsctl("--no-wait", "init")
            self._run("ovs-vswitchd", "unix:%s/db.sock" % self.d,
                      "--pidfile=%s/vswitchd.pid" % self.d,
                      "--unixctl=%s/vswitchd.ctl" % self.d,
                      "--detach", "--log-file=%s/vswitchd.log" % self.d)
            self.vsctl("add-br", "obr", "--", "set", "bridge", "obr", "datapath_type=netdev")
        except (AssertionError, subprocess.TimeoutExpired):
            self.close()    # no daemon of a half-made switch left running
            raise

    def _run(self, *args):
        r = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError("%s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    def vsctl(self, *args):
        return self._run("ovs-vsctl", "--db=unix:%s/db.sock" % self.d, *args)

    def appctl(self, *args):
        return self._run("ovs-appctl", "-t", "%s/vswitchd.ctl" % self.d, *args)

    def add(self, iface, *settings):
        """iface (in this namespace) as a port of obr, e.g. 'tag=10'."""
        self.vsctl("add-port", "obr", iface, "--", "set", "port", iface, *settings)

    def link(self, *settings):
        """A veth pair: one end a port of obr; returns the other one's name."""
        tag = unique("")[-8:]
        ours, theirs = "vuo" + tag, "vup" + tag
        sh("ip link add %s type veth peer name %s" % (theirs, ours))
        self.veths.append(ours)
        for dev in (ours, theirs):
            sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % dev)
            sh("ip link set %s up" % dev)
        self.add(ours, *settings)
        return theirs

    def fdb(self):
        """(VLAN, MAC, port name) OVS has learned."""
        names = {}
        for line in self.appctl("dpif/show").splitlines():
            m = re.match(r"\s+(\S+) (\d+)/", line)
            if m:
                names[m.group(2)] = m.group(1)
        rows = set()
        for line in self.appctl("fdb/show", "obr").splitlines()[1:]:
            port, vlan, mac = line.split()[:3]
            rows.add((int(vlan), mac, names.get(port, port)))
        return rows

    def close(self):
        for ctl in ("vswitchd.ctl", "ovsdb.ctl"):
            subprocess.run(["ovs-appctl", "-t", os.path.join(self.d, ctl), "exit"],
                           env=self.env, capture_output=True, timeout=30)
        for dev in self.veths:
            sh("ip link del %s" % dev, check=False)


class VhostUserProbe:
    """A bare vhost-user front-end: asks a back-end what it offers, as QEMU
    does first (GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM)."""

    GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM = 1, 15, 17

    def __init__(self, path=None, sock=None):
        self.s = sock or socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        if path is not None:
            self.s.connect(path)

    def send(self, request, flags=1, payload=b"", fds=()):
        import struct
        msg = struct.pack("<III", request, flags, len(payload)) + payload
        if fds:
            socket.send_fds(self.s, [msg], list(fds))
        else:
            self.s.sendall(msg)

    def get(self, request):
        import struct
        self.send(request)
        return self.reply(request)

    def reply(self, request):
        import struct
        head = self._read(12)
        req, flags, size = struct.unpack("<III", head)
        body = self._read(size)
        assert req == request and flags & 0x4 and size == 8, (req, flags, size)
        return struct.unpack("<Q", body)[0]

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.s.recv(n - len(data))
            if not chunk:
                raise AssertionError("the back-end closed the connection")
            data += chunk
        return data

    def offer(self):
        return {"features": self.get(self.GET_FEATURES),
                "protocol_features": self.get(self.GET_PROTOCOL_FEATURES),
                "queue_num": self.get(self.GET_QUEUE_NUM)}

    def close(self):
        self.s.close()


class World:
    """Owns every process, socket and namespace a test makes; close()
    removes them, pass or fail."""

    def __init__(self, workdir):
        self.dir = workdir
        self.guests = []
        self.daemons = []
        self.wires = []
        self.switches = []

    def sock(self, name):
        return os.path.join(self.dir, name + ".sock")

    def vunetd(self, config, **kw):
        d = Vunetd(self.dir, config, **kw)
        self.daemons.append(d)
        return d

    def guest(self, sock, mac, **kw):
        g = Guest(self.dir, sock, mac, **kw)
        self.guests.append(g)
        return g

    def wire(self):
        w = Wire()
        self.wires.append(w)
        return w

    def ovs(self):
        o = Ovs(self.dir)
        self.switches.append(o)
        return o

    def segment(self):
        seg = Segment()
        self.wires.append(seg)
        return seg

    def close(self):
        # guests leave first: a vunetd that dies as a guest disconnects
        # must be found still dead when its turn comes (stop() fails then)
        for g in self.guests:
            g.stop()
            g.kill()
        errors = []
        for d in self.daemons:
            try:
                d.stop()
            except AssertionError as e:
                errors.append(str(e))
            d.kill()
        for o in self.switches:
            o.close()
        for w in self.wires:
            w.remove()
        return errors
