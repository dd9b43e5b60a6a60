# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Cross-connects: every packet both ways, vhost to vhost and vhost to NIC."""

import time

import pytest

from harness import Guest, wait_for

B = Guest.BURST
MAC1, MAC2 = "52:54:00:00:01:01", "52:54:00:00:01:02"


def vhost(world, name, mode="server", **kw):
    p = {"name": name, "type": "vhost", "path": world.sock(name), "mode": mode}
    p.update(kw)
    return p


@pytest.mark.parametrize("mode", ["server", "client"])
def test_vhost_cross_connect_delivers_every_packet_both_ways(world, mode):
    d = world.vunetd({"ports": [vhost(world, "vm1", mode), vhost(world, "vm2", mode)],
                      "xconnects": [{"a": "vm1", "b": "vm2"}]}).start()
    server = mode == "client"  # vunetd as client: the guests own the sockets
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2, server=server).start()
    g2 = world.guest(world.sock("vm2"), MAC2, peer=MAC1, server=server).start()
    d.wait_up("vm1", "vm2")

    # a cross-connect does not look at addresses: same MAC both ways is fine
    assert g1.send(7) == 7 * B
    assert g2.send(5) == 5 * B
    wait_for(lambda: g2.rx() == 7 * B and g1.rx() == 5 * B, 10, "both directions")
    time.sleep(0.3)
    assert (g1.rx(), g2.rx()) == (5 * B, 7 * B)
    p1, p2 = d.port("vm1"), d.port("vm2")
    assert (p1["rx_packets"], p1["tx_packets"]) == (7 * B, 5 * B)
    assert (p2["rx_packets"], p2["tx_packets"]) == (5 * B, 7 * B)
    assert p1["rx_bytes"] == 7 * B * 64
    assert sum(p1["drops"].values()) + sum(p2["drops"].values()) == 0


def test_vhost_to_nic_cross_connect(world):
    wire = world.wire()
    d = world.vunetd({"ports": [vhost(world, "vm1"),
                                {"name": "nic", "type": "eth",
                                 "devargs": "net_af_packet0,iface=%s" % wire.host}],
                      "xconnects": [{"a": "nic", "b": "vm1"}]}).start()
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2).start()
    d.wait_port_state("vm1", "up")
    far0 = wire.far_rx()
    assert g1.send(3) == 3 * B
    wait_for(lambda: wire.far_rx() - far0 == 3 * B, 10, "frames on the wire")
    wire.far_send(77, MAC2, MAC1)
    wait_for(lambda: g1.rx() == 77, 10, "frames from the wire")
    time.sleep(0.3)
    assert (g1.rx(), wire.far_rx() - far0) == (77, 3 * B)
    assert d.port("nic")["rx_packets"] == 77
    assert d.port("nic")["tx_packets"] == 3 * B
    assert d.port("nic")["tx_bytes"] == 3 * B * 64


def test_peer_down_counts_drops_and_loses_nothing_else(world):
    d = world.vunetd({"ports": [vhost(world, "vm1"), vhost(world, "vm2")],
                      "xconnects": [{"a": "vm1", "b": "vm2"}]}).start()
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2).start()
    d.wait_port_state("vm1", "up")
    assert d.port("vm2")["state"] == "down"
    assert g1.send(2) == 2 * B
    wait_for(lambda: d.port("vm1")["drops"]["no_dest"] == 2 * B, 10, "no_dest drops")
    assert d.port("vm1")["rx_packets"] == 2 * B
