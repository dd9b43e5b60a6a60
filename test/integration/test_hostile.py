# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""One tenant must not hurt another: frames that are too long, chains that
are flooded, front-ends that misbehave, control clients that hog the
socket. Each test is about what the other tenants see, exactly."""

import os
import socket
import struct
import time

import pytest

from harness import Guest, VhostUserProbe, wait_for

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
    import signal
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]}).start()
    os.kill(d.proc.pid, signal.SIGABRT)
    d.proc.wait(20)
    with pytest.raises(AssertionError, match="vunetd died before the test ended"):
        d.stop()
    d.expect_exit = True


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def probe_rtt(path):
    """Seconds for a fresh front-end's GET_FEATURES round trip."""
    t0 = time.monotonic()
    p = VhostUserProbe(path)
    p.get(VhostUserProbe.GET_FEATURES)
    p.close()
    return time.monotonic() - t0


def ctl_rtt(d):
    t0 = time.monotonic()
    d.ctl("port", "list")
    return time.monotonic() - t0


def test_descriptors_a_message_may_not_carry_are_not_kept(world):
    """10 000 GET_QUEUE_NUM with 8 descriptors each: every one is
    answered, none of the 80 000 descriptors stays open in vunetd (main
    before the relay kept them all, and sent them back with the reply)."""
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]}).start()
    pid = d.proc.pid
    probe = VhostUserProbe(world.sock("vm1"))
    probe.get(VhostUserProbe.GET_FEATURES)
    before = fd_count(pid)
    fds = [os.eventfd(0) for _ in range(8)]
    for _ in range(10000):
        probe.send(VhostUserProbe.GET_QUEUE_NUM, fds=fds)
        assert probe.reply(VhostUserProbe.GET_QUEUE_NUM) == 8
    after = fd_count(pid)
    for fd in fds:
        os.close(fd)
    probe.close()
    wait_for(lambda: fd_count(pid) <= before, 10, "vunetd's descriptors to be as before")
    print("vunetd fds: %d before, %d after 10000 messages x 8 descriptors" % (before, after))
    assert after == before


def hostile_world(world):
    """vm1 for the hostile front-end, vm2 and vm3 with guests bouncing
    traffic, vm4 for a fresh front-end's round trips."""
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm%d" % i, profile=V1) for i in (1, 2, 3, 4)]}).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[3]).start()
    g3 = world.guest(world.sock("vm3"), MAC[3], peer=MAC[2]).start()
    d.wait_up("vm2", "vm3")
    return d, g2, g3


def exchange(g2, g3, bursts=4):
    """Both guests send; each gets exactly what the other sent."""
    r2, r3 = g2.rx(), g3.rx()
    assert g2.send(bursts) == bursts * B and g3.send(bursts) == bursts * B
    wait_for(lambda: g2.rx() - r2 == bursts * B and g3.rx() - r3 == bursts * B, 10,
             "vm2 <-> vm3 traffic")


