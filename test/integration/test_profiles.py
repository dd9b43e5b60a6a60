# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Interface profiles on the wire: each vhost port offers exactly its
profile, a guest negotiates exactly the profile's share of what it asks
for, the caps are enforced with a logged reason, and the offer is the
same after a restart."""

import json
import re
import os
import shutil
import subprocess
import time

import pytest

from harness import (Guest, ROOT, TESTPMD, VUNETD, VhostUserProbe, unique, wait_for)

B = Guest.BURST
MAC1, MAC2 = "52:54:00:00:04:01", "52:54:00:00:04:02"
PROFILES_DIR = os.path.join(ROOT, "lib", "profile", "released")
# a guest that asks for everything virtio_user can do
ASK_ALL = ",cq=1,packed_vq=1,mrg_rxbuf=1,in_order=1"


def load_profile(name):
    with open(os.path.join(PROFILES_DIR, name + ".json")) as f:
        return json.load(f)


def bits(names, table):
    return sum(1 << table[n] for n in names)


VIRTIO = {"VIRTIO_NET_F_CSUM": 0, "VIRTIO_NET_F_GUEST_CSUM": 1, "VIRTIO_NET_F_GUEST_TSO4": 7,
          "VIRTIO_NET_F_GUEST_TSO6": 8, "VIRTIO_NET_F_HOST_TSO4": 11, "VIRTIO_NET_F_HOST_TSO6": 12,
          "VIRTIO_NET_F_MTU": 3, "VIRTIO_NET_F_MRG_RXBUF": 15, "VIRTIO_NET_F_CTRL_VQ": 17,
          "VIRTIO_NET_F_CTRL_RX": 18, "VIRTIO_NET_F_GUEST_ANNOUNCE": 21, "VIRTIO_NET_F_MQ": 22,
          "VHOST_F_LOG_ALL": 26, "VIRTIO_F_ANY_LAYOUT": 27, "VIRTIO_RING_F_INDIRECT_DESC": 28,
          "VIRTIO_RING_F_EVENT_IDX": 29, "VHOST_USER_F_PROTOCOL_FEATURES": 30,
          "VIRTIO_F_VERSION_1": 32, "VIRTIO_F_RING_PACKED": 34, "VIRTIO_F_IN_ORDER": 35}
PROTOCOL = {"VHOST_USER_PROTOCOL_F_MQ": 0, "VHOST_USER_PROTOCOL_F_LOG_SHMFD": 1,
            "VHOST_USER_PROTOCOL_F_RARP": 2, "VHOST_USER_PROTOCOL_F_REPLY_ACK": 3,
            "VHOST_USER_PROTOCOL_F_NET_MTU": 4, "VHOST_USER_PROTOCOL_F_STATUS": 16}


def profile_masks(name):
    p = load_profile(name)
    return bits(p["virtio_features"], VIRTIO), bits(p["protocol_features"], PROTOCOL)


SHIPPED = sorted(f[:-5] for f in os.listdir(PROFILES_DIR) if f.endswith(".json"))


@pytest.fixture(scope="module")
def guest_asks(tmp_path_factory):
    """What the test guest negotiates with a back-end that offers all of
    rte_vhost's defaults: dpdk-testpmd's net_vhost, in the same run."""
    d = str(tmp_path_factory.mktemp("calibrate"))
    sock = os.path.join(d, "host.sock")
    host = subprocess.Popen(
        ["stdbuf", "-oL", TESTPMD, "--lcores", "0@0,1@0", "--no-pci", "--in-memory",
         "--file-prefix", unique("cal"), "--vdev", "net_vhost0,iface=%s,queues=2" % sock,
         "--log-level=vhost.config,info", "--", "-i"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    from harness import Output
    out = Output(host.stdout, os.path.join(d, "host.log"))
    g = Guest(d, sock, MAC1, queues=2, devargs=ASK_ALL)
    try:
        wait_for(lambda: "testpmd>" in out.text(), 60, "the reference back-end")
        g.start()
        wait_for(lambda: "negotiated Virtio features" in out.text(), 20, "negotiation")
        time.sleep(0.5)
    finally:
        # neither process may outlive the fixture, whatever failed
        g.stop()
        g.kill()
        if host.poll() is None:
            host.stdin.write(b"quit\n")
            host.stdin.flush()
            try:
                host.wait(20)
            except subprocess.TimeoutExpired:
                host.kill()
                host.wait()
    text = out.text()
    feat = int(text.split("negotiated Virtio features: ")[1].split()[0], 16)
    proto = int(text.split("negotiated Vhost-user protocol features: ")[1].split()[0], 16)
    return feat, proto


def vhost(world, name, profile=None, mode="server"):
    p = {"name": name, "type": "vhost", "path": world.sock(name), "mode": mode}
    if profile:
        p["profile"] = profile
    return p


@pytest.mark.parametrize("profile", SHIPPED)
def test_port_offers_exactly_its_profile(world, profile):
    feat, proto = profile_masks(profile)
    d = world.vunetd({"ports": [vhost(world, "vm1", profile)]}).start()
    probe = VhostUserProbe(world.sock("vm1"))
    offer = probe.offer()
    probe.close()
    assert offer == {"features": feat, "protocol_features": proto,
                     "queue_num": load_profile(profile)["max_queue_pairs"]}


@pytest.mark.parametrize("profile", SHIPPED)
def test_guest_negotiates_exactly_the_profile(world, guest_asks, profile):
    feat, proto = profile_masks(profile)
    asks_feat, asks_proto = guest_asks
    d = world.vunetd({"ports": [vhost(world, "vm1", profile), vhost(world, "vm2", profile)],
                      "xconnects": [{"a": "vm1", "b": "vm2"}]}).start()
    g1 = world.guest(world.sock("vm1"), MAC1, peer=MAC2, queues=2, devargs=ASK_ALL).start()
    g2 = world.guest(world.sock("vm2"), MAC2, peer=MAC1, queues=2, devargs=ASK_ALL).start()
    d.wait_up("vm1", "vm2")
    p = d.port("vm1")
    assert p["profile"] == profile
    # everything the guest asked for that the profile has, nothing else
    assert hex(p["features"]) == hex(feat & asks_feat)
    assert hex(p["protocol_features"]) == hex(proto & asks_proto)
    assert g1.send(2) == 2 * 2 * B
    wait_for(lambda: g2.rx() == 4 * B, 10, "traffic")


def test_profiles_differ_where_they_should(guest_asks):
    """v2 is a real upgrade of v1 for this guest: packed ring, in order."""
    asks_feat, _ = guest_asks
    v1, _ = profile_masks("org.vunet.net.v1")
    v2, _ = profile_masks("org.vunet.net.v2")
    gained = (v2 & asks_feat) & ~(v1 & asks_feat)
    assert gained == (1 << 34) | (1 << 35)
    # v3 over v2: the six offload bits, and nothing else (this guest asks
    # for none; test/e2e/test_offloads.py's Linux guests take them)
    v3, p3 = profile_masks("org.vunet.net.v3")
    assert v3 & ~v2 == sum(1 << b for b in (0, 1, 7, 8, 11, 12)) and not v2 & ~v3
    assert p3 == profile_masks("org.vunet.net.v2")[1]


def test_port_without_a_profile_gets_the_latest_and_says_so(world):
    d = world.vunetd({"ports": [vhost(world, "vm1")]}).start()
    latest = SHIPPED[-1]
    assert ("port vm1: listening on %s, profile %s (none was given: the latest)"
            % (world.sock("vm1"), latest)) in d.out.text()
    assert d.port("vm1")["profile"] == latest


def test_more_queues_than_the_cap_are_refused(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [dict(vhost(world, "vm1", "org.vunet.net.v1"), bridge="br0"),
                                dict(vhost(world, "vm2", "org.vunet.net.v1"), bridge="br0")]}
                     ).start()
    g2 = world.guest(world.sock("vm2"), MAC2, peer="ff:ff:ff:ff:ff:ff").start()
    d.wait_up("vm2")
    greedy = world.guest(world.sock("vm1"), MAC1, queues=5, devargs=",cq=1")
    with pytest.raises(AssertionError):
        greedy.start()
    wait_for(lambda: "port vm1: refused: the guest uses queue pair 5, profile "
             "org.vunet.net.v1 allows 4" in d.out.text(), 10, "the logged reason")
    greedy.kill()
    # within the cap it works, and the other port never noticed
    g1 = world.guest(world.sock("vm1"), MAC1, queues=4, devargs=",cq=1").start()
    d.wait_up("vm1")
    assert g2.send(1) == B
    wait_for(lambda: g1.rx() == B, 10, "traffic within the cap")


def test_ring_above_the_cap_is_refused(world):
    d = world.vunetd({"ports": [vhost(world, "vm1", "org.vunet.net.v1")]}).start()
    g = world.guest(world.sock("vm1"), MAC1, queue_size=512)
    try:
        g.start()
    except AssertionError:
        pass    # testpmd may exit, or stay with its port down
    wait_for(lambda: "port vm1: refused: ring size 512 on vring 0, profile "
             "org.vunet.net.v1 allows 256" in d.out.text(), 10, "the logged reason")
    assert d.port("vm1")["state"] == "down"
    g.kill()
    ok = world.guest(world.sock("vm1"), MAC1, queue_size=256).start()
    d.wait_up("vm1")


def test_restarted_port_offers_the_identical_set(world):
    cfg = {"ports": [vhost(world, "vm1", "org.vunet.net.v1")]}
    d = world.vunetd(cfg).start()
    probe = VhostUserProbe(world.sock("vm1"))
    before = probe.offer()
    probe.close()
    d.stop()
    d2 = world.vunetd(cfg, name="vunetd2").start()
    probe = VhostUserProbe(world.sock("vm1"))
    after = probe.offer()
    probe.close()
    assert before == after
    assert before["features"] == profile_masks("org.vunet.net.v1")[0]


def test_print_capabilities_has_every_profile_verbatim():
    out = subprocess.run([VUNETD, "--print-capabilities", "--no-such-option"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    caps = json.loads(out.stdout)
    assert caps["type"] == "net"
    assert caps["latest_profile"] == SHIPPED[-1]
    assert sorted(caps["profiles"]) == SHIPPED
    for name in SHIPPED:
        assert caps["profiles"][name] == load_profile(name)


def test_socket_path_mode_serves_one_port_on_a_profile(world):
    sock = world.sock("one")
    d = world.vunetd("{}", extra_args=["--socket-path", sock, "--profile", "org.vunet.net.v1"])
    d.args.remove("-c")
    d.args.remove(d.config_path)
    d.start()
    probe = VhostUserProbe(sock)
    assert probe.offer()["features"] == profile_masks("org.vunet.net.v1")[0]
    probe.close()
    assert d.port("vm0")["profile"] == "org.vunet.net.v1"


def test_unknown_profile_in_config_is_refused_before_anything(world):
    sock = world.sock("vm1")
    d = world.vunetd({"ports": [vhost(world, "vm1", "org.vunet.net.v99")]})
    code, out = d.run_to_exit()
    assert code == 2
    assert out.strip() == ("vunetd: %s: ports[0].profile: this vunetd has no profile "
                           "'org.vunet.net.v99' (it has %s)" % (d.config_path, ", ".join(SHIPPED)))
    assert not os.path.exists(sock)


VUNETCTL = os.path.join(os.path.dirname(VUNETD), "..", "vunetctl", "vunetctl")


def vunetctl(*args):
    return subprocess.run([VUNETCTL] + list(args), capture_output=True, text=True, timeout=10)


def test_vunetctl_checks_a_move_between_two_hosts(tmp_path):
    caps = json.loads(subprocess.run([VUNETD, "--print-capabilities"], capture_output=True,
                                     text=True, timeout=10).stdout)
    here = tmp_path / "here.json"
    here.write_text(json.dumps(caps))
    older = dict(caps, vunet_version="0.0.9", latest_profile="org.vunet.net.v1",
                 profiles={"org.vunet.net.v1": caps["profiles"]["org.vunet.net.v1"]})
    old = tmp_path / "old.json"
    old.write_text(json.dumps(older))
    r = vunetctl("profile", "check", str(old), str(here), "org.vunet.net.v1")
    assert (r.returncode, r.stdout) == (0, "yes: org.vunet.net.v1 is the same device on the "
                                          "source (vunet 0.0.9) and the destination (vunet "
                                          "0.1.0)\n")
    r = vunetctl("profile", "check", str(here), str(old), "org.vunet.net.v2")
    assert (r.returncode, r.stdout) == (1, "no: the destination (vunet 0.0.9) does not serve "
                                          "org.vunet.net.v2; it serves: org.vunet.net.v1\n")
    r = vunetctl("profile", "check", str(here), str(tmp_path / "missing.json"), "org.vunet.net.v1")
    assert r.returncode == 2


def test_fd_mode_relays_messages_and_descriptors(world):
    import socket as pysocket
    import struct
    ours, theirs = pysocket.socketpair(pysocket.AF_UNIX, pysocket.SOCK_STREAM)
    d = world.vunetd("{}", extra_args=["--fd", str(theirs.fileno()),
                                       "--profile", "org.vunet.net.v1"])
    d.args.remove("-c")
    d.args.remove(d.config_path)
    d.proc = subprocess.Popen(d.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, pass_fds=[theirs.fileno()])
    theirs.close()
    from harness import Output
    d.out = Output(d.proc.stdout, d.log_path)
    wait_for(lambda: "vunetd: ready" in d.out.text(), 30, "vunetd")
    probe = VhostUserProbe(sock=ours)
    assert probe.offer()["features"] == profile_masks("org.vunet.net.v1")[0]
    # a descriptor crosses the relay: SET_VRING_CALL needs its eventfd
    probe.send(16, payload=struct.pack("<Q", 1 << 3))   # SET_PROTOCOL_FEATURES: REPLY_ACK
    efd = os.eventfd(0)
    probe.send(13, flags=1 | 0x8, payload=struct.pack("<Q", 0), fds=[efd])
    assert probe.reply(13) == 0     # 0: accepted, the fd arrived
    probe.send(13, flags=1 | 0x8, payload=struct.pack("<Q", 0))
    assert probe.reply(13) == 1     # 1: refused, no fd
    os.close(efd)
    # the front-end leaves: vunetd stops by itself and cleans up
    probe.close()
    d.expect_exit = True
    assert d.proc.wait(20) == 0
    d.out.thread.join(5)
    m = re.search(r"(/tmp/vunetd-fd-\w+)/vm0.sock", d.out.text())
    assert m and not os.path.exists(m.group(1))


def test_fd_must_be_a_connected_socket(world):
    r = subprocess.run([VUNETD, "--fd", "0"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert r.stderr == "vunetd: --fd 0 is not a connected unix stream socket\n"
