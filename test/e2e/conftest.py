# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""End-to-end fixtures: the integration tests' world (vunetd, veths,
namespaces) plus Linux guests under QEMU. A failed test carries the tail
of every guest console and vunetd log in its report."""

import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))
import harness  # noqa: E402
import guest_image  # noqa: E402
import qemu_guest  # noqa: E402


def pytest_configure(config):
    if os.geteuid() != 0:
        pytest.exit("e2e tests need root (QEMU, namespaces)", returncode=2)
    if not os.path.exists(harness.VUNETD):
        pytest.exit("no %s: build first (scripts/setup.sh)" % harness.VUNETD, returncode=2)


class E2EWorld(harness.World):
    def __init__(self, workdir):
        super().__init__(workdir)
        self.qemus = []

    def qemu(self, name, sock, mac, **kw):
        g = qemu_guest.QemuGuest(self.dir, name, sock, mac, **kw)
        self.qemus.append(g)
        return g

    def logs(self):
        return [(g.name + " console", g.log_path) for g in self.qemus] + \
               [(os.path.basename(d.log_path), d.log_path) for d in self.daemons]

    def close(self):
        for g in self.qemus:
            g.stop()
        return super().close()


@pytest.fixture(scope="session")
def guest_kernel():
    """Built (or taken from build/guest) once, outside any test's time."""
    return guest_image.build()


@pytest.fixture
def world(request, guest_kernel):
    base = os.environ.get("VUNET_TEST_DIR", "/tmp/vunet-e2e")
    os.makedirs(base, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix=request.node.name[:32] + "-", dir=base)
    w = E2EWorld(workdir)
    request.node.e2e_world = w
    yield w
    errors = w.close()
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.passed:
        shutil.rmtree(workdir, ignore_errors=True)
    else:   # the logs stay for a look; no socket does
        for f in os.listdir(workdir):
            if f.endswith((".sock", ".ctl", ".qmp")):
                os.unlink(os.path.join(workdir, f))
    assert not errors, "\n".join(errors)


def tail(path, n=4000):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-n:]
    except OSError as e:
        return str(e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
    w = getattr(item, "e2e_world", None)
    if rep.failed and w is not None and rep.when == "call":
        for title, path in w.logs():
            rep.sections.append((title, tail(path)))
