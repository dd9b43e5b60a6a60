# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""L2 bridging between testpmd guests and veth 'NICs': learning, flooding,
VLAN separation, port security. Every count is exact."""

import time

import pytest

from harness import Guest, wait_for

B = Guest.BURST
MAC = {i: "52:54:00:00:00:%02x" % i for i in range(1, 10)}
BCAST = "ff:ff:ff:ff:ff:ff"


def vhost(world, name, bridge="br0", vlan=1, **kw):
    p = {"name": name, "type": "vhost", "path": world.sock(name), "mode": "server",
         "bridge": bridge, "vlan": vlan}
    p.update(kw)
    return p


def learned(d, n, bridge="br0"):
    """Learning goes through the control thread: wait until it has n MACs."""
    wait_for(lambda: d.telemetry("/vunet/bridges")[bridge]["macs"] == n, 10,
             "%d learned MACs" % n)


def test_unicast_after_learning_reaches_exactly_one_port(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1"), vhost(world, "vm2"), vhost(world, "vm3")]}).start()
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=MAC[2]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[1]).start()
    g3 = world.guest(world.sock("vm3"), MAC[3], peer=MAC[1]).start()
    d.wait_up("vm1", "vm2", "vm3")

    # vm2 -> vm1, unknown: flooded to vm1 and vm3; vm2 is learned
    assert g2.send(1) == B
    wait_for(lambda: g1.rx() == B and g3.rx() == B, 10, "the flood")
    learned(d, 1)
    # vm1 -> vm2, learned: vm2 only; vm1 is learned
    assert g1.send(4) == 4 * B
    wait_for(lambda: g2.rx() == 4 * B, 10, "unicast to vm2")
    learned(d, 2)
    # vm3 -> vm1, learned: vm1 only
    assert g3.send(2) == 2 * B
    wait_for(lambda: g1.rx() == B + 2 * B, 10, "unicast to vm1")
    time.sleep(0.3)
    assert (g1.rx(), g2.rx(), g3.rx()) == (3 * B, 4 * B, B)

    assert d.port("vm1")["rx_packets"] == 4 * B
    assert d.port("vm1")["tx_packets"] == 3 * B
    assert d.port("vm2")["tx_bytes"] == 4 * B * 64
    assert d.port("vm3")["tx_packets"] == B
    br = d.telemetry("/vunet/bridges")["br0"]
    assert (br["macs"], br["learned"], br["moved"]) == (3, 3, 0)
    for p in ("vm1", "vm2", "vm3"):
        assert sum(d.port(p)["drops"].values()) == 0


@pytest.mark.parametrize("pmd", ["net_af_packet", "net_af_xdp"])
def test_broadcast_stays_in_its_vlan_across_vhost_and_eth(world, pmd):
    wire = world.wire()
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", vlan=10), vhost(world, "vm2", vlan=10),
                                vhost(world, "vm3", vlan=20),
                                {"name": "nic", "type": "eth", "bridge": "br0", "vlan": 10,
                                 "devargs": "%s0,iface=%s" % (pmd, wire.host)}]}).start()
    g1 = world.guest(world.sock("vm1"), MAC[1]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2]).start()
    g3 = world.guest(world.sock("vm3"), MAC[3]).start()
    d.wait_up("vm1", "vm2", "vm3")
    far0 = wire.far_rx()

    assert g1.send(2, peer=BCAST) == 2 * B
    wait_for(lambda: g2.rx() == 2 * B and wire.far_rx() - far0 == 2 * B, 10, "the broadcast")
    # from the NIC side
    wire.far_send(50, MAC[7], BCAST)
    wait_for(lambda: g1.rx() == 50 and g2.rx() == 2 * B + 50, 10, "the NIC's broadcast")
    # VLAN 20 sends: nobody else is in VLAN 20
    assert g3.send(1, peer=BCAST) == B
    time.sleep(0.5)
    assert g3.rx() == 0
    assert (g1.rx(), g2.rx(), wire.far_rx() - far0) == (50, 2 * B + 50, 2 * B)
    assert d.port("vm3")["drops"]["no_dest"] == B
    assert d.port("nic")["rx_packets"] == 50
    assert d.port("nic")["tx_packets"] == 2 * B


def test_spoofed_frames_are_dropped_and_counted(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", allowed_macs=[MAC[1]]),
                                vhost(world, "vm2")]}).start()
    # the guest on vm1 uses a MAC its port does not allow
    bad = world.guest(world.sock("vm1"), MAC[9], peer=BCAST).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=BCAST).start()
    d.wait_up("vm1", "vm2")

    assert bad.send(3) == 3 * B
    wait_for(lambda: d.port("vm1")["drops"]["spoofed_src"] == 3 * B, 10, "spoof drops")
    time.sleep(0.3)
    assert g2.rx() == 0
    assert d.port("vm2")["tx_packets"] == 0
    assert d.telemetry("/vunet/bridges")["br0"]["macs"] == 0
    # the port still takes traffic for the guest
    assert g2.send(1) == B
    wait_for(lambda: bad.rx() == B, 10, "broadcast to vm1")
    assert d.port("vm1")["drops"]["spoofed_src"] == 3 * B
    # vunetctl stats --drops: the count summed over the ports, the meaning
    for args in (("vm1",), ()):
        rows = {r.split()[0]: r.split(None, 2)[1:] for r in
                d.ctl("stats", "--drops", *args, json_out=False).splitlines()[1:]}
        assert rows["spoofed_src"] == [str(3 * B), "source MAC not allowed on the port"]
        assert sum(int(v[0]) for v in rows.values()) == 3 * B


def test_allowed_source_passes_port_security(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", allowed_macs=[MAC[5], MAC[1]]),
                                vhost(world, "vm2")]}).start()
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=BCAST).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=BCAST).start()
    d.wait_up("vm1", "vm2")
    assert g1.send(2) == 2 * B
    wait_for(lambda: g2.rx() == 2 * B, 10, "allowed frames")
    assert d.port("vm1")["drops"]["spoofed_src"] == 0


def test_aged_mac_is_flooded_again(world):
    d = world.vunetd({"bridges": [{"name": "br0", "aging_sec": 2}],
                      "ports": [vhost(world, "vm1"), vhost(world, "vm2"), vhost(world, "vm3")]}).start()
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=MAC[2]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[1]).start()
    g3 = world.guest(world.sock("vm3"), MAC[3], peer=MAC[1]).start()
    d.wait_up("vm1", "vm2", "vm3")
    assert g2.send(1) == B            # vm2 learned; flooded to vm1, vm3
    wait_for(lambda: g3.rx() == B, 10, "the first flood")
    learned(d, 1)
    assert g1.send(1) == B            # to vm2 only
    wait_for(lambda: g2.rx() == B, 10, "unicast")
    assert g3.rx() == B
    # vm2 stays silent: after aging its MAC is unknown and flooded again
    wait_for(lambda: d.telemetry("/vunet/bridges")["br0"]["aged"] >= 1, 10, "aging")
    assert g1.send(1) == B
    wait_for(lambda: g3.rx() == 2 * B and g2.rx() == 2 * B, 10, "the second flood")
