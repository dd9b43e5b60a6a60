# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""One tenant must not hurt another: frames that are too long, chains that
are flooded, front-ends that misbehave, control clients that hog the
socket. Each test is about what the other tenants see, exactly."""

import time

from harness import Guest, wait_for

B = Guest.BURST
MAC = {i: "52:54:00:00:00:%02x" % i for i in range(1, 10)}
BCAST = "ff:ff:ff:ff:ff:ff"
V1, V2 = "org.vunet.net.v1", "org.vunet.net.v2"


def vhost(world, name, bridge="br0", vlan=1, **kw):
    p = {"name": name, "type": "vhost", "path": world.sock(name), "mode": "server",
         "bridge": bridge, "vlan": vlan}
    p.update(kw)
    return p


def drops(d, port):
    return {k: v for k, v in d.port(port)["drops"].items() if v}


def test_jumbo_chains_flood_whole_to_every_port(world):
    """4000-byte broadcasts arrive from rte_vhost as 2-mbuf chains. Three
    guests flood each other: each gets every frame of the other two with
    exactly its bytes, and nothing that was never sent appears anywhere
    (main before the fix: segments freed once per destination, frames
    made of other frames' data, counted as bad_src)."""
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm%d" % i, profile=V2) for i in (1, 2, 3)]}).start()
    # one 4000-byte buffer in the guest; two 2 KiB mbufs in vunetd
    args = ["--max-pkt-len=9018", "--enable-scatter", "--mbuf-size=9200"]
    gs = [world.guest(world.sock("vm%d" % i), MAC[i], peer=BCAST, args=args,
                      queue_size=1024).start() for i in (1, 2, 3)]
    d.wait_up("vm1", "vm2", "vm3")
    for g in gs:
        g.cmd("stop")
        g.cmd("set txpkts 4000")
        g.started = False
    # steps of 64 frames from each: 256 of a guest's 1024 descriptors
    steps, sent = 24, 0
    for _ in range(steps):
        for g in gs:
            assert g.send(2) == 2 * B
        sent += 2 * B
        wait_for(lambda: all(g.rx() == 2 * sent for g in gs), 20, "the floods")
    time.sleep(0.5)
    for g in gs:
        s = g.stats()
        assert (s["rx"], s["rx_bytes"]) == (2 * sent, 2 * sent * 4000)
    for p in ("vm1", "vm2", "vm3"):
        c = d.port(p)
        assert (c["rx_packets"], c["rx_bytes"]) == (sent, sent * 4000)
        assert (c["tx_packets"], c["tx_bytes"]) == (2 * sent, 2 * sent * 4000)
        assert drops(d, p) == {}


def test_frames_above_the_profile_mtu_are_dropped(world):
    """A v1 port (MTU 1500) takes 1518-byte frames (header and one tag)
    and drops longer ones as 'oversize'; nothing reaches the other port."""
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", profile=V1),
                                vhost(world, "vm2", profile=V1)]}).start()
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=BCAST, args=["--mbuf-size=4200"]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2]).start()
    d.wait_up("vm1", "vm2")
    g1.cmd("stop")
    g1.started = False
    g1.cmd("set txpkts 1518")
    assert g1.send(2) == 2 * B
    wait_for(lambda: g2.rx() == 2 * B, 10, "1518-byte frames")
    g1.cmd("stop")
    g1.started = False
    g1.cmd("set txpkts 1519")
    assert g1.send(3) == 3 * B
    wait_for(lambda: drops(d, "vm1").get("oversize") == 3 * B, 10, "oversize drops")
    time.sleep(0.3)
    assert g2.rx() == 2 * B
    assert drops(d, "vm1") == {"oversize": 3 * B}
    assert d.port("vm2")["tx_bytes"] == 2 * B * 1518


def test_harness_fails_a_test_whose_vunetd_died(world):
    """A vunetd that dies on its own (here: SIGABRT, as a crash) is an
    error at teardown, even when nothing else looked at it."""
    import os
    import signal
    import pytest
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]}).start()
    os.kill(d.proc.pid, signal.SIGABRT)
    d.proc.wait(20)
    with pytest.raises(AssertionError, match="vunetd died before the test ended"):
        d.stop()
    d.expect_exit = True
