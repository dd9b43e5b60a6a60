# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""libvirt end to end: a real libvirtd (started here, with vunet's qemu
hook installed first), domains whose XML comes from `vunetctl profile
libvirt`: the hook creates their vunetd ports when they start and removes
them when they stop, the guests ping each other through vunetd, and a
domain created on a profile this vunetd does not serve does not start."""

import grp
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from harness import ROOT, VUNETCTL, sh, wait_for

HOOK_SRC = os.path.join(ROOT, "contrib", "libvirt", "vunet-qemu-hook")
HOOK = "/etc/libvirt/hooks/qemu.d/vunet"
HOOK_CONF = "/etc/vunet/libvirt-hook.conf"
VIRSH = ["virsh", "-c", "qemu:///system"]

DOMAIN = """<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{name}</name>
  <metadata>
{metadata}  </metadata>
  <memory unit='MiB'>256</memory>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 vunetip={ip} vunetping={peer}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
{interface}    <serial type='file'><source path='{console}'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-global'/>
    <qemu:arg value='virtio-net-pci.vectors=0'/>
  </qemu:commandline>
{override}</domain>
"""


def part(text, start, end):
    a = text.index(start)
    return text[a:text.index(end, a) + len(end)] + "\n"


def domain_xml(name, sock, mac, ip, peer, files, profile="latest", port_profile=None):
    """The domain, with what vunetctl printed for its NIC put in place."""
    out = subprocess.run([VUNETCTL, "profile", "libvirt", profile, "--socket", sock, "--mac", mac,
                          "--port", name, "--bridge", "br0"], capture_output=True, text=True,
                         check=True).stdout
    metadata = part(out, "<vunet:ports", "</vunet:ports>")
    if port_profile:
        metadata = re.sub(r"profile='[^']*'", "profile='%s'" % port_profile, metadata)
    return DOMAIN.format(name=name, metadata=metadata, kernel=files["kernel"],
                         initrd=files["initrd"], ip=ip.replace(".", "_"),
                         peer=peer.replace(".", "_"),
                         interface=part(out, "<interface", "</interface>"),
                         override=part(out, "<qemu:override>", "</qemu:override>"),
                         console=os.path.join(files["dir"], name + ".console"))


def virsh(*args, check=True):
    r = subprocess.run(VIRSH + list(args), capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError("virsh %s: %s" % (" ".join(args), r.stderr))
    return r


class Libvirt:
    """libvirtd and virtlogd started by hand (no systemd here), with the
    hook in place before libvirtd starts, as libvirt requires."""

    def __init__(self, control):
        self.saved = {}
        for path in (HOOK, HOOK_CONF):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    self.saved[path] = f.read()
        os.makedirs(os.path.dirname(HOOK), exist_ok=True)
        os.makedirs(os.path.dirname(HOOK_CONF), exist_ok=True)
        shutil.copy(HOOK_SRC, HOOK)
        os.chmod(HOOK, 0o755)
        with open(HOOK_CONF, "w") as f:
            f.write("VUNETCTL=%s\nVUNET_CONTROL=%s\n" % (VUNETCTL, control))
        sh("pkill -x libvirtd", check=False)   # it reads its hooks at start
        wait_for(lambda: sh("pgrep -x libvirtd", check=False).returncode != 0, 10, "libvirtd")
        self.own_virtlogd = sh("pgrep -x virtlogd", check=False).returncode != 0
        if self.own_virtlogd:
            sh("virtlogd -d")
        sh("libvirtd -d")
        wait_for(lambda: virsh("version", check=False).returncode == 0, 30, "libvirtd")

    def close(self):
        for name in virsh("list", "--all", "--name", check=False).stdout.split():
            if name.startswith("vunet-e2e-"):
                virsh("destroy", name, check=False)
                virsh("undefine", name, check=False)
        sh("pkill -x libvirtd", check=False)
        if self.own_virtlogd:
            sh("pkill -x virtlogd", check=False)
        for path in (HOOK, HOOK_CONF):
            if path in self.saved:
                with open(path, "wb") as f:
                    f.write(self.saved[path])
            elif os.path.exists(path):
                os.unlink(path)


@pytest.fixture
def libvirt_files(guest_kernel):
    """What QEMU, as libvirt-qemu, must reach: the guest's kernel and
    initramfs, and a socket directory it may create sockets in (group
    kvm, 0770; vunetd refuses one that others may write to)."""
    top = tempfile.mkdtemp(prefix="vunet-libvirt-")
    os.chmod(top, 0o755)
    socks = os.path.join(top, "sockets")
    os.mkdir(socks)
    os.chown(socks, 0, grp.getgrnam("kvm").gr_gid)
    os.chmod(socks, 0o770)
    files = {"dir": top, "sockets": socks}
    for key, src in zip(("kernel", "initrd"), guest_kernel):
        files[key] = os.path.join(top, os.path.basename(src))
        shutil.copy(src, files[key])
        os.chmod(files[key], 0o644)
    yield files
    shutil.rmtree(top, ignore_errors=True)


def console(files, name):
    try:
        with open(os.path.join(files["dir"], name + ".console"), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def test_libvirt_domains_on_vunetd_through_the_hook(world, libvirt_files):
    files = libvirt_files
    d = world.vunetd({"bridges": [{"name": "br0"}], "ports": []},
                     extra_args=["--socket-dir", files["sockets"]]).start()
    lv = Libvirt(d.control)
    try:
        doms = {"vunet-e2e-vm1": ("52:54:00:e2:01:01", "10.0.60.1", "10.0.60.2"),
                "vunet-e2e-vm2": ("52:54:00:e2:01:02", "10.0.60.2", "10.0.60.1")}
        for name, (mac, ip, peer) in doms.items():
            path = os.path.join(files["dir"], name + ".xml")
            with open(path, "w") as f:
                f.write(domain_xml(name, os.path.join(files["sockets"], name + ".sock"), mac,
                                   ip, peer, files))
            r = subprocess.run(["virt-xml-validate", path, "domain"], capture_output=True,
                               text=True)
            assert r.returncode == 0, r.stdout + r.stderr
            virsh("define", path)
        t0 = time.monotonic()
        for name in doms:
            virsh("start", name)
        # the hook made each domain's port, client of QEMU's socket
        ports = {p["name"]: p for p in d.ctl("port", "list")}
        assert set(ports) == set(doms)
        d.wait_up(*doms, timeout=60)
        for name in doms:
            wait_for(lambda: "vunet-guest: pinged" in console(files, name), 180,
                     "%s to ping its peer" % name, interval=0.5)
            m = re.search(r"(\d+) packets transmitted, (\d+) packets received",
                          console(files, name))
            assert m and m.groups() == ("10", "10"), console(files, name)[-2000:]
        print("two libvirt domains started and pinged 10/10 each in %.1f s" % (
            time.monotonic() - t0))
        macs = {m["mac"]: m["port"] for m in d.ctl("mac", "show", "br0")}
        assert {macs.get(mac) for mac, _, _ in doms.values()} == set(doms)

        # destroyed: the hook removed their ports
        for name in doms:
            virsh("destroy", name)
        wait_for(lambda: d.ctl("port", "list") == [], 10, "ports removed by the hook")

        # created on a profile this vunetd does not serve: does not start
        bad = "vunet-e2e-vm3"
        path = os.path.join(files["dir"], bad + ".xml")
        with open(path, "w") as f:
            f.write(domain_xml(bad, os.path.join(files["sockets"], bad + ".sock"),
                               "52:54:00:e2:01:03", "10.0.60.3", "10.0.60.1", files,
                               port_profile="org.vunet.net.v9"))
        virsh("define", path)
        r = virsh("start", bad, check=False)
        assert r.returncode != 0
        print("refused start: %s" % r.stderr.strip())
        assert ("vunet: domain %s was created on interface profile org.vunet.net.v9, which "
                "this host's vunetd does not serve" % bad) in r.stderr
        assert virsh("domstate", bad).stdout.strip() == "shut off"
        assert d.ctl("port", "list") == []
    finally:
        lv.close()
