# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Live migration between two vunetd "hosts" joined by an uplink (the two
ends of a veth pair, one af_packet port each), with the profile pinned on
both; and a destination whose port offers less, which QEMU must refuse
while the source keeps running."""

import json
import re
import subprocess
import time


from harness import VUNETCTL, VUNETD, sh, unique, wait_for
from test_forwarding import MAC, assert_pings, vhost
from test_restart import background_ping, background_ping_result

V1, V2 = "org.vunet.net.v1", "org.vunet.net.v2"


class Uplink:
    """A veth pair between two "hosts": end a here, end b in a namespace
    of its own where host B's vunetd runs (DPDK 22.11's af_packet makes its
    fanout group id of pid ^ ifindex: two processes in one namespace on the
    two ends of a pair sometimes got the same one, and EINVAL)."""

    def __init__(self):
        tag = unique("")[-8:]
        self.a, self.b, self.ns = "vua" + tag, "vub" + tag, "vuns" + tag
        sh("ip netns add %s" % self.ns)
        sh("ip link add %s type veth peer name %s netns %s" % (self.a, self.b, self.ns))
        for ns, end in (("", self.a), ("ip netns exec %s " % self.ns, self.b)):
            sh(ns + "sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % end)
            sh(ns + "ip link set %s up" % end)

    def remove(self):
        sh("ip link del %s" % self.a, check=False)
        sh("ip netns del %s" % self.ns, check=False)


def two_hosts(world, guest_profile, dest_profile, a_binary=VUNETD, b_binary=VUNETD):
    """Host A: the VM's port vm1 (and vm1back, to come back to). Host B:
    the destination port vm1, and vm2 for a guest that pings."""
    up = Uplink()
    world.wires.append(up)
    a = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", bridge="br0", profile=guest_profile),
                                dict(vhost(world, "vm1back", bridge="br0", profile=guest_profile),
                                     path=world.sock("vm1-back")),
                                {"name": "up0", "type": "eth", "bridge": "br0",
                                 "devargs": "net_af_packet0,iface=%s" % up.a}]},
                     name="hostA", binary=a_binary).start()
    ports_b = [dict(vhost(world, "vm1", bridge="br0", profile=dest_profile),
                    path=world.sock("vm1-on-b")),
               vhost(world, "vm2", bridge="br0", profile=V2),
               {"name": "up0", "type": "eth", "bridge": "br0",
                "devargs": "net_af_packet0,iface=%s" % up.b}]
    b = world.vunetd({"bridges": [{"name": "br0"}], "ports": ports_b}, name="hostB",
                     binary=b_binary, netns=up.ns).start()
    return a, b


def mac_port(d, mac):
    return [m["port"] for m in d.ctl("mac", "show", "br0") if m["mac"] == mac]


def start_migration(src, dst, world):
    uri = "unix:" + world.sock("migration")
    for g in (src, dst):
        g.qmp("migrate-set-capabilities",
              capabilities=[{"capability": "return-path", "state": True}])
    dst.qmp("migrate-incoming", uri=uri)
    src.qmp("migrate", uri=uri)


def wait_migration(g, timeout=120):
    return wait_for(lambda: (lambda s: s if s.get("status") in ("completed", "failed") else None)(
        g.qmp("query-migrate")), timeout, "migration of %s to end" % g.name, interval=0.2)


def boot_pair(world, a, b, profile=V2):
    g1 = world.qemu("vm1", world.sock("vm1"), MAC[1], profile=profile).start(wait=False)
    g2 = world.qemu("vm2", world.sock("vm2"), MAC[2], profile=V2).start(wait=False)
    g1.wait_ready()
    g2.wait_ready()
    a.wait_up("vm1")
    b.wait_up("vm2")
    g1.ip("10.0.50.1")
    g2.ip("10.0.50.2")
    assert_pings(g2, "10.0.50.1")
    return g1, g2


def move(world, g1, g2, dest_name, dest_sock, src_host, src_port, dst_host, dst_port):
    """Migrates g1 to a new QEMU on dest_sock while g2 pings it; checks
    the pings, the MAC tables of both hosts and the guest's device."""
    features = g1.features()
    g1d = world.qemu(dest_name, dest_sock, MAC[1], profile=g1.profile, incoming=True).start()
    count, interval = 100, 0.1
    background_ping(g2, "10.0.50.1", count, interval)
    time.sleep(2)
    start_migration(g1, g1d, world)
    st = wait_migration(g1)
    assert st["status"] == "completed", st
    tx, rx, _ = background_ping_result(g2, timeout=count * interval + 60)
    print("%s: downtime %d ms, total %d ms, %d of %d pings answered" % (
        dest_name, st["downtime"], st["total-time"], rx, tx))
    assert tx == count
    # what the move may cost: the echo requests sent in QEMU's downtime (a
    # window of 87 ms may hold one), the one the source took in but did not
    # answer before its vCPUs stopped, and one that reaches the stopped
    # source before the guest announces itself (b864244 lost 2 at 87 ms)
    ms = int(interval * 1000)
    assert tx - rx <= 2 + (st["downtime"] + ms - 1) // ms, (tx, rx, st["downtime"])
    # the guest announced itself: both bridges moved its MAC
    wait_for(lambda: mac_port(src_host, MAC[1]) == ["up0"] and
             mac_port(dst_host, MAC[1]) == [dst_port], 10, "MAC relearned on both bridges")
    g1.stop()
    src_host.wait_port_state(src_port, "down")
    # a migrated ring's position is right: vunetd (HEAD's; an older one
    # has no such counter) leaves it as it is
    if dst_host.binary == VUNETD:
        assert dst_host.port(dst_port)["ring_fixes"] == 0
    assert g1d.features() == features
    assert_pings(g1d, "10.0.50.2")
    return g1d


