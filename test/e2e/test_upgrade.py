# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""The upgrade promise across releases: a VM on a port of vunetd built
from an older commit of this repository (one that already served its
profile) moves to vunetd built from HEAD and back, pinging all along.

The older vunetd is built from `git archive` of $VUNET_OLD_COMMIT into
build/old-COMMIT (about 5 s); a checkout without that commit (a shallow
clone) skips the test and says so. By hand:
  VUNET_OLD_COMMIT=9acad84 python3 -m pytest -s test/e2e/test_upgrade.py"""

import os
import subprocess

import pytest

from harness import ROOT
from test_migration import V2, boot_pair, move, two_hosts

# README, scripts/start: the saved state is what a restart runs (v1 and
# v2 served, before the relay and the socket directory)
OLD_COMMIT = os.environ.get("VUNET_OLD_COMMIT", "9acad84")


def build_old(commit):
    out = os.path.join(ROOT, "build", "old-" + commit)
    binary = os.path.join(out, "build", "app", "vunetd", "vunetd")
    if os.path.exists(binary):
        return binary
    r = subprocess.run(["git", "-C", ROOT, "cat-file", "-e", commit + "^{commit}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("this checkout has no commit %s (a shallow clone?): %s" % (
            commit, r.stderr.strip()))
    os.makedirs(out, exist_ok=True)
    subprocess.run("git -C %s archive %s | tar -x -C %s" % (ROOT, commit, out), shell=True,
                   check=True)
    subprocess.run(["meson", "setup", "build"], cwd=out, check=True, capture_output=True)
    subprocess.run(["ninja", "-C", "build", "app/vunetd/vunetd"], cwd=out, check=True,
                   capture_output=True)
    return binary


def test_migration_from_an_older_vunetd_to_head_and_back(world):
    old = build_old(OLD_COMMIT)
    a, b = two_hosts(world, V2, V2, a_binary=old)
    g1, g2 = boot_pair(world, a, b)
    print("host A: vunetd of %s, host B: vunetd of HEAD" % OLD_COMMIT)
    g1 = move(world, g1, g2, "vm1-on-head", world.sock("vm1-on-b"), a, "vm1", b, "vm1")
    move(world, g1, g2, "vm1-back-on-old", world.sock("vm1-back"), b, "vm1", a, "vm1back")
