# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Fixtures: a 'world' per test that owns every process, socket and
namespace the test makes, and removes them whatever the outcome."""

import os
import shutil
import tempfile

import pytest

import harness


def pytest_configure(config):
    if os.geteuid() != 0:
        pytest.exit("integration tests need root (hugepages, namespaces)", returncode=2)
    if not os.path.exists(harness.VUNETD):
        pytest.exit("no %s: build first (scripts/setup.sh)" % harness.VUNETD, returncode=2)


@pytest.fixture
def world(request):
    base = os.environ.get("VUNET_TEST_DIR", "/tmp/vunet-test")
    os.makedirs(base, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix=request.node.name[:40] + "-", dir=base)
    w = harness.World(workdir)
    yield w
    errors = w.close()
    assert not errors, "\n".join(errors)
    if request.node.rep_call.passed if hasattr(request.node, "rep_call") else False:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
