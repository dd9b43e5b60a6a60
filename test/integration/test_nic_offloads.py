# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""A guest's offloads toward an eth port whose device does them itself.

The device is DPDK's virtio PMD (net_virtio_user), the one NIC here that
segments and sums: its TSO is the virtio-net header it writes, read by the
vhost-user back-end it talks to, a second vunetd. So what the device was
asked to do is seen at the far end, in the header a v3 front-end receives:

  tx (v3) -- vunetd A, bridge -- nic1 (virtio_user, offloads on)  -- wire1 -- vunetd B -- rx1 (v3)
                              \\- nic2 (virtio_user, tx_offloads false) -- wire2 ---------- rx2 (v3)

A TSO frame unicast to rx1 leaves A whole (the device segments) with its
gso_size made to fit nic1's MTU; to rx2 it is segmented by vunetd; a
flooded one, shared by both, is segmented for both (a driver writes into
the headers of what it sends)."""

import socket
import struct
import time

import pytest

import vhost_frontend as vf
from harness import sh, wait_for
from test_guest_offloads import (GSO_NONE, GSO_TCPV4, MSS, NEEDS_CSUM, RX_BUFS, SENDS,
                                 STRIDE, TAKES, V3, csum16, net_hdr, offloads, received,
                                 send, tcp_frame, tcp_ok)

GSO_TCPV6 = 4

MAC = {"tx": "52:54:00:00:0f:01", "rx1": "52:54:00:00:0f:02", "rx2": "52:54:00:00:0f:03"}


def frame_to(dst, payload, seq=1000):
    f = tcp_frame(payload, seq=seq)
    return bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(MAC["tx"].replace(":", "")) + f[12:]


def tcp6_frame_to(dst, payload):
    """Ethernet + IPv6 + TCP with the guest's partial sum (not inverted)."""
    src_ip, dst_ip = bytes(15) + b"\x01", bytes(15) + b"\x02"
    ip = struct.pack("!IHBB", 6 << 28, 20 + len(payload), 6, 64) + src_ip + dst_ip
    pseudo = csum16(src_ip + dst_ip + struct.pack("!IxxxB", 20 + len(payload), 6))
    tcp = struct.pack("!HHIIBBHHH", 40000, 5201, 1, 1, 5 << 4, 0x18, 65535, pseudo, 0)
    return (bytes.fromhex(dst.replace(":", "") + MAC["tx"].replace(":", "")) + b"\x86\xdd" +
            ip + tcp + payload)


def tcp6_ok(frame):
    ip = frame[14:54]
    seg = frame[54:54 + struct.unpack("!H", ip[4:6])[0]]
    return csum16(ip[8:40] + struct.pack("!IxxxB", len(seg), 6) + seg) == 0xffff


def hello(src):
    """A small frame from src (for A to learn where src is)."""
    f = tcp_frame(b"hi")
    return bytes.fromhex("ffffffffffff") + bytes.fromhex(src.replace(":", "")) + f[12:]