def stuck_front_end(path):
    """A front-end that sends a header announcing 8 bytes, then nothing."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(struct.pack("<III", VhostUserProbe.GET_FEATURES, 1, 8))
    return s


def closed_by_peer(s, timeout):
    s.settimeout(timeout)
    try:
        while s.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_a_front_end_stuck_mid_message_delays_nobody(world):
    """While vm1's front-end sits in the middle of a message, another
    port's front-end and the control socket are answered at once and
    traffic flows; vunetd cuts vm1's front-end after 1 s and counts it.
    port-del of a port with a stuck front-end, and SIGTERM, are quick.
    (main before the relay: every other port's GET_FEATURES waited until
    the stuck socket closed.)"""
    d, g2, g3 = hostile_world(world)
    stuck = stuck_front_end(world.sock("vm1"))
    rtt, crtt = probe_rtt(world.sock("vm4")), ctl_rtt(d)
    exchange(g2, g3)
    print("stuck mid-message: another port's GET_FEATURES %.1f ms, control %.1f ms"
          % (rtt * 1000, crtt * 1000))
    assert rtt < 0.5 and crtt < 2
    t0 = time.monotonic()
    assert closed_by_peer(stuck, 5)
    print("stuck front-end cut after %.2f s" % (time.monotonic() - t0))
    fe = d.port("vm1")["frontend"]
    assert (fe["connected"], fe["cut_stalled"], fe["connections"], fe["messages"]) == (0, 1, 1, 0)
    stuck.close()
    exchange(g2, g3)
    # port-del and SIGTERM while a front-end is stuck
    stuck = stuck_front_end(world.sock("vm1"))
    t0 = time.monotonic()
    d.ctl("port", "del", "vm1")
    t_del = time.monotonic() - t0
    assert closed_by_peer(stuck, 1)
    stuck.close()
    stuck = stuck_front_end(world.sock("vm4"))
    g2.stop()
    g3.stop()
    t0 = time.monotonic()
    d.stop()
    t_term = time.monotonic() - t0
    stuck.close()
    print("with a stuck front-end: port-del %.0f ms, SIGTERM to exit %.0f ms"
          % (t_del * 1000, t_term * 1000))
    assert t_del < 1 and t_term < 5


def test_a_front_end_that_reads_no_replies_is_cut(world):
    """vm1's front-end sends GET_FEATURES and never reads a reply: vunetd
    queues at most 64 KiB of replies for it, then cuts it; rte_vhost never
    blocks, so other front-ends, the control socket and traffic carry on.
    (main before the relay: rte_vhost's one thread blocked in sendmsg.)"""
    d, g2, g3 = hostile_world(world)
    deaf = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deaf.connect(world.sock("vm1"))
    deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    deaf.setblocking(False)
    msg = struct.pack("<III", VhostUserProbe.GET_FEATURES, 1, 0)
    sent, cut = 0, False
    end = time.monotonic() + 10
    while time.monotonic() < end and not cut:
        try:
            deaf.send(msg * 64)
            sent += 64
        except BlockingIOError:
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            cut = True
        if sent and sent % 6400 == 0:
            assert probe_rtt(world.sock("vm4")) < 0.5
    rtt, crtt = probe_rtt(world.sock("vm4")), ctl_rtt(d)
    exchange(g2, g3)
    print("deaf front-end: cut after %d requests; another port's GET_FEATURES %.1f ms, "
          "control %.1f ms" % (sent, rtt * 1000, crtt * 1000))
    assert cut and rtt < 0.5 and crtt < 2
    fe = d.port("vm1")["frontend"]
    assert (fe["connected"], fe["cut_backlog"]) == (0, 1)
    deaf.close()


def test_control_clients_cannot_lock_out_the_operator(world):
    """40 idle connections, one stuck in the middle of a request and one
    that never reads its replies: vunetctl is still answered at once
    (main before: the 17th connection locked every later vunetctl out).
    The slow ones are dropped on their deadlines."""
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]}).start()

    def conn():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(d.control)
        return s

    idle = [conn() for _ in range(40)]
    slow = conn()
    slow.sendall(b'{"command": "vers')
    deaf = conn()
    deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    deaf.setblocking(False)
    try:
        for _ in range(2000):
            deaf.send(b'{"command": "port-list"}\n')
    except BlockingIOError:
        pass
    t0 = time.monotonic()
    for _ in range(5):
        assert d.ctl("port", "list")
    per = (time.monotonic() - t0) / 5
    print("vunetctl with 42 hostile control clients: %.1f ms per command" % (per * 1000))
    assert per < 1
    # the slow and the deaf go within their 5 s (the idle ones were evicted)
    wait_for(lambda: "does not finish its request" in d.out.text() and
             "does not read its reply" in d.out.text(), 8, "the slow clients to be dropped")
    deaf.setblocking(True)
    assert closed_by_peer(slow, 1) and closed_by_peer(deaf, 1)
    for s in idle + [slow, deaf]:
        s.close()
    assert d.ctl("port", "list")


