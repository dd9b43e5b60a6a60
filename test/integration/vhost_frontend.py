# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""A vhost-user front-end in Python that owns real shared guest memory (a
memfd passed with SET_MEM_TABLE) and writes split virtqueues itself, so a
test can post whatever descriptors a hostile guest could: addresses outside
its memory, loops, zero and 4 GiB lengths, broken indirect tables, indices
beyond the ring. It also sends raw messages, broken ones included."""

import mmap
import os
import socket
import struct

from harness import VhostUserProbe

# requests (docs/interop/vhost-user.rst)
GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE = 1, 2, 3, 4, 5
SET_LOG_BASE, SET_LOG_FD = 6, 7
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
SET_BACKEND_REQ_FD, POSTCOPY_LISTEN, GET_INFLIGHT_FD = 21, 29, 31

F_INDIRECT, F_PROTOCOL, F_VERSION_1 = 1 << 28, 1 << 30, 1 << 32
PF_REPLY_ACK = 1 << 3
VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8

DESC_NEXT, DESC_WRITE, DESC_INDIRECT = 1, 2, 4
HDR_LEN = 12                 # virtio_net_hdr with VERSION_1

MEM_SIZE = 4 << 20
UADDR = 0x7f0000000000       # where "our" memory is, for ring addresses
DESC, AVAIL, USED = 0x1000, 0x3000, 0x5000   # per vring, + 0x8000 * vring
BUFS = 0x40000


class Frontend(VhostUserProbe):
    """VhostUserProbe's connection and reads, plus memory and rings."""

    def __init__(self, path, queue_size=256, memfd=None):
        """memfd: the guest's memory file (MEM_SIZE long), default a
        memfd that cannot be sealed."""
        super().__init__(path)
        self.n = queue_size
        if memfd is None:
            memfd = os.memfd_create("guest", 0)
            os.ftruncate(memfd, MEM_SIZE)
        self.memfd = memfd
        self.mem = mmap.mmap(self.memfd, MEM_SIZE)
        self.efds = []
        self.avail_idx = {0: 0, 1: 0}
        self.reply_ack = False

    # -- messages -----------------------------------------------------------

    def send(self, req, payload=b"", fds=(), flags=VERSION, raw=None):
        data = raw if raw is not None else struct.pack("<III", req, flags, len(payload)) + payload
        if fds:
            socket.send_fds(self.s, [data], list(fds))
        else:
            self.s.sendall(data)

    def recv_reply(self):
        head = self._read(12)
        req, flags, size = struct.unpack("<III", head)
        return req, flags, self._read(size)

    def get_u64(self, req):
        self.send(req)
        _, _, body = self.recv_reply()
        return struct.unpack("<Q", body)[0]

    def call(self, req, payload=b"", fds=()):
        """Send; with REPLY_ACK wait for the back-end's verdict (0: ok)."""
        if not self.reply_ack:
            self.send(req, payload, fds)
            return 0
        self.send(req, payload, fds, flags=VERSION | NEED_REPLY)
        _, _, body = self.recv_reply()
        return struct.unpack("<Q", body)[0]

    def u64(self, v):
        return struct.pack("<Q", v)

    def state(self, index, num):
        return struct.pack("<II", index, num)

    def eventfd(self):
        fd = os.eventfd(0, os.EFD_NONBLOCK)
        self.efds.append(fd)
        return fd

    # -- a working device ---------------------------------------------------

    def setup(self, features=F_VERSION_1 | F_PROTOCOL | F_INDIRECT, call_fds=None):
        """call_fds: {vring: descriptor} instead of a fresh eventfd."""
        call_fds = call_fds or {}
        offered = self.get_u64(GET_FEATURES)
        assert offered & features == features, hex(offered)
        self.send(SET_FEATURES, self.u64(features))
        self.send(SET_OWNER)
        pf = self.get_u64(GET_PROTOCOL_FEATURES)
        self.send(SET_PROTOCOL_FEATURES, self.u64(pf & PF_REPLY_ACK))
        self.reply_ack = bool(pf & PF_REPLY_ACK)
        region = struct.pack("<QQQQ", 0, MEM_SIZE, UADDR, 0)
        assert self.call(SET_MEM_TABLE, struct.pack("<II", 1, 0) + region, [self.memfd]) == 0
        for v in (0, 1):
            base = 0x8000 * v
            assert self.call(SET_VRING_NUM, self.state(v, self.n)) == 0
            assert self.call(SET_VRING_BASE, self.state(v, 0)) == 0
            addr = struct.pack("<IIQQQQ", v, 0, UADDR + base + DESC, UADDR + base + USED,
                               UADDR + base + AVAIL, 0)
            assert self.call(SET_VRING_ADDR, addr) == 0
            assert self.call(SET_VRING_KICK, self.u64(v), [self.eventfd()]) == 0
            call = call_fds[v] if v in call_fds else self.eventfd()
            assert self.call(SET_VRING_CALL, self.u64(v), [call]) == 0
            assert self.call(SET_VRING_ENABLE, self.state(v, 1)) == 0

    # -- the guest's transmit ring (vring 1) --------------------------------

    def desc(self, i, addr, length, flags=0, nxt=0, vring=1, table=None):
        off = (table if table is not None else 0x8000 * vring + DESC) + 16 * i
        self.mem[off:off + 16] = struct.pack("<QIHH", addr, length, flags, nxt)

    def post(self, heads, vring=1, idx=None):
        """Put heads in the avail ring and publish avail->idx (or idx)."""
        base = 0x8000 * vring + AVAIL
        for h in heads:
            slot = self.avail_idx[vring] % self.n
            self.mem[base + 4 + 2 * slot:base + 6 + 2 * slot] = struct.pack("<H", h)
            self.avail_idx[vring] = (self.avail_idx[vring] + 1) & 0xffff
        if idx is not None:
            self.avail_idx[vring] = idx & 0xffff
        self.mem[base + 2:base + 4] = struct.pack("<H", self.avail_idx[vring])

    def rx_buffers(self, count, size=2048):
        """count device-writable buffers on the guest's receive ring."""
        for i in range(count):
            self.desc(i, BUFS + 0x10000 + size * i, size, DESC_WRITE, vring=0)
        self.post(list(range(count)), vring=0)

    def used_idx(self, vring=1):
        base = 0x8000 * vring + USED
        return struct.unpack("<H", self.mem[base + 2:base + 4])[0]

    def used(self, k, vring=0):
        """The k-th used element: (descriptor head, bytes written)."""
        off = 0x8000 * vring + USED + 4 + 8 * (k % self.n)
        return struct.unpack("<II", self.mem[off:off + 8])

    def read(self, addr, length):
        return bytes(self.mem[addr:addr + length])

    def frame(self, at, dst, src, size=60):
        """A virtio-net header and an Ethernet frame at guest address at;
        returns the length of both."""
        f = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + \
            b"\x88\xb5" + bytes(size - 14)
        self.mem[at:at + HDR_LEN + size] = bytes(HDR_LEN) + f
        return HDR_LEN + size

    def close(self):
        try:
            self.s.close()
        finally:
            for fd in self.efds:
                os.close(fd)
            self.mem.close()
            os.close(self.memfd)
