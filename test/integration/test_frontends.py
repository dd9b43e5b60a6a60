# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Hostile front-ends: one that owns real guest memory and posts the
descriptors a malicious guest could, one that speaks broken vhost-user.
After each case vunetd is alive, another port's front-end is answered at
once, two other guests exchange exactly what they sent, and at the end
vunetd holds no more descriptors than before. rte_vhost 22.11 and the relay
hold today; these tests keep it so across DPDK upgrades and our changes."""

import os
import struct
import time

import pytest

import vhost_frontend as vf
from harness import Guest, VhostUserProbe, wait_for
from test_hostile import MAC, exchange, fd_count, probe_rtt

B = Guest.BURST
V1 = "org.vunet.net.v1"
BCAST = "ff:ff:ff:ff:ff:ff"
EVIL, HELPER = "52:54:00:00:00:66", "52:54:00:00:00:77"


def port(world, name, vlan):
    return {"name": name, "type": "vhost", "path": world.sock(name), "mode": "server",
            "bridge": "br0", "vlan": vlan, "profile": V1}


@pytest.fixture
def rig(world):
    """vm1: the hostile front-end (VLAN 2, with vm4, a helper that sends it
    traffic); vm2, vm3: guests in VLAN 1; vm5: fresh front-ends' probes."""
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [port(world, "vm1", 2), port(world, "vm2", 1), port(world, "vm3", 1),
                                port(world, "vm4", 2), port(world, "vm5", 3)]}).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[3]).start()
    g3 = world.guest(world.sock("vm3"), MAC[3], peer=MAC[2]).start()
    d.wait_up("vm2", "vm3")
    exchange(g2, g3)
    yield world, d, g2, g3


def still_fine(world, d, g2, g3, case):
    assert d.proc.poll() is None, "vunetd died in case %s:\n%s" % (case, d.out.text()[-3000:])
    rtt = probe_rtt(world.sock("vm5"))
    assert rtt < 0.5, "case %s: a fresh front-end waited %.2f s" % (case, rtt)
    exchange(g2, g3, bursts=1)


def device(world, d):
    fe = vf.Frontend(world.sock("vm1"))
    fe.setup()
    d.wait_port_state("vm1", "up", 10)
    return fe


def good_frame(fe, head=0, at=vf.BUFS):
    fe.desc(head, at, fe.frame(at, BCAST, EVIL))
    fe.post([head])


# Each writes descriptors on the guest's transmit ring (vring 1) or, for
# "rx_", on its receive ring (vring 0), and publishes them.
def c_outside_memory(fe):
    fe.desc(0, vf.MEM_SIZE + 4096, 72)
    fe.post([0])


def c_address_wraps(fe):
    fe.desc(0, (1 << 64) - 16, 100)
    fe.post([0])


def c_straddles_the_end(fe):
    fe.desc(0, vf.MEM_SIZE - 10, 100)
    fe.post([0])


def c_zero_length(fe):
    fe.desc(0, vf.BUFS, 0)
    fe.post([0])


def c_four_gib_length(fe):
    fe.desc(0, vf.BUFS, 0xffffffff)
    fe.post([0])


def c_header_only(fe):
    fe.desc(0, vf.BUFS, vf.HDR_LEN)
    fe.post([0])


def c_loop_of_two(fe):
    fe.frame(vf.BUFS, BCAST, EVIL)
    fe.desc(0, vf.BUFS, 40, vf.DESC_NEXT, 1)
    fe.desc(1, vf.BUFS + 40, 32, vf.DESC_NEXT, 0)
    fe.post([0])


def c_loop_on_itself(fe):
    fe.desc(0, vf.BUFS, 72, vf.DESC_NEXT, 0)
    fe.post([0])


def c_next_beyond_the_ring(fe):
    fe.desc(0, vf.BUFS, 40, vf.DESC_NEXT, 5000)
    fe.post([0])


def c_head_beyond_the_ring(fe):
    fe.post([60000])


def c_avail_index_far_ahead(fe):
    fe.post([], idx=fe.avail_idx[1] + 5000)


def c_chain_longer_than_the_ring(fe):
    for i in range(fe.n):
        fe.desc(i, vf.BUFS + i, 1, vf.DESC_NEXT, (i + 1) % fe.n)
    fe.post([0])


def c_device_writable_on_transmit(fe):
    fe.desc(0, vf.BUFS, fe.frame(vf.BUFS, BCAST, EVIL), vf.DESC_WRITE)
    fe.post([0])


TABLE = 0x30000


def c_indirect_outside_memory(fe):
    fe.desc(0, vf.MEM_SIZE * 2, 64, vf.DESC_INDIRECT)
    fe.post([0])


def c_indirect_odd_length(fe):
    fe.desc(0, TABLE, 17, vf.DESC_INDIRECT)
    fe.post([0])


