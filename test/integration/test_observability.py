# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""DPDK's own tools work on vunetd: dpdk-telemetry.py reads its counters,
dpdk-dumpcap captures a vhost port's traffic (through the port's stand-in
ethdev) and an eth port's."""

import os
import struct
import subprocess

from harness import Guest, Output, wait_for

B = Guest.BURST
MAC = {i: "52:54:00:00:02:%02x" % i for i in range(1, 4)}


def config(world):
    return {"bridges": [{"name": "br0"}],
            "ports": [{"name": n, "type": "vhost", "path": world.sock(n), "mode": "server",
                       "bridge": "br0"} for n in ("vm1", "vm2")]}


def telemetry_py(prefix, *cmds):
    r = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="\n".join(cmds) + "\n",
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def pcap_frames(path):
    """(sources, lengths) of the frames in a libpcap file."""
    with open(path, "rb") as f:
        data = f.read()
    assert struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d), "not a libpcap file"
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        frames.append((frame[6:12].hex(":"), orig))
        off += 16 + incl
    return frames


def test_dpdk_telemetry_reads_vunetd_counters(world):
    d = world.vunetd(config(world)).start()
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=MAC[2]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[1]).start()
    d.wait_up("vm1", "vm2")
    assert g1.send(2) == 2 * B
    wait_for(lambda: g2.rx() == 2 * B, 10, "vm1 -> vm2")
    out = telemetry_py(d.prefix, "/vunet/ports", "/vunet/port,vm1", "/vunet/workers",
                       "/vunet/ports,1", "/vunet/ports,2", "/vunet/ports,x")
    assert '{"/vunet/ports": ["vm1", "vm2"]}' in out
    # from an index on (a reply holds 256 names): then none, then a refusal
    assert '{"/vunet/ports": ["vm2"]}' in out
    assert '{"/vunet/ports": []}' in out
    assert '{"/vunet/ports": null}' in out
    assert '"rx_packets": %d' % (2 * B) in out and '"rx_bytes": %d' % (2 * B * 64) in out
    assert '"worker0"' in out and '"cycles_per_packet"' in out


def test_dumpcap_captures_a_vhost_port(world):
    d = world.vunetd(config(world), huge=True).start()
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=MAC[2]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[1]).start()
    d.wait_up("vm1", "vm2")
    listing = subprocess.run(["dpdk-dumpcap", "--file-prefix=" + d.prefix, "-D"],
                             capture_output=True, text=True, timeout=60)
    assert "net_null_vhost_vm1" in listing.stdout, listing.stdout + listing.stderr
    pcap = os.path.join(world.dir, "vm1.pcap")
    cap = subprocess.Popen(["stdbuf", "-oL", "-eL", "dpdk-dumpcap", "--file-prefix=" + d.prefix, "-i",
                            "net_null_vhost_vm1", "-P", "-w", pcap, "-c", str(3 * B)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = Output(cap.stdout, os.path.join(world.dir, "dumpcap.log"))
    try:
        wait_for(lambda: "Capturing on" in out.text() or cap.poll() is not None, 30,
                 "dumpcap to start")
        assert g1.send(2) == 2 * B       # received by vunetd on vm1
        assert g2.send(1) == B           # sent by vunetd to vm1
        cap.wait(30)
    finally:
        if cap.poll() is None:
            cap.kill()
            cap.wait()
    out.thread.join(5)
    assert cap.returncode == 0, out.text()
    assert "'net_null_vhost_vm1': %d/0" % (3 * B) in out.text(), out.text()
    frames = pcap_frames(pcap)
    assert sorted(frames) == sorted([(MAC[1], 64)] * (2 * B) + [(MAC[2], 64)] * B), frames
    wait_for(lambda: g1.rx() == B and g2.rx() == 2 * B, 10, "the traffic itself")