@pytest.fixture
def hosts(world):
    b = world.vunetd({"ports": [{"name": n, "type": "vhost", "path": world.sock(n),
                                 "mode": "server", "profile": V3}
                                for n in ("wire1", "wire2", "rx1", "rx2")],
                      "xconnects": [{"a": "wire1", "b": "rx1"}, {"a": "wire2", "b": "rx2"}]},
                     name="b").start()
    # virtio_user shares vunetd A's memory with B: file-backed, few files
    nic = "net_virtio_user%d,path=%s,queues=1,queue_size=256"
    a = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [{"name": "tx", "type": "vhost", "path": world.sock("tx"),
                                 "mode": "server", "bridge": "br0", "profile": V3},
                                {"name": "nic1", "type": "eth", "bridge": "br0",
                                 "devargs": nic % (1, world.sock("wire1"))}]},
                     name="a", huge=True,
                     extra_args=["--allow-devargs", "net_virtio_user,path=%s,queues=1,"
                                 "queue_size=256" % world.sock("wire2"),
                                 "--", "--single-file-segments"]).start()
    # at run time, as an operator would: vunetctl's false is JSON's
    a.ctl("port", "add", "nic2", "type=eth", "devargs=" + nic % (2, world.sock("wire2")),
          "tx_offloads=false", "bridge=br0")
    fes = {}
    try:
        fes["tx"] = vf.Frontend(world.sock("tx"))
        fes["tx"].setup(features=SENDS)
        for n in ("rx1", "rx2"):
            fes[n] = vf.Frontend(world.sock(n))
            fes[n].setup(features=TAKES)
        a.wait_port_state("tx", "up", 10)
        for n in ("rx1", "rx2", "wire1", "wire2"):
            b.wait_port_state(n, "up", 10)
        for n in ("rx1", "rx2"):
            for i in range(RX_BUFS):
                fes[n].desc(i, vf.BUFS + i * STRIDE, STRIDE, vf.DESC_WRITE, vring=0)
            fes[n].post(range(RX_BUFS), vring=0)
        yield a, b, fes
    finally:
        for fe in fes.values():
            fe.close()


def test_the_nic_segments_what_it_alone_sends(hosts):
    a, b, fes = hosts
    assert a.port("nic1")["tx_offloads"] == "checksum tso"
    assert a.port("nic2")["tx_offloads"] == "none"
    # rx1 and rx2 say where they are; each hears the other's hello
    for n, other in (("rx1", "rx2"), ("rx2", "rx1")):
        send_from(fes[n], hello(MAC[n]))
        (_, got), = received(fes[other], 0, 1)
        assert got[6:12] == bytes.fromhex(MAC[n].replace(":", ""))
    wait_for(lambda: {m["mac"]: m["port"] for m in a.ctl("mac", "show")} ==
             {MAC["rx1"]: "nic1", MAC["rx2"]: "nic2"}, 5, "A to learn rx1 and rx2")
    payload = bytes((i * 13) & 0xff for i in range(10 * MSS + 100))

    # unicast to rx1: whole through nic1, a jumbo guest's gso_size cut to
    # what nic1's MTU (1500) holds
    frame = frame_to(MAC["rx1"], payload)
    before = a.port("nic1")
    send(fes["tx"], [(net_hdr(NEEDS_CSUM, GSO_TCPV4, 8948), frame)])
    (hdr, got), = received(fes["rx1"], 1, 1)
    flags, gso_type, hdr_len, gso_size, cs, co, _ = struct.unpack("<BBHHHHH", hdr)
    assert (flags, gso_type, hdr_len, gso_size, cs, co) == (NEEDS_CSUM, GSO_TCPV4, 54, 1460, 34, 16)
    assert got[:50] == frame[:50] and got[52:] == frame[52:]
    assert offloads(a, "nic1") == {"tso_passed": 1, "tso_segmented": 0, "tso_segments": 0,
                                   "csum_completed": 0}
    after = a.port("nic1")
    assert (after["tx_packets"] - before["tx_packets"], after["tx_bytes"] - before["tx_bytes"]) \
        == (1, len(frame))

    # IPv6 too: 40 bytes of IP header, so 1440 a segment
    frame6 = tcp6_frame_to(MAC["rx1"], payload)
    send(fes["tx"], [(net_hdr(NEEDS_CSUM, GSO_TCPV6, 8948, csum_start=54, hdr_len=74), frame6)])
    (hdr, got), = received(fes["rx1"], 2, 1)
    assert struct.unpack("<BBHHHH", hdr[:10]) == (NEEDS_CSUM, GSO_TCPV6, 74, 1440, 54, 16)
    assert got[:70] == frame6[:70] and got[72:] == frame6[72:]

    # a partial checksum through nic1 stays partial
    small = frame_to(MAC["rx1"], b"c" * 300, seq=7)
    send(fes["tx"], [(net_hdr(NEEDS_CSUM, GSO_NONE, 0), small)])
    (hdr, got), = received(fes["rx1"], 3, 1)
    assert hdr[0] == NEEDS_CSUM and hdr[1] == GSO_NONE
    assert got[:50] == small[:50] and got[52:] == small[52:]
    assert offloads(a, "nic1")["csum_completed"] == 0

    # unicast to rx2: nic2 was told not to, so vunetd cuts it (1460 each)
    frame = frame_to(MAC["rx2"], payload)
    send(fes["tx"], [(net_hdr(NEEDS_CSUM, GSO_TCPV4, 8948), frame)])
    segs = received(fes["rx2"], 1, 10)
    assert [len(s) - 54 for _, s in segs] == [1460] * 9 + [len(payload) - 9 * 1460]
    assert all(h == bytes(vf.HDR_LEN) and tcp_ok(s) for h, s in segs)
    assert b"".join(s[54:] for _, s in segs) == payload
    assert offloads(a, "nic2") == {"tso_passed": 0, "tso_segmented": 1, "tso_segments": 10,
                                   "csum_completed": 0}

    # flooded (a MAC nobody has): shared by nic1 and nic2, cut for both
    frame = frame_to("52:54:00:00:0f:99", payload)
    send(fes["tx"], [(net_hdr(NEEDS_CSUM, GSO_TCPV4, MSS), frame)])
    for n, first in (("rx1", 4), ("rx2", 11)):
        segs = received(fes[n], first, 11)
        assert all(h == bytes(vf.HDR_LEN) and tcp_ok(s) for h, s in segs), n
        assert b"".join(s[54:] for _, s in segs) == payload, n
    assert offloads(a, "nic1") == {"tso_passed": 2, "tso_segmented": 1, "tso_segments": 11,
                                   "csum_completed": 0}
    assert offloads(a, "nic2")["tso_segmented"] == 2
    # nothing more arrived anywhere, nothing was dropped on the way
    assert fes["rx1"].used_idx(0) == 15 and fes["rx2"].used_idx(0) == 22
    for d, ports in ((a, ("nic1", "nic2")), (b, ("wire1", "wire2", "rx1", "rx2"))):
        for p in ports:
            assert sum(d.port(p)["drops"].values()) == 0, (p, d.port(p)["drops"])


