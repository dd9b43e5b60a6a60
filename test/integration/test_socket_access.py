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
