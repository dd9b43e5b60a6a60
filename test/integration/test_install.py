# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""`meson install` puts a service on the host: binaries, the systemd unit
(clean under systemd-analyze verify), its group, the configuration, the
libvirt hook and man pages."""

import os
import subprocess

from harness import ROOT

FILES = ["etc/vunet/vunetd.json", "etc/libvirt/hooks/qemu.d/vunet",
         "lib/systemd/system/vunetd.service", "usr/lib/sysusers.d/vunet.conf",
         "usr/local/bin/vunetd", "usr/local/bin/vunetctl",
         "usr/local/share/man/man8/vunetd.8", "usr/local/share/man/man8/vunetctl.8"]


def test_meson_install_ships_a_service(tmp_path):
    dest = str(tmp_path / "root")
    r = subprocess.run(["meson", "install", "-C", os.path.join(ROOT, "build"), "--destdir", dest,
                        "--no-rebuild", "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    for f in FILES:
        assert os.path.isfile(os.path.join(dest, f)), f
    assert os.access(os.path.join(dest, "etc/libvirt/hooks/qemu.d/vunet"), os.X_OK)
    unit = open(os.path.join(dest, "lib/systemd/system/vunetd.service")).read()
    assert "ExecStart=/usr/local/bin/vunetd --socket-group kvm --control-group vunet\n" in unit
    # verify checks the command and the man pages exist: point it at ours
    test_unit = tmp_path / "vunetd.service"
    test_unit.write_text(unit.replace("ExecStart=/usr/local/bin/",
                                      "ExecStart=%s/usr/local/bin/" % dest))
    r = subprocess.run(["systemd-analyze", "verify", str(test_unit)], capture_output=True,
                       text=True, env=dict(os.environ, MANPATH=dest + "/usr/local/share/man"))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    # the man pages render without a warning
    for page in ("vunetd.8", "vunetctl.8"):
        r = subprocess.run(["man", "--warnings", "-l",
                            os.path.join(dest, "usr/local/share/man/man8", page)],
                           capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80"))
        assert r.returncode == 0 and r.stderr == "" and "SYNOPSIS" in r.stdout, r.stderr