def send_from(fe, frame):
    send(fe, [(bytes(vf.HDR_LEN), frame)])


def test_a_tap_sums_and_vunetd_segments_for_it(world):
    """net_tap writes checksums (in its driver) but its TSO is rte_gso's,
    IPv4 only, so vunetd segments for it: what the kernel reads on the tap
    is checked frame by frame."""
    tap = "vno" + str(time.time_ns())[-8:]
    d = world.vunetd({"ports": [{"name": "tx", "type": "vhost", "path": world.sock("tx"),
                                 "mode": "server", "profile": V3},
                                {"name": "tap", "type": "eth",
                                 "devargs": "net_tap0,iface=%s" % tap}],
                      "xconnects": [{"a": "tx", "b": "tap"}]}).start()
    fe = vf.Frontend(world.sock("tx"))
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    try:
        sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % tap)
        raw.bind((tap, 0))
        raw.settimeout(5)
        fe.setup(features=SENDS)
        d.wait_port_state("tx", "up", 10)
        assert d.port("tap")["tx_offloads"] == "checksum"
        payload = bytes((i * 5) & 0xff for i in range(3 * MSS))
        small = frame_to("52:54:00:00:0f:77", b"s" * 200)
        big6 = tcp6_frame_to("52:54:00:00:0f:77", payload)
        send(fe, [(net_hdr(NEEDS_CSUM, GSO_NONE, 0), small),
                  (net_hdr(NEEDS_CSUM, GSO_TCPV4, MSS), frame_to("52:54:00:00:0f:77", payload)),
                  (net_hdr(NEEDS_CSUM, GSO_TCPV6, MSS, csum_start=54, hdr_len=74), big6)])
        got = []
        while len(got) < 8:     # what the kernel itself sends is not ours
            f = raw.recv(65536)
            if f[6:12] == bytes.fromhex(MAC["tx"].replace(":", "")):
                got.append(f)
        # the partial sum written by the driver, the bytes as sent
        assert tcp_ok(got[0]) and got[0][:50] == small[:50] and got[0][52:] == small[52:]
        assert [len(f) for f in got[1:4]] == [54 + MSS] * 3
        assert all(tcp_ok(f) for f in got[1:4])
        assert b"".join(f[54:] for f in got[1:4]) == payload
        # IPv6: 20 bytes more of IP header, so 1440 a segment
        assert [len(f) for f in got[4:]] == [74 + 1440] * 3 + [74 + len(payload) - 3 * 1440]
        assert all(tcp6_ok(f) for f in got[4:])
        assert b"".join(f[74:] for f in got[4:]) == payload
        assert offloads(d, "tap") == {"tso_passed": 0, "tso_segmented": 2, "tso_segments": 7,
                                      "csum_completed": 0}
    finally:
        raw.close()
        fe.close()
        sh("ip link del %s" % tap, check=False)


