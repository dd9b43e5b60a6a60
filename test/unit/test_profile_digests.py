#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""Released interface profiles never change and are never removed: a VM
created on one may migrate to any later vunetd. This test holds the
SHA-256 of every released file. Releasing a profile = adding its file,
listing it in lib/profile/released/meson.build, and adding its digest here.
Output: TAP."""

import hashlib
import os
import re
import sys

RELEASED = {
    "org.vunet.net.v1.json": "015fe88c261e95b1879a8f4ae8a87fe488f0eee417668589bd851d6c2873b1d4",
    "org.vunet.net.v2.json": "c2c6ddea1ba6241f2713fef99c98cb7004c3135dc632c083ab962736aa0a0239",
    "org.vunet.net.v3.json": "37e1192bbc813ff9da3cc87f2284b421cdb19c52effe358cd6d89bd38dcdada2",
}

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
pdir = os.path.join(root, "lib", "profile", "released")
results = []


def check(name, ok, why=""):
    results.append((name, ok, why))


for f, digest in sorted(RELEASED.items()):
    path = os.path.join(pdir, f)
    if not os.path.exists(path):
        check("released %s is still shipped" % f, False, "%s was removed" % path)
        continue
    with open(path, "rb") as fh:
        got = hashlib.sha256(fh.read()).hexdigest()
    check("released %s is unchanged" % f, got == digest,
          "sha256 %s, released as %s: add a new version instead" % (got, digest))

on_disk = sorted(f for f in os.listdir(pdir) if f.endswith(".json"))
unreleased = [f for f in on_disk if f not in RELEASED]
check("every shipped profile has a released digest", not unreleased,
      "no digest for %s" % ", ".join(unreleased))

with open(os.path.join(pdir, "meson.build")) as fh:
    built = sorted(re.findall(r"'([^']+\.json)'", fh.read()))
check("the build embeds exactly the shipped profiles", built == on_disk,
      "meson.build lists %s, the folder has %s" % (built, on_disk))

for i, (name, ok, why) in enumerate(results, 1):
    print("%sok %d - %s" % ("" if ok else "not ", i, name))
    if not ok:
        print("#   " + why)
print("1..%d" % len(results))
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