def c_indirect_huge(fe):
    fe.desc(0, TABLE, 0xfffffff0, vf.DESC_INDIRECT)
    fe.post([0])


def c_indirect_loop(fe):
    fe.frame(vf.BUFS, BCAST, EVIL)
    fe.desc(0, vf.BUFS, 40, vf.DESC_NEXT, 1, table=TABLE)
    fe.desc(1, vf.BUFS + 40, 32, vf.DESC_NEXT, 0, table=TABLE)
    fe.desc(0, TABLE, 32, vf.DESC_INDIRECT)
    fe.post([0])


def c_indirect_in_indirect(fe):
    fe.desc(0, TABLE, 16, vf.DESC_INDIRECT, table=TABLE)
    fe.desc(0, TABLE, 16, vf.DESC_INDIRECT)
    fe.post([0])


def c_indirect_next_beyond_table(fe):
    fe.desc(0, vf.BUFS, 40, vf.DESC_NEXT, 200, table=TABLE)
    fe.desc(0, TABLE, 32, vf.DESC_INDIRECT)
    fe.post([0])


def rx_case(fe, write):
    """Bad receive buffers, then the helper floods a frame toward them."""
    write(fe)
    fe.post([0], vring=0)


def c_rx_outside_memory(fe):
    rx_case(fe, lambda f: f.desc(0, vf.MEM_SIZE + 4096, 2048, vf.DESC_WRITE, vring=0))


def c_rx_zero_length(fe):
    rx_case(fe, lambda f: f.desc(0, vf.BUFS, 0, vf.DESC_WRITE, vring=0))


def c_rx_loop(fe):
    def w(f):
        f.desc(0, vf.BUFS, 8, vf.DESC_WRITE | vf.DESC_NEXT, 1, vring=0)
        f.desc(1, vf.BUFS + 8, 8, vf.DESC_WRITE | vf.DESC_NEXT, 0, vring=0)
    rx_case(fe, w)


def c_rx_read_only(fe):
    rx_case(fe, lambda f: f.desc(0, vf.BUFS, 2048, 0, vring=0))


DESCRIPTOR_CASES = [c_outside_memory, c_address_wraps, c_straddles_the_end, c_zero_length,
                    c_four_gib_length, c_header_only, c_loop_of_two, c_loop_on_itself,
                    c_next_beyond_the_ring, c_head_beyond_the_ring, c_avail_index_far_ahead,
                    c_chain_longer_than_the_ring, c_device_writable_on_transmit,
                    c_indirect_outside_memory, c_indirect_odd_length, c_indirect_huge,
                    c_indirect_loop, c_indirect_in_indirect, c_indirect_next_beyond_table,
                    c_rx_outside_memory, c_rx_zero_length, c_rx_loop, c_rx_read_only]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_hostile_descriptors_hurt_nobody_else(rig):
    world, d, g2, g3 = rig
    pid = d.proc.pid
    # the front-end works: a good frame arrives, exactly one
    fe = device(world, d)
    good_frame(fe)
    wait_for(lambda: d.port("vm1")["rx_packets"] == 1, 10, "the good frame")
    fe.close()
    d.wait_port_state("vm1", "down", 10)
    helper = vf.Frontend(world.sock("vm4"))
    helper.setup()
    d.wait_port_state("vm4", "up", 10)
    fds0, rss0 = fd_count(pid), rss_kib(pid)
    for n, case in enumerate(DESCRIPTOR_CASES):
        fe = device(world, d)
        case(fe)
        if case.__name__.startswith("c_rx_"):
            good_frame(helper, head=n % helper.n, at=vf.BUFS + 128 * (n % 64))
        time.sleep(0.2)
        still_fine(world, d, g2, g3, case.__name__)
        fe.close()
        d.wait_port_state("vm1", "down", 10)
    helper.close()
    wait_for(lambda: fd_count(pid) <= fds0, 10, "vunetd's descriptors back to %d" % fds0)
    rss1 = rss_kib(pid)
    print("%d hostile descriptor cases: vunetd fds %d -> %d, RSS %d -> %d KiB; vm1 rx %d" % (
        len(DESCRIPTOR_CASES), fds0, fd_count(pid), rss0, rss1, d.port("vm1")["rx_packets"]))
    assert rss1 - rss0 < 16 * 1024


# Broken vhost-user: each on a fresh connection, sent raw.
def hdr(req, size, flags=vf.VERSION):
    return struct.pack("<III", req, flags, size)


def m_truncated_header(fe):
    fe.send(0, raw=hdr(vf.GET_FEATURES, 0)[:6])


def m_truncated_payload(fe):
    fe.send(0, raw=hdr(vf.SET_FEATURES, 8) + b"\x01\x00")


