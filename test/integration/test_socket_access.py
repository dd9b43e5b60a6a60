# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Who may connect to a vhost server socket: vunetd's user by default; a
group (per port, or vunetd --socket-group) so that a QEMU running as
another user (libvirt-qemu) can; never others."""

import grp
import os
import shutil
import subprocess
import tempfile

import pytest

from harness import wait_for

GROUP = "daemon"   # in every Debian base system; stands in for kvm


def connect_as(uid, gid, path):
    """Connects to path as uid:gid with no other group; the errno name."""
    code = ("import socket,errno\ns=socket.socket(socket.AF_UNIX)\n"
            "try:\n s.connect(%r); print('ok')\n"
            "except OSError as e: print(errno.errorcode[e.errno])\n" % path)
    r = subprocess.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups",
                        "/usr/bin/python3", "-c", code], capture_output=True, text=True)
    return r.stdout.strip() or r.stderr


@pytest.fixture
def shared_dir():
    """A socket directory others may enter (the tests' own are 0700)."""
    d = tempfile.mkdtemp(prefix="vunet-sock-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_server_sockets_get_group_and_mode(world, shared_dir):
    gid = grp.getgrnam(GROUP).gr_gid
    path = {n: os.path.join(shared_dir, n + ".sock") for n in ("own", "grp", "strict", "dflt")}
    d = world.vunetd({"ports": [
        {"name": "own", "type": "vhost", "mode": "server", "path": path["own"],
         "socket_group": "root"},
        {"name": "grp", "type": "vhost", "mode": "server", "path": path["grp"],
         "socket_group": GROUP},
        {"name": "strict", "type": "vhost", "mode": "server", "path": path["strict"],
         "socket_mode": "0600"},
        {"name": "dflt", "type": "vhost", "mode": "server", "path": path["dflt"]}]},
        extra_args=["--socket-dir", shared_dir, "--socket-group", GROUP]).start()
    st = {n: os.stat(p) for n, p in path.items()}
    assert {n: (s.st_mode & 0o7777, s.st_gid) for n, s in st.items()} == {
        "own": (0o660, 0), "grp": (0o660, gid), "strict": (0o600, gid), "dflt": (0o660, gid)}
    # a user of that group (no other) gets in where the group may, only there
    nobody = 65534
    assert connect_as(nobody, gid, path["grp"]) == "ok"
    assert connect_as(nobody, gid, path["dflt"]) == "ok"
    assert connect_as(nobody, gid, path["strict"]) == "EACCES"
    assert connect_as(nobody, nobody, path["grp"]) == "EACCES"
    # the same through the control socket, kept in the state file
    d.ctl("port", "add", "late", "type=vhost", "mode=server", "path=" + os.path.join(
        shared_dir, "late.sock"), "socket_mode=0640")
    late = os.stat(os.path.join(shared_dir, "late.sock"))
    assert (late.st_mode & 0o7777, late.st_gid) == (0o640, gid)
    r = d.ctl("port", "add", "bad", "type=vhost", "mode=server", "path=" + os.path.join(
        shared_dir, "bad.sock"), "socket_group=no-such-group", check=False)
    assert r.returncode == 1
    assert "socket group 'no-such-group': no such group" in r.stderr
    assert not os.path.exists(os.path.join(shared_dir, "bad.sock"))


def test_default_sockets_are_vunetd_users_only(world, shared_dir):
    path = os.path.join(shared_dir, "vm.sock")
    world.vunetd({"ports": [{"name": "vm", "type": "vhost", "mode": "server", "path": path}]},
                 extra_args=["--socket-dir", shared_dir]).start()
    st = os.stat(path)
    assert (st.st_mode & 0o7777, st.st_gid) == (0o600, os.getegid())
    assert connect_as(65534, 65534, path) == "EACCES"


def test_unknown_default_group_is_refused(world):
    d = world.vunetd({"ports": []}, extra_args=["--socket-group", "no-such-group"])
    code, out = d.run_to_exit()
    assert (code, out.strip().splitlines()[-1]) == (
        1, "vunetd: socket group 'no-such-group': no such group")


def as_user(uid, gid, code):
    """Runs python code as uid:gid (no other group); what it printed."""
    r = subprocess.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups",
                        "/usr/bin/python3", "-c", "import errno, os, socket\n" + code],
                       capture_output=True, text=True, timeout=30)
    return r.stdout.strip() or r.stderr


