#!/usr/bin/env python3
# embed-text.py: a text file as a C string constant — embed-text.py IN OUT.c NAME
# SPDX-License-Identifier: GPL-3.0-or-later
import sys

source, target, name = sys.argv[1:4]
with open(source, encoding="utf-8") as f:
    text = f.read()
lines = ["/* generated from %s by embed-text.py: edit that file */\n" % source.rsplit("/", 1)[-1],
         "const char %s[] =\n" % name]
for line in text.splitlines(keepends=True):
    escaped = "".join("\\%03o" % b if b < 0x20 or b >= 0x7f or b in (0x22, 0x5c, 0x3f) else chr(b)
                      for b in line.encode("utf-8"))
    lines.append('  "%s"\n' % escaped)
lines.append("  ;\n")
with open(target, "w", encoding="utf-8") as f:
    f.writelines(lines)
