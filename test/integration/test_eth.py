# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""eth ports: queues, MTU, and devices that cannot do what is asked."""

import os
import re

from harness import Guest, sh, wait_for

B = Guest.BURST
MAC1, MAC2 = "52:54:00:00:03:01", "52:54:00:00:03:02"


def test_queues_and_mtu_are_applied(world):
    wire = world.wire()
    d = world.vunetd({"ports": [{"name": "vm1", "type": "vhost", "path": world.sock("vm1"),
                                 "mode": "server"},
                                {"name": "nic", "type": "eth", "rx_queues": 2, "tx_queues": 2,
                                 "mtu": 1400,
                                 "devargs": "net_af_packet0,iface=%s,qpairs=2" % wire.host}],
                      "xconnects": [{"a": "vm1", "b": "nic"}]}).start()
    assert "mtu 1400 " in sh("ip link show %s" % wire.host).stdout
    assert re.search(r"nic: ethdev \d+ \(net_af_packet0\), 2 rx / 2 tx queues", d.out.text())
    g = world.guest(world.sock("vm1"), MAC1, peer=MAC2).start()
    d.wait_port_state("vm1", "up")
    far0 = wire.far_rx()
    assert g.send(2) == 2 * B
    wait_for(lambda: wire.far_rx() - far0 == 2 * B, 10, "frames on the wire")
    # one worker sends on tx queue 0
    assert d.port("nic")["txq_packets"] == [2 * B, 0]


def test_more_queues_than_the_device_has_is_refused(world):
    wire = world.wire()
    d = world.vunetd({"ports": [{"name": "nic", "type": "eth", "rx_queues": 4, "tx_queues": 4,
                                 "devargs": "net_af_packet0,iface=%s,qpairs=2" % wire.host}]})
    code, out = d.run_to_exit()
    assert code == 1
    assert ("ports[0] 'nic': net_af_packet has at most 2 rx and 2 tx queues, 4 and 4 were asked"
            in out)


def test_mtu_beyond_a_buffer_needs_scatter(world):
    wire = world.wire()
    d = world.vunetd({"ports": [{"name": "nic", "type": "eth", "mtu": 9000,
                                 "devargs": "net_af_packet0,iface=%s" % wire.host}]})
    code, out = d.run_to_exit()
    assert code == 1
    assert "ports[0] 'nic': MTU 9000 needs scattered receive, which net_af_packet lacks" in out
    assert not os.path.exists("/var/run/dpdk/%s/mp_socket" % d.prefix)