def m_impossible_size(fe):
    fe.send(0, raw=hdr(vf.SET_FEATURES, 1 << 20))


def m_size_larger_than_the_payload_type(fe):
    fe.send(vf.SET_VRING_NUM, bytes(2000))


def m_short_payload(fe):
    fe.send(vf.SET_VRING_NUM, b"\x01")


def m_unknown_request(fe):
    fe.send(99, fe.u64(0))


def m_request_zero(fe):
    fe.send(0)


def m_wrong_version(fe):
    fe.send(vf.GET_FEATURES, flags=0)


def m_unoffered_features(fe):
    fe.send(vf.SET_FEATURES, fe.u64((1 << 64) - 1))


def m_nine_regions(fe):
    fe.send(vf.SET_MEM_TABLE, struct.pack("<II", 9, 0) + bytes(9 * 32), [fe.memfd])


def m_missing_region_fd(fe):
    fe.send(vf.SET_MEM_TABLE, struct.pack("<II", 2, 0) + bytes(64), [fe.memfd])


def m_extra_fds(fe):
    fe.send(vf.SET_MEM_TABLE, struct.pack("<II", 1, 0) +
            struct.pack("<QQQQ", 0, vf.MEM_SIZE, vf.UADDR, 0), [fe.memfd] * 8)


def m_region_beyond_the_file(fe):
    fe.send(vf.SET_MEM_TABLE, struct.pack("<II", 1, 0) +
            struct.pack("<QQQQ", 0, 1 << 40, vf.UADDR, 1 << 41), [fe.memfd])


def m_region_of_size_zero(fe):
    fe.send(vf.SET_MEM_TABLE, struct.pack("<II", 1, 0) +
            struct.pack("<QQQQ", 0, 0, vf.UADDR, 0), [fe.memfd])


def m_vring_index_out_of_range(fe):
    fe.send(vf.SET_VRING_NUM, fe.state(300, 256))
    fe.send(vf.SET_VRING_ENABLE, fe.state(255, 1))


def m_vring_beyond_the_profile(fe):
    fe.send(vf.SET_VRING_NUM, fe.state(9, 256))


def m_ring_sizes(fe):
    for num in (0, 3, 65535, 32768):
        fe.send(vf.SET_VRING_NUM, fe.state(0, num))


def m_kick_without_fd(fe):
    fe.send(vf.SET_VRING_KICK, fe.u64(0))


def m_ring_addresses_without_memory(fe):
    fe.send(vf.SET_VRING_ADDR, struct.pack("<IIQQQQ", 0, 0, 1, 2, 3, 0))


def m_log_base_not_memory(fe):
    fe.send(vf.SET_LOG_BASE, struct.pack("<QQ", 1 << 30, 0), [fe.eventfd()])


def m_get_vring_base_first(fe):
    fe.send(vf.GET_VRING_BASE, fe.state(1, 0))


def m_owner_storm(fe):
    for _ in range(1000):
        fe.send(vf.SET_OWNER)
    fe.send(vf.RESET_OWNER)


MESSAGE_CASES = [m_truncated_header, m_truncated_payload, m_impossible_size,
                 m_size_larger_than_the_payload_type, m_short_payload, m_unknown_request,
                 m_request_zero, m_wrong_version, m_unoffered_features, m_nine_regions,
                 m_missing_region_fd, m_extra_fds, m_region_beyond_the_file,
                 m_region_of_size_zero, m_vring_index_out_of_range, m_vring_beyond_the_profile,
                 m_ring_sizes, m_kick_without_fd, m_ring_addresses_without_memory,
                 m_log_base_not_memory, m_get_vring_base_first, m_owner_storm]


def test_broken_vhost_user_hurts_nobody_else(rig):
    world, d, g2, g3 = rig
    pid = d.proc.pid
    fds0 = fd_count(pid)
    for case in MESSAGE_CASES:
        fe = vf.Frontend(world.sock("vm1"))
        try:
            case(fe)
        except (BrokenPipeError, ConnectionResetError):
            pass             # cut off already: that is an answer too
        time.sleep(0.1)
        still_fine(world, d, g2, g3, case.__name__)
        fe.close()
        # the same port serves a good front-end at once (one that comes
        # back before vunetd saw it go is not a second front-end)
        probe = VhostUserProbe(world.sock("vm1"))
        assert probe.get(VhostUserProbe.GET_QUEUE_NUM) == 4
        probe.close()
    wait_for(lambda: fd_count(pid) <= fds0, 10, "vunetd's descriptors back to %d" % fds0)
    fe = d.port("vm1")["frontend"]
    print("%d kinds of broken message: vunetd fds %d -> %d; vm1 front-end %s" % (
        len(MESSAGE_CASES), fds0, fd_count(pid), fe))
    assert fe["cut_malformed"] >= 1 and fe["fds_closed"] >= 7