def test_control_clients_that_drip_lose_their_slots(world):
    """16 clients (every slot) each send a whole request every 2 s with the
    start of the next behind it, so no request of theirs is unfinished for
    long, but each always has one pending. Each is dropped 5 s after it
    began, and vunetctl is answered again (bd01cff: they kept every slot,
    and vunetctl out, for ever)."""
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]}).start()

    def conn():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(d.control)
        s.setblocking(False)
        return s

    drips = [conn() for _ in range(16)]
    t0 = time.monotonic()
    for s in drips:
        s.send(b'{"command": "vers')
    gone = {}
    while time.monotonic() - t0 < 8 and len(gone) < len(drips):
        for i, s in enumerate(drips):
            if i in gone:
                continue
            try:
                s.send(b'ion"}\n{"command": "vers')
                while s.recv(4096):
                    pass
                gone[i] = time.monotonic() - t0     # end of file
            except BlockingIOError:
                pass
            except OSError:
                gone[i] = time.monotonic() - t0
        time.sleep(2)
    print("16 dripping control clients dropped after %.1f-%.1f s" % (
        min(gone.values()), max(gone.values())))
    assert len(gone) == 16 and max(gone.values()) < 8
    assert d.out.text().count("dropped a client: does not finish its request") == 16
    assert d.ctl("port", "list")
    for s in drips:
        s.close()


def macs_by_port(d):
    by = {}
    for e in d.ctl("mac", "show", "br0"):
        by.setdefault(e["port"], set()).add(e["mac"])
    return by


def test_a_mac_flood_fills_only_its_own_share(world):
    """A guest sending from 1000 source MACs (vunet-perf, 1000 pairs both
    ways) gets 64 learned per port, the default limit of a VM's port; the
    frames from the other MACs are dropped (mac_limit); the other guests'
    entries stay and their unicast reaches only each other."""
    from test_perf import run_perf
    d, g2, g3 = hostile_world(world)
    exchange(g2, g3)
    wait_for(lambda: len(d.ctl("mac", "show", "br0")) == 2, 10, "vm2 and vm3 learned")
    before = macs_by_port(d)

    def connect():
        for n in ("a", "b"):
            d.ctl("port", "add", n, "type=vhost", "path=" + world.sock(n), "mode=client",
                  "bridge=br0", "vlan=1")
    run_perf(world, d, ["--mode", "uni", "--macs", "1000", "--rate", "20000", "--seconds", "2"],
             connect=connect)
    after = macs_by_port(d)
    br = d.telemetry("/vunet/bridges")["br0"]
    print("MAC flood: learned per port %s; bridge macs %d, limited %d; vm2/vm3 before %s after %s; "
          "a dropped %d as mac_limit" % (
              {k: len(v) for k, v in after.items()}, br["macs"], br["limited"],
              sorted(before["vm2"] | before["vm3"]), sorted(after["vm2"] | after["vm3"]),
              d.port("a")["drops"]["mac_limit"]))
    assert (len(after["a"]), len(after["b"])) == (64, 64)
    assert after["vm2"] == before["vm2"] and after["vm3"] == before["vm3"]
    assert br["macs"] == 130 and br["limited"] > 0
    assert d.port("a")["drops"]["mac_limit"] > 0
    # vm2 <-> vm3 stays unicast: nothing of it reaches the flooding guest's ports
    tx_a, tx_b = d.port("a")["tx_packets"], d.port("b")["tx_packets"]
    exchange(g2, g3)
    assert (d.port("a")["tx_packets"], d.port("b")["tx_packets"]) == (tx_a, tx_b)
    # at run time: limits change in place; the device does not
    d.ctl("port", "set", "a", "mac_limit=100", "flood_pps=500")
    conf = {p["name"]: p for p in d.ctl("config", "show")["ports"]}
    assert (conf["a"]["mac_limit"], conf["a"]["flood_pps"]) == (100, 500)
    d.ctl("port", "set", "a", "flood_pps=null")
    assert "flood_pps" not in {p["name"]: p for p in d.ctl("config", "show")["ports"]}["a"]
    r = d.ctl("port", "set", "a", "path=/tmp/x.sock", check=False)
    assert r.returncode == 1 and "'path' cannot change while the port runs" in r.stderr


