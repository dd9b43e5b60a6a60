# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""vunet's libvirt qemu hook, called as libvirtd calls it (arguments and
the domain XML on stdin) against a real vunetd, for what the e2e libvirt
test cannot reach with one libvirtd: an incoming migration."""

import os
import re
import subprocess

from harness import ROOT, VUNETCTL

HOOK = os.path.join(ROOT, "contrib", "libvirt", "vunet-qemu-hook")


def domain(world, profile, name="vm1"):
    meta = subprocess.run([VUNETCTL, "profile", "libvirt", "latest", "--socket",
                           world.sock(name), "--mac", "52:54:00:00:0c:01", "--port", name,
                           "--bridge", "br0", "--vlan", "7"],
                          capture_output=True, text=True, check=True).stdout
    meta = re.sub(r"profile='[^']*'", "profile='%s'" % profile, meta[meta.index("<vunet:ports"):])
    return "<domain type='kvm'><name>%s</name><metadata>%s</metadata></domain>" % (name, meta)


def hook(world, d, xml, *args):
    conf = os.path.join(world.dir, "hook.conf")
    with open(conf, "w") as f:
        f.write("VUNETCTL=%s\nVUNET_CONTROL=%s\n" % (VUNETCTL, d.control))
    return subprocess.run([HOOK] + list(args), input=xml, capture_output=True, text=True,
                          env=dict(os.environ, VUNET_HOOK_CONF=conf), timeout=30)


def test_hook_makes_checks_and_removes_ports(world):
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": []}).start()
    good = domain(world, "org.vunet.net.v2")
    # an incoming migration of a VM made on a profile this host lacks
    r = hook(world, d, domain(world, "org.vunet.net.v0"), "vm1", "migrate", "begin", "-")
    assert r.returncode == 1
    assert r.stderr.strip() == (
        "vunet: domain vm1 was created on interface profile org.vunet.net.v0, which this "
        "host's vunetd does not serve (it serves org.vunet.net.v1, org.vunet.net.v2, "
        "org.vunet.net.v3): its NIC "
        "vm1 would not be the same device")
    # one it serves: accepted, and nothing made before prepare
    r = hook(world, d, good, "vm1", "migrate", "begin", "-")
    assert (r.returncode, r.stderr) == (0, "")
    assert d.ctl("port", "list") == []
    # prepare: the port, as the metadata says
    r = hook(world, d, good, "vm1", "prepare", "begin", "-")
    assert (r.returncode, r.stderr) == (0, "")
    conf = d.ctl("config", "show")
    assert conf["ports"] == [{"name": "vm1", "type": "vhost", "path": world.sock("vm1"),
                              "mode": "client", "profile": "org.vunet.net.v2",
                              "bridge": "br0", "vlan": 7,
                              "allowed_macs": ["52:54:00:00:0c:01"]}]
    # operations the hook does not handle leave it alone
    for op in (("started", "begin"), ("stopped", "end"), ("reconnect", "begin")):
        r = hook(world, d, good, "vm1", *op, "-")
        assert (r.returncode, r.stderr) == (0, "")
    assert len(d.ctl("port", "list")) == 1
    # release: gone; a second release finds nothing to do
    for _ in range(2):
        r = hook(world, d, good, "vm1", "release", "end", "-")
        assert (r.returncode, r.stderr) == (0, "")
        assert d.ctl("port", "list") == []
    # a domain that names another's port neither takes nor removes it
    r = hook(world, d, good, "vm1", "prepare", "begin", "-")
    assert (r.returncode, r.stderr) == (0, "")
    other = domain(world, "org.vunet.net.v2", name="vm2").replace("name='vm2'", "name='vm1'")
    r = hook(world, d, other, "vm2", "prepare", "begin", "-")
    assert r.returncode == 1
    assert r.stderr.strip() == ("vunet: domain vm2: vunetd has a port vm1 already, on %s "
                                "(another domain's?)" % world.sock("vm1"))
    r = hook(world, d, other, "vm2", "release", "end", "-")
    assert r.returncode == 0 and [p["name"] for p in d.ctl("port", "list")] == ["vm1"]
    hook(world, d, good, "vm1", "release", "end", "-")
    assert d.ctl("port", "list") == []
    # a domain without vunet metadata is none of its business
    r = hook(world, d, "<domain><name>x</name></domain>", "x", "prepare", "begin", "-")
    assert (r.returncode, r.stderr) == (0, "")


def test_hook_says_why_when_vunetd_is_away(world):
    d = world.vunetd({"ports": []})
    d.control = os.path.join(world.dir, "nobody.ctl")
    r = hook(world, d, domain(world, "org.vunet.net.v2"), "vm1", "prepare", "begin", "-")
    assert r.returncode == 1
    assert r.stderr.startswith("vunet: cannot ask vunetd for its profiles: "), r.stderr
