#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""The operator's guide names what the code's lists hold, no more, no less:
every drop reason of VUNET_DROPS (lib/stats/vunet_drops.h) has a row in
doc/guide.md's drop table, and every row is a reason the code counts.
Output: TAP."""

import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")


def read(*path):
    with open(os.path.join(root, *path)) as f:
        return f.read()


drops_h = read("lib", "stats", "vunet_drops.h")
listed = re.findall(r"^\s*X\(\w+, (\w+), ", drops_h, re.M)
guide = read("doc", "guide.md")
table = guide[guide.index("| reason | counted on | meaning |"):]
table = table[:table.index("\n\n")]
rows = re.findall(r"^\| `(\w+)` \|", table, re.M)
results = [
    ("VUNET_DROPS has its reasons", len(listed) >= 20, "%d found" % len(listed)),
    ("doc/guide.md has a row for every drop reason", set(listed) <= set(rows),
     "missing: %s" % sorted(set(listed) - set(rows))),
    ("doc/guide.md lists no reason the code lacks", set(rows) <= set(listed),
     "not in VUNET_DROPS: %s" % sorted(set(rows) - set(listed))),
    ("doc/guide.md lists them in the code's order", rows == listed, ""),
]
for i, (name, ok, why) in enumerate(results, 1):
    print("%sok %d - %s" % ("" if ok else "not ", i, name))
    if not ok:
        print("#   " + why)
print("1..%d" % len(results))
sys.exit(0 if all(r[1] for r in results) else 1)
