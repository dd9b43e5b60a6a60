# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""The upgrade promise seen from inside the guest: the device a guest
negotiated stays the same across a vunetd restart (SIGKILL, QEMU owns the
sockets) and a guest reboot, on v1 and on v2 ports; what a restart costs
in pings; and packed rings (v2) keep working across it."""

import re
import time

from harness import wait_for
from test_forwarding import MAC, assert_pings, vhost

V1, V2 = "org.vunet.net.v1", "org.vunet.net.v2"
# bits only the back-end sees (vhost-user's, not the device's)
VHOST_ONLY = (1 << 30) | (1 << 26)


def guest_features(g):
    bits = g.features()
    assert re.fullmatch(r"[01]{64}", bits), bits
    return sum(1 << i for i, c in enumerate(bits) if c == "1")


def background_ping(g, addr, count, interval):
    g.sh("ping -c %d -i %s -W 1 %s > /tmp/ping.log 2>&1 & true" % (count, interval, addr))


def background_ping_result(g, timeout):
    _, text = g.sh("wait; cat /tmp/ping.log", timeout=timeout)
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", text)
    assert m, text
    seqs = [int(s) for s in re.findall(r"seq=(\d+)", text)]
    return int(m.group(1)), int(m.group(2)), seqs


def start_guests(world, d, profiles):
    guests = [world.qemu(n, world.sock(n), MAC[i + 1], profile=profiles[n])
              for i, n in enumerate(profiles)]
    for g in guests:
        g.start(wait=False)
    for g in guests:
        g.wait_ready()
    d.wait_up(*profiles)
    for i, g in enumerate(guests):
        g.ip("10.0.40.%d" % (i + 1))
    return guests


def sigkill_restart(d):
    """SIGKILL, restarted at once from its state; seconds until every
    port is up again."""
    t0 = time.monotonic()
    d.kill()
    d.start()
    d.wait_up(*[p["name"] for p in d.ctl("port", "list")], timeout=30)
    return time.monotonic() - t0


def test_device_survives_sigkill_restart_and_reboot(world):
    profiles = {"vm1": V1, "vm2": V1, "vm3": V2}
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, n, bridge="br0", profile=p)
                                for n, p in profiles.items()]}).start()
    g1, g2, g3 = start_guests(world, d, profiles)
    assert_pings(g2, "10.0.40.1")
    assert_pings(g3, "10.0.40.1")

    before = {g.name: guest_features(g) for g in (g1, g2, g3)}
    for g in (g1, g3):
        port = d.port(g.name)
        # what the guest's driver took of the device is what vunetd
        # negotiated, but for vhost-user's own bits
        assert before[g.name] & port["features"] & ~VHOST_ONLY == port["features"] & ~VHOST_ONLY
        print("%s (%s): guest features 0x%x, vunetd negotiated 0x%x" % (
            g.name, port["profile"], before[g.name], port["features"]))
    assert before["vm1"] == before["vm2"] != before["vm3"]

    # SIGKILL under a ping every 50 ms between two v1 (split ring) guests
    count, interval = 200, 0.05
    background_ping(g2, "10.0.40.1", count, interval)
    time.sleep(2)
    back = sigkill_restart(d)
    tx, rx, seqs = background_ping_result(g2, timeout=count * interval + 60)
    lost = tx - rx
    gap = max(b - a for a, b in zip(seqs, seqs[1:])) * interval
    print("SIGKILL restart: ports up again %.2f s after the kill; %d of %d pings lost "
          "(longest gap between replies %.2f s)" % (back, lost, tx, gap))
    assert tx == count
    # at most what the restart window holds (one ping per interval), plus one in flight
    assert lost <= int(back / interval) + 1, (lost, back)
    assert {g.name: guest_features(g) for g in (g1, g2, g3)} == before
    # split rings come back from QEMU right; the packed one's was fixed
    assert [d.port(n)["ring_fixes"] for n in profiles] == [0, 0, 2]
    assert_pings(g1, "10.0.40.2")
    assert_pings(g3, "10.0.40.2")

    # a reboot: the driver resets its rings and negotiates again
    ups = {g.name: d.port(g.name)["guest_ups"] for g in (g1, g2, g3)}
    for g in (g1, g2, g3):
        g.reboot()
    wait_for(lambda: all(d.port(n)["guest_ups"] > ups[n] and d.port(n)["state"] == "up"
                         for n in ups), 60, "guests up again after reboot")
    for i, g in enumerate((g1, g2, g3)):
        g.ip("10.0.40.%d" % (i + 1))
    assert {g.name: guest_features(g) for g in (g1, g2, g3)} == before
    assert_pings(g1, "10.0.40.2")
    assert_pings(g3, "10.0.40.1")


def test_packed_ring_guest_keeps_traffic_across_sigkill(world):
    """QEMU 7.2 gives a new back-end a packed ring's start-up position
    (it cannot read it back from guest memory after the back-end died):
    vunetd finds the ring's real position in its flags and takes that."""
    profiles = {"vm1": V2, "vm2": V2}
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, n, bridge="br0", profile=p)
                                for n, p in profiles.items()]}).start()
    g1, g2 = start_guests(world, d, profiles)
    assert_pings(g2, "10.0.40.1")
    assert [d.port(n)["ring_fixes"] for n in profiles] == [0, 0]
    count, interval = 200, 0.05
    background_ping(g2, "10.0.40.1", count, interval)
    time.sleep(2)
    back = sigkill_restart(d)
    tx, rx, seqs = background_ping_result(g2, timeout=count * interval + 60)
    print("v2 (packed rings) SIGKILL restart: ports up again %.2f s after the kill; %d of %d "
          "pings lost; ring positions fixed: %s" % (
              back, tx - rx, tx, {n: d.port(n)["ring_fixes"] for n in profiles}))
    assert tx == count and tx - rx <= int(back / interval) + 1, (tx, rx, back)
    # both rings of both guests had moved on since QEMU last asked
    assert [d.port(n)["ring_fixes"] for n in profiles] == [2, 2]
    assert_pings(g1, "10.0.40.2")