def test_the_state_file_is_never_written_through_a_link(world):
    """A link at the state file's temporary name is replaced, not
    followed: what it points to stays as it was."""
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]}).start()
    victim = os.path.join(world.dir, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.symlink(victim, d.state + ".tmp")
    d.ctl("port", "add", "vm2", "type=vhost", "path=" + world.sock("vm2"), "bridge=br0")
    with open(victim) as f:
        assert f.read() == "precious\n"
    assert not os.path.lexists(d.state + ".tmp")
    assert "vm2" in open(d.state).read()


def test_run_time_devargs_come_from_the_allowlist(world):
    """Without --allow-devargs no eth port can be added at run time, and
    nothing is probed; the configuration's own eth ports are not affected.
    With rules, a client gets the drivers, keys and values they name and
    nothing else: not the host's own NIC, not a BPF program of its own
    (bd01cff's 'net_af_xdp*' admitted both)."""
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]}).start()
    r = d.ctl("port", "add", "nic", "type=eth", "devargs=net_af_packet9,iface=lo", check=False)
    assert r.returncode == 1
    assert ("devargs 'net_af_packet9,iface=lo' may not be probed at run time: "
            "vunetd has no --allow-devargs rule") in r.stderr
    assert "cannot probe" not in d.out.text() and "Invalid" not in d.out.text()
    assert [p["name"] for p in d.ctl("port", "list")] == ["vm1"]
    d.stop()

    wire = world.wire()
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": [vhost(world, "vm1")]},
                     name="vunetd2",
                     extra_args=["--allow-devargs", "net_af_packet,iface=vuh*",
                                 "--allow-devargs", "net_af_xdp,iface=%s" % wire.host]).start()
    refused = [
        ("net_af_packet9,iface=lo", "iface=lo is not among iface=vuh*"),
        ("net_af_xdp0,iface=%s,xdp_prog=/dev/shm/x.o" % wire.host,
         "key 'xdp_prog' is not allowed for net_af_xdp"),
        ("net_af_xdp0,iface=lo", "iface=lo is not among iface=%s" % wire.host),
        ("net_af_packet9,iface=%s,qpairs=1" % wire.host, "key 'qpairs' is not allowed"),
        ("net_pcap0,iface=%s" % wire.host, "no --allow-devargs rule names its device"),
    ]
    for devargs, why in refused:
        r = d.ctl("port", "add", "nic", "type=eth", "devargs=" + devargs, check=False)
        assert r.returncode == 1 and why in r.stderr, (devargs, r.stderr)
    assert "cannot probe" not in d.out.text()
    d.ctl("port", "add", "nic", "type=eth", "devargs=net_af_packet9,iface=" + wire.host,
          "bridge=br0", "vlan=1")
    assert [p["name"] for p in d.ctl("port", "list")] == ["vm1", "nic"]
    d.stop()
    # a rule that is not one is refused at start, with the reason
    code, out = world.vunetd({"bridges": [{"name": "br0"}], "ports": []}, name="vunetd3",
                             extra_args=["--allow-devargs", "net_af_xdp,iface"]).run_to_exit()
    assert code != 0
    assert "--allow-devargs 'net_af_xdp,iface': 'iface' is not KEY=PATTERN" in out


