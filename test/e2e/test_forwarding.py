# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Linux guests under QEMU on vunetd, checked as users check: ping counts
through a bridge, a cross-connect and an eth port; VLAN separation; port
security; jumbo frames."""

from harness import sh, wait_for

MAC = {i: "52:54:00:e2:00:%02x" % i for i in range(1, 10)}
COUNT = 20


def vhost(world, name, **kw):
    p = {"name": name, "type": "vhost", "path": world.sock(name), "mode": "client"}
    p.update(kw)
    return p


def boot(world, d, names, **kw):
    """Guests on client-mode ports (QEMU owns the socket), booted together."""
    guests = [world.qemu(n, world.sock(n), MAC[i], **kw) for i, n in names.items()]
    for g in guests:
        g.start(wait=False)
    for g in guests:
        g.wait_ready()
    d.wait_up(*names.values())
    return guests


def assert_pings(g, addr, count=COUNT, **kw):
    """One ping to resolve ARP and teach the bridges, then count exactly."""
    g.ping(addr, 1, wait=5)
    assert g.ping(addr, count, **kw) == (count, count), "%s -> %s" % (g.name, addr)


def test_bridge_vlans_port_security_and_eth(world):
    wire = world.wire()
    sh("ip netns exec %s ip addr add 10.0.10.100/24 dev %s" % (wire.ns, wire.far))
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", bridge="br0", vlan=10, allowed_macs=[MAC[1]]),
                                vhost(world, "vm2", bridge="br0", vlan=10),
                                vhost(world, "vm3", bridge="br0", vlan=20),
                                {"name": "up0", "type": "eth", "bridge": "br0", "vlan": 10,
                                 "devargs": "net_af_packet0,iface=%s" % wire.host}]}).start()
    g1, g2, g3 = boot(world, d, {1: "vm1", 2: "vm2", 3: "vm3"})
    g1.ip("10.0.10.1")
    g2.ip("10.0.10.2")
    g3.ip("10.0.10.3")   # same subnet, other VLAN: must stay unreachable

    assert_pings(g1, "10.0.10.2")
    print("RTT vm1 -> vm2 through the bridge: min/avg/max %.2f/%.2f/%.2f ms (TCG guests)"
          % g1.last_rtt)
    assert_pings(g2, "10.0.10.1")
    # through the eth port into the host namespace, and back
    assert_pings(g1, "10.0.10.100")
    r = sh("ip netns exec %s ping -c %d -i 0.2 -W 2 10.0.10.2" % (wire.ns, COUNT), check=False)
    assert "%d packets transmitted, %d received" % (COUNT, COUNT) in r.stdout, r.stdout
    # VLAN 20 sees nothing of VLAN 10, and the other way round
    vm3_rx = d.port("vm3")["tx_packets"]
    assert g3.ping("10.0.10.1", 5, wait=1) == (5, 0)
    assert g1.ping("10.0.10.3", 5, wait=1) == (5, 0)
    assert d.port("vm3")["tx_packets"] == vm3_rx, "a VLAN 10 frame reached VLAN 20"
    assert d.port("vm1")["drops"]["spoofed_src"] == 0

    # vm1 takes a MAC its port does not allow: cut off, and counted
    vm2_tx = d.port("vm2")["tx_packets"]
    vm1_rx = d.port("vm1")["rx_packets"]
    g1.sh("ip link set eth0 address %s" % MAC[9])
    assert g1.ping("10.0.10.2", 10, wait=1) == (10, 0)
    # every frame it sent since (ARP, echo requests) was dropped as spoofed
    p1 = d.port("vm1")
    assert p1["drops"]["spoofed_src"] == p1["rx_packets"] - vm1_rx > 0, p1
    assert d.port("vm2")["tx_packets"] == vm2_tx, "a frame from the new MAC reached vm2"
    assert MAC[9] not in d.ctl("mac", "show", "br0", json_out=False)
    # back to its own MAC: forwarded again
    g1.sh("ip link set eth0 address %s" % MAC[1])
    assert_pings(g1, "10.0.10.2")


def test_cross_connect(world):
    d = world.vunetd({"ports": [vhost(world, "vm4"), vhost(world, "vm5")],
                      "xconnects": [{"a": "vm4", "b": "vm5"}]}).start()
    g4, g5 = boot(world, d, {4: "vm4", 5: "vm5"})
    g4.ip("10.0.20.4")
    g5.ip("10.0.20.5")
    assert_pings(g4, "10.0.20.5")
    assert_pings(g5, "10.0.20.4")
    # exactly what one side sent, the other received (read once both
    # counters have caught up with the last frame)
    def crossed():
        p4, p5 = d.port("vm4"), d.port("vm5")
        return p4["rx_packets"] == p5["tx_packets"] > 2 * (COUNT + 1) and \
            p5["rx_packets"] == p4["tx_packets"] > 2 * (COUNT + 1)
    wait_for(crossed, 5, "both directions counted alike")
    assert all(v == 0 for v in d.port("vm4")["drops"].values())


def test_jumbo_frames_on_v2(world):
    v2 = "org.vunet.net.v2"
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm6", bridge="br0", profile=v2),
                                vhost(world, "vm7", bridge="br0", profile=v2)]}).start()
    g6, g7 = boot(world, d, {6: "vm6", 7: "vm7"}, profile=v2, mtu=9000)
    g6.ip("10.0.30.6", mtu=9000)
    g7.ip("10.0.30.7", mtu=9000)
    for g in (g6, g7):
        _, text = g.sh("cat /sys/class/net/eth0/mtu")
        assert text.strip() == "9000"
    assert_pings(g6, "10.0.30.7", size=8000)
    assert_pings(g7, "10.0.30.6", size=8000)
    # each echo is one 8042-byte frame (no fragments at MTU 9000): each
    # guest sent 20 requests and 20 replies of that size, nothing dropped
    for name in ("vm6", "vm7"):
        p = d.port(name)
        assert all(v == 0 for v in p["drops"].values()), p["drops"]
        assert 2 * COUNT * 8042 <= p["rx_bytes"] < 2 * COUNT * 8042 + 8000, p


def test_a_guest_with_linux_vlan_subinterfaces_on_a_trunk(world):
    """The guest's own kernel tags and untags (eth0.10, eth0.20; eth0 is the
    native VLAN); hosts on access ports answer in their VLAN only."""
    w10, w20, w30, other = world.wire(), world.wire(), world.wire(), world.wire()
    w10.far_ip("10.0.10.100/24")
    w20.far_ip("10.0.20.100/24")
    w30.far_ip("10.0.30.100/24")
    other.far_ip("10.0.10.50/24")   # VLAN 20 with a VLAN 10 address
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", bridge="br0", trunk=[10, 20], native_vlan=30)] +
                      [{"name": n, "type": "eth", "bridge": "br0", "vlan": v,
                        "devargs": "net_af_packet%d,iface=%s" % (i, w.host)}
                       for i, (n, v, w) in enumerate([("up10", 10, w10), ("up20", 20, w20),
                                                      ("up30", 30, w30), ("other", 20, other)])]
                      }).start()
    g = boot(world, d, {1: "vm1"})[0]
    g.ip("10.0.30.1")
    for vid in (10, 20):
        g.sh("ip link add link eth0 name eth0.%d type vlan id %d" % (vid, vid))
        g.sh("ip addr add 10.0.%d.1/24 dev eth0.%d" % (vid, vid))
        g.sh("ip link set eth0.%d up" % vid)
    assert_pings(g, "10.0.10.100")
    assert_pings(g, "10.0.20.100")
    assert_pings(g, "10.0.30.100")
    r = sh("ip netns exec %s ping -c %d -i 0.2 -W 2 10.0.10.1" % (w10.ns, COUNT), check=False)
    assert "%d packets transmitted, %d received" % (COUNT, COUNT) in r.stdout, r.stdout
    # a host of VLAN 20 never hears eth0.10's ARP for its address
    heard = other.far_rx()
    assert g.ping("10.0.10.50", 3, wait=1) == (3, 0)
    assert other.far_rx() == heard
    macs = {(m["vlan"], m["port"]) for m in d.ctl("mac", "show", "br0") if m["mac"] == MAC[1]}
    assert macs == {(10, "vm1"), (20, "vm1"), (30, "vm1")}
    assert sum(d.port("vm1")["drops"].values()) == 0
