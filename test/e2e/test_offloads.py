# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Profile v3's offloads with Linux guests: what the guests negotiate (read
in /sys), TCP data checked end to end (a file's sha256 on both sides), and
where vunetd passed a TSO frame whole or cut it: v3 <-> v3, v3 <-> v2, v3 ->
a Linux host behind an af_packet port, v3 -> the Linux kernel's VXLAN."""

import json
import os
import re
import subprocess

from harness import VUNETCTL, sh, wait_for
from test_forwarding import MAC, vhost
from test_migration import boot_pair, capabilities, forced_move_is_refused, move, two_hosts
from test_upgrade import OLD_COMMIT, build_old

V2, V3 = "org.vunet.net.v2", "org.vunet.net.v3"

# virtio-net feature bits, as /sys/bus/virtio/devices/*/features lists them
CSUM, GUEST_CSUM, GUEST_TSO4, GUEST_TSO6, GUEST_ECN, GUEST_UFO = 0, 1, 7, 8, 9, 10
HOST_TSO4, HOST_TSO6, HOST_ECN, HOST_UFO = 11, 12, 13, 14
OFFLOADS = (CSUM, GUEST_CSUM, GUEST_TSO4, GUEST_TSO6, HOST_TSO4, HOST_TSO6)
NOT_OFFERED = (GUEST_ECN, GUEST_UFO, HOST_ECN, HOST_UFO)

FILE_MB = 8
PORT = 5001


def boot(world, d, guests):
    """guests: {index: (port name, profile)}, booted together."""
    gs = [world.qemu(name, world.sock(name), MAC[i], profile=prof)
          for i, (name, prof) in guests.items()]
    for g in gs:
        g.start(wait=False)
    for g in gs:
        g.wait_ready()
    d.wait_up(*[name for name, _ in guests.values()])
    return gs


def feature_bits(g):
    text = g.features()
    return {i for i, c in enumerate(text) if c == "1"}


def make_file(g):
    g.sh("dd if=/dev/urandom of=/tmp/data bs=1M count=%d 2>/dev/null" % FILE_MB)
    return g.sh("sha256sum /tmp/data")[1].split()[0]


def sha256_listening(g, port=PORT):
    """Starts a receiver of one TCP stream into /tmp/got on g (nc hands
    the connection to cat: on its own it stops at the end of its stdin)."""
    g.sh("rm -f /tmp/got; (nc -l -p %d -e sh -c 'cat > /tmp/got' </dev/null >/dev/null 2>&1 &)"
         % port)


def received(g, digest):
    size = FILE_MB << 20
    wait_for(lambda: g.sh("stat -c %s /tmp/got")[1].strip() == str(size), 60,
             "all %d bytes at %s" % (size, g.name))
    assert g.sh("sha256sum /tmp/got")[1].split()[0] == digest, "%s's copy differs" % g.name


def transfer(src, dst, dst_ip, digest):
    """src sends its /tmp/data to dst over TCP: dst's copy must be equal."""
    sha256_listening(dst)
    wait_for(lambda: dst.sh("netstat -ltn | grep -q ':%d '" % PORT, check=False)[0] == 0, 10,
             "nc to listen")
    src.sh("nc %s %d < /tmp/data" % (dst_ip, PORT), timeout=300)
    received(dst, digest)


def iperf(client, server, server_ip, seconds=3):
    """One iperf3 TCP stream; the receiver's Mbit/s (printed, not judged)."""
    server.sh("iperf3 -s -1 -D")
    wait_for(lambda: server.sh("netstat -ltn | grep -q ':5201 '", check=False)[0] == 0, 10,
             "iperf3 to listen")
    _, out = client.sh("iperf3 -c %s -t %d -f m" % (server_ip, seconds), timeout=seconds + 60)
    m = re.search(r"([\d.]+) Mbits/sec\s+receiver", out)
    assert m, out
    print("iperf3 %s -> %s: %s Mbit/s (TCG guests)" % (client.name, server.name, m.group(1)))
    return float(m.group(1))


def no_drops(d, *ports):
    for name in ports:
        drops = {k: v for k, v in d.port(name)["drops"].items() if v}
        assert not drops, "%s: %s" % (name, drops)


def offloads(d, name):
    p = d.port(name)
    return {k: p[k] for k in ("tso_passed", "tso_segmented", "tso_segments", "csum_completed")}


def test_v3_guests_pass_tso_frames_whole_and_v2_gets_them_cut(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", bridge="br0", profile=V3),
                                vhost(world, "vm2", bridge="br0", profile=V3),
                                vhost(world, "vm3", bridge="br0", profile=V2)]}).start()
    g1, g2, g3 = boot(world, d, {1: ("vm1", V3), 2: ("vm2", V3), 3: ("vm3", V2)})
    for g, ip in ((g1, "10.0.60.1"), (g2, "10.0.60.2"), (g3, "10.0.60.3")):
        g.ip(ip)
    # what each guest's driver took: v3 every offload, v2 none
    for g in (g1, g2):
        bits = feature_bits(g)
        assert set(OFFLOADS) <= bits and not bits & set(NOT_OFFERED), (g.name, sorted(bits))
    assert not feature_bits(g3) & set(OFFLOADS + NOT_OFFERED), sorted(feature_bits(g3))
    _, text = g1.sh("cat /sys/class/net/eth0/mtu")
    assert text.strip() == "1500"

    digest = make_file(g1)
    # v3 -> v3: the guest's TSO frames reach the other guest whole
    transfer(g1, g2, "10.0.60.2", digest)
    o2 = offloads(d, "vm2")
    assert o2["tso_passed"] > 0 and o2["tso_segmented"] == o2["csum_completed"] == 0, o2
    # v3 -> v2: cut in software to vm3's MTU, every checksum written
    transfer(g1, g3, "10.0.60.3", digest)
    o3 = offloads(d, "vm3")
    assert o3["tso_passed"] == 0 and o3["tso_segmented"] > 0, o3
    # every frame of data was cut or had its checksum completed on the way
    assert o3["tso_segments"] + o3["csum_completed"] >= (FILE_MB << 20) // 1448, o3
    assert d.port("vm3")["tx_packets"] >= o3["tso_segments"] + o3["csum_completed"]
    # v2 -> v3: plain frames, nothing to do
    digest3 = make_file(g3)
    transfer(g3, g1, "10.0.60.1", digest3)
    assert offloads(d, "vm1")["tso_segmented"] == 0
    no_drops(d, "vm1", "vm2", "vm3")
    iperf(g1, g2, "10.0.60.2")
    iperf(g1, g3, "10.0.60.3")
    no_drops(d, "vm1", "vm2", "vm3")


