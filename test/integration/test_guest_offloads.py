# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""A guest's offload metadata as a hostile guest writes it: front-ends with
their own memory (vhost_frontend.py) on profile v3 post TSO frames and
partial checksums with virtio-net headers of their choosing. A v3 receiver
that takes TSO gets the frame whole, its header rewritten; a v2 receiver
gets segments, each read back byte for byte with its checksums verified;
every lie is refused (by rte_vhost, or by vunetd: counted) or made a plain
frame of the guest's own bytes."""

import struct

import pytest

import vhost_frontend as vf
from harness import wait_for

V2, V3 = "org.vunet.net.v2", "org.vunet.net.v3"
F_CSUM, F_GUEST_CSUM, F_GUEST_TSO4, F_GUEST_TSO6 = 1 << 0, 1 << 1, 1 << 7, 1 << 8
F_HOST_TSO4, F_HOST_TSO6 = 1 << 11, 1 << 12
BASE = vf.F_VERSION_1 | vf.F_PROTOCOL | vf.F_INDIRECT
SENDS = BASE | F_CSUM | F_HOST_TSO4 | F_HOST_TSO6
TAKES = BASE | F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6
NEEDS_CSUM, GSO_NONE, GSO_TCPV4 = 1, 0, 1
MSS = 1448
SRC, DST = "52:54:00:00:0e:01", "ff:ff:ff:ff:ff:ff"
STRIDE = 0x11000             # a receive buffer holds a whole 64 KB frame
RX_BUFS = 24


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def tcp_frame(payload, seq=1000, proto=6, flags=0x18):
    """Ethernet + IPv4 + TCP (or proto's header bytes) with the partial
    checksum a guest leaves: the pseudo-header's sum, not inverted."""
    ip_len = 20 + 20 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 7, 0x4000, 64, proto, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", 0xffff - csum16(ip)) + ip[12:]
    pseudo = csum16(ip[12:20] + struct.pack("!BBH", 0, proto, 20 + len(payload)))
    tcp = struct.pack("!HHIIBBHHH", 40000, 5201, seq, 1, 5 << 4, flags, 65535, pseudo, 0)
    eth = bytes.fromhex(DST.replace(":", "") + SRC.replace(":", "")) + b"\x08\x00"
    return eth + ip + tcp + payload


def pseudo_sum(frame, with_length=True):
    ip = frame[14:34]
    tot = struct.unpack("!H", ip[2:4])[0]
    return csum16(ip[12:20] + struct.pack("!BBH", 0, ip[9], tot - 20 if with_length else 0))


def net_hdr(flags, gso_type, gso_size, csum_start=34, csum_offset=16, hdr_len=54):
    return struct.pack("<BBHHHHH", flags, gso_type, hdr_len, gso_size, csum_start,
                       csum_offset, 0)


def tcp_ok(frame):
    """The IPv4 header and TCP (or UDP) checksums of a frame are right."""
    ip = frame[14:34]
    tot = struct.unpack("!H", ip[2:4])[0]
    seg = frame[34:14 + tot]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, ip[9], len(seg))
    return csum16(ip) == 0xffff and csum16(pseudo + seg) == 0xffff


@pytest.fixture
def trio(world):
    """tx (v3, sends offloads), whole (v3, takes them), cut (v2)."""
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [{"name": n, "type": "vhost", "path": world.sock(n),
                                 "mode": "server", "bridge": "br0", "profile": p}
                                for n, p in (("tx", V3), ("whole", V3), ("cut", V2))]}).start()
    fes = {n: vf.Frontend(world.sock(n)) for n in ("tx", "whole", "cut")}
    try:
        fes["tx"].setup(features=SENDS)
        fes["whole"].setup(features=TAKES)
        fes["cut"].setup()
        for n in fes:
            d.wait_port_state(n, "up", 10)
        for n in ("whole", "cut"):
            fe = fes[n]
            for i in range(RX_BUFS):
                fe.desc(i, vf.BUFS + i * STRIDE, STRIDE, vf.DESC_WRITE, vring=0)
            fe.post(range(RX_BUFS), vring=0)
        yield d, fes
    finally:
        for fe in fes.values():
            fe.close()


def send(tx, frames):
    """Posts (header, frame) pairs on tx's transmit ring; waits until
    vunetd has taken them."""
    start = tx.used_idx(1)
    for i, (hdr, frame) in enumerate(frames):
        at = vf.BUFS + i * STRIDE
        tx.mem[at:at + vf.HDR_LEN + len(frame)] = hdr + frame
        tx.desc(i, at, vf.HDR_LEN + len(frame))
    tx.post(range(len(frames)))
    want = (start + len(frames)) & 0xffff
    wait_for(lambda: tx.used_idx(1) == want, 10, "vunetd to take the frames")