def test_a_tso_frame_tagged_on_its_way_out(world):
    """Toward a trunk: the device is asked to insert the tag (the virtio
    PMD does it in its prepare, which moves the headers 4 bytes on)."""
    b = world.vunetd({"ports": [{"name": n, "type": "vhost", "path": world.sock(n),
                                 "mode": "server", "profile": V3} for n in ("wire", "rx")],
                      "xconnects": [{"a": "wire", "b": "rx"}]}, name="b").start()
    a = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [{"name": "tx", "type": "vhost", "path": world.sock("tx"),
                                 "mode": "server", "bridge": "br0", "vlan": 10, "profile": V3},
                                {"name": "nic", "type": "eth", "bridge": "br0", "trunk": [10],
                                 "devargs": "net_virtio_user0,path=%s,queues=1,queue_size=256"
                                 % world.sock("wire")}]},
                     name="a", huge=True, extra_args=["--", "--single-file-segments"]).start()
    fes = {n: vf.Frontend(world.sock(n)) for n in ("tx", "rx")}
    try:
        fes["tx"].setup(features=SENDS)
        fes["rx"].setup(features=TAKES)
        a.wait_port_state("tx", "up", 10)
        b.wait_port_state("rx", "up", 10)
        for i in range(RX_BUFS):
            fes["rx"].desc(i, vf.BUFS + i * STRIDE, STRIDE, vf.DESC_WRITE, vring=0)
        fes["rx"].post(range(RX_BUFS), vring=0)
        h = hello(MAC["rx1"])
        send(fes["rx"], [(bytes(vf.HDR_LEN), h[:12] + b"\x81\x00\x00\x0a" + h[12:])])
        wait_for(lambda: [(m["mac"], m["vlan"], m["port"]) for m in a.ctl("mac", "show")] ==
                 [(MAC["rx1"], 10, "nic")], 5, "A to learn rx in VLAN 10")
        payload = bytes((i * 3) & 0xff for i in range(5 * MSS))
        frame = frame_to(MAC["rx1"], payload)
        send(fes["tx"], [(net_hdr(NEEDS_CSUM, GSO_TCPV4, MSS), frame)])
        (hdr, got), = received(fes["rx"], 0, 1)
        assert struct.unpack("<BBHHHH", hdr[:10]) == (NEEDS_CSUM, GSO_TCPV4, 58, MSS, 38, 16)
        tagged = frame[:12] + b"\x81\x00\x00\x0a" + frame[12:]
        assert len(got) == len(tagged)
        assert got[:54] == tagged[:54] and got[56:] == tagged[56:]
        assert offloads(a, "nic")["tso_passed"] == 1
    finally:
        for fe in fes.values():
            fe.close()