def linux_side(ns, dev):
    """A Linux host on a veth: the kernel checksums and segments what it
    sends before the veth, as a NIC's host would (a veth otherwise hands
    af_packet 64 KB frames with checksums left to do)."""
    sh("ip netns exec %s ethtool -K %s tx off tso off gso off" % (ns, dev))


def host_transfer_to(g, ns, ip, digest):
    """g sends /tmp/data to a Linux host in ns: its copy must be equal."""
    out = "/tmp/vunet-offload-%s.got" % ns
    rx = subprocess.Popen(["ip", "netns", "exec", ns, "busybox", "nc", "-l", "-p", str(PORT),
                           "-e", "/bin/busybox", "sh", "-c", "cat > " + out],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: ":%d " % PORT in sh("ip netns exec %s ss -ltn" % ns).stdout, 10,
                 "nc to listen in %s" % ns)
        g.sh("nc %s %d < /tmp/data" % (ip, PORT), timeout=300)
        rx.wait(60)
        assert sh("sha256sum %s" % out).stdout.split()[0] == digest, "the host's copy differs"
    finally:
        rx.kill()
        rx.wait()
        sh("rm -f %s" % out)


def host_transfer_from(g, ns, g_ip):
    """A Linux host in ns sends a file to g: g's copy must be equal."""
    src = "/tmp/vunet-offload-%s.data" % ns
    sh("head -c %d /dev/urandom > %s" % (FILE_MB << 20, src))
    digest = sh("sha256sum %s" % src).stdout.split()[0]
    sha256_listening(g)
    wait_for(lambda: g.sh("netstat -ltn | grep -q ':%d '" % PORT, check=False)[0] == 0, 10,
             "nc to listen")
    subprocess.run("ip netns exec %s busybox nc %s %d < %s" % (ns, g_ip, PORT, src), shell=True,
                   check=True, timeout=300)
    sh("rm -f %s" % src)
    received(g, digest)


