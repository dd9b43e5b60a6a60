# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""VLAN trunks against peers vunet did not write: Linux 802.1Q
subinterfaces on the far end of a trunk, hosts behind access ports, a
DPDK guest that tags its own frames; and the MAC table following ports
that change VLAN or lose their link."""

import json
import re
import subprocess
import time

import pytest

from harness import Capture, Guest, sh, wait_for

B = Guest.BURST
M_FAR, M_ACC, M_VM20, M_VMT = ("52:54:00:00:0a:01", "52:54:00:00:0a:02",
                               "52:54:00:00:0a:14", "52:54:00:00:0a:1f")
BCAST = "ff:ff:ff:ff:ff:ff"


class Lan:
    """br0: 'uplink' trunks VLANs 10 and 20 (Linux subinterfaces far away),
    'up2' trunks VLAN 10 only, 'acc10' is a host in VLAN 10, 'vm20' a
    guest in VLAN 20, 'vmt' a guest trunking VLAN 10 itself."""

    def __init__(self, world):
        self.up, self.up2, self.acc = world.wire(), world.wire(), world.wire()
        self.d = world.vunetd({
            "bridges": [{"name": "br0"}],
            "ports": [
                {"name": "uplink", "type": "eth", "bridge": "br0", "trunk": [10, 20],
                 "devargs": "net_af_packet0,iface=%s" % self.up.host},
                {"name": "up2", "type": "eth", "bridge": "br0", "trunk": ["10-10"],
                 "devargs": "net_af_packet1,iface=%s" % self.up2.host},
                {"name": "acc10", "type": "eth", "bridge": "br0", "vlan": 10,
                 "devargs": "net_af_packet2,iface=%s" % self.acc.host},
                {"name": "vm20", "type": "vhost", "path": world.sock("vm20"), "mode": "server",
                 "bridge": "br0", "vlan": 20},
                {"name": "vmt", "type": "vhost", "path": world.sock("vmt"), "mode": "server",
                 "bridge": "br0", "trunk": [10]}]}).start()
        self.vm20 = world.guest(world.sock("vm20"), M_VM20).start()
        self.vmt = world.guest(world.sock("vmt"), M_VMT).start()
        self.d.wait_up("vm20", "vmt")

    def drops(self, port, why):
        return self.d.port(port)["drops"][why]


@pytest.fixture
def lan(world):
    return Lan(world)


def echo(guest):
    """testpmd answers every ARP request and ping, tags kept as they came."""
    guest.cmd("stop")
    guest.cmd("set fwd icmpecho")
    guest.cmd("start")


def test_a_linux_host_pings_a_guest_on_a_trunk_in_its_vlan_only(lan):
    acc = lan.acc
    acc.far_ip("10.0.10.2/24")
    echo(lan.vmt)
    echo(lan.vm20)
    # the host's untagged frames reach the trunking guest tagged 10, and
    # its tagged answers come back untagged; the guest in VLAN 20, which
    # answers everything too, sees none of it
    assert acc.ping("10.0.10.9") == 3
    assert lan.vm20.rx() == 0
    assert sum(lan.d.port("vmt")["drops"].values()) == 0
    macs = {(m["mac"], m["vlan"], m["port"]) for m in lan.d.ctl("mac", "show", "br0")}
    assert (M_VMT, 10, "vmt") in macs
    assert not any(v != 10 for _, v, _ in macs)


def test_tags_are_popped_pushed_and_counted_exactly(lan):
    up, up2, acc = lan.up, lan.up2, lan.acc
    rx_acc, rx_vm, rx_up2 = acc.far_rx(), lan.vm20.rx(), up2.far_rx()
    # VLAN 10 with priority 5: untagged to the host, tagged (priority
    # kept) to up2, tagged to the trunking guest
    cap = Capture(up2.ns, up2.far, 50, "-e")
    up.far_send(50, M_FAR, BCAST, tci=5 << 13 | 10)
    wait_for(lambda: acc.far_rx() - rx_acc == 50, 10, "VLAN 10 at the host")
    lines = cap.lines()
    assert len(lines) == 50
    assert all(re.search(r"%s > ff:ff:ff:ff:ff:ff, ethertype 802.1Q \(0x8100\), length 64: "
                         r"vlan 10, p 5, ethertype Unknown \(0x88b5\)" % M_FAR, line) for line in lines), lines[0]
    assert up2.far_rx() - rx_up2 == 50
    wait_for(lambda: lan.vmt.rx() == 50, 10, "VLAN 10 at the trunking guest")
    assert lan.vm20.rx() == rx_vm
    # VLAN 20: the guest only
    up.far_send(40, M_FAR, BCAST, tci=20)
    wait_for(lambda: lan.vm20.rx() - rx_vm == 40, 10, "VLAN 20 at the guest")
    # VLAN 30 and untagged (no native VLAN): dropped and counted
    up.far_send(30, M_FAR, BCAST, tci=30)
    up.far_send(20, M_FAR, BCAST)
    wait_for(lambda: lan.drops("uplink", "vlan_not_carried") == 50, 10, "drops")
    assert acc.far_rx() - rx_acc == 50
    assert lan.vm20.rx() - rx_vm == 40
    assert lan.vmt.rx() == 50
    assert up2.far_rx() - rx_up2 == 50
    # the guest's frames leave the trunk tagged 20
    rx_up = up.far_rx()
    cap = Capture(up.ns, up.far, 2 * B, "-e")
    assert lan.vm20.send(2) == 2 * B
    wait_for(lambda: up.far_rx() - rx_up == 2 * B, 10, "VLAN 20 frames on the trunk")
    lines = cap.lines()
    assert len(lines) == 2 * B
    assert all(re.search(r"%s > ff:ff:ff:ff:ff:ff, ethertype 802.1Q \(0x8100\), length 68: "
                         r"vlan 20, p 0," % M_VM20, line) for line in lines), lines[0]
    assert up2.far_rx() - rx_up2 == 50
    assert sum(lan.d.port("uplink")["drops"].values()) == 50


def test_frames_are_judged_as_they_were_on_the_wire(lan):
    """uplink (af_packet, MTU 1500) strips tags in the device: a tagged
    frame reaches vunetd 4 bytes shorter than it was on the wire. It is
    judged with its tag, as an untagged one is: up to 1518 bytes on the
    wire (MTU, header and one tag) pass, 1519 and more are 'oversize'
    (bd01cff passed tagged frames of 1522: 3 more oversize)."""
    up = lan.up
    for dev, ns in ((up.host, None), (up.far, up.ns)):
        sh("%sip link set %s mtu 1600" % ("ip netns exec %s " % ns if ns else "", dev))
    assert "VLAN strip" in lan.d.out.text()
    rx_vmt, rx_up2 = lan.vmt.rx(), lan.up2.far_rx()
    up.far_send(3, M_FAR, BCAST, size=1518)             # untagged, 1518 on the wire
    up.far_send(3, M_FAR, BCAST, size=1519)             # untagged, 1519
    up.far_send(3, M_FAR, BCAST, size=1514, tci=10)     # tagged, 1518
    up.far_send(3, M_FAR, BCAST, size=1515, tci=10)     # tagged, 1519
    up.far_send(3, M_FAR, BCAST, size=1518, tci=10)     # tagged, 1522
    wait_for(lambda: lan.drops("uplink", "oversize") == 9 and
             lan.drops("uplink", "vlan_not_carried") == 3, 10, "the drops")
    wait_for(lambda: lan.up2.far_rx() - rx_up2 == 3, 10, "VLAN 10 on up2")
    time.sleep(0.3)
    assert lan.vmt.rx() - rx_vmt == 3
    assert lan.up2.far_rx() - rx_up2 == 3
    assert sum(lan.d.port("uplink")["drops"].values()) == 12


def test_a_guest_on_a_trunk_gets_and_sends_tagged_frames(lan):
    g, acc = lan.vmt, lan.acc
    g.cmd("stop")
    g.cmd("set fwd macswap")   # sends each frame back, its tag as it came
    g.cmd("start")
    cap = Capture(acc.ns, acc.far, 50, "-e")
    acc.far_send(50, M_ACC, M_VMT)
    # 60 bytes from the host, 64 tagged to the guest and back from it
    wait_for(lambda: lan.d.port("vmt")["rx_packets"] == 50, 10, "the guest's answers")
    p = lan.d.port("vmt")
    assert (p["tx_packets"], p["tx_bytes"], p["rx_bytes"]) == (50, 50 * 64, 50 * 64)
    lines = cap.lines()
    assert len(lines) == 50
    assert all(re.search(r"%s > %s, ethertype Unknown \(0x88b5\), length 60:" % (M_VMT, M_ACC),
                         line) for line in lines), lines[0]
    assert sum(p["drops"].values()) == 0
    assert lan.vm20.rx() == 0


def test_trunk_settings_change_at_run_time_and_persist(lan):
    d = lan.d
    r = d.ctl("port", "set", "uplink", "trunk=10,20-22,30", "native_vlan=20", json_out=False)
    assert r.strip() == "ok" or r.strip() == ""
    p = [q for q in d.ctl("port", "list") if q["name"] == "uplink"][0]
    assert p["trunk"] == [10, "20-22", 30] and p["native_vlan"] == 20 and "vlan" not in p
    text = d.ctl("port", "list", json_out=False)
    assert re.search(r"uplink .* trunk .*  trunk 10,20-22,30 native 20", text), text
    with open(d.state) as f:
        saved = [q for q in json.load(f)["ports"] if q["name"] == "uplink"][0]
    assert saved["trunk"] == [10, "20-22", 30] and saved["native_vlan"] == 20
    # untagged frames are VLAN 20 now: the guest gets them
    rx_vm = lan.vm20.rx()
    lan.up.far_send(10, M_FAR, BCAST)
    wait_for(lambda: lan.vm20.rx() - rx_vm == 10, 10, "native VLAN frames at the guest")
    # an access VLAN on a trunk is refused, and nothing changed
    r = d.ctl("port", "set", "uplink", "vlan=5", check=False, json_out=False)
    assert r.returncode != 0
    assert "ports[0].vlan: a trunk port has no access VLAN; its untagged frames belong to " \
        "native_vlan" in r.stderr
    r = d.ctl("port", "set", "uplink", "trunk=10,5000", check=False, json_out=False)
    assert "ports[0].trunk[1]: VLANs are 1 to 4094, and a range runs upward" in r.stderr
    assert [q for q in d.ctl("port", "list") if q["name"] == "uplink"][0]["trunk"] == \
        [10, "20-22", 30]
    # back to an access port
    d.ctl("port", "set", "uplink", "trunk=null", "native_vlan=null", "vlan=20")
    p = [q for q in d.ctl("port", "list") if q["name"] == "uplink"][0]
    assert p["vlan"] == 20 and "trunk" not in p


def test_a_port_that_changes_vlan_takes_no_frames_of_the_old_one(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [{"name": n, "type": "vhost", "path": world.sock(n),
                                 "mode": "server", "bridge": "br0", "vlan": 10}
                                for n in ("vm1", "vm2")]}).start()
    g1 = world.guest(world.sock("vm1"), "52:54:00:00:0b:01").start()
    g2 = world.guest(world.sock("vm2"), "52:54:00:00:0b:02").start()
    d.wait_up("vm1", "vm2")
    g1.send(1)
    wait_for(lambda: len(d.ctl("mac", "show", "br0")) == 1, 10, "learning")
    rx1 = g1.rx()
    d.ctl("port", "set", "vm1", "vlan=20")
    # its MAC in VLAN 10 is forgotten: VLAN 10 frames for it go nowhere
    assert d.ctl("mac", "show", "br0") == []
    assert g2.send(1, peer="52:54:00:00:0b:01") == B
    wait_for(lambda: d.port("vm2")["drops"]["no_dest"] == B, 10, "no destination in VLAN 10")
    assert g1.rx() == rx1


def test_macs_behind_a_port_whose_link_goes_down_are_forgotten(world):
    tap = "vut" + str(time.time_ns())[-8:]
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [{"name": "vm1", "type": "vhost", "path": world.sock("vm1"),
                                 "mode": "server", "bridge": "br0"},
                                {"name": "nic", "type": "eth", "bridge": "br0",
                                 "devargs": "net_tap0,iface=%s" % tap}]}).start()
    try:
        sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % tap)
        g = world.guest(world.sock("vm1"), "52:54:00:00:0c:01").start()
        d.wait_up("vm1")
        code = ("import socket\n"
                "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n"
                "s.bind(('%s',0))\n"
                "s.send(bytes.fromhex('ffffffffffff525400000c0288b5')+bytes(46))\n" % tap)
        subprocess.run(["python3", "-c", code], check=True)
        # (the kernel may have sent a frame of its own before IPv6 was off)
        wait_for(lambda: ("52:54:00:00:0c:02", "nic") in
                 [(m["mac"], m["port"]) for m in d.ctl("mac", "show", "br0")], 10,
                 "the MAC behind the tap")
        wait_for(lambda: g.rx() == 1, 10, "the frame at the guest")
        sh("ip link set %s down" % tap)
        wait_for(lambda: d.ctl("mac", "show", "br0") == [], 10, "the MACs forgotten")
        assert re.search(r"port nic: link down; [12] MACs learned on it forgotten",
                         d.out.text())
        assert d.ctl("port", "show", "nic")["link"] == "down"
        sh("ip link set %s up" % tap)
        wait_for(lambda: "port nic: link up" in d.out.text(), 10, "link up")
        assert d.ctl("port", "show", "nic")["link"] == "up"
    finally:
        sh("ip link del %s" % tap, check=False)


def test_hosts_behind_open_vswitch_reach_their_vlan_across_a_trunk(world):
    """Open vSwitch (its userspace datapath) is the switch at the other end
    of the trunk, with Linux hosts on access ports in VLANs 10 and 20; so is
    vunetd. All four hosts share one IP subnet: only the VLANs part them."""
    ovs = world.ovs()
    o10, o20, v10, v20 = world.wire(), world.wire(), world.wire(), world.wire()
    ovs.add(o10.host, "tag=10")
    ovs.add(o20.host, "tag=20")
    trunk = ovs.link("trunks=10,20")
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [{"name": "trunk", "type": "eth", "bridge": "br0",
                                 "trunk": [10, 20],
                                 "devargs": "net_af_packet0,iface=%s" % trunk},
                                {"name": "h10", "type": "eth", "bridge": "br0", "vlan": 10,
                                 "devargs": "net_af_packet1,iface=%s" % v10.host},
                                {"name": "h20", "type": "eth", "bridge": "br0", "vlan": 20,
                                 "devargs": "net_af_packet2,iface=%s" % v20.host}]}).start()
    for i, w in enumerate((o10, v10, o20, v20)):
        w.far_ip("10.0.0.%d/24" % (i + 1))
    assert o10.ping("10.0.0.2") == 3
    assert o20.ping("10.0.0.4") == 3
    assert v10.ping("10.0.0.1") == 3
    # across VLANs: nothing answers
    assert o10.ping("10.0.0.4", count=2) == 0
    assert v20.ping("10.0.0.1", count=2) == 0
    # each switch learned the other side's hosts on the trunk, per VLAN
    ours = {(m["vlan"], m["mac"], m["port"]) for m in d.ctl("mac", "show", "br0")}
    assert (10, o10.far_mac(), "trunk") in ours and (20, o20.far_mac(), "trunk") in ours
    assert (10, v10.far_mac(), "h10") in ours and (20, v20.far_mac(), "h20") in ours
    theirs = ovs.fdb()
    assert (10, v10.far_mac(), trunk.replace("vup", "vuo")) in theirs
    assert (20, v20.far_mac(), trunk.replace("vup", "vuo")) in theirs
    assert not any(mac == v10.far_mac() and vlan != 10 for vlan, mac, _ in theirs)
    drops = d.port("trunk")["drops"]
    assert drops["vlan_not_carried"] == 0 and drops["tagged_on_access"] == 0