@pytest.mark.parametrize("size", [4000, 9000])
def test_jumbo_payloads_arrive_byte_for_byte(world, size):
    """Front-ends with their own memory: one sends 16 x 128 different
    frames of size bytes (2 and 5 mbufs in vunetd), flooded to two
    others, which read them back from their receive buffers: every frame
    arrives at both, in order, byte for byte (main before the fix: the
    second segments, freed once per destination, were handed out twice in
    the next burst and other frames' bytes arrived instead)."""
    import random
    import vhost_frontend as vf
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, n, profile=V2) for n in ("tx", "rx1", "rx2")]}).start()
    fes = {n: vf.Frontend(world.sock(n)) for n in ("tx", "rx1", "rx2")}
    try:
        for n, fe in fes.items():
            fe.setup()
            d.wait_port_state(n, "up", 10)
        stride, count, rounds = 16384, 128, 16
        tx = fes["tx"]
        for r in range(rounds):
            for n in ("rx1", "rx2"):
                for i in range(count):
                    fes[n].desc(i, vf.BUFS + i * stride, stride, vf.DESC_WRITE, vring=0)
                fes[n].post(range(count), vring=0)
            frames = []
            for i in range(count):
                body = random.Random(r * count + i).randbytes(size - 14)
                frame = bytes.fromhex("ffffffffffff52540000000a88b5") + body
                frames.append(frame)
                at = vf.BUFS + i * stride
                tx.mem[at:at + vf.HDR_LEN + size] = bytes(vf.HDR_LEN) + frame
                tx.desc(i, at, vf.HDR_LEN + size)
            for first in range(0, count, 32):        # as a driver would, in bursts
                tx.post(range(first, first + 32))
                want = (r * count + first + 32) & 0xffff
                wait_for(lambda: tx.used_idx(1) == want, 10, "vunetd to take the burst")
            for n in ("rx1", "rx2"):
                fe = fes[n]
                want = (r + 1) * count
                wait_for(lambda: fe.used_idx(0) == want, 10, "%d frames at %s" % (want, n))
                for k in range(count):
                    head, length = fe.used(r * count + k)
                    assert length == vf.HDR_LEN + size, (n, r, k, length)
                    got = fe.read(vf.BUFS + head * stride + vf.HDR_LEN, size)
                    assert got == frames[k], "%s: frame %d of round %d differs from what " \
                        "was sent" % (n, k, r)
        count *= rounds
        c = d.port("tx")
        assert (c["rx_packets"], c["rx_bytes"]) == (count, count * size)
        for n in ("rx1", "rx2"):
            assert (d.port(n)["tx_packets"], d.port(n)["tx_bytes"]) == (count, count * size)
            assert drops(d, n) == {}
        assert drops(d, "tx") == {}
    finally:
        for fe in fes.values():
            fe.close()


def test_jumbo_frames_stop_at_a_port_with_a_smaller_mtu(world):
    """A v2 guest's 4000-byte broadcasts reach the other v2 port and stop
    at the v1 port (MTU 1500), counted there as tx_oversize."""
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [vhost(world, "vm1", profile=V2), vhost(world, "vm2", profile=V2),
                                vhost(world, "vm3", profile=V1)]}).start()
    jumbo = ["--max-pkt-len=9018", "--enable-scatter"]
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=BCAST, args=jumbo + ["--mbuf-size=9200"],
                     queue_size=1024).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], args=jumbo, queue_size=1024).start()
    g3 = world.guest(world.sock("vm3"), MAC[3]).start()
    d.wait_up("vm1", "vm2", "vm3")
    g1.cmd("stop")
    g1.cmd("set txpkts 4000")
    g1.started = False
    assert g1.send(2) == 2 * B
    wait_for(lambda: g2.rx() == 2 * B, 10, "jumbo frames at vm2")
    wait_for(lambda: drops(d, "vm3") == {"tx_oversize": 2 * B}, 10, "tx_oversize at vm3")
    assert g3.rx() == 0
    assert drops(d, "vm1") == {} and drops(d, "vm2") == {}
