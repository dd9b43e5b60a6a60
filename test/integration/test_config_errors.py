# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""vunetd refuses a bad configuration with one clear line and touches
nothing: no socket, no DPDK runtime directory."""

import os

import pytest


CASES = [
    ('{"ports": [ {"name": "a", "type": "vhost" ] }',
     ": line 1 column 43: '}' expected near ']'"),
    ('{"bridges": [{"name": "br0"}], "ports": [{"name": "a", "type": "vhost",'
     ' "path": "@SOCK", "bridge": "br0", "vlan": 5000}]}',
     ": ports[0].vlan: 5000 is out of range 1..4094"),
    ('{"bridges": [{"name": "br0"}], "ports": [{"name": "a", "type": "vhost",'
     ' "path": "@SOCK", "bridge": "br0", "trunk": [10, "30-20"]}]}',
     ": ports[0].trunk[1]: VLANs are 1 to 4094, and a range runs upward"),
    ('{"bridges": [{"name": "br0"}], "ports": [{"name": "a", "type": "vhost",'
     ' "path": "@SOCK", "bridge": "br0", "trunk": [10, "20-"]}]}',
     ': ports[0].trunk[1]: must be a VLAN number or a range "A-B"'),
    ('{"bridges": [{"name": "br0"}], "ports": [{"name": "a", "type": "vhost",'
     ' "path": "@SOCK", "bridge": "br0", "trunk": []}]}',
     ': ports[0].trunk: must list the VLANs the port carries tagged, as numbers and "A-B" '
     'ranges'),
    ('{"bridges": [{"name": "br0"}], "ports": [{"name": "a", "type": "vhost",'
     ' "path": "@SOCK", "bridge": "br0", "trunk": [10], "vlan": 10}]}',
     ": ports[0].vlan: a trunk port has no access VLAN; its untagged frames belong to "
     "native_vlan"),
    ('{"bridges": [{"name": "br0"}], "ports": [{"name": "a", "type": "vhost",'
     ' "path": "@SOCK", "bridge": "br0", "native_vlan": 10}]}',
     ": ports[0].native_vlan: only a trunk port has a native VLAN"),
    ('{"ports": [{"name": "a", "type": "vhost", "path": "@SOCK", "trunk": [10]}]}',
     ": ports[0].trunk: a VLAN needs a bridge"),
    ('{"ports": [{"name": "a", "type": "vhost", "path": "@SOCK", "bridge": "br7"}]}',
     ": ports[0].bridge: no bridge is named 'br7'"),
    ('{"ports": [{"name": "a", "type": "vhost", "path": "@SOCK", "queue": 2}]}',
     ": ports[0].queue: unknown field"),
    ('{"ports": [{"name": "a", "type": "vhost", "path": "@SOCK", "socket_group": "kvm"}]}',
     ': ports[0].socket_group: only for mode "server": in client mode QEMU makes the socket'),
    ('{"ports": [{"name": "a", "type": "vhost", "path": "@SOCK", "mode": "server",'
     ' "socket_mode": "0666"}]}',
     ": ports[0].socket_mode: '0666' must be an octal mode from 0600 to 0770 (read-write for "
     "vunetd's user, nothing for others), e.g. \"0660\""),
]


@pytest.mark.parametrize("text,message", CASES)
def test_broken_config_fails_with_the_error(world, text, message):
    sock = world.sock("a")
    d = world.vunetd(text.replace("@SOCK", sock))
    code, out = d.run_to_exit()
    assert code == 2
    assert out.strip() == "vunetd: " + d.config_path + message
    assert not os.path.exists(sock)
    assert not os.path.exists("/var/run/dpdk/" + d.prefix)


def test_missing_config_file(world):
    d = world.vunetd("{}")
    os.unlink(d.config_path)
    code, out = d.run_to_exit()
    assert code == 2
    assert out.strip() == "vunetd: %s: cannot open: No such file or directory" % d.config_path


def test_port_that_cannot_be_created_stops_start_up_and_cleans_up(world):
    sock = world.sock("vm1")
    d = world.vunetd({"ports": [{"name": "vm1", "type": "vhost", "path": sock, "mode": "server"},
                                {"name": "nic", "type": "eth",
                                 "devargs": "net_af_packet9,iface=vunet-none0"}]})
    code, out = d.run_to_exit()
    assert code == 1
    assert "ports[1] 'nic': cannot probe device 'net_af_packet9,iface=vunet-none0'" in out
    # the port created before it was closed again
    assert not os.path.exists(sock)


def test_check_config_validates_without_starting(world):
    d = world.vunetd({"bridges": [{"name": "br0"}],
                      "ports": [{"name": "a", "type": "vhost", "path": world.sock("a"),
                                 "bridge": "br0"}]},
                     extra_args=["--check-config"])
    code, out = d.run_to_exit()
    assert code == 0
    assert out.strip() == "%s: valid: 1 bridge(s), 1 port(s), 0 cross-connect(s)" % d.config_path


def test_sockets_outside_the_socket_directory_are_refused(world):
    """A port's socket is a file directly in --socket-dir: not in a
    folder below it, not anywhere else."""
    sock = os.path.join(world.dir, "sub", "vm1.sock")
    d = world.vunetd({"ports": [{"name": "vm1", "type": "vhost", "path": sock,
                                 "mode": "server"}]})
    code, out = d.run_to_exit()
    assert code == 1
    assert ("ports[0] 'vm1': %s is not a socket in the socket directory %s (vunetd --socket-dir)"
            % (sock, world.dir)) in out


def test_socket_directory_must_be_safe(world):
    """A socket directory anyone may write to, or a link in its place, is
    refused before anything starts."""
    loose = os.path.join(world.dir, "loose")
    os.mkdir(loose)
    os.chmod(loose, 0o777)
    d = world.vunetd({}, extra_args=["--socket-dir", loose])
    code, out = d.run_to_exit()
    assert code == 2
    assert ("vunetd: socket directory %s: must belong to root or to vunetd's user and not be "
            "writable by others" % loose) in out
    link = os.path.join(world.dir, "link")
    os.symlink(loose, link)
    d = world.vunetd({}, name="second", extra_args=["--socket-dir", link])
    code, out = d.run_to_exit()
    assert code == 2
    assert "vunetd: socket directory %s: not a directory (a link is not taken)" % link in out