def host_iperf(g, ns, ip, seconds=3):
    srv = subprocess.Popen(["ip", "netns", "exec", ns, "iperf3", "-s", "-1"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: ":5201 " in sh("ip netns exec %s ss -ltn" % ns).stdout, 10,
                 "iperf3 to listen in %s" % ns)
        _, out = g.sh("iperf3 -c %s -t %d -f m" % (ip, seconds), timeout=seconds + 60)
    finally:
        srv.kill()
        srv.wait()
    m = re.search(r"([\d.]+) Mbits/sec\s+receiver", out)
    assert m, out
    print("iperf3 %s -> %s: %s Mbit/s (a TCG guest)" % (g.name, ip, m.group(1)))


def test_v3_guest_to_a_linux_host_and_to_the_kernels_vxlan(world):
    """vm1 (v3) in VLAN 10 of a bridge with an af_packet port to a Linux
    host and a VXLAN tunnel (VNI 5010) to the Linux kernel's VTEP: its TSO
    frames are cut to 1500 toward the host and to 1450 (the underlay's
    1500 less 50 bytes of VXLAN) toward the tunnel."""
    wire, under = world.wire(), world.wire()
    wire.far_ip("10.0.10.100/24")
    linux_side(wire.ns, wire.far)
    k = "ip netns exec %s " % under.ns
    under.far_ip("192.0.2.3/24")
    linux_side(under.ns, under.far)
    sh(k + "ip link add vx0 type vxlan id 5010 local 192.0.2.3 dstport 4789 dev %s" % under.far)
    sh(k + "sysctl -qw net.ipv6.conf.vx0.disable_ipv6=1")
    sh(k + "bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.0.2.1")
    sh(k + "ip addr add 10.0.10.3/24 dev vx0")
    sh(k + "ip link set vx0 up")
    d = world.vunetd({"bridges": [{"name": "br0", "vxlan": {
                          "underlay": "ul", "local_ip": "192.0.2.1",
                          "vnis": [{"vlan": 10, "vni": 5010}], "remotes": ["192.0.2.3"]}}],
                      "ports": [vhost(world, "vm1", bridge="br0", vlan=10, profile=V3),
                                {"name": "up0", "type": "eth", "bridge": "br0", "vlan": 10,
                                 "devargs": "net_af_packet0,iface=%s" % wire.host},
                                {"name": "ul", "type": "eth",
                                 "devargs": "net_af_packet1,iface=%s" % under.host}]}).start()
    g = boot(world, d, {1: ("vm1", V3)})[0]
    d.wait_up("br0@192.0.2.3")
    g.ip("10.0.10.1")
    digest = make_file(g)

    host_transfer_to(g, wire.ns, "10.0.10.100", digest)
    o = offloads(d, "up0")
    assert o["tso_segmented"] > 0 and o["tso_passed"] == 0, o
    host_transfer_from(g, wire.ns, "10.0.10.1")
    host_transfer_to(g, under.ns, "10.0.10.3", digest)
    o = offloads(d, "br0@192.0.2.3")
    assert o["tso_segmented"] > 0 and o["tso_passed"] == 0, o
    # each segment within the underlay's MTU: nothing oversize on the wire
    assert d.port("ul")["drops"]["oversize"] == 0
    host_transfer_from(g, under.ns, "10.0.10.1")
    host_iperf(g, wire.ns, "10.0.10.100")
    host_iperf(g, under.ns, "10.0.10.3")
    no_drops(d, "vm1", "up0", "ul", "br0@192.0.2.3")


def test_a_v3_guest_migrates_with_its_offloads(world):
    a, b = two_hosts(world, V3, V3)
    g1, g2 = boot_pair(world, a, b, profile=V3)
    digest = make_file(g1)
    # host A's vm1 to host B's vm2 (v2) over the uplink: cut to 1500 on A
    transfer(g1, g2, "10.0.50.2", digest)
    assert offloads(a, "up0")["tso_segmented"] > 0
    g1 = move(world, g1, g2, "vm1-dest", world.sock("vm1-on-b"), a, "vm1", b, "vm1")
    bits = feature_bits(g1)
    assert set(OFFLOADS) <= bits and not bits & set(NOT_OFFERED), sorted(bits)
    # the migrated guest still offloads: its TSO frames are cut for vm2 on B
    before = offloads(b, "vm2")["tso_segmented"]
    transfer(g1, g2, "10.0.50.2", digest)
    assert offloads(b, "vm2")["tso_segmented"] > before
    no_drops(b, "vm1", "vm2")


def test_a_host_without_v3_is_refused(world):
    """A vunetd of a commit before v3 (test_upgrade's): `profile check`
    says no, that vunetd refuses a v3 port, and QEMU refuses to move the
    guest onto the v2 port it has; the source runs on."""
    old = build_old(OLD_COMMIT)
    here = capabilities(world.dir, "here")
    caps = json.loads(subprocess.run([old, "--print-capabilities"], capture_output=True,
                                     text=True, check=True).stdout)
    assert V3 not in caps["profiles"]
    there = os.path.join(world.dir, "old.json")
    with open(there, "w") as f:
        json.dump(caps, f)
    r = subprocess.run([VUNETCTL, "profile", "check", here, there, V3], capture_output=True,
                       text=True)
    assert r.returncode == 1 and r.stdout.startswith("no: the destination"), r.stdout
    assert V3 in r.stdout

    code, out = world.vunetd({"ports": [vhost(world, "vm9", profile=V3)]}, name="old-v3",
                             binary=old).run_to_exit()
    assert code != 0 and V3 in out, out

    # QEMU: the v2 port that vunetd has for it offers less
    _, b, g1 = forced_move_is_refused(world, V3, V2, b_binary=old)
    g2 = world.qemu("vm2", world.sock("vm2"), MAC[2], profile=V2).start()
    b.wait_up("vm2")
    g2.ip("10.0.50.2")
    digest = make_file(g1)
    transfer(g1, g2, "10.0.50.2", digest)