def test_live_migration_between_two_vunetd(world):
    a, b = two_hosts(world, V2, V2)
    g1, g2 = boot_pair(world, a, b)
    assert mac_port(a, MAC[1]) == ["vm1"] and mac_port(b, MAC[1]) == ["up0"]
    move(world, g1, g2, "vm1-dest", world.sock("vm1-on-b"), a, "vm1", b, "vm1")


def capabilities(tmp, name, only=None):
    caps = json.loads(subprocess.run([VUNETD, "--print-capabilities"], capture_output=True,
                                     text=True, check=True).stdout)
    if only:
        caps = dict(caps, latest_profile=only, profiles={only: caps["profiles"][only]})
    path = "%s/%s.json" % (tmp, name)
    with open(path, "w") as f:
        json.dump(caps, f)
    return path


def forced_move_is_refused(world, profile, dest_profile, b_binary=VUNETD):
    """A guest on profile at host A moved to host B's port on dest_profile
    (which offers less): QEMU refuses, the source runs on. Returns the
    hosts and the guest (10.0.50.1)."""
    a, b = two_hosts(world, profile, dest_profile, b_binary=b_binary)
    g1 = world.qemu("vm1", world.sock("vm1"), MAC[1], profile=profile).start()
    a.wait_up("vm1")
    g1.ip("10.0.50.1")
    g1d = world.qemu("vm1-dest", world.sock("vm1-on-b"), MAC[1], profile=profile,
                     incoming=True).start()
    start_migration(g1, g1d, world)
    st = wait_migration(g1)
    assert st["status"] == "failed", st
    wait_for(lambda: not g1d.alive(), 30, "the destination QEMU to give up")
    refusal = re.search(r"Features 0x[0-9a-f]+ unsupported\. Allowed features: 0x[0-9a-f]+",
                        g1d.out.text())
    assert refusal, g1d.out.text()[-2000:]
    print("QEMU's refusal: %s" % refusal.group(0))
    wait_for(lambda: g1.qmp("query-status")["status"] == "running", 30, "the source to resume")
    return a, b, g1


def test_move_to_a_port_with_fewer_features_is_refused(world):
    # before the move: a host whose vunetd serves only v1 is not a place for a v2 VM
    r = subprocess.run([VUNETCTL, "profile", "check", capabilities(world.dir, "here"),
                        capabilities(world.dir, "v1only", V1), V2], capture_output=True, text=True)
    assert r.returncode == 1 and r.stdout.startswith("no: the destination"), r.stdout

    # forced anyway: host B's port for the VM is on v1
    _, b, g1 = forced_move_is_refused(world, V2, V1)
    g2 = world.qemu("vm2", world.sock("vm2"), MAC[2], profile=V2).start()
    b.wait_up("vm2")
    g2.ip("10.0.50.2")
    assert_pings(g2, "10.0.50.1")
