# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Guests that leave and come back, multiqueue, bad configurations, and a
clean stop on SIGTERM."""

import os
import time

import pytest

from harness import Guest, wait_for

B = Guest.BURST
MAC1, MAC2, MAC3 = "52:54:00:00:02:01", "52:54:00:00:02:02", "52:54:00:00:02:03"
V1 = "org.vunet.net.v1"


def vhost(world, name, mode="server", **kw):
    p = {"name": name, "type": "vhost", "path": world.sock(name), "mode": mode, "bridge": "br0"}
    p.update(kw)
    return p


@pytest.mark.parametrize("mode", ["server", "client"])
def test_guest_that_quits_and_comes_back_gets_traffic_again(world, mode):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", mode), vhost(world, "vm2", mode),
                                vhost(world, "vm3", mode)]}).start()
    server = mode == "client"
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2, server=server).start()
    g2 = world.guest(world.sock("vm2"), MAC2, peer=MAC1, server=server).start()
    g3 = world.guest(world.sock("vm3"), MAC3, peer=MAC1, server=server).start()
    d.wait_up("vm1", "vm2", "vm3")
    assert g2.send(1) == B
    wait_for(lambda: g1.rx() == B, 10, "vm2's frames")
    time.sleep(0.2)

    g2.stop()
    d.wait_port_state("vm2", "down")
    # vm2's MAC is still learned: unicast to it is dropped at its port,
    # and the other guests are not disturbed
    assert g1.send(2) == 2 * B
    wait_for(lambda: d.port("vm2")["drops"]["tx_no_queue"] == 2 * B, 10, "drops at vm2")
    assert g3.send(1) == B
    wait_for(lambda: g1.rx() == 2 * B, 10, "vm3 -> vm1 while vm2 is away")

    g2b = world.guest(world.sock("vm2"), MAC2, peer=MAC1, server=server).start()
    d.wait_port_state("vm2", "up")
    assert g1.send(3) == 3 * B
    wait_for(lambda: g2b.rx() == 3 * B, 15, "vm2 to get traffic again")
    time.sleep(0.3)
    assert g2b.rx() == 3 * B
    assert g3.rx() == B  # only the first flood, before vm1 was learned
    assert d.port("vm2")["guest_ups"] == 2


def test_vunetd_restart_reconnects_client_ports(world):
    """vunetd as client: the guests keep their sockets across a restart."""
    cfg = {"bridges": [{"name": "br0"}],
           "ports": [vhost(world, "vm1", "client"), vhost(world, "vm2", "client")]}
    d = world.vunetd(cfg).start()
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2, server=True).start()
    g2 = world.guest(world.sock("vm2"), MAC2, peer=MAC1, server=True).start()
    d.wait_up("vm1", "vm2")
    d.stop()
    d2 = world.vunetd(cfg, name="vunetd2").start()
    d2.wait_up("vm1", "vm2")
    assert g1.send(2) == 2 * B
    wait_for(lambda: g2.rx() == 2 * B, 15, "traffic after the restart")


def test_multiqueue_polls_every_enabled_queue(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", profile=V1), vhost(world, "vm2", profile=V1)]}
                     ).start()
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2, queues=2).start()
    g2 = world.guest(world.sock("vm2"), MAC2, peer=MAC1, queues=2).start()
    d.wait_up("vm1", "vm2")
    # testpmd sends the bursts on each of its two queues
    assert g1.send(3) == 2 * 3 * B
    wait_for(lambda: g2.rx() == 6 * B, 10, "frames from both queues")
    p1 = d.port("vm1")
    # the profile allows 4 pairs, all polled; the guest enabled 2
    assert p1["rxq_packets"] == [3 * B, 3 * B, 0, 0]
    assert p1["rx_packets"] == 6 * B


def test_sigterm_removes_sockets_and_prints_counters(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1"), vhost(world, "vm2")]}).start()
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2).start()
    d.wait_port_state("vm1", "up")
    assert g1.send(1) == B
    wait_for(lambda: d.port("vm1")["rx_packets"] == B, 10, "vm1's frames")
    assert os.path.exists(world.sock("vm1"))
    out = d.stop()
    assert not os.path.exists(world.sock("vm1"))
    assert not os.path.exists(world.sock("vm2"))
    lines = out[out.index("vunetd: final counters"):].splitlines()
    vm1 = [l.split() for l in lines if l.startswith("vm1 ")][0]
    assert vm1[1:5] == [str(B), str(B * 64), "0", "0"]
    assert vm1[5] == "no_dest=%d" % B   # vm2 never came up
    assert "port: vm1: closed" in out


def test_stale_server_socket_is_replaced_but_a_live_one_is_not(world):
    import socket as pysocket
    path = world.sock("vm1")
    stale = pysocket.socket(pysocket.AF_UNIX)
    stale.bind(path)
    stale.close()   # the file stays, nobody listens: stale
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]}).start()
    assert "removed stale socket %s" % path in d.out.text()
    # a second vunetd on the same path must not steal it
    d2 = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]},
                      name="second")
    code, out = d2.run_to_exit()
    assert code == 1
    assert "ports[0] 'vm1': %s is in use by another process" % path in out
    assert os.path.exists(path)


def test_two_workers_share_queues_and_a_nic_tx_queue(world):
    """Two workers (on one CPU here): queues are dealt to both, the NIC's
    single tx queue is shared under its lock, vhost tx rings are spread."""
    wire = world.wire()
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", profile=V1), vhost(world, "vm2", profile=V1),
                                {"name": "nic", "type": "eth", "bridge": "br0",
                                 "devargs": "net_af_packet0,iface=%s" % wire.host}]},
                     extra_args=["-w", "0,0"]).start()
    assert "tx queues shared by workers" in d.out.text()
    workers = d.telemetry("/vunet/workers")
    # 4 + 4 vhost queue pairs (v1) and 1 NIC queue, dealt round-robin
    assert sorted(w["rx_queues"] for w in workers.values()) == [4, 5]
    g1 = world.guest(world.sock("vm1"), MAC1, peer="ff:ff:ff:ff:ff:ff", queues=2).start()
    g2 = world.guest(world.sock("vm2"), MAC2, peer="ff:ff:ff:ff:ff:ff", queues=2).start()
    d.wait_up("vm1", "vm2")
    far0 = wire.far_rx()
    assert g1.send(4) == 8 * B
    wait_for(lambda: g2.rx() == 8 * B and wire.far_rx() - far0 == 8 * B, 15,
             "the broadcast from two queues on two workers")
    wire.far_send(100, "52:54:00:00:02:09", "ff:ff:ff:ff:ff:ff")
    wait_for(lambda: g1.rx() == 100 and g2.rx() == 8 * B + 100, 15, "the NIC's frames")
    assert d.port("vm1")["rxq_packets"] == [4 * B, 4 * B, 0, 0]
    # vm1 queue 0 and the NIC are worker 0's, which sends on vm2's ring
    # pair 0; vm1 queue 1 is worker 1's, which sends on pair 1
    assert d.port("vm2")["txq_packets"] == [4 * B + 100, 4 * B, 0, 0]
    assert sum(w["packets"] for w in d.telemetry("/vunet/workers").values()) == 8 * B + 100


def test_a_second_front_end_on_a_server_socket_is_refused(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1"), vhost(world, "vm2")]}).start()
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2).start()
    g2 = world.guest(world.sock("vm2"), MAC2, peer=MAC1).start()
    d.wait_up("vm1", "vm2")
    intruder = world.guest(world.sock("vm1"), MAC3, peer=MAC2)
    with pytest.raises(AssertionError):
        intruder.start()
    assert "port vm1: refusing a second front-end" in d.out.text()
    # the first guest still forwards, both ways
    assert g1.send(1) == B
    assert g2.send(1) == B
    wait_for(lambda: g2.rx() == B and g1.rx() == B, 10, "traffic after the refusal")
    assert d.port("vm1")["guest_ups"] == 1