def received(fe, first, count):
    """The count frames after the first-th: (virtio-net header, frame)."""
    wait_for(lambda: fe.used_idx(0) >= first + count, 10, "%d frames" % (first + count))
    out = []
    for k in range(first, first + count):
        head, length = fe.used(k)
        data = fe.read(vf.BUFS + head * STRIDE, length)
        out.append((data[:vf.HDR_LEN], data[vf.HDR_LEN:]))
    return out


def offloads(d, name):
    p = d.port(name)
    return {k: p[k] for k in ("tso_passed", "tso_segmented", "tso_segments", "csum_completed")}


def test_a_tso_frame_whole_to_v3_and_cut_for_v2(trio):
    d, fes = trio
    payload = bytes((i * 7) & 0xff for i in range(10 * MSS + 100))
    frame = tcp_frame(payload, seq=0xfffff000)     # the sequence wraps on the way
    send(fes["tx"], [(net_hdr(NEEDS_CSUM, GSO_TCPV4, MSS), frame)])
    # whole: the frame as sent, its header rewritten by rte_vhost
    (hdr, got), = received(fes["whole"], 0, 1)
    flags, gso_type, hdr_len, gso_size, cs, co, _ = struct.unpack("<BBHHHHH", hdr)
    assert (flags, gso_type, hdr_len, gso_size, cs, co) == (NEEDS_CSUM, GSO_TCPV4, 54, MSS, 34, 16)
    # rte_vhost's enqueue (rte_net_intel_cksum_prepare) leaves a TSO frame's
    # TCP sum field the pseudo-header's sum without the length
    assert got[50:52] == struct.pack("!H", pseudo_sum(frame, with_length=False))
    assert got[:50] == frame[:50] and got[52:] == frame[52:]
    # cut: 11 segments of the payload, each checksummed, in order
    segs = received(fes["cut"], 0, 11)
    body = b""
    for i, (hdr, seg) in enumerate(segs):
        assert hdr == bytes(vf.HDR_LEN)
        assert len(seg) == 54 + (MSS if i < 10 else 100)
        assert tcp_ok(seg), "segment %d: a checksum is wrong" % i
        seq = struct.unpack("!I", seg[38:42])[0]
        assert seq == (0xfffff000 + i * MSS) & 0xffffffff
        assert seg[47] == (0x18 if i == 10 else 0x10)       # PSH on the last only
        body += seg[54:]
    assert body == payload
    assert offloads(d, "whole") == {"tso_passed": 1, "tso_segmented": 0, "tso_segments": 0,
                                    "csum_completed": 0}
    assert offloads(d, "cut") == {"tso_passed": 0, "tso_segmented": 1, "tso_segments": 11,
                                  "csum_completed": 0}
    assert d.port("cut")["tx_bytes"] == len(payload) + 11 * 54
    # the operator's view: non-zero ones, by name
    text = d.ctl("stats", "cut", json_out=False)
    assert "  offload tso_segmented 1\n" in text and "  offload tso_segments  11\n" in text
    assert "offload tso_passed" not in text, text
    assert "  offload tso_passed    1\n" in d.ctl("port", "show", "whole", json_out=False)
    report = d.stop()
    report = report[report.index("final counters"):]
    assert "  offload tso_passed    1\n" in report and "  offload tso_segments  11\n" in report


def test_a_partial_checksum_is_passed_or_completed(trio):
    d, fes = trio
    frame = tcp_frame(b"x" * 300)
    send(fes["tx"], [(net_hdr(NEEDS_CSUM, GSO_NONE, 0), frame)])
    (hdr, got), = received(fes["whole"], 0, 1)
    assert hdr[0] == NEEDS_CSUM and got == frame
    (hdr, got), = received(fes["cut"], 0, 1)
    assert hdr == bytes(vf.HDR_LEN) and tcp_ok(got) and got[:50] == frame[:50]
    assert offloads(d, "cut")["csum_completed"] == 1
    assert offloads(d, "whole")["csum_completed"] == 0