def try_as(uid, gid, action):
    """action on paths as uid:gid: 'ok' or the errno name."""
    return as_user(uid, gid, "try:\n %s\n print('ok')\n"
                   "except OSError as e:\n print(errno.errorcode[e.errno])" % action)


def test_no_tenant_removes_or_replaces_another_ones_socket(world):
    """Two QEMUs of two tenants (uids 61001 and 61002) share the socket
    folder through its group (0770, as the service makes it). vunetd makes
    it sticky: neither tenant can remove or replace the other's socket,
    vunetd's server sockets or the control socket (bd01cff: any member
    could unlink them and put its own in their place); each still removes
    its own."""
    gid = grp.getgrnam(GROUP).gr_gid
    a, b = 61001, 61002
    d = tempfile.mkdtemp(prefix="vunet-shared-")
    try:
        os.chown(d, 0, gid)
        os.chmod(d, 0o770)
        # tenant B's QEMU listens for its client-mode port
        qemu_b = subprocess.Popen(
            ["setpriv", "--reuid=%d" % b, "--regid=%d" % gid, "--clear-groups",
             "/usr/bin/python3", "-c",
             "import socket,time\ns=socket.socket(socket.AF_UNIX)\ns.bind(%r)\n"
             "s.listen(1)\nc=s.accept()\ntime.sleep(60)\n" % os.path.join(d, "b.sock")])
        try:
            wait_for(lambda: os.path.exists(os.path.join(d, "b.sock")), 5, "B's socket")
            ctl = os.path.join(d, "vunet.sock")
            vd = world.vunetd({"bridges": [{"name": "br0"}], "ports": [
                {"name": "vm_a", "type": "vhost", "mode": "server",
                 "path": os.path.join(d, "a.sock"), "bridge": "br0"},
                {"name": "vm_b", "type": "vhost", "mode": "client",
                 "path": os.path.join(d, "b.sock"), "bridge": "br0"}]},
                extra_args=["--socket-dir", d, "--socket-group", GROUP,
                            "--control", ctl, "--control-group", GROUP])
            vd.control = ctl
            vd.start()
            st = os.stat(d)
            assert st.st_mode & 0o7777 == 0o1770, oct(st.st_mode)
            assert "made sticky (mode 1770)" in vd.out.text()
            cs = os.stat(ctl)
            assert (cs.st_mode & 0o7777, cs.st_gid) == (0o660, gid)
            wait_for(lambda: vd.port("vm_b")["frontend"]["connected"], 10, "vm_b's front-end")
            own_a = os.path.join(d, "mine")
            assert try_as(a, gid, "open(%r, 'w').close()" % own_a) == "ok"
            for target in ("a.sock", "b.sock", "vunet.sock"):
                path = os.path.join(d, target)
                assert try_as(a, gid, "os.unlink(%r)" % path) == "EPERM", target
                assert try_as(a, gid, "os.rename(%r, %r)" % (own_a, path)) == "EPERM", target
                assert os.path.exists(path)
            assert try_as(b, gid, "os.unlink(%r)" % own_a) == "EPERM"
            # everyone keeps their own: B removes its socket, A its file
            assert try_as(b, gid, "os.unlink(%r)" % os.path.join(d, "b.sock")) == "ok"
            assert try_as(a, gid, "os.unlink(%r)" % own_a) == "ok"
            assert vd.ctl("port", "list")
            vd.stop()
            assert not os.path.exists(ctl) and not os.path.exists(os.path.join(d, "a.sock"))
        finally:
            qemu_b.kill()
            qemu_b.wait()
    finally:
        shutil.rmtree(d, ignore_errors=True)
