# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""What rte_vhost 22.11 takes on faith, vunetd checks first: the kind of
each descriptor a front-end passes, the size of its memory files (and what
happens when they shrink later), and which requests its port's profile
offers. Each attacker is one front-end on vm1; after each case vunetd is
alive, a fresh front-end on another port is answered in < 0.5 s, two other
guests exchange exactly what they sent, the attacker is cut and counted by
reason, and at the end vunetd's descriptors and memory are where they were
and SIGTERM stops it in < 2 s."""

import mmap
import os
import socket
import struct
import time

import pytest

import vhost_frontend as vf
from harness import VhostUserProbe, wait_for
from test_frontends import rig, rss_kib, still_fine   # noqa: F401 (fixture)
from test_hostile import MAC, fd_count

EVENTFD_MAX = 0xfffffffffffffffe
HELPER_FRAMES = 8


def frontend_counters(d):
    return d.port("vm1")["frontend"]


def cuts(d):
    return {k: v for k, v in frontend_counters(d).items() if k.startswith("cut_") and v}


def expect_cut(d, reason, before):
    """The front-end on vm1 was cut for reason, once more than before."""
    wait_for(lambda: frontend_counters(d)[reason] == before.get(reason, 0) + 1, 5,
             "vm1's front-end cut for %s" % reason)
    d.wait_port_state("vm1", "down", 10)
    now = cuts(d)
    assert {k: now[k] - before.get(k, 0) for k in now if now[k] != before.get(k, 0)} == \
        {reason: 1}


def setup_refused(fe, **kw):
    """setup() on a front-end that vunetd is expected to cut midway."""
    with pytest.raises((AssertionError, OSError)):
        fe.setup(**kw)


class Tenant:
    """vm1's rig: the fixture, the helper on vm4 that floods vm1's VLAN,
    and the figures taken before the first case."""

    def __init__(self, rig):
        self.world, self.d, self.g2, self.g3 = rig
        self.pid = self.d.proc.pid
        self.fds0, self.rss0 = fd_count(self.pid), rss_kib(self.pid)
        self.helper = None

    def flood_from_helper(self, frames=HELPER_FRAMES):
        """The helper (VLAN 2, as vm1) broadcasts frames toward vm1."""
        if self.helper is None:
            self.helper = vf.Frontend(self.world.sock("vm4"))
            self.helper.setup()
            self.d.wait_port_state("vm4", "up", 10)
        for i in range(frames):
            at = vf.BUFS + 128 * (i % 64)
            head = (self.helper.avail_idx[1]) % self.helper.n
            self.helper.desc(head, at, self.helper.frame(at, "ff:ff:ff:ff:ff:ff", MAC[8]))
            self.helper.post([head])

    def fine(self, case):
        still_fine(self.world, self.d, self.g2, self.g3, case)

    def close(self):
        if self.helper is not None:
            self.helper.close()
            self.helper = None
        wait_for(lambda: fd_count(self.pid) <= self.fds0, 10,
                 "vunetd's descriptors back to %d" % self.fds0)
        fds, rss = fd_count(self.pid), rss_kib(self.pid)
        t0 = time.monotonic()
        self.d.stop()
        stop = time.monotonic() - t0
        print("vunetd: fds %d -> %d, RSS %d -> %d KiB, SIGTERM to exit %.0f ms" % (
            self.fds0, fds, self.rss0, rss, stop * 1000))
        assert rss - self.rss0 < 16 * 1024
        assert stop < 2


@pytest.fixture
def tenant(rig):   # noqa: F811
    t = Tenant(rig)
    yield t
    if t.helper is not None:
        t.helper.close()
        t.helper = None


def wrong_call_fd(kind):
    """A descriptor of another kind where the call eventfd goes, and what
    must stay open beside it."""
    if kind == "pipe":
        r, w = os.pipe()
        return w, [r, w]
    if kind == "socket":
        a, b = socket.socketpair()
        return a.fileno(), [a, b]
    fd = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
    return fd, [fd]


def close_all(things):
    for t in things:
        if isinstance(t, int):
            os.close(t)
        else:
            t.close()


def test_interrupt_descriptors_of_another_kind_are_refused(tenant):
    """A pipe nobody reads, a socket or a regular file as vm1's call
    descriptor: refused when it arrives (cut_descriptor), before rte_vhost
    could write one interrupt into it from the worker."""
    for kind in ("pipe", "socket", "file"):
        before = cuts(tenant.d)
        fd, keep = wrong_call_fd(kind)
        fe = vf.Frontend(tenant.world.sock("vm1"))
        setup_refused(fe, call_fds={0: fd})
        expect_cut(tenant.d, "cut_descriptor", before)
        tenant.fine("call fd: " + kind)
        fe.close()
        close_all(keep)
    tenant.close()


def blocking_eventfd_at_max():
    fd = os.eventfd(0)                   # blocking
    os.eventfd_write(fd, EVENTFD_MAX)
    return fd


def test_a_blocking_interrupt_eventfd_at_its_maximum_blocks_nobody(tenant):
    """vm1's call eventfd is blocking and full: rte_vhost's write of an
    interrupt would block the worker for ever (bd01cff). The relay makes
    it non-blocking: frames for vm1 go into its ring, the worker goes on,
    and the front-end, which did nothing wrong, stays."""
    efd = blocking_eventfd_at_max()
    fe = vf.Frontend(tenant.world.sock("vm1"))
    fe.setup(call_fds={0: efd})
    tenant.d.wait_port_state("vm1", "up", 10)
    assert not os.get_blocking(efd)      # one open file, shared with vunetd
    fe.rx_buffers(HELPER_FRAMES)
    tx0 = tenant.d.port("vm1")["tx_packets"]
    tenant.flood_from_helper()
    wait_for(lambda: fe.used_idx(0) == HELPER_FRAMES, 5, "frames in vm1's ring")
    assert tenant.d.port("vm1")["tx_packets"] - tx0 == HELPER_FRAMES
    tenant.fine("blocking eventfd at its maximum")
    assert cuts(tenant.d) == {} and frontend_counters(tenant.d)["connected"]
    fe.close()
    os.close(efd)
    tenant.d.wait_port_state("vm1", "down", 10)
    tenant.close()


def test_a_front_end_that_makes_its_eventfd_block_again_is_cut(tenant):
    """The open file is the front-end's too: it clears O_NONBLOCK after
    handing it over and fills the counter. The next interrupt blocks the
    worker; the watchdog sees it sleeping in write() on that eventfd, takes
    vm1 off the data path, cuts its front-end (cut_blocking) and wakes the
    worker. The other guests lose nothing."""
    efd = os.eventfd(0, os.EFD_NONBLOCK)
    fe = vf.Frontend(tenant.world.sock("vm1"))
    fe.setup(call_fds={0: efd})
    tenant.d.wait_port_state("vm1", "up", 10)
    fe.rx_buffers(HELPER_FRAMES)
    before = cuts(tenant.d)
    os.set_blocking(efd, True)
    os.eventfd_write(efd, EVENTFD_MAX)
    t0 = time.monotonic()
    tenant.flood_from_helper()
    expect_cut(tenant.d, "cut_blocking", before)
    cut_after = time.monotonic() - t0
    t1 = time.monotonic()
    tenant.fine("eventfd made blocking again")
    print("worker blocked on vm1's eventfd: cut after %.0f ms; then vm2 <-> vm3 "
          "exact in %.0f ms" % (cut_after * 1000, (time.monotonic() - t1) * 1000))
    assert "blocked on port vm1's interrupt descriptor" in tenant.d.out.text()
    fe.close()
    os.close(efd)
    tenant.close()


def hugetlbfs_file():
    """A guest memory file on hugetlbfs, which cannot be sealed."""
    path = "/dev/hugepages/vunet-test-guest-%d" % os.getpid()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.unlink(path)
    os.ftruncate(fd, vf.MEM_SIZE)
    return fd


@pytest.mark.parametrize("backing", ["memfd", "hugetlbfs"])
def test_a_memory_file_cut_while_frames_flow_cuts_only_its_port(tenant, backing):
    """vm1's memory file cannot be sealed (a memfd without sealing, a
    hugetlbfs file). Frames flow, then the front-end cuts the file to
    nothing: the worker's next read of vm1's ring would raise SIGBUS and
    kill vunetd (bd01cff). The guard maps zeros there, vm1's front-end is
    cut (cut_shrunk), everyone else goes on."""
    memfd = hugetlbfs_file() if backing == "hugetlbfs" else None
    fe = vf.Frontend(tenant.world.sock("vm1"), memfd=memfd)
    fe.setup()
    tenant.d.wait_port_state("vm1", "up", 10)
    for i in range(4):
        at = vf.BUFS + 128 * i
        fe.desc(i, at, fe.frame(at, "ff:ff:ff:ff:ff:ff", MAC[9]))
        fe.post([i])
    wait_for(lambda: tenant.d.port("vm1")["rx_packets"] == 4, 5, "vm1's frames")
    before = cuts(tenant.d)
    fe.mem.close()                       # not ours to touch any more
    os.ftruncate(fe.memfd, 0)
    expect_cut(tenant.d, "cut_shrunk", before)
    tenant.fine("memory file cut: " + backing)
    assert tenant.d.port("vm1")["rx_packets"] == 4
    fe.s.close()
    close_all([fe.memfd] + fe.efds)
    tenant.close()


def test_a_sealable_memfd_is_sealed_against_shrinking(tenant):
    """A memfd that allows sealing (QEMU's, seal=off) is sealed by vunetd:
    the front-end can no longer cut it."""
    memfd = os.memfd_create("guest", os.MFD_ALLOW_SEALING)
    os.ftruncate(memfd, vf.MEM_SIZE)
    fe = vf.Frontend(tenant.world.sock("vm1"), memfd=memfd)
    fe.setup()
    tenant.d.wait_port_state("vm1", "up", 10)
    with pytest.raises(PermissionError):
        os.ftruncate(memfd, 4096)
    tenant.fine("sealed memfd")
    assert cuts(tenant.d) == {}
    fe.close()
    tenant.d.wait_port_state("vm1", "down", 10)
    tenant.close()


def table(size, fd, offset=0):
    return (vf.SET_MEM_TABLE, struct.pack("<II", 1, 0) +
            struct.pack("<QQQQ", 0, size, vf.UADDR, offset), [fd])


def sparse_memfd(size):
    fd = os.memfd_create("sparse", 0)
    os.ftruncate(fd, size)
    return fd


def test_memory_that_cannot_be_mapped_whole_never_reaches_rte_vhost(tenant):
    """A file shorter than its region from the start, a dirty log shorter
    than its size, and, on a running device, a table whose region is an
    eventfd or 1 << 60 bytes (rte_vhost unmaps the running table before it
    fails, and the worker reads unmapped rings): each cut at once
    (cut_descriptor), the device that ran stays whole until the cut."""
    short = sparse_memfd(4096)
    fe = vf.Frontend(tenant.world.sock("vm1"))
    before = cuts(tenant.d)
    fe.send(*table(vf.MEM_SIZE, short))
    expect_cut(tenant.d, "cut_descriptor", before)
    tenant.fine("memory file shorter than its region")
    fe.close()
    os.close(short)

    log = sparse_memfd(4096)
    fe = vf.Frontend(tenant.world.sock("vm1"))
    fe.setup()
    tenant.d.wait_port_state("vm1", "up", 10)
    before = cuts(tenant.d)
    fe.send(vf.SET_LOG_BASE, struct.pack("<QQ", 1 << 20, 0), [log])
    expect_cut(tenant.d, "cut_descriptor", before)
    tenant.fine("dirty log shorter than its size")
    fe.close()
    os.close(log)

    for name, make in (("an eventfd", lambda: os.eventfd(0)),
                       ("1 << 60 bytes", lambda: sparse_memfd(1 << 60))):
        fd = make()
        fe = vf.Frontend(tenant.world.sock("vm1"))
        fe.setup()
        tenant.d.wait_port_state("vm1", "up", 10)
        size = 1 << 60 if name.startswith("1 <<") else vf.MEM_SIZE
        before = cuts(tenant.d)
        fe.send(*table(size, fd))
        expect_cut(tenant.d, "cut_descriptor", before)
        tenant.fine("running device, new table: " + name)
        fe.close()
        os.close(fd)
    tenant.close()


def test_requests_no_profile_offers_never_reach_rte_vhost(tenant):
    """POSTCOPY_LISTEN (rte_vhost then blocks its one thread on the
    front-end's silence), GET_INFLIGHT_FD for 256 x 32768 (131 MiB of
    shared memory per 32-byte message) and SET_BACKEND_REQ_FD: none is in
    v1, so each cuts the front-end at once (cut_request); another port is
    answered at once and vunetd's memory does not grow."""
    cases = [
        ("POSTCOPY_LISTEN", lambda fe: fe.send(vf.POSTCOPY_LISTEN), None),
        ("GET_INFLIGHT_FD", lambda fe: fe.send(
            vf.GET_INFLIGHT_FD, struct.pack("<QQHH", 0, 0, 256, 32768) + bytes(4)), None),
        ("SET_BACKEND_REQ_FD", None, "socket"),
    ]
    for name, act, _ in cases:
        fe = vf.Frontend(tenant.world.sock("vm1"))
        fe.setup()
        tenant.d.wait_port_state("vm1", "up", 10)
        before = cuts(tenant.d)
        keep = []
        if act is not None:
            act(fe)
        else:
            a, b = socket.socketpair()
            keep = [a, b]
            fe.send(vf.SET_BACKEND_REQ_FD, b"", [a.fileno()])
        t0 = time.monotonic()
        expect_cut(tenant.d, "cut_request", before)
        rtt = time.monotonic() - t0
        tenant.fine(name)
        print("%s: cut, another port answered; RSS %d KiB" % (name, rss_kib(tenant.pid)))
        assert rtt < 2
        fe.close()
        close_all(keep)
    assert "which its profile does not offer" in tenant.d.out.text()
    tenant.close()


def test_answers_the_relay_asks_for_are_its_own(tenant):
    """The relay hands rte_vhost one message at a time and asks an answer
    for each, to know when it is done (test_relay's
    a_back_end_that_does_not_answer_is_cut shows the 1 s bound). A
    front-end that asks nothing back gets no answer it did not ask for,
    and one that asks gets exactly its own."""
    fe = vf.Frontend(tenant.world.sock("vm1"))
    fe.setup()                           # REPLY_ACK: asks for each answer
    fe.send(vf.SET_VRING_ENABLE, fe.state(1, 1))    # asks for none
    assert fe.get_u64(vf.GET_FEATURES) & vf.F_VERSION_1
    fe.s.settimeout(0.3)
    with pytest.raises(socket.timeout):
        fe.s.recv(1)
    fe.close()
    tenant.close()