def judge(why, hdr, frame, took, got, bad):
    """What became of one lie, checked: refused before vunetd, refused by
    vunetd for both receivers, honoured as TSO, or passed as a plain frame
    (as sent but the checksum's field, within the MTU)."""
    if took == 0:
        assert got == {"whole": [], "cut": []} and bad == {"whole": 0, "cut": 0}, why
        return "refused by rte_vhost"
    if bad["whole"] or bad["cut"]:
        assert bad == {"whole": 1, "cut": 1} and got == {"whole": [], "cut": []}, why
        return "gso_bad"
    assert bad == {"whole": 0, "cut": 0} and len(got["whole"]) == 1, why
    if len(got["cut"]) > 1:
        assert got["whole"][0][54:] == frame[54:], why
        assert all(tcp_ok(c) for c in got["cut"]), why
        assert b"".join(c[54:] for c in got["cut"]) == frame[54:], why
        return "TSO, whole and cut"
    at = sum(struct.unpack("<HH", hdr[6:10]))   # csum_start + csum_offset
    assert len(frame) <= 9018, why
    for n in got:
        (f,) = got[n]
        assert f[:at] == frame[:at] and f[at + 2:] == frame[at + 2:], (why, n)
    if got["cut"][0] != frame:
        assert tcp_ok(got["cut"][0]), why
        return "plain, completed"
    assert got["whole"] == [frame], why
    return "plain, as sent"


def test_lies_in_the_metadata_are_refused_or_made_plain(trio):
    """Each lie, then an honest frame: what rte_vhost refuses never
    reaches vunetd; what it passes as a plain frame (it drops the offload
    flags of a header it cannot honour) arrives as sent, within the MTU;
    what it passes flagged, vunetd drops (gso_bad) per destination."""
    d, fes = trio
    payload = bytes(4 * MSS)
    lies = [
        ("gso_size 0", net_hdr(NEEDS_CSUM, GSO_TCPV4, 0), tcp_frame(payload)),
        ("gso_size 1: 5792 segments", net_hdr(NEEDS_CSUM, GSO_TCPV4, 1), tcp_frame(payload)),
        ("TSO of UDP", net_hdr(NEEDS_CSUM, GSO_TCPV4, MSS, csum_offset=6),
         tcp_frame(payload, proto=17)),
        ("headers past the frame", net_hdr(NEEDS_CSUM, GSO_TCPV4, MSS), tcp_frame(b"")[:50]),
        ("checksum start past the frame", net_hdr(NEEDS_CSUM, GSO_NONE, 0, csum_start=5000),
         tcp_frame(b"y" * 100)),
        ("TSO frame over 64 KB of headers", net_hdr(NEEDS_CSUM, GSO_TCPV4, MSS, hdr_len=65535),
         tcp_frame(payload)),
    ]
    seen = {"whole": 0, "cut": 0}
    outcome = {}
    for why, hdr, frame in lies:
        before = {n: dict(d.port(n)["drops"]) for n in seen}
        rx = d.port("tx")["rx_packets"]
        honest = tcp_frame(b"z" * 100, seq=len(outcome))
        send(fes["tx"], [(hdr, frame), (net_hdr(NEEDS_CSUM, GSO_NONE, 0), honest)])
        got = {}
        for n in seen:
            wait_for(lambda: fes[n].used_idx(0) >= seen[n] + 1, 10, "the honest frame at " + n)
            frames = received(fes[n], seen[n], fes[n].used_idx(0) - seen[n])
            seen[n] += len(frames)
            h, f = frames[-1]
            # the honest frame: its sum left to do for whole, done for cut
            assert f[54:] == b"z" * 100 and (h[0] == NEEDS_CSUM if n == "whole" else
                                             tcp_ok(f)), (why, n)
            got[n] = [f for _, f in frames[:-1]]
        took = d.port("tx")["rx_packets"] - rx - 1
        bad = {n: d.port(n)["drops"]["gso_bad"] - before[n]["gso_bad"] for n in seen}
        outcome[why] = judge(why, hdr, frame, took, got, bad)
        for n in seen:
            others = {k: v - before[n][k] for k, v in d.port(n)["drops"].items()
                      if k != "gso_bad" and v != before[n][k]}
            assert others == {}, (why, n, others)
    print("\n".join("%-32s %s" % (w, o) for w, o in outcome.items()))
    assert outcome == {
        # rte_vhost drops the GSO request and passes a plain frame with its
        # checksum left to do: completed for cut
        "gso_size 0": "plain, completed",
        # flagged TSO vunetd cannot honour: dropped for both
        "gso_size 1: 5792 segments": "gso_bad",
        "TSO of UDP": "plain, completed",
        # rte_vhost drops every flag: the guest's bytes as they are
        "headers past the frame": "plain, as sent",
        "checksum start past the frame": "plain, as sent",
        # hdr_len is advice: vunetd reads the headers from the frame
        "TSO frame over 64 KB of headers": "TSO, whole and cut",
    }
